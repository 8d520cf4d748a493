/* minhash.c — one-permutation MinHash with densification, sorted sets of
 * hashes, LSH parameters, SimHash. */
#include "wirefold/minhash.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "wirefold/slots.h"

#ifdef __SSE2__
/* A bit for each of the bins s[0..16) that is filled: four compares packed
 * into the sixteen lanes of one byte mask. */
static uint16_t filled16(const uint32_t *s)
{
	const __m128i none = _mm_set1_epi32(-1);
	__m128i e[4];
	for (int i = 0; i < 4; i++)
		e[i] = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(s + 4 * i)), none);
	const __m128i bytes = _mm_packs_epi16(_mm_packs_epi32(e[0], e[1]),
	                                      _mm_packs_epi32(e[2], e[3]));
	return (uint16_t)~_mm_movemask_epi8(bytes);
}
#endif

void wf_minhash_oph(const uint64_t *hashes, size_t n, uint32_t *sig, unsigned k,
                    uint64_t seed)
{
	for (unsigned i = 0; i < k; i++)
		sig[i] = WF_MINHASH_EMPTY;
	if (n == 0)
		return;
	for (size_t j = 0; j < n; j++) {
		uint64_t h = wf_hash_finish(hashes[j] ^ seed);
		unsigned bin = (unsigned)(((h >> 32) * (uint64_t)k) >> 32);
		uint32_t v = (uint32_t)h;
		v -= v == WF_MINHASH_EMPTY; /* keep the sentinel free */
		/* branch-free: whether v is a new minimum is hard to predict */
		sig[bin] = v < sig[bin] ? v : sig[bin];
	}
	if (k > 1024)
		return; /* huge k: leave empty bins (not used by wirefold) */
	/* a bit per bin: filled by an element (as opposed to densified).  No
	 * element leaves the sentinel in its bin, so the bins tell, and k
	 * tests here cost less than a bit set for each of the n elements. */
	uint64_t filled[1024 / 64];
	for (unsigned q = 0; q * 64 < k; q++) {
		const uint32_t *s = sig + q * 64;
		const unsigned m = k - q * 64 < 64 ? k - q * 64 : 64;
		uint64_t w = 0;
		unsigned b = 0;
#ifdef __SSE2__
		for (; b + 16 <= m; b += 16)
			w |= (uint64_t)filled16(s + b) << b;
#endif
		for (; b < m; b++)
			w |= (uint64_t)(s[b] != WF_MINHASH_EMPTY) << b;
		filled[q] = w;
	}
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

/* Sort v[0..n) with an LSD radix sort (4 passes of 8 bits) through tmp. */
static void radix_sort(uint32_t *v, uint32_t *tmp, uint32_t n)
{
	uint32_t *src = v, *dst = tmp;
	for (unsigned shift = 0; shift < 32; shift += 8) {
		uint32_t count[257] = {0};
		for (uint32_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (unsigned b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (uint32_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	/* four passes: the sorted values are back in v */
}

/* Drop repeats from sorted v[0..n); returns the new length. */
static uint32_t drop_repeats(uint32_t *v, uint32_t n)
{
	uint32_t k = 1;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

/* Copy the values of the taken slots of tmp[0..last] to out, in slot
 * order; returns how many.  taken has room for whole words of 64 slots. */
static uint32_t gather(uint32_t *out, const uint32_t *tmp, const uint8_t *taken,
                       uint32_t last)
{
	uint32_t *o = out;
	for (uint32_t q = 0; q <= last / 64; q++, tmp += 64)
		for (uint64_t m = wf_slots_taken64(taken, q); m; m &= m - 1)
			*o++ = tmp[__builtin_ctzll(m)];
	return (uint32_t)(o - out);
}

/* The values are uniform: each goes to the slot
 * of its top bits in a table of 4n to 8n slots (tmp), and in sorted order
 * along a run of taken slots when its own is taken (linear probing that
 * keeps every run sorted: a value stands at or after its home slot, and
 * homes follow the values' order, so the table read in slot order is
 * sorted).  An eighth to a quarter full, most values find their slot
 * free (a table half as large took 12 % more instructions, one twice as
 * large 3 % fewer).  Which slots are taken is a byte each (slots.h): a
 * free slot is then one compare and taking it one store, and the sorted
 * set is read off 16 of those bytes at a time (wf_sort_unique 75.3 M ->
 * 68.8 M instructions on the 5k prefix, against a bitmap).  About two
 * thirds of the instructions of a counting sort by the top bits and an
 * insertion sort of each bucket.  Should the runs be long after all, a
 * budget of moves hands over to a radix sort. */
uint32_t wf_sort_unique(uint32_t *v, uint32_t *tmp, uint32_t n, size_t room)
{
	assert(n <= room);
	if (n < 2)
		return n;
	if (n <= 8) {
		/* few values: insertion sort beats clearing a table */
		for (uint32_t i = 1; i < n; i++) {
			const uint32_t x = v[i];
			uint32_t j = i;
			for (; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return drop_repeats(v, n);
	}
	const unsigned bits = wf_slots_bits(n); /* 2^bits in (4n, 8n] */
	/* a run may pass the table's end by n - 1 slots */
	if (bits > WF_SLOTS_BITS_MAX || (1u << bits) + (size_t)n > room) {
		radix_sort(v, tmp, n);
		return drop_repeats(v, n);
	}
	const unsigned shift = 32 - bits;
	/* whole words of 64 slots for gather */
	uint8_t taken[WF_SLOTS_WORDS * 64];
	memset(taken, 0, wf_slots_bytes(bits, n));
	uint32_t last = (1u << bits) - 1; /* the last slot taken, at least */
	size_t budget = 8 * (size_t)n;
	for (uint32_t i = 0; i < n; i++) {
		const uint32_t x = v[i];
		uint32_t s = x >> shift;
		if (!taken[s]) {
			tmp[s] = x;
			taken[s] = WF_SLOT_TAKEN;
			continue;
		}
		/* x's place in the run, unless it is there already */
		const uint32_t home = s;
		while (taken[s] && tmp[s] < x)
			s++;
		if (taken[s] && tmp[s] == x)
			continue;
		uint32_t end = s;
		while (taken[end])
			end++;
		if (end - home > budget) {
			/* crowded: what the table holds, then the rest of v
			 * (k <= i: nothing unread is overwritten), radix sorted */
			const uint32_t k = gather(v, tmp, taken, last);
			memmove(v + k, v + i, (n - i) * sizeof *v);
			n = k + n - i;
			radix_sort(v, tmp, n);
			return drop_repeats(v, n);
		}
		budget -= end - home;
		/* the run's larger values move up a slot, x takes s */
		for (uint32_t m = end; m > s; m--)
			tmp[m] = tmp[m - 1];
		tmp[s] = x;
		taken[end] = WF_SLOT_TAKEN;
		last = end > last ? end : last;
	}
	return gather(v, tmp, taken, last);
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

/* Intervals of Simpson's rule in wf_lsh_params (even). */
enum { SIMPSON_N = 200, SIMPSON_POINTS = SIMPSON_N + 1 };

/* f(x) at a point: the value or, when complement, 1 - the value */
static double at(const double *f, int i, bool complement)
{
	return complement ? 1 - f[i] : f[i];
}

/* ∫ over [lo, hi] by composite Simpson's rule of f given at lo, lo + i * h
 * and hi in f[0..N], h = (hi - lo) / N; or of 1 - f when complement.  The
 * weights 4 and 2 by pairs of points, in order. */
static double simpson(const double *f, bool complement, double h)
{
	double sum = at(f, 0, complement) + at(f, SIMPSON_N, complement);
	for (int i = 1; i < SIMPSON_N - 1; i += 2) {
		sum += at(f, i, complement) * 4;
		sum += at(f, i + 1, complement) * 2;
	}
	sum += at(f, SIMPSON_N - 1, complement) * 4;
	return sum * h / 3;
}

/* The search goes rows by rows, and for each r bands by bands, so that s^r
 * and (1 - s^r)^b at every point of the two integrals take one multiply
 * each from the last r's and b's (in the order x * x * ... * x, as the
 * powers were once taken each on their own: the sums are the same to the
 * bit, and so is the choice).  That is k log k integrals of 2 × 201 points
 * in place of as many × 201 × (b + r) multiplies: 2.8 M instructions for
 * the defaults instead of 53 M (15 ms), every start. */
void wf_lsh_params(double t, unsigned k, double w_fp, double w_fn,
                   unsigned *bands, unsigned *rows)
{
	/* the points of ∫ P(candidate) over [0, t], then those of
	 * ∫ P(missed) over [t, 1], one after the other */
	enum { P = 2 * SIMPSON_POINTS };
	const double lo[2] = {0, t}, hi[2] = {t, 1};
	double h[2], s[P], sr[P], y[P], yb[P];
	for (int j = 0; j < 2; j++) {
		double *sj = s + j * SIMPSON_POINTS;
		h[j] = (hi[j] - lo[j]) / SIMPSON_N;
		sj[0] = lo[j];
		sj[SIMPSON_N] = hi[j];
		for (int i = 1; i < SIMPSON_N; i++)
			sj[i] = lo[j] + i * h[j];
	}
	for (int i = 0; i < P; i++)
		sr[i] = 1;
	double best = 1e300;
	*bands = 1;
	*rows = k;
	for (unsigned r = 1; r <= k; r++) {
		for (int i = 0; i < P; i++) {
			sr[i] *= s[i];
			y[i] = 1 - sr[i];
			yb[i] = 1;
		}
		for (unsigned b = 1; b * r <= k; b++) {
			for (int i = 0; i < P; i++)
				yb[i] *= y[i];
			/* P(candidate) = 1 - (1 - s^r)^b, P(missed) = (1 - s^r)^b */
			double fp = simpson(yb, true, h[0]);
			double fn = simpson(yb + SIMPSON_POINTS, false, h[1]);
			double e = w_fp * fp + w_fn * fn;
			/* the least error, and among equals the fewest bands, then
			 * the fewest rows (found first here) */
			if (e < best || (e == best && b < *bands)) {
				best = e;
				*bands = b;
				*rows = r;
			}
		}
	}
}
