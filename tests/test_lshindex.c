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
	/* at most the window plus one generation is held */
	uint32_t out[8];
	uint64_t old = key(100), recent = key(2950);
	cr_assert_eq(wf_lsh_index_query(ix, &recent, 1, out, 8) >= 1, true);
	size_t n = wf_lsh_index_query(ix, &old, 1, out, 8);
	cr_assert(!has(out, n, 100), "an expired value is still found");
	cr_assert_lt(wf_lsh_index_bytes(ix), 64 * 1024);
	wf_lsh_index_free(ix);
}
