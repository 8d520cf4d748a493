/* state.c — the state file: its sections, its checks, reading and writing. */
#include "wirefold/state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wf_version.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/fsutil.h"
#include "wirefold/stage.h"

#define GENERATOR "wirefold " WF_VERSION

static const char magic[8] = {'W', 'F', 'S', 'T', 'A', 'T', 'E', '\n'};

/* ---- writing ------------------------------------------------------------ */

static void put(struct wf_state_out *out, const void *p, size_t n)
{
	if (out->error || n == 0)
		return;
	if (out->len + n > out->cap) {
		size_t cap = out->cap ? out->cap : 4096;
		while (cap < out->len + n)
			cap *= 2;
		unsigned char *q = realloc(out->p, cap);
		if (!q) {
			out->error = WF_ENOMEM;
			return;
		}
		out->p = q;
		out->cap = cap;
	}
	memcpy(out->p + out->len, p, n);
	out->len += n;
}

static void le64(unsigned char b[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

void wf_state_put_u32(struct wf_state_out *out, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8),
	                      (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
	put(out, b, 4);
}

void wf_state_put_u64(struct wf_state_out *out, uint64_t v)
{
	unsigned char b[8];
	le64(b, v);
	put(out, b, 8);
}

void wf_state_put_i64(struct wf_state_out *out, int64_t v)
{
	wf_state_put_u64(out, (uint64_t)v);
}

void wf_state_put_f64(struct wf_state_out *out, double v)
{
	uint64_t bits;
	memcpy(&bits, &v, sizeof bits);
	wf_state_put_u64(out, bits);
}

void wf_state_put_str(struct wf_state_out *out, const char *s)
{
	size_t n = strlen(s);
	if (n > UINT32_MAX) {
		out->error = WF_ENOMEM;
		return;
	}
	wf_state_put_u32(out, (uint32_t)n);
	put(out, s, n);
}

void wf_state_put_blob(struct wf_state_out *out, const void *p, size_t n)
{
	wf_state_put_u64(out, n);
	put(out, p, n);
}

void wf_state_put_u32s(struct wf_state_out *out, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n && !out->error; i++)
		wf_state_put_u32(out, v[i]);
}

/* ---- reading ------------------------------------------------------------ */

void wf_state_in_init(struct wf_state_in *in, const void *p, size_t len)
{
	in->p = p;
	in->len = len;
	in->pos = 0;
	in->error = 0;
}

void wf_state_in_fail(struct wf_state_in *in)
{
	if (!in->error)
		in->error = WF_ESTATE;
}

size_t wf_state_in_left(const struct wf_state_in *in)
{
	return in->error ? 0 : in->len - in->pos;
}

/* n bytes at the cursor, or NULL (and the error set) when fewer are left */
static const unsigned char *take(struct wf_state_in *in, size_t n)
{
	if (in->error || n > in->len - in->pos) {
		wf_state_in_fail(in);
		return NULL;
	}
	const unsigned char *p = in->p + in->pos;
	in->pos += n;
	return p;
}

uint32_t wf_state_get_u32(struct wf_state_in *in)
{
	const unsigned char *b = take(in, 4);
	if (!b)
		return 0;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

uint64_t wf_state_get_u64(struct wf_state_in *in)
{
	const unsigned char *b = take(in, 8);
	uint64_t v = 0;
	for (int i = 7; b && i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

int64_t wf_state_get_i64(struct wf_state_in *in)
{
	uint64_t v = wf_state_get_u64(in);
	int64_t s;
	memcpy(&s, &v, sizeof s);
	return s;
}

double wf_state_get_f64(struct wf_state_in *in)
{
	uint64_t bits = wf_state_get_u64(in);
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

char *wf_state_get_str(struct wf_state_in *in)
{
	uint32_t n = wf_state_get_u32(in);
	const unsigned char *p = take(in, n);
	if (!p || memchr(p, '\0', n)) {
		wf_state_in_fail(in);
		return NULL;
	}
	char *s = malloc((size_t)n + 1);
	if (!s) {
		in->error = WF_ENOMEM;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

const void *wf_state_get_blob(struct wf_state_in *in, size_t *n)
{
	uint64_t len = wf_state_get_u64(in);
	const unsigned char *p = len <= SIZE_MAX ? take(in, (size_t)len) : NULL;
	if (!p) {
		wf_state_in_fail(in);
		*n = 0;
		return NULL;
	}
	*n = (size_t)len;
	return p;
}

bool wf_state_get_u32s(struct wf_state_in *in, uint32_t *v, size_t n)
{
	if (n > wf_state_in_left(in) / 4) {
		wf_state_in_fail(in);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = wf_state_get_u32(in);
	return !in->error;
}

/* ---- parameters --------------------------------------------------------- */

struct text {
	char *p;
	size_t len, cap;
	bool overflow;
};

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void addf(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len)
		t->overflow = true;
	else
		t->len += (size_t)n;
}

int wf_state_params(const struct wf_config *cfg, char *buf, size_t len)
{
	if (len == 0)
		return WF_EINVAL;
	struct text t = {buf, 0, len, false};
	buf[0] = '\0';
	char out[PATH_MAX];
	const char *dir = realpath(cfg->out_dir, out) ? out : cfg->out_dir;
	/* what decides which lines are read and what is written */
	addf(&t, "out=%s\ntz=%s\nline_max=%zu\nlateness_ms=%" PRId64 "\nzstd_level=%d\n",
	     dir, cfg->tz, cfg->line_max, cfg->lateness_ms, cfg->zstd_level);
	/* fingerprints and duplicates */
	const struct wf_fingerprint_params *fp = &cfg->fp;
	addf(&t, "fp.seed=%" PRIu64 "\nfp.shingle=%u\nfp.minhash_k=%u\nfp.lede_words=%u\nfp.lede_k=%u\n",
	     fp->seed, fp->shingle, fp->minhash_k, fp->lede_words, fp->lede_k);
	const struct wf_dedup_params *d = &cfg->dedup;
	addf(&t, "dedup.window_ms=%" PRId64 "\ndedup.lsh_threshold=%.17g\ndedup.lsh_weight_fp=%.17g\n"
	     "dedup.min_containment=%.17g\ndedup.lede_threshold=%.17g\ndedup.max_number_misses=%u\n"
	     "dedup.max_number_miss_share=%.17g\ndedup.max_name_miss_share=%.17g\n"
	     "dedup.update_growth=%.17g\n",
	     d->window_ms, d->lsh_threshold, d->lsh_weight_fp, d->min_containment,
	     d->lede_threshold, d->max_number_misses, d->max_number_miss_share,
	     d->max_name_miss_share, d->update_growth);
	/* stories */
	const struct wf_cluster_params *c = &cfg->cluster;
	addf(&t, "cluster.idle_ms=%" PRId64 "\ncluster.threshold=%.17g\ncluster.half_life_ms=%" PRId64 "\n",
	     c->idle_ms, c->threshold, c->half_life_ms);
	for (int k = 0; k < WF_NFIELDS; k++)
		addf(&t, "cluster.weight.%d=%.17g\n", k, c->weight[k]);
	addf(&t, "cluster.entity_gate=%.17g\ncluster.decay_floor=%.17g\n",
	     c->entity_gate, c->decay_floor);
	addf(&t, "cluster.prior_docs=%.17g\ncluster.df_horizon=%" PRIu32 "\n"
	     "cluster.body_tokens=%u\ncluster.centroid_terms=%u\ncluster.index_terms=%u\n"
	     "cluster.query_terms=%u\ncluster.posting_max=%u\n",
	     c->prior_docs, c->df_horizon, c->body_tokens, c->centroid_terms,
	     c->index_terms, c->query_terms, c->posting_max);
	return t.overflow ? WF_EINVAL : (int)t.len;
}

/* ---- the file ----------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int failf(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

struct section {
	char *name;
	const void *p;
	size_t len;
};

/* A state file read whole and checked, with its header decoded. */
struct file {
	char path[4200];
	char *buf;
	size_t len;
	uint32_t format;
	char *generator, *params;
	uint64_t phash;
	struct wf_state_pos pos;
	struct section *sect;
	uint32_t nsect;
};

static void file_close(struct file *f)
{
	for (uint32_t i = 0; i < f->nsect; i++)
		free(f->sect[i].name);
	free(f->sect);
	free(f->generator);
	free(f->params);
	free(f->buf);
}

/* Read DIR's state file and check everything that does not depend on the
 * run: magic, format, checksum, and the section table.  Returns 1, 0 when
 * there is no file, or a negative wf_error with the reason in err. */
static int file_read(const char *dir, struct file *f, char *err, size_t errlen)
{
	memset(f, 0, sizeof *f);
	snprintf(f->path, sizeof f->path, "%s/%s", dir, WF_STATE_FILE);
	if (access(f->path, F_OK) < 0 && errno == ENOENT)
		return 0;
	char why[512];
	int rc = wf_read_file(f->path, &f->buf, &f->len, why, sizeof why);
	if (rc < 0)
		return failf(rc, err, errlen, "%s", why);
	if (f->len < sizeof magic + 4 + 8 || memcmp(f->buf, magic, sizeof magic) != 0)
		return failf(WF_ESTATE, err, errlen, "%s is not a wirefold state file", f->path);
	struct wf_state_in in;
	wf_state_in_init(&in, f->buf, f->len - 8);
	in.pos = sizeof magic;
	f->format = wf_state_get_u32(&in);
	if (f->format != WF_STATE_FORMAT)
		return failf(WF_ESTATE, err, errlen,
		             "%s has state format %" PRIu32 "; this wirefold (" WF_VERSION
		             ") reads format %d only", f->path, f->format, WF_STATE_FORMAT);
	in.len = f->len - 8;
	struct wf_state_in tail;
	wf_state_in_init(&tail, f->buf + f->len - 8, 8);
	if (XXH3_64bits(f->buf, f->len - 8) != wf_state_get_u64(&tail))
		return failf(WF_ESTATE, err, errlen,
		             "%s is damaged (its checksum does not match): refusing to use any of it",
		             f->path);
	f->generator = wf_state_get_str(&in);
	f->params = wf_state_get_str(&in);
	f->phash = wf_state_get_u64(&in);
	f->pos.lines = wf_state_get_u64(&in);
	f->pos.bytes = wf_state_get_u64(&in);
	uint32_t n = wf_state_get_u32(&in);
	if (!in.error && n <= wf_state_in_left(&in) / 12 && !(f->sect = calloc(n ? n : 1, sizeof *f->sect)))
		in.error = WF_ENOMEM;
	for (uint32_t i = 0; f->sect && i < n && !in.error; i++) {
		f->sect[i].name = wf_state_get_str(&in);
		f->nsect++;
		f->sect[i].p = wf_state_get_blob(&in, &f->sect[i].len);
	}
	if (in.error == WF_ENOMEM)
		return failf(WF_ENOMEM, err, errlen, "cannot read %s: out of memory", f->path);
	if (in.error || !f->sect || in.pos != in.len ||
	    XXH3_64bits(f->params, strlen(f->params)) != f->phash)
		return failf(WF_ESTATE, err, errlen,
		             "%s is damaged (its layout does not add up): refusing to use any of it",
		             f->path);
	return 1;
}

/* The value of "name=" in a params text, as a pointer to the value and its
 * length; NULL when absent. */
static const char *param_get(const char *params, const char *name, size_t nlen, size_t *vlen)
{
	for (const char *l = params; *l;) {
		const char *end = strchr(l, '\n');
		size_t ll = end ? (size_t)(end - l) : strlen(l);
		if (ll > nlen && strncmp(l, name, nlen) == 0 && l[nlen] == '=') {
			*vlen = ll - nlen - 1;
			return l + nlen + 1;
		}
		l += ll + (end != NULL);
	}
	return NULL;
}

/* A message naming the first parameter whose value differs. */
static int params_differ(const struct file *f, const char *now, char *err, size_t errlen)
{
	const char *texts[2] = {f->params, now};
	for (int side = 0; side < 2; side++) {
		for (const char *l = texts[side]; *l;) {
			const char *end = strchr(l, '\n');
			size_t ll = end ? (size_t)(end - l) : strlen(l);
			const char *eq = memchr(l, '=', ll);
			size_t nlen = eq ? (size_t)(eq - l) : ll, vlen = 0;
			const char *v = param_get(texts[!side], l, nlen, &vlen);
			size_t mylen = eq ? ll - nlen - 1 : 0;
			if (!v || vlen != mylen || memcmp(v, eq + 1, vlen) != 0) {
				const char *saved = side == 0 ? (eq ? eq + 1 : "") : v;
				const char *run = side == 0 ? v : (eq ? eq + 1 : "");
				size_t sl = side == 0 ? mylen : vlen, rl = side == 0 ? vlen : mylen;
				return failf(WF_ESTATE, err, errlen,
				             "%s was saved with %.*s=%.*s, and this run has %.*s=%.*s: a state "
				             "continues only a run with the same parameters (use them, or "
				             "another --state directory)",
				             f->path, (int)nlen, l, saved ? (int)sl : 6,
				             saved ? saved : "(none)", (int)nlen, l, run ? (int)rl : 6,
				             run ? run : "(none)");
			}
			l += ll + (end != NULL);
		}
	}
	return failf(WF_ESTATE, err, errlen, "%s was saved with other parameters", f->path);
}

static const struct section *find_section(const struct file *f, const char *name)
{
	for (uint32_t i = 0; i < f->nsect; i++)
		if (strcmp(f->sect[i].name, name) == 0)
			return &f->sect[i];
	return NULL;
}

int wf_state_open(const char *dir, int *lock_fd, char *err, size_t errlen)
{
	char why[512], path[4200];
	if (wf_mkdir_p(dir, why, sizeof why) < 0)
		return failf(WF_EIO, err, errlen, "state: %s", why);
	snprintf(path, sizeof path, "%s/lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return failf(WF_EIO, err, errlen, "cannot open %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return failf(WF_ESTATE, err, errlen,
			             "state directory %s is in use by another wirefold", dir);
		return failf(WF_EIO, err, errlen, "cannot lock %s: %s", path, strerror(e));
	}
	/* only now, holding the lock: no other wirefold is writing here */
	int removed = wf_remove_stale_tmp(dir, why, sizeof why);
	if (removed < 0) {
		close(fd);
		return failf(WF_EIO, err, errlen, "%s", why);
	}
	if (removed > 0)
		fprintf(stderr, "wirefold: removed %d temporary file%s left in %s by a killed run\n",
		        removed, removed == 1 ? "" : "s", dir);
	*lock_fd = fd;
	return 0;
}

int wf_state_load(const char *dir, const struct wf_config *cfg,
                  const struct wf_stage_ops *const *stages, void *const *selves,
                  unsigned n, struct wf_state_pos *pos, char *err, size_t errlen)
{
	memset(pos, 0, sizeof *pos);
	struct file f;
	int rc = file_read(dir, &f, err, errlen);
	if (rc <= 0)
		goto out;
	rc = WF_ESTATE;
	if (strcmp(f.generator, GENERATOR) != 0) {
		failf(rc, err, errlen,
		      "%s was written by %s, and this is " GENERATOR ": another version may decide "
		      "otherwise, so its state is refused (finish the feed with that version, or "
		      "start a new --state directory and --out)", f.path, f.generator);
		goto out;
	}
	char now[4096];
	if (wf_state_params(cfg, now, sizeof now) < 0) {
		failf(rc, err, errlen, "state: the parameters do not fit in %zu bytes", sizeof now);
		goto out;
	}
	if (strcmp(now, f.params) != 0) {
		params_differ(&f, now, err, errlen);
		goto out;
	}
	/* one section for each stage that loads, none for any other */
	for (uint32_t i = 0; i < f.nsect; i++) {
		unsigned s = 0;
		while (s < n && strcmp(stages[s]->name, f.sect[i].name) != 0)
			s++;
		if (s == n || !stages[s]->load) {
			failf(rc, err, errlen, "%s has a section '%s' that no stage of this wirefold "
			      "can load", f.path, f.sect[i].name);
			goto out;
		}
		if (find_section(&f, f.sect[i].name) != &f.sect[i]) {
			failf(rc, err, errlen, "%s has two sections '%s'", f.path, f.sect[i].name);
			goto out;
		}
	}
	for (unsigned s = 0; s < n; s++) {
		if (stages[s]->load && !find_section(&f, stages[s]->name)) {
			failf(rc, err, errlen, "%s has no section for the %s stage", f.path,
			      stages[s]->name);
			goto out;
		}
	}
	/* everything checked: now the stages read their sections */
	for (unsigned s = 0; s < n; s++) {
		if (!stages[s]->load)
			continue;
		const struct section *sec = find_section(&f, stages[s]->name);
		struct wf_state_in in;
		wf_state_in_init(&in, sec->p, sec->len);
		int lrc = stages[s]->load(selves[s], &in);
		if (lrc == WF_ENOMEM || in.error == WF_ENOMEM) {
			rc = failf(WF_ENOMEM, err, errlen, "cannot load %s: out of memory", f.path);
			goto out;
		}
		if (lrc < 0 || in.error || in.pos != in.len) {
			failf(rc, err, errlen, "%s: the %s stage cannot use its section (%s)", f.path,
			      stages[s]->name, lrc < 0 ? wf_strerror(lrc) : "it does not add up");
			goto out;
		}
	}
	*pos = f.pos;
	rc = 1;
out:
	file_close(&f);
	return rc;
}

int wf_state_save(const char *dir, const struct wf_config *cfg,
                  const struct wf_stage_ops *const *stages, void *const *selves,
                  unsigned n, const struct wf_state_pos *pos, char *err, size_t errlen)
{
	char params[4096];
	if (wf_state_params(cfg, params, sizeof params) < 0)
		return failf(WF_EINVAL, err, errlen, "state: the parameters do not fit in %zu bytes",
		             sizeof params);
	struct wf_state_out out = {0};
	put(&out, magic, sizeof magic);
	wf_state_put_u32(&out, WF_STATE_FORMAT);
	wf_state_put_str(&out, GENERATOR);
	wf_state_put_str(&out, params);
	wf_state_put_u64(&out, XXH3_64bits(params, strlen(params)));
	wf_state_put_u64(&out, pos->lines);
	wf_state_put_u64(&out, pos->bytes);
	uint32_t nsect = 0;
	for (unsigned s = 0; s < n; s++)
		nsect += stages[s]->save != NULL;
	wf_state_put_u32(&out, nsect);
	int rc = 0;
	for (unsigned s = 0; s < n && rc == 0 && !out.error; s++) {
		if (!stages[s]->save)
			continue;
		wf_state_put_str(&out, stages[s]->name);
		size_t at = out.len;
		wf_state_put_u64(&out, 0); /* the length, filled in below */
		rc = stages[s]->save(selves[s], &out);
		if (rc == 0 && !out.error)
			le64(out.p + at, out.len - at - 8);
	}
	if (rc == 0 && !out.error)
		wf_state_put_u64(&out, XXH3_64bits(out.p, out.len));
	if (rc < 0 || out.error) {
		free(out.p);
		rc = rc < 0 ? rc : out.error;
		return failf(rc, err, errlen, "cannot save the state: %s", wf_strerror(rc));
	}
	rc = wf_write_atomic(dir, WF_STATE_FILE, out.p, out.len, err, errlen);
	free(out.p);
	return rc;
}

int wf_state_describe(const char *dir, FILE *out, char *err, size_t errlen)
{
	struct file f;
	int rc = file_read(dir, &f, err, errlen);
	if (rc == 0)
		rc = failf(WF_ESTATE, err, errlen, "%s/%s: no state saved yet", dir, WF_STATE_FILE);
	if (rc < 0) {
		file_close(&f);
		return rc;
	}
	fprintf(out, "file: %s\nsize: %zu\nchecksum: ok\nformat: %" PRIu32 "\ngenerator: %s\n"
	        "lines: %" PRIu64 "\nbytes: %" PRIu64 "\n",
	        f.path, f.len, f.format, f.generator, f.pos.lines, f.pos.bytes);
	for (uint32_t i = 0; i < f.nsect; i++)
		fprintf(out, "section: %s %zu\n", f.sect[i].name, f.sect[i].len);
	for (const char *l = f.params; *l;) {
		const char *end = strchr(l, '\n');
		size_t ll = end ? (size_t)(end - l) : strlen(l);
		fprintf(out, "param: %.*s\n", (int)ll, l);
		l += ll + (end != NULL);
	}
	file_close(&f);
	return ferror(out) ? WF_EIO : 0;
}
