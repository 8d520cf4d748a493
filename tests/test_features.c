#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/features.h"
#include "wirefold/normalize.h"
#include "wirefold/stage.h"

static struct wf_config cfg;
static void *st;

static void setup(void)
{
	wf_config_defaults(&cfg);
	cr_assert_eq(wf_features_stage.init(&st, &cfg), 0);
}

static void teardown(void)
{
	wf_features_stage.free(st);
}

TestSuite(features, .init = setup, .fini = teardown);

/* an article as normalize leaves it */
static struct wf_article *add(struct wf_batch *b, const char *lang, const char *title,
                              const char *body)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	cr_assert_not_null(a);
	a->id = "x";
	a->lang = lang;
	a->title = title;
	a->body = body;
	cr_assert_eq(wf_normalize_article(&b->arena, a), 0);
	return a;
}

static struct wf_article *one(const char *lang, const char *title, const char *body,
                              struct wf_batch **bp)
{
	struct wf_batch *b = wf_batch_new(4);
	struct wf_article *a = add(b, lang, title, body);
	cr_assert_eq(wf_features_stage.process(st, b), WF_FLOW_OK);
	*bp = b;
	return a;
}

static bool has(const struct wf_article *a, enum wf_field f, const char *text)
{
	const uint64_t h = wf_term_hash(f, text, strlen(text));
	for (uint32_t i = 0; i < a->feat.n[f]; i++)
		if (a->feat.terms[f][i].h == h)
			return true;
	return false;
}

static uint32_t tf(const struct wf_article *a, enum wf_field f, const char *text)
{
	const uint64_t h = wf_term_hash(f, text, strlen(text));
	for (uint32_t i = 0; i < a->feat.n[f]; i++)
		if (a->feat.terms[f][i].h == h)
			return a->feat.terms[f][i].tf;
	return 0;
}

Test(features, stems_by_language_and_drops_stop_words)
{
	struct wf_batch *b;
	struct wf_article *a = one("en-GB", "Workers running the plants", "the strikes", &b);
	cr_assert(has(a, WF_FIELD_TITLE, "run"));
	cr_assert(has(a, WF_FIELD_TITLE, "worker"));
	cr_assert(has(a, WF_FIELD_TITLE, "plant"));
	cr_assert_not(has(a, WF_FIELD_TITLE, "the"));
	cr_assert(has(a, WF_FIELD_BODY, "strike"));
	cr_assert_not(has(a, WF_FIELD_BODY, "the"));
	cr_assert_not(has(a, WF_FIELD_TITLE, "strike"), "fields are apart");
	wf_batch_free(b);
}

/* The stem cache remembers stop words: a cached one stays dropped, and
 * stays a term in a language without a stop list, whichever came first. */
Test(features, stop_words_cached_per_language)
{
	/* one batch, so one stemmer set and one cache */
	struct wf_batch *b = wf_batch_new(8);
	struct wf_article *en1 = add(b, "en", "The over", "the was the over");
	struct wf_article *de = add(b, "de", "Was over", "the was over");
	struct wf_article *en2 = add(b, "en-US", "Over the", "was the over");
	struct wf_article *nl = add(b, "nl", "the", "over was");
	cr_assert_eq(wf_features_stage.process(st, b), WF_FLOW_OK);
	const struct wf_article *en[] = {en1, en2};
	for (int i = 0; i < 2; i++)
		for (int f = WF_FIELD_TITLE; f <= WF_FIELD_BODY; f++) {
			cr_assert_eq(en[i]->feat.n[f], 0, "article %d field %d", i, f);
			cr_assert_not(has(en[i], f, "the"));
		}
	cr_assert(has(de, WF_FIELD_TITLE, "was"));
	cr_assert(has(de, WF_FIELD_BODY, "the"));
	cr_assert_eq(tf(de, WF_FIELD_BODY, "was"), 1);
	cr_assert(has(nl, WF_FIELD_TITLE, "the"));
	cr_assert_eq(nl->feat.n[WF_FIELD_BODY], 2);
	wf_batch_free(b);
}

Test(features, empty_language_is_english_unknown_is_unstemmed)
{
	struct wf_batch *b;
	struct wf_article *a = one("", "running", "", &b);
	cr_assert(has(a, WF_FIELD_TITLE, "run"));
	wf_batch_free(b);
	a = one("xx", "running", "", &b);
	cr_assert(has(a, WF_FIELD_TITLE, "running"));
	wf_batch_free(b);
	a = one("de", "Die Häuser", "", &b);
	cr_assert(has(a, WF_FIELD_TITLE, "haus"), "German stemmer");
	cr_assert(has(a, WF_FIELD_TITLE, "die"), "no German stop list");
	wf_batch_free(b);
}

Test(features, term_frequencies_are_counted_and_terms_sorted)
{
	struct wf_batch *b;
	struct wf_article *a = one("en", "", "Oil oil OIL prices, oil", &b);
	cr_assert_eq(tf(a, WF_FIELD_BODY, "oil"), 4);
	cr_assert_eq(tf(a, WF_FIELD_BODY, "price"), 1);
	for (int f = 0; f < WF_NFIELDS; f++)
		for (uint32_t i = 1; i < a->feat.n[f]; i++)
			cr_assert_lt(a->feat.terms[f][i - 1].h, a->feat.terms[f][i].h);
	wf_batch_free(b);
}

Test(features, names_are_capitalised_words_not_sentence_starts_nor_dates)
{
	struct wf_batch *b;
	struct wf_article *a = one("en", "Refinery deal",
	                           "Shares of Standard Oil rose in March. Analysts said BP\n"
	                           "was ready.\n    Pay April 10\n    Record March 20",
	                           &b);
	cr_assert(has(a, WF_FIELD_ENTITY, "standard"));
	cr_assert(has(a, WF_FIELD_ENTITY, "oil"));
	cr_assert(has(a, WF_FIELD_ENTITY, "bp"));
	cr_assert_not(has(a, WF_FIELD_ENTITY, "share"), "first word of the text");
	cr_assert_not(has(a, WF_FIELD_ENTITY, "analyst"), "first word of a sentence");
	cr_assert_not(has(a, WF_FIELD_ENTITY, "pay"), "first word of a paragraph");
	cr_assert_not(has(a, WF_FIELD_ENTITY, "record"));
	cr_assert_not(has(a, WF_FIELD_ENTITY, "march"), "a date, not a name");
	cr_assert_not(has(a, WF_FIELD_ENTITY, "april"));
	cr_assert_not(has(a, WF_FIELD_ENTITY, "refineri"), "first word of the title");
	wf_batch_free(b);
	a = one("en", "", "Shares of The Times and A Dick unit rose", &b);
	cr_assert(has(a, WF_FIELD_ENTITY, "time"));
	cr_assert(has(a, WF_FIELD_ENTITY, "dick"));
	cr_assert_eq(a->feat.n[WF_FIELD_ENTITY], 2, "no stop word, no letter");
	cr_assert_eq(a->feat.n[WF_FIELD_BODY], 5, "share, time, dick, unit, rose");
	wf_batch_free(b);
}

/* Sentence starts are counted per article: those of an article before it
 * in the batch take no name from it.  They are counted in all the body, but
 * only its first body_tokens tokens give terms and names, so those past
 * them stay counted to the article's end: 200 of them, more than the table
 * holds. */
Test(features, sentence_starts_of_one_article_spare_the_next_names)
{
	const size_t fill = cfg.cluster.body_tokens;
	char *body = malloc(2 * fill + 200 * 5 + 1);
	cr_assert_not_null(body);
	char *p = body;
	for (size_t i = 0; i < fill; i++, p += 2)
		memcpy(p, "w ", 2);
	for (int i = 0; i < 200; i++, p += 5) { /* "Xaa. Xab. ..." */
		p[0] = 'X';
		p[1] = (char)('a' + i / 26);
		p[2] = (char)('a' + i % 26);
		memcpy(p + 3, ". ", 2);
	}
	*p = '\0';
	struct wf_batch *b = wf_batch_new(4);
	struct wf_article *starts = add(b, "en", "", body);
	struct wf_article *names =
		add(b, "en", "", "the Xaa and Xab shares rose, Xcb and Xhr too");
	cr_assert_eq(wf_features_stage.process(st, b), WF_FLOW_OK);
	cr_assert_eq(starts->feat.n[WF_FIELD_ENTITY], 0);
	const char *const w[] = {"xaa", "xab", "xcb", "xhr"};
	for (int i = 0; i < 4; i++)
		cr_assert(has(names, WF_FIELD_ENTITY, w[i]), "%s", w[i]);
	wf_batch_free(b);
	free(body);
}

Test(features, a_title_in_capitals_names_only_its_tickers)
{
	struct wf_batch *b;
	struct wf_article *a = one("en", "STANDARD OIL <SRD> TO FORM FINANCIAL UNIT",
	                           "<Texas Commerce Bank> said it agreed.", &b);
	cr_assert(has(a, WF_FIELD_ENTITY, "srd"));
	cr_assert(has(a, WF_FIELD_ENTITY, "texas commerce bank"));
	cr_assert_not(has(a, WF_FIELD_ENTITY, "standard"));
	cr_assert_not(has(a, WF_FIELD_ENTITY, "financi"));
	cr_assert(has(a, WF_FIELD_TITLE, "standard"));
	wf_batch_free(b);
	a = one("en", "Talks between Airbus and Boeing stall", "", &b);
	cr_assert(has(a, WF_FIELD_ENTITY, "airbus"));
	cr_assert(has(a, WF_FIELD_ENTITY, "boe"), "stemmed like the title term");
	wf_batch_free(b);
}

Test(features, figures_keep_their_unit)
{
	struct wf_batch *b;
	struct wf_article *a = one("en", "Loans fall 618 mln dlrs", "rose 0.4 pct in February", &b);
	cr_assert(has(a, WF_FIELD_TITLE, "618 mln"));
	cr_assert(has(a, WF_FIELD_TITLE, "618"));
	cr_assert(has(a, WF_FIELD_BODY, "0.4 pct"));
	wf_batch_free(b);
}

Test(features, rejected_and_empty_articles)
{
	struct wf_batch *b = wf_batch_new(4);
	struct wf_article *r = wf_batch_add_line(b, 1, "x", 1);
	wf_batch_reject(b, r, -1, "bad");
	struct wf_article *e = add(b, "en", "", "");
	cr_assert_eq(wf_features_stage.process(st, b), WF_FLOW_OK);
	for (int f = 0; f < WF_NFIELDS; f++) {
		cr_assert_eq(r->feat.n[f], 0);
		cr_assert_eq(e->feat.n[f], 0);
	}
	wf_batch_free(b);
}

/* Stemmers are not thread-safe: the stage must give each worker its own. */
struct job {
	struct wf_batch *b;
	int rc;
};

static const char *const texts[] = {
	"running workers", "Die Häuser der Städte", "les maisons blanches",
	"connected connections", "las casas blancas", "generalization",
};
#define NTEXTS (sizeof texts / sizeof texts[0])

static struct wf_batch *many(void)
{
	static const char *const langs[] = {"en", "de", "fr", "en", "es", "en"};
	struct wf_batch *b = wf_batch_new(600);
	for (int i = 0; i < 600; i++)
		add(b, langs[i % NTEXTS], texts[i % NTEXTS], texts[(i + 1) % NTEXTS]);
	return b;
}

static void *work(void *p)
{
	struct job *j = p;
	for (int r = 0; r < 20 && j->rc == WF_FLOW_OK; r++)
		j->rc = wf_features_stage.process(st, j->b);
	return NULL;
}

Test(features, concurrent_batches_get_the_same_terms)
{
	struct wf_batch *ref = many();
	cr_assert_eq(wf_features_stage.process(st, ref), WF_FLOW_OK);
	struct job jobs[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){many(), WF_FLOW_OK};
		cr_assert_eq(pthread_create(&th[i], NULL, work, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(jobs[i].rc, WF_FLOW_OK);
		for (size_t k = 0; k < ref->n; k++)
			for (int f = 0; f < WF_NFIELDS; f++) {
				const struct wf_features *x = &ref->items[k].feat;
				const struct wf_features *y = &jobs[i].b->items[k].feat;
				cr_assert_eq(x->n[f], y->n[f]);
				for (uint32_t t = 0; t < x->n[f]; t++) {
					cr_assert_eq(x->terms[f][t].h, y->terms[f][t].h);
					cr_assert_eq(x->terms[f][t].tf, y->terms[f][t].tf);
				}
			}
		wf_batch_free(jobs[i].b);
	}
	wf_batch_free(ref);
}

/* ---- wf_terms_sort ---------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static int by_hash(const void *a, const void *b)
{
	const uint64_t x = ((const struct wf_term *)a)->h, y = ((const struct wf_term *)b)->h;
	return x < y ? -1 : x > y;
}

/* t[0..n) sorted and folded the slow way, into out; returns the count. */
static uint32_t reference_terms(struct wf_term *out, const struct wf_term *t, uint32_t n)
{
	memcpy(out, t, n * sizeof *t);
	qsort(out, n, sizeof *out, by_hash);
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (k && out[k - 1].h == out[i].h)
			out[k - 1].tf += out[i].tf;
		else
			out[k++] = out[i];
	}
	return k;
}

enum { TERMS_MAX = 5000 };

Test(terms_sort, matches_qsort_and_folds_every_repeat)
{
	static struct wf_term t[TERMS_MAX], got[TERMS_MAX], want[TERMS_MAX];
	static struct wf_term table[WF_TERMS_SORT_ROOM * TERMS_MAX];
	static uint32_t bucket[WF_TERMS_SORT_BUCKETS];
	static const uint32_t sizes[] = {0, 1, 2, 8, 9, 10, 16, 17, 100, 255, 256, 257,
	                                 1023, 1024, 1025, 2047, 2048, 2049, 4999};
	uint64_t pool[40];
	for (unsigned i = 0; i < 40; i++)
		pool[i] = next();
	/* uniform; with repeats; crowded under few top bits (long runs: the
	 * budget hands over to the bucket sort); few distinct; descending;
	 * zeros and UINT64_MAX; an eighth in the last slot (a run past the
	 * table's end, within the budget up to a thousand or so) */
	for (unsigned kind = 0; kind < 7; kind++)
		for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
			const uint32_t n = sizes[si];
			for (uint32_t i = 0; i < n; i++) {
				const uint64_t r = next();
				t[i].tf = 1 + (uint32_t)(r % 3);
				switch (kind) {
				case 0: t[i].h = r; break;
				case 1: t[i].h = r % 3 ? r : pool[r % 40]; break;
				case 2: t[i].h = (r & 0xffff) | 0x1234000000000000ull; break;
				case 3: t[i].h = pool[r % 4]; break;
				case 4: t[i].h = UINT64_MAX - i * 0x9E3779B97F4A7C15ull % (1ull << 40); break;
				case 5: t[i].h = r % 3 == 0 ? 0 : r % 3 == 1 ? UINT64_MAX : r; break;
				default: t[i].h = r % 8 ? r : UINT64_MAX - (r >> 56); break;
				}
			}
			const uint32_t k = reference_terms(want, t, n);
			cr_assert_eq(wf_terms_sort(got, t, n, bucket, table), k, "kind %u n %u", kind, n);
			for (uint32_t i = 0; i < k; i++) {
				cr_assert_eq(got[i].h, want[i].h, "kind %u n %u term %u", kind, n, i);
				cr_assert_eq(got[i].tf, want[i].tf, "kind %u n %u term %u", kind, n, i);
			}
		}
}
