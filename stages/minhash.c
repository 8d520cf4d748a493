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
