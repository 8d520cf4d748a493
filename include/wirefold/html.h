/* html.h — HTML (or XHTML) markup to plain text, with libxml2's HTML parser.
 *
 * The text is what a reader would see, flattened:
 *   - text nodes in document order, entities and character references
 *     decoded (&amp; → &, &eacute; → é, &#8217; → ’);
 *   - block elements (p, div, br, li, h1–h6, tr, blockquote, section, …)
 *     end the current line; a table cell (td, th) is separated by a space;
 *   - script, style, template, noscript and the document head are dropped,
 *     as are comments and attributes;
 *   - each run of white space (ASCII blanks and U+00A0 no-break space) is one
 *     space, each run of line breaks (with the blanks around it) one '\n',
 *     and the text has no leading or trailing white space.
 * Malformed markup is repaired the way browsers would (libxml2's recovery
 * mode); the parser never reaches the network. */
#ifndef WF_HTML_H
#define WF_HTML_H

#include <stddef.h>

struct wf_arena;

/* wf_html_init: initialise libxml2 (xmlInitParser) for use from several
 * threads.  Only the first call, from whichever thread, does anything (it is
 * guarded by pthread_once), and wf_html_to_text makes that call itself, so
 * calling it is optional; the parse stage's init calls it to have libxml2
 * ready before the workers start.  wirefold never cleans libxml2 up: other
 * users in the process may still need it. */
void wf_html_init(void);

/* wf_html_to_text: the plain text of html[0..len) (UTF-8; need not be
 * NUL-terminated), as described above.
 * @arena    receives the text; the caller owns the arena.
 * @html     borrowed; read only.
 * @out      receives a NUL-terminated UTF-8 string in the arena ("" for
 *           markup without text); untouched on failure.
 * @out_len  if not NULL, receives strlen(*out).
 * Returns 0, WF_ENOMEM, or WF_EINVAL (a NULL argument, or len > INT_MAX).
 * Thread-safe: any number of threads may call it at once, each with its own
 * arena. */
int wf_html_to_text(struct wf_arena *arena, const char *html, size_t len,
                    const char **out, size_t *out_len);

#endif
