#include "wirefold/batch.h"

#include <stdlib.h>
#include <string.h>

#include "wirefold/error.h"

struct wf_batch *wf_batch_new(size_t cap)
{
	struct wf_batch *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->items = calloc(cap ? cap : 1, sizeof *b->items);
	if (!b->items) {
		free(b);
		return NULL;
	}
	b->cap = cap ? cap : 1;
	wf_arena_init(&b->arena, 256 * 1024);
	return b;
}

void wf_batch_free(struct wf_batch *b)
{
	if (!b)
		return;
	wf_arena_close(&b->arena);
	free(b->items);
	free(b);
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
