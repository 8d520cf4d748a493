/* fuzz.h — helpers shared by the libFuzzer targets in fuzz/.
 *
 * Each target defines LLVMFuzzerTestOneInput.  Built with clang and
 * -Dfuzz=true they link libFuzzer (scripts/fuzz); in every build they are
 * also linked with replay.c into a program that runs the seed corpus and
 * the regression inputs (fixtures/fuzz/) as a test.  CHECK aborts whatever
 * NDEBUG says, so a broken property is a finding in every build. */
#ifndef WF_FUZZ_H
#define WF_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
			        __LINE__, #cond);                          \
			abort();                                           \
		}                                                          \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_utf8_valid: whether s[0..n) is well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static inline bool fuzz_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len;
		uint32_t cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* A reader of the fuzzer's bytes for structured targets: each take_*
 * consumes what it needs and yields zeros once the input runs out. */
struct fuzz_src {
	const uint8_t *p;
	size_t n;
};

static inline unsigned fuzz_take(struct fuzz_src *s, unsigned mod)
{
	if (!s->n || mod == 0)
		return 0;
	s->n--;
	return *s->p++ % mod;
}

static inline uint64_t fuzz_take_u64(struct fuzz_src *s)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | fuzz_take(s, 256);
	return v;
}

#endif
