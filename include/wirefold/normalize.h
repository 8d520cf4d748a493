/* normalize.h — article text to normalized, case-folded tokens.
 *
 * The normalize stage (wf_normalize_stage in stage.h; parallel, stateless)
 * turns an article's title and body into the token stream every later stage
 * works on:
 *
 *   1. the body loses its agency boilerplate (boilerplate.h);
 *   2. the text is brought to Unicode NFKC, dropping default-ignorable code
 *      points (soft hyphen, zero-width joiners, variation selectors), as
 *      NFKC_Casefold does;
 *   3. it is cut into tokens by Unicode category: a token is a maximal run
 *      of letters (L*), marks (M*) and digits (N*), where
 *        - '.' or ',' between two digits stays in the token ("155,221",
 *          "5.93");
 *        - an apostrophe (' or U+2019) between a letter (or mark) and a
 *          letter is dropped and the token goes on ("Moody's" -> "moodys",
 *          "don't" -> "dont"), so names keep one token and no stray "s"
 *          tokens appear;
 *        - everything else (space, punctuation, symbols, emoji, invalid
 *          UTF-8 bytes) separates tokens;
 *      runs of Han, Hiragana, Katakana and Hangul become overlapping
 *      character bigrams ("東京都" -> "東京", "京都"; a lone character is
 *      its own token), flagged WF_TOK_CJK;
 *   4. each token is case-folded (full Unicode case folding: "ß" -> "ss");
 *      its flags (WF_TOK_NUM, WF_TOK_CAP, WF_TOK_ALLCAP) are computed from
 *      the NFKC text before folding.
 *
 * Pure-ASCII stretches skip utf8proc (ASCII is NFKC-stable and folds by
 * hand); the result is byte-identical to running everything through
 * utf8proc (WF_NORM_NO_FASTPATH), which the tests check. */
#ifndef WF_NORMALIZE_H
#define WF_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "wirefold/arena.h"
#include "wirefold/article.h"

/* Flags for wf_normalize_text. */
enum wf_normalize_flag {
	WF_NORM_NO_FASTPATH = 1u << 0, /* send all text through utf8proc (tests) */
};

/* The result of wf_normalize_text. */
struct wf_normalized {
	const char *norm;        /* tokens joined by single spaces, NUL-terminated */
	size_t norm_len;         /* bytes of norm, without the NUL */
	struct wf_token *tokens; /* n_tokens slices of norm; never NULL */
	uint32_t n_tokens;
};

/* wf_normalize_text: normalize and tokenize text[0..len) (no boilerplate
 * stripping), as described above.
 *
 * arena  receives norm and tokens (exactly sized); borrowed.
 * text   UTF-8, need not be NUL-terminated; invalid bytes separate tokens.
 *        NULL with len 0 is the empty text.  Borrowed.
 * flags  wf_normalize_flag bits, normally 0.
 * out    filled on success; on failure left unspecified.
 *
 * Returns 0, WF_ENOMEM when the arena or scratch memory runs out, or
 * WF_ETOOLONG when the normalized text does not fit 32-bit token offsets.
 * Thread-safe for distinct arenas; scratch memory is on the stack or freed
 * before return. */
int wf_normalize_text(struct wf_arena *arena, const char *text, size_t len,
                      unsigned flags, struct wf_normalized *out);

/* wf_normalize_article: set a->norm, norm_len, tokens, n_tokens and
 * n_title_tokens from a->title (all of it) and a->body (after
 * wf_boilerplate_strip): title tokens first, then body tokens, in one norm
 * string.  NULL title or body counts as "".  a->body_start and body_end
 * receive the span of the body that wf_boilerplate_strip kept, so that
 * later stages need not strip it again.
 *
 * arena  receives everything the article points to (normally the batch's).
 * a      borrowed; only the fields above are written (on success).
 *
 * Returns 0, WF_ENOMEM or WF_ETOOLONG as wf_normalize_text.
 * Thread-safe for distinct arenas and articles. */
int wf_normalize_article(struct wf_arena *arena, struct wf_article *a);

#endif
