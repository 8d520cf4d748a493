/* stats.c — count a bundle's articles, duplicates, stories and sources. */
#include "wirefold/stats.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/bundle.h"
#include "wirefold/error.h"

struct counter {
	struct wf_stats st;
	size_t want_top;
	bool header_seen;
	json_t *by_source; /* source → JSON integer of articles */
};

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static int count_source(struct counter *c, const char *src)
{
	json_t *n = json_object_get(c->by_source, src);
	const json_int_t v = n ? json_integer_value(n) + 1 : 1;
	return json_object_set_new(c->by_source, src, json_integer(v)) < 0 ? WF_ENOMEM : 0;
}

/* A collapsed article (under an item or at story level): its kind and source. */
static int count_dup(struct counter *c, json_t *d)
{
	if (strcmp(str(d, "kind"), "update") == 0)
		c->st.updates++;
	else
		c->st.dups++;
	c->st.articles++;
	return count_source(c, str(d, "source"));
}

static int keep_top(struct counter *c, json_t *s, size_t articles)
{
	struct wf_stats *st = &c->st;
	if (st->ntop >= c->want_top)
		return 0;
	struct wf_stats_story *t = &st->top[st->ntop];
	t->id = strdup(str(s, "story"));
	t->headline = strdup(str(s, "headline"));
	t->sources = json_array_size(json_object_get(s, "sources"));
	t->articles = articles;
	st->ntop++; /* counted even when strdup failed, so close frees it */
	return t->id && t->headline ? 0 : WF_ENOMEM;
}

static int count_story(struct counter *c, json_t *s)
{
	json_t *items = json_object_get(s, "items"), *it, *d;
	size_t i, j;
	const uint64_t before = c->st.articles;
	int rc = 0;
	json_array_foreach(items, i, it) {
		c->st.items++;
		c->st.articles++;
		if (json_object_get(it, "update_of"))
			c->st.updates++;
		rc |= count_source(c, str(it, "source"));
		json_array_foreach(json_object_get(it, "duplicates"), j, d)
			rc |= count_dup(c, d);
	}
	json_array_foreach(json_object_get(s, "duplicates"), i, d)
		rc |= count_dup(c, d);
	c->st.stories++;
	c->st.multi_source += json_array_size(json_object_get(s, "sources")) > 1;
	if (rc)
		return WF_ENOMEM;
	return keep_top(c, s, (size_t)(c->st.articles - before));
}

static int read_header(struct counter *c, json_t *o)
{
	const char *f = json_string_value(json_object_get(o, "format"));
	json_t *v = json_object_get(o, "version");
	const char *day = str(o, "day");
	if (!f || strcmp(f, WF_BUNDLE_FORMAT) != 0 || !json_is_integer(v) ||
	    json_integer_value(v) < 1 || json_integer_value(v) > WF_BUNDLE_VERSION ||
	    strlen(day) != 10)
		return WF_EFORMAT;
	memcpy(c->st.day, day, 11);
	c->st.tz = strdup(str(o, "tz"));
	return c->st.tz ? 0 : WF_ENOMEM;
}

static int on_line(void *ctx, const char *line, size_t len)
{
	struct counter *c = ctx;
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	int rc;
	if (!json_is_object(o)) {
		rc = WF_EFORMAT;
	} else if (!c->header_seen) {
		c->header_seen = true;
		rc = read_header(c, o);
	} else if (!json_is_string(json_object_get(o, "story"))) {
		rc = WF_EFORMAT;
	} else {
		rc = count_story(c, o);
	}
	json_decref(o);
	return rc;
}

static int cmp_source(const void *pa, const void *pb)
{
	const struct wf_stats_source *a = pa, *b = pb;
	if (a->articles != b->articles)
		return a->articles > b->articles ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int collect_sources(struct counter *c)
{
	struct wf_stats *st = &c->st;
	const size_t n = json_object_size(c->by_source);
	st->sources = calloc(n ? n : 1, sizeof *st->sources);
	if (!st->sources)
		return WF_ENOMEM;
	const char *key;
	json_t *v;
	json_object_foreach(c->by_source, key, v) {
		struct wf_stats_source *s = &st->sources[st->nsources++];
		s->articles = (uint64_t)json_integer_value(v);
		if (!(s->name = strdup(key)))
			return WF_ENOMEM;
	}
	qsort(st->sources, st->nsources, sizeof *st->sources, cmp_source);
	return 0;
}

int wf_stats_read(const char *path, size_t top, struct wf_stats *st, char *err,
                  size_t errlen)
{
	struct counter c = {.want_top = top};
	int rc = WF_ENOMEM;
	c.by_source = json_object();
	if (top && !(c.st.top = calloc(top, sizeof *c.st.top)))
		goto err_free;
	if (!c.by_source)
		goto err_free;
	rc = wf_bundle_lines(path, on_line, &c, err, errlen);
	if (rc == 0 && !c.header_seen) {
		snprintf(err, errlen, "%s: empty, not a wirefold bundle", path);
		rc = WF_EFORMAT;
	}
	if (rc == 0)
		rc = collect_sources(&c);
	if (rc == WF_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", path);
	if (rc < 0)
		goto err_free;
	json_decref(c.by_source);
	*st = c.st;
	return 0;
err_free:
	json_decref(c.by_source);
	wf_stats_close(&c.st);
	return rc;
}

void wf_stats_close(struct wf_stats *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->ntop; i++) {
		free(st->top[i].id);
		free(st->top[i].headline);
	}
	free(st->top);
	for (size_t i = 0; i < st->nsources; i++)
		free(st->sources[i].name);
	free(st->sources);
	free(st->tz);
	memset(st, 0, sizeof *st);
}

/* ---- printing ----------------------------------------------------------- */

static int out_status(FILE *out)
{
	return ferror(out) ? (errno == EPIPE ? WF_EPIPE : WF_EIO) : 0;
}

/* s with control characters as '?' (a feed's text must not reach the
 * terminal as escape sequences). */
static void put_safe(FILE *out, const char *s)
{
	if (!*s) {
		fputs("(none)", out);
		return;
	}
	for (; *s; s++) {
		const unsigned char c = (unsigned char)*s;
		fputc(c < 0x20 || c == 0x7f ? '?' : c, out);
	}
}

static void put_row(FILE *out, const char *day, const char *tz, const struct wf_stats *t)
{
	fputs(day, out);
	fprintf(out, "%*s", (int)(12 - strlen(day)), "");
	const size_t tl = strlen(tz);
	put_safe(out, tz);
	fprintf(out, "%*s", tl < 16 ? (int)(16 - tl) : 1, "");
	fprintf(out, "%9llu %11llu %8llu %8llu %8llu %13llu %8zu\n",
	        (unsigned long long)t->articles, (unsigned long long)t->items,
	        (unsigned long long)t->dups, (unsigned long long)t->updates,
	        (unsigned long long)t->stories, (unsigned long long)t->multi_source,
	        t->nsources);
}

static void put_day(FILE *out, const struct wf_stats *st, size_t top)
{
	fprintf(out, "\n%s (", st->day);
	put_safe(out, st->tz);
	fputs(")\n", out);
	if (st->ntop) {
		fputs("  top stories  sources  articles  headline\n", out);
		for (size_t i = 0; i < st->ntop; i++) {
			fprintf(out, "  %11zu  %7zu  %8zu  ", i + 1, st->top[i].sources,
			        st->top[i].articles);
			put_safe(out, st->top[i].headline);
			fputc('\n', out);
		}
	}
	const size_t ns = st->nsources < top ? st->nsources : top;
	if (ns)
		fputs("  top sources           articles  share\n", out);
	for (size_t i = 0; i < ns; i++) {
		const struct wf_stats_source *s = &st->sources[i];
		fputs("  ", out);
		put_safe(out, s->name);
		const size_t w = *s->name ? strlen(s->name) : 6;
		fprintf(out, "%*s", w < 20 ? (int)(20 - w) : 1, "");
		fprintf(out, "%10llu  %4.0f%%\n", (unsigned long long)s->articles,
		        st->articles ? 100.0 * (double)s->articles / (double)st->articles : 0.0);
	}
}

int wf_stats_print_text(FILE *out, const struct wf_stats *days, size_t n,
                        size_t top)
{
	fputs("day         zone             articles  items shown  duplicates  updates  "
	      "stories  multi-source  sources\n",
	      out);
	struct wf_stats total = {0};
	for (size_t i = 0; i < n; i++) {
		put_row(out, days[i].day, days[i].tz ? days[i].tz : "", &days[i]);
		total.articles += days[i].articles;
		total.items += days[i].items;
		total.dups += days[i].dups;
		total.updates += days[i].updates;
		total.stories += days[i].stories;
		total.multi_source += days[i].multi_source;
	}
	if (n > 1) {
		/* sources cannot be added up across days: the column stays empty */
		fprintf(out, "%-28s%9llu %11llu %8llu %8llu %8llu %13llu\n", "total",
		        (unsigned long long)total.articles, (unsigned long long)total.items,
		        (unsigned long long)total.dups, (unsigned long long)total.updates,
		        (unsigned long long)total.stories,
		        (unsigned long long)total.multi_source);
	}
	for (size_t i = 0; i < n; i++)
		put_day(out, &days[i], top);
	return out_status(out);
}

int wf_stats_print_json(FILE *out, const struct wf_stats *st, size_t top)
{
	json_t *stories = json_array(), *sources = json_array();
	for (size_t i = 0; stories && i < st->ntop; i++)
		json_array_append_new(stories, json_pack("{s:s,s:s,s:I,s:I}", "story",
		                                         st->top[i].id, "headline",
		                                         st->top[i].headline, "sources",
		                                         (json_int_t)st->top[i].sources,
		                                         "articles",
		                                         (json_int_t)st->top[i].articles));
	for (size_t i = 0; sources && i < st->nsources && i < top; i++)
		json_array_append_new(sources, json_pack("{s:s,s:I}", "source",
		                                         st->sources[i].name, "articles",
		                                         (json_int_t)st->sources[i].articles));
	json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:o}",
	                      "day", st->day, "tz", st->tz ? st->tz : "",
	                      "articles", (json_int_t)st->articles,
	                      "items", (json_int_t)st->items,
	                      "duplicates", (json_int_t)st->dups,
	                      "updates", (json_int_t)st->updates,
	                      "stories", (json_int_t)st->stories,
	                      "multi_source_stories", (json_int_t)st->multi_source,
	                      "sources", (json_int_t)st->nsources,
	                      "top_stories", stories, "top_sources", sources);
	if (!o)
		return WF_ENOMEM;
	int rc = json_dumpf(o, out, JSON_COMPACT);
	json_decref(o);
	if (rc < 0 || fputc('\n', out) == EOF)
		return errno == EPIPE ? WF_EPIPE : WF_EIO;
	return out_status(out);
}
