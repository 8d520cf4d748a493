/* slots.h — the taken slots of an ordered table, a byte each: the sorts
 * of features' terms (wf_terms_sort, features.c) and of fingerprint's
 * sets (wf_sort_unique, minhash.c).  Each value goes to the slot of its
 * top bits in a table of 4n to 8n slots, or to its place in the sorted run
 * of taken slots there; the taken slots, read in order, are the sorted
 * result.  What a slot holds, and how a repeat is folded, is the caller's;
 * which slots are taken is this.  A byte a slot, not a bit: a free slot is
 * then one compare and taking it one store, and the taken ones are read
 * off 16 bytes at a time (SSE2 movemask).  Header only; any thread. */
#ifndef WF_SLOTS_H
#define WF_SLOTS_H

#include <stdint.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* At most 2^WF_SLOTS_BITS_MAX slots, and a run past the table's end of
 * fewer than n < 2^WF_SLOTS_BITS_MAX / 4 slots: whole words of 64 slots
 * (a taken slot's byte is WF_SLOT_TAKEN, a free one's 0). */
#define WF_SLOTS_BITS_MAX 13
#define WF_SLOTS_WORDS \
	(((1u << WF_SLOTS_BITS_MAX) + (1u << WF_SLOTS_BITS_MAX) / 4 + 63) / 64)
#define WF_SLOT_TAKEN 0x80

/* wf_slots_bits: the table for n values has 2^bits slots, 4n < 2^bits <=
 * 8n; more than WF_SLOTS_BITS_MAX when n is too many for the slots. */
static inline unsigned wf_slots_bits(uint32_t n)
{
	unsigned bits = 0;
	while (bits <= WF_SLOTS_BITS_MAX && (1u << bits) <= 4 * (uint64_t)n)
		bits++;
	return bits;
}

/* wf_slots_bytes: the bytes to clear for a table of 2^bits slots and a
 * run of up to n - 1 past its end, in whole words of 64 slots. */
static inline size_t wf_slots_bytes(unsigned bits, uint32_t n)
{
	return ((1u << bits) + (size_t)n + 63) / 64 * 64;
}

/* wf_slots_taken64: the bitmap of the taken slots of taken[64 * q ..
 * 64 * (q + 1)). */
static inline uint64_t wf_slots_taken64(const uint8_t *taken, uint32_t q)
{
	const uint8_t *t = taken + 64 * (size_t)q;
	uint64_t m = 0;
#ifdef __SSE2__
	for (unsigned b = 0; b < 64; b += 16)
		m |= (uint64_t)(unsigned)_mm_movemask_epi8(
			     _mm_loadu_si128((const __m128i *)(t + b)))
		     << b;
#else
	for (unsigned b = 0; b < 64; b++)
		m |= (uint64_t)(t[b] >> 7) << b;
#endif
	return m;
}

#endif
