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
	cfg->threads = n > 0 ? (unsigned)(n > 256 ? 256 : n) : 1;
	cfg->line_max = (size_t)8 << 20;
	cfg->batch_lines = 512;
	cfg->max_batches = 0; /* 0: derived from threads by the CLI */
	cfg->lateness_ms = 6 * 3600 * 1000LL;
	cfg->zstd_level = 3;
	cfg->fp.seed = 0x77697265666f6c64ull; /* "wirefold" */
	cfg->dedup.window_ms = 72 * 3600 * 1000LL;
	cfg->cluster.idle_ms = 72 * 3600 * 1000LL;
}
