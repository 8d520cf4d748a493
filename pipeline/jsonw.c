/* jsonw.c — JSON strings and the assignment line, written directly. */
#include "wirefold/jsonw.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wirefold/article.h"
#include "wirefold/scan16.h"

/* The short escapes; 0 where a byte below 0x20 is written as \u00XX. */
static char short_escape(unsigned char c)
{
	switch (c) {
	case '"': return '"';
	case '\\': return '\\';
	case '\b': return 'b';
	case '\f': return 'f';
	case '\n': return 'n';
	case '\r': return 'r';
	case '\t': return 't';
	default: return 0;
	}
}

/* Whether any of the 8 bytes at p is below 0x20, '"' or '\\' (exact:
 * the classic SWAR tests for a zero byte and a byte below n <= 128). */
static bool needs_escape8(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t x;
	memcpy(&x, p, 8);
	const uint64_t quote = x ^ (ones * '"'), bslash = x ^ (ones * '\\');
	const uint64_t below = (x - ones * 0x20) & ~x;
	const uint64_t zq = (quote - ones) & ~quote, zb = (bslash - ones) & ~bslash;
	return ((below | zq | zb) & highs) != 0;
}

/* The first offset from i on whose byte needs escaping, or one from which
 * fewer than eight bytes are left (the caller goes on byte by byte). */
static size_t skip_plain(const unsigned char *p, size_t i, size_t n)
{
#ifdef WF_SCAN16
	while (i + 16 <= n) {
		wf_bytes16 v;
		memcpy(&v, p + i, 16);
		const wf_sbytes16 hit = (wf_sbytes16)((v < 0x20) | (v == '"') | (v == '\\'));
		const unsigned k = wf_scan16_first(&hit);
		i += k;
		if (k < 16)
			return i;
	}
#endif
	while (i + 8 <= n && !needs_escape8(p + i))
		i += 8;
	return i;
}

size_t wf_json_string(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char *o = out;
	*o++ = '"';
	size_t from = 0; /* p[from..i) is copied as it is */
	for (size_t i = 0; i < n; i++) {
		/* sixteen or eight bytes at a time while none needs escaping:
		 * bodies are most of a bundle's bytes, and few of theirs do
		 * (a newline every paragraph) */
		i = skip_plain(p, i, n);
		if (i == n)
			break;
		const unsigned char c = p[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		memcpy(o, p + from, i - from);
		o += i - from;
		from = i + 1;
		*o++ = '\\';
		char e = short_escape(c);
		if (e) {
			*o++ = e;
		} else {
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
	}
	memcpy(o, p + from, n - from);
	o += n - from;
	*o++ = '"';
	return (size_t)(o - out);
}

size_t wf_json_real(char *out, double v, int precision)
{
	char t[WF_JSON_REAL_MAX];
	int n = snprintf(t, sizeof t, "%.*g", precision, v);
	if (n < 0 || (size_t)n >= sizeof t - 2)
		n = 0;
	t[n] = 0;
	char *e = strchr(t, 'e');
	if (!e && !strchr(t, '.')) {
		memcpy(t + n, ".0", 3);
		n += 2;
	}
	size_t len = (size_t)n;
	if (e) {
		/* "e+05" → "e5", "e-05" → "e-5" */
		char *from = e + 1, *to = e + 1;
		if (*from == '-')
			*to++ = *from++;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1])
			from++;
		memmove(to, from, strlen(from) + 1);
		len = strlen(t);
	}
	memcpy(out, t, len);
	return len;
}

size_t wf_json_int(char *out, long long v)
{
	char t[WF_JSON_INT_MAX], *const end = t + sizeof t, *o = end;
	/* in unsigned arithmetic: -LLONG_MIN does not fit a long long */
	unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;
	do
		*--o = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--o = '-';
	memcpy(out, o, (size_t)(end - o));
	return (size_t)(end - o);
}

static char *two_digits(char *o, unsigned v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
	return o + 2;
}

size_t wf_json_time(char *out, struct wf_json_time_memo *memo, int64_t ms)
{
	const int64_t ms_a_day = 86400000;
	/* years 0000-9999: the form with a four-digit year, and no overflow
	 * in the day's arithmetic below */
	if (ms < WF_TIME_MIN_MS || ms > WF_TIME_MAX_MS) {
		out[0] = '"';
		const int n = wf_time_format(ms, out + 1);
		out[n + 1] = '"';
		return (size_t)n + 2;
	}
	int64_t day = ms / ms_a_day, in_day = ms % ms_a_day;
	if (in_day < 0) {
		in_day += ms_a_day;
		day--;
	}
	if (!memo->set || memo->day != day) {
		char t[WF_TIME_FORMAT_MAX];
		wf_time_format(day * ms_a_day, t);
		memcpy(memo->date, t, sizeof memo->date);
		memo->day = day;
		memo->set = true;
	}
	char *o = out;
	*o++ = '"';
	memcpy(o, memo->date, sizeof memo->date);
	o += sizeof memo->date;
	const unsigned secs = (unsigned)(in_day / 1000), frac = (unsigned)(in_day % 1000);
	o = two_digits(o, secs / 3600);
	*o++ = ':';
	o = two_digits(o, secs / 60 % 60);
	*o++ = ':';
	o = two_digits(o, secs % 60);
	if (frac) {
		*o++ = '.';
		*o++ = (char)('0' + frac / 100);
		o = two_digits(o, frac % 100);
	}
	memcpy(o, "Z\"", 2);
	return (size_t)(o + 2 - out);
}

static const char *kind_name(enum wf_kind k)
{
	return k == WF_KIND_DUP ? "dup" : k == WF_KIND_UPDATE ? "update" : "new";
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

size_t wf_json_assignment_max(const struct wf_article *a)
{
	enum { FIXED = 96 }; /* keys, punctuation, story id or line number */
	if (a->rejected)
		return FIXED + wf_json_string_max(strlen(or_empty(a->reason)));
	return FIXED + wf_json_string_max(strlen(or_empty(a->id))) +
	       wf_json_string_max(strlen(or_empty(a->canonical)));
}

static char *put(char *o, const char *lit)
{
	size_t n = strlen(lit);
	memcpy(o, lit, n);
	return o + n;
}

static char *put_string(char *o, const char *s)
{
	s = or_empty(s);
	return o + wf_json_string(o, s, strlen(s));
}

size_t wf_json_assignment(char *out, const struct wf_article *a)
{
	char *o = out;
	if (a->rejected) {
		char num[24];
		int nl = snprintf(num, sizeof num, "%" PRIu64, a->line_no);
		o = put(o, "{\"line\":");
		memcpy(o, num, (size_t)nl);
		o += nl;
		o = put(o, ",\"id\":null,\"rejected\":");
		o = put_string(o, a->reason);
	} else {
		static const char hex[] = "0123456789abcdef";
		o = put(o, "{\"id\":");
		o = put_string(o, a->id);
		o = put(o, ",\"story\":\"s-");
		for (int shift = 60; shift >= 0; shift -= 4)
			*o++ = hex[(a->story >> shift) & 15];
		o = put(o, "\",\"canonical\":");
		o = put_string(o, a->canonical);
		o = put(o, ",\"kind\":\"");
		o = put(o, kind_name(a->kind));
		*o++ = '"';
	}
	o = put(o, "}\n");
	return (size_t)(o - out);
}
