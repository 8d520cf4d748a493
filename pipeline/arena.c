#include "wirefold/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Under AddressSanitizer the spare blocks are poisoned (asan.h). */
#include "wirefold/asan.h"

struct wf_arena_block {
	struct wf_arena_block *next;
	size_t size; /* usable bytes in data[] */
	size_t used;
	_Alignas(16) unsigned char data[];
};

enum { ALIGN = 16, DEFAULT_BLOCK = 64 * 1024 };

void wf_arena_init(struct wf_arena *a, size_t block_size)
{
	a->head = NULL;
	a->spare = NULL;
	a->block_size = block_size ? block_size : DEFAULT_BLOCK;
}

static void free_blocks(struct wf_arena_block *b)
{
	while (b) {
		struct wf_arena_block *next = b->next;
		UNPOISON(b->data, b->size);
		free(b);
		b = next;
	}
}

void wf_arena_close(struct wf_arena *a)
{
	free_blocks(a->head);
	free_blocks(a->spare);
	a->head = NULL;
	a->spare = NULL;
}

void wf_arena_reset(struct wf_arena *a)
{
	struct wf_arena_block *b = a->head;
	while (b) {
		struct wf_arena_block *next = b->next;
		if (b->size == a->block_size) {
			b->next = a->spare;
			a->spare = b;
			POISON(b->data, b->size);
		} else {
			free(b);
		}
		b = next;
	}
	a->head = NULL;
}

/* A block of size usable bytes, empty: a spare one when it fits. */
static struct wf_arena_block *new_block(struct wf_arena *a, size_t size)
{
	struct wf_arena_block *nb = a->spare;
	if (nb && size == a->block_size) {
		a->spare = nb->next;
		UNPOISON(nb->data, nb->size);
	} else {
		if (size > SIZE_MAX - sizeof *nb)
			return NULL;
		nb = malloc(sizeof *nb + size);
		if (!nb)
			return NULL;
		nb->size = size;
	}
	nb->used = 0;
	return nb;
}

void *wf_arena_alloc(struct wf_arena *a, size_t n)
{
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need < n)
		return NULL; /* overflow */
	struct wf_arena_block *b = a->head;
	if (!b || b->size - b->used < need) {
		/* A large request gets a block of its own, put behind the current
		 * one so the current block's free space is not wasted. */
		size_t size = need > a->block_size / 4 ? need : a->block_size;
		struct wf_arena_block *nb = new_block(a, size);
		if (!nb)
			return NULL;
		if (b && size == need) {
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			a->head = nb;
		}
		b = nb;
	}
	void *p = b->data + b->used;
	b->used += need;
	return p;
}

char *wf_arena_strndup(struct wf_arena *a, const char *s, size_t n)
{
	char *p = wf_arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
