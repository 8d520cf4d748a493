#include "wirefold/html.h"

#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "wirefold/arena.h"
#include "wirefold/error.h"

/* The text being built: bytes in buf, and the white space seen since the
 * last byte written, held back until the next visible byte so runs collapse
 * and nothing trails. */
struct sink {
	char *buf;
	size_t len;
	size_t cap;
	bool space; /* a blank is pending */
	bool brk;   /* a line break is pending (wins over a blank) */
	bool oom;
};

static bool grow(struct sink *k, size_t more)
{
	if (k->oom)
		return false;
	if (k->cap - k->len >= more)
		return true;
	size_t cap = k->cap ? k->cap : 64;
	while (cap - k->len < more) {
		if (cap > SIZE_MAX / 2)
			goto err_oom;
		cap *= 2;
	}
	char *buf = realloc(k->buf, cap);
	if (!buf)
		goto err_oom;
	k->buf = buf;
	k->cap = cap;
	return true;
err_oom:
	k->oom = true;
	return false;
}

/* Bytes put_text looks at one by one: blanks, and 0xc2 (U+00A0 begins
 * with it); every other byte is copied in runs. */
static bool special(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xc2;
}

static void put_text(struct sink *k, const unsigned char *s, size_t n)
{
	/* The first visible byte may carry one mark pending from before;
	 * every later mark stands for at least one blank of s not copied. */
	if (!grow(k, n + 1))
		return;
	/* the marks in locals: stored to *k byte by byte and loaded back
	 * together, they stalled the loop (store forwarding) */
	bool space = k->space, brk = k->brk;
	char *buf = k->buf;
	size_t len = k->len, i = 0;
	while (i < n) {
		unsigned char c = s[i];
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			space = true;
			i++;
			continue;
		}
		if (c == 0xc2 && i + 1 < n && s[i + 1] == 0xa0) { /* U+00A0 */
			space = true;
			i += 2;
			continue;
		}
		if (len > 0 && (brk || space))
			buf[len++] = brk ? '\n' : ' ';
		brk = space = false;
		/* c and what follows it unchanged: visible bytes, and single
		 * spaces between two of them (written as they are) */
		size_t j = i + 1;
		while (j < n) {
			if (!special(s[j]))
				j++;
			else if (s[j] == ' ' && j + 1 < n && !special(s[j + 1]))
				j += 2;
			else
				break;
		}
		memcpy(buf + len, s + i, j - i);
		len += j - i;
		i = j;
	}
	k->space = space;
	k->brk = brk;
	k->len = len;
}

static void put_break(struct sink *k)
{
	k->brk = true;
}

static bool name_in(const xmlChar *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp((const char *)name, *list) == 0)
			return true;
	return false;
}

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Elements whose content is not text a reader sees. */
static const char *const SKIPPED[] = {
	"head", "script", "style", "template", "noscript", "title", NULL,
};

/* Elements that begin and end a line of their own, sorted (bsearch). */
static const char *const BLOCKS[] = {
	"address", "article", "aside", "blockquote", "body", "br", "caption",
	"dd", "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption",
	"figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
	"header", "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre",
	"section", "summary", "table", "tbody", "tfoot", "thead", "tr", "ul",
};

static const char *const CELLS[] = {"td", "th", NULL};

/* The mark an element leaves before and after its content. */
static void put_edge(struct sink *k, const xmlNode *n)
{
	if (bsearch(n->name, BLOCKS, sizeof BLOCKS / sizeof BLOCKS[0], sizeof BLOCKS[0],
	            cmp_name))
		put_break(k);
	else if (name_in(n->name, CELLS))
		k->space = true;
}

/* Walk the tree in document order without recursion, so deep nesting
 * cannot exhaust the stack. */
static void walk(struct sink *k, xmlNode *root)
{
	xmlNode *n = root;
	while (n) {
		xmlNode *child = NULL;
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if (n->content)
				put_text(k, n->content,
				         strlen((const char *)n->content));
		} else if (n->type == XML_ELEMENT_NODE && n->name &&
		           !name_in(n->name, SKIPPED)) {
			put_edge(k, n);
			child = n->children;
			if (!child)
				put_edge(k, n);
		}
		if (child) {
			n = child;
			continue;
		}
		/* Climb past the last children, closing their parents. */
		while (n != root && !n->next) {
			n = n->parent;
			if (n->type == XML_ELEMENT_NODE)
				put_edge(k, n);
		}
		n = n == root ? NULL : n->next;
	}
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
	for (size_t i = 1; i < sizeof BLOCKS / sizeof BLOCKS[0]; i++)
		assert(strcmp(BLOCKS[i - 1], BLOCKS[i]) < 0); /* for bsearch */
	xmlInitParser();
}

void wf_html_init(void)
{
	pthread_once(&init_once, init_libxml);
}

int wf_html_to_text(struct wf_arena *arena, const char *html, size_t len,
                    const char **out, size_t *out_len)
{
	if (!arena || (!html && len) || !out)
		return WF_EINVAL;
	if (len > INT_MAX)
		return WF_EINVAL;

	struct sink k = {0};
	bool markup = len > 0 && (memchr(html, '<', len) || memchr(html, '&', len));
	if (markup) {
		wf_html_init();
		/* XML_PARSE_HUGE lifts libxml2's nesting limit of 256: past it
		 * the parser halts and the rest of the text is lost, and sloppy
		 * feeds leave enough inline tags unclosed to get there.  Memory
		 * stays bounded by the line limit either way (a node per tag). */
		const int opts = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
		                 HTML_PARSE_NONET | HTML_PARSE_RECOVER | XML_PARSE_HUGE;
		htmlDocPtr doc = htmlReadMemory(html, (int)len, NULL, "UTF-8", opts);
		if (!doc)
			goto err_free_sink; /* libxml2 fails only without memory */
		for (xmlNode *n = doc->children; n; n = n->next)
			walk(&k, n);
		xmlFreeDoc(doc);
	} else if (len > 0) {
		/* Text without markup or references needs no parser: only its
		 * white space collapses, exactly as in a text node. */
		put_text(&k, (const unsigned char *)html, len);
	}
	if (k.oom)
		goto err_free_sink;

	char *text = wf_arena_strndup(arena, k.buf, k.len);
	if (!text)
		goto err_free_sink;
	free(k.buf);
	*out = text;
	if (out_len)
		*out_len = k.len;
	return 0;

err_free_sink:
	free(k.buf);
	return WF_ENOMEM;
}
