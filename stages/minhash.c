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
		if (v == WF_MINHASH_EMPTY)
			v--; /* keep the sentinel free */
		if (v < sig[bin])
			sig[bin] = v;
		if (track)
			filled[bin / 64] |= 1ull << (bin % 64);
	}
	if (!track)
		return; /* huge k: leave empty bins (not used by wirefold) */
	for (unsigned i = 0; i < k; i++) {
		if (filled[i / 64] >> (i % 64) & 1)
			continue;
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

uint64_t wf_simhash(const uint64_t *hashes, const uint32_t *weights, size_t n)
{
	uint64_t out = 0;
	if (!weights) {
		/* unweighted: a bit is set when most hashes have it set; the
		 * branch-free count vectorises */
		uint32_t count[64] = {0};
		for (size_t j = 0; j < n; j++)
			for (unsigned bit = 0; bit < 64; bit++)
				count[bit] += (uint32_t)(hashes[j] >> bit) & 1u;
		for (unsigned bit = 0; bit < 64; bit++)
			if (2 * (uint64_t)count[bit] > n)
				out |= 1ull << bit;
		return out;
	}
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
