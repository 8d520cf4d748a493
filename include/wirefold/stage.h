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
};

/* The stages, in pipeline order. */
extern const struct wf_stage_ops wf_parse_stage;
extern const struct wf_stage_ops wf_normalize_stage;
extern const struct wf_stage_ops wf_fingerprint_stage;
extern const struct wf_stage_ops wf_features_stage;
extern const struct wf_stage_ops wf_dedup_stage;
extern const struct wf_stage_ops wf_cluster_stage;

#endif
