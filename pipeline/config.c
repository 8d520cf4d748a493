#include "wirefold/config.h"

#include <string.h>
#include <unistd.h>

void wf_config_defaults(struct wf_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->out_dir = "./bundles";
	cfg->tz = "UTC";
	cfg->emit = WF_EMIT_NONE;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	/* one thread per core: the loop thread (dedup, clustering) counts as
	 * one, workers are the others (runtime.h) */
	cfg->threads = n > 1 ? (unsigned)(n > 256 ? 256 : n) : 1;
	cfg->line_max = (size_t)8 << 20;
	cfg->batch_lines = 512;
	cfg->max_batches = 0; /* 0: derived from threads by the CLI */
	cfg->lateness_ms = 6 * 3600 * 1000LL;
	cfg->zstd_level = 3;
	cfg->fp.seed = 0x77697265666f6c64ull; /* "wirefold" */
	cfg->fp.shingle = 3;
	cfg->fp.minhash_k = 128;
	cfg->fp.lede_words = 40;
	cfg->fp.lede_k = 32;
	cfg->dedup.window_ms = 72 * 3600 * 1000LL;
	cfg->dedup.lsh_threshold = 0.2;
	cfg->dedup.lsh_weight_fp = 0.5;
	cfg->dedup.min_containment = 0.5;
	cfg->dedup.lede_threshold = 0.5;
	cfg->dedup.max_number_misses = 0;
	cfg->dedup.max_number_miss_share = 0.34;
	cfg->dedup.max_name_miss_share = 0.34;
	cfg->dedup.update_growth = 1.15;
	cfg->cluster.idle_ms = 72 * 3600 * 1000LL;
	cfg->cluster.threshold = 0.12;
	cfg->cluster.half_life_ms = 150 * 60 * 1000LL;
	cfg->cluster.decay_floor = 0;
	cfg->cluster.weight[WF_FIELD_TITLE] = 2;
	cfg->cluster.weight[WF_FIELD_BODY] = 1;
	cfg->cluster.weight[WF_FIELD_ENTITY] = 1;
	cfg->cluster.entity_gate = 0.5;
	cfg->cluster.prior_docs = 100;
	cfg->cluster.df_horizon = 100000;
	cfg->cluster.body_tokens = 200;
	cfg->cluster.centroid_terms = 64;
	cfg->cluster.index_terms = 16;
	cfg->cluster.query_terms = 16;
	cfg->cluster.posting_max = 64;
}
