#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
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
