#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "wirefold/batch.h"
#include "wirefold/bundle.h"
#include "wirefold/cluster.h"
#include "wirefold/config.h"
#include "wirefold/day.h"
#include "wirefold/digest.h"
#include "wirefold/error.h"

static char dir[64];
static struct wf_config cfg;

static void setup(void)
{
	strcpy(dir, "/tmp/wf-digest-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	wf_config_defaults(&cfg);
	cfg.out_dir = dir;
	wf_tz_set("UTC");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* ---- helpers ----------------------------------------------------------- */

/* Write lines (joined with newlines) as a one-frame zstd bundle at dir/name. */
static void write_bundle(const char *name, const char *const *lines, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(lines[i]) + 1;
	char *text = malloc(len + 1), *p = text;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s\n", lines[i]);
	size_t bound = ZSTD_compressBound(len);
	char *z = malloc(bound);
	size_t zlen = ZSTD_compress(z, bound, text, len, 3);
	cr_assert(!ZSTD_isError(zlen));
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(z, 1, zlen, f), zlen);
	fclose(f);
	free(z);
	free(text);
}

/* Render dir/name; returns the page (caller frees) and the status in *rc. */
static char *render(const char *name, size_t top, int *rc, char *err, size_t errlen)
{
	char path[128], *buf = NULL;
	size_t len = 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *mem = open_memstream(&buf, &len);
	cr_assert_not_null(mem);
	struct wf_digest_opts o = {.top = top};
	*rc = wf_digest_write(path, mem, &o, err, errlen);
	fclose(mem);
	return buf;
}

static char *render_ok(const char *name, size_t top)
{
	char err[256] = "";
	int rc;
	char *page = render(name, top, &rc, err, sizeof err);
	cr_assert_eq(rc, 0, "%s", err);
	return page;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The data-n of the bars of the first SVG histogram at or after `from`. */
static void bars(const char *from, unsigned out[24])
{
	const char *p = strstr(from, "<svg class=\"hist\"");
	cr_assert_not_null(p);
	for (unsigned h = 0; h < 24; h++) {
		p = strstr(p, "<rect");
		cr_assert_not_null(p, "bar %u missing", h);
		const char *n = strstr(p, "data-n=\"");
		cr_assert_not_null(n);
		out[h] = (unsigned)strtoul(n + 8, NULL, 10);
		p = n;
	}
	const char *end = strstr(from, "</svg>"), *next = strstr(p, "</rect>") + 1;
	cr_assert(p < end);
	next = strstr(next, "<rect");
	cr_assert(!next || next > end, "more than 24 bars");
}

#define HDR(day, tz, stories)                                                        \
	"{\"format\":\"wirefold.stories\",\"version\":1,\"generator\":\"t\",\"day\":\"" day \
	"\",\"tz\":\"" tz "\",\"counts\":{\"stories\":" #stories                          \
	",\"items\":1,\"duplicates\":0,\"articles\":1}}"

/* ---- escaping ----------------------------------------------------------- */

struct esc_case {
	char in[48];
	char out[96];
};

ParameterizedTestParameters(digest, escape)
{
	static struct esc_case cases[] = {
		{"plain text", "plain text"},
		{"", ""},
		{"<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"},
		{"AT&T", "AT&amp;T"},
		{"&amp;", "&amp;amp;"},
		{"say \"hi\"", "say &quot;hi&quot;"},
		{"it's", "it&#39;s"},
		{"\"><img src=x onerror=y>", "&quot;&gt;&lt;img src=x onerror=y&gt;"},
		{"tab\tand\nnewline", "tab\tand\nnewline"},
		{"bell\x07 esc\x1b[31m del\x7f", "bell  esc [31m del "},
		{"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x93\xb0", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x93\xb0"},
	};
	return cr_make_param_array(struct esc_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct esc_case *c, digest, escape)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	cr_assert_eq(wf_digest_escape(mem, c->in, strlen(c->in)), 0);
	fclose(mem);
	cr_assert_str_eq(buf, c->out, "escaping '%s'", c->in);
	free(buf);
}

/* ---- lead sentences ----------------------------------------------------- */

struct lead_case {
	char body[200];
	char lead[200];
};

ParameterizedTestParameters(digest, lead)
{
	static struct lead_case cases[] = {
		{"One sentence. Two sentences.", "One sentence."},
		{"The Bank of Japan will sell\nbillion yen, traders said.\n    Of the total",
		 "The Bank of Japan will sell billion yen, traders said."},
		{"The U.S. Dollar fell. Then it rose.", "The U.S. Dollar fell."},
		{"Mr. Smith and J. Doe met Gen. Lee on Nov. 3. They talked.",
		 "Mr. Smith and J. Doe met Gen. Lee on Nov. 3."},
		{"He said 3.5 pct. Next.", "He said 3.5 pct."},
		{"Is it over? Nobody knows.", "Is it over?"},
		{"\"We won.\" The crowd cheered.", "\"We won.\""},
		{"the e.g. case. and lower case after a period. Ends.", "the e.g. case. and lower case after a period."},
		{"A headline-like first line\n\nThe body starts here.", "A headline-like first line"},
		{"  \n\t  leading blanks   collapse  here. x", "leading blanks collapse here. x"},
		{"No full stop at all", "No full stop at all"},
		{"", ""},
		{" \n ", ""},
	};
	return cr_make_param_array(struct lead_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct lead_case *c, digest, lead)
{
	char out[301];
	size_t n = wf_digest_lead(c->body, out, 300);
	cr_assert_str_eq(out, c->lead, "lead of '%s'", c->body);
	cr_assert_eq(n, strlen(out));
}

Test(digest, lead_of_null_is_empty)
{
	char out[16];
	cr_assert_eq(wf_digest_lead(NULL, out, 15), 0);
	cr_assert_str_eq(out, "");
}

Test(digest, a_long_lead_is_cut_at_a_word_with_an_ellipsis)
{
	char body[2000] = "";
	for (int i = 0; i < 100; i++)
		strcat(body, "word\xc3\xa9s "); /* 7 bytes + space per word, no full stop */
	char out[301];
	size_t n = wf_digest_lead(body, out, 300);
	cr_assert_leq(n, 300);
	cr_assert_geq(n, 200);
	cr_assert_eq(strcmp(out + n - 3, "\xe2\x80\xa6"), 0, "ends with an ellipsis: %s", out);
	cr_assert_eq(out[n - 4], 's', "cut after a whole word: %s", out);
}

Test(digest, a_cut_never_splits_a_utf8_character)
{
	/* one long "word" of two-byte characters: no space to cut at */
	char body[1001];
	for (int i = 0; i < 500; i++)
		memcpy(body + 2 * i, "\xc3\xa9", 2);
	body[1000] = '\0';
	for (size_t max = 8; max < 40; max++) {
		char out[64];
		size_t n = wf_digest_lead(body, out, max);
		cr_assert_leq(n, max);
		cr_assert_eq(strcmp(out + n - 3, "\xe2\x80\xa6"), 0);
		for (size_t i = 0; i + 3 < n; i += 2)
			cr_assert_eq(memcmp(out + i, "\xc3\xa9", 2), 0, "max %zu: split at %zu", max, i);
	}
}

/* ---- the page from bundles written by the bundle stage ------------------ */

#define H(hh) (1700006400000LL + (long long)((hh) * 3600000.0)) /* 2023-11-15T00:00Z + hh */

static void add(struct wf_batch *b, const char *id, double hour, const char *src,
                const char *title, enum wf_kind kind, const char *canonical,
                const char *founder)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	a->id = id;
	a->time_ms = H(hour);
	a->source = src;
	a->title = title;
	a->body = "First sentence of the body. Second sentence.";
	a->lang = "en";
	a->kind = kind;
	a->canonical = canonical ? canonical : id;
	a->similarity = kind == WF_KIND_NEW ? 1.0f : 0.9f;
	a->story = wf_story_id(founder ? founder : a->canonical);
	a->story_headline = kind == WF_KIND_NEW && !founder ? title : NULL;
}

/* One day, 2023-11-15, with four stories of different rank. */
static void write_ranked_day(void)
{
	void *st;
	cr_assert_eq(wf_bundle_stage.init(&st, &cfg), 0);
	struct wf_batch *b = wf_batch_new(32);
	add(b, "r1", 6, "Reuters", "Rain expected", WF_KIND_NEW, NULL, NULL);
	add(b, "b1", 7, "Reuters", "Budget passes", WF_KIND_NEW, NULL, NULL);
	add(b, "b2", 7.5, "Reuters", "Budget passes", WF_KIND_DUP, "b1", NULL);
	add(b, "b3", 8, "Reuters", "Budget passes", WF_KIND_DUP, "b1", NULL);
	add(b, "b4", 9, "Reuters", "Budget: what it means", WF_KIND_NEW, NULL, "b1");
	add(b, "q1", 8.25, "Reuters", "Quake shakes city", WF_KIND_NEW, NULL, NULL);
	add(b, "q2", 8.75, "AP", "Strong quake hits city", WF_KIND_NEW, NULL, "q1");
	add(b, "q3", 9.1, "AFP", "Quake shakes city", WF_KIND_DUP, "q1", NULL);
	add(b, "q4", 23.9, "AP", "Quake toll rises", WF_KIND_UPDATE, "q2", "q1");
	add(b, "v1", 10, "dpa", "Vote counted", WF_KIND_NEW, NULL, NULL);
	add(b, "v2", 11, "AP", "Vote count ends", WF_KIND_NEW, NULL, "v1");
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage.flush(st), WF_FLOW_OK);
	wf_bundle_stage.free(st);
	wf_batch_free(b);
}

static const char *h2(const char *page, const char *headline)
{
	char needle[128];
	snprintf(needle, sizeof needle, "</a>%s</h2>", headline);
	const char *p = strstr(page, needle);
	cr_assert_not_null(p, "no story '%s'", headline);
	return p;
}

Test(digest, stories_keep_the_bundle_ranking, .init = setup, .fini = teardown)
{
	write_ranked_day();
	char *page = render_ok("2023-11-15.stories.jsonl.zst", 0);
	/* distinct sources first (3, 2, 1, 1), then articles (4 before 1) */
	const char *quake = h2(page, "Quake shakes city"), *vote = h2(page, "Vote counted"),
		   *budget = h2(page, "Budget passes"), *rain = h2(page, "Rain expected");
	cr_assert(quake < vote && vote < budget && budget < rain);
	cr_assert_eq(count(page, "<article class=\"story\""), 4);
	cr_assert_not_null(strstr(page, ">1</a>Quake shakes city</h2>"));
	cr_assert_not_null(strstr(page, ">4</a>Rain expected</h2>"));
	/* sources as badges, in the story's meta line */
	const char *meta = strstr(quake, "<p class=\"meta\">");
	cr_assert_not_null(strstr(meta, "3 sources: <span class=\"src\">AFP</span> "
	                                "<span class=\"src\">AP</span> "
	                                "<span class=\"src\">Reuters</span>"));
	free(page);
}

Test(digest, items_leads_and_collapsed_duplicates, .init = setup, .fini = teardown)
{
	write_ranked_day();
	char *page = render_ok("2023-11-15.stories.jsonl.zst", 0);
	const char *quake = h2(page, "Quake shakes city");
	const char *end = strstr(quake, "</article>");
	cr_assert_not_null(end);
	/* two items with their time, source, title (the update's) and lead */
	cr_assert_not_null(strstr(quake, "<span class=\"t\">08:15</span> <span class=\"src\">"
	                                 "Reuters</span> <b>Quake shakes city</b><p>First "
	                                 "sentence of the body.</p>"));
	const char *upd = strstr(quake, "<b>Quake toll rises</b> <span class=\"upd\">updated</span>");
	cr_assert(upd && upd < end);
	/* the dup and the update, one click away */
	const char *det = strstr(quake, "<details><summary>2 duplicates / updates</summary>");
	cr_assert(det && det < end);
	cr_assert_not_null(strstr(det, "dup \xc2\xb7 <span class=\"src\">AFP</span> \xc2\xb7 "
	                               "<span class=\"t\">09:06</span> \xc2\xb7 <code>q3</code> "
	                               "\xc2\xb7 similarity 0.90"));
	cr_assert_not_null(strstr(det, "update \xc2\xb7 <span class=\"src\">AP</span>"));
	cr_assert_not_null(strstr(det, "<code>q4</code>"));
	/* a story without duplicates has no details element */
	const char *rain = h2(page, "Rain expected");
	cr_assert_null(strstr(rain, "<details>"));
	free(page);
}

Test(digest, the_histogram_counts_articles_per_hour, .init = setup, .fini = teardown)
{
	write_ranked_day();
	char *page = render_ok("2023-11-15.stories.jsonl.zst", 0);
	unsigned n[24];
	bars(h2(page, "Quake shakes city"), n);
	unsigned want[24] = {0};
	want[8] = 2;  /* q1 08:15, q2 08:45 */
	want[9] = 1;  /* q3 09:06 */
	want[23] = 1; /* q4 23:54 */
	for (unsigned h = 0; h < 24; h++)
		cr_assert_eq(n[h], want[h], "hour %u: %u, not %u", h, n[h], want[h]);
	bars(h2(page, "Budget passes"), n);
	cr_assert_eq(n[7], 2);
	cr_assert_eq(n[8], 1);
	cr_assert_eq(n[9], 1);
	/* each bar has a tooltip */
	cr_assert_not_null(strstr(page, "<title>08:00\xe2\x80\x93" "09:00: 2 articles</title>"));
	free(page);
}

Test(digest, top_limits_the_stories_shown, .init = setup, .fini = teardown)
{
	write_ranked_day();
	char *page = render_ok("2023-11-15.stories.jsonl.zst", 2);
	cr_assert_eq(count(page, "<article class=\"story\""), 2);
	cr_assert_not_null(strstr(page, "4 stories"));
	cr_assert_not_null(strstr(page, "showing the top 2"));
	cr_assert_null(strstr(page, "Rain expected"));
	free(page);
}

/* ---- the page from hand-written bundles --------------------------------- */

Test(digest, hours_and_times_are_the_bundles_zone, .init = setup, .fini = teardown)
{
	/* 20:00Z is 01:30 the next day at +05:30 */
	static const char *const lines[] = {
		HDR("2026-11-21", "+05:30", 1),
		"{\"story\":\"s-1\",\"headline\":\"Late\",\"first_seen\":\"2026-11-20T20:00:00Z\","
		"\"last_seen\":\"2026-11-20T20:00:00Z\",\"sources\":[\"X\"],\"n_items\":1,"
		"\"n_duplicates\":0,\"items\":[{\"id\":\"a\",\"source\":\"X\",\"time\":"
		"\"2026-11-20T20:00:00Z\",\"title\":\"Late\",\"body\":\"b\",\"duplicates\":[]}]}",
	};
	write_bundle("tz.zst", lines, 2);
	char *page = render_ok("tz.zst", 0);
	unsigned n[24];
	bars(page, n);
	cr_assert_eq(n[1], 1);
	cr_assert_not_null(strstr(page, "<span class=\"t\">01:30</span>"));
	cr_assert_not_null(strstr(page, "times in +05:30"));
	cr_assert_not_null(strstr(page, "Saturday"));
	cr_assert_null(strstr(page, "<details>"));
	free(page);
	wf_tz_set("UTC");
}

Test(digest, everything_from_the_feed_is_escaped, .init = setup, .fini = teardown)
{
	static const char *const lines[] = {
		HDR("2026-11-21", "UTC<script>", 1),
		"{\"story\":\"s-\\\"><script>alert(1)</script>\",\"headline\":\"<script>"
		"document.title='pwned'</script>Storm & \\\"surge\\\"\",\"first_seen\":"
		"\"2026-11-21T08:00:00Z\",\"last_seen\":\"2026-11-21T09:00:00Z\",\"sources\":"
		"[\"<b>A</b>\"],\"n_items\":1,\"n_duplicates\":1,\"items\":[{\"id\":\"i<1>\","
		"\"source\":\"<b>A</b>\",\"time\":\"2026-11-21T08:00:00Z\",\"title\":\"<img src=x "
		"onerror=alert(1)>\",\"body\":\"It's <iframe src=javascript:alert(1)>.\","
		"\"duplicates\":[{\"id\":\"\\\"><img src=x>\",\"source\":\"O'Brien\",\"time\":"
		"\"2026-11-21T09:00:00Z\",\"similarity\":0.95,\"kind\":\"dup<\"}]}]}",
	};
	write_bundle("xss.zst", lines, 2);
	char *page = render_ok("xss.zst", 0);
	cr_assert_eq(count(page, "<script"), 1, "only the page's own script");
	cr_assert_eq(count(page, "<img"), 0);
	cr_assert_eq(count(page, "<iframe"), 0);
	cr_assert_eq(count(page, "<b>A"), 0);
	cr_assert_not_null(strstr(page, "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;"
	                                "Storm &amp; &quot;surge&quot;</h2>"));
	cr_assert_not_null(strstr(page, "id=\"s-&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
	cr_assert_not_null(strstr(page, "<b>&lt;img src=x onerror=alert(1)&gt;</b>"));
	cr_assert_not_null(strstr(page, "<p>It&#39;s &lt;iframe src=javascript:alert(1)&gt;.</p>"));
	cr_assert_not_null(strstr(page, "<code>&quot;&gt;&lt;img src=x&gt;</code>"));
	cr_assert_not_null(strstr(page, "O&#39;Brien"));
	cr_assert_not_null(strstr(page, "dup&lt; \xc2\xb7"));
	cr_assert_not_null(strstr(page, "UTC&lt;script&gt;"));
	free(page);
}

Test(digest, the_page_loads_nothing_from_anywhere, .init = setup, .fini = teardown)
{
	write_ranked_day();
	char *page = render_ok("2023-11-15.stories.jsonl.zst", 0);
	cr_assert_null(strstr(page, "http://"));
	cr_assert_null(strstr(page, "https://"));
	cr_assert_null(strstr(page, "src="));
	cr_assert_null(strstr(page, "<link"));
	cr_assert_null(strstr(page, "@import"));
	cr_assert_null(strstr(page, "url("));
	cr_assert_not_null(strstr(page, "Content-Security-Policy\" content=\"default-src 'none';"));
	cr_assert_eq(strncmp(page, "<!DOCTYPE html>\n", 16), 0);
	cr_assert_not_null(strstr(page, "</html>\n"));
	/* the filter box, hidden until its script shows it */
	cr_assert_not_null(strstr(page, "<p id=\"filter\" hidden>"));
	cr_assert_not_null(strstr(page, "<input type=\"search\" id=\"q\""));
	free(page);
}

Test(digest, a_long_story_shows_five_items_and_folds_the_rest, .init = setup,
     .fini = teardown)
{
	void *st;
	cr_assert_eq(wf_bundle_stage.init(&st, &cfg), 0);
	struct wf_batch *b = wf_batch_new(32);
	static const char *const ids[] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"};
	static const char *const titles[] = {"T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"};
	for (int i = 0; i < 9; i++)
		add(b, ids[i], 1 + i, "Reuters", titles[i], WF_KIND_NEW, NULL, i ? "k1" : NULL);
	add(b, "seven-a", 2, "AP", "Seven", WF_KIND_NEW, NULL, NULL);
	for (int i = 1; i < 7; i++) /* exactly ITEMS_FOLD items: all shown */
		add(b, ids[i] + 1, 2 + i, "AP", "Seven more", WF_KIND_NEW, NULL, "seven-a");
	cr_assert_eq(wf_bundle_stage.process(st, b), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage.flush(st), WF_FLOW_OK);
	wf_bundle_stage.free(st);
	wf_batch_free(b);
	char *page = render_ok("2023-11-15.stories.jsonl.zst", 0);
	const char *nine = h2(page, "T1"), *seven = h2(page, "Seven");
	const char *more = strstr(nine, "<details class=\"more\"><summary>4 more reports</summary>");
	cr_assert_not_null(more);
	cr_assert(more < strstr(nine, "</article>"));
	cr_assert(strstr(nine, "<b>T5</b>") < more && strstr(nine, "<b>T6</b>") > more);
	const char *end7 = strstr(seven, "</article>");
	const char *more7 = strstr(seven, "<details class=\"more\">");
	cr_assert(!more7 || more7 > end7, "seven items are all shown");
	cr_assert_eq(count(page, "<ol class=\"items\">"), 3);
	cr_assert_eq(count(page, "</ol>"), 3);
	free(page);
}

Test(digest, an_empty_day_says_so, .init = setup, .fini = teardown)
{
	static const char *const lines[] = {HDR("2026-11-21", "UTC", 0)};
	write_bundle("empty.zst", lines, 1);
	char *page = render_ok("empty.zst", 0);
	cr_assert_not_null(strstr(page, "No stories on this day."));
	cr_assert_not_null(strstr(page, "</html>"));
	free(page);
}

/* ---- errors ---------------------------------------------------------------- */

struct bad_case {
	char line[160];
	int rc;
};

ParameterizedTestParameters(digest, not_a_bundle)
{
	static struct bad_case cases[] = {
		{"{\"format\":\"something.else\",\"version\":1,\"day\":\"2026-11-21\"}", WF_EFORMAT},
		{"{\"format\":\"wirefold.stories\",\"version\":99,\"day\":\"2026-11-21\"}", WF_EFORMAT},
		{"{\"format\":\"wirefold.stories\",\"version\":1,\"day\":\"someday\"}", WF_EFORMAT},
		{"[1,2,3]", WF_EFORMAT},
		{"not json", WF_EFORMAT},
	};
	return cr_make_param_array(struct bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c, digest, not_a_bundle, .init = setup, .fini = teardown)
{
	const char *lines[] = {c->line};
	write_bundle("bad.zst", lines, 1);
	char err[256] = "";
	int rc;
	free(render("bad.zst", 0, &rc, err, sizeof err));
	cr_assert_eq(rc, c->rc, "%s: %d", c->line, rc);
	cr_assert_neq(err[0], '\0');
}

Test(digest, a_story_line_that_is_not_a_story, .init = setup, .fini = teardown)
{
	static const char *const lines[] = {HDR("2026-11-21", "UTC", 1), "{\"no\":\"story\"}"};
	write_bundle("bad.zst", lines, 2);
	char err[256];
	int rc;
	free(render("bad.zst", 0, &rc, err, sizeof err));
	cr_assert_eq(rc, WF_EFORMAT);
}

Test(digest, missing_and_garbage_files, .init = setup, .fini = teardown)
{
	char err[256], path[128];
	int rc;
	free(render("nothing-here.zst", 0, &rc, err, sizeof err));
	cr_assert_eq(rc, WF_EIO);
	cr_assert_not_null(strstr(err, "nothing-here.zst"));
	snprintf(path, sizeof path, "%s/garbage.zst", dir);
	FILE *f = fopen(path, "w");
	fputs("this is not zstd\n", f);
	fclose(f);
	free(render("garbage.zst", 0, &rc, err, sizeof err));
	cr_assert_eq(rc, WF_EZSTD);
}

Test(digest, to_a_file_atomically, .init = setup, .fini = teardown)
{
	write_ranked_day();
	char in[128], out[128], err[256];
	snprintf(in, sizeof in, "%s/2023-11-15.stories.jsonl.zst", dir);
	snprintf(out, sizeof out, "%s/page.html", dir);
	cr_assert_eq(wf_digest_file(in, out, NULL, err, sizeof err), 0, "%s", err);
	struct stat sb;
	cr_assert_eq(stat(out, &sb), 0);
	cr_assert_gt(sb.st_size, 1000);
	/* a failed render leaves the old page alone and no temporary file */
	snprintf(in, sizeof in, "%s/missing.zst", dir);
	cr_assert_eq(wf_digest_file(in, out, NULL, err, sizeof err), WF_EIO);
	struct stat sb2;
	cr_assert_eq(stat(out, &sb2), 0);
	cr_assert_eq(sb2.st_size, sb.st_size);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 2", dir);
	cr_assert_eq(system(cmd), 0, "only the bundle and the page");
	/* a directory is not a file name */
	snprintf(out, sizeof out, "%s/", dir);
	snprintf(in, sizeof in, "%s/2023-11-15.stories.jsonl.zst", dir);
	cr_assert_lt(wf_digest_file(in, out, NULL, err, sizeof err), 0);
}
