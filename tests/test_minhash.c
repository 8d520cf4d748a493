#include <criterion/criterion.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/minhash.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

/* Two random sets with a chosen overlap: |A| = na, |B| = nb, |A∩B| = common. */
static void make_pair(uint64_t *a, size_t na, uint64_t *b, size_t nb, size_t common)
{
	for (size_t i = 0; i < common; i++)
		a[i] = b[i] = next();
	for (size_t i = common; i < na; i++)
		a[i] = next();
	for (size_t i = common; i < nb; i++)
		b[i] = next();
}

enum { K = 128 };

Test(minhash, a_set_is_identical_to_itself)
{
	uint64_t a[300];
	uint32_t s1[K], s2[K];
	for (int round = 0; round < 50; round++) {
		size_t n = 1 + next() % 300;
		for (size_t i = 0; i < n; i++)
			a[i] = next();
		wf_minhash_oph(a, n, s1, K, 42);
		/* order and repeats do not matter */
		uint64_t b[600];
		for (size_t i = 0; i < n; i++)
			b[i] = a[n - 1 - i], b[n + i] = a[i];
		wf_minhash_oph(b, 2 * n, s2, K, 42);
		cr_assert_eq(wf_minhash_similarity(s1, s2, K), 1.0);
		for (unsigned i = 0; i < K; i++)
			cr_assert_neq(s1[i], WF_MINHASH_EMPTY, "bin %u not densified", i);
	}
}

/* wf_minhash_oph as the header states it: each element's bin and value,
 * then each empty bin copies the first filled one its seeded attempts
 * pick, with a bit kept per element as it lands. */
static void reference_oph(const uint64_t *h, size_t n, uint32_t *sig, unsigned k,
                          uint64_t seed)
{
	static bool filled[4096];
	for (unsigned i = 0; i < k; i++) {
		sig[i] = WF_MINHASH_EMPTY;
		filled[i] = false;
	}
	for (size_t j = 0; j < n; j++) {
		const uint64_t x = wf_hash_finish(h[j] ^ seed);
		const unsigned bin = (unsigned)(((x >> 32) * (uint64_t)k) >> 32);
		uint32_t v = (uint32_t)x;
		if (v == WF_MINHASH_EMPTY)
			v--;
		if (v < sig[bin])
			sig[bin] = v;
		filled[bin] = true;
	}
	if (n == 0 || k > 1024)
		return;
	for (unsigned i = 0; i < k; i++)
		for (uint64_t attempt = 1; !filled[i]; attempt++) {
			const uint64_t r = wf_hash_finish(seed ^ ((uint64_t)i << 32) ^ attempt);
			const unsigned j = (unsigned)(((r >> 32) * (uint64_t)k) >> 32);
			if (filled[j]) {
				sig[i] = sig[j];
				break;
			}
		}
}

/* Every k around the word and sixteen-bin steps of the filled bitmap, few
 * and many elements (many empty bins, none), a repeated element. */
Test(minhash, matches_the_reference_for_every_k_and_size)
{
	static const unsigned ks[] = {1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100,
	                              127, 128, 129, 200, 256, 1000, 1024, 1025, 1500};
	static const size_t ns[] = {0, 1, 2, 5, 38, 200, 1000, 5000};
	static uint64_t h[5000];
	static uint32_t got[1500], want[1500];
	for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
		for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
			const size_t n = ns[ni];
			const uint64_t seed = next();
			for (size_t j = 0; j < n; j++)
				h[j] = next();
			if (n > 3)
				h[1] = h[0];
			reference_oph(h, n, want, ks[ki], seed);
			wf_minhash_oph(h, n, got, ks[ki], seed);
			cr_assert_arr_eq(got, want, ks[ki] * sizeof *got, "k %u n %zu", ks[ki], n);
		}
}

Test(minhash, similarity_is_symmetric_and_empty_sets_match_nothing)
{
	uint64_t a[100], b[100];
	uint32_t sa[K], sb[K], se[K];
	make_pair(a, 100, b, 100, 40);
	wf_minhash_oph(a, 100, sa, K, 1);
	wf_minhash_oph(b, 100, sb, K, 1);
	cr_assert_eq(wf_minhash_similarity(sa, sb, K), wf_minhash_similarity(sb, sa, K));
	wf_minhash_oph(a, 0, se, K, 1);
	cr_assert_eq(wf_minhash_similarity(se, se, K), 0.0);
	cr_assert_eq(wf_minhash_similarity(sa, se, K), 0.0);
}

/* Over many random pairs, the estimate is unbiased and within the binomial
 * error sqrt(J(1-J)/K) of the exact Jaccard similarity. */
Test(minhash, estimate_is_within_expected_error_of_exact_jaccard)
{
	static uint64_t a[400], b[400];
	uint32_t sa[K], sb[K];
	int outside = 0, pairs = 0;
	double bias = 0;
	for (size_t common = 0; common <= 150; common += 10) {
		for (int rep = 0; rep < 20; rep++) {
			size_t na = 200, nb = 150 + next() % 100;
			make_pair(a, na, b, nb, common);
			double exact = (double)common / (double)(na + nb - common);
			wf_minhash_oph(a, na, sa, K, (uint64_t)rep);
			wf_minhash_oph(b, nb, sb, K, (uint64_t)rep);
			double est = wf_minhash_similarity(sa, sb, K);
			double sd = sqrt(exact * (1 - exact) / K) + 1e-9;
			outside += fabs(est - exact) > 3 * sd + 1.0 / K;
			bias += est - exact;
			pairs++;
		}
	}
	cr_assert_lt(outside, pairs / 50, "%d of %d estimates beyond 3 sd", outside, pairs);
	cr_assert_lt(fabs(bias / pairs), 0.01, "mean bias %f", bias / pairs);
}

static bool banded_match(const uint32_t *x, const uint32_t *y, unsigned bands, unsigned rows)
{
	for (unsigned b = 0; b < bands; b++)
		if (memcmp(x + b * rows, y + b * rows, rows * sizeof *x) == 0)
			return true;
	return false;
}

/* The chosen bands × rows find most pairs above the threshold and few far
 * below it. */
Test(minhash, lsh_finds_pairs_at_the_threshold)
{
	const double t = 0.3;
	unsigned bands, rows;
	wf_lsh_params(t, K, 0.5, 0.5, &bands, &rows);
	cr_assert_leq(bands * rows, K);
	cr_assert_gt(bands, 1);
	static uint64_t a[300], b[300];
	uint32_t sa[K], sb[K];
	int hit_above = 0, hit_far_below = 0, n = 400;
	for (int i = 0; i < n; i++) {
		/* J = 0.4: common / (400 - common) → common ≈ 114 */
		make_pair(a, 200, b, 200, 114);
		wf_minhash_oph(a, 200, sa, K, 7);
		wf_minhash_oph(b, 200, sb, K, 7);
		hit_above += banded_match(sa, sb, bands, rows);
		/* J = 0.05 → common ≈ 19 */
		make_pair(a, 200, b, 200, 19);
		wf_minhash_oph(a, 200, sa, K, 7);
		wf_minhash_oph(b, 200, sb, K, 7);
		hit_far_below += banded_match(sa, sb, bands, rows);
	}
	cr_assert_geq(hit_above, n * 90 / 100, "recall at J=0.4: %d/%d (b=%u r=%u)", hit_above, n,
	              bands, rows);
	cr_assert_leq(hit_far_below, n * 10 / 100, "candidates at J=0.05: %d/%d", hit_far_below, n);
}

Test(minhash, lsh_params_move_with_the_threshold)
{
	unsigned b1, r1, b2, r2;
	wf_lsh_params(0.2, K, 0.5, 0.5, &b1, &r1);
	wf_lsh_params(0.8, K, 0.5, 0.5, &b2, &r2);
	/* the S-curve's midpoint (1/b)^(1/r) follows the threshold */
	double m1 = pow(1.0 / b1, 1.0 / r1), m2 = pow(1.0 / b2, 1.0 / r2);
	cr_assert_lt(fabs(m1 - 0.2), 0.12, "b=%u r=%u mid %f", b1, r1, m1);
	cr_assert_lt(fabs(m2 - 0.8), 0.12, "b=%u r=%u mid %f", b2, r2, m2);
}

/* wf_lsh_params as it was first written, each integral's powers taken on
 * their own: the search that takes them from the last b's and r's must
 * choose the same bands and rows for every parameter set. */
static double ref_powi(double x, double n)
{
	double r = 1;
	for (int i = 0; i < (int)n; i++)
		r *= x;
	return r;
}

static double ref_candidate(double s, double b, double r)
{
	return 1 - ref_powi(1 - ref_powi(s, r), b);
}

static double ref_missed(double s, double b, double r)
{
	return ref_powi(1 - ref_powi(s, r), b);
}

static double ref_integrate(double (*f)(double, double, double), double b, double r,
                            double lo, double hi)
{
	enum { N = 200 };
	double h = (hi - lo) / N, sum = f(lo, b, r) + f(hi, b, r);
	for (int i = 1; i < N; i++)
		sum += f(lo + i * h, b, r) * (i % 2 ? 4 : 2);
	return sum * h / 3;
}

static void ref_lsh_params(double t, unsigned k, double w_fp, double w_fn, unsigned *bands,
                           unsigned *rows)
{
	double best = 1e300;
	*bands = 1;
	*rows = k;
	for (unsigned b = 1; b <= k; b++) {
		for (unsigned r = 1; b * r <= k; r++) {
			double e = w_fp * ref_integrate(ref_candidate, b, r, 0, t) +
			           w_fn * ref_integrate(ref_missed, b, r, t, 1);
			if (e < best) {
				best = e;
				*bands = b;
				*rows = r;
			}
		}
	}
}

static void expect_lsh_params(double t, unsigned k, double w_fp)
{
	unsigned b, r, rb, rr;
	wf_lsh_params(t, k, w_fp, 1 - w_fp, &b, &r);
	ref_lsh_params(t, k, w_fp, 1 - w_fp, &rb, &rr);
	cr_assert(b == rb && r == rr, "t=%g k=%u w_fp=%g: %u x %u, the reference %u x %u", t, k,
	          w_fp, b, r, rb, rr);
}

Test(minhash, lsh_params_match_the_full_computation)
{
	/* the defaults (config.c): the whole text's bands and the lede's */
	expect_lsh_params(0.2, 128, 0.5);
	expect_lsh_params(0.5, 32, 0.5);
	expect_lsh_params(0.2, 256, 0.5);
	/* a sweep of thresholds (the ends too), signature lengths and weights;
	 * w_fp 0 and 1 make whole ranges of (b, r) tie at 0 */
	static const unsigned ks[] = {1, 2, 8, 13, 32, 64};
	static const double ws[] = {0, 0.1, 0.5, 0.9, 1};
	for (int ti = 0; ti <= 20; ti++)
		for (size_t ki = 0; ki < sizeof ks / sizeof *ks; ki++)
			for (size_t wi = 0; wi < sizeof ws / sizeof *ws; wi++)
				expect_lsh_params(ti / 20.0, ks[ki], ws[wi]);
	for (int i = 0; i < 20; i++)
		expect_lsh_params((double)(next() % 1000) / 1000, 8 + (unsigned)(next() % 121),
		                  (double)(next() % 100) / 100);
}

/* ---- wf_sort_unique ------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* v[0..n) sorted and without repeats the slow way; returns the count. */
static uint32_t reference_unique(uint32_t *v, uint32_t n)
{
	qsort(v, n, sizeof *v, cmp_u32);
	uint32_t k = n ? 1 : 0;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

enum { SORT_MAX = 5000 };

/* Kinds of input: uniform hashes (the fast path), uniform with many
 * repeats, values crowded under few top bits (long runs: the move budget
 * hands over to the radix sort), few distinct values, sorted and reversed
 * runs, zeros and UINT32_MAX (values at the table's ends). */
static uint32_t make_values(uint32_t *v, uint32_t n, unsigned kind)
{
	static uint32_t pool[64];
	for (unsigned i = 0; i < 64; i++)
		pool[i] = (uint32_t)next();
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t r = (uint32_t)next();
		switch (kind) {
		case 0: v[i] = r; break;
		case 1: v[i] = next() % 3 ? r : pool[r % 64]; break;
		case 2: v[i] = r & 0x00ffffffu; break;
		case 3: v[i] = (r & 0xff) | 0x7f000000u; break;
		case 4: v[i] = pool[r % 5]; break;
		case 5: v[i] = i * 2654435761u; break;
		case 6: v[i] = UINT32_MAX - i; break;
		default: v[i] = r % 4 == 0 ? 0 : r % 4 == 1 ? UINT32_MAX : r; break;
		}
	}
	return n;
}

Test(sort_unique, matches_qsort_for_every_kind_size_and_room)
{
	static uint32_t v[SORT_MAX], w[SORT_MAX], tmp[WF_SORT_UNIQUE_ROOM * SORT_MAX];
	static const uint32_t sizes[] = {0, 1, 2, 7, 8, 9, 10, 16, 17, 63, 64, 65, 200, 257,
	                                 511, 1023, 1024, 1500, 2047, 2048, 2049, 4999};
	for (unsigned kind = 0; kind < 8; kind++)
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
			for (int round = 0; round < 3; round++) {
				const uint32_t n = make_values(v, sizes[si], kind);
				memcpy(w, v, n * sizeof *v);
				const uint32_t want = reference_unique(w, n);
				/* room for the table, and just n: the radix sort */
				const size_t room = round == 2 ? n : WF_SORT_UNIQUE_ROOM * (size_t)n;
				const uint32_t got = wf_sort_unique(v, tmp, n, room);
				cr_assert_eq(got, want, "kind %u n %u: %u values, want %u", kind, n,
				             got, want);
				cr_assert_arr_eq(v, w, want * sizeof *v, "kind %u n %u", kind, n);
			}
}

Test(sort_unique, leaves_tmp_beyond_room_alone)
{
	static uint32_t v[600], tmp[WF_SORT_UNIQUE_ROOM * 600 + 100];
	for (uint32_t n = 9; n <= 600; n += 59) {
		make_values(v, n, 1);
		const size_t room = WF_SORT_UNIQUE_ROOM * (size_t)n;
		for (size_t i = room; i < sizeof tmp / sizeof tmp[0]; i++)
			tmp[i] = 0xdeadbeef;
		wf_sort_unique(v, tmp, n, room);
		for (size_t i = room; i < sizeof tmp / sizeof tmp[0]; i++)
			cr_assert_eq(tmp[i], 0xdeadbeef, "n %u wrote tmp[%zu]", n, i);
	}
}
