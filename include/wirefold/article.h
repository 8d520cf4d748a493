/* article.h — one input line on its way through the pipeline.
 *
 * Every field that points to memory points into the owning batch's arena
 * (see batch.h): an article lives exactly as long as its batch.  Stages that
 * keep something past the batch (dedup index, stories, bundles) copy it. */
#ifndef WF_ARTICLE_H
#define WF_ARTICLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirefold/features.h"
#include "wirefold/fingerprint.h"

/* Token flags, set by normalize from the original (pre-case-fold) text. */
enum wf_token_flag {
	WF_TOK_NUM = 1u << 0,    /* contains a digit */
	WF_TOK_CAP = 1u << 1,    /* original began with an upper-case letter */
	WF_TOK_ALLCAP = 1u << 2, /* original had >= 2 letters, all upper case */
	WF_TOK_CJK = 1u << 3,    /* a CJK character bigram (or lone character) */
};

/* One token: a slice of wf_article.norm (normalized, case-folded UTF-8). */
struct wf_token {
	uint32_t off;
	uint32_t len;
	uint32_t flags; /* enum wf_token_flag bits */
};

enum wf_kind {
	WF_KIND_NEW = 0, /* first of its report */
	WF_KIND_DUP,     /* same report again (re-send, correction, reprint) */
	WF_KIND_UPDATE,  /* later, fuller version of an earlier report */
};

struct wf_article {
	/* set by the runtime */
	uint64_t line_no;  /* 1-based line number in the input */
	const char *line;  /* the raw line, without its newline (arena) */
	size_t line_len;

	/* set by parse; rejected articles skip every later stage */
	bool rejected;
	int error;          /* enum wf_error when rejected */
	const char *reason; /* human-readable reject reason (arena or static) */
	const char *id;     /* NUL-terminated UTF-8; never NULL when accepted */
	const char *source; /* "" when absent */
	const char *lang;   /* lower-case BCP 47 tag, "" when absent */
	const char *title;  /* plain text, "" when absent */
	const char *body;   /* plain text (HTML stripped), "" when absent */
	int64_t time_ms;    /* event time, milliseconds since 1970-01-01 UTC */

	/* set by normalize: title tokens first, then body tokens */
	const char *norm; /* normalized tokens separated by single spaces */
	size_t norm_len;
	struct wf_token *tokens;
	uint32_t n_tokens;
	uint32_t n_title_tokens;
	size_t body_start; /* body[body_start..body_end) is what was tokenized: */
	size_t body_end;   /* the body without its boilerplate (boilerplate.h) */

	/* set by fingerprint (parallel) */
	struct wf_fingerprint fp;

	/* set by features (parallel) */
	struct wf_features feat;

	/* set by dedup (ordered) */
	enum wf_kind kind;
	const char *canonical; /* id of the item this one duplicates, or id */
	float similarity;      /* to canonical; 1 for new items */

	/* set by cluster (ordered) */
	uint64_t story;             /* story id; printed as "s-%016llx" */
	bool opened_story;          /* this article founded its story */
	const char *story_headline; /* the story's headline as of this article,
	                             * or NULL to leave it as it was */
};

#endif
