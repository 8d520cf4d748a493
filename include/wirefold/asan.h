/* asan.h — poisoning of pooled memory under AddressSanitizer.
 *
 * Memory kept for reuse (arena blocks, pooled batches) is poisoned while it
 * waits, so that a pointer kept past its owner's reset or free is caught as a
 * use-after-free would be.  Without ASan the macros do nothing. */
#ifndef WF_ASAN_H
#define WF_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define WF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WF_ASAN 1
#endif
#endif

#ifdef WF_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#endif
