/* digest.h — a day's bundle as one self-contained HTML page for editors.
 *
 * The page keeps the bundle's story order (most important first) and shows,
 * per story: the headline, the time span, the sources, an SVG bar chart of
 * the articles per local hour, the items with a lead sentence, and the
 * collapsed duplicates and updates in a <details> element.  A filter box
 * narrows the stories by a word; its inline script is the page's only one and
 * the page is complete without it.  Nothing is loaded from anywhere: CSS and
 * SVG are inline and a Content-Security-Policy forbids every other resource.
 * Every string from the bundle is escaped for HTML text and attributes. */
#ifndef WF_DIGEST_H
#define WF_DIGEST_H

#include <stddef.h>
#include <stdio.h>

struct wf_digest_opts {
	size_t top; /* show at most this many stories; 0 = all */
};

/* wf_digest_write: render the bundle at path as an HTML page on out.
 * Sets the process time zone to the bundle's (wf_tz_set) so that times and
 * hours are the editors' local ones: call from one thread, with no other
 * thread using day.h.
 * @path  the bundle, borrowed.
 * @out   borrowed; written as the bundle is read, so on an error it may hold
 *        part of a page.
 * @opts  borrowed; NULL for the defaults.
 * Returns 0, or WF_EIO / WF_EZSTD / WF_EFORMAT / WF_ENOMEM / WF_EPIPE with
 * the reason in err[0..errlen). */
int wf_digest_write(const char *path, FILE *out,
                    const struct wf_digest_opts *opts, char *err,
                    size_t errlen);

/* wf_digest_file: render the bundle at path into the file out_path, which is
 * replaced atomically (temporary file, fsync, rename; see fsutil.h), or on
 * stdout when out_path is NULL or "-".  Thread rules as wf_digest_write().
 * Returns 0, or as wf_digest_write() plus WF_ENOSPC; on an error no file is
 * created or changed. */
int wf_digest_file(const char *path, const char *out_path,
                   const struct wf_digest_opts *opts, char *err,
                   size_t errlen);

/* wf_digest_escape: write s[0..len) to out escaped for both HTML text and
 * quoted attribute values: & < > " ' become entities, and C0 control
 * characters other than tab and newline become spaces.  Thread-safe for
 * distinct out.  Returns 0, or WF_EIO / WF_EPIPE when out fails. */
int wf_digest_escape(FILE *out, const char *s, size_t len);

/* wf_digest_lead: the lead of an article body — its first sentence, with
 * runs of white space as single spaces, cut at a word boundary to at most
 * max bytes (then ending in "…", which the max includes) and never inside a
 * UTF-8 character.
 * @body  NUL-terminated, borrowed; may be NULL.
 * @out   receives the NUL-terminated lead; at least max + 1 bytes; max >= 8.
 * Returns the length written.  Thread-safe. */
size_t wf_digest_lead(const char *body, char *out, size_t max);

#endif
