/* runtime.h — the libuv loop that reads stdin and drives the stages.
 *
 * The loop thread owns all I/O: it reads stdin (pipe, tty, socket or file),
 * splits lines into batches, queues each batch on libuv's thread pool for the
 * parallel stages, and runs the ordered stages on finished batches strictly in
 * input order.  At most cfg->max_batches batches are in flight; reading stops
 * (uv_read_stop, or no further file read) until one drains.  So memory is
 * bounded by max_batches × (batch budget + line_max) plus the stages' indexes. */
#ifndef WF_RUNTIME_H
#define WF_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/dedup.h"

struct wf_summary {
	uint64_t lines;    /* lines read; always accepted + rejected */
	uint64_t accepted;
	uint64_t rejected;
	uint64_t dups;
	uint64_t updates;
	uint64_t stories;  /* stories opened */
	uint64_t bundles;  /* bundle files written */
	uint64_t bytes;    /* input bytes in accepted and rejected lines */
	bool interrupted;  /* SIGINT/SIGTERM: stopped reading, finished cleanly */
	bool state_saved;  /* --state: the state file covers the whole run */
	uint64_t state_lines; /* --state: feed lines (all runs) the saved state covers */
	double elapsed_s;
	unsigned nstages;
	const char *stage_name[WF_STAGE_MAX];
	double stage_cpu_s[WF_STAGE_MAX]; /* CPU time per stage, all threads */
	struct wf_dedup_stats dedup;      /* memory of the duplicate index */
};

/* wf_run: process stdin to the end (or to a fatal error) with cfg, writing
 * bundles, --emit output to stdout and reject messages to stderr; fills sum.
 * The thread pool size must have been set (UV_THREADPOOL_SIZE) before.
 * Returns 0, or a negative wf_error after printing why on stderr. */
int wf_run(const struct wf_config *cfg, struct wf_summary *sum);

#endif
