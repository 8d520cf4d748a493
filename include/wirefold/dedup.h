/* dedup.h — the near-duplicate detection stage (ordered).
 *
 * See stages/dedup.c for the method.  An article is `dup` of an earlier one
 * in the window when the shorter of the two is mostly contained in the longer
 * (word shingles) and its numbers and names are found there too; `update`
 * when it is also clearly longer and contains the earlier one. */
#ifndef WF_DEDUP_H
#define WF_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct wf_dedup_params {
	int64_t window_ms;          /* --window: how long an article can be duplicated */
	double lsh_threshold;       /* Jaccard threshold the LSH bands are tuned for */
	double lsh_weight_fp;       /* weight of false positives when tuning (fn: 1 - w) */
	double min_containment;     /* shingles of the shorter text found in the longer */
	double lede_threshold;      /* Jaccard threshold of the lede LSH bands */
	unsigned max_number_misses; /* numbers of the shorter text absent from the longer, */
	double max_number_miss_share; /* ... or at most this share of them (corrections) */
	double max_name_miss_share; /* share of its names absent from the longer */
	double update_growth;       /* an update has at least this × the shingles */
};

/* Memory of the dedup stage, for --timings and the benchmarks. */
struct wf_dedup_stats {
	size_t held;        /* articles in the window now */
	size_t peak_held;   /* most articles held at once */
	size_t index_bytes; /* LSH tables at that peak */
	size_t entry_bytes; /* what verification keeps of those articles */
};

/* wf_dedup_stats: the memory figures of a dedup stage state.  Loop thread. */
void wf_dedup_stats(const void *self, struct wf_dedup_stats *out);

#endif
