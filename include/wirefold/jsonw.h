/* jsonw.h — JSON text out, byte for byte as jansson writes it, without
 * building jansson values: for the lines written once per article, where
 * json_pack + json_dumpf cost more than the rest of the output path.
 * tests/test_jsonw.c checks every function against jansson's own output. */
#ifndef WF_JSONW_H
#define WF_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wirefold/timeparse.h"

struct wf_article;

/* wf_json_string_max: the most bytes wf_json_string writes for n bytes. */
static inline size_t wf_json_string_max(size_t n)
{
	return 6 * n + 2;
}

/* wf_json_string: write s[0..n) to out as a JSON string, quotes included,
 * as jansson's json_dumps does with neither JSON_ENSURE_ASCII nor
 * JSON_ESCAPE_SLASH: '"' and '\\' escaped, \b \f \n \r \t by name, other
 * bytes below 0x20 as \u00XX (upper-case hex), every other byte as it is
 * (s is valid UTF-8; NUL bytes are written as \u0000).
 * @out  room for wf_json_string_max(n) bytes; nothing is NUL-terminated.
 * Returns the bytes written.  Any thread. */
size_t wf_json_string(char *out, const char *s, size_t n);

/* The most bytes wf_json_real writes. */
#define WF_JSON_REAL_MAX 32

/* wf_json_real: write v as jansson dumps a real with
 * JSON_REAL_PRECISION(precision) (1..17): "%.*g", ".0" appended when that
 * has neither '.' nor an exponent, and the exponent without '+' or leading
 * zeros ("1e-05" → "1e-5").  v must be finite.
 * @out  room for WF_JSON_REAL_MAX bytes; nothing is NUL-terminated.
 * Returns the bytes written.  Any thread. */
size_t wf_json_real(char *out, double v, int precision);

/* The most bytes wf_json_int writes ("-9223372036854775808"). */
#define WF_JSON_INT_MAX 20

/* wf_json_int: write v as jansson dumps an integer ("%lld"), without
 * snprintf's format parsing (the bundles write two counts a story).
 * @out  room for WF_JSON_INT_MAX bytes; nothing is NUL-terminated.
 * Returns the bytes written.  Any thread. */
size_t wf_json_int(char *out, long long v);

/* The UTC date wf_json_time wrote last, for the next call: the caller keeps
 * it (zeroed before the first call) and uses it from one thread. */
struct wf_json_time_memo {
	bool set;
	int64_t day;  /* days since 1970-01-01 */
	char date[11]; /* "YYYY-MM-DDT" of that day */
};

/* The most bytes wf_json_time writes. */
#define WF_JSON_TIME_MAX (WF_TIME_FORMAT_MAX + 1)

/* wf_json_time: write wf_time_format(ms) as a JSON string, quotes included
 * (its characters need no escaping).  A time on the UTC day of the memo's
 * reuses its date: the civil date is most of wf_time_format's cost, and a
 * bundle's times are mostly on one or two days.
 * @out  room for WF_JSON_TIME_MAX bytes; nothing is NUL-terminated.
 * Returns the bytes written.  Any thread, with a memo of its own. */
size_t wf_json_time(char *out, struct wf_json_time_memo *memo, int64_t ms);

/* wf_json_assignment_max: the most bytes wf_json_assignment writes for a. */
size_t wf_json_assignment_max(const struct wf_article *a);

/* wf_json_assignment: write the line --emit assignments prints for a, and
 * its newline (docs/FORMAT.md), as JSON_COMPACT jansson would:
 *   {"id":ID,"story":"s-<16 hex>","canonical":ID,"kind":"new"|"dup"|"update"}
 *   {"line":N,"id":null,"rejected":REASON}           (a rejected line)
 * @out  room for wf_json_assignment_max(a) bytes; a borrowed.
 * Returns the bytes written.  Any thread. */
size_t wf_json_assignment(char *out, const struct wf_article *a);

#endif
