#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wirefold/batch.h"
#include "wirefold/bundle.h"
#include "wirefold/cluster.h"
#include "wirefold/config.h"
#include "wirefold/day.h"
#include "wirefold/error.h"

static char dir[64];
static struct wf_config cfg;

static void setup(void)
{
	strcpy(dir, "/tmp/wf-bundle-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	wf_config_defaults(&cfg);
	cfg.out_dir = dir;
	cfg.threads = 1; /* days are written as they close; some tests set 2 (a writer) */
	wf_tz_set("UTC");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* an accepted article as the ordered stages leave it */
static void add(struct wf_batch *b, const char *id, int64_t ms, const char *src,
                const char *title, enum wf_kind kind, const char *canonical)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	a->id = id;
	a->time_ms = ms;
	a->source = src;
	a->title = title;
	a->body = "body";
	a->lang = "en";
	a->kind = kind;
	a->canonical = canonical ? canonical : id;
	a->similarity = kind == WF_KIND_NEW ? 1.0f : 0.9f;
	a->story = wf_story_id(a->canonical);
	a->story_headline = kind == WF_KIND_NEW ? title : NULL;
}

struct seen {
	json_t *lines[64];
	size_t n;
};

static int keep(void *ctx, const char *line, size_t len)
{
	struct seen *s = ctx;
	json_error_t e;
	s->lines[s->n] = json_loadb(line, len, 0, &e);
	cr_assert_not_null(s->lines[s->n], "bad JSON line: %s", e.text);
	s->n++;
	return 0;
}

static int count_line(void *ctx, const char *line, size_t len)
{
	(void)line;
	(void)len;
	++*(size_t *)ctx;
	return 0;
}

static void read_day(const char *day, struct seen *s)
{
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/%s.stories.jsonl.zst", dir, day);
	memset(s, 0, sizeof *s);
	cr_assert_eq(wf_bundle_lines(path, keep, s, err, sizeof err), 0, "%s", err);
}

static void release(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->lines[i]);
}

#define H(hh) (1700006400000LL + (hh) * 3600000LL) /* 2023-11-15T00:00Z + hh */

Test(bundle, every_article_lands_in_its_day, .init = setup, .fini = teardown)
{
	void *st;
	cr_assert_eq(wf_bundle_stage.init(&st, &cfg), 0);
	struct wf_batch *b = wf_batch_new(16);
	add(b, "a", H(1), "Reuters", "Alpha", WF_KIND_NEW, NULL);
	add(b, "a2", H(2), "AP", "Alpha", WF_KIND_DUP, "a");
	add(b, "b", H(3), "Reuters", "Beta", WF_KIND_NEW, NULL);
	add(b, "a3", H(26), "AFP", "Alpha", WF_KIND_DUP, "a"); /* next day */
	add(b, "b2", H(4), "Reuters", "Beta, longer", WF_KIND_UPDATE, "b");
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage.flush(st), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage_written(st), 2);
	wf_bundle_stage.free(st);
	wf_batch_free(b);

	struct seen s;
	read_day("2023-11-15", &s);
	cr_assert_eq(s.n, 3);
	cr_assert_str_eq(json_string_value(json_object_get(s.lines[0], "format")), WF_BUNDLE_FORMAT);
	cr_assert_eq(json_integer_value(json_object_get(
	                     json_object_get(s.lines[0], "counts"), "articles")), 4);
	/* two sources rank first */
	json_t *top = s.lines[1];
	cr_assert_str_eq(json_string_value(json_object_get(top, "headline")), "Alpha");
	cr_assert_eq(json_array_size(json_object_get(top, "sources")), 2);
	json_t *item = json_array_get(json_object_get(top, "items"), 0);
	json_t *dup = json_array_get(json_object_get(item, "duplicates"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(dup, "id")), "a2");
	/* the update's text is shown under the first version's id */
	json_t *beta = json_array_get(json_object_get(s.lines[2], "items"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(beta, "id")), "b");
	cr_assert_str_eq(json_string_value(json_object_get(beta, "title")), "Beta, longer");
	cr_assert_str_eq(json_string_value(json_object_get(beta, "version_id")), "b2");
	release(&s);

	read_day("2023-11-16", &s);
	cr_assert_eq(s.n, 2);
	json_t *ref = json_array_get(json_object_get(s.lines[1], "duplicates"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(ref, "id")), "a3");
	cr_assert_str_eq(json_string_value(json_object_get(ref, "of")), "a");
	release(&s);
}

/* With a writer thread a closed day is handed over, not yet written; a
 * late article for it waits until the writer has rendered it and gives it
 * back (or, once dropped, reads the file back), the same bundle either way. */
/* @then  hours after day 1's start of the article that closes it: past
 *        twice the lateness (6 h) after its end, day 1 is read back from
 *        its bundle; before, it is taken back from memory — the same
 *        bundle either way */
static void late_article_rewrites_its_day(int then)
{
	void *st;
	cr_assert_eq(wf_bundle_stage.init(&st, &cfg), 0);
	struct wf_batch *b = wf_batch_new(16);
	add(b, "a", H(1), "Reuters", "Alpha", WF_KIND_NEW, NULL);
	add(b, "c", H(then), "Reuters", "Gamma", WF_KIND_NEW, NULL); /* day 1 written now */
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
	if (cfg.threads == 1)
		cr_assert_eq(wf_bundle_stage_written(st), 1);
	wf_batch_free(b);
	b = wf_batch_new(16);
	add(b, "late", H(5), "AP", "Late one", WF_KIND_NEW, NULL);
	add(b, "a-dup", H(6), "AP", "Alpha", WF_KIND_DUP, "a");
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage.flush(st), WF_FLOW_OK);
	/* day 1 twice (closed, then rewritten), day 2 once */
	cr_assert_eq(wf_bundle_stage_written(st), 3);
	wf_bundle_stage.free(st);
	wf_batch_free(b);

	struct seen s;
	read_day("2023-11-15", &s);
	cr_assert_eq(s.n, 3, "header + Alpha + Late one");
	json_t *alpha = s.lines[1];
	cr_assert_str_eq(json_string_value(json_object_get(alpha, "headline")), "Alpha");
	json_t *item = json_array_get(json_object_get(alpha, "items"), 0);
	cr_assert_eq(json_array_size(json_object_get(item, "duplicates")), 1);
	release(&s);
	/* no temporary file is left */
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || strlen(e->d_name) > 2) {
			cr_assert_neq(e->d_name[0], '.', "left over: %s", e->d_name);
			files++;
		}
	closedir(d);
	cr_assert_eq(files, 2);
}

Test(bundle, a_late_article_rewrites_its_day_keeping_what_was_there, .init = setup,
     .fini = teardown)
{
	late_article_rewrites_its_day(40);
}

Test(bundle, a_late_article_takes_its_day_back_from_memory, .init = setup, .fini = teardown)
{
	late_article_rewrites_its_day(31);
}

Test(bundle, a_late_article_waits_for_the_writer_thread, .init = setup, .fini = teardown)
{
	cfg.threads = 2;
	late_article_rewrites_its_day(40);
	teardown();
	setup();
	cfg.threads = 2;
	late_article_rewrites_its_day(31);
}

/* A day the writer gives back before zstd and the disk are done with it:
 * the late articles go into it while its first bundle is still being
 * compressed (thousands of items, so that takes a while), and the rewrite,
 * queued after, is the file that stays. */
Test(bundle, a_day_given_back_early_is_rewritten_after_its_first_write, .init = setup,
     .fini = teardown)
{
	cfg.threads = 2;
	void *st;
	cr_assert_eq(wf_bundle_stage.init(&st, &cfg), 0);
	enum { N = 3000 };
	static char ids[N][16], titles[N][32], body[4096];
	for (size_t i = 0; i + 1 < sizeof body; i++)
		body[i] = (char)('a' + (i * 7919 % 26)) ^ (char)(i % 64 == 63 ? 'a' ^ ' ' : 0);
	for (int round = 0; round < 3; round++) {
		struct wf_batch *b = wf_batch_new(N + 2);
		for (int i = 0; i < N; i++) {
			snprintf(ids[i], sizeof ids[i], "r%d-%d", round, i);
			snprintf(titles[i], sizeof titles[i], "Story %d of round %d", i, round);
			add(b, ids[i], H(24 * round + 1) + i * 1000, "Reuters", titles[i], WF_KIND_NEW, NULL);
			b->items[b->n - 1].body = body;
		}
		/* the next day's first article closes this one; then a late one */
		add(b, "next", H(24 * round + 31), "AP", "Next", WF_KIND_NEW, NULL);
		cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
		wf_batch_free(b);
		b = wf_batch_new(2);
		char late[16];
		snprintf(late, sizeof late, "late%d", round);
		add(b, late, H(24 * round + 23), "AP", "Late one", WF_KIND_NEW, NULL);
		cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
		wf_batch_free(b);
	}
	cr_assert_eq(wf_bundle_stage.flush(st), WF_FLOW_OK);
	wf_bundle_stage.free(st);
	static const char *const days[] = {"2023-11-15", "2023-11-16", "2023-11-17"};
	for (int round = 0; round < 3; round++) {
		char path[128], err[256];
		snprintf(path, sizeof path, "%s/%s.stories.jsonl.zst", dir, days[round]);
		size_t lines = 0;
		cr_assert_eq(wf_bundle_lines(path, count_line, &lines, err, sizeof err), 0, "%s", err);
		/* the header, the N stories, the late one (and "next" of the day
		 * before, from the second day on) */
		cr_assert_eq(lines, 1 + N + 1 + (round > 0), "%s: %zu lines", days[round], lines);
	}
}

/* A day given back by the writer and dropped from memory at once (the
 * feed already past twice the lateness after it) while zstd still works on
 * its file: a late article for it must wait for that file and read it back,
 * not find it missing and start the day afresh (its rewrite would then hold
 * the late article alone). Level 19 over a few MB keeps the writer busy
 * long after rendering; if this machine renders slower than the pause, the
 * day is simply still in memory and the test passes without the race. */
Test(bundle, a_dropped_day_still_being_written_is_read_back_whole, .init = setup,
     .fini = teardown)
{
	cfg.threads = 2;
	cfg.zstd_level = 19;
	void *st;
	cr_assert_eq(wf_bundle_stage.init(&st, &cfg), 0);
	enum { N = 2000 };
	static char ids[N][16], titles[N][32], body[2048];
	uint32_t x = 2463534242u;
	for (size_t i = 0; i + 1 < sizeof body; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		body[i] = i % 8 == 7 ? ' ' : (char)('a' + x % 26);
	}
	struct wf_batch *b = wf_batch_new(N + 1);
	for (int i = 0; i < N; i++) {
		snprintf(ids[i], sizeof ids[i], "d1-%d", i);
		snprintf(titles[i], sizeof titles[i], "Story %d", i);
		add(b, ids[i], H(1) + i * 1000, "Reuters", titles[i], WF_KIND_NEW, NULL);
		b->items[b->n - 1].body = body;
	}
	/* past the day's end plus twice the lateness (6 h): written now, and
	 * dropped as soon as the writer gives it back */
	add(b, "next", H(40), "AP", "Next", WF_KIND_NEW, NULL);
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
	wf_batch_free(b);
	struct timespec pause = {0, 300 * 1000000L};
	nanosleep(&pause, NULL);
	b = wf_batch_new(2);
	add(b, "later", H(41), "AP", "Later", WF_KIND_NEW, NULL);
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK); /* collects and drops it */
	wf_batch_free(b);
	b = wf_batch_new(2);
	add(b, "late", H(12), "AP", "Late one", WF_KIND_NEW, NULL);
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
	wf_batch_free(b);
	cr_assert_eq(wf_bundle_stage.flush(st), WF_FLOW_OK);
	wf_bundle_stage.free(st);
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/2023-11-15.stories.jsonl.zst", dir);
	size_t lines = 0;
	cr_assert_eq(wf_bundle_lines(path, count_line, &lines, err, sizeof err), 0, "%s", err);
	cr_assert_eq(lines, 1 + N + 1, "header, %d stories and the late one: %zu lines", N, lines);
}

Test(bundle, cat_refuses_a_file_that_is_not_a_bundle, .init = setup, .fini = teardown)
{
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/junk.zst", dir);
	FILE *f = fopen(path, "w");
	fputs("not zstd at all\n", f);
	fclose(f);
	FILE *out = fopen("/dev/null", "w");
	cr_assert_eq(wf_bundle_cat(path, out, false, err, sizeof err), WF_EZSTD);
	snprintf(path, sizeof path, "%s/missing.zst", dir);
	cr_assert_eq(wf_bundle_cat(path, out, false, err, sizeof err), WF_EIO);
	fclose(out);
}

Test(bundle, unwritable_out_dir_fails_at_init, .init = setup, .fini = teardown)
{
	void *st = NULL;
	cfg.out_dir = "/proc/wirefold-cannot-be-here";
	cr_redirect_stderr();
	cr_assert_eq(wf_bundle_stage.init(&st, &cfg), WF_EIO);
}

/* An id delivered twice is kept once, whether its day was written in
 * between (read back, or taken back from memory) or is still open: what a
 * bundle holds must not depend on when batches happened to end. */
static int items_and_dups(const char *day)
{
	struct seen s;
	read_day(day, &s);
	int n = 0;
	for (size_t i = 1; i < s.n; i++) {
		json_t *items = json_object_get(s.lines[i], "items"), *it;
		size_t k;
		json_array_foreach(items, k, it) {
			n += 1 + (int)json_array_size(json_object_get(it, "duplicates"));
		}
		n += (int)json_array_size(json_object_get(s.lines[i], "duplicates"));
	}
	release(&s);
	return n;
}

Test(bundle, an_id_delivered_twice_is_kept_once, .init = setup, .fini = teardown)
{
	for (int closed_between = 0; closed_between < 2; closed_between++) {
		void *st;
		cr_assert_eq(wf_bundle_stage.init(&st, &cfg), 0);
		struct wf_batch *b = wf_batch_new(16);
		add(b, "a", H(1), "Reuters", "Alpha", WF_KIND_NEW, NULL);
		if (closed_between)
			add(b, "c", H(31), "Reuters", "Gamma", WF_KIND_NEW, NULL); /* day 1 written */
		cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
		wf_batch_free(b);
		b = wf_batch_new(16);
		add(b, "a", H(2), "Reuters", "Alpha", WF_KIND_DUP, "a");
		cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
		cr_assert_eq(wf_bundle_stage.flush(st), WF_FLOW_OK);
		wf_bundle_stage.free(st);
		wf_batch_free(b);
		cr_assert_eq(items_and_dups("2023-11-15"), 1, "day written between: %d", closed_between);
		teardown();
		setup();
	}
}
