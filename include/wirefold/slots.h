/* slots.h — the bitmap of taken slots of an ordered table: the sort of
 * features' terms (wf_terms_sort, features.c); the table's size is also
 * that of the sort of fingerprint's sets (wf_sort_unique, minhash.c),
 * which marks its taken slots a byte each.  Each value goes to the slot
 * of its top bits in a table of 4n to 8n slots, or to its place in the
 * sorted run of taken slots there; the taken slots, read in order, are
 * the sorted result.  What a slot holds, and how a repeat is folded, is
 * the caller's; which slots are taken is this.  Header only; any
 * thread. */
#ifndef WF_SLOTS_H
#define WF_SLOTS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* At most 2^WF_SLOTS_BITS_MAX slots, and a run past the table's end of
 * fewer than n < 2^WF_SLOTS_BITS_MAX / 4 slots: the bitmap's words. */
#define WF_SLOTS_BITS_MAX 13
#define WF_SLOTS_WORDS \
	(((1u << WF_SLOTS_BITS_MAX) + (1u << WF_SLOTS_BITS_MAX) / 4 + 63) / 64)

/* wf_slots_bits: the table for n values has 2^bits slots, 4n < 2^bits <=
 * 8n; more than WF_SLOTS_BITS_MAX when n is too many for the bitmap. */
static inline unsigned wf_slots_bits(uint32_t n)
{
	unsigned bits = 0;
	while (bits <= WF_SLOTS_BITS_MAX && (1u << bits) <= 4 * (uint64_t)n)
		bits++;
	return bits;
}

/* wf_slots_clear: no slot of a table of 2^bits slots, nor of a run of up
 * to n - 1 past its end, is taken. */
static inline void wf_slots_clear(uint64_t *used, unsigned bits, uint32_t n)
{
	memset(used, 0, ((1u << bits) + n + 63) / 64 * sizeof *used);
}

/* Whether slot s is taken. */
static inline bool wf_slot_taken(const uint64_t *used, uint32_t s)
{
	return used[s / 64] >> (s % 64) & 1;
}

/* Mark slot s taken. */
static inline void wf_slot_take(uint64_t *used, uint32_t s)
{
	used[s / 64] |= UINT64_C(1) << (s % 64);
}

/* The first slot from s on that is not taken: the end of s's run. */
static inline uint32_t wf_slots_run_end(const uint64_t *used, uint32_t s)
{
	while (wf_slot_taken(used, s))
		s++;
	return s;
}

#endif
