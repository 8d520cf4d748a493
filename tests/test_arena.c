#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "wirefold/arena.h"
#include "wirefold/batch.h"
#include "wirefold/error.h"

Test(arena, allocations_are_aligned_and_distinct)
{
	struct wf_arena a;
	wf_arena_init(&a, 1024);
	unsigned char *prev = NULL;
	for (size_t i = 1; i < 2000; i += 7) {
		unsigned char *p = wf_arena_alloc(&a, i);
		cr_assert_not_null(p);
		cr_assert_eq((uintptr_t)p % 16, 0);
		memset(p, 0xab, i); /* ASan catches an overlap with a block end */
		cr_assert_neq(p, prev);
		prev = p;
	}
	wf_arena_close(&a);
	wf_arena_close(&a); /* closing twice is safe */
}

Test(arena, strndup_copies_and_terminates)
{
	struct wf_arena a;
	wf_arena_init(&a, 0);
	char *s = wf_arena_strndup(&a, "hello world", 5);
	cr_assert_str_eq(s, "hello");
	char *e = wf_arena_strndup(&a, NULL, 0);
	cr_assert_str_eq(e, "");
	wf_arena_close(&a);
}

Test(arena, large_request_after_small_keeps_small_block_usable)
{
	struct wf_arena a;
	wf_arena_init(&a, 4096);
	char *small = wf_arena_alloc(&a, 16);
	char *big = wf_arena_alloc(&a, 100000);
	char *small2 = wf_arena_alloc(&a, 16);
	cr_assert(small && big && small2);
	/* small2 comes from the first block, right after small */
	cr_assert_eq(small2, small + 16);
	wf_arena_close(&a);
}

Test(batch, add_lines_until_full)
{
	struct wf_batch *b = wf_batch_new(3);
	cr_assert_not_null(b);
	cr_assert_not_null(wf_batch_add_line(b, 1, "a", 1));
	cr_assert_not_null(wf_batch_add_line(b, 2, "bb", 2));
	struct wf_article *c = wf_batch_add_line(b, 3, NULL, 0);
	cr_assert_not_null(c);
	cr_assert_null(wf_batch_add_line(b, 4, "d", 1));
	cr_assert_eq(b->n, 3);
	cr_assert_eq(b->bytes, 3);
	cr_assert_str_eq(b->items[1].line, "bb");
	wf_batch_reject(b, c, WF_ETOOLONG, NULL);
	cr_assert(c->rejected);
	cr_assert_str_eq(c->reason, "line too long");
	wf_batch_free(b);
	wf_batch_free(NULL);
}

Test(arena, reset_reuses_default_blocks_and_frees_large_ones)
{
	struct wf_arena a;
	wf_arena_init(&a, 4096);
	unsigned char *first = wf_arena_alloc(&a, 3000);
	cr_assert_not_null(wf_arena_alloc(&a, 3000)); /* a second block */
	cr_assert_not_null(wf_arena_alloc(&a, 100000)); /* a block of its own */
	memset(first, 0xcd, 3000);
	wf_arena_reset(&a);
	/* the blocks come back, empty and whole */
	for (int i = 0; i < 4; i++) {
		unsigned char *p = wf_arena_alloc(&a, 4096);
		cr_assert_not_null(p);
		cr_assert_eq((uintptr_t)p % 16, 0);
		memset(p, i, 4096); /* ASan: the whole block is usable */
	}
	cr_assert_not_null(wf_arena_alloc(&a, 100000));
	wf_arena_reset(&a);
	wf_arena_reset(&a); /* twice is fine */
	char *s = wf_arena_strndup(&a, "again", 5);
	cr_assert_str_eq(s, "again");
	wf_arena_close(&a);
	wf_arena_close(&a);
}

Test(batch, a_freed_batch_comes_back_as_new)
{
	wf_batch_pool_drain();
	struct wf_batch *b = wf_batch_new(4);
	cr_assert_not_null(b);
	b->seq = 7;
	b->stage_ns[2] = 99;
	struct wf_article *a = wf_batch_add_line(b, 1, "line one", 8);
	cr_assert_not_null(a);
	wf_batch_reject(b, a, WF_EJSON, "bad");
	cr_assert_not_null(wf_batch_add_line(b, 2, "two", 3));
	wf_batch_free(b);

	struct wf_batch *c = wf_batch_new(4);
	cr_assert_eq(c, b, "the pooled batch is reused");
	cr_assert_eq(c->n, 0);
	cr_assert_eq(c->cap, 4);
	cr_assert_eq(c->seq, 0);
	cr_assert_eq(c->bytes, 0);
	cr_assert_eq(c->stage_ns[2], 0);
	for (size_t i = 0; i < c->cap; i++) {
		cr_assert_not(c->items[i].rejected);
		cr_assert_null(c->items[i].line);
	}
	struct wf_article *d = wf_batch_add_line(c, 5, "five", 4);
	cr_assert_str_eq(d->line, "five");
	/* another size is not served from the pool */
	struct wf_batch *e = wf_batch_new(8);
	cr_assert_neq(e, c);
	cr_assert_eq(e->cap, 8);
	wf_batch_free(c);
	wf_batch_free(e);
	wf_batch_pool_drain();
	wf_batch_pool_drain();
}

/* Many threads take and give back batches at once. */
static void *churn(void *arg)
{
	long *bad = arg;
	for (int i = 0; i < 2000; i++) {
		struct wf_batch *b = wf_batch_new(2);
		if (!b || b->n) {
			(*bad)++;
			continue;
		}
		char *p = wf_arena_alloc(&b->arena, 200000); /* past a block */
		struct wf_article *a = wf_batch_add_line(b, 1, "x", 1);
		if (!p || !a || strcmp(a->line, "x") != 0)
			(*bad)++;
		else
			memset(p, 1, 200000);
		wf_batch_free(b);
	}
	return NULL;
}

Test(batch, pool_is_thread_safe)
{
	enum { N = 8 };
	pthread_t t[N];
	long bad[N] = {0};
	for (int i = 0; i < N; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, churn, &bad[i]), 0);
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(bad[i], 0, "thread %d", i);
	}
	wf_batch_pool_drain();
}

Test(error, every_code_has_a_message)
{
	for (int e = WF__EFIRST + 1; e < WF__ELAST; e++)
		cr_assert_str_neq(wf_strerror(e), "unknown error");
	cr_assert_str_eq(wf_strerror(WF_OK), "success");
	cr_assert_str_eq(wf_strerror(12345), "unknown error");
}

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD 1
#endif
#endif

#ifdef ASAN_BUILD
/* The test below needs an abort, whatever ASAN_OPTIONS the run has. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "abort_on_error=1";
}

/* A pointer kept into a freed batch is still caught, pool or not. */
Test(batch, use_after_free_is_caught_under_asan, .signal = SIGABRT)
{
	struct wf_batch *b = wf_batch_new(2);
	struct wf_article *a = wf_batch_add_line(b, 1, "kept too long", 13);
	const char *line = a->line;
	wf_batch_free(b);
	volatile char c = line[0];
	(void)c;
}
#endif
