/* Helper threads lower their own priority, once, and only their own. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>

#include "wirefold/prio.h"

struct seen {
	int before, after_first, after_second;
	int rc;
};

static int nice_now(void)
{
	errno = 0;
	const int p = getpriority(PRIO_PROCESS, 0);
	cr_assert(p != -1 || errno == 0);
	return p;
}

static void *helper(void *arg)
{
	struct seen *s = arg;
	s->before = nice_now();
	s->rc = wf_helper_priority();
	s->after_first = nice_now();
	wf_helper_priority();
	s->after_second = nice_now();
	return NULL;
}

static struct seen run_helper(void)
{
	struct seen s = {0};
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, helper, &s), 0);
	cr_assert_eq(pthread_join(t, NULL), 0);
	return s;
}

Test(prio, a_helper_steps_back_once_and_the_caller_keeps_its_priority)
{
	const int main_before = nice_now();
	const struct seen s = run_helper();
	cr_assert_eq(s.rc, 0);
	const int want = s.before + WF_HELPER_NICE > 19 ? 19 : s.before + WF_HELPER_NICE;
	cr_assert_eq(s.after_first, want, "nice %d -> %d, want %d", s.before, s.after_first, want);
	cr_assert_eq(s.after_second, want, "a second call must not lower it again");
	cr_assert_eq(nice_now(), main_before, "only the calling thread changes");
	/* a new thread starts from the creator's value, and steps back again */
	const struct seen t = run_helper();
	cr_assert_eq(t.before, main_before);
	cr_assert_eq(t.after_first, want);
}

Test(prio, capped_at_19)
{
	/* this test's own thread becomes as nice as can be; a helper it
	 * starts cannot go further and reports no failure */
	cr_assert_eq(setpriority(PRIO_PROCESS, 0, 19), 0);
	const struct seen s = run_helper();
	cr_assert_eq(s.before, 19);
	cr_assert_eq(s.rc, 0);
	cr_assert_eq(s.after_first, 19);
}
