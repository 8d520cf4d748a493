/* cluster.c — story assignment (ordered stage).
 *
 * Each distinct article opens its own story; a duplicate or update joins the
 * story of its canonical item.  The story id is a hash of the founding
 * article's id, so it is the same across days and runs. */
#include "wirefold/cluster.h"

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/stage.h"

uint64_t wf_story_id(const char *founding_id)
{
	return XXH3_64bits_withSeed(founding_id, strlen(founding_id), 0x5707);
}

static int cluster_init(void **self, const struct wf_config *cfg)
{
	(void)cfg;
	*self = NULL;
	return 0;
}

static int cluster_process(void *self, struct wf_batch *b)
{
	(void)self;
	for (size_t i = 0; i < b->n; i++) {
		struct wf_article *a = &b->items[i];
		if (a->rejected)
			continue;
		a->story = wf_story_id(a->canonical);
		a->opened_story = a->kind == WF_KIND_NEW;
		a->story_headline = a->kind == WF_KIND_NEW ? a->title : NULL;
	}
	return WF_FLOW_OK;
}

static void cluster_free(void *self)
{
	(void)self;
}

const struct wf_stage_ops wf_cluster_stage = {
	.name = "cluster",
	.parallel = false,
	.init = cluster_init,
	.process = cluster_process,
	.flush = NULL,
	.free = cluster_free,
};
