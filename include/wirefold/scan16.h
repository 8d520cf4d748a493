/* scan16.h — sixteen bytes compared at once, for the byte scans of parse,
 * fingerprint and features: GCC's vector extensions (SSE2 on x86-64).
 *
 * WF_SCAN16 is defined where they are available and lanes are in address
 * order (a little-endian GCC or clang); elsewhere the callers scan eight
 * bytes or one at a time.  Header only; any thread. */
#ifndef WF_SCAN16_H
#define WF_SCAN16_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WF_SCAN16 1

typedef signed char wf_sbytes16 __attribute__((vector_size(16)));
typedef unsigned char wf_bytes16 __attribute__((vector_size(16)));

/* wf_scan16_first: the offset (0 to 15) of the first true lane of *hit, the
 * result of comparing 16 bytes (each lane all ones or all zeros), or 16
 * when no lane is true. */
static inline unsigned wf_scan16_first(const void *hit)
{
	uint64_t lo, hi;
	memcpy(&lo, hit, 8);
	memcpy(&hi, (const unsigned char *)hit + 8, 8);
	if (lo)
		return (unsigned)__builtin_ctzll(lo) / 8;
	if (hi)
		return 8 + (unsigned)__builtin_ctzll(hi) / 8;
	return 16;
}
#endif

#endif
