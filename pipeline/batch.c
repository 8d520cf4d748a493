/* batch.c — batches of lines, and a small pool of freed ones.
 *
 * A batch's arena grows to several MiB (the lines and all that the stages
 * derive from them) and is dropped a moment later.  Given back to malloc,
 * that memory is soon returned to the kernel and mapped again, one page
 * fault per 4 KiB: measured, a fifth of the CPU time of the parallel
 * stages.  So a freed batch keeps its arena's blocks and waits in a pool
 * for the next wf_batch_new.  The pool only ever holds batches that were
 * all alive at once a moment before, so it adds nothing to the peak. */
#include "wirefold/batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/error.h"

enum {
	ARENA_BLOCK = 256 * 1024,
	POOL_MAX = 32, /* batches kept; more are freed (2 x threads + 2 fly) */
};

/* Under AddressSanitizer a pooled batch's articles are poisoned (its
 * arena's blocks are by wf_arena_reset; asan.h). */
#include "wirefold/asan.h"

static struct {
	pthread_mutex_t lock;
	size_t n;
	struct wf_batch *b[POOL_MAX];
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* A pooled batch for cap lines, or NULL. */
static struct wf_batch *pool_take(size_t cap)
{
	struct wf_batch *b = NULL;
	pthread_mutex_lock(&pool.lock);
	for (size_t i = pool.n; i-- > 0;) {
		if (pool.b[i]->cap == cap) {
			b = pool.b[i];
			pool.b[i] = pool.b[--pool.n];
			break;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	if (b)
		UNPOISON(b->items, b->cap * sizeof *b->items);
	return b;
}

/* Keep b for reuse; false when the pool is full. */
static bool pool_put(struct wf_batch *b)
{
	bool kept = false;
	POISON(b->items, b->cap * sizeof *b->items);
	pthread_mutex_lock(&pool.lock);
	if (pool.n < POOL_MAX) {
		pool.b[pool.n++] = b;
		kept = true;
	}
	pthread_mutex_unlock(&pool.lock);
	if (!kept)
		UNPOISON(b->items, b->cap * sizeof *b->items);
	return kept;
}

static void batch_destroy(struct wf_batch *b)
{
	UNPOISON(b->items, b->cap * sizeof *b->items);
	wf_arena_close(&b->arena);
	free(b->items);
	free(b);
}

struct wf_batch *wf_batch_new(size_t cap)
{
	cap = cap ? cap : 1;
	struct wf_batch *b = pool_take(cap);
	if (b) {
		/* as new, but for the items array and the arena's blocks */
		struct wf_article *items = b->items;
		struct wf_arena arena = b->arena;
		memset(items, 0, b->n * sizeof *items);
		memset(b, 0, sizeof *b);
		b->items = items;
		b->cap = cap;
		b->arena = arena;
		return b;
	}
	b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->items = calloc(cap, sizeof *b->items);
	if (!b->items) {
		free(b);
		return NULL;
	}
	b->cap = cap;
	wf_arena_init(&b->arena, ARENA_BLOCK);
	return b;
}

void wf_batch_free(struct wf_batch *b)
{
	if (!b)
		return;
	wf_arena_reset(&b->arena);
	if (!pool_put(b))
		batch_destroy(b);
}

void wf_batch_pool_drain(void)
{
	for (;;) {
		pthread_mutex_lock(&pool.lock);
		struct wf_batch *b = pool.n ? pool.b[--pool.n] : NULL;
		pthread_mutex_unlock(&pool.lock);
		if (!b)
			return;
		batch_destroy(b);
	}
}

struct wf_article *wf_batch_add_line(struct wf_batch *b, uint64_t line_no,
                                     const char *line, size_t len)
{
	if (b->n == b->cap)
		return NULL;
	char *copy = wf_arena_strndup(&b->arena, line ? line : "", line ? len : 0);
	if (!copy)
		return NULL;
	struct wf_article *a = &b->items[b->n++];
	memset(a, 0, sizeof *a);
	a->line_no = line_no;
	a->line = copy;
	a->line_len = line ? len : 0;
	b->bytes += a->line_len;
	return a;
}

void wf_batch_reject(struct wf_batch *b, struct wf_article *a, int error,
                     const char *reason)
{
	a->rejected = true;
	a->error = error;
	a->reason = reason ? wf_arena_strndup(&b->arena, reason, strlen(reason)) : NULL;
	if (!a->reason)
		a->reason = wf_strerror(error);
}
