/* fingerprint.h — per-article fingerprints, computed in parallel.
 *
 * Today: a 128-bit XXH3 hash of the normalized token text, which the dedup
 * stage uses to find exact duplicates. */
#ifndef WF_FINGERPRINT_H
#define WF_FINGERPRINT_H

#include <stdint.h>

struct wf_fingerprint_params {
	uint64_t seed; /* hash seed; fixed so runs are reproducible */
};

struct wf_fingerprint {
	uint64_t text_hash[2]; /* XXH3-128 of wf_article.norm */
};

struct wf_article;

/* wf_fingerprint_article: fill a->fp from a->norm (set by normalize).
 * Thread-safe; a is modified, p borrowed. */
void wf_fingerprint_article(const struct wf_fingerprint_params *p,
                            struct wf_article *a);

#endif
