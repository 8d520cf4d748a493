#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <criterion/parameterized.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/arena.h"
#include "wirefold/error.h"
#include "wirefold/html.h"

#include "testutil.h"

struct html_case {
	const char *name;
	const char *in;
	const char *out;
};

static const struct html_case to_text_cases[] = {
	{"empty", "", ""},
	{"plain text passes", "Plain wire copy.", "Plain wire copy."},
	{"plain text collapses", "  two   spaces\n\n and\ta tab  ",
	 "two spaces and a tab"},
	{"paragraphs", "<p>First paragraph.</p><p>Second paragraph.</p>",
	 "First paragraph.\nSecond paragraph."},
	{"named entities", "Fish &amp; chips &ndash; &eacute;t&eacute; &lt;b&gt;",
	 "Fish & chips \xe2\x80\x93 \xc3\xa9t\xc3\xa9 <b>"},
	{"numeric references", "it&#8217;s &#x1F600; &#65;&#x42;",
	 "it\xe2\x80\x99s \xf0\x9f\x98\x80 AB"},
	{"quotes", "&quot;red&quot; warning", "\"red\" warning"},
	{"nbsp is a space", "45&nbsp;cm&nbsp;&nbsp;of snow", "45 cm of snow"},
	{"raw nbsp is a space", "45\xc2\xa0" "cm", "45 cm"},
	{"script and style dropped",
	 "<style>p{color:red}</style><p>Text</p><script>var x = '<p>no</p>';</script>after",
	 "Text\nafter"},
	{"head dropped",
	 "<html><head><title>Page title</title><meta charset=\"iso-8859-1\"></head>"
	 "<body><h1>Headline</h1><p>Body</p></body></html>",
	 "Headline\nBody"},
	{"noscript and template dropped",
	 "<noscript>Enable JavaScript</noscript><template><p>t</p></template>kept",
	 "kept"},
	{"comments dropped", "a<!-- hidden -->b", "ab"},
	{"inline elements join", "a<b>b</b>c and <i>d</i> <em>e</em>", "abc and d e"},
	{"br", "line one<br>line two<br/>line three", "line one\nline two\nline three"},
	{"breaks collapse", "a<br><br><br>b<p></p><p></p>c", "a\nb\nc"},
	{"nested blocks", "<div><div><ul><li>one</li><li>two <b>bold</b></li></ul></div></div>tail",
	 "one\ntwo bold\ntail"},
	{"blank around blocks", "<div>  <p>  x  </p>  </div>  <p> y </p>", "x\ny"},
	{"newlines between blocks", "<p>one</p>\n\n<p>two</p>\n", "one\ntwo"},
	{"headings and quotes",
	 "<h2>Sub</h2>text<blockquote>quoted</blockquote>more",
	 "Sub\ntext\nquoted\nmore"},
	{"tables", "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>",
	 "a b\nc d"},
	{"unclosed tags recovered", "<p>unclosed <b>bold <i>both</p>more",
	 "unclosed bold both\nmore"},
	{"stray brackets", "5 < 6 and 7 > 3", "5 < 6 and 7 > 3"},
	{"attributes ignored", "<a href=\"http://x.example/\" title=\"t\">link</a> <img alt=\"pic\">",
	 "link"},
	{"section wrapper",
	 "<section class=\"main\"><p>Rotterdam (RNA) &ndash; Ein Streik.</p><p>Zweiter Absatz.</p></section>",
	 "Rotterdam (RNA) \xe2\x80\x93 Ein Streik.\nZweiter Absatz."},
	{"markup only", "<p></p><div><br></div>", ""},
	{"xml declaration and nitf",
	 "<?xml version=\"1.0\"?><nitf><body><hl1>Head</hl1><p>Para</p></body></nitf>",
	 "Head\nPara"},
	{"utf-8 kept", "<p>\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xe6\x9d\xb1\xe4\xba\xac</p>",
	 "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xe6\x9d\xb1\xe4\xba\xac"},
};

ParameterizedTestParameters(html, to_text)
{
	return cr_make_param_array(size_t, indices(COUNT(to_text_cases)),
	                           COUNT(to_text_cases));
}

ParameterizedTest(size_t *i, html, to_text)
{
	const struct html_case *c = &to_text_cases[*i];
	struct wf_arena a;
	wf_arena_init(&a, 0);
	const char *out = NULL;
	size_t len = 99;
	cr_assert_eq(wf_html_to_text(&a, c->in, strlen(c->in), &out, &len), 0,
	             "%s", c->name);
	cr_assert_str_eq(out, c->out, "%s", c->name);
	cr_assert_eq(len, strlen(c->out), "%s", c->name);
	wf_arena_close(&a);
}

Test(html, reads_only_its_slice)
{
	struct wf_arena a;
	wf_arena_init(&a, 0);
	const char *in = "<p>kept</p><p>not part of the slice</p>";
	const char *out;
	cr_assert_eq(wf_html_to_text(&a, in, 11, &out, NULL), 0);
	cr_assert_str_eq(out, "kept");
	cr_assert_eq(wf_html_to_text(&a, "a  b  c", 4, &out, NULL), 0);
	cr_assert_str_eq(out, "a b");
	wf_arena_close(&a);
}

Test(html, deep_nesting_keeps_text)
{
	/* past libxml2's default limit of 256 levels, and unclosed */
	const size_t depth = 20000;
	char *in = malloc(depth * 3 + 64);
	cr_assert_not_null(in);
	char *p = in;
	for (size_t i = 0; i < depth; i++, p += 3)
		memcpy(p, "<b>", 3);
	strcpy(p, "deep text");
	struct wf_arena a;
	wf_arena_init(&a, 0);
	const char *out;
	cr_assert_eq(wf_html_to_text(&a, in, strlen(in), &out, NULL), 0);
	cr_assert_str_eq(out, "deep text");
	wf_arena_close(&a);
	free(in);
}

Test(html, bad_arguments)
{
	struct wf_arena a;
	wf_arena_init(&a, 0);
	const char *out = "untouched";
	cr_assert_eq(wf_html_to_text(NULL, "x", 1, &out, NULL), WF_EINVAL);
	cr_assert_eq(wf_html_to_text(&a, NULL, 1, &out, NULL), WF_EINVAL);
	cr_assert_eq(wf_html_to_text(&a, "x", 1, NULL, NULL), WF_EINVAL);
	cr_assert_eq(wf_html_to_text(&a, "x", (size_t)INT_MAX + 1, &out, NULL),
	             WF_EINVAL);
	cr_assert_str_eq(out, "untouched");
	cr_assert_eq(wf_html_to_text(&a, NULL, 0, &out, NULL), 0);
	cr_assert_str_eq(out, "");
	wf_arena_close(&a);
}

Test(html, init_is_idempotent)
{
	wf_html_init();
	wf_html_init();
	struct wf_arena a;
	wf_arena_init(&a, 0);
	const char *out;
	cr_assert_eq(wf_html_to_text(&a, "<p>x</p>", 8, &out, NULL), 0);
	cr_assert_str_eq(out, "x");
	wf_arena_close(&a);
}

/* Many threads converting at once, as parse workers do, get the same text. */
static const char THREAD_INPUT[] =
	"<div><h1>Storm</h1><p>Winds of 25&nbsp;m/s &amp; snow.</p>"
	"<script>x()</script><ul><li>Roads shut</li><li>Schools shut</li></ul></div>";
static const char THREAD_OUTPUT[] =
	"Storm\nWinds of 25 m/s & snow.\nRoads shut\nSchools shut";

static void *convert_many(void *arg)
{
	long *failures = arg;
	for (int i = 0; i < 300; i++) {
		struct wf_arena a;
		wf_arena_init(&a, 4096);
		const char *out;
		if (wf_html_to_text(&a, THREAD_INPUT, sizeof THREAD_INPUT - 1, &out,
		                    NULL) != 0 ||
		    strcmp(out, THREAD_OUTPUT) != 0)
			(*failures)++;
		wf_arena_close(&a);
	}
	return NULL;
}

Test(html, concurrent_use)
{
	enum { N = 8 };
	pthread_t t[N];
	long failures[N] = {0};
	wf_html_init();
	for (int i = 0; i < N; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, convert_many, &failures[i]), 0);
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(failures[i], 0, "thread %d", i);
	}
}

/* The blanks rule, one byte at a time: runs of blanks (space, \t-\r,
 * U+00A0) become one space, or nothing at either end.  put_text copies in
 * runs; it must give exactly this. */
static size_t collapse_bytewise(const unsigned char *s, size_t n, char *out)
{
	size_t len = 0;
	bool space = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			space = true;
			continue;
		}
		if (c == 0xc2 && i + 1 < n && s[i + 1] == 0xa0) {
			space = true;
			i++;
			continue;
		}
		if (len > 0 && space)
			out[len++] = ' ';
		space = false;
		out[len++] = (char)c;
	}
	return len;
}

Test(html, plain_text_blanks_collapse_as_bytewise)
{
	/* no '<' or '&': the text path, no parser */
	static const char *const pieces[] = {
		"a", "word", "x", " ", "  ", "\t", "\n", "\r\n", "\v", "\f", "\xc2\xa0",
		"\xc2\xa9", "\xc2", "\xe2\x80\x94", ".", " \xc2\xa0 ",
	};
	uint64_t r = 0x9e3779b97f4a7c15ull;
	char text[400], want[400];
	for (int round = 0; round < 5000; round++) {
		size_t n = 0;
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		int count = (int)(r % 24);
		for (int k = 0; k < count; k++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			const char *p = pieces[r % (sizeof pieces / sizeof pieces[0])];
			memcpy(text + n, p, strlen(p));
			n += strlen(p);
		}
		size_t wn = collapse_bytewise((const unsigned char *)text, n, want);
		want[wn] = '\0';
		struct wf_arena a;
		wf_arena_init(&a, 0);
		const char *out = NULL;
		size_t out_len = 0;
		cr_assert_eq(wf_html_to_text(&a, text, n, &out, &out_len), 0);
		cr_assert_eq(out_len, wn, "round %d", round);
		cr_assert_str_eq(out, want, "round %d", round);
		wf_arena_close(&a);
	}
}
