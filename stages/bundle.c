/* bundle.c — the sink: articles into per-day story bundles (ordered stage).
 *
 * Days stay in memory while articles can still arrive for them: until the
 * stream's event time passes the day's end plus the lateness allowance.  Then
 * the day is written and dropped.  An article for a day already written
 * reloads that day's bundle from disk, so the rewrite keeps what was there. */
#include "wirefold/bundle.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wf_version.h"
#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/day.h"
#include "wirefold/error.h"
#include "wirefold/fsutil.h"
#include "wirefold/lines.h"
#include "wirefold/map.h"
#include "wirefold/state.h"
#include "wirefold/timeparse.h"

struct dup {
	char *id, *source, *of; /* of: canonical id when not an item of this day */
	int64_t time_ms;
	double sim;
	enum wf_kind kind;
};

struct item {
	char *id;         /* the first version's id */
	char *version_id; /* id of the version whose text is shown, or NULL */
	char *update_of;  /* an update whose first version is on another day */
	char *source, *title, *body;
	int64_t time_ms;
	uint64_t seq;
	struct dup *dups;
	size_t ndups, capdups;
};

struct story {
	uint64_t id;
	char *headline;
	struct item **items;
	size_t nitems, capitems;
	struct dup *refs; /* duplicates of items on other days */
	size_t nrefs, caprefs;
	/* ranking, computed when written */
	json_t *sources; /* distinct sources, sorted */
	size_t nsources, size;
	int64_t first_ms, last_ms;
};

struct day {
	int32_t day;
	bool dirty;
	struct story **stories;
	size_t n, cap;
	struct wf_map by_story; /* story id → struct story */
	struct wf_map by_item;  /* hash of item id → struct item */
	struct wf_map on_disk;  /* hash of id → id, for every article read back
	                         * from an earlier bundle of this day */
};

struct bundler {
	const struct wf_config *cfg;
	struct day **days; /* open days, unordered; few at a time */
	size_t ndays, capdays;
	int32_t *written; /* days written and dropped from memory */
	size_t nwritten, capwritten;
	int64_t now_ms;
	uint64_t seq;
	size_t files_written;
};

/* ---- small helpers ---------------------------------------------------- */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 4;
	while (c < need)
		c *= 2;
	void *p = realloc(*arr, c * elem);
	if (!p)
		return WF_ENOMEM;
	*arr = p;
	*cap = c;
	return 0;
}

/* qsort that accepts an empty (possibly NULL) array */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof *(arr))

static char *dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

static uint64_t id_key(const char *id)
{
	return XXH3_64bits(id, strlen(id));
}

static void dup_close(struct dup *d)
{
	free(d->id);
	free(d->source);
	free(d->of);
}

static void item_free(struct item *it)
{
	free(it->id);
	free(it->version_id);
	free(it->update_of);
	free(it->source);
	free(it->title);
	free(it->body);
	for (size_t i = 0; i < it->ndups; i++)
		dup_close(&it->dups[i]);
	free(it->dups);
	free(it);
}

static void story_free(struct story *s)
{
	for (size_t i = 0; i < s->nitems; i++)
		item_free(s->items[i]);
	free(s->items);
	for (size_t i = 0; i < s->nrefs; i++)
		dup_close(&s->refs[i]);
	free(s->refs);
	free(s->headline);
	json_decref(s->sources);
	free(s);
}

static void day_free(struct day *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		story_free(d->stories[i]);
	free(d->stories);
	wf_map_close(&d->by_story);
	wf_map_close(&d->by_item);
	wf_map_close(&d->on_disk);
	free(d);
}

static struct day *day_new(int32_t day)
{
	struct day *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->day = day;
	if (wf_map_init(&d->by_story) < 0 || wf_map_init(&d->by_item) < 0 ||
	    wf_map_init(&d->on_disk) < 0) {
		wf_map_close(&d->by_story);
		wf_map_close(&d->by_item);
		free(d);
		return NULL;
	}
	return d;
}

static struct story *day_story(struct day *d, uint64_t id)
{
	struct story *s = wf_map_get(&d->by_story, id);
	if (s)
		return s;
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->id = id;
	if (GROW(d->stories, d->cap, d->n + 1) < 0 ||
	    wf_map_put(&d->by_story, id, s) < 0) {
		free(s);
		return NULL;
	}
	d->stories[d->n++] = s;
	return s;
}

static int story_add_item(struct day *d, struct story *s, struct item *it)
{
	if (GROW(s->items, s->capitems, s->nitems + 1) < 0 ||
	    wf_map_put(&d->by_item, id_key(it->id), it) < 0)
		return WF_ENOMEM;
	s->items[s->nitems++] = it;
	return 0;
}

static int set_headline(struct story *s, const char *h)
{
	if (!h || !*h || (s->headline && strcmp(s->headline, h) == 0))
		return 0;
	char *c = strdup(h);
	if (!c)
		return WF_ENOMEM;
	free(s->headline);
	s->headline = c;
	return 0;
}

/* ---- adding articles -------------------------------------------------- */

static struct item *item_from(const struct wf_article *a, uint64_t seq)
{
	struct item *it = calloc(1, sizeof *it);
	if (!it)
		return NULL;
	it->id = strdup(a->id);
	it->source = strdup(a->source);
	it->title = strdup(a->title);
	it->body = strdup(a->body);
	it->time_ms = a->time_ms;
	it->seq = seq;
	if (!it->id || !it->source || !it->title || !it->body) {
		item_free(it);
		return NULL;
	}
	return it;
}

static int dup_from(struct dup *d, const struct wf_article *a, const char *of)
{
	memset(d, 0, sizeof *d);
	d->id = strdup(a->id);
	d->source = strdup(a->source);
	d->of = dupstr(of);
	d->time_ms = a->time_ms;
	d->sim = a->similarity;
	d->kind = a->kind;
	if (!d->id || !d->source || (of && !d->of)) {
		dup_close(d);
		return WF_ENOMEM;
	}
	return 0;
}

/* An update replaces the text shown for its item; the item keeps the first
 * version's id and time, and lists the update among its versions. */
static int apply_update(struct item *it, const struct wf_article *a)
{
	char *t = strdup(a->title), *b = strdup(a->body), *v = strdup(a->id);
	char *s = strdup(a->source);
	if (!t || !b || !v || !s) {
		free(t);
		free(b);
		free(v);
		free(s);
		return WF_ENOMEM;
	}
	free(it->title);
	free(it->body);
	free(it->version_id);
	free(it->source);
	it->title = t;
	it->body = b;
	it->version_id = v;
	it->source = s;
	return 0;
}

/* An article whose id a bundle on disk already holds was delivered before
 * (by an earlier run into the same directory): the bundle keeps it once. */
static bool already_on_disk(const struct day *d, const char *id)
{
	const char *seen = wf_map_get(&d->on_disk, id_key(id));
	return seen && strcmp(seen, id) == 0;
}

static int day_add(struct day *d, const struct wf_article *a, uint64_t seq)
{
	if (already_on_disk(d, a->id))
		return 0;
	struct story *s = day_story(d, a->story);
	if (!s || set_headline(s, a->story_headline) < 0)
		return WF_ENOMEM;
	d->dirty = true;
	struct item *canon = NULL;
	if (a->kind != WF_KIND_NEW) {
		canon = wf_map_get(&d->by_item, id_key(a->canonical));
		if (canon && strcmp(canon->id, a->canonical) != 0)
			canon = NULL; /* 64-bit hash collision: keep it as a reference */
	}
	if (a->kind == WF_KIND_NEW || (a->kind == WF_KIND_UPDATE && !canon)) {
		struct item *it = item_from(a, seq);
		if (!it)
			return WF_ENOMEM;
		if (a->kind == WF_KIND_UPDATE && !(it->update_of = strdup(a->canonical))) {
			item_free(it);
			return WF_ENOMEM;
		}
		if (story_add_item(d, s, it) < 0) {
			item_free(it);
			return WF_ENOMEM;
		}
		if (!s->headline)
			return set_headline(s, a->title);
		return 0;
	}
	if (canon) {
		if (GROW(canon->dups, canon->capdups, canon->ndups + 1) < 0 ||
		    dup_from(&canon->dups[canon->ndups], a, NULL) < 0)
			return WF_ENOMEM;
		canon->ndups++;
		if (a->kind == WF_KIND_UPDATE)
			return apply_update(canon, a);
		return 0;
	}
	if (GROW(s->refs, s->caprefs, s->nrefs + 1) < 0 ||
	    dup_from(&s->refs[s->nrefs], a, a->canonical) < 0)
		return WF_ENOMEM;
	s->nrefs++;
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

/* A string from the feed: parse (or the bundle reader) already checked
 * that it is UTF-8 without NULs, so jansson need not check it again — the
 * bodies are most of a bundle's bytes. */
static json_t *text(const char *s)
{
	return json_string_nocheck(s);
}

static json_t *time_json(int64_t ms)
{
	char buf[40];
	wf_time_format(ms, buf);
	return json_string(buf);
}

static const char *kind_name(enum wf_kind k)
{
	return k == WF_KIND_UPDATE ? "update" : k == WF_KIND_DUP ? "dup" : "new";
}

/* The JSON builders return NULL when memory runs out, never an object with
 * a member missing: jansson's setters fail quietly (they take NULL values
 * and return -1), so each result is or'ed into `bad`. */
static json_t *built(json_t *o, int bad)
{
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *dup_json(const struct dup *d)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= json_object_set_new(o, "id", text(d->id));
	bad |= json_object_set_new(o, "source", text(d->source));
	bad |= json_object_set_new(o, "time", time_json(d->time_ms));
	bad |= json_object_set_new(o, "similarity", json_real(d->sim));
	bad |= json_object_set_new(o, "kind", json_string(kind_name(d->kind)));
	if (d->of)
		bad |= json_object_set_new(o, "of", text(d->of));
	return built(o, bad);
}

static json_t *item_json(const struct item *it)
{
	json_t *o = json_object();
	int bad = !o;
	bad |= json_object_set_new(o, "id", text(it->id));
	bad |= json_object_set_new(o, "source", text(it->source));
	bad |= json_object_set_new(o, "time", time_json(it->time_ms));
	bad |= json_object_set_new(o, "title", text(it->title));
	bad |= json_object_set_new(o, "body", text(it->body));
	if (it->version_id)
		bad |= json_object_set_new(o, "version_id", text(it->version_id));
	if (it->update_of)
		bad |= json_object_set_new(o, "update_of", text(it->update_of));
	json_t *dups = json_array();
	bad |= !dups;
	for (size_t i = 0; i < it->ndups && !bad; i++)
		bad |= json_array_append_new(dups, dup_json(&it->dups[i]));
	bad |= json_object_set_new(o, "duplicates", dups);
	return built(o, bad);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct item *a = *(struct item *const *)pa, *b = *(struct item *const *)pb;
	if (a->time_ms != b->time_ms)
		return a->time_ms < b->time_ms ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Distinct sources, size and time span of a story; its sources as JSON. */
static json_t *story_measure(struct story *s)
{
	size_t n = s->nrefs;
	for (size_t i = 0; i < s->nitems; i++)
		n += 1 + s->items[i]->ndups;
	const char **src = malloc((n ? n : 1) * sizeof *src);
	if (!src)
		return NULL;
	size_t k = 0;
	s->first_ms = INT64_MAX;
	s->last_ms = INT64_MIN;
#define SEEN(src_, t_)                         \
	do {                                   \
		src[k++] = (src_);             \
		if ((t_) < s->first_ms)        \
			s->first_ms = (t_);    \
		if ((t_) > s->last_ms)         \
			s->last_ms = (t_);     \
	} while (0)
	for (size_t i = 0; i < s->nitems; i++) {
		const struct item *it = s->items[i];
		SEEN(it->source, it->time_ms);
		for (size_t j = 0; j < it->ndups; j++)
			SEEN(it->dups[j].source, it->dups[j].time_ms);
	}
	for (size_t i = 0; i < s->nrefs; i++)
		SEEN(s->refs[i].source, s->refs[i].time_ms);
#undef SEEN
	sort(src, k, sizeof *src, cmp_str);
	json_t *arr = json_array();
	int bad = !arr;
	s->nsources = 0;
	for (size_t i = 0; i < k && !bad; i++) {
		if (!*src[i] || (i && strcmp(src[i], src[i - 1]) == 0))
			continue;
		bad |= json_array_append_new(arr, text(src[i]));
		s->nsources++;
	}
	s->size = k;
	free(src);
	return built(arr, bad);
}

static int cmp_story(const void *pa, const void *pb)
{
	const struct story *a = *(struct story *const *)pa, *b = *(struct story *const *)pb;
	if (a->nsources != b->nsources)
		return a->nsources > b->nsources ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	if (a->first_ms != b->first_ms)
		return a->first_ms < b->first_ms ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

struct buf {
	char *p;
	size_t len, cap;
};

/* jansson's dump callback: append to the buffer (one pass, no sizing run). */
static int buf_append(const char *p, size_t n, void *data)
{
	struct buf *b = data;
	if (GROW(b->p, b->cap, b->len + n + 1) < 0)
		return -1;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static int buf_line(struct buf *b, json_t *o)
{
	if (json_dump_callback(o, buf_append, b, JSON_COMPACT | JSON_REAL_PRECISION(4)) < 0 ||
	    buf_append("\n", 1, b) < 0)
		return WF_ENOMEM;
	return 0;
}

static json_t *story_json(struct story *s)
{
	sort(s->items, s->nitems, sizeof *s->items, cmp_item);
	char sid[24];
	snprintf(sid, sizeof sid, "s-%016" PRIx64, s->id);
	size_t ndup = s->nrefs;
	json_t *items = json_array();
	int bad = !items;
	for (size_t i = 0; i < s->nitems; i++) {
		bad |= json_array_append_new(items, item_json(s->items[i]));
		ndup += s->items[i]->ndups;
	}
	json_t *o = json_object();
	bad |= !o;
	bad |= json_object_set_new(o, "story", json_string(sid));
	bad |= json_object_set_new(o, "headline",
	                           text(s->headline ? s->headline : ""));
	bad |= json_object_set_new(o, "first_seen", time_json(s->first_ms));
	bad |= json_object_set_new(o, "last_seen", time_json(s->last_ms));
	bad |= json_object_set(o, "sources", s->sources);
	bad |= json_object_set_new(o, "n_items", json_integer((json_int_t)s->nitems));
	bad |= json_object_set_new(o, "n_duplicates", json_integer((json_int_t)ndup));
	bad |= json_object_set_new(o, "items", items);
	if (s->nrefs) {
		json_t *refs = json_array();
		bad |= !refs;
		for (size_t i = 0; i < s->nrefs && !bad; i++)
			bad |= json_array_append_new(refs, dup_json(&s->refs[i]));
		bad |= json_object_set_new(o, "duplicates", refs);
	}
	return built(o, bad);
}

static json_t *header_json(const struct bundler *bu, const struct day *d,
                           size_t items, size_t dups)
{
	const struct wf_config *c = bu->cfg;
	char day[11];
	wf_day_format(d->day, day);
	json_t *params = json_object();
	int bad = !params;
	bad |= json_object_set_new(params, "lateness_s", json_integer(c->lateness_ms / 1000));
	bad |= json_object_set_new(params, "window_s", json_integer(c->dedup.window_ms / 1000));
	bad |= json_object_set_new(params, "story_idle_s", json_integer(c->cluster.idle_ms / 1000));
	json_t *counts = json_object();
	bad |= !counts;
	bad |= json_object_set_new(counts, "stories", json_integer((json_int_t)d->n));
	bad |= json_object_set_new(counts, "items", json_integer((json_int_t)items));
	bad |= json_object_set_new(counts, "duplicates", json_integer((json_int_t)dups));
	bad |= json_object_set_new(counts, "articles", json_integer((json_int_t)(items + dups)));
	json_t *o = json_object();
	bad |= !o;
	bad |= json_object_set_new(o, "format", json_string(WF_BUNDLE_FORMAT));
	bad |= json_object_set_new(o, "version", json_integer(WF_BUNDLE_VERSION));
	bad |= json_object_set_new(o, "generator", json_string("wirefold " WF_VERSION));
	bad |= json_object_set_new(o, "day", json_string(day));
	bad |= json_object_set_new(o, "tz", json_string(c->tz));
	bad |= json_object_set_new(o, "params", params);
	bad |= json_object_set_new(o, "counts", counts);
	return built(o, bad);
}

/* The day's bundle, compressed, in a malloc'd *z of *zlen bytes (the
 * caller frees it).  Returns 0, WF_ENOMEM or WF_EZSTD. */
static int day_render(struct bundler *bu, struct day *d, char **z_out, size_t *zlen_out)
{
	int rc = WF_ENOMEM;
	struct buf body = {0};
	char *z = NULL;
	size_t items = 0, dups = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct story *s = d->stories[i];
		json_decref(s->sources);
		if (!(s->sources = story_measure(s)))
			goto err_free;
		items += s->nitems;
		dups += s->size - s->nitems;
	}
	sort(d->stories, d->n, sizeof *d->stories, cmp_story);
	json_t *hdr = header_json(bu, d, items, dups);
	rc = buf_line(&body, hdr);
	json_decref(hdr);
	for (size_t i = 0; i < d->n && rc == 0; i++) {
		json_t *o = story_json(d->stories[i]);
		rc = buf_line(&body, o);
		json_decref(o);
	}
	if (rc < 0)
		goto err_free;
	size_t bound = ZSTD_compressBound(body.len);
	rc = WF_ENOMEM;
	if (!(z = malloc(bound)))
		goto err_free;
	size_t zlen = ZSTD_compress(z, bound, body.p, body.len, bu->cfg->zstd_level);
	if (ZSTD_isError(zlen)) {
		fprintf(stderr, "wirefold: cannot compress bundle: %s\n", ZSTD_getErrorName(zlen));
		rc = WF_EZSTD;
		goto err_free;
	}
	free(body.p);
	*z_out = z;
	*zlen_out = zlen;
	return 0;
err_free:
	free(body.p);
	free(z);
	return rc;
}

static int day_write(struct bundler *bu, struct day *d)
{
	char *z;
	size_t zlen;
	int rc = day_render(bu, d, &z, &zlen);
	if (rc == WF_ENOMEM)
		fprintf(stderr, "wirefold: out of memory writing a bundle\n");
	if (rc < 0)
		return rc;
	char name[64], err[512];
	wf_day_format(d->day, name);
	strcat(name, WF_BUNDLE_SUFFIX);
	rc = wf_write_atomic(bu->cfg->out_dir, name, z, zlen, err, sizeof err);
	free(z);
	if (rc < 0) {
		fprintf(stderr, "wirefold: %s\n", err);
		return rc;
	}
	d->dirty = false;
	bu->files_written++;
	return 0;
}

/* ---- reading back a written day ---------------------------------------- */

static int64_t json_time(json_t *v)
{
	int64_t ms = 0;
	const char *s = json_string_value(v);
	if (s)
		wf_time_parse(s, strlen(s), &ms);
	return ms;
}

static char *json_strdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

static enum wf_kind kind_of(json_t *o)
{
	const char *k = json_string_value(json_object_get(o, "kind"));
	return k && strcmp(k, "update") == 0 ? WF_KIND_UPDATE : WF_KIND_DUP;
}

static int dup_load(struct dup *d, json_t *o)
{
	memset(d, 0, sizeof *d);
	d->id = json_strdup(o, "id");
	d->source = json_strdup(o, "source");
	d->of = json_strdup(o, "of");
	d->time_ms = json_time(json_object_get(o, "time"));
	d->sim = json_number_value(json_object_get(o, "similarity"));
	d->kind = kind_of(o);
	if (!d->id || !d->source) {
		dup_close(d);
		return WF_EFORMAT;
	}
	return 0;
}

struct loader {
	struct bundler *bu;
	struct day *d;
	bool header_seen;
	bool from_state; /* an open day from --state: nothing is on disk */
	int error;
};

static int load_story(struct loader *l, json_t *o)
{
	const char *sid = json_string_value(json_object_get(o, "story"));
	uint64_t id;
	if (!sid || sscanf(sid, "s-%" SCNx64, &id) != 1)
		return WF_EFORMAT;
	struct story *s = day_story(l->d, id);
	if (!s || set_headline(s, json_string_value(json_object_get(o, "headline"))) < 0)
		return WF_ENOMEM;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "items"), i, v) {
		struct item *it = calloc(1, sizeof *it);
		if (!it)
			return WF_ENOMEM;
		it->id = json_strdup(v, "id");
		it->source = json_strdup(v, "source");
		it->title = json_strdup(v, "title");
		it->body = json_strdup(v, "body");
		it->version_id = json_strdup(v, "version_id");
		it->update_of = json_strdup(v, "update_of");
		it->time_ms = json_time(json_object_get(v, "time"));
		it->seq = l->bu->seq++;
		if (it->id && !l->from_state &&
		    wf_map_put(&l->d->on_disk, id_key(it->id), it->id) < 0) {
			item_free(it);
			return WF_ENOMEM;
		}
		if (!it->id || !it->source || !it->title || !it->body ||
		    story_add_item(l->d, s, it) < 0) {
			item_free(it);
			return WF_EFORMAT;
		}
		size_t j;
		json_t *dv;
		json_array_foreach(json_object_get(v, "duplicates"), j, dv) {
			if (GROW(it->dups, it->capdups, it->ndups + 1) < 0)
				return WF_ENOMEM;
			if (dup_load(&it->dups[it->ndups], dv) < 0)
				return WF_EFORMAT;
			const char *did = it->dups[it->ndups++].id;
			if (!l->from_state && wf_map_put(&l->d->on_disk, id_key(did), (void *)did) < 0)
				return WF_ENOMEM;
		}
	}
	json_array_foreach(json_object_get(o, "duplicates"), i, v) {
		if (GROW(s->refs, s->caprefs, s->nrefs + 1) < 0)
			return WF_ENOMEM;
		if (dup_load(&s->refs[s->nrefs], v) < 0)
			return WF_EFORMAT;
		const char *rid = s->refs[s->nrefs++].id;
		if (!l->from_state && wf_map_put(&l->d->on_disk, id_key(rid), (void *)rid) < 0)
			return WF_ENOMEM;
	}
	return 0;
}

static int load_line(void *ctx, const char *line, size_t len)
{
	struct loader *l = ctx;
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return WF_EFORMAT;
	}
	int rc = 0;
	if (!l->header_seen) {
		const char *f = json_string_value(json_object_get(o, "format"));
		if (!f || strcmp(f, WF_BUNDLE_FORMAT) != 0 ||
		    json_integer_value(json_object_get(o, "version")) != WF_BUNDLE_VERSION)
			rc = WF_EFORMAT;
		l->header_seen = true;
	} else {
		rc = load_story(l, o);
	}
	json_decref(o);
	return rc;
}

static struct day *day_load(struct bundler *bu, int32_t day)
{
	char name[64], path[4200], err[512];
	wf_day_format(day, name);
	strcat(name, WF_BUNDLE_SUFFIX);
	snprintf(path, sizeof path, "%s/%s", bu->cfg->out_dir, name);
	struct loader l = {.bu = bu, .d = day_new(day)};
	if (!l.d)
		return NULL;
	int rc = wf_bundle_lines(path, load_line, &l, err, sizeof err);
	if (rc < 0) {
		/* A bundle we wrote and cannot read back: keep the article
		 * anyway rather than lose it, in a fresh day that will replace
		 * the file — but say so. */
		fprintf(stderr, "wirefold: cannot reload %s to add a late article (%s); "
		        "rewriting it from what is in memory\n", path,
		        rc == WF_EFORMAT ? "not a bundle of this version" : err);
		day_free(l.d);
		return day_new(day);
	}
	return l.d;
}

/* ---- the stage -------------------------------------------------------- */

static bool was_written(const struct bundler *bu, int32_t day)
{
	for (size_t i = 0; i < bu->nwritten; i++)
		if (bu->written[i] == day)
			return true;
	return false;
}

static struct day *open_day(struct bundler *bu, int32_t day)
{
	for (size_t i = 0; i < bu->ndays; i++)
		if (bu->days[i]->day == day)
			return bu->days[i];
	if (GROW(bu->days, bu->capdays, bu->ndays + 1) < 0)
		return NULL;
	struct day *d = was_written(bu, day) ? day_load(bu, day) : day_new(day);
	if (!d)
		return NULL;
	bu->days[bu->ndays++] = d;
	return d;
}

/* Write and drop day i; returns 0 or a negative wf_error. */
static int close_day(struct bundler *bu, size_t i)
{
	struct day *d = bu->days[i];
	if (d->dirty) {
		int rc = day_write(bu, d);
		if (rc < 0)
			return rc;
	}
	if (!was_written(bu, d->day)) {
		if (GROW(bu->written, bu->capwritten, bu->nwritten + 1) < 0)
			return WF_ENOMEM;
		bu->written[bu->nwritten++] = d->day;
	}
	day_free(d);
	bu->days[i] = bu->days[--bu->ndays];
	return 0;
}

static void bundle_free(void *self);

/* Bundles already in the out directory count as written: an article for
 * their day is added to what they hold, so a second run into the same
 * directory extends its bundles instead of replacing them. */
static int find_bundles(struct bundler *bu)
{
	DIR *dir = opendir(bu->cfg->out_dir);
	if (!dir)
		return 0; /* checked writable just before; nothing to find */
	struct dirent *e;
	while ((e = readdir(dir))) {
		int y, m, dd, end = 0;
		if (sscanf(e->d_name, "%4d-%2d-%2d%n", &y, &m, &dd, &end) != 3 || end != 10 ||
		    strcmp(e->d_name + 10, WF_BUNDLE_SUFFIX) != 0 || m < 1 || m > 12 ||
		    dd < 1 || dd > 31)
			continue;
		if (GROW(bu->written, bu->capwritten, bu->nwritten + 1) < 0) {
			closedir(dir);
			return WF_ENOMEM;
		}
		bu->written[bu->nwritten++] = wf_days_from_civil(y, (unsigned)m, (unsigned)dd);
	}
	closedir(dir);
	return 0;
}

static int bundle_init(void **self, const struct wf_config *cfg)
{
	char err[512];
	if (wf_mkdir_p(cfg->out_dir, err, sizeof err) < 0) {
		fprintf(stderr, "wirefold: %s\n", err);
		return WF_EIO;
	}
	int removed = wf_remove_stale_tmp(cfg->out_dir, err, sizeof err);
	if (removed < 0) {
		fprintf(stderr, "wirefold: %s\n", err);
		return WF_EIO;
	}
	if (removed > 0)
		fprintf(stderr, "wirefold: removed %d temporary file%s left in %s by a killed run\n",
		        removed, removed == 1 ? "" : "s", cfg->out_dir);
	struct bundler *bu = calloc(1, sizeof *bu);
	if (!bu)
		return WF_ENOMEM;
	bu->cfg = cfg;
	bu->now_ms = INT64_MIN;
	if (find_bundles(bu) < 0) {
		bundle_free(bu);
		return WF_ENOMEM;
	}
	*self = bu;
	return 0;
}

static int bundle_process(void *self, struct wf_batch *b)
{
	struct bundler *bu = self;
	for (size_t i = 0; i < b->n; i++) {
		const struct wf_article *a = &b->items[i];
		if (a->rejected)
			continue;
		struct day *d = open_day(bu, wf_day_of(a->time_ms));
		if (!d || day_add(d, a, bu->seq++) < 0) {
			fprintf(stderr, "wirefold: out of memory in the bundle stage\n");
			return WF_FLOW_ERROR;
		}
		if (a->time_ms > bu->now_ms)
			bu->now_ms = a->time_ms;
	}
	for (size_t i = 0; i < bu->ndays;) {
		if (wf_day_end_ms(bu->days[i]->day) + bu->cfg->lateness_ms < bu->now_ms) {
			if (close_day(bu, i) < 0)
				return WF_FLOW_ERROR;
		} else {
			i++;
		}
	}
	return WF_FLOW_OK;
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = (*(struct day *const *)a)->day, y = (*(struct day *const *)b)->day;
	return (x > y) - (x < y);
}

static int bundle_flush(void *self)
{
	struct bundler *bu = self;
	sort(bu->days, bu->ndays, sizeof *bu->days, cmp_day);
	if (bu->cfg->state_dir) {
		/* The days stay open: the state carries them to the next run
		 * as they are, so that run decides as one long run would; but
		 * each is written now, so the bundles hold all that was read. */
		for (size_t i = 0; i < bu->ndays; i++)
			if (bu->days[i]->dirty && day_write(bu, bu->days[i]) < 0)
				return WF_FLOW_ERROR;
		return WF_FLOW_OK;
	}
	while (bu->ndays) {
		/* oldest first, so a failure leaves the newest days unwritten
		 * rather than a gap */
		struct day *first = bu->days[0];
		bu->days[0] = bu->days[bu->ndays - 1];
		bu->days[bu->ndays - 1] = first;
		int rc = close_day(bu, bu->ndays - 1);
		if (rc < 0)
			return WF_FLOW_ERROR;
		sort(bu->days, bu->ndays, sizeof *bu->days, cmp_day);
	}
	return WF_FLOW_OK;
}

static void bundle_free(void *self)
{
	struct bundler *bu = self;
	if (!bu)
		return;
	for (size_t i = 0; i < bu->ndays; i++)
		day_free(bu->days[i]);
	free(bu->days);
	free(bu->written);
	free(bu);
}

/* ---- state ------------------------------------------------------------ */

/* Section: now_ms, seq, the number of open days, then each: its number,
 * whether it changed since written, its bundle as it would be written now,
 * and the ids it read back from an earlier bundle on disk (which it keeps
 * once).  Days already written need nothing: their bundles are on disk. */
static int bundle_save(void *self, struct wf_state_out *out)
{
	struct bundler *bu = self;
	wf_state_put_i64(out, bu->now_ms);
	wf_state_put_u64(out, bu->seq);
	wf_state_put_u32(out, (uint32_t)bu->ndays);
	for (size_t i = 0; i < bu->ndays && !out->error; i++) {
		struct day *d = bu->days[i];
		char *z;
		size_t zlen;
		int rc = day_render(bu, d, &z, &zlen);
		if (rc < 0)
			return rc;
		wf_state_put_u32(out, (uint32_t)d->day);
		wf_state_put_u32(out, d->dirty);
		wf_state_put_blob(out, z, zlen);
		free(z);
		wf_state_put_u64(out, d->on_disk.n);
		for (size_t k = 0; k <= d->on_disk.mask; k++)
			if (d->on_disk.slots[k].val)
				wf_state_put_str(out, d->on_disk.slots[k].val);
	}
	return out->error;
}

/* Every id the day holds, by id_key, into m (values borrowed from d). */
static int day_ids(const struct day *d, struct wf_map *m)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct story *s = d->stories[i];
		for (size_t j = 0; j < s->nitems; j++) {
			const struct item *it = s->items[j];
			if (wf_map_put(m, id_key(it->id), it->id) < 0)
				return WF_ENOMEM;
			for (size_t k = 0; k < it->ndups; k++)
				if (wf_map_put(m, id_key(it->dups[k].id), it->dups[k].id) < 0)
					return WF_ENOMEM;
		}
		for (size_t k = 0; k < s->nrefs; k++)
			if (wf_map_put(m, id_key(s->refs[k].id), s->refs[k].id) < 0)
				return WF_ENOMEM;
	}
	return 0;
}

/* One open day as bundle_save wrote it, appended to bu->days. */
static int load_day(struct bundler *bu, struct wf_state_in *in)
{
	int32_t day = (int32_t)wf_state_get_u32(in);
	bool dirty = wf_state_get_u32(in) != 0;
	size_t zlen;
	const void *z = wf_state_get_blob(in, &zlen);
	if (!z)
		return WF_ESTATE;
	for (size_t i = 0; i < bu->ndays; i++)
		if (bu->days[i]->day == day)
			return WF_ESTATE;
	if (GROW(bu->days, bu->capdays, bu->ndays + 1) < 0)
		return WF_ENOMEM;
	struct loader l = {.bu = bu, .d = day_new(day), .from_state = true};
	if (!l.d)
		return WF_ENOMEM;
	bu->days[bu->ndays++] = l.d; /* freed with the stage, whatever happens */
	l.d->dirty = dirty;
	char err[256];
	int rc = wf_bundle_lines_mem(z, zlen, "state", load_line, &l, err, sizeof err);
	if (rc < 0)
		return rc == WF_ENOMEM ? rc : WF_ESTATE;
	uint64_t n = wf_state_get_u64(in);
	if (n > wf_state_in_left(in) / 4)
		return WF_ESTATE;
	struct wf_map ids;
	if (wf_map_init(&ids) < 0)
		return WF_ENOMEM;
	rc = day_ids(l.d, &ids);
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		char *id = wf_state_get_str(in);
		const char *mine = id ? wf_map_get(&ids, id_key(id)) : NULL;
		if (!mine || strcmp(mine, id) != 0)
			rc = in->error == WF_ENOMEM ? WF_ENOMEM : WF_ESTATE;
		else if (wf_map_put(&l.d->on_disk, id_key(mine), (void *)mine) < 0)
			rc = WF_ENOMEM;
		free(id);
	}
	wf_map_close(&ids);
	return rc;
}

static int bundle_load(void *self, struct wf_state_in *in)
{
	struct bundler *bu = self;
	bu->now_ms = wf_state_get_i64(in);
	uint64_t seq = wf_state_get_u64(in);
	uint32_t n = wf_state_get_u32(in);
	for (uint32_t i = 0; i < n && !in->error; i++) {
		int rc = load_day(bu, in);
		if (rc < 0) {
			if (rc == WF_ENOMEM)
				in->error = WF_ENOMEM;
			wf_state_in_fail(in);
			break;
		}
	}
	/* items added from now on sort after the restored ones */
	if (seq > bu->seq)
		bu->seq = seq;
	return in->error;
}

size_t wf_bundle_stage_written(const void *self)
{
	const struct bundler *bu = self;
	return bu ? bu->files_written : 0;
}

const struct wf_stage_ops wf_bundle_stage = {
	.name = "bundle",
	.parallel = false,
	.init = bundle_init,
	.process = bundle_process,
	.flush = bundle_flush,
	.free = bundle_free,
	.save = bundle_save,
	.load = bundle_load,
};

/* ---- reading bundles -------------------------------------------------- */

struct line_ctx {
	wf_bundle_line_fn fn;
	void *ctx;
};

static int on_line(void *ctx, uint64_t line_no, const char *line, size_t len,
                   bool too_long)
{
	(void)line_no;
	struct line_ctx *lc = ctx;
	if (too_long)
		return WF_ETOOLONG;
	return lc->fn(lc->ctx, line, len);
}

int wf_bundle_lines_mem(const void *z, size_t zlen, const char *name,
                        wf_bundle_line_fn fn, void *ctx, char *err, size_t errlen)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	size_t outl = ZSTD_DStreamOutSize();
	char *out = malloc(outl);
	struct wf_lines lines;
	wf_lines_init(&lines, (size_t)1 << 30);
	struct line_ctx lc = {fn, ctx};
	int rc = 0;
	size_t last = 0;
	if (!ds || !out) {
		rc = WF_ENOMEM;
		goto done;
	}
	ZSTD_inBuffer ib = {z, zlen, 0};
	bool more = zlen > 0;
	while (rc == 0 && more) {
		ZSTD_outBuffer ob = {out, outl, 0};
		last = ZSTD_decompressStream(ds, &ob, &ib);
		if (ZSTD_isError(last)) {
			snprintf(err, errlen, "%s: %s", name, ZSTD_getErrorName(last));
			rc = WF_EZSTD;
			break;
		}
		rc = wf_lines_feed(&lines, out, ob.pos, on_line, &lc);
		/* a full buffer may leave output inside the decoder */
		more = ib.pos < ib.size || ob.pos == ob.size;
	}
	if (rc == 0 && (last != 0 || zlen == 0)) {
		snprintf(err, errlen, "%s: truncated or empty zstd data", name);
		rc = WF_EZSTD;
	} else if (rc == 0) {
		rc = wf_lines_finish(&lines, on_line, &lc);
	}
	if (rc < 0 && rc != WF_EZSTD)
		snprintf(err, errlen, "%s: %s", name,
		         rc == WF_EFORMAT ? "not a wirefold bundle" : wf_strerror(rc));
done:
	if (rc == WF_ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	wf_lines_close(&lines);
	ZSTD_freeDStream(ds);
	free(out);
	return rc;
}

int wf_bundle_lines(const char *path, wf_bundle_line_fn fn, void *ctx,
                    char *err, size_t errlen)
{
	char *z;
	size_t zlen;
	int rc = wf_read_file(path, &z, &zlen, err, errlen);
	if (rc < 0)
		return rc;
	rc = wf_bundle_lines_mem(z, zlen, path, fn, ctx, err, errlen);
	free(z);
	return rc;
}

struct cat_ctx {
	FILE *out;
	bool pretty;
	bool header_seen;
	size_t rank;
};

/* A string member of o, or "?" when o has none. */
static const char *str_or(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "?";
}

static void pretty_story(FILE *out, json_t *o, size_t rank)
{
	const char *first = json_string_value(json_object_get(o, "first_seen"));
	const char *last = json_string_value(json_object_get(o, "last_seen"));
	fprintf(out, "\n%zu. %s\n   %s  %s .. %s  sources:", rank, str_or(o, "headline"),
	        str_or(o, "story"), first ? first : "?", last ? last : "?");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "sources"), i, v) {
		const char *src = json_string_value(v);
		fprintf(out, "%s %s", i ? "," : "", src ? src : "?");
	}
	fputc('\n', out);
	json_array_foreach(json_object_get(o, "items"), i, v) {
		size_t nd = json_array_size(json_object_get(v, "duplicates"));
		fprintf(out, "   - %s  %-12s %s", str_or(v, "time"), str_or(v, "source"),
		        str_or(v, "title"));
		if (nd)
			fprintf(out, "  [+%zu duplicate%s]", nd, nd == 1 ? "" : "s");
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(o, "duplicates"), i, v)
		fprintf(out, "   = %s  %-12s %s of %s\n", str_or(v, "time"), str_or(v, "source"),
		        str_or(v, "kind"), str_or(v, "of"));
}

static int cat_line(void *ctx, const char *line, size_t len)
{
	struct cat_ctx *c = ctx;
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	int rc = 0;
	if (!json_is_object(o)) {
		rc = WF_EFORMAT;
	} else if (!c->header_seen) {
		const char *f = json_string_value(json_object_get(o, "format"));
		if (!f || strcmp(f, WF_BUNDLE_FORMAT) != 0)
			rc = WF_EFORMAT;
		else if (c->pretty) {
			json_t *counts = json_object_get(o, "counts");
			fprintf(c->out, "%s (%s): %lld stories, %lld articles, %lld duplicates\n",
			        str_or(o, "day"), str_or(o, "tz"),
			        (long long)json_integer_value(json_object_get(counts, "stories")),
			        (long long)json_integer_value(json_object_get(counts, "articles")),
			        (long long)json_integer_value(json_object_get(counts, "duplicates")));
		}
		c->header_seen = true;
	} else if (c->pretty) {
		pretty_story(c->out, o, ++c->rank);
	}
	if (rc == 0 && !c->pretty) {
		fwrite(line, 1, len, c->out);
		fputc('\n', c->out);
	}
	json_decref(o);
	if (rc == 0 && ferror(c->out))
		rc = errno == EPIPE ? WF_EPIPE : WF_EIO;
	return rc;
}

int wf_bundle_cat(const char *path, FILE *out, bool pretty, char *err,
                  size_t errlen)
{
	struct cat_ctx c = {.out = out, .pretty = pretty};
	return wf_bundle_lines(path, cat_line, &c, err, errlen);
}
