/* fuzz_normalize.c — normalization, tokenization, boilerplate, fingerprints,
 * story features.
 *
 * Properties: the ASCII fast path gives the same bytes and tokens as
 * sending everything through utf8proc; the normalized text is valid UTF-8
 * (invalid input bytes only separate tokens); every token is a non-empty
 * slice of it without a space; an article built from the input (title: the
 * first line, body: the rest) normalizes and fingerprints with sets sorted
 * and distinct, and its story features (stemmed in a language picked by the
 * input's first byte) are, per field, distinct terms sorted by hash with
 * positive counts. */
#include <string.h>

#include "fuzz.h"
#include "wirefold/arena.h"
#include "wirefold/article.h"
#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/features.h"
#include "wirefold/fingerprint.h"
#include "wirefold/normalize.h"
#include "wirefold/stage.h"

static void check_tokens(const struct wf_normalized *n)
{
	CHECK(n->norm[n->norm_len] == '\0');
	CHECK(fuzz_utf8_valid(n->norm, n->norm_len));
	for (uint32_t i = 0; i < n->n_tokens; i++) {
		const struct wf_token *t = &n->tokens[i];
		CHECK(t->len > 0 && (size_t)t->off + t->len <= n->norm_len);
		CHECK(!memchr(n->norm + t->off, ' ', t->len));
	}
}

static void check_set(const uint32_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		CHECK(v[i - 1] < v[i]);
}

/* The features stage over a batch holding the article the input makes. */
static void check_features(const struct wf_config *cfg, const char *title, const char *body,
                           const char *lang)
{
	static void *st;
	if (!st)
		CHECK(wf_features_stage.init(&st, cfg) == 0);
	struct wf_batch *b = wf_batch_new(2);
	CHECK(b);
	struct wf_article *a = wf_batch_add_line(b, 1, "{}", 2);
	CHECK(a);
	a->id = "fuzz";
	a->source = "";
	a->lang = lang;
	a->title = title;
	a->body = body;
	if (wf_normalize_article(&b->arena, a) == 0) {
		CHECK(wf_features_stage.process(st, b) == WF_FLOW_OK);
		for (int f = 0; f < WF_NFIELDS; f++) {
			const struct wf_term *t = a->feat.terms[f];
			for (uint32_t i = 0; i < a->feat.n[f]; i++) {
				CHECK(t[i].tf >= 1);
				CHECK(i == 0 || t[i - 1].h < t[i].h);
			}
		}
	}
	wf_batch_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct wf_normalized fast, slow;
	int rc1 = wf_normalize_text(&arena, text, size, 0, &fast);
	int rc2 = wf_normalize_text(&arena, text, size, WF_NORM_NO_FASTPATH, &slow);
	CHECK(rc1 == rc2);
	if (rc1 == 0) {
		check_tokens(&fast);
		check_tokens(&slow);
		CHECK(fast.norm_len == slow.norm_len);
		CHECK(memcmp(fast.norm, slow.norm, fast.norm_len) == 0);
		CHECK(fast.n_tokens == slow.n_tokens);
		for (uint32_t i = 0; i < fast.n_tokens; i++) {
			CHECK(fast.tokens[i].off == slow.tokens[i].off);
			CHECK(fast.tokens[i].len == slow.tokens[i].len);
			CHECK(fast.tokens[i].flags == slow.tokens[i].flags);
		}
	}

	/* an article: title up to the first newline, body after it */
	const char *nl = memchr(text, '\n', size);
	size_t tl = nl ? (size_t)(nl - text) : size;
	char *title = wf_arena_strndup(&arena, text, tl);
	char *body = wf_arena_strndup(&arena, nl ? nl + 1 : "", nl ? size - tl - 1 : 0);
	CHECK(title && body);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	a.id = "fuzz";
	a.title = title;
	a.body = body;
	a.source = "";
	a.lang = "";
	if (wf_normalize_article(&arena, &a) == 0) {
		CHECK(a.n_title_tokens <= a.n_tokens);
		struct wf_normalized n = {a.norm, a.norm_len, a.tokens, a.n_tokens};
		check_tokens(&n);
		static struct wf_config cfg;
		if (!cfg.fp.minhash_k)
			wf_config_defaults(&cfg);
		if (wf_fingerprint_article(&cfg.fp, &arena, &a) == 0) {
			check_set(a.fp.shingles, a.fp.n_shingles);
			check_set(a.fp.words, a.fp.n_wordset);
			check_set(a.fp.numbers, a.fp.n_numbers);
			check_set(a.fp.names, a.fp.n_names);
		}
		static const char *const langs[] = {"", "en", "de", "fr-CA", "ru", "zh", "xx", "EN-gb"};
		check_features(&cfg, title, body, langs[size ? data[0] % 8 : 0]);
	}
	wf_arena_close(&arena);
	return 0;
}
