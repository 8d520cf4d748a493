/* boilerplate.c — datelines, bylines and sign-offs of agency copy.
 *
 * Every matcher takes the text as bytes s[0..n) and a position, and returns
 * the position just past what it recognised, or 0 when it does not match
 * (no match can end at 0, so 0 is free to mean "no").  Nothing reads past n:
 * the text need not be NUL-terminated. */
#include "wirefold/boilerplate.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum {
	PLACE_WORDS_MAX = 4,   /* "RIO DE JANEIRO", "SALT LAKE CITY" */
	PLACE_BYTES_MAX = 64,
	BARE_PLACE_LETTERS = 4, /* "ROME —" but not "IBM -" */
	REGION_WORDS_MAX = 3,  /* "West Germany", "N.C." */
	PAREN_MAX = 40,        /* "(Reuter)", "(March 5)" */
	SLASH_MAX = 32,        /* "/TASS/", "/PRNewswire/" */
	GENERIC_AGENCY_MAX = 32,
	BYLINE_MAX = 120,
	BYLINE_NAMES_MAX = 6,
	BYLINE_AFFIL_MAX = 6,
	SIGNOFF_LINE_MAX = 200,
	DPA_LINE_MAX = 40,
	CREDIT_MAX = 600,      /* "(Reporting by …; Editing by …)" */
	CREDIT_BY_WITHIN = 48, /* "(Additional reporting and writing by" */
	LOWER_LOOKAHEAD = 200,
	TAIL_ROUNDS = 16,
};

enum paren_kind { PAREN_DATE = 1, PAREN_AGENCY };

/* Agencies recognised in a dateline "(…)" and as a sign-off line,
 * compared without regard to ASCII case. */
static const char *const agencies[] = {
	"reuter", "reuters", "ap", "afp", "dpa", "tass", "itar-tass", "upi",
	"xinhua", "kyodo", "ansa", "efe", "aap", "pti", "ians", "yonhap",
	"bernama", "interfax", "ria novosti", "anp", "apa", "belga", "lusa",
	"anadolu", "irna", "kuna", "antara", "ptb", "bloomberg", NULL,
};

/* Month names and abbreviations (English, French, German, Spanish,
 * Italian, Portuguese), lower case; a trailing '.' is allowed in the text. */
static const char *const months[] = {
	"jan", "january", "feb", "february", "mar", "march", "apr", "april",
	"may", "jun", "june", "jul", "july", "aug", "august", "sep", "sept",
	"september", "oct", "october", "nov", "november", "dec", "december",
	"janv", "janvier", "fev", "fevr", "f\xc3\xa9vr", "fevrier",
	"f\xc3\xa9vrier", "mars", "avr", "avril", "mai", "juin", "juil",
	"juillet", "aout", "ao\xc3\xbbt", "septembre", "octobre", "novembre",
	"d\xc3\xa9""c", "decembre", "d\xc3\xa9""cembre", "januar", "februar",
	"m\xc3\xa4rz", "maerz", "juni", "juli", "oktober", "okt", "dezember",
	"dez", "ene", "enero", "febrero", "marzo", "abr", "abril", "mayo",
	"junio", "julio", "ago", "agosto", "septiembre", "setiembre",
	"octubre", "noviembre", "dic", "diciembre", "gen", "gennaio",
	"febbraio", "aprile", "maggio", "giugno", "luglio", "settembre",
	"ottobre", "dicembre", "janeiro", "fevereiro", "mar\xc3\xa7o", "maio",
	"junho", "julho", "setembro", "outubro", "novembro", "dezembro", NULL,
};

/* Words that start a sentence "By Monday …" rather than a byline. */
static const char *const not_names[] = {
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday", "the", "then", "now", "noon", "midday", "tonight", "today",
	"tomorrow", NULL,
};

/* Lower-case words allowed inside a byline name ("Ana de Souza"). */
static const char *const name_particles[] = {
	"de", "da", "del", "della", "der", "den", "di", "du", "la", "le",
	"van", "von", "al", "el", "bin", "ibn", "and", "y", NULL,
};

/* Lower-case words allowed in a byline affiliation ("Special to the …"). */
static const char *const affil_small[] = {
	"of", "the", "and", "for", "to", "in", "at", "de", NULL,
};

/* Whole final lines that are trailers, compared exactly. */
static const char *const trailers[] = {
	"More", "MORE", "more", "(More)", "(MORE)", "(more)", "-more-",
	"-0-", "-30-", "###", "All news", "All News", "ALL NEWS", NULL,
};

/* Openings of a credit parenthesis, compared without regard to case. */
static const char *const credits[] = {
	"reporting", "writing", "editing", "additional reporting",
	"compiled by", "reported by", "written by", "edited by", NULL,
};

static bool is_hspace(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool is_wspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static size_t skip_h(const unsigned char *s, size_t i, size_t n)
{
	while (i < n && is_hspace(s[i]))
		i++;
	return i;
}

static size_t skip_ws(const unsigned char *s, size_t i, size_t n)
{
	while (i < n && is_wspace(s[i]))
		i++;
	return i;
}

/* The code point at s[i] in *cp and its length; 0 (and *cp = -1) at the
 * end or on a byte that does not start a valid UTF-8 sequence. */
static size_t cp_at(const unsigned char *s, size_t i, size_t n, int32_t *cp)
{
	*cp = -1;
	if (i >= n)
		return 0;
	if (s[i] < 0x80) {
		*cp = s[i];
		return 1;
	}
	utf8proc_int32_t c;
	utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &c);
	if (k <= 0)
		return 0;
	*cp = c;
	return (size_t)k;
}

static bool cp_upper(int32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z';
	utf8proc_category_t cat = utf8proc_category(c);
	return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}

static bool cp_lower(int32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z';
	return utf8proc_category(c) == UTF8PROC_CATEGORY_LL;
}

static bool cp_letter(int32_t c)
{
	if (c < 0x80)
		return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
	utf8proc_category_t cat = utf8proc_category(c);
	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

static bool cp_alnum(int32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 0 && cp_letter(c));
}

/* Is the code point at s[i] upper case? */
static bool upper_at(const unsigned char *s, size_t i, size_t n)
{
	int32_t c;
	return cp_at(s, i, n, &c) && cp_upper(c);
}

/* Is s[i..n) at a word boundary (end, or not a letter or digit)? */
static bool boundary_at(const unsigned char *s, size_t i, size_t n)
{
	int32_t c;
	return !cp_at(s, i, n, &c) || !cp_alnum(c);
}

/* Does s[i..i+len) equal one of list's words, ignoring ASCII case? */
static bool in_list(const char *const *list, const unsigned char *s, size_t len)
{
	for (; *list; list++) {
		const char *w = *list;
		if (strlen(w) != len)
			continue;
		size_t k = 0;
		while (k < len) {
			unsigned char a = s[k], b = (unsigned char)w[k];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a | 0x20);
			if (a != b)
				break;
			k++;
		}
		if (k == len)
			return true;
	}
	return false;
}

/* Does s[i..n) start with the ASCII string p, ignoring ASCII case? */
static bool starts_ci(const unsigned char *s, size_t i, size_t n, const char *p)
{
	size_t len = strlen(p);
	if (n - i < len)
		return false;
	for (size_t k = 0; k < len; k++) {
		unsigned char a = s[i + k];
		if (a >= 'A' && a <= 'Z')
			a = (unsigned char)(a | 0x20);
		if (a != (unsigned char)p[k])
			return false;
	}
	return true;
}

/* End of the run of letters at s[i], or i. */
static size_t letters_end(const unsigned char *s, size_t i, size_t n)
{
	int32_t c;
	size_t k;
	while ((k = cp_at(s, i, n, &c)) && cp_letter(c))
		i += k;
	return i;
}

/* A dash that ends a dateline: " -", " --", or an en/em dash or horizontal
 * bar with or without spaces.  spaced: white space precedes s[i]. */
static size_t dash_at(const unsigned char *s, size_t i, size_t n, bool spaced)
{
	if (i < n && s[i] == '-') {
		if (!spaced)
			return 0;
		i++;
		if (i < n && s[i] == '-')
			i++;
		return i;
	}
	if (n - i >= 3 && s[i] == 0xe2 && s[i + 1] == 0x80 &&
	    (s[i + 2] == 0x93 || s[i + 2] == 0x94 || s[i + 2] == 0x95))
		return i + 3;
	return 0;
}

/* --- dates --------------------------------------------------------------- */

/* A number of min..max ASCII digits at s[i], standing alone as a word. */
static size_t number_at(const unsigned char *s, size_t i, size_t n,
                        size_t min, size_t max, int *val)
{
	size_t j = i;
	int v = 0;
	while (j < n && is_digit(s[j]) && j - i < max)
		v = v * 10 + (s[j++] - '0');
	if (j - i < min || !boundary_at(s, j, n))
		return 0;
	*val = v;
	return j;
}

static size_t day_at(const unsigned char *s, size_t i, size_t n)
{
	int d = 0;
	size_t j = number_at(s, i, n, 1, 2, &d);
	return j && d >= 1 && d <= 31 ? j : 0;
}

/* A month name or abbreviation, with an optional '.'. */
static size_t month_at(const unsigned char *s, size_t i, size_t n)
{
	size_t j = letters_end(s, i, n);
	if (j - i < 3 || !in_list(months, s + i, j - i))
		return 0;
	if (j < n && s[j] == '.')
		j++;
	return j;
}

/* Is a[0..n) one edit (insertion, deletion, substitution) or less from the
 * NUL-terminated b, ignoring ASCII case in a? */
static bool within_one_edit(const unsigned char *a, size_t n, const char *b)
{
	size_t m = strlen(b), i = 0, j = 0;
	int edits = 0;
	if (n + 1 < m || m + 1 < n)
		return false;
	while (i < n && j < m) {
		unsigned char c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c | 0x20);
		if (c == (unsigned char)b[j]) {
			i++;
			j++;
			continue;
		}
		if (++edits > 1)
			return false;
		if (n > m)
			i++;
		else if (m > n)
			j++;
		else {
			i++;
			j++;
		}
	}
	return edits + (int)(n - i) + (int)(m - j) <= 1;
}

/* A month name misspelt by one letter, as OCR leaves it ("Marcb",
 * "arch"); only the long English names, to keep clear of real words. */
static size_t ocr_month_at(const unsigned char *s, size_t i, size_t n)
{
	static const char *const long_months[] = {
		"january", "february", "march", "april", "august", "september",
		"october", "november", "december", NULL,
	};
	size_t j = letters_end(s, i, n);
	if (j - i < 4 || j - i > 10)
		return 0;
	for (const char *const *m = long_months; *m; m++)
		if (within_one_edit(s + i, j - i, *m))
			return j;
	return 0;
}

/* An optional year after a date: ", 2023" or " 2023". */
static size_t year_after(const unsigned char *s, size_t i, size_t n)
{
	size_t j = i;
	if (j < n && s[j] == ',')
		j++;
	size_t k = skip_h(s, j, n);
	int y = 0;
	size_t e = k > j ? number_at(s, k, n, 4, 4, &y) : 0;
	return e && y >= 1900 && y <= 2199 ? e : i;
}

/* "March 3", "Nov. 21, 2023", "21 nov", "21 November 2023", "2023-11-21". */
static size_t date_at(const unsigned char *s, size_t i, size_t n)
{
	int v = 0;
	size_t j = number_at(s, i, n, 4, 4, &v);
	if (j) {
		if (n - j >= 6 && s[j] == '-' && is_digit(s[j + 1]) &&
		    is_digit(s[j + 2]) && s[j + 3] == '-' && is_digit(s[j + 4]) &&
		    is_digit(s[j + 5]) && boundary_at(s, j + 6, n))
			return j + 6;
		return 0;
	}
	if ((j = day_at(s, i, n))) {
		if (j < n && s[j] == '.')
			j++; /* "21. November" */
		size_t k = skip_h(s, j, n);
		size_t e = k > j ? month_at(s, k, n) : 0;
		return e ? year_after(s, e, n) : 0;
	}
	if ((j = month_at(s, i, n)) || (j = ocr_month_at(s, i, n))) {
		size_t k = skip_h(s, j, n);
		size_t e = k > j ? day_at(s, k, n) : 0;
		return e ? year_after(s, e, n) : 0;
	}
	return 0;
}

/* --- datelines ------------------------------------------------------------ */

struct caps {
	int letters;   /* capital letters seen */
	bool initials; /* every word is initials like "U.S." so far */
};

/* A word in capitals: a capital, then capitals with '.' inside or at the
 * end, and '-' or an apostrophe before a capital ("N'DJAMENA"). */
static size_t caps_word(const unsigned char *s, size_t i, size_t n,
                        struct caps *cw)
{
	struct caps w = *cw;
	int run = 0, longest = 0;
	size_t j = i;
	int32_t c;
	size_t k;
	if (!upper_at(s, i, n))
		return 0;
	while ((k = cp_at(s, j, n, &c))) {
		if (cp_upper(c)) {
			w.letters++;
			if (++run > longest)
				longest = run;
		} else if (c == '.' && run > 0) {
			run = 0;
		} else if ((c == '-' || c == '\'' || c == 0x2019) && run > 0 &&
		           upper_at(s, j + k, n)) {
			run = 0;
		} else {
			break;
		}
		j += k;
	}
	if (!boundary_at(s, j, n))
		return 0; /* "McALLEN", "A1" */
	if (longest >= 2)
		w.initials = false;
	*cw = w;
	return j;
}

/* The place of a dateline: 1..PLACE_WORDS_MAX words in capitals. */
static size_t place_at(const unsigned char *s, size_t i, size_t n,
                       struct caps *out)
{
	struct caps cw = {0, true};
	size_t j = caps_word(s, i, n, &cw);
	if (!j)
		return 0;
	for (int w = 1; w < PLACE_WORDS_MAX && j < n && s[j] == ' '; w++) {
		size_t e = caps_word(s, j + 1, n, &cw);
		if (!e)
			break;
		j = e;
	}
	if (cw.letters < 2 || j - i > PLACE_BYTES_MAX)
		return 0;
	*out = cw;
	return j;
}

/* A capitalised word: a capital, then letters or '.' ("Mich.", "N.C."). */
static size_t cap_word(const unsigned char *s, size_t i, size_t n)
{
	if (!upper_at(s, i, n))
		return 0;
	size_t j = i;
	int32_t c;
	size_t k;
	while ((k = cp_at(s, j, n, &c)) && (cp_letter(c) || c == '.'))
		j += k;
	return boundary_at(s, j, n) ? j : 0;
}

/* ", Mich." / ", West Germany": the region after a dateline's place. */
static size_t region_at(const unsigned char *s, size_t i, size_t n)
{
	size_t j = cap_word(s, i, n);
	if (!j)
		return 0;
	for (int w = 1; w < REGION_WORDS_MAX && j < n && s[j] == ' '; w++) {
		size_t e = cap_word(s, j + 1, n);
		if (!e)
			break;
		j = e;
	}
	return j;
}

/* A name of up to GENERIC_AGENCY_MAX bytes: capitalised words. */
static bool generic_agency(const unsigned char *s, size_t a, size_t b)
{
	if (b - a > GENERIC_AGENCY_MAX)
		return false;
	size_t j = a;
	for (;;) {
		size_t e = cap_word(s, j, b);
		if (!e)
			return false;
		j = e;
		if (j == b)
			return true;
		if (s[j] != ' ')
			return false;
		j++;
	}
}

/* "(Reuters)", "(AP)", "(March 5)" — with the date or agency in *kind. */
static size_t paren_at(const unsigned char *s, size_t i, size_t n, bool dated,
                       enum paren_kind *kind)
{
	if (i >= n || s[i] != '(')
		return 0;
	size_t lim = n - i > PAREN_MAX ? i + PAREN_MAX : n;
	size_t j = i + 1;
	while (j < lim && s[j] != ')' && s[j] != '(' && s[j] != '\n')
		j++;
	if (j >= lim || s[j] != ')')
		return 0;
	size_t a = skip_h(s, i + 1, j), b = j;
	while (b > a && is_hspace(s[b - 1]))
		b--;
	if (a == b)
		return 0;
	if (date_at(s, a, b) == b)
		*kind = PAREN_DATE;
	else if (in_list(agencies, s + a, b - a) || (dated && generic_agency(s, a, b)))
		*kind = PAREN_AGENCY;
	else
		return 0;
	return j + 1;
}

/* "/TASS/", "/PRNewswire/": a capitalised name between slashes. */
static size_t slash_at(const unsigned char *s, size_t i, size_t n)
{
	if (i >= n || s[i] != '/' || !upper_at(s, i + 1, n))
		return 0;
	size_t lim = n - i > SLASH_MAX ? i + SLASH_MAX : n;
	size_t j = i + 1;
	int32_t c;
	size_t k;
	while (j < lim && (k = cp_at(s, j, lim, &c)) &&
	       (cp_letter(c) || c == '-' || c == '.' || c == ' ' || c == '&'))
		j += k;
	if (j >= lim || s[j] != '/' || s[j - 1] == ' ')
		return 0;
	return j + 1;
}

/* Is there a lower-case letter in the rest of the line at s[i]? */
static bool line_has_lower(const unsigned char *s, size_t i, size_t n)
{
	size_t lim = n - i > LOWER_LOOKAHEAD ? i + LOWER_LOOKAHEAD : n;
	int32_t c;
	while (i < lim && s[i] != '\n') {
		size_t k = cp_at(s, i, n, &c);
		if (!k)
			k = 1;
		else if (cp_lower(c))
			return true;
		i += k;
	}
	return false;
}

/* A dateline at s[i]: returns where the story starts, or 0. */
static size_t dateline_end(const unsigned char *s, size_t i, size_t n)
{
	struct caps place = {0, true};
	bool region = false, date = false, agency = false;
	enum paren_kind kind = 0;
	size_t k = place_at(s, i, n, &place);
	if (!k) {
		/* "(Reuters) - …" without a place */
		k = paren_at(s, i, n, false, &kind);
		if (!k || kind != PAREN_AGENCY)
			return 0;
		agency = true;
	}

	for (int step = 0; step < 4; step++) {
		size_t m = k;
		bool comma = false;
		if (m < n && s[m] == ',') {
			comma = true;
			m++;
		} else if (m < n && s[m] == '.' && (date || agency)) {
			m++; /* "November 21. /TASS/." */
		}
		size_t sp = skip_h(s, m, n);
		if (sp == m)
			break; /* the parts are separated by white space */
		size_t e;
		if ((e = paren_at(s, sp, n, date, &kind))) {
			if (kind == PAREN_DATE) {
				if (date)
					break;
				date = true;
			} else {
				agency = true;
			}
		} else if ((e = slash_at(s, sp, n))) {
			agency = true;
		} else if (!date && !agency && (e = date_at(s, sp, n))) {
			date = true;
		} else if (comma && !region && !date && !agency &&
		           (e = region_at(s, sp, n))) {
			region = true;
		} else {
			break;
		}
		k = e;
	}

	size_t m = skip_h(s, k, n);
	size_t e = dash_at(s, m, n, m > k);
	bool hyphen_or_stop = e && s[e - 1] == '-';
	if (!e) {
		if (!(k < n && s[k] == '.' && (date || agency)))
			return 0;
		e = k + 1;
		if (e < n && s[e] == '-')
			e++; /* "(EFE).-" */
		hyphen_or_stop = true;
	}
	/* "WASHINGTON -based", "21.5" are no datelines; "March 13 -Current"
	 * (a scan that lost a space) is. */
	if (hyphen_or_stop && e < n && !is_wspace(s[e]) &&
	    !((date || agency) && s[e - 1] == '-' && upper_at(s, e, n)))
		return 0;
	size_t story = skip_ws(s, e, n);
	if (!region && !date && !agency) {
		/* A bare "PLACE —": not "U.S. - Japan …" or "IBM - The
		 * computer maker …", not a headline in capitals ("OIL PRICES
		 * FALL - TRADERS"). */
		if (place.initials || place.letters < BARE_PLACE_LETTERS ||
		    !line_has_lower(s, story, n))
			return 0;
	}
	return story;
}

/* --- bylines -------------------------------------------------------------- */

/* A name word: a letter, then letters with . - ' ’ inside or at the end. */
static size_t name_word(const unsigned char *s, size_t i, size_t n)
{
	int32_t c;
	size_t k = cp_at(s, i, n, &c);
	if (!k || !cp_letter(c))
		return 0;
	size_t j = i;
	while ((k = cp_at(s, j, n, &c)) &&
	       (cp_letter(c) || c == '.' || c == '-' || c == '\'' || c == 0x2019))
		j += k;
	return boundary_at(s, j, n) ? j : 0;
}

/* "By Jane Doe, Reuters\n" at s[i]: returns where the story starts, or 0. */
static size_t byline_end(const unsigned char *s, size_t i, size_t n)
{
	if (n - i < 4 || s[i] != 'B' || (s[i + 1] != 'y' && s[i + 1] != 'Y') ||
	    s[i + 2] != ' ')
		return 0;
	size_t le = i;
	while (le < n && s[le] != '\n' && le - i <= BYLINE_MAX)
		le++;
	if (le == n || s[le] != '\n')
		return 0; /* a byline is a short line of its own, before the story */

	size_t j = i + 3;
	int names = 0;
	bool last_particle = false;
	for (;;) {
		size_t e = name_word(s, j, le);
		if (!e)
			break;
		if (upper_at(s, j, le)) {
			if (names == 0 && in_list(not_names, s + j, e - j))
				return 0;
			if (names == 0 && month_at(s, j, le))
				return 0;
			names++;
			last_particle = false;
		} else if (names > 0 && in_list(name_particles, s + j, e - j)) {
			last_particle = true;
		} else {
			return 0; /* "By then, …": a sentence */
		}
		j = e;
		if (j < le && s[j] == ' ')
			j++;
		else
			break;
	}
	if (names < 2 || names > BYLINE_NAMES_MAX || last_particle)
		return 0;

	j = skip_h(s, j, le);
	if (j < le && s[j] == ',') {
		int capitals = 0, words = 0;
		j = skip_h(s, j + 1, le);
		while (j < le && s[j] != '\r') {
			size_t e = name_word(s, j, le);
			if (!e || ++words > BYLINE_AFFIL_MAX)
				return 0;
			if (upper_at(s, j, le))
				capitals++;
			else if (!in_list(affil_small, s + j, e - j))
				return 0;
			j = skip_h(s, e, le);
		}
		if (!capitals)
			return 0;
	}
	if (j < le && s[j] == '\r')
		j++;
	if (j != le)
		return 0;
	return skip_ws(s, le, n);
}

/* --- sign-offs ------------------------------------------------------------ */

/* The '(' matching the ')' at s[close], not before lo; SIZE_MAX if none. */
static size_t open_paren(const unsigned char *s, size_t lo, size_t close)
{
	size_t lim = close - lo > CREDIT_MAX ? close - CREDIT_MAX : lo;
	int depth = 0;
	for (size_t j = close + 1; j-- > lim;) {
		if (s[j] == ')')
			depth++;
		else if (s[j] == '(' && --depth == 0)
			return j;
	}
	return SIZE_MAX;
}

/* "(Reporting by …)": does the parenthesis content at s[a..b) open with a
 * credit and name someone "by" soon after ("(Reporting period …)" does
 * not)? */
static bool credit_at(const unsigned char *s, size_t a, size_t b)
{
	a = skip_ws(s, a, b);
	for (const char *const *c = credits; *c; c++) {
		size_t len = strlen(*c);
		if (!starts_ci(s, a, b, *c) || !boundary_at(s, a + len, b))
			continue;
		size_t lim = b - a > CREDIT_BY_WITHIN ? a + CREDIT_BY_WITHIN : b;
		for (size_t j = a + 1; j + 3 <= lim; j++)
			if (is_wspace(s[j - 1]) && starts_ci(s, j, lim, "by") &&
			    is_wspace(s[j + 2]))
				return true;
	}
	return false;
}

/* "(c) 1987 Reuters", "© 2023 AFP", "Copyright 2023 The Associated Press". */
static bool copyright_line(const unsigned char *s, size_t a, size_t e)
{
	if (starts_ci(s, a, e, "(c)") ||
	    (e - a >= 2 && s[a] == 0xc2 && s[a + 1] == 0xa9))
		return true;
	if (!starts_ci(s, a, e, "copyright"))
		return false;
	size_t j = skip_h(s, a + 9, e);
	if (j == a + 9)
		return false;
	if (starts_ci(s, j, e, "(c)"))
		j = skip_h(s, j + 3, e);
	else if (e - j >= 2 && s[j] == 0xc2 && s[j + 1] == 0xa9)
		j = skip_h(s, j + 2, e);
	int y = 0;
	return number_at(s, j, e, 4, 4, &y) != 0;
}

/* An agency sign-off line s[a..e): "Reuter", "REUTER...", "(AP)",
 * "-- TASS", "dpa ab xy".  loose: the line may be the end of a wrapped
 * sentence ("… he told\nReuters"), so a bare name is not enough. */
static bool agency_line(const unsigned char *s, size_t a, size_t e, bool loose)
{
	size_t j = a;
	for (;;) {
		if (j < e && (s[j] == '-' || is_hspace(s[j])))
			j++;
		else if (dash_at(s, j, e, false) > j)
			j += 3;
		else
			break;
	}
	bool dashed = j > a, paren = j < e && s[j] == '(';
	if (paren)
		j++;
	size_t w = j, we = letters_end(s, j, e);
	if (we < e && s[we] == '-') /* "ITAR-TASS" */
		we = letters_end(s, we + 1, e);
	if (we == w)
		return false;
	if (!paren && we - w == 3 && memcmp(s + w, "dpa", 3) == 0 &&
	    (we == e || s[we] == ' ') && e - a <= DPA_LINE_MAX)
		return true; /* dpa signs off with editors' initials */
	if (!in_list(agencies, s + w, we - w))
		return false;
	size_t k = we;
	if (paren) {
		if (k >= e || s[k] != ')')
			return false;
		k++;
	}
	if (e - k >= 3 && memcmp(s + k, "...", 3) == 0)
		while (k < e && s[k] == '.')
			k++;
	if (e - k == 2 && s[k] == '^' && s[k + 1] == 'M')
		k += 2; /* a carriage return as some feeds render it */
	if (k != e)
		return false;
	return dashed || paren || !loose;
}

/* Is the line s[a..e) a sign-off or trailer as a whole? */
static bool signoff_line(const unsigned char *s, size_t a, size_t e, bool loose)
{
	size_t len = e - a;
	if (len == 0 || len > SIGNOFF_LINE_MAX)
		return false;
	for (const char *const *t = trailers; *t; t++)
		if (strlen(*t) == len && memcmp(s + a, *t, len) == 0)
			return true;
	return starts_ci(s, a, e, "send feedback") || copyright_line(s, a, e) ||
	       agency_line(s, a, e, loose);
}

/* "… ratios of 12 to 14. REUTER": a sign-off in capitals after a full stop
 * on the last line s[a..e).  Returns where it starts, or 0. */
static size_t inline_signoff(const unsigned char *s, size_t a, size_t e)
{
	static const char *const words[] = {"REUTER", "REUTERS", "MORE", NULL};
	for (const char *const *w = words; *w; w++) {
		size_t len = strlen(*w);
		if (e - a < len + 2 || memcmp(s + e - len, *w, len) != 0)
			continue;
		size_t p = e - len;
		if (!is_hspace(s[p - 1]))
			continue;
		size_t q = p - 1;
		while (q > a && is_hspace(s[q - 1]))
			q--;
		if (q > a && (s[q - 1] == '.' || s[q - 1] == ')' || s[q - 1] == '"'))
			return p;
	}
	return 0;
}

/* The start of the line that ends at e: just after the last '\n' of
 * s[lo..e), or lo.  The last paragraph of a body is hundreds of bytes, so
 * sixteen are compared at once where SSE2 is available. */
static size_t line_start(const unsigned char *s, size_t lo, size_t e)
{
	size_t i = e;
#ifdef __SSE2__
	for (; i - lo >= 16; i -= 16) {
		const __m128i v = _mm_loadu_si128((const __m128i *)(s + i - 16));
		const unsigned m =
			(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
		if (m) /* the highest lane: the last newline */
			return i - 16 + (unsigned)(31 - __builtin_clz(m)) + 1;
	}
#endif
	while (i > lo && s[i - 1] != '\n')
		i--;
	return i;
}

/* The start of a sign-off ending s[lo..e) (s[e-1] is not white space), or
 * e when there is none. */
static size_t signoff_start(const unsigned char *s, size_t lo, size_t e)
{
	if (s[e - 1] == ')') {
		size_t p = open_paren(s, lo, e - 1);
		if (p != SIZE_MAX && credit_at(s, p + 1, e - 1))
			return p;
	}
	const size_t ls = line_start(s, lo, e);
	size_t a = skip_h(s, ls, e);
	/* A bare agency name on the last line could end a wrapped sentence
	 * ("… he told\nReuters"); sign-off lines in wire copy are indented
	 * or follow a finished sentence. */
	size_t p = ls;
	while (p > lo && is_wspace(s[p - 1]))
		p--;
	bool loose = a == ls && p > lo &&
	             ((s[p - 1] >= 'a' && s[p - 1] <= 'z') || s[p - 1] == ',');
	if (signoff_line(s, a, e, loose))
		return ls;
	size_t q = inline_signoff(s, a, e);
	return q ? q : e;
}

unsigned wf_boilerplate_strip(const char *text, size_t len, size_t *start,
                              size_t *end)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned parts = 0;
	size_t i = s ? skip_ws(s, 0, len) : 0, e = s ? len : 0;

	for (int round = 0; round < 2 && i < e; round++) {
		size_t j;
		if (!(parts & (WF_BP_BYLINE | WF_BP_DATELINE)) &&
		    (j = byline_end(s, i, e))) {
			parts |= WF_BP_BYLINE;
		} else if (!(parts & WF_BP_DATELINE) && (j = dateline_end(s, i, e))) {
			parts |= WF_BP_DATELINE;
		} else {
			break;
		}
		i = j;
	}

	for (int round = 0; round < TAIL_ROUNDS; round++) {
		while (e > i && is_wspace(s[e - 1]))
			e--;
		if (e == i)
			break;
		size_t cut = signoff_start(s, i, e);
		if (cut == e)
			break;
		e = cut;
		parts |= WF_BP_SIGNOFF;
	}
	while (e > i && is_wspace(s[e - 1]))
		e--;
	*start = i;
	*end = e;
	return parts;
}
