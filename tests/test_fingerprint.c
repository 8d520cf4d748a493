/* test_fingerprint.c — the figures fingerprint reads from a body. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "testutil.h"
#include "wirefold/arena.h"
#include "wirefold/article.h"
#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/fingerprint.h"
#include "wirefold/minhash.h"
#include "wirefold/normalize.h"
#include "wirefold/stage.h"

static struct wf_config cfg;

/* The fingerprint of an article with a title and this body (of n bytes,
 * ending where an unreadable page begins). */
static struct wf_article fingerprinted(struct wf_arena *arena, const char *body, size_t n,
                                       struct guarded *g)
{
	wf_config_defaults(&cfg);
	*g = guard(body, n + 1); /* the body's NUL, then the guard page */
	struct wf_article a;
	memset(&a, 0, sizeof a);
	a.id = "t";
	a.source = a.lang = "";
	a.title = "Figures of the day";
	a.body = g->s;
	cr_assert_eq(wf_normalize_article(arena, &a), 0);
	cr_assert_eq(wf_fingerprint_article(&cfg.fp, arena, &a), 0);
	return a;
}

static uint32_t figure(const char *s)
{
	return (uint32_t)(XXH3_64bits_withSeed(s, strlen(s), cfg.fp.seed) >> 32);
}

/* A figure at every offset of bodies of every length up to 70 bytes (the
 * scan goes sixteen and eight bytes at a time): found once, whatever the
 * plain letters, or the non-ASCII ones, around it. */
Test(fingerprint, a_figure_is_found_at_every_offset)
{
	static const char *const fill[] = {"q", "\xc3\xa9"}; /* a byte >= 0x80 too */
	for (size_t f = 0; f < 2; f++)
		for (size_t before = 0; before < 40; before++)
			for (size_t after = 0; after < 30; after += 1 + after / 8) {
				char body[256] = "";
				size_t n = 0;
				while (n < before)
					n += (size_t)sprintf(body + n, "%s", fill[f]);
				n += (size_t)sprintf(body + n, " 16-1/4 ");
				for (size_t k = 0; k < after; k++)
					n += (size_t)sprintf(body + n, "%s", fill[f]);
				struct wf_arena arena;
				wf_arena_init(&arena, 0);
				struct guarded g;
				const struct wf_article a = fingerprinted(&arena, body, n, &g);
				cr_assert_eq(a.fp.n_numbers, 1, "%zu/%zu/%zu: %u figures", f, before, after,
				             a.fp.n_numbers);
				cr_assert_eq(a.fp.numbers[0], figure("16-1/4"), "%zu/%zu/%zu", f, before,
				             after);
				unguard(&g);
				wf_arena_close(&arena);
			}
}

/* The figures of body are exactly the n of want, in any order. */
static void assert_figures(const char *body, const char *const *want, size_t n)
{
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct guarded g;
	const struct wf_article a = fingerprinted(&arena, body, strlen(body), &g);
	cr_assert_eq(a.fp.n_numbers, n, "%s: %u figures", body, a.fp.n_numbers);
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (uint32_t j = 0; j < a.fp.n_numbers; j++)
			found |= a.fp.numbers[j] == figure(want[i]);
		cr_assert(found, "%s: no figure %s", body, want[i]);
	}
	unguard(&g);
	wf_arena_close(&arena);
}

Test(fingerprint, digits_followed_by_letters_are_no_figure)
{
	static const char *const want[] = {"1987", "12", "1988"};
	assert_figures("The fleet flew 4TH in 1987 and 12 more in 1988.", want, 3);
}

/* Digits after letters, "B747", lose only their first digit: "47" is a
 * figure.  Not what the comment of scan_numbers says, but what the
 * fingerprints are made of: pinned, so that no faster scan changes it
 * unnoticed. */
Test(fingerprint, digits_after_letters_lose_one_digit)
{
	static const char *const want[] = {"47"};
	assert_figures("The B747 fleet.", want, 1);
}

/* Whether a figure begins or ends at a byte is decided by the ASCII
 * letters alone, as isalpha has it in the "C" locale: every other byte
 * next to digits leaves them a figure. */
Test(fingerprint, only_ascii_letters_glue_to_figures)
{
	static const char *const want[] = {"5", "7"};
	for (int c = 1; c < 128; c++) {
		if (c >= '0' && c <= '9')
			continue;
		char body[64];
		snprintf(body, sizeof body, "Sales rose 5%c pct and %c7 more", c, c);
		const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		assert_figures(body, want, letter ? 0 : 2);
	}
}

/* A headline of symbols without a word in them ("<.>" is a symbol and no
 * token): the first sixteen of its 24 are kept, six distinct, and sorting
 * them needs room the article's tokens do not give (there are none). */
Test(fingerprint, a_headline_of_bare_symbols_is_sorted_in_room_of_its_own)
{
	wf_config_defaults(&cfg);
	char title[512] = "";
	size_t n = 0;
	for (int i = 1; i <= 24; i++) {
		title[n++] = '<';
		for (int k = 0; k <= i % 6; k++)
			title[n++] = '.';
		title[n++] = '>';
	}
	title[n] = '\0';
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	a.id = "t";
	a.source = a.lang = a.body = "";
	a.title = title;
	cr_assert_eq(wf_normalize_article(&arena, &a), 0);
	cr_assert_eq(a.n_tokens, 0);
	cr_assert_eq(wf_fingerprint_article(&cfg.fp, &arena, &a), 0);
	cr_assert_eq(a.fp.n_tickers, 6);
	for (uint32_t i = 1; i < a.fp.n_tickers; i++)
		cr_assert_lt(a.fp.tickers[i - 1], a.fp.tickers[i]);
	wf_arena_close(&arena);
}

/* Every number word up to ninety is its figure in digits, whatever its
 * case; words that share its first letters, its length or its letters
 * but one are not ("tan", "thirsty", "seventeens", "nin", one letter). */
Test(fingerprint, number_words_are_figures)
{
	static const char *const words[][2] = {
		{"zero", "0"},       {"one", "1"},       {"two", "2"},         {"three", "3"},
		{"four", "4"},       {"five", "5"},      {"six", "6"},         {"seven", "7"},
		{"eight", "8"},      {"nine", "9"},      {"ten", "10"},        {"eleven", "11"},
		{"twelve", "12"},    {"thirteen", "13"}, {"fourteen", "14"},   {"fifteen", "15"},
		{"sixteen", "16"},   {"seventeen", "17"}, {"eighteen", "18"},  {"nineteen", "19"},
		{"twenty", "20"},    {"thirty", "30"},   {"forty", "40"},      {"fifty", "50"},
		{"sixty", "60"},     {"seventy", "70"},  {"eighty", "80"},     {"ninety", "90"},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		char body[64];
		snprintf(body, sizeof body, "Sales rose %s pct", words[i][0]);
		const char *const want[] = {words[i][1]};
		assert_figures(body, want, 1);
		snprintf(body, sizeof body, "Sales rose %c%s pct", words[i][0][0] - 32,
		         words[i][0] + 1);
		assert_figures(body, want, 1);
	}
	static const char *const none[] = {
		"tan", "tow", "sit", "sixs", "zeros", "fours", "fiver", "nin", "o", "t", "s",
		"thirsty", "seventeens", "eighten", "fourty", "twentys", "elven", "onee",
		"fifteenth", "niner", "ninetys", "sevn", "tree", "ffty", "sixtee",
	};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		char body[64];
		snprintf(body, sizeof body, "Sales rose %s pct", none[i]);
		assert_figures(body, NULL, 0);
	}
}

/* One article with this title and body in a new batch, normalized and
 * put through the stage (made from cfg): the batch, to free. */
static struct wf_batch *through_stage(void **stage, const char *title, const char *body)
{
	cr_assert_eq(wf_fingerprint_stage.init(stage, &cfg), 0);
	struct wf_batch *b = wf_batch_new(4);
	struct wf_article *a = wf_batch_add_line(b, 1, "{}", 2);
	a->id = "a";
	a->source = a->lang = "";
	a->title = title;
	a->body = body;
	cr_assert_eq(wf_normalize_article(&b->arena, a), 0);
	cr_assert_eq(wf_fingerprint_stage.process(*stage, b), WF_FLOW_OK);
	return b;
}

/* The stage files each article's band keys as dedup would make them from
 * the signatures: a band's rows hashed in order from a seed of its own,
 * the signature's bands then the lede's, tuned by wf_lsh_params for the
 * dedup thresholds; wf_fingerprint_article alone makes none. */
Test(fingerprint, the_stage_makes_the_band_keys_of_the_signatures)
{
	wf_config_defaults(&cfg);
	cfg.dedup.lede_threshold = 0.4; /* other bands than the defaults' */
	void *stage;
	struct wf_batch *b = through_stage(
		&stage, "Dock strike halts Rotterdam",
		"Dock workers in Rotterdam began a 48-hour strike on Monday over pay, halting "
		"container traffic at Europe's largest port, the FNV union said.");
	struct wf_article *a = &b->items[0];

	const double w = cfg.dedup.lsh_weight_fp;
	unsigned bands, rows, lede_bands, lede_rows;
	wf_lsh_params(cfg.dedup.lsh_threshold, cfg.fp.minhash_k, w, 1 - w, &bands, &rows);
	wf_lsh_params(cfg.dedup.lede_threshold, cfg.fp.lede_k, w, 1 - w, &lede_bands, &lede_rows);
	cr_assert_eq(a->fp.n_keys, bands + lede_bands);
	for (unsigned k = 0; k < bands + lede_bands; k++) {
		const bool lede = k >= bands;
		const unsigned band = lede ? k - bands : k, r = lede ? lede_rows : rows;
		const uint32_t *sig = lede ? a->fp.lede : a->fp.minhash;
		uint64_t h = (lede ? 0x1ede00ull : 0x6c7368ull) + band;
		for (unsigned i = 0; i < r; i++)
			h = wf_hash_combine(h, sig[band * r + i]);
		cr_assert_eq(a->fp.keys[k], wf_hash_finish(h), "key %u", k);
	}

	cr_assert_eq(wf_fingerprint_article(&cfg.fp, &b->arena, a), 0);
	cr_assert_eq(a->fp.n_keys, 0);
	wf_batch_free(b);
	wf_fingerprint_stage.free(stage);
}

/* The stage finds number words as wf_fingerprint_article does, with the
 * filter of number words' hashes it made for its seed (here not the
 * default one) at init. */
Test(fingerprint, the_stage_finds_number_words_for_its_seed)
{
	wf_config_defaults(&cfg);
	cfg.fp.seed ^= 0x5eed;
	void *stage;
	struct wf_batch *b =
		through_stage(&stage, "Sales", "Sales rose nine pct and seventeen more in ninety days");
	struct wf_article *a = &b->items[0];
	static const char *const want[] = {"9", "17", "90"};
	cr_assert_eq(a->fp.n_numbers, 3);
	for (size_t i = 0; i < 3; i++) {
		bool found = false;
		for (uint32_t j = 0; j < a->fp.n_numbers; j++)
			found |= a->fp.numbers[j] == figure(want[i]);
		cr_assert(found, "no figure %s", want[i]);
	}
	wf_batch_free(b);
	wf_fingerprint_stage.free(stage);
}
