/* fuzz_bundle.c — the bundle reader, and the bundle stage reading back a
 * damaged bundle, on any bytes.
 *
 * The first byte picks how the rest is used: odd, as zstd data; even, as
 * the bundle's text, which the target compresses (so the JSON lines behind
 * the decompressor are reached).  The bytes then go through
 *   - wf_bundle_lines_mem, with a callback that parses each line;
 *   - wf_bundle_cat, as JSON and as text (through a memfd);
 *   - the bundle stage, twice: restoring an open day from a state section
 *     holding the bytes, and reloading a day from a bundle file holding
 *     them when an article for that day arrives; either way the day is then
 *     written, and what was written must read back as a bundle.
 * Properties: no crash, no leak, and whatever the stage writes is a bundle. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "fuzz.h"
#include "wirefold/batch.h"
#include "wirefold/bundle.h"
#include "wirefold/cluster.h"
#include "wirefold/config.h"
#include "wirefold/day.h"
#include "wirefold/error.h"
#include "wirefold/state.h"

#define DAY_MS (86400 * 1000LL)
#define THE_DAY 20413 /* 2025-11-21 */
#define THE_FILE "2025-11-21" WF_BUNDLE_SUFFIX

static char dir[64];
static struct wf_config cfg;
static FILE *devnull;

static void setup(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof dir, "/dev/shm/wf-fuzz-bundle-%ld", (long)getpid());
	if (access("/dev/shm", W_OK) != 0)
		snprintf(dir, sizeof dir, "/tmp/wf-fuzz-bundle-%ld", (long)getpid());
	wf_config_defaults(&cfg);
	cfg.out_dir = dir;
	cfg.zstd_level = 1;
	CHECK(wf_tz_set("UTC") == 0);
	devnull = fopen("/dev/null", "w");
	CHECK(devnull);
}

static void clean(void)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, THE_FILE);
	unlink(path);
}

static int parse_line(void *ctx, const char *line, size_t len)
{
	size_t *n = ctx;
	json_error_t e;
	json_t *o = json_loadb(line, len, 0, &e);
	json_decref(o);
	(*n)++;
	return o ? 0 : WF_EFORMAT;
}

/* what the stage wrote is a bundle: a header, then stories */
struct check {
	size_t n;
};

static int check_line(void *ctx, const char *line, size_t len)
{
	struct check *c = ctx;
	json_error_t e;
	json_t *o = json_loadb(line, len, 0, &e);
	CHECK(json_is_object(o));
	if (c->n++ == 0)
		CHECK(json_is_string(json_object_get(o, "format")));
	else
		CHECK(json_is_string(json_object_get(o, "story")) &&
		      json_is_array(json_object_get(o, "items")));
	json_decref(o);
	return 0;
}

static void check_written(void)
{
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/%s", dir, THE_FILE);
	if (access(path, F_OK) != 0)
		return;
	struct check c = {0};
	CHECK(wf_bundle_lines(path, check_line, &c, err, sizeof err) == 0);
	CHECK(c.n >= 1);
}

/* one accepted article of the day, as the ordered stages leave it */
static void add(struct wf_batch *b, const char *id, enum wf_kind kind, const char *canon)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	CHECK(a);
	a->id = id;
	a->time_ms = (int64_t)THE_DAY * DAY_MS + 3600 * 1000;
	a->source = "Wire";
	a->lang = "en";
	a->title = "Title";
	a->body = "Body";
	a->kind = kind;
	a->canonical = canon;
	a->similarity = 0.9f;
	a->story = wf_story_id(canon);
	a->story_headline = kind == WF_KIND_NEW ? a->title : NULL;
}

static void through_state(const void *z, size_t zlen)
{
	struct wf_state_out out = {0};
	wf_state_put_i64(&out, (int64_t)THE_DAY * DAY_MS);
	wf_state_put_u64(&out, 7);
	wf_state_put_u32(&out, 1);
	wf_state_put_u32(&out, THE_DAY);
	wf_state_put_u32(&out, 1);
	wf_state_put_blob(&out, z, zlen);
	CHECK(!out.error);
	cfg.state_dir = dir; /* flush writes the open days and keeps them */
	void *st = NULL;
	CHECK(wf_bundle_stage.init(&st, &cfg) == 0);
	struct wf_state_in in;
	wf_state_in_init(&in, out.p, out.len);
	int rc = wf_bundle_stage.load(st, &in);
	if (rc == 0 && !in.error && in.pos == in.len) {
		struct wf_batch *b = wf_batch_new(4);
		add(b, "a", WF_KIND_NEW, "a");
		add(b, "b", WF_KIND_DUP, "a");
		CHECK(wf_bundle_stage.process(st, b) == WF_FLOW_OK);
		wf_batch_free(b);
		CHECK(wf_bundle_stage.flush(st) == WF_FLOW_OK);
		check_written();
	}
	wf_bundle_stage.free(st);
	free(out.p);
	cfg.state_dir = NULL;
	clean();
}

static void through_disk(const void *z, size_t zlen)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, THE_FILE);
	void *st = NULL;
	CHECK(wf_bundle_stage.init(&st, &cfg) == 0); /* creates dir */
	wf_bundle_stage.free(st);
	FILE *f = fopen(path, "wb");
	CHECK(f);
	CHECK(fwrite(z, 1, zlen, f) == zlen || zlen == 0);
	CHECK(fclose(f) == 0);
	CHECK(wf_bundle_stage.init(&st, &cfg) == 0); /* finds the bundle */
	struct wf_batch *b = wf_batch_new(4);
	add(b, "a", WF_KIND_NEW, "a");
	add(b, "c", WF_KIND_UPDATE, "a");
	CHECK(wf_bundle_stage.process(st, b) == WF_FLOW_OK); /* reloads it */
	wf_batch_free(b);
	CHECK(wf_bundle_stage.flush(st) == WF_FLOW_OK);
	wf_bundle_stage.free(st);
	check_written();
	clean();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size == 0)
		return 0;
	const uint8_t *body = data + 1;
	size_t blen = size - 1;
	void *z = NULL;
	size_t zlen = blen;
	if (data[0] & 1) {
		z = malloc(blen ? blen : 1);
		CHECK(z);
		memcpy(z, body, blen);
	} else {
		size_t bound = ZSTD_compressBound(blen);
		z = malloc(bound);
		CHECK(z);
		zlen = ZSTD_compress(z, bound, body, blen, 1);
		CHECK(!ZSTD_isError(zlen));
	}
	char err[256];
	size_t n = 0;
	int rc = wf_bundle_lines_mem(z, zlen, "fuzz", parse_line, &n, err, sizeof err);
	CHECK(rc <= 0);
	if (rc < 0)
		CHECK(memchr(err, '\0', sizeof err) && err[0]);

	int fd = memfd_create("bundle", 0);
	CHECK(fd >= 0);
	CHECK(zlen == 0 || write(fd, z, zlen) == (ssize_t)zlen);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	wf_bundle_cat(path, devnull, false, err, sizeof err);
	wf_bundle_cat(path, devnull, true, err, sizeof err);
	close(fd);

	through_state(z, zlen);
	through_disk(z, zlen);
	free(z);
	return 0;
}
