/* fingerprint.c — per-article fingerprints (parallel stage). */
#include "wirefold/fingerprint.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/stage.h"

void wf_fingerprint_article(const struct wf_fingerprint_params *p,
                            struct wf_article *a)
{
	XXH128_hash_t h = XXH3_128bits_withSeed(a->norm, a->norm_len, p->seed);
	a->fp.text_hash[0] = h.low64;
	a->fp.text_hash[1] = h.high64;
}

static int fp_init(void **self, const struct wf_config *cfg)
{
	*self = (void *)&cfg->fp;
	return 0;
}

static int fp_process(void *self, struct wf_batch *b)
{
	const struct wf_fingerprint_params *p = self;
	for (size_t i = 0; i < b->n; i++)
		if (!b->items[i].rejected)
			wf_fingerprint_article(p, &b->items[i]);
	return WF_FLOW_OK;
}

static void fp_free(void *self)
{
	(void)self; /* borrowed from the config */
}

const struct wf_stage_ops wf_fingerprint_stage = {
	.name = "fingerprint",
	.parallel = true,
	.init = fp_init,
	.process = fp_process,
	.flush = NULL,
	.free = fp_free,
};
