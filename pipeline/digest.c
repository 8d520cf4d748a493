/* digest.c — render a bundle as a static HTML page (see digest.h).
 *
 * The page is written while the bundle is read, one story line at a time, so
 * a day of any size needs the memory of its largest story only.  Every string
 * that comes from the bundle goes through wf_digest_escape(); everything else
 * written here is a constant or a number. */
#include "wirefold/digest.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wf_version.h"
#include "wirefold/bundle.h"
#include "wirefold/day.h"
#include "wirefold/error.h"
#include "wirefold/fsutil.h"
#include "wirefold/timeparse.h"

/* A story shows its first ITEMS_SHOWN items; when it has more than
 * ITEMS_FOLD, the rest wait one click away. */
enum { LEAD_MAX = 300, HOURS = 24, ITEMS_SHOWN = 5, ITEMS_FOLD = 7 };

/* The page's only style sheet and script.  The Content-Security-Policy below
 * allows exactly these bytes by their SHA-256, so nothing else — least of all
 * markup smuggled in through a feed — can run or load; tests/browser.sh
 * checks that the hashes match.  Change both together. */
static const char page_css[] =
	":root{color-scheme:light dark;--fg:#1c1c1e;--mute:#5e6368;--line:#dcdfe3;"
	"--bg:#fff;--bar:#2f6db5;--badge:#eef1f5;--accent:#b3261e}\n"
	"@media (prefers-color-scheme:dark){:root{--fg:#e9e9ea;--mute:#a3a8ad;"
	"--line:#3a3d41;--bg:#151618;--bar:#79a8e0;--badge:#2a2e34;--accent:#f2b8b5}}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:16px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif}\n"
	"header,main,footer{max-width:50rem;margin:0 auto;padding:0 1rem}\n"
	"header{padding-top:1rem;border-bottom:2px solid var(--fg)}\n"
	"h1{font-size:1.45rem;margin:0;line-height:1.2}\n"
	".counts{color:var(--mute);margin:.3rem 0 .8rem}\n"
	"#filter{margin:0 0 1rem;display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}\n"
	"#q{font:inherit;flex:1 1 12rem;max-width:26rem;padding:.35rem .6rem;"
	"border:1px solid var(--mute);border-radius:.4rem;background:var(--bg);color:var(--fg)}\n"
	"#shown{color:var(--mute);font-size:.9rem}\n"
	".story{border-bottom:1px solid var(--line);padding:1rem 0}\n"
	".story h2{font-size:1.2rem;line-height:1.3;margin:0 0 .3rem;overflow-wrap:anywhere}\n"
	".rank{color:var(--accent);text-decoration:none;margin-right:.35rem}\n"
	".meta{color:var(--mute);font-size:.9rem;margin:.2rem 0;display:flex;flex-wrap:wrap;"
	"gap:.25rem .7rem;align-items:center}\n"
	".src{display:inline-block;background:var(--badge);color:var(--fg);border-radius:.3rem;"
	"padding:0 .4rem;font-size:.8rem;white-space:nowrap}\n"
	"svg.hist{display:block;width:100%;max-width:20rem;height:auto;margin:.4rem 0}\n"
	"svg.hist rect{fill:var(--bar)}\n"
	"svg.hist rect.z{fill:var(--line)}\n"
	"svg.hist text{fill:var(--mute);font-size:9px}\n"
	"ol.items{list-style:none;padding:0;margin:.4rem 0}\n"
	"ol.items li{margin:.6rem 0}\n"
	".t{color:var(--mute);font-size:.9rem;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	".items b{font-weight:600;overflow-wrap:anywhere}\n"
	".items p{margin:.15rem 0 0;overflow-wrap:anywhere}\n"
	".upd{color:var(--accent);font-size:.8rem}\n"
	"details{margin:.4rem 0 0;font-size:.9rem}\n"
	"summary{cursor:pointer;color:var(--mute)}\n"
	"details ul{padding-left:1.1rem;margin:.3rem 0}\n"
	"details li{margin:.2rem 0;overflow-wrap:anywhere}\n"
	"code{font-size:.85em}\n"
	"[hidden]{display:none!important}\n"
	"footer{color:var(--mute);font-size:.85rem;padding-top:1rem;padding-bottom:2rem}\n";

static const char page_js[] =
	"(function () {\n"
	"\tvar q = document.getElementById('q'), shown = document.getElementById('shown');\n"
	"\tvar stories = [].slice.call(document.querySelectorAll('article.story'));\n"
	"\tvar text = stories.map(function (s) { return s.textContent.toLowerCase(); });\n"
	"\tfunction apply() {\n"
	"\t\tvar w = q.value.trim().toLowerCase(), n = 0;\n"
	"\t\tstories.forEach(function (s, i) {\n"
	"\t\t\ts.hidden = w !== '' && text[i].indexOf(w) < 0;\n"
	"\t\t\tn += s.hidden ? 0 : 1;\n"
	"\t\t});\n"
	"\t\tshown.textContent = w ? n + ' of ' + stories.length + ' stories' : '';\n"
	"\t}\n"
	"\tvar m = /^#q=(.*)$/.exec(location.hash);\n"
	"\tif (m) { try { q.value = decodeURIComponent(m[1]); } catch (e) { q.value = m[1]; } }\n"
	"\tq.addEventListener('input', apply);\n"
	"\tdocument.getElementById('filter').hidden = false;\n"
	"\tapply();\n"
	"})();\n";

/* base64 SHA-256 of page_css and page_js, as CSP source expressions */
#define CSS_SHA256 "'sha256-eUc1vmbnIWWXncseHP1VhIUsm3eb4r7smue/F2WArgc='"
#define JS_SHA256 "'sha256-3Tg2Hc86IjRnzLQRrFL88E5e+ZqK6oBSLGaixRbvuD8='"

struct page {
	FILE *out;
	size_t top;
	const char *path;
	char *err;
	size_t errlen;
	bool header_seen;
	int32_t day;      /* the bundle's day, days since 1970-01-01 */
	size_t rank;      /* stories read so far */
	long long nstories;
};

/* ---- escaping and small writers --------------------------------------- */

static int out_error(FILE *out)
{
	return ferror(out) ? (errno == EPIPE ? WF_EPIPE : WF_EIO) : 0;
}

/* The page's status so far: 0, or WF_EIO / WF_EPIPE with the reason in err. */
static int page_status(const struct page *p)
{
	const int e = errno, rc = out_error(p->out);
	if (rc < 0)
		snprintf(p->err, p->errlen, "cannot write the page: %s",
		         e ? strerror(e) : "write error");
	return rc;
}

static const char *entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	case '\t': case '\n': return NULL;
	default: return c < 0x20 || c == 0x7f ? " " : NULL;
	}
}

int wf_digest_escape(FILE *out, const char *s, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		const char *e = entity((unsigned char)s[i]);
		if (!e)
			continue;
		fwrite(s + run, 1, i - run, out);
		fputs(e, out);
		run = i + 1;
	}
	fwrite(s + run, 1, len - run, out);
	return out_error(out);
}

static void esc(FILE *out, const char *s)
{
	if (s)
		wf_digest_escape(out, s, strlen(s));
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *plural(long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* ---- lead sentences ------------------------------------------------------ */

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Words that end in a period without ending a sentence. */
static bool abbreviation(const char *w, size_t n)
{
	static const char *const abbr[] = {
		"Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Mt", "Ft", "Jr", "Sr", "No",
		"Inc", "Co", "Corp", "Ltd", "Bros", "Gov", "Sen", "Rep", "Gen", "Col",
		"Lt", "Sgt", "Capt", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug",
		"Sep", "Sept", "Oct", "Nov", "Dec", "vs", "approx", "est",
	};
	for (size_t i = 0; i < sizeof abbr / sizeof abbr[0]; i++)
		if (strlen(abbr[i]) == n && memcmp(abbr[i], w, n) == 0)
			return true;
	return false;
}

/* Does s[0..n) end a sentence, given that `next` starts the next word? */
static bool sentence_end(const char *s, size_t n, unsigned char next)
{
	size_t e = n;
	while (e > 0 && (s[e - 1] == '"' || s[e - 1] == '\'' || s[e - 1] == ')'))
		e--;
	if (e == 0 || !(s[e - 1] == '.' || s[e - 1] == '!' || s[e - 1] == '?'))
		return false;
	if (next >= 'a' && next <= 'z')
		return false;
	if (s[e - 1] != '.')
		return true;
	size_t w = e - 1; /* the word before the period: s[w..e-1) */
	while (w > 0 && s[w - 1] != ' ' && s[w - 1] != '(')
		w--;
	const size_t wl = e - 1 - w;
	if (wl == 1 && s[w] >= 'A' && s[w] <= 'Z')
		return false; /* an initial: "J. Smith" */
	if (memchr(s + w, '.', wl))
		return false; /* "U.S." */
	return !abbreviation(s + w, wl);
}

/* Shorten out[0..n) to fit max bytes with a trailing ellipsis. */
static size_t cut_words(char *out, size_t n, size_t max)
{
	static const char ellipsis[] = "\xe2\x80\xa6"; /* U+2026 */
	const size_t room = max - (sizeof ellipsis - 1);
	if (n > room)
		n = room;
	while (n > 0 && ((unsigned char)out[n] & 0xc0) == 0x80)
		n--; /* never split a UTF-8 sequence */
	size_t sp = n;
	while (sp > 0 && out[sp] != ' ')
		sp--;
	if (sp > max / 2)
		n = sp;
	while (n > 0 && strchr(" ,;:-", out[n - 1]))
		n--;
	memcpy(out + n, ellipsis, sizeof ellipsis);
	return n + sizeof ellipsis - 1;
}

size_t wf_digest_lead(const char *body, char *out, size_t max)
{
	assert(out && max >= 8);
	size_t n = 0;
	bool space = false, cut = false;
	unsigned newlines = 0, indent = 0;
	for (const char *p = body ? body : ""; *p; p++) {
		const unsigned char c = (unsigned char)*p;
		if (is_space(c)) {
			if (c == '\n')
				newlines++, indent = 0;
			else if (newlines)
				indent++;
			space = true;
			continue;
		}
		if (space && n > 0) {
			/* a blank line or an indented line starts a paragraph */
			if (newlines >= 2 || (newlines && indent >= 2) || sentence_end(out, n, c))
				break;
			if (n == max) {
				cut = true;
				break;
			}
			out[n++] = ' ';
		}
		space = false;
		newlines = indent = 0;
		if (n == max) {
			cut = true;
			break;
		}
		out[n++] = (char)c;
	}
	if (cut)
		return cut_words(out, n, max);
	out[n] = '\0';
	return n;
}

/* ---- times --------------------------------------------------------------- */

static bool local_time(const char *iso, struct tm *tm, int32_t *day)
{
	int64_t ms;
	if (wf_time_parse(iso, strlen(iso), &ms) < 0)
		return false;
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
	if (!localtime_r(&t, tm))
		return false;
	*day = wf_day_of(ms);
	return true;
}

/* "14:05", or "03-04 23:58" for a time on another day than the page's. */
static void put_time(const struct page *p, const char *iso)
{
	struct tm tm;
	int32_t day;
	if (!local_time(iso, &tm, &day)) {
		esc(p->out, iso);
		return;
	}
	if (day != p->day)
		fprintf(p->out, "%02d-%02d ", tm.tm_mon + 1, tm.tm_mday);
	fprintf(p->out, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

static void count_hour(const struct page *p, unsigned hours[HOURS], json_t *o)
{
	struct tm tm;
	int32_t day;
	if (local_time(str(o, "time"), &tm, &day) && day == p->day && tm.tm_hour >= 0 &&
	    tm.tm_hour < HOURS)
		hours[tm.tm_hour]++;
}

/* ---- the page ------------------------------------------------------------ */

static const char *const weekdays[] = {
	"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday",
};

static int page_head(struct page *p, json_t *hdr)
{
	FILE *out = p->out;
	const char *day = str(hdr, "day"), *tz = str(hdr, "tz");
	unsigned y, m, d;
	if (sscanf(day, "%4u-%2u-%2u", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
		return WF_EFORMAT;
	p->day = wf_days_from_civil(y, m, d);
	bool tz_known = wf_tz_set(tz) == 0;
	if (!tz_known)
		wf_tz_set("UTC");
	json_t *counts = json_object_get(hdr, "counts");
	p->nstories = num(counts, "stories");
	const long long articles = num(counts, "articles"), dups = num(counts, "duplicates");

	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src " CSS_SHA256 "; script-src " JS_SHA256 "; "
	      "base-uri 'none'; form-action 'none'\">\n"
	      "<meta name=\"generator\" content=\"wirefold " WF_VERSION "\">\n<title>",
	      out);
	fputs("Wire digest \xe2\x80\x94 ", out);
	esc(out, day);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", page_css);
	fputs("Wire digest \xc2\xb7 ", out);
	esc(out, day);
	fputs("</h1>\n<p class=\"counts\">", out);
	int32_t wd = ((p->day % 7) + 7) % 7;
	fprintf(out, "%s \xc2\xb7 times in ", weekdays[wd]);
	esc(out, tz_known ? tz : "UTC");
	if (!tz_known) {
		fputs(" (the bundle's zone ", out);
		esc(out, tz);
		fputs(" is unknown here)", out);
	}
	fprintf(out, " \xc2\xb7 %lld %s \xc2\xb7 %lld %s \xc2\xb7 %lld %s collapsed",
	        p->nstories, plural(p->nstories, "story", "stories"), articles,
	        plural(articles, "article", "articles"), dups,
	        plural(dups, "duplicate or update", "duplicates and updates"));
	if (p->top && (long long)p->top < p->nstories)
		fprintf(out, " \xc2\xb7 showing the top %zu", p->top);
	fputs("</p>\n<p id=\"filter\" hidden><label for=\"q\">Filter stories:</label> "
	      "<input type=\"search\" id=\"q\" placeholder=\"a word, e.g. oil\" "
	      "autocomplete=\"off\" spellcheck=\"false\"> <span id=\"shown\" "
	      "aria-live=\"polite\"></span></p>\n</header>\n<main>\n",
	      out);
	if (p->nstories == 0)
		fputs("<p>No stories on this day.</p>\n", out);
	return page_status(p);
}

/* 24 bars, one per local hour: the story's articles (items and duplicates). */
static void put_histogram(const struct page *p, const unsigned hours[HOURS])
{
	FILE *out = p->out;
	unsigned max = 0, peak = 0, total = 0;
	for (unsigned h = 0; h < HOURS; h++) {
		total += hours[h];
		if (hours[h] > max)
			max = hours[h], peak = h;
	}
	fprintf(out, "<svg class=\"hist\" viewBox=\"0 0 240 34\" role=\"img\" "
	        "aria-label=\"%u %s by hour; the most, %u, at %02u:00\">"
	        "<title>Articles per hour</title>\n",
	        total, plural(total, "article", "articles"), max, peak);
	for (unsigned h = 0; h < HOURS; h++) {
		const unsigned n = hours[h];
		/* a bar of 2..22 units for 1..max articles; a 1-unit grey tick for none */
		const unsigned height = n ? 2 + (20 * n + max / 2) / max : 1;
		fprintf(out, "<rect%s x=\"%u\" y=\"%u\" width=\"8\" height=\"%u\" "
		        "data-n=\"%u\"><title>%02u:00\xe2\x80\x93%02u:00: %u %s</title></rect>\n",
		        n ? "" : " class=\"z\"", h * 10 + 1, 22 - height, height, n, h, h + 1,
		        n, plural(n, "article", "articles"));
	}
	fputs("<text x=\"0\" y=\"33\">0h</text><text x=\"60\" y=\"33\">6h</text>"
	      "<text x=\"120\" y=\"33\">12h</text><text x=\"180\" y=\"33\">18h</text>"
	      "<text x=\"240\" y=\"33\" text-anchor=\"end\">24h</text></svg>\n",
	      out);
}

static void put_item(const struct page *p, json_t *it)
{
	FILE *out = p->out;
	char lead[LEAD_MAX + 1];
	fputs("<li><span class=\"t\">", out);
	put_time(p, str(it, "time"));
	fputs("</span> <span class=\"src\">", out);
	esc(out, str(it, "source"));
	fputs("</span> <b>", out);
	esc(out, str(it, "title"));
	fputs("</b>", out);
	if (json_object_get(it, "version_id"))
		fputs(" <span class=\"upd\">updated</span>", out);
	if (json_object_get(it, "update_of")) {
		fputs(" <span class=\"upd\">update of <code>", out);
		esc(out, str(it, "update_of"));
		fputs("</code></span>", out);
	}
	if (wf_digest_lead(str(it, "body"), lead, LEAD_MAX) > 0) {
		fputs("<p>", out);
		esc(out, lead);
		fputs("</p>", out);
	}
	fputs("</li>\n", out);
}

/* One collapsed article: kind, source, time, id, similarity, and what of. */
static void put_dup(const struct page *p, json_t *d, const char *of_title)
{
	FILE *out = p->out;
	fputs("<li>", out);
	esc(out, str(d, "kind"));
	fputs(" \xc2\xb7 <span class=\"src\">", out);
	esc(out, str(d, "source"));
	fputs("</span> \xc2\xb7 <span class=\"t\">", out);
	put_time(p, str(d, "time"));
	fputs("</span> \xc2\xb7 <code>", out);
	esc(out, str(d, "id"));
	fprintf(out, "</code> \xc2\xb7 similarity %.2f",
	        json_number_value(json_object_get(d, "similarity")));
	if (of_title) {
		fputs(" \xc2\xb7 of \xe2\x80\x9c", out);
		esc(out, of_title);
		fputs("\xe2\x80\x9d", out);
	} else {
		fputs(" \xc2\xb7 of <code>", out);
		esc(out, str(d, "of"));
		fputs("</code> (another day)", out);
	}
	fputs("</li>\n", out);
}

static int put_story(struct page *p, json_t *s)
{
	FILE *out = p->out;
	json_t *items = json_object_get(s, "items"), *refs = json_object_get(s, "duplicates");
	json_t *sources = json_object_get(s, "sources"), *v, *d;
	size_t i, j;
	unsigned hours[HOURS] = {0};
	long long ndups = (long long)json_array_size(refs);
	json_array_foreach(items, i, v) {
		count_hour(p, hours, v);
		json_array_foreach(json_object_get(v, "duplicates"), j, d) {
			count_hour(p, hours, d);
			ndups++;
		}
	}
	json_array_foreach(refs, i, d)
		count_hour(p, hours, d);
	const long long nitems = (long long)json_array_size(items);

	fputs("<article class=\"story\" id=\"", out);
	esc(out, str(s, "story"));
	fputs("\">\n<h2><a class=\"rank\" href=\"#", out);
	esc(out, str(s, "story"));
	fprintf(out, "\">%zu</a>", p->rank);
	esc(out, str(s, "headline"));
	fputs("</h2>\n<p class=\"meta\"><span class=\"t\">", out);
	put_time(p, str(s, "first_seen"));
	if (strcmp(str(s, "first_seen"), str(s, "last_seen")) != 0) {
		fputs("\xe2\x80\x93", out);
		put_time(p, str(s, "last_seen"));
	}
	fprintf(out, "</span><span>%lld %s</span>", nitems, plural(nitems, "item", "items"));
	if (ndups)
		fprintf(out, "<span>%lld %s</span>", ndups,
		        plural(ndups, "duplicate / update", "duplicates / updates"));
	const size_t nsrc = json_array_size(sources);
	fprintf(out, "<span>%zu %s:", nsrc, nsrc == 1 ? "source" : "sources");
	json_array_foreach(sources, i, v) {
		fputs(" <span class=\"src\">", out);
		esc(out, json_string_value(v));
		fputs("</span>", out);
	}
	fputs("</span></p>\n", out);
	put_histogram(p, hours);
	const size_t shown = (size_t)nitems > ITEMS_FOLD ? ITEMS_SHOWN : (size_t)nitems;
	fputs("<ol class=\"items\">\n", out);
	json_array_foreach(items, i, v) {
		if (i == shown)
			fprintf(out, "</ol>\n<details class=\"more\"><summary>%lld more %s</summary>\n"
			        "<ol class=\"items\">\n",
			        nitems - (long long)shown, plural(nitems - (long long)shown, "report", "reports"));
		put_item(p, v);
	}
	fputs(shown < (size_t)nitems ? "</ol>\n</details>\n" : "</ol>\n", out);
	if (ndups) {
		fprintf(out, "<details><summary>%lld %s</summary>\n<ul>\n", ndups,
		        plural(ndups, "duplicate / update", "duplicates / updates"));
		json_array_foreach(items, i, v)
			json_array_foreach(json_object_get(v, "duplicates"), j, d)
				put_dup(p, d, str(v, "title"));
		json_array_foreach(refs, i, d)
			put_dup(p, d, NULL);
		fputs("</ul>\n</details>\n", out);
	}
	fputs("</article>\n", out);
	return page_status(p);
}

static int page_tail(struct page *p)
{
	FILE *out = p->out;
	const char *base = strrchr(p->path, '/');
	base = base ? base + 1 : p->path;
	fputs("</main>\n<footer>Made by wirefold " WF_VERSION " from <code>", out);
	esc(out, base);
	fputs("</code>. Stories are ranked by how many sources carried them, then by "
	      "their number of articles. Type in the filter box to narrow the page to the "
	      "stories that mention a word.</footer>\n",
	      out);
	fprintf(out, "<script>%s</script>\n</body>\n</html>\n", page_js);
	fflush(out);
	return page_status(p);
}

static int is_header(json_t *o)
{
	const char *f = json_string_value(json_object_get(o, "format"));
	json_t *v = json_object_get(o, "version");
	return f && strcmp(f, WF_BUNDLE_FORMAT) == 0 && json_is_integer(v) &&
	       json_integer_value(v) >= 1 && json_integer_value(v) <= WF_BUNDLE_VERSION;
}

static int on_line(void *ctx, const char *line, size_t len)
{
	struct page *p = ctx;
	json_error_t jerr;
	json_t *o = json_loadb(line, len, 0, &jerr);
	int rc = 0;
	if (!json_is_object(o)) {
		rc = WF_EFORMAT;
	} else if (!p->header_seen) {
		p->header_seen = true;
		rc = is_header(o) ? page_head(p, o) : WF_EFORMAT;
	} else if (!json_is_string(json_object_get(o, "story"))) {
		rc = WF_EFORMAT;
	} else {
		p->rank++;
		if (!p->top || p->rank <= p->top)
			rc = put_story(p, o);
	}
	json_decref(o);
	return rc;
}

int wf_digest_write(const char *path, FILE *out,
                    const struct wf_digest_opts *opts, char *err,
                    size_t errlen)
{
	struct page p = {
		.out = out, .top = opts ? opts->top : 0, .path = path,
		.err = err, .errlen = errlen,
	};
	int rc = wf_bundle_lines(path, on_line, &p, err, errlen);
	if (rc < 0)
		return rc;
	if (!p.header_seen) {
		snprintf(err, errlen, "%s: empty, not a wirefold bundle", path);
		return WF_EFORMAT;
	}
	return page_tail(&p);
}

int wf_digest_file(const char *path, const char *out_path,
                   const struct wf_digest_opts *opts, char *err,
                   size_t errlen)
{
	if (!out_path || strcmp(out_path, "-") == 0)
		return wf_digest_write(path, stdout, opts, err, errlen);
	const char *slash = strrchr(out_path, '/');
	const char *name = slash ? slash + 1 : out_path;
	if (!*name) {
		snprintf(err, errlen, "%s: a file name is needed, not a directory", out_path);
		return WF_EIO;
	}
	char *dir = slash ? strndup(out_path, (size_t)(slash - out_path)) : strdup(".");
	if (!dir)
		return WF_ENOMEM;
	if (!*dir) { /* "/page.html" */
		free(dir);
		dir = strdup("/");
		if (!dir)
			return WF_ENOMEM;
	}
	/* The page is built in memory and then written whole, so a failure
	 * half-way leaves the old file as it was. */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc = WF_ENOMEM;
	if (!mem)
		goto err_free_dir;
	rc = wf_digest_write(path, mem, opts, err, errlen);
	if (fclose(mem) != 0 && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = WF_ENOMEM;
	}
	if (rc == 0)
		rc = wf_write_atomic(dir, name, buf, len, err, errlen);
	free(buf);
err_free_dir:
	free(dir);
	return rc;
}
