/* features.h — per-article terms for story clustering (parallel stage).
 *
 * The features stage (wf_features_stage in stage.h) turns an article's
 * normalized tokens (normalize.h) into three bags of terms, which the
 * cluster stage weighs by TF-IDF:
 *
 *   title   the title's tokens, stemmed by the article's language;
 *   body    the first `body_tokens` tokens of the body, stemmed likewise;
 *   entity  names and figures, unstemmed:
 *             - each capitalised word of the body and of a title that is
 *               written in sentence case (a title in capitals or in Title
 *               Case carries no such signal and gives none), but not the
 *               title's first word;
 *             - each upper-case word (2+ letters) of such text;
 *             - each name in angle brackets in the raw title or body, whole
 *               ("<SRD>" -> "srd", "<Texas Commerce Bank>" ->
 *               "texas commerce bank"): the wire convention for tickers and
 *               unlisted companies;
 *             - each number followed by a word ("618 mln", "0.4 pct").
 *
 * Stemming uses libstemmer, picked by the primary subtag of `lang`
 * ("en-GB" -> "en"); an empty lang is English; a language libstemmer does
 * not know is left unstemmed.  English stop words are dropped from the
 * title and body (other languages rely on IDF alone); one-letter tokens are
 * dropped except CJK characters.  A term is a 64-bit hash of its text and
 * its field (wf_term_hash), so the same word in the title and in the body
 * are two terms.
 *
 * libstemmer's stemmers are not thread-safe: the stage keeps a pool of
 * per-thread stemmer sets (with a stem cache of 65,536 words, 1 MiB, each)
 * under a mutex, taken once per batch. */
#ifndef WF_FEATURES_H
#define WF_FEATURES_H

#include <stddef.h>
#include <stdint.h>

enum wf_field {
	WF_FIELD_TITLE = 0,
	WF_FIELD_BODY,
	WF_FIELD_ENTITY,
	WF_NFIELDS,
};

/* One distinct term of a field and its count there. */
struct wf_term {
	uint64_t h;  /* wf_term_hash of the term */
	uint32_t tf; /* occurrences in the field, >= 1 */
};

/* An article's terms: per field, n[f] distinct terms sorted by h, in the
 * batch's arena.  All zero when the article has no text or was rejected. */
struct wf_features {
	const struct wf_term *terms[WF_NFIELDS];
	uint32_t n[WF_NFIELDS];
};

/* Scratch of wf_terms_sort: bucket words, and table terms per term. */
#define WF_TERMS_SORT_BUCKETS 4096
#define WF_TERMS_SORT_ROOM 9

/* wf_terms_sort: t[0..n) sorted by h into out[0..k), the tf of equal
 * hashes added up; returns k.  The hashes are taken as uniform (any are
 * sorted; crowded ones only cost more).  out holds n terms and overlaps
 * nothing; bucket holds WF_TERMS_SORT_BUCKETS words and table
 * WF_TERMS_SORT_ROOM * n terms of scratch.  Pure; thread-safe for distinct
 * buffers. */
uint32_t wf_terms_sort(struct wf_term *out, const struct wf_term *t, uint32_t n,
                       uint32_t *bucket, struct wf_term *table);

/* wf_term_hash: the term for the text s[0..n) (already stemmed and
 * case-folded as the stage would) in field f.  Pure; thread-safe. */
uint64_t wf_term_hash(enum wf_field f, const char *s, size_t n);

/* wf_term_recast: the term of the same text as h in field `to` (h is of
 * field `from`).  Pure; thread-safe. */
uint64_t wf_term_recast(uint64_t h, enum wf_field from, enum wf_field to);

#endif
