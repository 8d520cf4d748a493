#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/error.h"
#include "wirefold/lshindex.h"
#include "wirefold/state.h"

static uint64_t key(unsigned i)
{
	uint64_t z = i * 0x9E3779B97F4A7C15ull + 12345;
	z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
	return z ^ (z >> 29);
}

static bool has(const uint32_t *v, size_t n, uint32_t x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

Test(lshindex, finds_what_was_filed_under_any_key)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(1000);
	for (unsigned v = 0; v < 5000; v++) {
		uint64_t k[3] = {key(v), key(v + 100000), key(v % 7 + 200000)};
		cr_assert_eq(wf_lsh_index_add(ix, v / 10, k, 3, v), 0);
	}
	uint32_t out[256];
	for (unsigned v = 0; v < 5000; v += 37) {
		uint64_t k = key(v + 100000);
		size_t n = wf_lsh_index_query(ix, &k, 1, out, 256);
		cr_assert(has(out, n, v), "value %u not found", v);
	}
	uint64_t absent = key(999999);
	cr_assert_leq(wf_lsh_index_query(ix, &absent, 1, out, 256), 1); /* a tag collision at most */
	wf_lsh_index_free(ix);
}

Test(lshindex, a_crowded_key_stops_growing_and_queries_stay_bounded)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(1000000);
	uint64_t k = key(1);
	for (unsigned v = 0; v < 10000; v++)
		cr_assert_eq(wf_lsh_index_add(ix, 0, &k, 1, v), 0);
	uint32_t out[1000];
	size_t n = wf_lsh_index_query(ix, &k, 1, out, 1000);
	cr_assert_gt(n, 0);
	cr_assert_leq(n, 64);
	wf_lsh_index_free(ix);
}

Test(lshindex, old_generations_are_dropped_whole)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(100);
	for (unsigned v = 0; v < 3000; v++) {
		uint64_t k = key(v);
		cr_assert_eq(wf_lsh_index_add(ix, (int64_t)v, &k, 1, v), 0);
		wf_lsh_index_expire(ix, (int64_t)v - 300);
	}
	/* at most the window plus two generations (of the first size: 100
	 * pairs a span) are held */
	uint32_t out[8];
	uint64_t old = key(100), recent = key(2950);
	cr_assert_eq(wf_lsh_index_query(ix, &recent, 1, out, 8) >= 1, true);
	size_t n = wf_lsh_index_query(ix, &old, 1, out, 8);
	cr_assert(!has(out, n, 100), "an expired value is still found");
	cr_assert_lt(wf_lsh_index_bytes(ix), 6 * 4096 * 4 + 1024);
	wf_lsh_index_free(ix);
}

/* Values 0..n-1, each filed under k keys of its own, per_ms values a
 * millisecond from time 0. */
static void file_values(struct wf_lsh_index *ix, unsigned n, unsigned k, unsigned per_ms)
{
	uint64_t keys[64];
	cr_assert_leq(k, 64);
	for (unsigned v = 0; v < n; v++) {
		for (unsigned j = 0; j < k; j++)
			keys[j] = key(v * k + j);
		cr_assert_eq(wf_lsh_index_add(ix, (int64_t)(v / per_ms), keys, k, v), 0);
	}
}

/* Tables never grow: a full one hands over to a larger one, and every pair
 * is still found, at a few bytes a pair. */
Test(lshindex, a_full_table_hands_over_and_nothing_is_lost)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(1000000000);
	enum { N = 200000, K = 4 };
	file_values(ix, N, K, 100);
	uint32_t out[64];
	for (unsigned v = 0; v < N; v += 997) {
		uint64_t k = key(v * K + v % K);
		size_t n = wf_lsh_index_query(ix, &k, 1, out, 64);
		cr_assert(has(out, n, v), "value %u lost", v);
	}
	/* all within a sliver of the span: each table twice the last, so at
	 * most twice the room of 3/4-full tables, 4 bytes a slot */
	cr_assert_lt(wf_lsh_index_bytes(ix), (size_t)N * K * 11, "%zu bytes for %u pairs",
	             wf_lsh_index_bytes(ix), N * K);
	wf_lsh_index_free(ix);
}

/* A table holds values less than 2^20 apart; the next value beyond goes to
 * another table and is found all the same. */
Test(lshindex, values_far_apart_are_both_found)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(1000);
	uint64_t a = key(1), b = key(2);
	const uint32_t va = 5, vb = 5 + (1u << 20) + 7;
	cr_assert_eq(wf_lsh_index_add(ix, 0, &a, 1, va), 0);
	cr_assert_eq(wf_lsh_index_add(ix, 1, &b, 1, vb), 0);
	uint32_t out[4];
	size_t n = wf_lsh_index_query(ix, &a, 1, out, 4);
	cr_assert(has(out, n, va));
	n = wf_lsh_index_query(ix, &b, 1, out, 4);
	cr_assert(has(out, n, vb));
	wf_lsh_index_free(ix);
}

/* An index saved and loaded answers as before; a state whose slots do not
 * agree with its counts (every slot used: no probe would ever end) or whose
 * times no feed can have is refused, not run. */
Test(lshindex, a_state_is_loaded_as_saved_or_refused)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(1000);
	file_values(ix, 500, 1, 1); /* value v under key(v), at v ms */
	struct wf_state_out out = {0};
	wf_lsh_index_save(ix, &out);
	cr_assert_eq(out.error, 0);
	/* layout: span i64, n u32, then per table t_start, t_max (i64), cap,
	 * used, base (u32), the slots */
	const size_t slots_at = 8 + 4 + 8 + 8 + 4 + 4 + 4;

	struct wf_lsh_index *back = wf_lsh_index_new(1000);
	struct wf_state_in in;
	wf_state_in_init(&in, out.p, out.len);
	cr_assert_eq(wf_lsh_index_load(back, &in), 0);
	uint32_t a[8], b[8];
	for (unsigned v = 0; v < 500; v += 7) {
		uint64_t k = key(v);
		size_t na = wf_lsh_index_query(ix, &k, 1, a, 8), nb = wf_lsh_index_query(back, &k, 1, b, 8);
		cr_assert_eq(na, nb);
		cr_assert_arr_eq(a, b, na * sizeof *a);
	}
	wf_lsh_index_free(back);

	unsigned char *bad = malloc(out.len);
	memcpy(bad, out.p, out.len);
	uint32_t cap;
	memcpy(&cap, out.p + 8 + 4 + 8 + 8, 4);
	for (uint32_t i = 0; i < cap; i++) { /* every slot used, the count kept */
		uint32_t w = 0xfff00000u | i;
		memcpy(bad + slots_at + 4 * (size_t)i, &w, 4);
	}
	back = wf_lsh_index_new(1000);
	wf_state_in_init(&in, bad, out.len);
	cr_assert_eq(wf_lsh_index_load(back, &in), WF_ESTATE);
	wf_lsh_index_free(back);

	/* a slot in use without a tag (what put() never writes) would read
	 * as empty to a query */
	memcpy(bad, out.p, out.len);
	for (uint32_t i = 0;; i += 16) { /* the first slot of a bucket in use */
		uint32_t w;
		memcpy(&w, bad + slots_at + 4 * (size_t)i, 4);
		if (w) {
			w &= 0x000fffffu;
			w |= !w; /* and not empty */
			memcpy(bad + slots_at + 4 * (size_t)i, &w, 4);
			break;
		}
	}
	back = wf_lsh_index_new(1000);
	wf_state_in_init(&in, bad, out.len);
	cr_assert_eq(wf_lsh_index_load(back, &in), WF_ESTATE);
	wf_lsh_index_free(back);

	memcpy(bad, out.p, out.len);
	const int64_t never = INT64_MAX - 5;
	memcpy(bad + 8 + 4, &never, 8); /* t_start */
	back = wf_lsh_index_new(1000);
	wf_state_in_init(&in, bad, out.len);
	cr_assert_eq(wf_lsh_index_load(back, &in), WF_ESTATE);
	wf_lsh_index_free(back);

	free(bad);
	free(out.p);
	wf_lsh_index_free(ix);
}

/* A feed whose times stand still fills table after table: each new one
 * is twice the last, not sixteen times, so memory follows what is held. */
Test(lshindex, a_feed_at_one_instant_grows_with_what_it_holds)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(3600000);
	enum { N = 60000, K = 36 };
	file_values(ix, N, K, N); /* all at one instant */
	cr_assert_lt(wf_lsh_index_bytes(ix), (size_t)N * K * 4 * 4, "%zu bytes for %u pairs",
	             wf_lsh_index_bytes(ix), N * K);
	wf_lsh_index_free(ix);
}
