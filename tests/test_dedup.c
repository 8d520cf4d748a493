#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/dedup.h"
#include "wirefold/fingerprint.h"
#include "wirefold/normalize.h"
#include "wirefold/stage.h"
#include "wirefold/state.h"

#define HOUR (3600 * 1000LL)

static struct wf_config cfg;
static void *st;
static struct wf_batch *b;

static void setup(void)
{
	wf_config_defaults(&cfg);
	cr_assert_eq(wf_dedup_stage.init(&st, &cfg), 0);
	b = wf_batch_new(64);
}

static void teardown(void)
{
	wf_dedup_stage.free(st);
	wf_batch_free(b);
}

/* an article as the parallel stages leave it */
static struct wf_article *add(const char *id, int64_t ms, const char *title, const char *body)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	a->id = id;
	a->time_ms = ms;
	a->source = "Wire";
	a->lang = "en";
	a->title = title;
	a->body = body;
	cr_assert_eq(wf_normalize_article(&b->arena, a), 0);
	cr_assert_eq(wf_fingerprint_article(&cfg.fp, &b->arena, a), 0);
	return a;
}

static void run(void)
{
	cr_assert_eq(wf_dedup_stage.process(st, b), WF_FLOW_OK);
}

static const char quake[] =
	"A magnitude 6.1 earthquake struck off the coast of Fukushima prefecture early on "
	"Saturday, the Japan Meteorological Agency said. No tsunami warning was issued and "
	"there were no immediate reports of damage. Tokyo Electric Power said it was checking "
	"the Fukushima Daiichi plant, and East Japan Railway halted some trains for checks.";

Test(dedup, a_resend_is_a_dup_of_the_first, .init = setup, .fini = teardown)
{
	struct wf_article *a = add("a", 0, "Quake off Fukushima", quake);
	struct wf_article *r = add("a-again", HOUR, "Quake off Fukushima", quake);
	run();
	cr_assert_eq(a->kind, WF_KIND_NEW);
	cr_assert_str_eq(a->canonical, "a");
	cr_assert_eq(r->kind, WF_KIND_DUP);
	cr_assert_str_eq(r->canonical, "a");
	cr_assert_float_eq(r->similarity, 1.0f, 1e-6);
}

static const char results[] =
	"Shr 42 cts vs 38 cts. Net 2,481,007 vs 2,260,514. Revs 71.3 mln vs 64.9 mln. "
	"Nine mths: Shr 1.19 dlrs vs 1.02 dlrs. Net 7,003,118 vs 6,015,942. Revs 209.6 mln vs "
	"188.2 mln. Avg shrs 5,901,220 vs 5,884,003. Halvorsen Tool said results included a gain.";

Test(dedup, a_correction_of_one_figure_is_a_dup, .init = setup, .fini = teardown)
{
	char fixed[sizeof results];
	strcpy(fixed, results);
	char *p = strstr(fixed, "71.3");
	memcpy(p, "71.8", 4);
	add("r1", 0, "Halvorsen Tool 3rd qtr net", results);
	struct wf_article *c = add("r1-corr", HOUR / 2, "CORRECTED - Halvorsen Tool 3rd qtr net", fixed);
	run();
	cr_assert_eq(c->kind, WF_KIND_DUP);
	cr_assert_str_eq(c->canonical, "r1");
}

Test(dedup, a_fuller_later_version_is_an_update, .init = setup, .fini = teardown)
{
	char longer[2048];
	snprintf(longer, sizeof longer, "%s %s", quake,
	         "Residents in Iwaki said the shaking lasted nearly a minute and knocked goods "
	         "from shop shelves. The agency warned of aftershocks of similar strength over the "
	         "coming week and urged people near the coast to stay alert. Local officials opened "
	         "two evacuation centres as a precaution, a city spokesman told reporters.");
	add("q1", 0, "Quake off Fukushima", quake);
	struct wf_article *u = add("q2", 2 * HOUR, "Quake off Fukushima, trains halted", longer);
	/* and a re-send of the update is a dup of the same item */
	struct wf_article *r = add("q3", 3 * HOUR, "Quake off Fukushima, trains halted", longer);
	run();
	cr_assert_eq(u->kind, WF_KIND_UPDATE);
	cr_assert_str_eq(u->canonical, "q1");
	cr_assert_neq(r->kind, WF_KIND_NEW);
	cr_assert_str_eq(r->canonical, "q1");
}

Test(dedup, a_template_with_other_figures_is_new, .init = setup, .fini = teardown)
{
	add("w1", 0, "U.S. crude stocks fell",
	    "U.S. crude oil inventories fell 2.1 million barrels in the week to Nov. 14 to 421.3 "
	    "million barrels, the Energy Information Administration said. Gasoline stocks rose 0.8 "
	    "million barrels and distillate stocks fell 1.4 million barrels.");
	struct wf_article *w2 = add("w2", 24 * HOUR, "U.S. crude stocks rose",
	    "U.S. crude oil inventories rose 3.4 million barrels in the week to Nov. 21 to 424.7 "
	    "million barrels, the Energy Information Administration said. Gasoline stocks fell 1.2 "
	    "million barrels and distillate stocks rose 0.6 million barrels.");
	run();
	cr_assert_eq(w2->kind, WF_KIND_NEW);
}

Test(dedup, another_companys_results_are_new, .init = setup, .fini = teardown)
{
	add("c1", 0, "Norvale unit gets Navy radar contract",
	    "Norvale Corp's Norvale Marine Systems unit is being awarded a 212 mln dlr Navy contract "
	    "for work on a shipboard radar upgrade, the Defense Department said. It said the work "
	    "is expected to be completed in June 1991.");
	struct wf_article *c2 = add("c2", HOUR, "Castlemere unit gets Navy radar contract",
	    "Castlemere Inc's Castlemere Electronics division is being awarded a 211.7 mln dlr Navy "
	    "contract for work on a shipboard radar upgrade, the Defense Department said. It said the "
	    "work is expected to be completed in June 1991.");
	run();
	cr_assert_eq(c2->kind, WF_KIND_NEW);
}

Test(dedup, headlines_with_other_stock_symbols_are_other_reports, .init = setup,
     .fini = teardown)
{
	static const char body[] =
		"The company said its board declared a quarterly dividend of 18 cts a share, "
		"payable April 15 to holders of record March 31, unchanged from the prior quarter.";
	add("d1", 0, "ACME CORP <ACME> SETS QUARTERLY", body);
	struct wf_article *d2 = add("d2", HOUR, "ZENITH INC <ZEN> SETS QUARTERLY", body);
	struct wf_article *d3 = add("d3", 2 * HOUR, "ACME CORP <ACME> SETS QUARTERLY DIVIDEND", body);
	run();
	cr_assert_eq(d2->kind, WF_KIND_NEW);
	cr_assert_eq(d3->kind, WF_KIND_DUP);
	cr_assert_str_eq(d3->canonical, "d1");
}

Test(dedup, the_same_event_written_twice_is_new, .init = setup, .fini = teardown)
{
	add("e1", 0, "Chelsea beat Arsenal 2-1",
	    "Chelsea came from behind to beat Arsenal 2-1 at Stamford Bridge on Sunday, with Cole "
	    "Palmer scoring the winner from the penalty spot in the 78th minute.");
	struct wf_article *e2 = add("e2", HOUR, "Palmer penalty wins derby",
	    "Cole Palmer converted a late penalty as Chelsea beat Arsenal 2-1 in the Premier League "
	    "on Sunday, coming back after Bukayo Saka had given the visitors the lead.");
	run();
	cr_assert_eq(e2->kind, WF_KIND_NEW);
}

Test(dedup, a_reprint_cut_from_the_bottom_is_a_dup, .init = setup, .fini = teardown)
{
	add("w", 0, "BRIARWOOD FOODS <BRWF> SEES CHARGE",
	    "Briarwood Foods Inc said it expects an after-tax charge of 22 cts a share in its "
	    "fourth quarter from closing two bakeries in Ohio. The company said its board approved "
	    "a plan to consolidate production at its remaining plants, which are primarily in the "
	    "Midwest. The two bakeries lost 1.4 mln dlrs, or nine cts a share, in the nine months "
	    "ended September 30. Reuter");
	struct wf_article *r = add("np", 20 * HOUR, "Briarwood Foods to close two bakeries",
	    "CLEVELAND, Oct 14 (Reuter) - Briarwood Foods Inc. said it expects an after-tax charge "
	    "of 22 cents a share in its fourth quarter from closing two bakeries in Ohio. The company "
	    "said its board approved a plan to consolidate production at its remaining plants, which "
	    "are mainly in the Midwest.");
	run();
	cr_assert_eq(r->kind, WF_KIND_DUP);
	cr_assert_str_eq(r->canonical, "w");
}

Test(dedup, nothing_is_a_dup_across_more_than_the_window, .init = setup, .fini = teardown)
{
	add("old", 0, "Quake off Fukushima", quake);
	struct wf_article *late = add("new", 73 * HOUR, "Quake off Fukushima", quake);
	struct wf_article *again = add("new2", 74 * HOUR, "Quake off Fukushima", quake);
	run();
	cr_assert_eq(late->kind, WF_KIND_NEW);
	cr_assert_eq(again->kind, WF_KIND_DUP);
	cr_assert_str_eq(again->canonical, "new");
}

Test(dedup, rejected_lines_are_skipped, .init = setup, .fini = teardown)
{
	struct wf_article *r = wf_batch_add_line(b, 1, "{", 1);
	wf_batch_reject(b, r, -1, "bad");
	add("a", 0, "Quake", quake);
	run();
	cr_assert_null(r->canonical);
}

/* Many articles over a long stream: the index evicts and stays correct. */
/* The text and id of report k: every odd report repeats the one before it
 * word for word under an id of its own. */
static void report(int k, char text[256], char id[16])
{
	const int base = k - k % 2;
	snprintf(text, 256,
	         "Report number %d on topic %d: the committee met %d times and agreed "
	         "on plan %d with %d votes in favour, officials in city %d said.",
	         base, base * 7, base * 3, base * 11, base * 13, base * 17);
	snprintf(id, 16, "id-%d", k);
}

Test(dedup, a_long_stream_keeps_finding_recent_copies, .init = setup, .fini = teardown)
{
	static char text[600][256];
	static char ids[600][16];
	for (int round = 0; round < 10; round++) {
		wf_batch_free(b);
		b = wf_batch_new(64);
		for (int i = 0; i < 60; i++) {
			int k = round * 60 + i;
			report(k, text[k], ids[k]);
			add(ids[k], (int64_t)k * 10 * HOUR, "Committee", text[k]);
		}
		run();
		for (int i = 0; i < 60; i++) {
			int k = round * 60 + i;
			cr_assert_eq(b->items[i].kind, k % 2 ? WF_KIND_DUP : WF_KIND_NEW, "article %d", k);
		}
	}
}

/* In the pipeline the fingerprint stage makes the band keys on a worker;
 * an article fingerprinted on its own comes without and dedup makes them.
 * Both file and find the same: copies are found across the two, either
 * way round. */
Test(dedup, keys_from_the_fingerprint_stage_are_the_ones_dedup_makes, .init = setup,
     .fini = teardown)
{
	void *fp;
	cr_assert_eq(wf_fingerprint_stage.init(&fp, &cfg), 0);
	static char text[40][256];
	static char ids[40][16];
	for (int k = 0; k < 40; k++) {
		report(k, text[k], ids[k]);
		struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
		a->id = ids[k];
		a->time_ms = (int64_t)k * HOUR;
		a->source = "Wire";
		a->lang = "en";
		a->title = "Committee";
		a->body = text[k];
		cr_assert_eq(wf_normalize_article(&b->arena, a), 0);
	}
	cr_assert_eq(wf_fingerprint_stage.process(fp, b), WF_FLOW_OK);
	/* the originals of one half and the copies of the other without */
	for (int k = 0; k < 40; k++) {
		struct wf_fingerprint *f = &b->items[k].fp;
		cr_assert_gt(f->n_keys, 0);
		if ((k % 2) == (k < 20)) {
			f->keys = NULL;
			f->n_keys = 0;
		}
	}
	run();
	for (int k = 0; k < 40; k++) {
		cr_assert_eq(b->items[k].kind, k % 2 ? WF_KIND_DUP : WF_KIND_NEW, "article %d", k);
		cr_assert_str_eq(b->items[k].canonical, ids[k - k % 2]);
	}
	wf_fingerprint_stage.free(fp);
}

/* n distinct lower-case words of their own (seed): two bodies of other
 * seeds share no shingle.  Caller frees. */
static char *own_words(unsigned n, unsigned seed)
{
	char *s = malloc((size_t)n * 12 + 1), *p = s;
	cr_assert_not_null(s);
	for (unsigned i = 0; i < n; i++) {
		*p++ = 'q';
		for (unsigned v = seed;; v /= 26) {
			*p++ = (char)('a' + v % 26);
			if (v < 26)
				break;
		}
		*p++ = 'x';
		for (unsigned v = i;; v /= 26) {
			*p++ = (char)('a' + v % 26);
			if (v < 26)
				break;
		}
		*p++ = ' ';
	}
	*p = '\0';
	return s;
}

/* A copy (id) at ms of the words of seed, whose original is canon. */
static void expect_dup_of(void *stage, const char *id, int64_t ms, unsigned words, unsigned seed,
                          const char *canon)
{
	char *body = own_words(words, seed);
	wf_batch_free(b);
	b = wf_batch_new(4);
	struct wf_article *c = add(id, ms, "Report", body);
	cr_assert_eq(wf_dedup_stage.process(stage, b), WF_FLOW_OK);
	cr_assert_eq(c->kind, WF_KIND_DUP, "%s", id);
	cr_assert_str_eq(c->canonical, canon);
	free(body);
}

/* An original and its copy an hour later, in a batch of their own: the
 * copy must be found whatever the entries held before went through. */
static void expect_copy_found(void *stage, int64_t ms, unsigned words, unsigned seed)
{
	char id[2][32];
	snprintf(id[0], sizeof id[0], "o-%u", seed);
	snprintf(id[1], sizeof id[1], "c-%u", seed);
	char *body = own_words(words, seed);
	wf_batch_free(b);
	b = wf_batch_new(4);
	struct wf_article *o = add(id[0], ms, "Report", body);
	struct wf_article *c = add(id[1], ms + HOUR, "Report", body);
	cr_assert_eq(wf_dedup_stage.process(stage, b), WF_FLOW_OK);
	cr_assert_eq(o->kind, WF_KIND_NEW, "seed %u", seed);
	cr_assert_eq(c->kind, WF_KIND_DUP, "seed %u", seed);
	cr_assert_str_eq(c->canonical, id[0]);
	free(body);
}

/* The entries' sets live in 2 MiB chunks taken and given back in arrival
 * order: an article larger than a chunk, chunks filled and emptied as the
 * window turns over (the emptied one reused), a window that empties at
 * once, and a state saved and loaded across chunks all keep every set as
 * it was, to the oldest entry of the window. */
Test(dedup, entries_of_every_size_stay_intact_as_the_window_turns_over, .init = setup,
     .fini = teardown)
{
	/* 300,000 words: some 2.4 MB of sets, more than a chunk */
	expect_copy_found(st, 0, 300000, 1);
	/* 150 originals of 6,000 words (48 KB of sets each) two hours apart,
	 * each with a copy an hour later and one 70 hours later, at the end
	 * of the window: 14 MB over 300 h, of which the window holds a
	 * quarter */
	int64_t t = 2 * HOUR;
	char id[32], canon[32];
	for (unsigned k = 0; k < 150; k++, t += 2 * HOUR) {
		expect_copy_found(st, t, 6000, 100 + k);
		if (k >= 35) {
			snprintf(id, sizeof id, "late-%u", 100 + k - 35);
			snprintf(canon, sizeof canon, "o-%u", 100 + k - 35);
			expect_dup_of(st, id, t + HOUR + HOUR / 2, 6000, 100 + k - 35, canon);
		}
	}
	/* a week later: every entry leaves at once, and the chunks serve again */
	t += 7 * 24 * HOUR;
	expect_copy_found(st, t, 300000, 2);
	for (unsigned k = 0; k < 40; k++, t += HOUR)
		expect_copy_found(st, t, 6000, 300 + k);

	/* saved and loaded into a new stage, which finds what the first would */
	struct wf_state_out out = {0};
	cr_assert_eq(wf_dedup_stage.save(st, &out), 0);
	void *two;
	cr_assert_eq(wf_dedup_stage.init(&two, &cfg), 0);
	struct wf_state_in in;
	wf_state_in_init(&in, out.p, out.len);
	cr_assert_eq(wf_dedup_stage.load(two, &in), 0);
	cr_assert_eq(in.pos, in.len);
	expect_dup_of(two, "reloaded-copy", t, 300000, 2, "o-2");
	expect_dup_of(two, "reloaded-copy-2", t, 6000, 339, "o-339");
	expect_copy_found(two, t + HOUR, 300000, 3);
	wf_dedup_stage.free(two);
	free(out.p);
}
