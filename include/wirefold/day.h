/* day.h — editors' days in a time zone.
 *
 * A day is numbered by its local calendar date, as days since 1970-01-01.
 * The zone is process-wide (the C library's TZ): set it once, before any
 * thread calls the other functions, which are then thread-safe. */
#ifndef WF_DAY_H
#define WF_DAY_H

#include <stdint.h>

/* wf_tz_set: use the zone `name`: "UTC", an IANA name ("Europe/Paris"), or a
 * fixed offset "+05:30" / "-0800" / "+01".  Returns 0, or WF_ETZ for a name
 * that is not in the system's zone database nor a valid offset. */
int wf_tz_set(const char *name);

/* wf_day_of: the local day that instant `ms` falls on, kept within
 * 0000-01-01 .. 9999-12-31 (a zone far from UTC puts the feed's first and
 * last hours on those days), so that every day has a name of its own. */
int32_t wf_day_of(int64_t ms);

/* wf_day_end_ms: the instant the local day ends (next local midnight). */
int64_t wf_day_end_ms(int32_t day);

/* wf_day_format: write the day as "YYYY-MM-DD" (11 bytes with the NUL). */
void wf_day_format(int32_t day, char out[11]);

/* wf_days_from_civil: days since 1970-01-01 of a proleptic Gregorian date. */
int32_t wf_days_from_civil(int64_t y, unsigned m, unsigned d);

/* wf_floor_div: a / b rounded towards minus infinity (b != 0), as day
 * and second counts before 1970 need. */
static inline int64_t wf_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* wf_civil_from_days: the proleptic Gregorian date of a day count from
 * 1970-01-01 (any |z| < 2^47). */
void wf_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
