/* prio.c — see prio.h. */
#include "wirefold/prio.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/resource.h>

int wf_helper_priority(void)
{
	static _Thread_local bool done;
	if (done)
		return 0;
	done = true;
#ifdef __linux__
	/* who = 0 is the calling thread under Linux (not the process) */
	errno = 0;
	const int now = getpriority(PRIO_PROCESS, 0);
	if (now == -1 && errno)
		return -1;
	const int want = now + WF_HELPER_NICE > 19 ? 19 : now + WF_HELPER_NICE;
	return want == now ? 0 : setpriority(PRIO_PROCESS, 0, want);
#else
	return 0;
#endif
}
