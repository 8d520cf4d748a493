/* prio.h — helper threads step back for the loop thread.
 *
 * The ordered stages (dedup, cluster, the bundle's bookkeeping) run on the
 * loop thread, one article after another: the pipeline's critical path.
 * With --threads 2 three threads share two cores — the loop thread, a
 * worker (parse … features) and the bundle writer — and the scheduler's
 * even shares preempt the loop thread every few milliseconds while the
 * others could wait.  So the helper threads lower their own priority a
 * little: the loop thread then keeps a core whenever it has work, and the
 * helpers fill what is left (measured: docs/PERFORMANCE.md).  Output does
 * not depend on it: the ordered stages take batches in input order. */
#ifndef WF_PRIO_H
#define WF_PRIO_H

/* How much nicer than the loop thread the helper threads are. */
#define WF_HELPER_NICE 5

/* wf_helper_priority: make the calling thread WF_HELPER_NICE nicer than it
 * is (at most 19), once per thread; later calls do nothing.  Linux keeps a
 * nice value per thread; elsewhere, and when the call fails, nothing
 * changes (the return is -1 with errno then, 0 otherwise).  Call it only on
 * a helper thread, never on the loop thread. */
int wf_helper_priority(void);

#endif
