/* fingerprint.h — per-article fingerprints, computed in parallel.
 *
 * From the normalized tokens of an article's body (its title when the body
 * has fewer than two tokens): the sorted set of word-shingle hashes, a
 * one-permutation MinHash signature over them, and the "facts" — numbers
 * and capitalised names — that tell a re-send from a template look-alike
 * carrying other figures (DESIGN.md §4).  English number
 * words up to ninety count as numbers ("nine" = "9"): house styles differ. */
#ifndef WF_FINGERPRINT_H
#define WF_FINGERPRINT_H

#include <stdint.h>

struct wf_arena;
struct wf_article;
struct wf_config;

#define WF_MINHASH_MAX 256

struct wf_fingerprint_params {
	uint64_t seed;      /* hash seed; fixed so runs are reproducible */
	unsigned shingle;   /* words per shingle (default 3) */
	unsigned minhash_k; /* signature length, <= WF_MINHASH_MAX (default 128) */
	unsigned lede_words; /* words of the lede signature (default 40) */
	unsigned lede_k;     /* lede signature length, <= WF_MINHASH_MAX (32) */
};

/* The sets are sorted, distinct 32-bit hashes: at a few hundred elements a
 * text, a false match between two sets has odds of about 1 in 10^7, and
 * half the memory of 64-bit hashes matters in the dedup window. */
struct wf_fingerprint {
	uint64_t text_hash[2]; /* XXH3-128 of the whole normalized text */
	uint32_t *shingles;    /* word shingles */
	uint32_t n_shingles;
	uint32_t n_words;      /* tokens the shingles were made from */
	uint32_t *minhash;     /* minhash_k values, over all shingles */
	uint32_t *lede;        /* lede_k values, over the first lede_words'
	                        * shingles: reprints cut from the bottom and
	                        * updates that add to the end keep the lede */
	uint32_t *words;       /* distinct tokens */
	uint32_t n_wordset;
	uint32_t *numbers;     /* number tokens (and number words as digits) */
	uint32_t n_numbers;
	uint32_t *names;       /* capitalised tokens and tickers */
	uint32_t n_names;
	uint32_t *tickers;     /* stock symbols in the headline, as wires mark
	                        * them: "<IBM>", "(NYSE: IBM)", "IBM.N" */
	uint32_t n_tickers;
	uint64_t *keys;        /* the LSH band keys (wf_lsh_keys), made by the
	                        * stage on a worker for the ordered dedup; */
	uint32_t n_keys;       /* 0 after wf_fingerprint_article alone */
};

/* The LSH bands the dedup index files an article under: bands × rows of
 * the signature, then lede_bands × lede_rows of the lede's. */
struct wf_lsh_layout {
	unsigned bands, rows;
	unsigned lede_bands, lede_rows;
};

/* wf_lsh_layout_of: the bands of cfg's signatures tuned for its dedup
 * thresholds (wf_lsh_params).  Thread-safe. */
void wf_lsh_layout_of(const struct wf_config *cfg, struct wf_lsh_layout *out);

/* wf_lsh_keys: fp's band keys, one a band, into keys[0 .. l->bands +
 * l->lede_bands).  Thread-safe. */
void wf_lsh_keys(const struct wf_lsh_layout *l, const struct wf_fingerprint *fp,
                 uint64_t *keys);

/* wf_fingerprint_article: fill a->fp but its keys from a->tokens and the
 * body's span a->body_start..body_end (set by normalize), allocating from
 * arena.  Returns 0 or WF_ENOMEM.  Thread-safe for distinct arenas; p
 * borrowed. */
int wf_fingerprint_article(const struct wf_fingerprint_params *p,
                           struct wf_arena *arena, struct wf_article *a);

#endif
