#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "wirefold/lshindex.h"

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

/* Tables never grow: a full one hands over to a larger one, and every pair
 * is still found, at a few bytes a pair. */
Test(lshindex, a_full_table_hands_over_and_nothing_is_lost)
{
	struct wf_lsh_index *ix = wf_lsh_index_new(1000000000);
	enum { N = 200000, K = 4 };
	for (unsigned v = 0; v < N; v++) {
		uint64_t k[K];
		for (unsigned j = 0; j < K; j++)
			k[j] = key(v * K + j);
		cr_assert_eq(wf_lsh_index_add(ix, (int64_t)v / 100, k, K, v), 0);
	}
	uint32_t out[64];
	for (unsigned v = 0; v < N; v += 997) {
		uint64_t k = key(v * K + v % K);
		size_t n = wf_lsh_index_query(ix, &k, 1, out, 64);
		cr_assert(has(out, n, v), "value %u lost", v);
	}
	cr_assert_lt(wf_lsh_index_bytes(ix), (size_t)N * K * 8, "%zu bytes for %u pairs",
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
