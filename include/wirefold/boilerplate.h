/* boilerplate.h — find the part of a wire story's body that is the story.
 *
 * Agencies wrap every report in the same furniture: a dateline in front
 * ("MOSCOW, November 21. /TASS/.", "BIRMINGHAM, Mich., March 26 (Reuter) -",
 * "WASHINGTON (AP) —"), sometimes a byline line ("By Jane Doe, Reuters"),
 * and sign-offs at the end ("(Reporting by …; Editing by …)", "Reuter",
 * "(c) 1987 Reuters", "MORE", "-0-").  Left in, they make unrelated reports
 * of one agency look alike and hide reprints of one report by different
 * outlets, so the normalize stage drops them before tokenizing.
 *
 * The rules are conservative: a dateline is recognised only at the very
 * start, only with a place in capitals followed by a dateline tail (date,
 * agency, region and a dash, or a bare dash before a sentence); a sign-off
 * only as the final line(s) or parenthesis.  Text is never rewritten: the
 * result is one span of the input. */
#ifndef WF_BOILERPLATE_H
#define WF_BOILERPLATE_H

#include <stddef.h>

/* What wf_boilerplate_strip removed (bits of its return value). */
enum wf_boilerplate_part {
	WF_BP_BYLINE = 1u << 0,   /* a "By Jane Doe, Reuters" line at the start */
	WF_BP_DATELINE = 1u << 1, /* "LONDON, March 3 (Reuters) -" at the start */
	WF_BP_SIGNOFF = 1u << 2,  /* one or more sign-offs/trailers at the end */
};

/* wf_boilerplate_strip: the span of text[0..len) left after removing a
 * leading byline line and dateline and any number of trailing sign-offs.
 *
 * text  UTF-8 (need not be NUL-terminated; invalid bytes are tolerated and
 *       never match a rule); borrowed, only text[0..len) is read.
 * start, end  receive the kept span text[*start..*end), with surrounding
 *       white space trimmed; *start <= *end <= len.  An all-boilerplate or
 *       blank text gives an empty span.
 *
 * Recognised at the start (in this order, each at most once):
 *   - byline: a line of its own "By|BY" + 2-6 name words (capitalised, with
 *     particles like "de", "van", "and" inside) + optional ", Affiliation";
 *   - dateline: PLACE (1-4 words in capitals, dots/apostrophes/hyphens
 *     inside) + optional ", Region" (capitalised words) + optional date
 *     ("March 3", "Nov. 21, 2023", "21 nov", "21. November", "2023-11-21",
 *     "(March 5)"; month names in English, French, German, Spanish, Italian
 *     and Portuguese) + optional agency ("(Reuters)", "(AP)", "/TASS/", …)
 *     + a dash (-, --, en/em dash) or, after a date or agency, a period
 *     (or ".-").  A bare "PLACE —" needs a sentence with lower-case letters
 *     after it and a PLACE of 4+ letters that is not only initials
 *     ("U.S. - Japan …" and "IBM - The computer maker …" are kept).  Scanned copy is
 *     tolerated a little: a long English month name off by one letter
 *     ("Marcb 4"), any capitalised name in parentheses after a date
 *     ("(Reutcr)"), a hyphen glued to the next word ("March 13 -Current").
 * Recognised at the end, repeatedly:
 *   - a final parenthesis starting with Reporting/Writing/Editing/
 *     Additional reporting/Compiled by/Reported by/Written by/Edited by
 *     with a "by" in its first 48 bytes ("(Reporting period …)" is kept);
 *   - a final line that is an agency sign-off ("Reuter", "REUTER...",
 *     "(AP)", "-- TASS", "AFP", "dpa …"), a copyright line ("(c) 1987
 *     Reuters", "© …", "Copyright 2023 …"), or a trailer ("More", "MORE",
 *     "(More)", "-0-", "-30-", "###", "All news", "Send feedback …");
 *   - "REUTER", "REUTERS" or "MORE" in capitals after the last sentence's
 *     full stop on the same line.
 *
 * Returns the wf_boilerplate_part bits of what was removed (0: nothing).
 * Thread-safe; allocates nothing. */
unsigned wf_boilerplate_strip(const char *text, size_t len, size_t *start,
                              size_t *end);

#endif
