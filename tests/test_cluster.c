#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/batch.h"
#include "wirefold/cluster.h"
#include "wirefold/config.h"
#include "wirefold/normalize.h"
#include "wirefold/stage.h"
#include "wirefold/state.h"

#define H (3600 * 1000LL) /* an hour in ms */

struct item {
	const char *id;
	int64_t ms;
	const char *title;
	const char *body;
	const char *dup_of; /* NULL: a new item */
};

static struct wf_config cfg;
static void *fst, *cst;

static void start(void)
{
	cr_assert_eq(wf_features_stage.init(&fst, &cfg), 0);
	cr_assert_eq(wf_cluster_stage.init(&cst, &cfg), 0);
}

static void stop(void)
{
	wf_cluster_stage.free(cst);
	wf_features_stage.free(fst);
	cst = fst = NULL;
}

static void setup(void)
{
	wf_config_defaults(&cfg);
	start();
}

TestSuite(cluster, .init = setup, .fini = stop);

/* One batch through normalize (by hand), features and cluster; the story
 * of each item goes to story[] (if not NULL), and the batch is returned. */
static struct wf_batch *push(const struct item *it, size_t n, uint64_t *story)
{
	struct wf_batch *b = wf_batch_new(n + 1);
	for (size_t i = 0; i < n; i++) {
		struct wf_article *a = wf_batch_add_line(b, i + 1, "{}", 2);
		a->id = it[i].id;
		a->time_ms = it[i].ms;
		a->lang = "en";
		a->source = "test";
		a->title = it[i].title;
		a->body = it[i].body ? it[i].body : "";
		a->kind = it[i].dup_of ? WF_KIND_DUP : WF_KIND_NEW;
		a->canonical = it[i].dup_of ? it[i].dup_of : it[i].id;
		cr_assert_eq(wf_normalize_article(&b->arena, a), 0);
	}
	cr_assert_eq(wf_features_stage.process(fst, b), WF_FLOW_OK);
	cr_assert_eq(wf_cluster_stage.process(cst, b), WF_FLOW_OK);
	for (size_t i = 0; story && i < n; i++)
		story[i] = b->items[i].story;
	return b;
}

static void run(const struct item *it, size_t n, uint64_t *story)
{
	wf_batch_free(push(it, n, story));
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Two events, interleaved in time. */
static const struct item interleaved[] = {
	{"q1", 0, "Earthquake shakes northern Chile",
	 "A strong earthquake struck northern Chile near Iquique on Tuesday, the "
	 "geological survey said. Buildings swayed in Iquique and Arica.", NULL},
	{"v1", 10 * 60000, "Volvo recalls 50,000 trucks over brake fault",
	 "Volvo said it would recall 50,000 trucks in Europe after finding a fault "
	 "in the brake system of its FH series.", NULL},
	{"q2", 25 * 60000, "Tsunami warning after Chile earthquake",
	 "Authorities in Chile issued a tsunami warning for the coast near Iquique "
	 "after the earthquake, and evacuated low-lying areas of Arica.", NULL},
	{"v2", 40 * 60000, "Volvo truck recall to cost millions",
	 "The recall of FH trucks over the brake fault will cost Volvo millions of "
	 "crowns, analysts said; Volvo shares fell in Stockholm.", NULL},
	{"q3", 60 * 60000, "Chile quake death toll rises to five",
	 "Five people died in the earthquake in northern Chile, officials in Iquique "
	 "said, as aftershocks shook Arica.", NULL},
	{"v3", 80 * 60000, "Volvo says no accidents linked to truck brake fault",
	 "Volvo said no accidents had been linked to the brake fault in the FH trucks "
	 "it is recalling.", NULL},
};

Test(cluster, two_interleaved_events_make_two_stories)
{
	uint64_t s[COUNT(interleaved)];
	run(interleaved, COUNT(interleaved), s);
	cr_assert_eq(s[0], wf_story_id("q1"));
	cr_assert_eq(s[1], wf_story_id("v1"));
	cr_assert_eq(s[2], s[0]);
	cr_assert_eq(s[4], s[0]);
	cr_assert_eq(s[3], s[1]);
	cr_assert_eq(s[5], s[1]);
}

Test(cluster, order_does_not_change_the_grouping)
{
	/* the same items, one event first, then the other */
	static const int order[] = {1, 3, 5, 0, 2, 4};
	struct item it[COUNT(interleaved)];
	for (size_t i = 0; i < COUNT(order); i++) {
		it[i] = interleaved[order[i]];
		it[i].ms = (int64_t)i * 10 * 60000;
	}
	uint64_t s[COUNT(it)];
	run(it, COUNT(it), s);
	cr_assert_eq(s[0], wf_story_id("v1"));
	cr_assert_eq(s[1], s[0]);
	cr_assert_eq(s[2], s[0]);
	cr_assert_eq(s[3], wf_story_id("q1"));
	cr_assert_eq(s[4], s[3]);
	cr_assert_eq(s[5], s[3]);
}

Test(cluster, one_event_over_three_days_keeps_its_id)
{
	/* a developing story, reported every few hours for three days */
	static const char *const titles[] = {
		"Floods hit Bavaria as Danube bursts its banks",
		"Danube floods force evacuation of Passau",
		"Bavaria floods: army sent to Passau",
		"Danube flood peak expected in Passau overnight",
		"Passau floods recede, Bavaria counts the cost",
		"Bavaria promises flood aid for Passau",
		"Danube flood damage in Bavaria put at 2 bln euros",
		"Passau cleans up after Danube floods",
		"Bavaria flood aid approved for Passau residents",
	};
	struct item it[24]; /* every three hours */
	char ids[24][8];
	for (size_t i = 0; i < COUNT(it); i++) {
		snprintf(ids[i], sizeof ids[i], "f%zu", i);
		it[i] = (struct item){ids[i], (int64_t)i * 3 * H, titles[i % 9],
		                      "The Danube flooded Passau in Bavaria, where the army "
		                      "helped evacuate residents.", NULL};
	}
	uint64_t s[COUNT(it)];
	run(it, COUNT(it), s);
	for (size_t i = 0; i < COUNT(it); i++)
		cr_assert_eq(s[i], wf_story_id("f0"), "item %zu", i);
}

Test(cluster, a_shared_word_without_shared_names_is_two_stories)
{
	static const struct item it[] = {
		{"a1", 0, "Pilots at Lufthansa go on strike",
		 "Pilots of Lufthansa walked out in Frankfurt and Munich, the Cockpit "
		 "union said.", NULL},
		{"b1", 5 * 60000, "Dockers strike at Port of Santos",
		 "Dockers at the Port of Santos in Brazil went on strike over pay, "
		 "Codesp said.", NULL},
		{"a2", 30 * 60000, "Lufthansa cancels flights as pilots strike",
		 "Lufthansa cancelled 800 flights in Frankfurt and Munich as the Cockpit "
		 "union strike went on.", NULL},
		{"b2", 40 * 60000, "Santos port strike halts coffee exports",
		 "The strike at Santos halted coffee loading, exporters in Brazil said, "
		 "and Codesp called for talks.", NULL},
	};
	uint64_t s[COUNT(it)];
	run(it, COUNT(it), s);
	cr_assert_neq(s[0], s[1]);
	cr_assert_eq(s[2], s[0]);
	cr_assert_eq(s[3], s[1]);
}

Test(cluster, template_items_of_different_companies_stay_apart)
{
	static const struct item it[] = {
		{"c1", 0, "CHUBB CORP <CB> SETS QUARTERLY",
		 "Qtly div 69 cts vs 69 cts prior\n    Pay April 10\n    Record March 20", NULL},
		{"c2", 60000, "VAN DORN CO <VDC> SETS QUARTERLY",
		 "Qtly div 27 cts vs 27 cts prior\n    Pay April 15\n    Record March 31", NULL},
		{"c3", 120000, "HOLLY SUGAR CORP <HLY> SETS QUARTERLY",
		 "Qtly div 25 cts vs 25 cts prior\n    Pay April 1\n    Record March 16", NULL},
	};
	uint64_t s[COUNT(it)];
	run(it, COUNT(it), s);
	cr_assert_neq(s[0], s[1]);
	cr_assert_neq(s[0], s[2]);
	cr_assert_neq(s[1], s[2]);
}

Test(cluster, duplicates_join_their_canonical_story_without_clustering)
{
	static const struct item it[] = {
		{"q1", 0, "Earthquake shakes northern Chile", "Iquique shook.", NULL},
		{"x", 60000, "Something else entirely: cheese prices", "Cheddar.", NULL},
		/* a duplicate with unrelated text still goes with its canonical */
		{"q1b", 120000, "Cheese prices soar", "Cheddar and Gouda.", "q1"},
		{"q1c", 180000, "Cheese prices soar", "Cheddar and Gouda.", "q1b"},
	};
	struct wf_batch *b = push(it, COUNT(it), NULL);
	cr_assert_eq(b->items[2].story, b->items[0].story);
	cr_assert_eq(b->items[3].story, b->items[0].story, "a dup of a dup");
	cr_assert_not(b->items[2].opened_story);
	cr_assert(b->items[0].opened_story);
	cr_assert(b->items[1].opened_story);
	wf_batch_free(b);
}

Test(cluster, ids_are_stable_across_runs_and_batch_boundaries)
{
	uint64_t one[COUNT(interleaved)], two[COUNT(interleaved)];
	run(interleaved, COUNT(interleaved), one);
	stop();
	start();
	for (size_t i = 0; i < COUNT(interleaved); i++)
		run(&interleaved[i], 1, &two[i]);
	for (size_t i = 0; i < COUNT(interleaved); i++)
		cr_assert_eq(one[i], two[i], "item %zu", i);
}

Test(cluster, idle_stories_close_and_leave_the_index)
{
	cfg.cluster.idle_ms = 10 * H;
	stop();
	start();
	static const struct item it[] = {
		{"q1", 0, "Earthquake shakes northern Chile", "Iquique and Arica shook.", NULL},
		{"q2", 1 * H, "Chile earthquake: Iquique and Arica shaken", "Iquique, Arica.", NULL},
		{"z", 30 * H, "Unrelated: cheese prices soar", "Cheddar.", NULL},
		/* the quake story closed at 10 h of quiet: a new story */
		{"q3", 31 * H, "Earthquake shakes northern Chile again", "Iquique and Arica shook.", NULL},
	};
	uint64_t s[COUNT(it)];
	run(it, COUNT(it), s);
	cr_assert_eq(s[1], s[0]);
	cr_assert_eq(s[3], wf_story_id("q3"));
}

Test(cluster, time_decay_keeps_a_long_quiet_story_from_pulling)
{
	static const struct item it[] = {
		{"q1", 0, "Earthquake shakes northern Chile", "Iquique and Arica shook.", NULL},
		/* within the idle time but a day later: decayed below the threshold */
		{"q2", 24 * H, "Earthquake in Chile", "A small earthquake near Iquique.", NULL},
	};
	uint64_t s[COUNT(it)];
	run(it, COUNT(it), s);
	cr_assert_neq(s[1], s[0]);
}

Test(cluster, the_headline_is_the_most_central_title)
{
	static const struct item it[] = {
		/* the founding flash is off-centre */
		{"h1", 0, "Flash: Danube rising", "Water.", NULL},
		{"h2", 10 * 60000, "Danube floods Passau as river peaks",
		 "The Danube flooded Passau as the river peaked.", NULL},
		{"h3", 20 * 60000, "Passau flooded as Danube river peaks",
		 "The river Danube peaked and flooded Passau.", NULL},
		{"h4", 30 * 60000, "Danube peaks in Passau floods",
		 "Passau flooded when the Danube peaked.", NULL},
	};
	struct wf_batch *b = push(it, COUNT(it), NULL);
	for (size_t i = 1; i < COUNT(it); i++)
		cr_assert_eq(b->items[i].story, b->items[0].story);
	cr_assert_str_eq(b->items[0].story_headline, "Flash: Danube rising");
	cr_assert_str_neq(b->items[3].story_headline, "Flash: Danube rising");
	wf_batch_free(b);
}

Test(cluster, many_stories_with_tiny_posting_lists)
{
	/* posting lists of two: most stories fall out of most lists, and
	 * everything still runs, frees, and groups the obvious pairs */
	cfg.cluster.posting_max = 2;
	cfg.cluster.idle_ms = 50 * 60000;
	stop();
	start();
	enum { N = 400 };
	static char ids[N][16], titles[N][96];
	struct item it[N];
	for (int i = 0; i < N; i++) {
		const int story = i / 2;
		snprintf(ids[i], sizeof ids[i], "m%d", i);
		snprintf(titles[i], sizeof titles[i], "%s on %c%c%c%c and %c%c%c",
		         i % 2 ? "Update" : "Report", 'a' + story % 26, 'a' + story / 26 % 26,
		         'k' + story % 7, 'b' + story % 11, 'c' + story % 13, 'a' + story % 17,
		         'd' + story % 19);
		it[i] = (struct item){ids[i], (int64_t)i * 60000, titles[i], NULL, NULL};
	}
	uint64_t s[N];
	run(it, N, s);
	for (int i = 0; i < N; i += 2)
		cr_assert_eq(s[i + 1], s[i], "pair %d: %s / %s", i, titles[i], titles[i + 1]);
}

Test(cluster, document_frequencies_halve_and_still_group)
{
	cfg.cluster.df_horizon = 3; /* halved every few articles */
	stop();
	start();
	uint64_t s[COUNT(interleaved)];
	run(interleaved, COUNT(interleaved), s);
	cr_assert_eq(s[2], s[0]);
	cr_assert_eq(s[3], s[1]);
	cr_assert_neq(s[0], s[1]);
}

/* The cluster stage's saved section, malloc'd (caller frees); *len its size. */
static unsigned char *save_cluster(void *self, size_t *len)
{
	struct wf_state_out out = {0};
	cr_assert_eq(wf_cluster_stage.save(self, &out), 0);
	*len = out.len;
	return out.p;
}

/* A fresh stage loaded from a saved section. */
static void *load_cluster(const unsigned char *p, size_t len)
{
	void *self;
	cr_assert_eq(wf_cluster_stage.init(&self, &cfg), 0);
	struct wf_state_in in;
	wf_state_in_init(&in, p, len);
	cr_assert_eq(wf_cluster_stage.load(self, &in), 0);
	cr_assert_eq(wf_state_in_left(&in), 0);
	return self;
}

/* Reads a saved section's header: the stream's time, the documents seen
 * (to *docs) and the next story's sequence number. Returns the number of
 * df counts that follow. */
static uint64_t read_head(struct wf_state_in *in, uint64_t *docs)
{
	(void)wf_state_get_i64(in);
	*docs = wf_state_get_u64(in);
	(void)wf_state_get_u64(in);
	return wf_state_get_u64(in);
}

/* The stage saved, and *in at its df counts (their number to *ndf): the
 * saved bytes, to free. */
static unsigned char *saved_at_df(struct wf_state_in *in, uint64_t *docs, uint64_t *ndf)
{
	size_t len;
	unsigned char *p = save_cluster(cst, &len);
	wf_state_in_init(in, p, len);
	*ndf = read_head(in, docs);
	return p;
}

/* The document frequencies, as saved: each article's terms counted once
 * (the table grows from 16 slots while the first articles are counted, so
 * counts taken across a growth are covered too). */
Test(cluster, each_term_of_an_article_is_counted_once)
{
	struct wf_batch *b = push(interleaved, COUNT(interleaved), NULL);
	uint64_t terms = 0;
	for (size_t i = 0; i < b->n; i++)
		for (int k = 0; k < WF_NFIELDS; k++)
			terms += b->items[i].feat.n[k];
	wf_batch_free(b);
	struct wf_state_in in;
	uint64_t docs, ndf;
	unsigned char *p = saved_at_df(&in, &docs, &ndf);
	cr_assert_eq(docs, COUNT(interleaved));
	cr_assert_gt(ndf, 64, "enough terms to grow the table a few times");
	uint64_t sum = 0;
	for (uint64_t i = 0; i < ndf; i++) {
		(void)wf_state_get_u64(&in);
		const uint64_t n = wf_state_get_u64(&in);
		cr_assert(n >= 1 && n <= COUNT(interleaved), "count %llu", (unsigned long long)n);
		sum += n;
	}
	cr_assert_eq(in.error, 0);
	cr_assert_eq(sum, terms);
	free(p);
}

static const struct item danube[] = {
	{"d1", 0, "Danube floods Passau as river peaks",
	 "The Danube flooded Passau as the river peaked on Sunday.", NULL},
	{"d2", 10 * 60000, "Flash: Danube rising", "Water.", NULL},
	{"d3", 20 * 60000, "Passau flooded as Danube river peaks",
	 "The river Danube peaked and flooded Passau on Sunday.", NULL},
	{"d4", 30 * 60000, "Danube peaks in Passau floods",
	 "Passau flooded when the Danube peaked.", NULL},
};

/* A story's headline vector is cut from its centroid only when its second
 * item comes (or at a save): a story saved with one item and loaded goes on
 * exactly as one that was not saved (stories and headlines), and saving
 * does not change what is saved next. */
Test(cluster, a_story_saved_with_one_item_goes_on_as_if_not_saved)
{
	struct wf_batch *b = push(danube, 1, NULL);
	wf_batch_free(b);
	size_t n1, n1b;
	unsigned char *s1 = save_cluster(cst, &n1);
	unsigned char *s1b = save_cluster(cst, &n1b);
	cr_assert_eq(n1b, n1);
	cr_assert_eq(memcmp(s1, s1b, n1), 0, "a second save differs");

	/* the same stage goes on, and a copy loaded from the save */
	struct wf_batch *on = push(danube + 1, COUNT(danube) - 1, NULL);
	void *const kept = cst;
	cst = load_cluster(s1, n1);
	struct wf_batch *re = push(danube + 1, COUNT(danube) - 1, NULL);
	for (size_t i = 0; i < COUNT(danube) - 1; i++) {
		cr_assert_eq(re->items[i].story, on->items[i].story);
		cr_assert_str_eq(re->items[i].story_headline, on->items[i].story_headline);
	}
	cr_assert_eq(on->items[0].story, wf_story_id("d1"), "the flash joins d1's story");
	cr_assert_str_eq(on->items[0].story_headline, danube[0].title,
	                 "the founding title stays the more central");
	wf_cluster_stage.free(cst);
	cst = kept;
	wf_batch_free(on);
	wf_batch_free(re);
	free(s1);
	free(s1b);
}

/* Candidates too decayed to reach the threshold are not scored; one that
 * the decay leaves just within reach still is, and joins. */
struct late {
	int64_t gap_min; /* after the story's last item */
	bool joins;
};

ParameterizedTestParameters(cluster, the_decay_alone_decides_a_late_report)
{
	/* 2^(-gap/150): 0.22 at 330 min, 0.13 at 440 (above the threshold,
	 * 0.12), 0.11 at 480 */
	static struct late cases[] = {{60, true}, {330, true}, {440, true}, {480, false},
	                              {24 * 60, false}};
	return cr_make_param_array(struct late, cases, COUNT(cases));
}

ParameterizedTest(struct late *c, cluster, the_decay_alone_decides_a_late_report)
{
	const struct item it[] = {
		{"e1", 0, "Earthquake shakes northern Chile near Iquique",
		 "A strong earthquake struck northern Chile near Iquique and Arica on Tuesday.",
		 NULL},
		{"e2", c->gap_min * 60000, "Earthquake shakes northern Chile near Iquique",
		 "A strong earthquake struck northern Chile near Iquique and Arica on Tuesday.",
		 NULL},
	};
	uint64_t s[2];
	run(it, 2, s);
	cr_assert_eq(s[1] == s[0], c->joins, "gap %lld min", (long long)c->gap_min);
}

/* Posting lists of one to three: nearly every story indexed evicts another
 * from lists it joins (found before evicting, all at once; debug builds
 * check each against a search at the time).  Run in one go or saved and
 * loaded half-way, the stories are the same, and so is a second save. */
ParameterizedTestParameters(cluster, evictions_from_full_lists_survive_a_save)
{
	/* 7, 20 and 64: lists that grow through their classes (6, 14, 30, 62
	 * entries) before they are full */
	static uint32_t lens[] = {1, 2, 3, 7, 20, 64};
	return cr_make_param_array(uint32_t, lens, COUNT(lens));
}

ParameterizedTest(uint32_t *len, cluster, evictions_from_full_lists_survive_a_save)
{
	cfg.cluster.posting_max = *len;
	stop();
	start();
	enum { N = 240 };
	static char ids[N][16], titles[N][96];
	struct item it[N];
	for (int i = 0; i < N; i++) {
		const int story = i % 60; /* 60 stories, each item 60 minutes apart */
		snprintf(ids[i], sizeof ids[i], "v%d", i);
		snprintf(titles[i], sizeof titles[i], "Report %c%c%c on %c%c%c and %c%c%c",
		         'a' + story % 26, 'a' + story / 26, 'k' + i % 3, 'b' + story % 11,
		         'c' + story % 13, 'a' + story % 5, 'd' + story % 19, 'a' + story % 7,
		         'e' + story % 3);
		it[i] = (struct item){ids[i], (int64_t)i * 60000, titles[i], NULL, NULL};
	}
	uint64_t one[N], two[N];
	run(it, N, one);
	size_t n1, n1b;
	unsigned char *s1 = save_cluster(cst, &n1);
	unsigned char *s1b = save_cluster(cst, &n1b);
	cr_assert_eq(n1b, n1);
	cr_assert_eq(memcmp(s1, s1b, n1), 0, "a second save differs");
	stop();
	start();
	run(it, N / 2, two);
	size_t nh;
	unsigned char *half = save_cluster(cst, &nh);
	wf_cluster_stage.free(cst);
	cst = load_cluster(half, nh);
	run(it + N / 2, N - N / 2, two + N / 2);
	for (int i = 0; i < N; i++)
		cr_assert_eq(two[i], one[i], "item %d", i);
	free(s1);
	free(s1b);
	free(half);
}

/* Reads a saved section up to its stories: the header and the df counts.
 * Returns the number of stories that follow. */
static uint64_t skip_to_stories(struct wf_state_in *in)
{
	uint64_t docs;
	const uint64_t ndf = read_head(in, &docs);
	for (uint64_t i = 0; i < 2 * ndf; i++)
		(void)wf_state_get_u64(in);
	return wf_state_get_u64(in);
}

/* Reads one saved story: its id and items to *id and *items. */
static void read_story(struct wf_state_in *in, uint64_t *id, uint32_t *items)
{
	*id = wf_state_get_u64(in);
	(void)wf_state_get_u64(in); /* seq */
	(void)wf_state_get_i64(in); /* last item's time */
	free(wf_state_get_str(in)); /* headline */
	*items = wf_state_get_u32(in);
	for (int k = 0; k < WF_NFIELDS; k++)
		(void)wf_state_get_u32(in); /* norms */
	for (int v = 0; v < 2; v++) /* centroid, headline vector */
		for (int k = 0; k < WF_NFIELDS; k++) {
			const uint32_t n = wf_state_get_u32(in);
			for (uint32_t t = 0; t < n && !in->error; t++) {
				(void)wf_state_get_u64(in);
				(void)wf_state_get_u32(in);
			}
		}
	const uint32_t nix = wf_state_get_u32(in);
	for (uint32_t t = 0; t < nix && !in->error; t++)
		(void)wf_state_get_u64(in);
}

/* The open stories' posting lists, from a saved section: the longest one's
 * length and its stories' ids (at most 64) to *ids. */
static uint32_t longest_list(const unsigned char *p, size_t len, uint64_t *ids)
{
	struct wf_state_in in;
	wf_state_in_init(&in, p, len);
	const uint64_t nstories = skip_to_stories(&in);
	for (uint64_t i = 0; i < nstories && !in.error; i++) {
		uint64_t id;
		uint32_t items;
		read_story(&in, &id, &items);
	}
	const uint64_t nlists = wf_state_get_u64(&in);
	uint32_t most = 0;
	for (uint64_t i = 0; i < nlists && !in.error; i++) {
		(void)wf_state_get_u64(&in); /* term */
		const uint32_t n = wf_state_get_u32(&in);
		cr_assert_leq(n, 64);
		uint64_t e[64];
		for (uint32_t j = 0; j < n && !in.error; j++) {
			e[j] = wf_state_get_u64(&in);
			(void)wf_state_get_u32(&in);
		}
		if (n > most) {
			most = n;
			memcpy(ids, e, n * sizeof *e);
		}
	}
	cr_assert_eq(in.error, 0);
	return most;
}

ParameterizedTestParameters(cluster, a_list_keeps_every_story_as_it_grows)
{
	static uint32_t lens[] = {5, 7, 20, 64};
	return cr_make_param_array(uint32_t, lens, COUNT(lens));
}

/* 60 stories share words but name no one in common (the entity gate keeps
 * them apart): a shared word's posting list holds each of them, in the
 * order they opened, up to posting_max (then the most recently opened),
 * whichever classes it went through as it grew. */
ParameterizedTest(uint32_t *len, cluster, a_list_keeps_every_story_as_it_grows)
{
	cfg.cluster.posting_max = *len;
	stop();
	start();
	enum { N = 60 };
	static char ids[N][16], titles[N][64], bodies[N][64];
	struct item it[N];
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "g%d", i);
		snprintf(titles[i], sizeof titles[i], "Report %c%cq on %c%cx", 'a' + i % 26,
		         'a' + i / 26, 'a' + i * 7 % 26, 'm' + i / 26);
		snprintf(bodies[i], sizeof bodies[i], "Word came from Zu%c%c today.",
		         'a' + i % 26, 'a' + i / 26);
		it[i] = (struct item){ids[i], (int64_t)i * 60000, titles[i], bodies[i], NULL};
	}
	uint64_t st[N];
	run(it, N, st);
	for (int i = 1; i < N; i++)
		cr_assert_neq(st[i], st[i - 1], "item %d opens a story", i);
	size_t n;
	unsigned char *p = save_cluster(cst, &n);
	uint64_t list[64];
	const uint32_t most = longest_list(p, n, list);
	const uint32_t want = *len < N ? *len : N;
	cr_assert_eq(most, want);
	for (uint32_t j = 0; j < most; j++)
		cr_assert_eq(list[j], st[N - want + j], "entry %u", j);
	free(p);
}

/* The ids of the open stories (at most max) as saved, in order, to ids,
 * and their items to items; returns their count. */
static uint64_t saved_stories(uint64_t *ids, uint32_t *items, uint64_t max)
{
	size_t len;
	unsigned char *p = save_cluster(cst, &len);
	struct wf_state_in in;
	wf_state_in_init(&in, p, len);
	const uint64_t n = skip_to_stories(&in);
	cr_assert_leq(n, max);
	for (uint64_t i = 0; i < n && !in.error; i++)
		read_story(&in, &ids[i], &items[i]);
	cr_assert_eq(in.error, 0);
	free(p);
	return n;
}

ParameterizedTestParameters(cluster, stories_move_to_room_for_more_as_they_grow)
{
	/* 16: the long items do not fit a small story; 64: they do */
	static uint32_t terms[] = {16, 64};
	return cr_make_param_array(uint32_t, terms, COUNT(terms));
}

/* A story opens in a small object when its first item's centroid fits and
 * moves to a full one when a second item comes (keeping its place in the
 * lru list, the index and the map): six interleaved events, every other
 * one of long items (too long for a small story when centroid_terms is
 * 16), gain their second items at the tail, in the middle and at the head
 * of the lru list, and a duplicate finds its moved story.  Each event is
 * one story with all its items, in lru order, the same in one go and
 * saved and loaded half-way (small stories saved with their headline
 * vectors owed), and all close together when they go idle. */
ParameterizedTest(uint32_t *terms, cluster, stories_move_to_room_for_more_as_they_grow)
{
	cfg.cluster.centroid_terms = *terms;
	stop();
	start();
	enum { EVENTS = 6, WORDS = 40 };
	static char words[EVENTS][WORDS][8];
	static char titles[EVENTS][2][400], bodies[EVENTS][2][400];
	for (int e = 0; e < EVENTS; e++) {
		for (int w = 0; w < WORDS; w++)
			snprintf(words[e][w], sizeof words[e][w], "%c%c%c%c", 'B' + e, 'a' + w % 26,
			         'a' + w / 26, 'q' + e);
		for (int v = 0; v < 2; v++) {
			/* the items of an odd event are long, the others short */
			const int n = e % 2 ? WORDS : 5;
			char *t = titles[e][v], *b = bodies[e][v];
			t[0] = b[0] = '\0';
			for (int w = 0; w < n; w++) {
				strcat(t, words[e][w]);
				strcat(t, " ");
				strcat(b, words[e][(w + 1 + v) % n]);
				strcat(b, w % 4 == 3 ? ". " : " ");
			}
		}
	}
	/* the first items, then the second items of the short events at the
	 * tail, in the middle and at the head of the lru list, then the rest */
	static const int order[][2] = {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {5, 0}, {4, 0},
	                               {4, 1}, {2, 1}, {0, 1}, {1, 1}, {3, 1}, {5, 1},
	                               {4, 2}, {3, 2}, {0, 2}};
	enum { N = COUNT(order) };
	static char ids[N][16];
	struct item it[N + 2];
	for (int i = 0; i < N; i++) {
		const int e = order[i][0], v = order[i][1] > 0;
		snprintf(ids[i], sizeof ids[i], "m%d", i);
		it[i] = (struct item){ids[i], (int64_t)i * 600000, titles[e][v], bodies[e][v], NULL};
	}
	it[N] = (struct item){"late", 10 * 24 * H, "Quiet Lake news", "Nothing to report.", NULL};
	it[N + 1] = it[N];
	/* a duplicate finds its story through the map */
	it[N] = (struct item){"dup", N * 600000, titles[2][0], bodies[2][0], ids[2]};
	uint64_t one[N + 2], two[N + 2];
	run(it, N + 1, one);
	int event[N + 1];
	for (int i = 0; i < N; i++)
		event[i] = order[i][0];
	event[N] = 2;
	for (int i = 0; i <= N; i++)
		for (int j = 0; j < i; j++)
			cr_assert_eq(one[i] == one[j], event[i] == event[j], "items %d and %d", j, i);
	/* saved in lru order, by their last items, each with its items */
	uint64_t saved[EVENTS + 1];
	uint32_t items[EVENTS + 1];
	cr_assert_eq(saved_stories(saved, items, EVENTS + 1), EVENTS);
	for (int i = 0, e = 0; i <= N; i++) {
		int later = i + 1;
		while (later <= N && event[later] != event[i])
			later++;
		if (later <= N)
			continue;
		uint32_t want = 0;
		for (int j = 0; j < N; j++)
			want += event[j] == event[i];
		cr_assert_eq(saved[e], one[i], "item %d's story", i);
		cr_assert_eq(items[e++], want, "item %d's story", i);
	}
	run(it + N + 1, 1, one + N + 1);
	cr_assert_eq(saved_stories(saved, items, EVENTS + 1), 1, "the idle stories closed");
	cr_assert_eq(saved[0], one[N + 1]);

	stop();
	start();
	run(it, 3, two);
	size_t n;
	unsigned char *half = save_cluster(cst, &n);
	wf_cluster_stage.free(cst);
	cst = load_cluster(half, n);
	run(it + 3, N + 2 - 3, two + 3);
	for (int i = 0; i < N + 2; i++)
		cr_assert_eq(two[i], one[i], "item %d", i);
	free(half);
}

/* A term of one hash in two fields (a hash collision) is counted twice in
 * one article, and both fields weigh it by the count after the article:
 * the first field's copy is looked up again.  One article, terms A and B
 * in the title, A and C in the body, so df(A) = 2 and df(B) = 1: the
 * title's centroid weighs A by ln((1 + prior) / 3), B by ln((1 + prior) /
 * 2) (the same tf). */
Test(cluster, a_term_in_two_fields_is_weighed_by_both_counts)
{
	static const struct wf_term title[] = {{0x100, 1}, {0x200, 1}};
	static const struct wf_term body[] = {{0x100, 1}, {0x300, 1}};
	struct wf_batch *b = wf_batch_new(2);
	struct wf_article *a = wf_batch_add_line(b, 1, "{}", 2);
	a->id = a->canonical = "x1";
	a->lang = "en";
	a->source = "test";
	a->title = "Title";
	a->body = "";
	a->kind = WF_KIND_NEW;
	a->feat.terms[WF_FIELD_TITLE] = title;
	a->feat.n[WF_FIELD_TITLE] = 2;
	a->feat.terms[WF_FIELD_BODY] = body;
	a->feat.n[WF_FIELD_BODY] = 2;
	cr_assert_eq(wf_cluster_stage.process(cst, b), WF_FLOW_OK);
	wf_batch_free(b);
	struct wf_state_in in;
	uint64_t docs, ndf;
	unsigned char *p = saved_at_df(&in, &docs, &ndf);
	cr_assert_eq(docs, 1);
	cr_assert_eq(ndf, 3);
	for (uint64_t i = 0; i < ndf; i++) {
		const uint64_t h = wf_state_get_u64(&in);
		cr_assert_eq(wf_state_get_u64(&in), h == 0x100 ? 2u : 1u);
	}
	cr_assert_eq(wf_state_get_u64(&in), 1); /* stories */
	(void)wf_state_get_u64(&in);            /* id */
	(void)wf_state_get_u64(&in);            /* seq */
	(void)wf_state_get_i64(&in);            /* last item */
	free(wf_state_get_str(&in));            /* headline */
	cr_assert_eq(wf_state_get_u32(&in), 1); /* items */
	for (int k = 0; k < WF_NFIELDS; k++)
		(void)wf_state_get_u32(&in); /* norms */
	float w[WF_NFIELDS][2];
	for (int k = 0; k < WF_NFIELDS; k++) {
		const uint32_t n = wf_state_get_u32(&in);
		cr_assert_eq(n, k == WF_FIELD_TITLE || k == WF_FIELD_BODY ? 2u : 0u);
		for (uint32_t i = 0; i < n; i++) {
			(void)wf_state_get_u64(&in);
			const uint32_t u = wf_state_get_u32(&in);
			memcpy(&w[k][i], &u, sizeof u);
		}
	}
	cr_assert_eq(in.error, 0);
	const double prior = cfg.cluster.prior_docs;
	const double want = log((1 + prior) / 3) / log((1 + prior) / 2);
	cr_assert_float_eq(w[WF_FIELD_TITLE][0] / w[WF_FIELD_TITLE][1], want, 1e-5);
	cr_assert_float_eq(w[WF_FIELD_BODY][0] / w[WF_FIELD_BODY][1], want, 1e-5);
	free(p);
}
