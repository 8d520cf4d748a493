/* bundle.h — per-day story bundles: the sink stage and the reader.
 *
 * A bundle is OUT/YYYY-MM-DD.stories.jsonl.zst: one zstd frame of JSON lines,
 * a header line then one line per story active that day, most important
 * first (format in docs/FORMAT.md).  Every accepted article appears in the
 * bundle of its editors' day: as an item, as a duplicate under the item it
 * duplicates, or — when that item is on another day — as a reference with
 * "of".  Files are replaced atomically (fsutil.h). */
#ifndef WF_BUNDLE_H
#define WF_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirefold/stage.h"

#define WF_BUNDLE_FORMAT "wirefold.stories"
#define WF_BUNDLE_VERSION 1
#define WF_BUNDLE_SUFFIX ".stories.jsonl.zst"

/* The ordered sink stage.  init() creates cfg->out_dir when missing and fails
 * with WF_EIO (message on stderr) when it cannot be written; it removes the
 * temporary files a killed run left there.  process() writes each day once
 * the stream's event time is past the day's end plus cfg->lateness_ms;
 * flush() writes every day still open (and with cfg->state_dir keeps them
 * open, for save() to carry to the next run). */
extern const struct wf_stage_ops wf_bundle_stage;

/* wf_bundle_writer_cpu_ns: CPU time the writer thread (cfg->threads > 1)
 * spent rendering, compressing and writing days so far; 0 without it. */
uint64_t wf_bundle_writer_cpu_ns(const void *self);

/* wf_bundle_stage_written: bundle files written so far by this stage state. */
size_t wf_bundle_stage_written(const void *self);

/* wf_bundle_cat: print the bundle at path to out: its JSON lines as they are,
 * or (pretty) a readable text view.  Returns 0, or WF_EIO / WF_EZSTD /
 * WF_EFORMAT / WF_ENOMEM / WF_EPIPE with the reason in err. */
int wf_bundle_cat(const char *path, FILE *out, bool pretty, char *err,
                  size_t errlen);

/* wf_bundle_lines: decompress the bundle at path and call fn for each line
 * (see lines.h; lines up to 1 GiB).  Returns as wf_bundle_cat(), or the
 * first negative value fn returned. */
typedef int (*wf_bundle_line_fn)(void *ctx, const char *line, size_t len);
int wf_bundle_lines(const char *path, wf_bundle_line_fn fn, void *ctx,
                    char *err, size_t errlen);

/* wf_bundle_lines_mem: as wf_bundle_lines, for a bundle's compressed bytes
 * z[0..zlen) in memory (borrowed); name stands for it in messages.  Any
 * bytes are safe to pass: what is not a bundle is an error, never a crash. */
int wf_bundle_lines_mem(const void *z, size_t zlen, const char *name,
                        wf_bundle_line_fn fn, void *ctx, char *err, size_t errlen);

#endif
