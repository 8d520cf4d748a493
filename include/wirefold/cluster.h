/* cluster.h — the story-clustering stage (ordered).
 *
 * Today: every distinct article opens a story of its own, whose id is a hash
 * of the article id; duplicates join the story of their canonical item. */
#ifndef WF_CLUSTER_H
#define WF_CLUSTER_H

#include <stdint.h>

struct wf_cluster_params {
	int64_t idle_ms; /* --story-idle: a story closes after this long quiet */
};

/* wf_story_id: the id of a story founded by the article with this id.
 * Pure; thread-safe. */
uint64_t wf_story_id(const char *founding_id);

#endif
