#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wirefold/boilerplate.h"

#include "testutil.h"

struct bp_case {
	const char *name;
	const char *in;
	const char *kept;
	unsigned parts;
};

enum { DL = WF_BP_DATELINE, BY = WF_BP_BYLINE, SO = WF_BP_SIGNOFF };

static void check(const struct bp_case *c)
{
	size_t start = 99, end = 99, len = strlen(c->in);
	unsigned parts = wf_boilerplate_strip(c->in, len, &start, &end);
	cr_assert(start <= end && end <= len, "%s: span %zu..%zu of %zu", c->name,
	          start, end, len);
	char *kept = strndup(c->in + start, end - start);
	cr_assert_str_eq(kept, c->kept, "%s", c->name);
	cr_assert_eq(parts, c->parts, "%s: parts %u, want %u", c->name, parts,
	             c->parts);
	free(kept);
}

static const struct bp_case datelines_cases[] = {
	{"tass", "MOSCOW, November 21. /TASS/. The Soviet Union said so.",
	 "The Soviet Union said so.", DL},
	{"reuters 1987 short", "SALVADOR, Feb 26 - Showers continued in the zone.",
	 "Showers continued in the zone.", DL},
	{"region and agency",
	 "BIRMINGHAM, Mich., March 26 (Reuter) - Shares of the company rose.",
	 "Shares of the company rose.", DL},
	{"ap em dash", "WASHINGTON (AP) \xe2\x80\x94 Congress voted on Tuesday.",
	 "Congress voted on Tuesday.", DL},
	{"afp day month", "PARIS, 21 nov (AFP) - Le gouvernement a annonc\xc3\xa9.",
	 "Le gouvernement a annonc\xc3\xa9.", DL},
	{"reuters modern", "LONDON, March 3 (Reuters) - Sterling firmed.",
	 "Sterling firmed.", DL},
	{"abbreviated month and year",
	 "BEIJING, Nov. 21, 2023 (Xinhua) -- China said it would act.",
	 "China said it would act.", DL},
	{"bare em dash", "WELLINGTON \xe2\x80\x94 New Zealand shoppers cut back.",
	 "New Zealand shoppers cut back.", DL},
	{"bare hyphen", "NEW YORK - Stocks fell on Monday.", "Stocks fell on Monday.", DL},
	{"bare em dash unspaced", "Z\xc3\x9cRICH\xe2\x80\x94Swiss banks said so.",
	 "Swiss banks said so.", DL},
	{"en dash", "WASHINGTON, Nov 21 \xe2\x80\x93 The Senate voted.",
	 "The Senate voted.", DL},
	{"accented place", "S\xc3\x83O PAULO, March 3 (Reuters) - Brazil said so.",
	 "Brazil said so.", DL},
	{"date in parentheses", "WASHINGTON (March 5) - Peavey will get subsidies.",
	 "Peavey will get subsidies.", DL},
	{"region and parenthesised date",
	 "KREFELD, West Germany (March 9) - Bayer said so.", "Bayer said so.", DL},
	{"agency without place", "(Reuters) - Apple said on Tuesday it would.",
	 "Apple said on Tuesday it would.", DL},
	{"iso date", "TOKYO, 2023-11-21 (Kyodo) - Prices rose.", "Prices rose.", DL},
	{"dotted place and region", "ST. LOUIS, Mo., March 3 - Anheuser said so.",
	 "Anheuser said so.", DL},
	{"apostrophe in place", "N'DJAMENA, March 3 (Reuters) - Chad said so.",
	 "Chad said so.", DL},
	{"hyphenated place", "WINSTON-SALEM, N.C., March 30 (Reuter) - RJR said.",
	 "RJR said.", DL},
	{"tass parenthesised", "MOSCOW, November 21 (TASS) -- Moscow said.",
	 "Moscow said.", DL},
	{"ocr month and agency", "HOUSTON, Marcb 1 (Reutcr) - Holders approved.",
	 "Holders approved.", DL},
	{"ocr lost space", "TOKYO, March 13 -Current profits rose.",
	 "Current profits rose.", DL},
	{"leading white space", "\n  LONDON, March 3 - Gilts rose.", "Gilts rose.", DL},
	{"dateline then newline", "LONDON, March 3 (Reuters) -\nGilts rose.",
	 "Gilts rose.", DL},
	{"german date", "BONN, 21. November (dpa) - Die Regierung sagte.",
	 "Die Regierung sagte.", DL},
	{"efe stop and dash", "MADRID, 3 mar (EFE).- El Gobierno dijo.", "El Gobierno dijo.", DL},
	{"prnewswire", "GENEVA, March 3 /PRNewswire/ -- Acme Inc said.", "Acme Inc said.", DL},
	{"four-letter bare place", "ROME \xe2\x80\x94 Italy said so.", "Italy said so.", DL},
};

ParameterizedTestParameters(boilerplate, datelines)
{
	return cr_make_param_array(size_t, indices(COUNT(datelines_cases)),
	                           COUNT(datelines_cases));
}

ParameterizedTest(size_t *i, boilerplate, datelines)
{
	check(&datelines_cases[*i]);
}

static const struct bp_case kept_openings_cases[] = {
	{"initials then sentence", "U.S. officials said - and meant it - that talks failed.",
	 "U.S. officials said - and meant it - that talks failed.", 0},
	{"company apposition", "IBM, the computer maker, said it would cut jobs.",
	 "IBM, the computer maker, said it would cut jobs.", 0},
	{"initials and a dash", "U.S. - Japan trade talks resumed on Monday.",
	 "U.S. - Japan trade talks resumed on Monday.", 0},
	{"headline in capitals", "OIL PRICES FALL - TRADERS SAY\nOil prices fell.",
	 "OIL PRICES FALL - TRADERS SAY\nOil prices fell.", 0},
	{"acronym subject", "NASA said on Monday it would launch.",
	 "NASA said on Monday it would launch.", 0},
	{"possessive", "OPEC's output rose - sources said.",
	 "OPEC's output rose - sources said.", 0},
	{"list of companies", "GM, Ford and Chrysler - the Big Three - reported.",
	 "GM, Ford and Chrysler - the Big Three - reported.", 0},
	{"hyphenated compound", "WASHINGTON -based groups said so.",
	 "WASHINGTON -based groups said so.", 0},
	{"mixed-case place", "Washington, March 3 - it was said.",
	 "Washington, March 3 - it was said.", 0},
	{"not at the start", "The LONDON, March 3 (Reuters) - office said.",
	 "The LONDON, March 3 (Reuters) - office said.", 0},
	{"single letter", "A - B testing is common.", "A - B testing is common.", 0},
	{"short company name", "IBM - The computer maker said so.",
	 "IBM - The computer maker said so.", 0},
	{"colon", "NOTE: Full name is Arden Inc.", "NOTE: Full name is Arden Inc.", 0},
	{"region then sentence", "NEW YORK, Smith Barney said - shares rose.",
	 "NEW YORK, Smith Barney said - shares rose.", 0},
	{"unknown parenthesis", "IBM (International Business Machines) - said.",
	 "IBM (International Business Machines) - said.", 0},
	{"caps then number", "SHARES ROSE 3 PCT - DEALERS\nShares rose.",
	 "SHARES ROSE 3 PCT - DEALERS\nShares rose.", 0},
	{"by a day", "By Monday, the strike had ended.\nTalks resume.",
	 "By Monday, the strike had ended.\nTalks resume.", 0},
	{"by then", "By then it was over.\nMore text.", "By then it was over.\nMore text.", 0},
	{"by weekday name", "By Tuesday Morning\nthe markets had calmed.",
	 "By Tuesday Morning\nthe markets had calmed.", 0},
	{"by month", "By March Brazil\nhad exported more.",
	 "By March Brazil\nhad exported more.", 0},
	{"byline without a story", "By John Smith", "By John Smith", 0},
};

ParameterizedTestParameters(boilerplate, kept_openings)
{
	return cr_make_param_array(size_t, indices(COUNT(kept_openings_cases)),
	                           COUNT(kept_openings_cases));
}

ParameterizedTest(size_t *i, boilerplate, kept_openings)
{
	check(&kept_openings_cases[*i]);
}

static const struct bp_case bylines_cases[] = {
	{"name and dateline", "By John Smith\nLONDON, March 3 (Reuters) - Sterling rose.",
	 "Sterling rose.", BY | DL},
	{"name and agency", "By Jane Doe, Reuters\nThe market rose.", "The market rose.", BY},
	{"capitals and affiliation",
	 "By JOHN SMITH, Associated Press Writer\nWASHINGTON (AP) \xe2\x80\x94 Congress voted.",
	 "Congress voted.", BY | DL},
	{"particles and two authors",
	 "By Ana de Souza and Jan van der Berg\r\nText follows here.",
	 "Text follows here.", BY},
	{"capital BY", "BY ANA DE SOUZA\nBRASILIA \xe2\x80\x94 The central bank acted.",
	 "The central bank acted.", BY | DL},
};

ParameterizedTestParameters(boilerplate, bylines)
{
	return cr_make_param_array(size_t, indices(COUNT(bylines_cases)),
	                           COUNT(bylines_cases));
}

ParameterizedTest(size_t *i, boilerplate, bylines)
{
	check(&bylines_cases[*i]);
}

static const struct bp_case signoffs_cases[] = {
	{"reuter 1987", "Shares rose.\n Reuter", "Shares rose.", SO},
	{"REUTER 1987", "Shares rose 5 pct.\n REUTER", "Shares rose 5 pct.", SO},
	{"lower case", "Shares rose.\n reuter", "Shares rose.", SO},
	{"dots and caret M", "Shares rose.\n   \nREUTER...^M", "Shares rose.", SO},
	{"credits", "Shares rose.\n(Reporting by Jane Doe; Editing by John Smith)",
	 "Shares rose.", SO},
	{"credits on the same line",
	 "Shares rose. (Additional reporting by A. B. in Paris; Compiled by C. D.)",
	 "Shares rose.", SO},
	{"credits over two lines",
	 "Shares rose.\n(Writing by Jane Doe\nEditing by John Smith)", "Shares rose.", SO},
	{"tass", "The talks ended.\n-- TASS", "The talks ended.", SO},
	{"ap", "Congress voted.\n(AP)", "Congress voted.", SO},
	{"afp", "Le vote a eu lieu.\nAFP", "Le vote a eu lieu.", SO},
	{"dpa", "Die Aktien stiegen.\ndpa fs yy", "Die Aktien stiegen.", SO},
	{"copyright (c)", "Shares rose.\n(c) 1987 Reuters", "Shares rose.", SO},
	{"copyright sign", "Shares rose.\n\xc2\xa9 2023 Agence France-Presse",
	 "Shares rose.", SO},
	{"copyright word",
	 "Shares rose.\nCopyright 2023 The Associated Press. All rights reserved.",
	 "Shares rose.", SO},
	{"More", "Shares rose.\n More", "Shares rose.", SO},
	{"MORE", "Shares rose.\nMORE", "Shares rose.", SO},
	{"(More)", "Shares rose.\n(More)", "Shares rose.", SO},
	{"-0-", "Shares rose.\n-0-", "Shares rose.", SO},
	{"All news", "Shares rose.\nAll news", "Shares rose.", SO},
	{"send feedback", "Shares rose.\nSend feedback to the desk", "Shares rose.", SO},
	{"several",
	 "Shares rose.\n(Reporting by X Y; Editing by Z W)\n(c) 2023 Reuters\n-0-\n",
	 "Shares rose.", SO},
	{"inline capitals", "ranging from 12 to 14. REUTER", "ranging from 12 to 14.", SO},
	{"inline MORE then More", "fell 696 mln dlrs. MORE\n More", "fell 696 mln dlrs.", SO},
	{"dateline and sign-off",
	 "LONDON, March 3 (Reuters) - Sterling rose.\n Reuter\n", "Sterling rose.", DL | SO},
	{"only a sign-off", "Reuter", "", SO},
};

ParameterizedTestParameters(boilerplate, signoffs)
{
	return cr_make_param_array(size_t, indices(COUNT(signoffs_cases)),
	                           COUNT(signoffs_cases));
}

ParameterizedTest(size_t *i, boilerplate, signoffs)
{
	check(&signoffs_cases[*i]);
}

static const struct bp_case kept_endings_cases[] = {
	{"told reuters", "the treasurer told\nReuters.", "the treasurer told\nReuters.", 0},
	{"wrapped agency name", "as he told\nReuters", "as he told\nReuters", 0},
	{"not a credit", "Prices held (Reporting period ended March 3)",
	 "Prices held (Reporting period ended March 3)", 0},
	{"copyright sentence", "It said.\nCopyright infringement cases rose in 1986.",
	 "It said.\nCopyright infringement cases rose in 1986.", 0},
	{"correction note", "It said.\n(Corrects figure)", "It said.\n(Corrects figure)", 0},
	{"agency as subject", "REUTER sources said prices rose.",
	 "REUTER sources said prices rose.", 0},
	{"damaged sign-off", "Prices rose.\n REUTER N", "Prices rose.\n REUTER N", 0},
	{"more in a sentence", "He said the government would do more.",
	 "He said the government would do more.", 0},
	{"inline reuters mixed case", "a report by Reuters", "a report by Reuters", 0},
	{"empty", "", "", 0},
	{"blank", "  \n\t ", "", 0},
};

ParameterizedTestParameters(boilerplate, kept_endings)
{
	return cr_make_param_array(size_t, indices(COUNT(kept_endings_cases)),
	                           COUNT(kept_endings_cases));
}

ParameterizedTest(size_t *i, boilerplate, kept_endings)
{
	check(&kept_endings_cases[*i]);
}

Test(boilerplate, null_text_is_empty)
{
	size_t start = 7, end = 7;
	cr_assert_eq(wf_boilerplate_strip(NULL, 0, &start, &end), 0);
	cr_assert_eq(start, 0);
	cr_assert_eq(end, 0);
}

/* Every prefix of every case, each placed right before an unreadable page:
 * an over-read crashes the test. */
Test(boilerplate, reads_only_its_slice)
{
	static const char *const texts[] = {
		"BIRMINGHAM, Mich., March 26 (Reuter) - Shares rose.\n Reuter",
		"MOSCOW, November 21. /TASS/. Text",
		"By JOHN SMITH, Associated Press Writer\nWASHINGTON (AP) \xe2\x80\x94 x",
		"S\xc3\x83O PAULO, 2023-11-21 (Kyodo) \xe2\x80\x93 x (Reporting by A; Editing by B)",
		"x\n(c) 1987 Reuters\n\xc2\xa9 2023\nCopyright 2023 AP\nREUTER...^M",
		"Marcb 3 (Reutcr) -", "x. MORE", "\xe2\x80", "\xff\xfe(", "(",
	};
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
	                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		size_t len = strlen(texts[t]);
		for (size_t n = 0; n <= len; n++) {
			char *p = (char *)map + page - n;
			memcpy(p, texts[t], n);
			size_t start, end;
			wf_boilerplate_strip(p, n, &start, &end);
			cr_assert(start <= end && end <= n);
		}
	}
	munmap(map, (size_t)page * 2);
}

/* s[0..n) without the white space at either end, as a new string. */
static char *trimmed(const char *s, size_t n)
{
	size_t a = 0;
	while (a < n && (s[a] == ' ' || s[a] == '\n'))
		a++;
	while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\n'))
		n--;
	return strndup(s + a, n - a);
}

/* A sign-off line after a last paragraph of every length from 0 to 80, so
 * that the newline before it sits at every lane of the sixteen-byte
 * backward scan, or there is none before the paragraph; and a last line
 * that is not a sign-off, kept whole. */
Test(boilerplate, last_line_of_every_length)
{
	static const char *const leads[] = {"", "First line.\n", "A\nB\n\n"};
	char text[256];
	for (size_t len = 0; len <= 80; len++) {
		for (size_t l = 0; l < COUNT(leads); l++) {
			size_t n = strlen(leads[l]);
			memcpy(text, leads[l], n);
			for (size_t i = 0; i < len; i++)
				text[n++] = i + 1 == len ? '.' : (i % 7 == 6 ? ' ' : 'x');
			char *want = trimmed(text, n);
			memcpy(text + n, "\n  Reuter\n", 11);
			const struct bp_case c = {"sign-off", text, want, WF_BP_SIGNOFF};
			check(&c);
			free(want);

			memcpy(text + n, "\nplain words", 13);
			want = trimmed(text, strlen(text));
			const struct bp_case d = {"plain", text, want, 0};
			check(&d);
			free(want);
		}
	}
}
