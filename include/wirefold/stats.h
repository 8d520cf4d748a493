/* stats.h — the numbers of a day's bundle: articles, duplicates collapsed,
 * stories, the top stories and the sources, for `wirefold stats`. */
#ifndef WF_STATS_H
#define WF_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One of the day's first stories (the bundle's order: most important first). */
struct wf_stats_story {
	char *id;        /* "s-…" */
	char *headline;
	size_t sources;  /* distinct sources */
	size_t articles; /* items and their duplicates and updates */
};

struct wf_stats_source {
	char *name;      /* as in the feed; "" when an article had none */
	uint64_t articles;
};

struct wf_stats {
	char day[11];          /* "YYYY-MM-DD" */
	char *tz;
	uint64_t articles;     /* every accepted article of the day */
	uint64_t items;        /* distinct reports shown */
	uint64_t dups;         /* collapsed re-sends and copies (kind "dup") */
	uint64_t updates;      /* corrections and new versions (kind "update"),
	                          collapsed or of an item on another day */
	uint64_t stories;
	uint64_t multi_source; /* stories carried by two sources or more */
	struct wf_stats_story *top; /* the first ntop stories */
	size_t ntop;
	struct wf_stats_source *sources; /* every source, most articles first,
	                                    then by name */
	size_t nsources;
};

/* wf_stats_read: count the bundle at path into st, keeping its first `top`
 * stories.  st is filled on success only, and then owns its memory: release
 * it with wf_stats_close().  Any thread, one st per call.
 * Returns 0, or WF_EIO / WF_EZSTD / WF_EFORMAT / WF_ENOMEM with the reason in
 * err[0..errlen). */
int wf_stats_read(const char *path, size_t top, struct wf_stats *st, char *err,
                  size_t errlen);

/* wf_stats_close: free what st owns; st may be zeroed or NULL. */
void wf_stats_close(struct wf_stats *st);

/* wf_stats_print_text: a readable table of the days (one row each, and a
 * total row when there are several), then each day's top stories and
 * sources, at most `top` of each.  Control characters from the feed are
 * shown as '?' so that a headline cannot drive the terminal.
 * Returns 0, or WF_EIO / WF_EPIPE when out fails. */
int wf_stats_print_text(FILE *out, const struct wf_stats *days, size_t n,
                        size_t top);

/* wf_stats_print_json: st as one line of JSON, with its top stories and at
 * most `top` sources.  Returns 0, WF_ENOMEM, or WF_EIO / WF_EPIPE. */
int wf_stats_print_json(FILE *out, const struct wf_stats *st, size_t top);

#endif
