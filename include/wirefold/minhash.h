/* minhash.h — MinHash signatures and LSH banding.
 *
 * All functions are pure and thread-safe.  Inputs are 64-bit hashes of the
 * set elements (shingles, tokens), assumed uniformly distributed. */
#ifndef WF_MINHASH_H
#define WF_MINHASH_H

#include <stddef.h>
#include <stdint.h>

/* Value of a bin that no element fell into (only when n == 0). */
#define WF_MINHASH_EMPTY UINT32_MAX

/* wf_minhash_oph: one-permutation MinHash of hashes[0..n) into sig[0..k).
 * Each element is hashed once: its high bits pick a bin, its low 32 bits
 * compete for the bin's minimum.  Empty bins are then filled by optimal
 * densification (Shrivastava, ICML 2017): bin i copies the bin picked by a
 * seeded hash of (i, attempt) until that bin is non-empty, so two sets that
 * share a donor share the value.  Duplicated hashes are harmless.
 * k >= 1.  With n == 0 every bin is WF_MINHASH_EMPTY. */
void wf_minhash_oph(const uint64_t *hashes, size_t n, uint32_t *sig, unsigned k,
                    uint64_t seed);

/* wf_minhash_similarity: the estimated Jaccard similarity, the share of
 * equal bins; 0 when either signature is empty. */
double wf_minhash_similarity(const uint32_t *a, const uint32_t *b, unsigned k);

/* wf_lsh_params: the bands × rows (bands * rows <= k) that minimise
 * w_fp * P(false positive) + w_fn * P(false negative) for Jaccard threshold t,
 * integrating the banding S-curve 1 - (1 - s^r)^b below and above t, as
 * datasketch's MinHashLSH chooses them. */
void wf_lsh_params(double t, unsigned k, double w_fp, double w_fn,
                   unsigned *bands, unsigned *rows);

/* Scratch per value that lets wf_sort_unique take its fast path. */
#define WF_SORT_UNIQUE_ROOM 9

/* wf_sort_unique: sort the 32-bit hashes v[0..n) in place and drop
 * repeats; returns how many distinct values are left at the front of v.
 * tmp is scratch of room 32-bit words, room >= n; with room >=
 * WF_SORT_UNIQUE_ROOM * n the fast path (a table of 4n to 8n slots, for
 * the uniform values of hashes) is taken for n < 2048, otherwise a radix
 * sort.  Any values are sorted; crowded ones only cost more. */
uint32_t wf_sort_unique(uint32_t *v, uint32_t *tmp, uint32_t n, size_t room);

/* wf_hash_combine: hash of an ordered pair of hashes (for shingles). */
static inline uint64_t wf_hash_combine(uint64_t h, uint64_t x)
{
	h ^= x + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
	return h;
}

/* wf_hash_finish: a 64-bit avalanche (splitmix64's finaliser). */
static inline uint64_t wf_hash_finish(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

#endif
