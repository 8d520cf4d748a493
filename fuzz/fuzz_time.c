/* fuzz_time.c — time parsing and formatting.
 *
 * Properties: wf_time_why explains exactly the texts wf_time_parse refuses;
 * an accepted time is in range, and formatting it and parsing the result
 * gives the same instant; wf_time_from_epoch keeps to the range for any
 * double; wf_time_format fits its buffer for any int64_t. */
#include <string.h>

#include "fuzz.h"
#include "wirefold/error.h"
#include "wirefold/timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int64_t ms = 12345;
	int rc = wf_time_parse(s, size, &ms);
	const char *why = wf_time_why(s, size);
	CHECK(rc == 0 || rc == WF_EBADTIME);
	CHECK((rc == 0) == (why == NULL));
	if (rc == 0) {
		CHECK(ms >= WF_TIME_MIN_MS && ms <= WF_TIME_MAX_MS);
		char buf[WF_TIME_FORMAT_MAX];
		int n = wf_time_format(ms, buf);
		CHECK(n > 0 && (size_t)n == strlen(buf) && n < WF_TIME_FORMAT_MAX);
		int64_t back = 0;
		CHECK(wf_time_parse(buf, (size_t)n, &back) == 0);
		CHECK(back == ms);
	} else {
		CHECK(ms == 12345); /* untouched */
		CHECK(why && *why);
	}
	if (size >= 8) {
		uint64_t bits;
		memcpy(&bits, data, 8);
		double d;
		memcpy(&d, &bits, sizeof d);
		int64_t e = 777;
		if (wf_time_from_epoch(d, &e) == 0)
			CHECK(e >= WF_TIME_MIN_MS && e <= WF_TIME_MAX_MS);
		else
			CHECK(e == 777);
		char buf[WF_TIME_FORMAT_MAX];
		int n = wf_time_format((int64_t)bits, buf);
		CHECK(n > 0 && (size_t)n == strlen(buf) && n < WF_TIME_FORMAT_MAX);
	}
	return 0;
}
