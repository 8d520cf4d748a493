/* arena.h — bump allocator that owns everything one batch allocates.
 *
 * Articles of a batch live exactly as long as the batch, so their strings,
 * token arrays and fingerprints come from one arena and are released together
 * by wf_arena_close(): no per-field free, no leak on an error path.
 * Not thread-safe: one arena is used by one thread at a time. */
#ifndef WF_ARENA_H
#define WF_ARENA_H

#include <stddef.h>

struct wf_arena_block;

struct wf_arena {
	struct wf_arena_block *head;  /* current block, linked to older ones */
	struct wf_arena_block *spare; /* blocks kept by wf_arena_reset */
	size_t block_size;            /* default size of a new block */
};

/* wf_arena_init: an empty arena whose blocks are block_size bytes (0 = 64 KiB). */
void wf_arena_init(struct wf_arena *a, size_t block_size);

/* wf_arena_close: free every block; the arena is then empty and reusable. */
void wf_arena_close(struct wf_arena *a);

/* wf_arena_reset: forget every allocation, as wf_arena_close does, but keep
 * the blocks of the default size to serve later allocations: an arena used
 * over and over stops calling malloc, and its pages stay mapped (freshly
 * mapped pages cost a page fault each).  Larger blocks are freed. */
void wf_arena_reset(struct wf_arena *a);

/* wf_arena_alloc: n bytes aligned to 16, uninitialised; NULL when out of memory.
 * The memory belongs to the arena. */
void *wf_arena_alloc(struct wf_arena *a, size_t n);

/* wf_arena_strndup: NUL-terminated copy of s[0..n); NULL when out of memory. */
char *wf_arena_strndup(struct wf_arena *a, const char *s, size_t n);

#endif
