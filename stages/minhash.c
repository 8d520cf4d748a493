/* minhash.c — one-permutation MinHash with densification, LSH parameters,
 * SimHash. */
#include "wirefold/minhash.h"

#include <stdbool.h>
#include <string.h>

void wf_minhash_oph(const uint64_t *hashes, size_t n, uint32_t *sig, unsigned k,
                    uint64_t seed)
{
	for (unsigned i = 0; i < k; i++)
		sig[i] = WF_MINHASH_EMPTY;
	if (n == 0)
		return;
	/* a bit per bin: filled by an element (as opposed to densified) */
	uint64_t filled[(1024 + 63) / 64] = {0};
	bool track = k <= 1024;
	for (size_t j = 0; j < n; j++) {
		uint64_t h = wf_hash_finish(hashes[j] ^ seed);
		unsigned bin = (unsigned)(((h >> 32) * (uint64_t)k) >> 32);
		uint32_t v = (uint32_t)h;
		v -= v == WF_MINHASH_EMPTY; /* keep the sentinel free */
		/* branch-free: whether v is a new minimum is hard to predict */
		sig[bin] = v < sig[bin] ? v : sig[bin];
		if (track)
			filled[bin / 64] |= 1ull << (bin % 64);
	}
	if (!track)
		return; /* huge k: leave empty bins (not used by wirefold) */
	/* the empty bins, found a word of bits at a time (whether a single
	 * bin is empty is too random a branch) */
	for (unsigned q = 0; q * 64 < k; q++) {
		uint64_t empty = ~filled[q];
		if (k - q * 64 < 64)
			empty &= (1ull << (k - q * 64)) - 1;
		for (; empty; empty &= empty - 1) {
			const unsigned i = q * 64 + (unsigned)__builtin_ctzll(empty);
			for (uint64_t attempt = 1;; attempt++) {
				uint64_t r = wf_hash_finish(seed ^ ((uint64_t)i << 32) ^ attempt);
				unsigned j = (unsigned)(((r >> 32) * (uint64_t)k) >> 32);
				if (filled[j / 64] >> (j % 64) & 1) {
					sig[i] = sig[j];
					break;
				}
			}
		}
	}
}

double wf_minhash_similarity(const uint32_t *a, const uint32_t *b, unsigned k)
{
	if (k == 0 || a[0] == WF_MINHASH_EMPTY || b[0] == WF_MINHASH_EMPTY)
		return 0.0;
	unsigned eq = 0;
	for (unsigned i = 0; i < k; i++)
		eq += a[i] == b[i];
	return (double)eq / k;
}

/* ∫ f over [lo, hi] by composite Simpson's rule. */
static double integrate(double (*f)(double, double, double), double b, double r,
                        double lo, double hi)
{
	enum { N = 200 };
	double h = (hi - lo) / N, sum = f(lo, b, r) + f(hi, b, r);
	for (int i = 1; i < N; i++)
		sum += f(lo + i * h, b, r) * (i % 2 ? 4 : 2);
	return sum * h / 3;
}

static double powi(double x, double n)
{
	double r = 1;
	for (int i = 0; i < (int)n; i++)
		r *= x;
	return r;
}

static double p_candidate(double s, double b, double r)
{
	return 1 - powi(1 - powi(s, r), b);
}

static double p_missed(double s, double b, double r)
{
	return powi(1 - powi(s, r), b);
}

void wf_lsh_params(double t, unsigned k, double w_fp, double w_fn,
                   unsigned *bands, unsigned *rows)
{
	double best = 1e300;
	*bands = 1;
	*rows = k;
	for (unsigned b = 1; b <= k; b++) {
		for (unsigned r = 1; b * r <= k; r++) {
			double fp = integrate(p_candidate, b, r, 0, t);
			double fn = integrate(p_missed, b, r, t, 1);
			double e = w_fp * fp + w_fn * fn;
			if (e < best) {
				best = e;
				*bands = b;
				*rows = r;
			}
		}
	}
}

/* Carry-save adder: adds three bit vectors lane by lane into a sum bit
 * (*lo) and a carry bit (*hi). */
static inline void csa(uint64_t *hi, uint64_t *lo, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t u = a ^ b;
	*hi = (a & b) | (u & c);
	*lo = u ^ c;
}

/* Adds x, with weight 2^level, to the bit-sliced counters plane[] (plane[i]
 * holds bit i of the 64 per-lane counts). */
static inline void plane_add(uint64_t *plane, unsigned level, uint64_t x)
{
	for (unsigned i = level; x; i++) {
		uint64_t carry = plane[i] & x;
		plane[i] ^= x;
		x = carry;
	}
}

/* The unweighted SimHash: bit b is set when more than half the hashes have
 * it set.  The 64 per-bit counts are kept bit-sliced ("vertical"), and a
 * carry-save adder tree (Harley-Seal) folds eight hashes at a time into
 * them, so a hash costs a handful of word operations instead of 64 counter
 * updates. */
static uint64_t majority(const uint64_t *h, size_t n)
{
	/* counts <= n < 2^64; plane 0..2 double as the tree's ones, twos
	 * and fours */
	uint64_t plane[64] = {0};
	size_t j = 0;
	for (; j + 8 <= n; j += 8) {
		uint64_t twos_a, twos_b, fours_a, fours_b, eights;
		csa(&twos_a, &plane[0], plane[0], h[j], h[j + 1]);
		csa(&twos_b, &plane[0], plane[0], h[j + 2], h[j + 3]);
		csa(&fours_a, &plane[1], plane[1], twos_a, twos_b);
		csa(&twos_a, &plane[0], plane[0], h[j + 4], h[j + 5]);
		csa(&twos_b, &plane[0], plane[0], h[j + 6], h[j + 7]);
		csa(&fours_b, &plane[1], plane[1], twos_a, twos_b);
		csa(&eights, &plane[2], plane[2], fours_a, fours_b);
		plane_add(plane, 3, eights);
	}
	for (; j < n; j++)
		plane_add(plane, 0, h[j]);
	/* lanes whose count exceeds n / 2, compared bit-sliced from the top
	 * plane that a count <= n can reach */
	const uint64_t half = n / 2;
	int top = 0;
	for (size_t m = n; m > 1; m >>= 1)
		top++;
	uint64_t gt = 0, eq = ~0ull;
	for (int i = top; i >= 0; i--) {
		uint64_t t = (half >> i & 1) ? ~0ull : 0;
		gt |= eq & plane[i] & ~t;
		eq &= ~(plane[i] ^ t);
	}
	return gt;
}

uint64_t wf_simhash(const uint64_t *hashes, const uint32_t *weights, size_t n)
{
	uint64_t out = 0;
	if (!weights)
		return majority(hashes, n);
	int64_t acc[64];
	memset(acc, 0, sizeof acc);
	for (size_t j = 0; j < n; j++) {
		uint64_t h = hashes[j];
		int64_t w = weights[j];
		for (unsigned bit = 0; bit < 64; bit++)
			acc[bit] += (h >> bit & 1) ? w : -w;
	}
	for (unsigned bit = 0; bit < 64; bit++)
		if (acc[bit] > 0)
			out |= 1ull << bit;
	return out;
}
