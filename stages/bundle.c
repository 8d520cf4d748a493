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
#include <pthread.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wf_version.h"
#include "wirefold/arena.h"
#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/day.h"
#include "wirefold/error.h"
#include "wirefold/fsutil.h"
#include "wirefold/jsonw.h"
#include "wirefold/lines.h"
#include "wirefold/map.h"
#include "wirefold/prio.h"
#include "wirefold/ring.h"
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
	size_t title_len, body_len; /* for rendering, which need not measure them again */
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
	const char **sources; /* distinct sources, sorted (borrowed from items) */
	size_t nsources, size;
	int64_t first_ms, last_ms;
};

struct day {
	int32_t day;
	bool dirty;
	/* the day's strings and items: freed with it, never one by one (an
	 * update's replaced text stays until then) */
	struct wf_arena mem;
	struct story **stories;
	size_t n, cap;
	struct wf_map by_story; /* story id → struct story */
	struct wf_map by_item;  /* hash of item id → struct item */
	struct wf_map held;     /* hash of id → id, for every article the day
	                         * holds, however it came (read back from its
	                         * bundle, from a state, or added) */
};

/* A bundle is written straight into one buffer (jsonw.h), byte for byte as
 * jansson's JSON_COMPACT | JSON_REAL_PRECISION(4) dump of the same values
 * would be, without building the values: a day of 6,000 articles is 9 MB of
 * JSON, and the value trees cost more than compressing it.  The strings come
 * from the feed (parse checked them: UTF-8 without NULs) or from a bundle
 * read back (checked by jansson). */
struct buf {
	char *p;
	size_t len, cap;
	bool oom;
	struct wf_json_time_memo date; /* of the last time written */
};

/* What rendering a day needs, kept from one day to the next by the thread
 * that renders (the writer, or the loop thread): the JSON, its compressed
 * form and zstd's context.  Allocated afresh for each day, these 12 MB or so
 * came back from the kernel as fresh pages every time, and the context's
 * tables were rebuilt: a quarter of the run's page faults. */
struct render {
	struct buf body;
	char *z;
	size_t zcap;
	ZSTD_CCtx *cctx;
};

/* With more than one thread (cfg->threads), closed days are rendered,
 * compressed and written by a thread of their own, in the order they
 * closed, while the ordered stages go on: most of the bundle stage's work.
 * A day is handed over whole and not touched again by the loop thread; a
 * late article for a day handed over waits until the writer is idle and
 * reads the file back, as without the thread. */
struct writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;  /* the queue or busy changed, or stop */
	struct day **queue; /* FIFO of days to write */
	size_t head, n, cap;
	bool busy;          /* the thread is writing a day */
	bool holding;       /* ... and still reads it (renders its text) */
	bool stop;
	int error;          /* first failure, or 0 */
	uint64_t cpu_ns;    /* spent writing, for --timings */
	struct day **done;  /* written, for the loop thread to keep */
	size_t ndone, capdone;
	struct render r;    /* the thread's */
};

struct bundler {
	const struct wf_config *cfg;
	bool threaded;
	struct writer w;
	struct day **days; /* open days, unordered; few at a time */
	size_t ndays, capdays;
	int32_t *written; /* days written and dropped from memory */
	size_t nwritten, capwritten;
	int64_t now_ms;
	uint64_t seq;
	size_t files_written;
	/* Days written lately, kept in memory for lateness_ms more: a late
	 * article for one of them takes it back instead of reading its
	 * bundle back from disk (a day of 6,000 articles is 9 MB of JSON). */
	struct day **kept;
	size_t nkept, capkept;
	struct render r; /* the loop thread's */
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

static uint64_t id_key(const char *id)
{
	return XXH3_64bits(id, strlen(id));
}

/* A copy of s in the day's memory; NULL for NULL or when out of memory. */
/* A copy of s in d's memory (NULL for NULL), its length in *n (0 for NULL). */
static char *day_strdup_len(struct day *d, const char *s, size_t *n)
{
	*n = s ? strlen(s) : 0;
	return s ? wf_arena_strndup(&d->mem, s, *n) : NULL;
}

static char *day_strdup(struct day *d, const char *s)
{
	size_t n;
	return day_strdup_len(d, s, &n);
}

static void story_free(struct story *s)
{
	for (size_t i = 0; i < s->nitems; i++)
		free(s->items[i]->dups);
	free(s->items);
	free(s->refs);
	free(s->sources);
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
	wf_map_close(&d->held);
	wf_arena_close(&d->mem);
	free(d);
}

static struct day *day_new(int32_t day)
{
	struct day *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->day = day;
	wf_arena_init(&d->mem, 256 << 10);
	if (wf_map_init(&d->by_story) < 0 || wf_map_init(&d->by_item) < 0 ||
	    wf_map_init(&d->held) < 0) {
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

static int set_headline(struct day *d, struct story *s, const char *h)
{
	if (!h || !*h || (s->headline && strcmp(s->headline, h) == 0))
		return 0;
	char *c = day_strdup(d, h);
	if (!c)
		return WF_ENOMEM;
	s->headline = c;
	return 0;
}

/* ---- adding articles -------------------------------------------------- */

/* A new item, or NULL when out of memory (what it took stays in the day's
 * memory until the day goes). */
static struct item *item_new(struct day *d)
{
	struct item *it = wf_arena_alloc(&d->mem, sizeof *it);
	if (it)
		memset(it, 0, sizeof *it);
	return it;
}

static struct item *item_from(struct day *d, const struct wf_article *a, uint64_t seq)
{
	struct item *it = item_new(d);
	if (!it)
		return NULL;
	it->id = day_strdup(d, a->id);
	it->source = day_strdup(d, a->source);
	it->title = day_strdup_len(d, a->title, &it->title_len);
	it->body = day_strdup_len(d, a->body, &it->body_len);
	it->time_ms = a->time_ms;
	it->seq = seq;
	if (!it->id || !it->source || !it->title || !it->body)
		return NULL;
	return it;
}

static int dup_from(struct day *day, struct dup *d, const struct wf_article *a, const char *of)
{
	memset(d, 0, sizeof *d);
	d->id = day_strdup(day, a->id);
	d->source = day_strdup(day, a->source);
	d->of = day_strdup(day, of);
	d->time_ms = a->time_ms;
	d->sim = a->similarity;
	d->kind = a->kind;
	if (!d->id || !d->source || (of && !d->of))
		return WF_ENOMEM;
	return 0;
}

/* An update replaces the text shown for its item; the item keeps the first
 * version's id and time, and lists the update among its versions. */
static int apply_update(struct day *d, struct item *it, const struct wf_article *a)
{
	size_t tn, bn;
	char *t = day_strdup_len(d, a->title, &tn), *b = day_strdup_len(d, a->body, &bn);
	char *v = day_strdup(d, a->id), *s = day_strdup(d, a->source);
	if (!t || !b || !v || !s)
		return WF_ENOMEM;
	it->title = t;
	it->title_len = tn;
	it->body = b;
	it->body_len = bn;
	it->version_id = v;
	it->source = s;
	return 0;
}

/* An article whose id the day holds already was delivered before — in
 * this run, or by an earlier one into the same directory — and the bundle
 * keeps it once, whether or not its day was written in between. */
static bool already_held(const struct day *d, const char *id)
{
	const char *seen = wf_map_get(&d->held, id_key(id));
	return seen && strcmp(seen, id) == 0;
}

/* Note that the day holds the article with this id (the day's copy). */
static int hold(struct day *d, const char *id)
{
	return wf_map_put(&d->held, id_key(id), (void *)id);
}

static int day_put(struct day *d, const struct wf_article *a, uint64_t seq);

static int day_add(struct day *d, const struct wf_article *a, uint64_t seq)
{
	if (already_held(d, a->id))
		return 0;
	return day_put(d, a, seq);
}

/* Add the article; its id goes into held. */
static int day_put(struct day *d, const struct wf_article *a, uint64_t seq)
{
	struct story *s = day_story(d, a->story);
	if (!s || set_headline(d, s, a->story_headline) < 0)
		return WF_ENOMEM;
	d->dirty = true;
	struct item *canon = NULL;
	if (a->kind != WF_KIND_NEW) {
		canon = wf_map_get(&d->by_item, id_key(a->canonical));
		if (canon && strcmp(canon->id, a->canonical) != 0)
			canon = NULL; /* 64-bit hash collision: keep it as a reference */
	}
	if (a->kind == WF_KIND_NEW || (a->kind == WF_KIND_UPDATE && !canon)) {
		struct item *it = item_from(d, a, seq);
		if (!it)
			return WF_ENOMEM;
		if (a->kind == WF_KIND_UPDATE && !(it->update_of = day_strdup(d, a->canonical)))
			return WF_ENOMEM;
		if (story_add_item(d, s, it) < 0 || hold(d, it->id) < 0)
			return WF_ENOMEM;
		if (!s->headline)
			return set_headline(d, s, a->title);
		return 0;
	}
	if (canon) {
		if (GROW(canon->dups, canon->capdups, canon->ndups + 1) < 0 ||
		    dup_from(d, &canon->dups[canon->ndups], a, NULL) < 0)
			return WF_ENOMEM;
		if (hold(d, canon->dups[canon->ndups++].id) < 0)
			return WF_ENOMEM;
		if (a->kind == WF_KIND_UPDATE)
			return apply_update(d, canon, a);
		return 0;
	}
	if (GROW(s->refs, s->caprefs, s->nrefs + 1) < 0 ||
	    dup_from(d, &s->refs[s->nrefs], a, a->canonical) < 0)
		return WF_ENOMEM;
	return hold(d, s->refs[s->nrefs++].id);
}

/* ---- writing ---------------------------------------------------------- */

static void render_close(struct render *r)
{
	free(r->body.p);
	free(r->z);
	ZSTD_freeCCtx(r->cctx);
	memset(r, 0, sizeof *r);
}

/* Room for n more bytes; false (and b->oom) when memory ran out. */
static bool b_room(struct buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 16;
		while (cap < b->len + n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return false;
		}
		b->p = p;
		b->cap = cap;
	}
	return true;
}

static void b_raw(struct buf *b, const char *s, size_t n)
{
	if (b_room(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

/* a literal: punctuation and keys, written as they are */
#define B_LIT(b, lit) b_raw((b), (lit), sizeof(lit) - 1)

static void b_strn(struct buf *b, const char *s, size_t n)
{
	if (b_room(b, wf_json_string_max(n)))
		b->len += wf_json_string(b->p + b->len, s, n);
}

static void b_str(struct buf *b, const char *s)
{
	b_strn(b, s, strlen(s));
}

static void b_time(struct buf *b, int64_t ms)
{
	if (b_room(b, WF_JSON_TIME_MAX))
		b->len += wf_json_time(b->p + b->len, &b->date, ms);
}

static void b_int(struct buf *b, long long v)
{
	if (b_room(b, WF_JSON_INT_MAX))
		b->len += wf_json_int(b->p + b->len, v);
}

static void b_real(struct buf *b, double v)
{
	char t[WF_JSON_REAL_MAX];
	b_raw(b, t, wf_json_real(t, v, 4));
}

static const char *kind_name(enum wf_kind k)
{
	return k == WF_KIND_UPDATE ? "update" : k == WF_KIND_DUP ? "dup" : "new";
}

/* The members an item and a duplicate both open with. */
static void article_head(struct buf *b, const char *id, const char *source, int64_t time_ms)
{
	B_LIT(b, "{\"id\":");
	b_str(b, id);
	B_LIT(b, ",\"source\":");
	b_str(b, source);
	B_LIT(b, ",\"time\":");
	b_time(b, time_ms);
}

static void dup_out(struct buf *b, const struct dup *d)
{
	article_head(b, d->id, d->source, d->time_ms);
	B_LIT(b, ",\"similarity\":");
	b_real(b, d->sim);
	B_LIT(b, ",\"kind\":");
	b_str(b, kind_name(d->kind));
	if (d->of) {
		B_LIT(b, ",\"of\":");
		b_str(b, d->of);
	}
	B_LIT(b, "}");
}

static void item_out(struct buf *b, const struct item *it)
{
	article_head(b, it->id, it->source, it->time_ms);
	B_LIT(b, ",\"title\":");
	b_strn(b, it->title, it->title_len);
	B_LIT(b, ",\"body\":");
	b_strn(b, it->body, it->body_len);
	if (it->version_id) {
		B_LIT(b, ",\"version_id\":");
		b_str(b, it->version_id);
	}
	if (it->update_of) {
		B_LIT(b, ",\"update_of\":");
		b_str(b, it->update_of);
	}
	B_LIT(b, ",\"duplicates\":[");
	for (size_t i = 0; i < it->ndups; i++) {
		if (i)
			B_LIT(b, ",");
		dup_out(b, &it->dups[i]);
	}
	B_LIT(b, "]}");
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

/* Distinct sources, size and time span of a story.  Returns 0 or
 * WF_ENOMEM. */
static int story_measure(struct story *s)
{
	size_t n = s->nrefs;
	for (size_t i = 0; i < s->nitems; i++)
		n += 1 + s->items[i]->ndups;
	const char **src = malloc((n ? n : 1) * sizeof *src);
	if (!src)
		return WF_ENOMEM;
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
	/* distinct and not empty, in place */
	s->nsources = 0;
	for (size_t i = 0; i < k; i++)
		if (*src[i] && (!i || strcmp(src[i], src[i - 1]) != 0))
			src[s->nsources++] = src[i];
	free(s->sources);
	s->sources = src;
	s->size = k;
	return 0;
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

static void story_out(struct buf *b, struct story *s)
{
	static const char hex[] = "0123456789abcdef";
	sort(s->items, s->nitems, sizeof *s->items, cmp_item);
	char sid[24] = "\"s-";
	for (int i = 0; i < 16; i++)
		sid[3 + i] = hex[(s->id >> (60 - 4 * i)) & 15];
	sid[19] = '"';
	size_t ndup = s->nrefs;
	for (size_t i = 0; i < s->nitems; i++)
		ndup += s->items[i]->ndups;
	B_LIT(b, "{\"story\":");
	b_raw(b, sid, 20);
	B_LIT(b, ",\"headline\":");
	b_str(b, s->headline ? s->headline : "");
	B_LIT(b, ",\"first_seen\":");
	b_time(b, s->first_ms);
	B_LIT(b, ",\"last_seen\":");
	b_time(b, s->last_ms);
	B_LIT(b, ",\"sources\":[");
	for (size_t i = 0; i < s->nsources; i++) {
		if (i)
			B_LIT(b, ",");
		b_str(b, s->sources[i]);
	}
	B_LIT(b, "],\"n_items\":");
	b_int(b, (long long)s->nitems);
	B_LIT(b, ",\"n_duplicates\":");
	b_int(b, (long long)ndup);
	B_LIT(b, ",\"items\":[");
	for (size_t i = 0; i < s->nitems; i++) {
		if (i)
			B_LIT(b, ",");
		item_out(b, s->items[i]);
	}
	B_LIT(b, "]");
	if (s->nrefs) {
		B_LIT(b, ",\"duplicates\":[");
		for (size_t i = 0; i < s->nrefs; i++) {
			if (i)
				B_LIT(b, ",");
			dup_out(b, &s->refs[i]);
		}
		B_LIT(b, "]");
	}
	B_LIT(b, "}\n");
}

static void header_out(struct buf *b, const struct bundler *bu, const struct day *d,
                       size_t items, size_t dups)
{
	const struct wf_config *c = bu->cfg;
	char day[11];
	wf_day_format(d->day, day);
	B_LIT(b, "{\"format\":");
	b_str(b, WF_BUNDLE_FORMAT);
	B_LIT(b, ",\"version\":");
	b_int(b, WF_BUNDLE_VERSION);
	B_LIT(b, ",\"generator\":");
	b_str(b, "wirefold " WF_VERSION);
	B_LIT(b, ",\"day\":");
	b_str(b, day);
	B_LIT(b, ",\"tz\":");
	b_str(b, c->tz);
	B_LIT(b, ",\"params\":{\"lateness_s\":");
	b_int(b, (long long)(c->lateness_ms / 1000));
	B_LIT(b, ",\"window_s\":");
	b_int(b, (long long)(c->dedup.window_ms / 1000));
	B_LIT(b, ",\"story_idle_s\":");
	b_int(b, (long long)(c->cluster.idle_ms / 1000));
	B_LIT(b, "},\"counts\":{\"stories\":");
	b_int(b, (long long)d->n);
	B_LIT(b, ",\"items\":");
	b_int(b, (long long)items);
	B_LIT(b, ",\"duplicates\":");
	b_int(b, (long long)dups);
	B_LIT(b, ",\"articles\":");
	b_int(b, (long long)(items + dups));
	B_LIT(b, "}}\n");
}

/* The day's bundle text into r->body, valid until r renders again; the
 * only part of writing a day that reads it.  Returns 0 or WF_ENOMEM.  Sorts
 * the day's stories and items (nothing else changes): any thread that owns
 * d and r. */
static int day_text(const struct bundler *bu, struct render *r, struct day *d)
{
	size_t items = 0, dups = 0;
	for (size_t i = 0; i < d->n; i++) {
		struct story *s = d->stories[i];
		if (story_measure(s) < 0)
			return WF_ENOMEM;
		items += s->nitems;
		dups += s->size - s->nitems;
	}
	sort(d->stories, d->n, sizeof *d->stories, cmp_story);
	struct buf *body = &r->body;
	body->len = 0;
	body->oom = false;
	header_out(body, bu, d, items, dups);
	for (size_t i = 0; i < d->n; i++)
		story_out(body, d->stories[i]);
	return body->oom ? WF_ENOMEM : 0;
}

/* r->body compressed into r->z; its length to *zlen.  Returns 0, WF_ENOMEM
 * or WF_EZSTD. */
static int text_compress(const struct bundler *bu, struct render *r, size_t *zlen)
{
	struct buf *body = &r->body;
	size_t bound = ZSTD_compressBound(body->len);
	if (bound > r->zcap) {
		char *z = realloc(r->z, bound);
		if (!z)
			return WF_ENOMEM;
		r->z = z;
		r->zcap = bound;
	}
	if (!r->cctx && !(r->cctx = ZSTD_createCCtx()))
		return WF_ENOMEM;
	/* the same frame as ZSTD_compress gives, without a context per day */
	*zlen = ZSTD_compressCCtx(r->cctx, r->z, bound, body->p, body->len, bu->cfg->zstd_level);
	if (ZSTD_isError(*zlen)) {
		fprintf(stderr, "wirefold: cannot compress bundle: %s\n", ZSTD_getErrorName(*zlen));
		return WF_EZSTD;
	}
	return 0;
}

/* r->body compressed and written as day's bundle, atomically. */
static int text_write(const struct bundler *bu, struct render *r, int32_t day)
{
	size_t zlen;
	int rc = text_compress(bu, r, &zlen);
	if (rc < 0)
		return rc;
	char name[64], err[512];
	wf_day_format(day, name);
	strcat(name, WF_BUNDLE_SUFFIX);
	rc = wf_write_atomic(bu->cfg->out_dir, name, r->z, zlen, err, sizeof err);
	if (rc < 0)
		fprintf(stderr, "wirefold: %s\n", err);
	return rc;
}

static void say_oom(int rc)
{
	if (rc == WF_ENOMEM)
		fprintf(stderr, "wirefold: out of memory writing a bundle\n");
}

/* Write d's bundle on this thread. */
static int day_write(struct bundler *bu, struct render *r, struct day *d)
{
	int rc = day_text(bu, r, d);
	if (rc == 0)
		rc = text_write(bu, r, d->day);
	say_oom(rc);
	if (rc == 0)
		d->dirty = false;
	return rc;
}

/* ---- the writer thread -------------------------------------------------- */

static void *writer_main(void *arg)
{
	struct bundler *bu = arg;
	struct writer *w = &bu->w;
	wf_helper_priority(); /* the loop thread comes first (prio.h) */
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->n && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->n)
			break;
		struct day *d = w->queue[w->head];
		w->head = (w->head + 1) % w->cap;
		w->n--;
		w->busy = w->holding = true;
		pthread_mutex_unlock(&w->mu);
		/* after a failure the days left are dropped: the run stops */
		struct timespec t0, t1;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
		const bool skip = w->error != 0; /* only this thread sets it */
		const int32_t day = d->day;
		int rc = skip ? 0 : day_text(bu, &w->r, d);
		/* The day goes back to the loop thread, to be kept a while, as
		 * soon as its text is out: a late article for it (day_back)
		 * then waits for the rendering, not for zstd and the disk. A
		 * failure to write it stops the run, so it is no longer dirty.
		 * A day not given back is held until its file is there (or
		 * the error is), for day_back to read it back from. */
		bool back = false;
		pthread_mutex_lock(&w->mu);
		if (!skip && rc == 0 && GROW(w->done, w->capdone, w->ndone + 1) == 0) {
			d->dirty = false;
			w->done[w->ndone++] = d;
			back = true;
			w->holding = false;
			pthread_cond_broadcast(&w->cv);
		}
		pthread_mutex_unlock(&w->mu);
		if (!skip && rc == 0)
			rc = text_write(bu, &w->r, day);
		if (!back)
			day_free(d);
		say_oom(rc);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
		pthread_mutex_lock(&w->mu);
		w->cpu_ns += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
		w->busy = w->holding = false;
		if (rc < 0 && !w->error)
			w->error = rc;
		if (!skip && rc == 0)
			bu->files_written++;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Hand d over to the writer.  Returns 0 or WF_ENOMEM (d is then still the
 * caller's). */
static int writer_push(struct writer *w, struct day *d)
{
	pthread_mutex_lock(&w->mu);
	if (w->n == w->cap &&
	    wf_ring_grow((void **)&w->queue, &w->cap, &w->head, w->n, sizeof *w->queue, 8) < 0) {
		pthread_mutex_unlock(&w->mu);
		return WF_ENOMEM;
	}
	w->queue[(w->head + w->n) % w->cap] = d;
	w->n++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

/* Wait until every day handed over is written (written) or at least given
 * back — the writer gives a day back once its text is rendered, before zstd
 * and the disk.  Returns 0 or the writer's first error.  Without the
 * thread: 0. */
static int writer_wait(struct bundler *bu, bool written)
{
	if (!bu->threaded)
		return 0;
	struct writer *w = &bu->w;
	pthread_mutex_lock(&w->mu);
	while (w->n || (written ? w->busy : w->holding))
		pthread_cond_wait(&w->cv, &w->mu);
	int rc = w->error;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static int writer_drain(struct bundler *bu)
{
	return writer_wait(bu, true);
}

/* What the writer shares with the loop thread (its error, the counts) is
 * read and written under its lock; without a writer there is no lock. */
static void shared_lock(struct bundler *bu)
{
	if (bu->threaded)
		pthread_mutex_lock(&bu->w.mu);
}

static void shared_unlock(struct bundler *bu)
{
	if (bu->threaded)
		pthread_mutex_unlock(&bu->w.mu);
}

/* One more file written by the loop thread (the writer counts too). */
static void count_written(struct bundler *bu)
{
	shared_lock(bu);
	bu->files_written++;
	shared_unlock(bu);
}

/* The writer's first error so far, without waiting (0 without a writer). */
static int writer_error(struct bundler *bu)
{
	shared_lock(bu);
	int rc = bu->w.error;
	shared_unlock(bu);
	return rc;
}

static int writer_start(struct bundler *bu)
{
	struct writer *w = &bu->w;
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return WF_ENOMEM;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return WF_ENOMEM;
	}
	if (pthread_create(&w->thread, NULL, writer_main, bu) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return WF_ENOMEM;
	}
	bu->threaded = true;
	return 0;
}

static void writer_stop(struct bundler *bu)
{
	if (!bu->threaded)
		return;
	struct writer *w = &bu->w;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	/* what a failed run left unwritten */
	for (; w->n; w->n--, w->head = (w->head + 1) % w->cap)
		day_free(w->queue[w->head]);
	free(w->queue);
	for (size_t i = 0; i < w->ndone; i++)
		day_free(w->done[i]);
	free(w->done);
	render_close(&w->r);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	bu->threaded = false;
}

/* ---- days kept after writing ------------------------------------------- */

/* Keep the written day d (or free it when out of memory: it is on disk). */
static void keep_day(struct bundler *bu, struct day *d)
{
	if (GROW(bu->kept, bu->capkept, bu->nkept + 1) < 0)
		day_free(d);
	else
		bu->kept[bu->nkept++] = d;
}

/* Take over the days the writer has written. */
static void collect_written(struct bundler *bu)
{
	if (!bu->threaded)
		return;
	struct writer *w = &bu->w;
	pthread_mutex_lock(&w->mu);
	size_t n = w->ndone;
	struct day **done = w->done;
	w->done = NULL;
	w->ndone = w->capdone = 0;
	pthread_mutex_unlock(&w->mu);
	for (size_t i = 0; i < n; i++)
		keep_day(bu, done[i]);
	free(done);
}

/* The kept day, taken out of the kept list, or NULL. */
static struct day *take_kept(struct bundler *bu, int32_t day)
{
	for (size_t i = 0; i < bu->nkept; i++) {
		struct day *d = bu->kept[i];
		if (d->day != day)
			continue;
		bu->kept[i] = bu->kept[--bu->nkept];
		return d;
	}
	return NULL;
}

/* Forget the kept days that no late article can reach without reading
 * their bundle back: more than twice the lateness past their end. */
static void drop_kept(struct bundler *bu)
{
	for (size_t i = 0; i < bu->nkept;) {
		struct day *d = bu->kept[i];
		if (wf_day_end_ms(d->day) + 2 * bu->cfg->lateness_ms < bu->now_ms) {
			day_free(d);
			bu->kept[i] = bu->kept[--bu->nkept];
		} else {
			i++;
		}
	}
}

static struct day *day_load(struct bundler *bu, int32_t day);

/* A written day, back for a late article: from memory when it was kept, as
 * what its bundle holds; read back from the bundle otherwise.  NULL when
 * out of memory or the writer failed. */
static struct day *day_back(struct bundler *bu, int32_t day)
{
	collect_written(bu);
	struct day *d = take_kept(bu, day);
	if (!d && bu->threaded) {
		/* with the writer: it gives the day back once rendered */
		if (writer_wait(bu, false) < 0)
			return NULL;
		collect_written(bu);
		d = take_kept(bu, day);
		/* given back and dropped already, its file may still be on
		 * its way to the disk: wait for it before reading it back */
		if (!d && writer_drain(bu) < 0)
			return NULL;
	}
	return d ? d : day_load(bu, day);
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

static char *json_strdup(struct day *d, json_t *o, const char *key)
{
	return day_strdup(d, json_string_value(json_object_get(o, key)));
}

static enum wf_kind kind_of(json_t *o)
{
	const char *k = json_string_value(json_object_get(o, "kind"));
	return k && strcmp(k, "update") == 0 ? WF_KIND_UPDATE : WF_KIND_DUP;
}

static int dup_load(struct day *day, struct dup *d, json_t *o)
{
	memset(d, 0, sizeof *d);
	d->id = json_strdup(day, o, "id");
	d->source = json_strdup(day, o, "source");
	d->of = json_strdup(day, o, "of");
	d->time_ms = json_time(json_object_get(o, "time"));
	d->sim = json_number_value(json_object_get(o, "similarity"));
	d->kind = kind_of(o);
	if (!d->id || !d->source)
		return WF_EFORMAT;
	return 0;
}

struct loader {
	struct bundler *bu;
	struct day *d;
	bool header_seen;
	int error;
};

static int load_story(struct loader *l, json_t *o)
{
	const char *sid = json_string_value(json_object_get(o, "story"));
	uint64_t id;
	if (!sid || sscanf(sid, "s-%" SCNx64, &id) != 1)
		return WF_EFORMAT;
	struct story *s = day_story(l->d, id);
	if (!s || set_headline(l->d, s, json_string_value(json_object_get(o, "headline"))) < 0)
		return WF_ENOMEM;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "items"), i, v) {
		struct item *it = item_new(l->d);
		if (!it)
			return WF_ENOMEM;
		it->id = json_strdup(l->d, v, "id");
		it->source = json_strdup(l->d, v, "source");
		it->title = day_strdup_len(l->d, json_string_value(json_object_get(v, "title")),
		                           &it->title_len);
		it->body = day_strdup_len(l->d, json_string_value(json_object_get(v, "body")),
		                          &it->body_len);
		it->version_id = json_strdup(l->d, v, "version_id");
		it->update_of = json_strdup(l->d, v, "update_of");
		it->time_ms = json_time(json_object_get(v, "time"));
		it->seq = l->bu->seq++;
		if (it->id && hold(l->d, it->id) < 0)
			return WF_ENOMEM;
		if (!it->id || !it->source || !it->title || !it->body ||
		    story_add_item(l->d, s, it) < 0)
			return WF_EFORMAT;
		size_t j;
		json_t *dv;
		json_array_foreach(json_object_get(v, "duplicates"), j, dv) {
			if (GROW(it->dups, it->capdups, it->ndups + 1) < 0)
				return WF_ENOMEM;
			if (dup_load(l->d, &it->dups[it->ndups], dv) < 0)
				return WF_EFORMAT;
			if (hold(l->d, it->dups[it->ndups++].id) < 0)
				return WF_ENOMEM;
		}
	}
	json_array_foreach(json_object_get(o, "duplicates"), i, v) {
		if (GROW(s->refs, s->caprefs, s->nrefs + 1) < 0)
			return WF_ENOMEM;
		if (dup_load(l->d, &s->refs[s->nrefs], v) < 0)
			return WF_EFORMAT;
		if (hold(l->d, s->refs[s->nrefs++].id) < 0)
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
	struct day *d = was_written(bu, day) ? day_back(bu, day) : day_new(day);
	if (!d)
		return NULL;
	bu->days[bu->ndays++] = d;
	return d;
}

/* Write and drop day i; returns 0 or a negative wf_error. */
static int close_day(struct bundler *bu, size_t i)
{
	struct day *d = bu->days[i];
	if (!was_written(bu, d->day)) {
		if (GROW(bu->written, bu->capwritten, bu->nwritten + 1) < 0)
			return WF_ENOMEM;
		bu->written[bu->nwritten++] = d->day;
	}
	if (d->dirty && bu->threaded) {
		if (writer_push(&bu->w, d) < 0)
			return WF_ENOMEM;
	} else {
		if (d->dirty) {
			int rc = day_write(bu, &bu->r, d);
			if (rc < 0)
				return rc;
			count_written(bu);
		}
		keep_day(bu, d);
	}
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
	if (find_bundles(bu) < 0 || (cfg->threads > 1 && writer_start(bu) < 0)) {
		bundle_free(bu);
		return WF_ENOMEM;
	}
	*self = bu;
	return 0;
}

static int bundle_process(void *self, struct wf_batch *b)
{
	struct bundler *bu = self;
	if (writer_error(bu) < 0)
		return WF_FLOW_ERROR; /* the writer said why */
	for (size_t i = 0; i < b->n; i++) {
		const struct wf_article *a = &b->items[i];
		if (a->rejected)
			continue;
		struct day *d = open_day(bu, wf_day_of(a->time_ms));
		if (!d || day_add(d, a, bu->seq++) < 0) {
			if (writer_error(bu) == 0)
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
	collect_written(bu);
	drop_kept(bu);
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
		for (size_t i = 0; i < bu->ndays; i++) {
			if (!bu->days[i]->dirty)
				continue;
			if (day_write(bu, &bu->r, bu->days[i]) < 0)
				return WF_FLOW_ERROR;
			count_written(bu);
		}
		return writer_drain(bu) < 0 ? WF_FLOW_ERROR : WF_FLOW_OK;
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
	return writer_drain(bu) < 0 ? WF_FLOW_ERROR : WF_FLOW_OK;
}

static void bundle_free(void *self)
{
	struct bundler *bu = self;
	if (!bu)
		return;
	writer_stop(bu);
	for (size_t i = 0; i < bu->ndays; i++)
		day_free(bu->days[i]);
	for (size_t i = 0; i < bu->nkept; i++)
		day_free(bu->kept[i]);
	free(bu->kept);
	free(bu->days);
	free(bu->written);
	render_close(&bu->r);
	free(bu);
}

/* ---- state ------------------------------------------------------------ */

/* Section: now_ms, seq, the number of open days, then each: its number,
 * whether it changed since written, and its bundle as it would be written
 * now (which holds every id it keeps once).  Days already written need
 * nothing: their bundles are on disk. */
static int bundle_save(void *self, struct wf_state_out *out)
{
	struct bundler *bu = self;
	/* the state says the days it does not hold are on disk: make it so */
	if (writer_drain(bu) < 0)
		return WF_EIO;
	wf_state_put_i64(out, bu->now_ms);
	wf_state_put_u64(out, bu->seq);
	wf_state_put_u32(out, (uint32_t)bu->ndays);
	for (size_t i = 0; i < bu->ndays && !out->error; i++) {
		struct day *d = bu->days[i];
		size_t zlen;
		int rc = day_text(bu, &bu->r, d);
		if (rc == 0)
			rc = text_compress(bu, &bu->r, &zlen);
		if (rc < 0)
			return rc;
		wf_state_put_u32(out, (uint32_t)d->day);
		wf_state_put_u32(out, d->dirty);
		wf_state_put_blob(out, bu->r.z, zlen);
	}
	return out->error;
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
	struct loader l = {.bu = bu, .d = day_new(day)};
	if (!l.d)
		return WF_ENOMEM;
	bu->days[bu->ndays++] = l.d; /* freed with the stage, whatever happens */
	l.d->dirty = dirty;
	char err[256];
	int rc = wf_bundle_lines_mem(z, zlen, "state", load_line, &l, err, sizeof err);
	if (rc < 0)
		return rc == WF_ENOMEM ? rc : WF_ESTATE;
	return 0;
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

uint64_t wf_bundle_writer_cpu_ns(const void *self)
{
	struct bundler *bu = (struct bundler *)self; /* its lock, not its data */
	if (!bu)
		return 0;
	shared_lock(bu);
	uint64_t ns = bu->w.cpu_ns;
	shared_unlock(bu);
	return ns;
}

size_t wf_bundle_stage_written(const void *self)
{
	struct bundler *bu = (struct bundler *)self; /* its lock, not its data */
	if (!bu)
		return 0;
	shared_lock(bu);
	size_t n = bu->files_written;
	shared_unlock(bu);
	return n;
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
