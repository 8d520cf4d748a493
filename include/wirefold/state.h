/* state.h — the state directory: what one run leaves for the next.
 *
 * `wirefold --state DIR` keeps DIR/wirefold.state: the ordered stages' state
 * (the dedup index, the bundle stage's days, …) and how much of the feed it
 * covers, so that `cat a b | wirefold` and `cat a | wirefold --state S;
 * cat b | wirefold --state S` give the same bundles.  The file:
 *
 *   magic     8 bytes "WFSTATE\n"
 *   format    u32, WF_STATE_FORMAT: the layout of everything below
 *   generator str, "wirefold <version>": state is refused across versions,
 *             since another version may decide differently
 *   params    str, the parameters that change results, one "name=value\n"
 *             each (wf_state_params); refused when they differ from the run's
 *   phash     u64, XXH3-64 of params (the config fingerprint)
 *   lines     u64, feed lines consumed (counted across runs)
 *   bytes     u64, feed bytes consumed: the next run's input starts there
 *   nsect     u32, then per section: name (str), length (u64), bytes — one
 *             section per stage that has save/load, in pipeline order
 *   checksum  u64, XXH3-64 of every byte before it
 *
 * Integers are little-endian; a str is a u32 length and that many bytes.
 * The file is written whole with wf_write_atomic (fsutil.h), so after a
 * crash it is the previous complete version or the new one.  It is read
 * whole and verified — magic, format, checksum, generator, params, section
 * table, one section for each stage that can load and none for a stage that
 * cannot — before any stage sees a byte of it; a stage's load that fails or
 * leaves bytes unread stops the run.  So a state is used entirely or not at
 * all.
 *
 * Stages write and read their sections with the wf_state_put_* and
 * wf_state_get_* functions below.  Errors are sticky: after the first
 * failure, puts do nothing and gets return zeros, and the caller checks
 * once at the end.  Not thread-safe; the runtime calls all of this on the
 * loop thread, between batches. */
#ifndef WF_STATE_H
#define WF_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wf_config;
struct wf_stage_ops;

#define WF_STATE_FORMAT 2
#define WF_STATE_FILE "wirefold.state"

/* ---- writing a section --------------------------------------------------- */

/* A growing buffer.  error is 0 or WF_ENOMEM (sticky). */
struct wf_state_out {
	unsigned char *p;
	size_t len, cap;
	int error;
};

void wf_state_put_u32(struct wf_state_out *out, uint32_t v);
void wf_state_put_u64(struct wf_state_out *out, uint64_t v);
void wf_state_put_i64(struct wf_state_out *out, int64_t v);
/* wf_state_put_f64: the double's bits, so it comes back exactly. */
void wf_state_put_f64(struct wf_state_out *out, double v);
/* wf_state_put_str: s (NUL-terminated, not NULL) as a str. */
void wf_state_put_str(struct wf_state_out *out, const char *s);
/* wf_state_put_blob: a u64 length and p[0..n). */
void wf_state_put_blob(struct wf_state_out *out, const void *p, size_t n);
/* wf_state_put_u32s: v[0..n) (the count is the caller's to write). */
void wf_state_put_u32s(struct wf_state_out *out, const uint32_t *v, size_t n);

/* ---- reading a section ---------------------------------------------------- */

/* A cursor over borrowed bytes.  error is 0 or WF_ESTATE (sticky): set by a
 * read past the end, or by the caller through wf_state_in_fail. */
struct wf_state_in {
	const unsigned char *p;
	size_t len, pos;
	int error;
};

/* wf_state_in_init: a cursor over p[0..len), borrowed for its life. */
void wf_state_in_init(struct wf_state_in *in, const void *p, size_t len);

uint32_t wf_state_get_u32(struct wf_state_in *in);
uint64_t wf_state_get_u64(struct wf_state_in *in);
int64_t wf_state_get_i64(struct wf_state_in *in);
double wf_state_get_f64(struct wf_state_in *in);
/* wf_state_get_str: a malloc'd, NUL-terminated copy (caller frees), or NULL
 * when the input is short, the str holds a NUL, or memory runs out (then
 * error is WF_ENOMEM). */
char *wf_state_get_str(struct wf_state_in *in);
/* wf_state_get_blob: a pointer into the input (borrowed) and its length in
 * *n; NULL (and *n = 0) when the input is short. */
const void *wf_state_get_blob(struct wf_state_in *in, size_t *n);
/* wf_state_get_u32s: fill v[0..n); false (v untouched) when short. */
bool wf_state_get_u32s(struct wf_state_in *in, uint32_t *v, size_t n);
/* wf_state_in_left: bytes not read yet; lets a stage check that a count
 * read from the file fits what remains before allocating for it. */
size_t wf_state_in_left(const struct wf_state_in *in);
/* wf_state_in_fail: mark the input bad (a value out of range). */
void wf_state_in_fail(struct wf_state_in *in);

/* ---- the state directory ---------------------------------------------- */

/* Where the feed stands: lines and bytes consumed, over all runs. */
struct wf_state_pos {
	uint64_t lines;
	uint64_t bytes;
};

/* wf_state_params: the canonical text of cfg's parameters that change
 * results, "name=value\n" each, into buf[0..len) (NUL-terminated).
 * Returns its length, or WF_EINVAL when it does not fit.  out_dir must
 * exist (it is named by its real path).  A new parameter of a stage that
 * changes its results belongs in this list. */
int wf_state_params(const struct wf_config *cfg, char *buf, size_t len);

/* wf_state_open: create dir when missing, take its lock (DIR/lock, flock,
 * so a second wirefold on the same state is refused rather than both
 * writing it), and remove temporary files left by a killed run.
 * Returns 0 and the lock's descriptor in *lock_fd (close it to unlock),
 * or WF_EIO / WF_ESTATE with the reason in err. */
int wf_state_open(const char *dir, int *lock_fd, char *err, size_t errlen);

/* wf_state_load: read DIR/wirefold.state, verify it whole (see the top of
 * this file), then call each stage's load with its section.
 * @stages, @selves, @n  the pipeline: n stages and their states (borrowed).
 * @pos   set to where the feed stands (0, 0 without a state file).
 * Returns 1 when a state was loaded, 0 when there was none (first run), or
 * WF_ESTATE / WF_EIO / WF_ENOMEM with a one-line reason in err.  After a
 * failure the stages may hold part of the state: the caller must free
 * them, not run them. */
int wf_state_load(const char *dir, const struct wf_config *cfg,
                  const struct wf_stage_ops *const *stages, void *const *selves,
                  unsigned n, struct wf_state_pos *pos, char *err,
                  size_t errlen);

/* wf_state_save: write DIR/wirefold.state atomically from the stages'
 * save ops and pos.  Returns 0, or WF_ENOMEM / WF_ENOSPC / WF_EIO with the
 * reason in err; the previous state file is then untouched. */
int wf_state_save(const char *dir, const struct wf_config *cfg,
                  const struct wf_stage_ops *const *stages, void *const *selves,
                  unsigned n, const struct wf_state_pos *pos, char *err,
                  size_t errlen);

/* wf_state_describe: print what DIR/wirefold.state holds — format,
 * generator, feed position, parameters, sections and their sizes — to out,
 * after verifying its checksum (but not its params: any run's state can be
 * described).  Returns 0, or WF_ESTATE / WF_EIO / WF_ENOMEM with the
 * reason in err. */
int wf_state_describe(const char *dir, FILE *out, char *err, size_t errlen);

#endif
