#include <criterion/criterion.h>
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

Test(error, every_code_has_a_message)
{
	for (int e = WF__EFIRST + 1; e < WF__ELAST; e++)
		cr_assert_str_neq(wf_strerror(e), "unknown error");
	cr_assert_str_eq(wf_strerror(WF_OK), "success");
	cr_assert_str_eq(wf_strerror(12345), "unknown error");
}
