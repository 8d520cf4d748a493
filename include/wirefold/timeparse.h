/* timeparse.h — event times: text → milliseconds since 1970-01-01 UTC, and back.
 *
 * Accepted forms (the whole slice must match; no surrounding blanks):
 *
 *   YYYY-MM-DD                                midnight UTC
 *   YYYY-MM-DD?HH:MM[:SS[.fff…]][zone]        ? is 'T', 't' or ' '
 *       zone:  Z | z | ±HH:MM | ±HHMM | ±HH   absent = UTC
 *       fraction: '.' or ',' and any number of digits; kept to the
 *       millisecond by truncation (never rounded up into the next second)
 *   [-]digits[.digits]                        epoch seconds or milliseconds
 *
 * The epoch rule: a number whose magnitude is < 1e11 is seconds, one whose
 * magnitude is >= 1e11 is milliseconds.  1e11 seconds is the year 5138 and
 * 1e11 ms is 1973-03-03, so the rule is unambiguous for every time after
 * March 1973 in milliseconds and before 5138 in seconds.  A fraction is kept
 * (to the millisecond) for seconds and dropped for milliseconds.
 *
 * Ranges: year 0000–9999, month 1–12, day within the month (Gregorian leap
 * years), hour 0–23, minute 0–59, second 0–60 (a leap second :60 is counted
 * as the first second of the next minute), zone offset up to ±23:59.  The
 * result, after the zone offset, must fall within 0000-01-01T00:00:00Z and
 * 9999-12-31T23:59:59.999Z.  Nothing here depends on the process time zone
 * or locale.
 *
 * All functions are pure: thread-safe, no allocation. */
#ifndef WF_TIMEPARSE_H
#define WF_TIMEPARSE_H

#include <stddef.h>
#include <stdint.h>

/* The accepted range of wf_time_parse results, in ms since the epoch. */
#define WF_TIME_MIN_MS (-62167219200000LL) /* 0000-01-01T00:00:00.000Z */
#define WF_TIME_MAX_MS (253402300799999LL) /* 9999-12-31T23:59:59.999Z */

/* Length of the longest wf_time_format output plus its NUL. */
#define WF_TIME_FORMAT_MAX 32

/* wf_time_parse: parse s[0..len) (need not be NUL-terminated) as one of the
 * forms above.
 * @s, @len   the text, borrowed; only s[0..len) is read.
 * @ms_out   receives the time in ms since 1970-01-01T00:00:00Z; untouched
 *           on failure.
 * Returns 0, WF_EBADTIME when the text is not a valid time (syntax or range),
 * or WF_EINVAL when s (with len > 0) or ms_out is NULL. */
int wf_time_parse(const char *s, size_t len, int64_t *ms_out);

/* wf_time_why: a short static phrase saying why s[0..len) is not a valid
 * time, e.g. "day out of range for the month", for reject reasons; NULL when
 * wf_time_parse would accept it. */
const char *wf_time_why(const char *s, size_t len);

/* wf_time_from_epoch: apply the epoch rule above to a number (a JSON number).
 * @v       seconds when |v| < 1e11, else milliseconds.
 * @ms_out  receives the time in ms; untouched on failure.
 * Returns 0, or WF_EBADTIME when v is not finite or the time is outside
 * [WF_TIME_MIN_MS, WF_TIME_MAX_MS]. */
int wf_time_from_epoch(double v, int64_t *ms_out);

/* wf_time_format: write ms as "YYYY-MM-DDTHH:MM:SSZ" (UTC), with ".mmm"
 * before the Z only when ms is not a whole second.  Years outside 0000–9999
 * are written with a sign ("-0001", "+10000"), so every int64_t value has a
 * form.
 * @out  at least WF_TIME_FORMAT_MAX bytes; receives a NUL-terminated string.
 * Returns the length written (20 or 24 in the usual range), or WF_EINVAL
 * when out is NULL. */
int wf_time_format(int64_t ms, char out[WF_TIME_FORMAT_MAX]);

#endif
