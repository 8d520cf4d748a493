/* config.h — the run's parameters, filled by the CLI and read by every stage.
 * Read-only once the pipeline starts, so any thread may read it. */
#ifndef WF_CONFIG_H
#define WF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirefold/cluster.h"
#include "wirefold/dedup.h"
#include "wirefold/fingerprint.h"

enum wf_emit {
	WF_EMIT_NONE = 0,
	WF_EMIT_ASSIGNMENTS, /* one JSON line per input article */
	WF_EMIT_UNIQUE,      /* input lines of the non-duplicates */
};

struct wf_config {
	const char *out_dir;     /* bundle directory (default "./bundles") */
	const char *rejects;     /* file for rejected lines, or NULL */
	const char *tz;          /* editors' time zone name, default "UTC" */
	const char *state_dir;   /* --state: carry state across runs, or NULL */
	uint64_t checkpoint_every; /* --checkpoint-every: save the state after
	                            * this many more lines (0: at the end only) */
	enum wf_emit emit;
	unsigned threads;        /* threads in all, >= 1: 1 = no workers, no writer */
	size_t line_max;         /* longest accepted line in bytes (8 MiB) */
	size_t batch_lines;      /* lines per batch */
	unsigned max_batches;    /* batches in flight before reading pauses */
	int64_t lateness_ms;     /* a day's bundle is written this long after it ends */
	bool timings;            /* print per-stage CPU time at the end */
	bool quiet;              /* no progress line, no summary */
	int zstd_level;

	struct wf_fingerprint_params fp;
	struct wf_dedup_params dedup;
	struct wf_cluster_params cluster;
};

/* wf_config_defaults: fill cfg with the documented defaults. */
void wf_config_defaults(struct wf_config *cfg);

#endif
