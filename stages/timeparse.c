#include "wirefold/timeparse.h"

#include <math.h>
#include <stdbool.h>

#include "wirefold/day.h"
#include "wirefold/error.h"

/* Completions of `time "…" ` for reject reasons (see wf_time_why). */
static const char SYNTAX[] =
	"is not RFC 3339, \"YYYY-MM-DD HH:MM:SS\" or epoch seconds/milliseconds";
static const char BAD_MONTH[] = "has a month out of range (01-12)";
static const char BAD_DAY[] = "has a day out of range for its month";
static const char BAD_HOUR[] = "has an hour out of range (00-23)";
static const char BAD_MINUTE[] = "has a minute out of range (00-59)";
static const char BAD_SECOND[] = "has a second out of range (00-60)";
static const char BAD_ZONE[] = "has a zone offset out of range (up to +/-23:59)";
static const char BAD_RANGE[] = "is out of range (years 0000-9999)";

enum {
	DAYS_0000_TO_1970 = 719528, /* days from 0000-01-01 to 1970-01-01 */
};

/* An epoch number at or above this magnitude is milliseconds. */
static const int64_t EPOCH_MS_THRESHOLD = 100000000000LL; /* 1e11 */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The value of n decimal digits at s, or -1 when one is not a digit. */
static int digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const unsigned char len[12] = {31, 28, 31, 30, 31, 30,
	                                      31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Days from 0000-01-01 to the first day of year y (0 <= y, proleptic
 * Gregorian): 365 a year plus one for each leap year in [0, y). */
static int64_t days_before_year(int64_t y)
{
	return 365 * y + (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
}

static int days_before_month(int64_t y, int m)
{
	static const short before[12] = {0,   31,  59,  90,  120, 151,
	                                 181, 212, 243, 273, 304, 334};
	return before[m - 1] + (m > 2 && is_leap(y));
}

/* Days from 1970-01-01 to y-m-d, for 0 <= y <= 9999 and a valid m, d. */
static int64_t days_from_civil(int y, int m, int d)
{
	return days_before_year(y) + days_before_month(y, m) + (d - 1) -
	       DAYS_0000_TO_1970;
}

/* [-]digits[.digits] as epoch seconds or milliseconds (see the header). */
static const char *parse_epoch(const char *s, size_t len, int64_t *ms_out)
{
	size_t p = 0;
	bool neg = false;
	if (p < len && s[p] == '-') {
		neg = true;
		p++;
	}
	int64_t whole = 0;
	bool huge = false;
	size_t start = p;
	for (; p < len && is_digit(s[p]); p++) {
		if (whole > WF_TIME_MAX_MS)
			huge = true; /* keep scanning: syntax errors come first */
		else
			whole = whole * 10 + (s[p] - '0');
	}
	if (p == start)
		return SYNTAX;
	int frac_ms = 0;       /* first three fraction digits */
	bool frac_rest = false; /* a non-zero digit past those counted */
	if (p < len && s[p] == '.') {
		size_t fstart = ++p;
		for (; p < len && is_digit(s[p]); p++) {
			size_t i = p - fstart;
			if (i < 3)
				frac_ms = frac_ms * 10 + (s[p] - '0');
			else if (s[p] != '0')
				frac_rest = true;
		}
		if (p == fstart)
			return SYNTAX;
		for (size_t i = p - fstart; i < 3; i++)
			frac_ms *= 10;
	}
	if (p != len)
		return SYNTAX;
	if (huge)
		return BAD_RANGE;

	int64_t ms;
	if (whole >= EPOCH_MS_THRESHOLD) {
		ms = whole;
		frac_rest = frac_rest || frac_ms != 0;
	} else {
		ms = whole * 1000 + frac_ms;
	}
	/* Truncate toward the past, so -1.5 s is -1500 ms and -0.0005 s is
	 * -1 ms, as it would be for a date's fraction of a second. */
	if (neg)
		ms = -ms - (frac_rest ? 1 : 0);
	if (ms < WF_TIME_MIN_MS || ms > WF_TIME_MAX_MS)
		return BAD_RANGE;
	*ms_out = ms;
	return NULL;
}

/* The zone at s[0..len): "", Z, ±HH:MM, ±HHMM or ±HH, as minutes east of
 * UTC in *off.  SYNTAX or BAD_ZONE on failure. */
static const char *parse_zone(const char *s, size_t len, int *off)
{
	*off = 0;
	if (len == 0)
		return NULL;
	if (len == 1 && (s[0] == 'Z' || s[0] == 'z'))
		return NULL;
	if (s[0] != '+' && s[0] != '-')
		return SYNTAX;
	int hh, mm = 0;
	if (len == 3) {
		hh = digits(s + 1, 2);
	} else if (len == 5) {
		hh = digits(s + 1, 2);
		mm = digits(s + 3, 2);
	} else if (len == 6 && s[3] == ':') {
		hh = digits(s + 1, 2);
		mm = digits(s + 4, 2);
	} else {
		return SYNTAX;
	}
	if (hh < 0 || mm < 0)
		return SYNTAX;
	if (hh > 23 || mm > 59)
		return BAD_ZONE;
	*off = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
	return NULL;
}

/* YYYY-MM-DD[?HH:MM[:SS[.f…]][zone]] (see the header). */
static const char *parse_date(const char *s, size_t len, int64_t *ms_out)
{
	if (len < 10 || s[4] != '-' || s[7] != '-')
		return SYNTAX;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	if (y < 0 || mo < 0 || d < 0)
		return SYNTAX;
	int h = 0, mi = 0, sec = 0, frac_ms = 0, off = 0;
	size_t p = 10;
	if (p < len) {
		if (s[p] != 'T' && s[p] != 't' && s[p] != ' ')
			return SYNTAX;
		p++;
		if (len - p < 5 || s[p + 2] != ':')
			return SYNTAX;
		h = digits(s + p, 2);
		mi = digits(s + p + 3, 2);
		if (h < 0 || mi < 0)
			return SYNTAX;
		p += 5;
		if (p < len && s[p] == ':') {
			if (len - p < 3 || (sec = digits(s + p + 1, 2)) < 0)
				return SYNTAX;
			p += 3;
			if (p < len && (s[p] == '.' || s[p] == ',')) {
				size_t fstart = ++p;
				for (; p < len && is_digit(s[p]); p++)
					if (p - fstart < 3)
						frac_ms = frac_ms * 10 + (s[p] - '0');
				if (p == fstart)
					return SYNTAX;
				for (size_t i = p - fstart; i < 3; i++)
					frac_ms *= 10;
			}
		}
		const char *why = parse_zone(s + p, len - p, &off);
		if (why)
			return why;
	}
	if (mo < 1 || mo > 12)
		return BAD_MONTH;
	if (d < 1 || d > days_in_month(y, mo))
		return BAD_DAY;
	if (h > 23)
		return BAD_HOUR;
	if (mi > 59)
		return BAD_MINUTE;
	if (sec > 60)
		return BAD_SECOND;
	int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	               (int64_t)off * 60;
	int64_t ms = secs * 1000 + frac_ms;
	if (ms < WF_TIME_MIN_MS || ms > WF_TIME_MAX_MS)
		return BAD_RANGE;
	*ms_out = ms;
	return NULL;
}

static const char *parse(const char *s, size_t len, int64_t *ms_out)
{
	if (len == 0)
		return SYNTAX;
	/* A date has '-' at index 4; an epoch number never does. */
	if (len >= 5 && s[4] == '-')
		return parse_date(s, len, ms_out);
	return parse_epoch(s, len, ms_out);
}

int wf_time_parse(const char *s, size_t len, int64_t *ms_out)
{
	if ((!s && len) || !ms_out)
		return WF_EINVAL;
	int64_t ms;
	if (parse(s, len, &ms))
		return WF_EBADTIME;
	*ms_out = ms;
	return 0;
}

const char *wf_time_why(const char *s, size_t len)
{
	if (!s && len)
		return SYNTAX;
	int64_t ms;
	return parse(s, len, &ms);
}

int wf_time_from_epoch(double v, int64_t *ms_out)
{
	if (!ms_out)
		return WF_EINVAL;
	if (!isfinite(v))
		return WF_EBADTIME;
	/* Binary doubles hold most decimal fractions only approximately
	 * (1700000000.123 is 1700000000.12299990…), so allow a microsecond
	 * before truncating to the millisecond. */
	double ms = fabs(v) >= (double)EPOCH_MS_THRESHOLD ? v : v * 1000.0;
	ms = floor(ms + 1e-3);
	if (ms < (double)WF_TIME_MIN_MS || ms > (double)WF_TIME_MAX_MS)
		return WF_EBADTIME;
	*ms_out = (int64_t)ms;
	return 0;
}

/* Write v's decimal digits, at least width of them, at out; returns the
 * count written.  v >= 0. */
static int put_digits(char *out, int64_t v, int width)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n < width)
		tmp[n++] = '0';
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

int wf_time_format(int64_t ms, char out[WF_TIME_FORMAT_MAX])
{
	if (!out)
		return WF_EINVAL;
	/* ms % 1000 first: ms - secs * 1000 would overflow near INT64_MIN. */
	int frac = (int)(ms % 1000);
	int64_t secs = ms / 1000;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	int64_t days = wf_floor_div(secs, 86400);
	int sod = (int)(secs - days * 86400);
	int64_t y;
	unsigned m, d;
	wf_civil_from_days(days, &y, &m, &d);

	int n = 0;
	if (y < 0) {
		out[n++] = '-';
		y = -y;
	} else if (y > 9999) {
		out[n++] = '+';
	}
	n += put_digits(out + n, y, 4);
	out[n++] = '-';
	n += put_digits(out + n, m, 2);
	out[n++] = '-';
	n += put_digits(out + n, d, 2);
	out[n++] = 'T';
	n += put_digits(out + n, sod / 3600, 2);
	out[n++] = ':';
	n += put_digits(out + n, sod / 60 % 60, 2);
	out[n++] = ':';
	n += put_digits(out + n, sod % 60, 2);
	if (frac) {
		out[n++] = '.';
		n += put_digits(out + n, frac, 3);
	}
	out[n++] = 'Z';
	out[n] = '\0';
	return n;
}
