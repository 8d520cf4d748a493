/* stage.h — the interface every pipeline stage implements.
 *
 * A stage is a small ops table.  Parallel stages (parse, normalize,
 * fingerprint, features) hold only read-only state after init and are called
 * from worker threads, concurrently, on different batches.  Ordered stages
 * (dedup, cluster, bundle) are called on the loop thread, one batch at a time,
 * in input order, so their results depend only on the input.
 *
 * process() must skip articles whose `rejected` is set, except where a stage
 * accounts for rejects itself (none does today).  A stage never frees an
 * article: the batch owns them. */
#ifndef WF_STAGE_H
#define WF_STAGE_H

#include <stdbool.h>

struct wf_batch;
struct wf_config;
struct wf_state_in;
struct wf_state_out;

enum wf_flow {
	WF_FLOW_OK = 0,     /* batch done, pass it on */
	WF_FLOW_ERROR = -1, /* fatal: stop the run; the stage logged why */
};

struct wf_stage_ops {
	const char *name;
	bool parallel; /* true: may run on any worker, concurrently */
	/* init: create the stage's state in *self from cfg (borrowed for the
	 * whole run).  Returns 0 or a negative wf_error. */
	int (*init)(void **self, const struct wf_config *cfg);
	/* process: work on every accepted article of b.  Returns enum wf_flow. */
	int (*process)(void *self, struct wf_batch *b);
	/* flush: end of input; write out what is held.  May be NULL. */
	int (*flush)(void *self);
	/* free: release the state.  Called with NULL is a no-op. */
	void (*free)(void *self);
	/* save: append what the stage must carry to the next run (`--state`)
	 * to out, with the wf_state_put_* functions (state.h).  Called on the
	 * loop thread between batches: at a checkpoint and at the end of the
	 * run, after flush.  Returns 0 or a negative wf_error (the run stops
	 * and the previous state file stays).  NULL, with load, for a stage
	 * that keeps nothing from one batch to the next. */
	int (*save)(void *self, struct wf_state_out *out);
	/* load: right after init and before any batch, restore what save
	 * wrote, reading in with the wf_state_get_* functions.  The file has
	 * been verified whole (checksum, versions, parameters) before this is
	 * called; the runtime checks that the section was read to its end.
	 * Returns 0 or a negative wf_error, WF_ESTATE for a section that does
	 * not make sense; the run then stops without processing anything. */
	int (*load)(void *self, struct wf_state_in *in);
};

/* The stages, in pipeline order. */
extern const struct wf_stage_ops wf_parse_stage;
extern const struct wf_stage_ops wf_normalize_stage;
extern const struct wf_stage_ops wf_fingerprint_stage;
extern const struct wf_stage_ops wf_features_stage;
extern const struct wf_stage_ops wf_dedup_stage;
extern const struct wf_stage_ops wf_cluster_stage;

#endif
