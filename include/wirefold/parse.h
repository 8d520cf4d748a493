/* parse.h — one JSON line → the parsed fields of a wf_article.
 *
 * The parse stage (wf_parse_stage, declared in stage.h) runs wf_parse_line
 * over every article of a batch that the runtime has not already rejected,
 * and rejects the lines it cannot use with wf_batch_reject().  It is
 * parallel and stateless: init sets *self to NULL (and initialises libxml2,
 * see html.h), free does nothing.  It never prints; the runtime reports
 * rejects.  An allocation failure rejects that one line with WF_ENOMEM and
 * "out of memory"; the stage returns WF_FLOW_OK all the same, since it has
 * nothing to log and the runtime sees the reject.
 *
 * The line is a JSON object (RFC 8259, UTF-8), in the flat shape or IPTC
 * ninjs 1.x, 2.x or 3.x.  Each field takes the first key present, in this
 * order; a key whose value is null counts as absent, a present key wins even
 * when its value is empty ("" or []), and any key not listed here (the flat
 * data's "dateline", ninjs "subjects", …) is ignored:
 *
 *   id      "id" | "uri": a string, not "" (a number is a type error).
 *           With "uri", when "version" (a string or an integer) is present
 *           and not "", the id is "<uri>@<version>".  Required.
 *   time    "time" | "versioncreated" | "versionCreated" | "firstcreated" |
 *           "firstCreated": a string in a form wf_time_parse accepts
 *           (timeparse.h), or a JSON number read by wf_time_from_epoch
 *           (seconds, or milliseconds when >= 1e11).  Required.
 *   source  "source" | "copyrightholder" | "copyrightHolder" | "by" |
 *           "byline" (ninjs 1.x's name for "by") | "provider" (a string, or
 *           an object whose "name" is a string).  "" when absent.
 *   lang    "lang" | "language"; ASCII letters lower-cased and '_' made
 *           '-' ("en_GB" → "en-gb").  "" when absent.
 *   title   flat (the id came from "id"): "title" | "headline" | "headlines";
 *           ninjs (the id came from "uri"): "headline" | "headlines" |
 *           "title", because ninjs 2.x/3.x "title" is a slug-like name for
 *           the item ("US Pelosi McCarthy (CR)") while its headlines are
 *           what is published.  "headlines" is an array of objects with a
 *           string "value"; the element whose "role" is "main" wins, else the
 *           first.  "" when absent.
 *   body    "body" | "body_text" | "body_html" (HTML → text, html.h) |
 *           "bodies" (array of objects with a string "value"), choosing the
 *           element with the best rank: role "main" or no role before any
 *           other role, then content type text/plain or none, then markup
 *           (a type naming html, xml or nitf: made text by html.h), then any
 *           other type (kept as it is); ties go to the first.  A headline is
 *           made text the same way when its content type names markup.
 *           "" when absent.
 * The "contentType" (3.x) and "contenttype" (2.x) spellings are both read.
 *
 * A line is rejected, with a short reason, when it:
 *   is empty, has a raw NUL byte, or is not valid JSON, counting a duplicate
 *   key and \u0000 in a string as invalid                     WF_EJSON
 *   is not valid UTF-8                                         WF_EUTF8
 *   is not an object                                           WF_ENOTOBJ
 *   has a value of the wrong type under a key chosen above    WF_ETYPE
 *   (keys passed over, such as a "versioncreated" after "time",
 *   are not checked)
 *   has no id                                                  WF_ENOID
 *   has no time                                                WF_ENOTIME
 *   has a time that does not parse                             WF_EBADTIME
 *   has neither a title nor a body with anything but blanks    WF_ENOTEXT */
#ifndef WF_PARSE_H
#define WF_PARSE_H

#include <stddef.h>

struct wf_arena;
struct wf_article;

/* A reason buffer of this size holds every reason unshortened. */
#define WF_PARSE_REASON_MAX 256

/* wf_parse_line: parse line[0..len) into out's id, source, lang, title, body
 * and time_ms.
 * @arena       receives every string stored in out; the caller owns it.  On
 *              failure it may hold some unreferenced bytes.
 * @line, @len  the line without its newline, borrowed; need not be
 *              NUL-terminated.
 * @out         on success its six parsed fields are set (strings are never
 *              NULL); nothing else is touched.  On failure out is untouched.
 * @reason      if reason_len > 0, receives a NUL-terminated, one-line,
 *              printable UTF-8 reason on failure (cut to reason_len), e.g.
 *              `time "yesterday" is not RFC 3339, …`; "" on success.
 * Returns 0 or a negative wf_error: those listed above, WF_ENOMEM, or
 * WF_EINVAL when arena or out is NULL, or line is NULL with len > 0.
 * Thread-safe: any number of threads may parse at once, each with its own
 * arena.  Never prints. */
int wf_parse_line(struct wf_arena *arena, const char *line, size_t len,
                  struct wf_article *out, char *reason, size_t reason_len);

/* Flags of wf_parse_line_flags. */
enum wf_parse_flag {
	/* Parse with jansson alone: the reference that the fast path (simdjson,
	 * for the lines it is sure about) must agree with, for tests. */
	WF_PARSE_NO_FASTPATH = 1u << 0,
};

/* wf_parse_line_flags: wf_parse_line with enum wf_parse_flag bits; the
 * result is the same for any flags, only the speed differs. */
int wf_parse_line_flags(struct wf_arena *arena, const char *line, size_t len,
                        struct wf_article *out, char *reason, size_t reason_len,
                        unsigned flags);

#endif
