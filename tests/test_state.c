#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/bundle.h"
#include "wirefold/cluster.h"
#include "wirefold/config.h"
#include "wirefold/day.h"
#include "wirefold/error.h"
#include "wirefold/fingerprint.h"
#include "wirefold/fsutil.h"
#include "wirefold/normalize.h"
#include "wirefold/stage.h"
#include "wirefold/state.h"

/* ---- the section encoding ------------------------------------------------- */

Test(state, values_come_back_as_they_were_put)
{
	struct wf_state_out out = {0};
	wf_state_put_u32(&out, 0xdeadbeef);
	wf_state_put_u64(&out, UINT64_MAX - 5);
	wf_state_put_i64(&out, INT64_MIN);
	wf_state_put_f64(&out, 0.1);
	wf_state_put_str(&out, "héllo");
	wf_state_put_blob(&out, "\0\1\2", 3);
	const uint32_t v[] = {1, 2, 3};
	wf_state_put_u32s(&out, v, 3);
	cr_assert_eq(out.error, 0);

	struct wf_state_in in;
	wf_state_in_init(&in, out.p, out.len);
	cr_assert_eq(wf_state_get_u32(&in), 0xdeadbeef);
	cr_assert_eq(wf_state_get_u64(&in), UINT64_MAX - 5);
	cr_assert_eq(wf_state_get_i64(&in), INT64_MIN);
	cr_assert_eq(wf_state_get_f64(&in), 0.1);
	char *s = wf_state_get_str(&in);
	cr_assert_str_eq(s, "héllo");
	free(s);
	size_t n;
	const char *b = wf_state_get_blob(&in, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(memcmp(b, "\0\1\2", 3), 0);
	uint32_t w[3];
	cr_assert(wf_state_get_u32s(&in, w, 3));
	cr_assert_eq(w[2], 3);
	cr_assert_eq(in.pos, in.len);
	cr_assert_eq(in.error, 0);
	free(out.p);
}

Test(state, reading_past_the_end_is_a_sticky_error_with_zeros)
{
	const unsigned char bytes[] = {1, 0, 0, 0, 9};
	struct wf_state_in in;
	wf_state_in_init(&in, bytes, sizeof bytes);
	cr_assert_eq(wf_state_get_u32(&in), 1);
	cr_assert_eq(wf_state_get_u64(&in), 0);
	cr_assert_eq(in.error, WF_ESTATE);
	cr_assert_eq(wf_state_get_u32(&in), 0); /* still an error, nothing read */
	cr_assert_null(wf_state_get_str(&in));
	uint32_t w[2] = {7, 7};
	cr_assert_not(wf_state_get_u32s(&in, w, 2));
	cr_assert_eq(w[0], 7);
}

Test(state, a_string_longer_than_the_input_is_refused)
{
	const unsigned char bytes[] = {0xff, 0xff, 0xff, 0x7f, 'a'};
	struct wf_state_in in;
	wf_state_in_init(&in, bytes, sizeof bytes);
	cr_assert_null(wf_state_get_str(&in));
	cr_assert_eq(in.error, WF_ESTATE);
}

/* ---- the file --------------------------------------------------------------- */

static char dir[64];
static struct wf_config cfg;

static void setup(void)
{
	strcpy(dir, "/tmp/wf-state-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	wf_config_defaults(&cfg);
	cfg.out_dir = dir;
	cfg.state_dir = dir;
	wf_tz_set("UTC");
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* two toy stages: a counter, and one that writes a given number of bytes */
struct toy {
	uint64_t count;
	int fail_load;   /* load returns this */
	bool leave_bytes; /* load reads one byte less than there is */
};

static int toy_save(void *self, struct wf_state_out *out)
{
	wf_state_put_u64(out, ((struct toy *)self)->count);
	wf_state_put_str(out, "tail");
	return 0;
}

static int toy_load(void *self, struct wf_state_in *in)
{
	struct toy *t = self;
	if (t->fail_load)
		return t->fail_load;
	t->count = wf_state_get_u64(in);
	if (t->leave_bytes) {
		wf_state_get_u32(in); /* the string's length, not the string */
		return 0;
	}
	free(wf_state_get_str(in));
	return 0;
}

static const struct wf_stage_ops alpha = {.name = "alpha", .save = toy_save, .load = toy_load};
static const struct wf_stage_ops beta = {.name = "beta", .save = toy_save, .load = toy_load};
static const struct wf_stage_ops stateless = {.name = "stateless", .parallel = true};

static void save(const struct wf_stage_ops *const *ops, void *const *selves, unsigned n,
                 uint64_t lines)
{
	char err[512];
	struct wf_state_pos pos = {lines, lines * 100};
	cr_assert_eq(wf_state_save(dir, &cfg, ops, selves, n, &pos, err, sizeof err), 0, "%s", err);
}

static int load(const struct wf_stage_ops *const *ops, void *const *selves, unsigned n,
                struct wf_state_pos *pos, char *err)
{
	return wf_state_load(dir, &cfg, ops, selves, n, pos, err, 1024);
}

Test(state, no_file_is_a_first_run, .init = setup, .fini = teardown)
{
	const struct wf_stage_ops *ops[] = {&alpha};
	struct toy a = {0};
	void *selves[] = {&a};
	struct wf_state_pos pos = {9, 9};
	char err[1024];
	cr_assert_eq(load(ops, selves, 1, &pos, err), 0);
	cr_assert_eq(pos.lines, 0);
}

Test(state, a_saved_state_loads_into_every_stage, .init = setup, .fini = teardown)
{
	const struct wf_stage_ops *ops[] = {&alpha, &stateless, &beta};
	struct toy a = {.count = 11}, b = {.count = 22};
	void *selves[] = {&a, NULL, &b};
	save(ops, selves, 3, 42);
	struct toy a2 = {0}, b2 = {0};
	void *selves2[] = {&a2, NULL, &b2};
	struct wf_state_pos pos;
	char err[1024];
	cr_assert_eq(load(ops, selves2, 3, &pos, err), 1, "%s", err);
	cr_assert_eq(a2.count, 11);
	cr_assert_eq(b2.count, 22);
	cr_assert_eq(pos.lines, 42);
	cr_assert_eq(pos.bytes, 4200);
}

static void load_fails(const struct wf_stage_ops *const *ops, void *const *selves, unsigned n,
                       const char *why)
{
	struct wf_state_pos pos;
	char err[1024];
	int rc = load(ops, selves, n, &pos, err);
	cr_assert_eq(rc, WF_ESTATE, "rc %d: %s", rc, err);
	cr_assert(strstr(err, why), "'%s' does not say '%s'", err, why);
}

Test(state, other_parameters_are_refused_naming_the_first_that_differs, .init = setup,
     .fini = teardown)
{
	const struct wf_stage_ops *ops[] = {&alpha};
	struct toy a = {.count = 1};
	void *selves[] = {&a};
	save(ops, selves, 1, 1);
	cfg.fp.shingle = 4;
	cfg.cluster.threshold = 0.5;
	load_fails(ops, selves, 1, "was saved with fp.shingle=3, and this run has fp.shingle=4");
}

Test(state, a_section_without_a_stage_or_a_stage_without_its_section_is_refused,
     .init = setup, .fini = teardown)
{
	const struct wf_stage_ops *both[] = {&alpha, &beta};
	const struct wf_stage_ops *one[] = {&alpha};
	const struct wf_stage_ops *one_stateless[] = {&alpha, &stateless};
	struct toy a = {0}, b = {0};
	void *selves[] = {&a, &b};
	save(both, selves, 2, 1);
	load_fails(one, selves, 1, "has a section 'beta' that no stage of this wirefold can load");
	save(one, selves, 1, 1);
	load_fails(both, selves, 2, "has no section for the beta stage");
	/* a stateless stage needs no section */
	struct wf_state_pos pos;
	char err[1024];
	void *selves2[] = {&a, NULL};
	cr_assert_eq(load(one_stateless, selves2, 2, &pos, err), 1, "%s", err);
}

Test(state, a_stage_that_cannot_use_its_section_stops_the_load, .init = setup,
     .fini = teardown)
{
	const struct wf_stage_ops *ops[] = {&alpha};
	struct toy a = {0};
	void *selves[] = {&a};
	save(ops, selves, 1, 1);
	a.fail_load = WF_ESTATE;
	load_fails(ops, selves, 1, "the alpha stage cannot use its section");
	a.fail_load = 0;
	a.leave_bytes = true;
	load_fails(ops, selves, 1, "the alpha stage cannot use its section (it does not add up)");
}

/* the first n bytes of buf[0..len) equal to s, or NULL */
static char *find(char *buf, size_t len, const char *s, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, s, n) == 0)
			return buf + i;
	return NULL;
}

/* the state file's bytes, changed by fn, with a valid checksum again */
static void rewrite(void (*fn)(char *buf, size_t len))
{
	char path[128], err[512], *buf;
	size_t len;
	snprintf(path, sizeof path, "%s/%s", dir, WF_STATE_FILE);
	cr_assert_eq(wf_read_file(path, &buf, &len, err, sizeof err), 0);
	fn(buf, len);
	uint64_t h = XXH3_64bits(buf, len - 8);
	for (int i = 0; i < 8; i++)
		buf[len - 8 + i] = (char)(h >> (8 * i));
	cr_assert_eq(wf_write_atomic(dir, WF_STATE_FILE, buf, len, err, sizeof err), 0);
	free(buf);
}

static void older_generator(char *buf, size_t len)
{
	char *g = find(buf, len, "wirefold ", 9);
	cr_assert_not_null(g);
	g[9] = g[9] == '9' ? '8' : '9';
}

Test(state, a_state_from_another_version_is_refused, .init = setup, .fini = teardown)
{
	const struct wf_stage_ops *ops[] = {&alpha};
	struct toy a = {0};
	void *selves[] = {&a};
	save(ops, selves, 1, 1);
	rewrite(older_generator);
	load_fails(ops, selves, 1, "another version may decide otherwise");
}

static void section_too_long(char *buf, size_t len)
{
	/* the u64 length of the first section, right after its name "alpha" */
	char *name = find(buf, len, "alpha", 5);
	cr_assert_not_null(name);
	name[5] += 1;
}

Test(state, a_section_table_that_does_not_add_up_is_refused, .init = setup, .fini = teardown)
{
	const struct wf_stage_ops *ops[] = {&alpha};
	struct toy a = {0};
	void *selves[] = {&a};
	save(ops, selves, 1, 1);
	rewrite(section_too_long);
	load_fails(ops, selves, 1, "its layout does not add up");
}

Test(state, a_damaged_byte_anywhere_is_refused, .init = setup, .fini = teardown)
{
	const struct wf_stage_ops *ops[] = {&alpha, &beta};
	struct toy a = {.count = 5}, b = {.count = 6};
	void *selves[] = {&a, &b};
	save(ops, selves, 2, 1);
	char path[128], err[512], *orig;
	size_t len;
	snprintf(path, sizeof path, "%s/%s", dir, WF_STATE_FILE);
	cr_assert_eq(wf_read_file(path, &orig, &len, err, sizeof err), 0);
	for (size_t i = 0; i < len; i++) {
		char *copy = malloc(len);
		memcpy(copy, orig, len);
		copy[i] ^= 0x10;
		FILE *f = fopen(path, "wb"); /* no fsync: this loop writes it often */
		cr_assert_not_null(f);
		cr_assert_eq(fwrite(copy, 1, len, f), len);
		cr_assert_eq(fclose(f), 0);
		struct toy a2 = {0}, b2 = {0};
		void *selves2[] = {&a2, &b2};
		struct wf_state_pos pos;
		char why[1024];
		cr_assert_eq(load(ops, selves2, 2, &pos, why), WF_ESTATE, "byte %zu", i);
		cr_assert_eq(a2.count + b2.count, 0, "byte %zu: a stage saw a damaged state", i);
		free(copy);
	}
	free(orig);
}

/* ---- the dedup stage's state ---------------------------------------------- */

static struct wf_article *add(struct wf_batch *b, const char *id, int64_t ms, const char *body)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	a->id = id;
	a->time_ms = ms;
	a->source = "Wire";
	a->lang = "en";
	a->title = "";
	a->body = body;
	cr_assert_eq(wf_normalize_article(&b->arena, a), 0);
	cr_assert_eq(wf_fingerprint_article(&cfg.fp, &b->arena, a), 0);
	return a;
}

static const char *const texts[] = {
	"The central bank raised its key rate by 25 basis points to 4.5 percent on Tuesday, "
	"citing inflation that has stayed above its target for a year, Governor Halvorsen said.",
	"Dock workers in Rotterdam began a 48-hour strike on Monday over pay, halting container "
	"traffic at Europe's largest port, the FNV union said in a statement.",
	"A magnitude 6.1 earthquake struck off the coast of Fukushima early on Saturday, the "
	"Japan Meteorological Agency said. No tsunami warning was issued.",
};

Test(state, the_dedup_stage_decides_after_a_restart_as_it_would_have, .init = setup,
     .fini = teardown)
{
	void *one, *two;
	cr_assert_eq(wf_dedup_stage.init(&one, &cfg), 0);
	struct wf_batch *b = wf_batch_new(16);
	for (int i = 0; i < 3; i++) {
		char id[8];
		snprintf(id, sizeof id, "x%d", i);
		add(b, strdup(id), i * 3600000LL, texts[i]);
	}
	cr_assert_eq(wf_dedup_stage.process(one, b), WF_FLOW_OK);
	/* save, and load into a new stage */
	const struct wf_stage_ops *ops[] = {&wf_dedup_stage};
	save(ops, &one, 1, 3);
	cr_assert_eq(wf_dedup_stage.init(&two, &cfg), 0);
	struct wf_state_pos pos;
	char err[1024];
	cr_assert_eq(load(ops, &two, 1, &pos, err), 1, "%s", err);
	/* the same later articles get the same answers from both */
	struct wf_batch *later[2];
	void *st[2] = {one, two};
	for (int k = 0; k < 2; k++) {
		later[k] = wf_batch_new(16);
		add(later[k], "y0", 5 * 3600000LL, texts[1]);
		add(later[k], "y1", 6 * 3600000LL, texts[2]);
		add(later[k], "y2", 7 * 3600000LL, "Something else entirely, said nobody at all today.");
		cr_assert_eq(wf_dedup_stage.process(st[k], later[k]), WF_FLOW_OK);
	}
	for (size_t i = 0; i < 3; i++) {
		const struct wf_article *x = &later[0]->items[i], *y = &later[1]->items[i];
		cr_assert_eq(x->kind, y->kind, "article %zu", i);
		cr_assert_str_eq(x->canonical, y->canonical);
	}
	cr_assert_eq(later[1]->items[0].kind, WF_KIND_DUP);
	cr_assert_str_eq(later[1]->items[0].canonical, "x1");
	for (size_t i = 0; i < b->n; i++)
		free((char *)b->items[i].id);
	wf_batch_free(b);
	wf_batch_free(later[0]);
	wf_batch_free(later[1]);
	wf_dedup_stage.free(one);
	wf_dedup_stage.free(two);
}

/* ---- the bundle stage's state ----------------------------------------------- */

static void article(struct wf_batch *b, const char *id, int64_t ms, enum wf_kind kind,
                    const char *canon)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	a->id = id;
	a->time_ms = ms;
	a->source = "Wire";
	a->lang = "en";
	a->title = id;
	a->body = "body";
	a->kind = kind;
	a->canonical = canon ? canon : id;
	a->similarity = kind == WF_KIND_NEW ? 1.0f : 0.8765f;
	a->story = wf_story_id(a->canonical);
	a->story_headline = kind == WF_KIND_NEW ? a->title : NULL;
}

static char *bundle_text(const char *out, const char *day)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "zstd -dc %s/%s.stories.jsonl.zst", out, day);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, p);
	buf[n] = '\0';
	pclose(p);
	return strdup(buf);
}

#define H (3600 * 1000LL)

Test(state, the_bundle_stage_carries_its_open_days_to_the_next_run, .init = setup,
     .fini = teardown)
{
	char one_dir[80], two_dir[80];
	snprintf(one_dir, sizeof one_dir, "%s/one", dir);
	snprintf(two_dir, sizeof two_dir, "%s/two", dir);
	struct wf_config c1 = cfg, c2 = cfg;
	c1.out_dir = one_dir;
	c1.state_dir = NULL;
	c2.out_dir = two_dir;
	/* one run: everything */
	void *one;
	cr_assert_eq(wf_bundle_stage.init(&one, &c1), 0);
	struct wf_batch *b = wf_batch_new(16);
	article(b, "a", 1 * H, WF_KIND_NEW, NULL);
	article(b, "a2", 2 * H, WF_KIND_DUP, "a");
	article(b, "a", 3 * H, WF_KIND_DUP, "a"); /* the same id again */
	article(b, "b", 5 * H, WF_KIND_NEW, NULL);
	article(b, "b2", 6 * H, WF_KIND_UPDATE, "b");
	cr_assert_eq(wf_bundle_stage.process(one, b), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage.flush(one), WF_FLOW_OK);
	wf_bundle_stage.free(one);
	/* two runs through a state */
	void *two;
	cr_assert_eq(wf_bundle_stage.init(&two, &c2), 0);
	struct wf_batch *p1 = wf_batch_new(16), *p2 = wf_batch_new(16);
	article(p1, "a", 1 * H, WF_KIND_NEW, NULL);
	article(p1, "a2", 2 * H, WF_KIND_DUP, "a");
	cr_assert_eq(wf_bundle_stage.process(two, p1), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage.flush(two), WF_FLOW_OK); /* writes, keeps the day */
	const struct wf_stage_ops *ops[] = {&wf_bundle_stage};
	char sd[80];
	snprintf(sd, sizeof sd, "%s/st", dir);
	char err[1024];
	int lock;
	cr_assert_eq(wf_state_open(sd, &lock, err, sizeof err), 0, "%s", err);
	struct wf_state_pos pos = {2, 0};
	cr_assert_eq(wf_state_save(sd, &c2, ops, &two, 1, &pos, err, sizeof err), 0, "%s", err);
	wf_bundle_stage.free(two);
	cr_assert_eq(wf_bundle_stage.init(&two, &c2), 0);
	cr_assert_eq(wf_state_load(sd, &c2, ops, &two, 1, &pos, err, sizeof err), 1, "%s", err);
	article(p2, "a", 3 * H, WF_KIND_DUP, "a");
	article(p2, "b", 5 * H, WF_KIND_NEW, NULL);
	article(p2, "b2", 6 * H, WF_KIND_UPDATE, "b");
	cr_assert_eq(wf_bundle_stage.process(two, p2), WF_FLOW_OK);
	cr_assert_eq(wf_bundle_stage.flush(two), WF_FLOW_OK);
	wf_bundle_stage.free(two);
	char *x = bundle_text(one_dir, "1970-01-01"), *y = bundle_text(two_dir, "1970-01-01");
	cr_assert_str_eq(x, y);
	cr_assert(strstr(x, "\"b2\""));
	free(x);
	free(y);
	wf_batch_free(b);
	wf_batch_free(p1);
	wf_batch_free(p2);
}

/* ---- stale temporary files ---------------------------------------------------- */

Test(state, stale_temporary_files_of_dead_processes_are_removed, .init = setup,
     .fini = teardown)
{
	char path[160], err[256];
	const char *names[] = {".2026-01-01.stories.jsonl.zst.tmp-999999999", /* no such pid */
	                       ".wirefold.state.tmp-1",                         /* init: alive */
	                       "2026-01-01.stories.jsonl.zst", ".hidden", "x.tmp-12"};
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "w");
		cr_assert_not_null(f);
		fclose(f);
	}
	cr_assert_eq(wf_remove_stale_tmp(dir, err, sizeof err), 1, "%s", err);
	for (size_t i = 0; i < 5; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		cr_assert_eq(access(path, F_OK) == 0, i != 0, "%s", names[i]);
	}
}
