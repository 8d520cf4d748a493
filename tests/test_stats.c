#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "wirefold/error.h"
#include "wirefold/stats.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/wf-stats-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Write text as a one-frame zstd file dir/name; returns its path (static). */
static const char *write_zst(const char *name, const char *text)
{
	static char path[128];
	const size_t len = strlen(text), bound = ZSTD_compressBound(len);
	char *z = malloc(bound);
	const size_t zlen = ZSTD_compress(z, bound, text, len, 3);
	cr_assert(!ZSTD_isError(zlen));
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(z, 1, zlen, f), zlen);
	fclose(f);
	free(z);
	return path;
}

/* A day as docs/FORMAT.md describes it: three stories, seven articles. */
static const char day1[] =
	"{\"format\":\"wirefold.stories\",\"version\":1,\"generator\":\"t\",\"day\":\"2026-11-21\","
	"\"tz\":\"UTC\",\"counts\":{\"stories\":3,\"items\":4,\"duplicates\":3,\"articles\":7}}\n"
	/* two sources; a dup and an update under i1; a reference to another day */
	"{\"story\":\"s-1\",\"headline\":\"Port strike spreads\",\"sources\":[\"AP\",\"Reuters\"],"
	"\"items\":[{\"id\":\"i1\",\"source\":\"Reuters\",\"time\":\"2026-11-21T08:00:00Z\","
	"\"title\":\"t\",\"body\":\"b\",\"version_id\":\"u1\",\"duplicates\":["
	"{\"id\":\"d1\",\"source\":\"Reuters\",\"time\":\"2026-11-21T08:10:00Z\",\"similarity\":1.0,"
	"\"kind\":\"dup\"},{\"id\":\"u1\",\"source\":\"AP\",\"time\":\"2026-11-21T09:00:00Z\","
	"\"similarity\":0.8,\"kind\":\"update\"}]},"
	"{\"id\":\"i2\",\"source\":\"AP\",\"time\":\"2026-11-21T10:00:00Z\",\"title\":\"t\","
	"\"body\":\"b\",\"duplicates\":[]}],"
	"\"duplicates\":[{\"id\":\"r1\",\"source\":\"AFP\",\"time\":\"2026-11-21T11:00:00Z\","
	"\"similarity\":0.9,\"kind\":\"dup\",\"of\":\"x\"}]}\n"
	/* an update of an item on another day */
	"{\"story\":\"s-2\",\"headline\":\"Rates on hold\",\"sources\":[\"Reuters\"],"
	"\"items\":[{\"id\":\"i3\",\"source\":\"Reuters\",\"time\":\"2026-11-21T12:00:00Z\","
	"\"title\":\"t\",\"body\":\"b\",\"update_of\":\"old\",\"duplicates\":[]}]}\n"
	/* no source; a headline that tries to drive the terminal */
	"{\"story\":\"s-3\",\"headline\":\"Red \\u001b[31malert\",\"sources\":[],"
	"\"items\":[{\"id\":\"i4\",\"source\":\"\",\"time\":\"2026-11-21T13:00:00Z\","
	"\"title\":\"t\",\"body\":\"b\",\"duplicates\":[]}]}\n";

static const char day2[] =
	"{\"format\":\"wirefold.stories\",\"version\":1,\"day\":\"2026-11-22\",\"tz\":\"UTC\"}\n"
	"{\"story\":\"s-9\",\"headline\":\"Quiet Sunday\",\"sources\":[\"dpa\"],"
	"\"items\":[{\"id\":\"j1\",\"source\":\"dpa\",\"time\":\"2026-11-22T12:00:00Z\","
	"\"title\":\"t\",\"body\":\"b\",\"duplicates\":[]}]}\n";

Test(stats, counts_a_day, .init = setup, .fini = teardown)
{
	struct wf_stats st;
	char err[256];
	cr_assert_eq(wf_stats_read(write_zst("d1.zst", day1), 2, &st, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(st.day, "2026-11-21");
	cr_assert_str_eq(st.tz, "UTC");
	cr_assert_eq(st.articles, 7);
	cr_assert_eq(st.items, 4);
	cr_assert_eq(st.dups, 2);    /* d1, r1 */
	cr_assert_eq(st.updates, 2); /* u1, i3 */
	cr_assert_eq(st.articles, st.items + st.dups + st.updates - 1,
	             "i3 is both an item and an update");
	cr_assert_eq(st.stories, 3);
	cr_assert_eq(st.multi_source, 1);
	/* the first two stories, in the bundle's order */
	cr_assert_eq(st.ntop, 2);
	cr_assert_str_eq(st.top[0].id, "s-1");
	cr_assert_str_eq(st.top[0].headline, "Port strike spreads");
	cr_assert_eq(st.top[0].sources, 2);
	cr_assert_eq(st.top[0].articles, 5);
	cr_assert_str_eq(st.top[1].headline, "Rates on hold");
	cr_assert_eq(st.top[1].articles, 1);
	/* sources by articles, then by name */
	cr_assert_eq(st.nsources, 4);
	cr_assert_str_eq(st.sources[0].name, "Reuters");
	cr_assert_eq(st.sources[0].articles, 3);
	cr_assert_str_eq(st.sources[1].name, "AP");
	cr_assert_eq(st.sources[1].articles, 2);
	cr_assert_str_eq(st.sources[2].name, "");
	cr_assert_str_eq(st.sources[3].name, "AFP");
	uint64_t sum = 0;
	for (size_t i = 0; i < st.nsources; i++)
		sum += st.sources[i].articles;
	cr_assert_eq(sum, st.articles);
	wf_stats_close(&st);
	wf_stats_close(&st); /* closing twice is harmless */
	wf_stats_close(NULL);
}

Test(stats, text_table, .init = setup, .fini = teardown)
{
	struct wf_stats st[2];
	char err[256];
	cr_assert_eq(wf_stats_read(write_zst("d1.zst", day1), 5, &st[0], err, sizeof err), 0);
	cr_assert_eq(wf_stats_read(write_zst("d2.zst", day2), 5, &st[1], err, sizeof err), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	cr_assert_eq(wf_stats_print_text(mem, st, 2, 2), 0);
	fclose(mem);
	cr_assert_not_null(strstr(buf, "day         zone             articles  items shown  "
	                               "duplicates  updates  stories  multi-source  sources\n"));
	cr_assert_not_null(strstr(buf, "2026-11-21  UTC                     7           4"
	                               "        2        2        3             1        4\n"),
	                   "%s", buf);
	cr_assert_not_null(strstr(buf, "2026-11-22  UTC                     1           1"));
	cr_assert_not_null(strstr(buf, "total                               8           5"
	                               "        2        2        4             1\n"),
	                   "%s", buf);
	cr_assert_not_null(strstr(buf, "\n2026-11-21 (UTC)\n  top stories  sources  articles  headline\n"
	                               "            1        2         5  Port strike spreads\n"));
	cr_assert_not_null(strstr(buf, "Red ?[31malert"), "no escape sequence reaches the terminal");
	cr_assert_null(strchr(buf, '\x1b'));
	/* --top 2 lists two sources */
	cr_assert_not_null(strstr(buf, "  Reuters                      3    43%\n"
	                               "  AP                           2    29%\n"),
	                   "%s", buf);
	cr_assert_null(strstr(buf, "AFP"));
	free(buf);
	wf_stats_close(&st[0]);
	wf_stats_close(&st[1]);
}

Test(stats, json_line, .init = setup, .fini = teardown)
{
	struct wf_stats st;
	char err[256];
	cr_assert_eq(wf_stats_read(write_zst("d1.zst", day1), 1, &st, err, sizeof err), 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	cr_assert_eq(wf_stats_print_json(mem, &st, 3), 0);
	fclose(mem);
	cr_assert_eq(strchr(buf, '\n'), buf + len - 1, "one line");
	json_error_t e;
	json_t *o = json_loads(buf, 0, &e);
	cr_assert_not_null(o, "%s", e.text);
	cr_assert_str_eq(json_string_value(json_object_get(o, "day")), "2026-11-21");
	cr_assert_eq(json_integer_value(json_object_get(o, "articles")), 7);
	cr_assert_eq(json_integer_value(json_object_get(o, "duplicates")), 2);
	cr_assert_eq(json_integer_value(json_object_get(o, "updates")), 2);
	cr_assert_eq(json_integer_value(json_object_get(o, "stories")), 3);
	cr_assert_eq(json_integer_value(json_object_get(o, "multi_source_stories")), 1);
	cr_assert_eq(json_integer_value(json_object_get(o, "sources")), 4);
	json_t *top = json_object_get(o, "top_stories");
	cr_assert_eq(json_array_size(top), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(top, 0), "headline")),
	                 "Port strike spreads");
	json_t *src = json_object_get(o, "top_sources");
	cr_assert_eq(json_array_size(src), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(src, 0), "source")),
	                 "Reuters");
	json_decref(o);
	free(buf);
	wf_stats_close(&st);
}

Test(stats, errors_leave_nothing_behind, .init = setup, .fini = teardown)
{
	struct wf_stats st = {0};
	char err[256], path[128];
	snprintf(path, sizeof path, "%s/none.zst", dir);
	cr_assert_eq(wf_stats_read(path, 3, &st, err, sizeof err), WF_EIO);
	cr_assert_not_null(strstr(err, "none.zst"));
	cr_assert_eq(wf_stats_read(write_zst("x.zst", "{\"format\":\"other\"}\n"), 3, &st, err,
	                           sizeof err),
	             WF_EFORMAT);
	cr_assert_eq(wf_stats_read(write_zst("y.zst", "\n"), 3, &st, err, sizeof err), WF_EFORMAT);
	cr_assert_eq(st.ntop, 0);
	cr_assert_null(st.tz);
	/* a header followed by a line that is not a story */
	cr_assert_eq(wf_stats_read(write_zst("z.zst", "{\"format\":\"wirefold.stories\",\"version\":1,"
	                                              "\"day\":\"2026-11-21\"}\n[]\n"),
	                           3, &st, err, sizeof err),
	             WF_EFORMAT);
}
