/* dedup.h — the duplicate-detection stage (ordered).
 *
 * Today: an article whose normalized text equals that of an earlier article
 * still in the window is a `dup` of it.  Entries leave the index once the
 * stream's event time is more than window_ms past them. */
#ifndef WF_DEDUP_H
#define WF_DEDUP_H

#include <stdint.h>

struct wf_dedup_params {
	int64_t window_ms; /* --window: how long an article can be duplicated */
};

#endif
