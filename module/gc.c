// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk collector: concurrent tri-colour mark-sweep for objects that kernel
 * code opts into with tcmk_gc_alloc(). The contract users see is in
 * <linux/tcmk.h>.
 *
 * Collected objects live in spans of their own, taken from the page heap
 * like any other and cut into objects of one size class (or holding one
 * object above the largest class). Their pages are stamped in the page map
 * with a kind of their own (TCMK_PAGEMAP_GC), so tcmk_span_of() and with it
 * tcmk_free() never take them for ordinary spans, and tcmk_gc_span_of()
 * tells in three loads whether any word points into one. Beside each span,
 * not in the objects, sit its bitmaps: which objects are allocated and which
 * are marked, and per object its type and pin count. A free object is zero,
 * so allocation touches only the bitmaps; the sweep zeroes the objects it
 * frees.
 *
 * Each node with memory has its own lists of spans of every class, as it has
 * central lists. Each CPU takes free objects from a span of its node's a
 * stash at a time (under the class's lock, which counts them as taken), so
 * that every object it hands out lies on its node; an object of another
 * node (tcmk_gc_alloc_node()) comes from that node's lists one at a time,
 * past the stash. A span's pages go back to the page heap of the node they
 * came from. The CPU allocates from its stash with interrupts off and no
 * lock: the object's type and pin are set, and then its allocated bit,
 * atomically, for the sweep may be clearing other bits of the same word.
 * Stashed objects are not allocated: the collector neither scans nor frees
 * them, and they keep their span. Every cycle gives the stashes back before
 * it sweeps.
 *
 * A cycle runs beside the mutators, which are never stopped as a whole:
 *   1. every span's mark bits are cleared;
 *   2. marking is switched on: first gc_barrier (mutators shade what they
 *      touch, see below), then, once a grace period of RCU has made every
 *      CPU see it, gc_marking (allocations are born marked, "black"); then
 *      the collector waits for another grace period of RCU, after which
 *      every allocation born white is done, and for one of the read
 *      sections, after which no mutator holds a pointer it loaded before
 *      marking began;
 *   3. roots are marked: what the root slots hold, and every pinned object;
 *   4. marking proper: a marked object still to be scanned is grey and waits
 *      on the collector's grey stack; scanning it marks what its pointer
 *      words point into. The stack is bounded: an object it has no room for
 *      stays marked, and its span is queued to be rescanned, every marked
 *      object in it scanned again. No recursion, no allocation;
 *   5. termination: with the grey stack, the mutators' shared grey queue and
 *      the rescan list empty and no assisting mutator scanning, the barrier
 *      is switched off, all under gc_shade_lock. This and switching marking
 *      on are the two pauses counted in gc/pauses: the only moments a
 *      mutator that shades (or reads a weak reference) may wait;
 *   6. weak references to unmarked objects are cleared, finalized objects
 *      that marking found again are reported, and unreachable objects with
 *      a finalizer are kept and queued (with what they reach);
 *   7. after a grace period of the read sections, sweeping: unmarked objects
 *      are zeroed and become free; a span with none left goes back to the
 *      page heap. Allocation goes on meanwhile, still black.
 *
 * While the barrier is on, a mutator shades (marks, and queues for the
 * collector to scan) the old and the new value of every pointer store
 * (tcmk_gc_write(): Yuasa's deletion barrier and Dijkstra's insertion
 * barrier together, as in Go), every object it pins or unpins, every root
 * slot it adds or removes, and what tcmk_gc_weak_get() returns. Together
 * with allocation black, that keeps the invariant termination needs: every
 * object a mutator can reach or holds (pinned, or loaded in a read section)
 * is marked, or grey with its scan still to come. Objects unmarked at
 * termination are unreachable for good: no mutator can store or pin them.
 *
 * Under generic KASAN, free objects are poisoned, so a use of an object the
 * collector freed (a missing pin, root or read section) is reported where it
 * happens.
 *
 * Files, one concern each, as the Go runtime splits its collector:
 *   gc.c        the cycle: its steps in order, the walks over a class's
 *               spans, the statistics, init and exit;
 *   gc_alloc.c  collected spans, the CPUs' stashes and tcmk_gc_alloc();
 *   gc_mark.c   shading, the grey stack, the shared grey queue and rescans,
 *               scanning, the write barrier, pins, mark assists, and the
 *               steps that mark (1, 2, the pinned half of 3, 4 and 5);
 *   gc_roots.c  root slots (the other half of 3), weak references (6a)
 *               and read sections;
 *   gc_sweep.c  finalizers (6b, 6c) and the sweep (7);
 *   gc_pacer.c  the heap goal, the background worker that starts paced
 *               cycles, and the debt of a mark assist;
 *   gc.h        what they share, and the collector's locks: their order,
 *               what each protects and where each is taken.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/tcmk.h>
#include <linux/workqueue.h>

#include "gc.h"
#include "tcmk.h"
#include "tcmk_trace.h"

/* One cycle, or one walk of the spans, at a time; see gc.h. */
static DEFINE_MUTEX(gc_cycle_lock);

/* What a cycle is doing, for sysfs gc/phase. */
enum tcmk_gc_phase tcmk_gc_phase = TCMK_GC_IDLE;

/*
 * Called after every cycle, from the thread that ran it, with no lock of
 * the collector's held: users that keep records of objects (a weak
 * reference each) learn when to look which died, whoever collected.
 */
static BLOCKING_NOTIFIER_HEAD(gc_notifiers);

/* sysfs gc/enabled: 0 makes tcmk_gc_collect() do nothing. */
bool tcmk_gc_enabled = true;

#if IS_ENABLED(CONFIG_KUNIT)
/* Called through gc_test_hook(); see there. */
void (*tcmk_gc_test_hook)(enum tcmk_gc_test_point point, const void *obj);
TCMK_EXPORT_FOR_TESTS(tcmk_gc_test_hook);
#endif

DEFINE_PER_CPU(struct gc_pcpu, gc_pcpu);

struct gc_stats gc_stats;

/*
 * Sections: the stretches of a cycle with a spinlock held or interrupts
 * off. Whoever wants the lock meanwhile (a mutator that shades, reads a weak
 * reference or refills its stash) spins, and the CPU takes no interrupt, so
 * their length must not grow with the heap. Each is timed from the moment
 * it holds its lock to the moment it lets go; a cycle keeps its longest, and
 * the most entries (weak references, spans) one of them walked. Most run on
 * the collector's CPU; while the stashes go back, one runs on every CPU.
 * The clock is ktime_get_ns(), as for the pauses: where sched_clock() is
 * unstable (TSCs out of step), local_clock() goes no further than a tick
 * past the last tick its CPU took, so with interrupts off it cannot see a
 * section longer than a tick.
 */
static struct {
	atomic64_t ns;
	atomic_t walked;
} gc_section;

/*
 * The most entries one section of the last cycle walked: a bound tests can
 * check without trusting the clock of an emulated, shared machine.
 */
unsigned int tcmk_gc_section_walked;
TCMK_EXPORT_FOR_TESTS(tcmk_gc_section_walked);

/* A section of @ns has ended, having walked @walked entries; any context. */
void gc_section_done(u64 ns, unsigned int walked)
{
	s64 old_ns = atomic64_read(&gc_section.ns);
	int old_walked = atomic_read(&gc_section.walked);

	while ((s64)ns > old_ns &&
	       !atomic64_try_cmpxchg(&gc_section.ns, &old_ns, ns))
		;
	while ((int)walked > old_walked &&
	       !atomic_try_cmpxchg(&gc_section.walked, &old_walked, walked))
		;
}

/* Every CPU's share of a per-CPU counter, plus @global's part. */
static long gc_pcpu_sum(size_t offset, long global)
{
	int cpu;

	for_each_possible_cpu(cpu)
		global += *(long *)((void *)per_cpu_ptr(&gc_pcpu, cpu) + offset);
	return max(global, 0L);
}

unsigned long gc_heap_bytes(void)
{
	return gc_pcpu_sum(offsetof(struct gc_pcpu, heap_bytes),
			   atomic_long_read(&gc_stats.heap_bytes));
}

/* Counted by gc_bad_call(). */
atomic_long_t tcmk_gc_bad_calls = ATOMIC_LONG_INIT(0);
TCMK_EXPORT_FOR_TESTS(tcmk_gc_bad_calls);

/* A bad call of its own kind: a collector call in NMI (tcmk_in_nmi()). */
noinline bool gc_nmi_refused(const char *call)
{
	gc_bad_call("%s() refused: called in NMI context\n", call);
	return true;
}

/*
 * Call @fn(span, @arg) for every span on @c's list when the walk comes to
 * it. The class's lock is held only to pick the next TCMK_GC_SECTION_BATCH
 * spans off @c->all; @fn runs without it, so the class allocates meanwhile.
 * Spans leave the list, and are freed, only in the sweep, which runs under
 * gc_cycle_lock like every walk: the spans picked stay valid, and the last
 * of them stays on the list to go on from. On @c->all, unlike the partial
 * and full lists, spans never move, and a new one goes in at the head,
 * behind the walk, which misses it. None of the cycle's walks needs it: it
 * came after the walk began, so its mark bits are zero already, and once
 * marking has begun every object it hands out is allocated black. (A count
 * misses it as a count taken a moment sooner would.)
 */
static void gc_walk_list(struct tcmk_gc_class *c,
			 void (*fn)(struct tcmk_gc_span *s, void *arg),
			 void *arg)
{
	struct tcmk_gc_span *batch[TCMK_GC_SECTION_BATCH];
	struct list_head *pos = &c->all;
	unsigned long flags;
	unsigned int n, i;
	u64 t0;

	lockdep_assert_held(&gc_cycle_lock);
	do {
		spin_lock_irqsave(&c->lock, flags);
		t0 = ktime_get_ns();
		for (n = 0; n < TCMK_GC_SECTION_BATCH && pos->next != &c->all; n++) {
			pos = pos->next;
			batch[n] = list_entry(pos, struct tcmk_gc_span, all);
		}
		t0 = ktime_get_ns() - t0;
		spin_unlock_irqrestore(&c->lock, flags);
		gc_section_done(t0, n);
		for (i = 0; i < n; i++)
			fn(batch[i], arg);
		cond_resched();
	} while (n == TCMK_GC_SECTION_BATCH);
}

/* gc_walk_list() over class @cls of every node, one node after another. */
void gc_walk_class(unsigned int cls,
		   void (*fn)(struct tcmk_gc_span *s, void *arg), void *arg)
{
	int nid;

	for_each_node(nid)
		if (gc_nodes[nid])
			gc_walk_list(gc_class(nid, cls), fn, arg);
}

/*
 * One cycle. Its grace periods are expedited: an explicit collection has a
 * caller waiting, and while a paced one waits, mutators allocate past the
 * goal with no grey objects to assist with.
 */
void gc_cycle(bool paced)
{
	u64 t0, t1, t2, t3, marked, section, freed_objs, freed_bytes;
	bool finalize;

	mutex_lock(&gc_cycle_lock);
	atomic_inc(&gc_stats.mark_workers);
	atomic64_set(&gc_section.ns, 0);
	atomic_set(&gc_section.walked, 0);
	if (trace_gc_start_enabled())
		trace_gc_start(paced, gc_heap_bytes(), READ_ONCE(gc_heap_goal));
	/* Written by the sweep alone, which runs under gc_cycle_lock. */
	freed_objs = gc_stats.freed_objects_total;
	freed_bytes = gc_stats.freed_bytes_total;
	t0 = ktime_get_ns();
	trace_gc_phase(TCMK_TRACE_GC_CLEAR);
	gc_clear_marks();
	trace_gc_phase(TCMK_TRACE_GC_MARK_ON);
	gc_start_marking();
	trace_gc_phase(TCMK_TRACE_GC_ROOTS);
	gc_mark_roots();
	gc_test_hook(TCMK_GC_TEST_ROOTS_MARKED, NULL);
	trace_gc_phase(TCMK_TRACE_GC_MARK);
	do {
		gc_drain();
		/* An assist is still scanning: let it finish. */
		cond_resched();
	} while (!gc_terminate());
	t1 = ktime_get_ns();
	trace_gc_phase(TCMK_TRACE_GC_WEAK);
	gc_clear_weak();
	gc_check_resurrected();
	finalize = gc_queue_finalizers();
	atomic_dec(&gc_stats.mark_workers);

	WRITE_ONCE(tcmk_gc_phase, TCMK_GC_SWEEP);
	/* Read sections may still hold what is about to be freed. */
	synchronize_srcu_expedited(&gc_srcu);
	/* Stashed objects back to their spans, so empty spans can go. */
	gc_stashes_return_all();
	t2 = ktime_get_ns();
	trace_gc_phase(TCMK_TRACE_GC_SWEEP);
	marked = gc_sweep(paced);
	gc_test_hook(TCMK_GC_TEST_SWEPT, NULL);
	gc_stop_marking();
	t3 = ktime_get_ns();
	trace_gc_end(marked, gc_stats.freed_objects_total - freed_objs,
		     gc_stats.freed_bytes_total - freed_bytes, t3 - t0);

	gc_stats.marked_bytes_last = marked;
	gc_stats.last_cycle_ns = t3 - t0;
	gc_stats.last_mark_ns = t1 - t0;
	gc_stats.last_sweep_ns = t3 - t2;
	/* The stashes' sections ended before flush_work() returned. */
	section = atomic64_read(&gc_section.ns);
	gc_stats.last_section_max_ns = section;
	gc_stats.section_max_ns = max(gc_stats.section_max_ns, section);
	WRITE_ONCE(tcmk_gc_section_walked, atomic_read(&gc_section.walked));
	gc_stats.cycles_paced += paced;
	/*
	 * The counters before the cycle: readers find them complete. Pairs
	 * with the smp_rmb() in tcmk_gc_get_stats().
	 */
	smp_wmb();
	WRITE_ONCE(gc_stats.cycles, gc_stats.cycles + 1);
	WRITE_ONCE(tcmk_gc_phase, TCMK_GC_IDLE);
	mutex_unlock(&gc_cycle_lock);
	if (finalize)
		queue_work(system_unbound_wq, &gc_fin_work);
	tcmk_gc_update_goal();
	blocking_notifier_call_chain(&gc_notifiers, TCMK_GC_CYCLE_DONE, NULL);
}

void tcmk_gc_collect(void)
{
	might_sleep();
	if (READ_ONCE(tcmk_gc_enabled))
		gc_cycle(false);
}
EXPORT_SYMBOL_GPL(tcmk_gc_collect);

int tcmk_gc_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&gc_notifiers, nb);
}
EXPORT_SYMBOL_GPL(tcmk_gc_register_notifier);

int tcmk_gc_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&gc_notifiers, nb);
}
EXPORT_SYMBOL_GPL(tcmk_gc_unregister_notifier);

void tcmk_gc_get_stats(struct tcmk_gc_stats *st)
{
	unsigned int i;

	st->enabled = READ_ONCE(tcmk_gc_enabled);
	st->cycles = READ_ONCE(gc_stats.cycles);
	/*
	 * Pairs with the smp_wmb() in gc_cycle(): counters at least as new
	 * as the cycles.
	 */
	smp_rmb();
	st->heap_bytes = gc_heap_bytes();
	st->heap_objects = gc_pcpu_sum(offsetof(struct gc_pcpu, heap_objects),
				       atomic_long_read(&gc_stats.heap_objects));
	st->marked_bytes_last = READ_ONCE(gc_stats.marked_bytes_last);
	st->freed_objects_total = READ_ONCE(gc_stats.freed_objects_total);
	st->freed_bytes_total = READ_ONCE(gc_stats.freed_bytes_total);
	st->roots = atomic_long_read(&gc_stats.roots);
	st->pinned = gc_pcpu_sum(offsetof(struct gc_pcpu, pinned), 0);
	st->weak_refs = atomic_long_read(&gc_stats.weak_refs);
	st->overflows_total = atomic_long_read(&gc_stats.overflows_total);
	st->last_cycle_ns = READ_ONCE(gc_stats.last_cycle_ns);
	st->last_mark_ns = READ_ONCE(gc_stats.last_mark_ns);
	st->last_sweep_ns = READ_ONCE(gc_stats.last_sweep_ns);
	st->pause_max_ns = READ_ONCE(gc_stats.pause_max_ns);
	st->pause_total_ns = READ_ONCE(gc_stats.pause_total_ns);
	st->section_max_ns = READ_ONCE(gc_stats.section_max_ns);
	st->last_section_max_ns = READ_ONCE(gc_stats.last_section_max_ns);
	st->bad_calls_total = atomic_long_read(&tcmk_gc_bad_calls);
	st->heap_goal = READ_ONCE(gc_heap_goal);
	st->finalizers_run_total = atomic_long_read(&gc_stats.finalizers_run);
	st->cycles_paced = READ_ONCE(gc_stats.cycles_paced);
	st->assist_bytes_total = atomic_long_read(&gc_stats.assist_bytes_total);
	st->mark_workers = atomic_read(&gc_stats.mark_workers);
	for (i = 0; i < TCMK_GC_PAUSE_BUCKETS; i++)
		st->pauses[i] = READ_ONCE(gc_stats.pauses[i]);
}
EXPORT_SYMBOL_GPL(tcmk_gc_get_stats);

/* Spans and allocated objects, counted into @arg[0] and @arg[1]. */
static void gc_count_span(struct tcmk_gc_span *s, void *arg)
{
	unsigned long *counts = arg;

	counts[0]++;
	counts[1] += bitmap_weight(s->alloc_bits, s->nobjs);
}

/**
 * tcmk_gc_class_counts() - a class's collected spans and objects, on
 * every node.
 * @cls:	size class, or TCMK_NR_CLASSES for objects above the largest.
 * @spans:	spans.
 * @objects:	allocated objects in them.
 *
 * Context: process context; sleeps until a cycle in progress ends, since
 * only the collector's own walks may let go of the class's lock midway.
 */
void tcmk_gc_class_counts(unsigned int cls, unsigned long *spans,
			  unsigned long *objects)
{
	unsigned long counts[2] = { 0, 0 };

	mutex_lock(&gc_cycle_lock);
	gc_walk_class(cls, gc_count_span, counts);
	mutex_unlock(&gc_cycle_lock);
	*spans = counts[0];
	*objects = counts[1];
}
TCMK_EXPORT_FOR_TESTS(tcmk_gc_class_counts);

int __init tcmk_gc_init(void)
{
	unsigned int cls;
	int ret;

	/* The sweep's bitmap on the stack holds any span's objects. */
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++)
		if (WARN_ON(tcmk_classes[cls].objects > GC_MAX_OBJS))
			return -EINVAL;
	ret = gc_mark_init();
	if (ret)
		return ret;
	if (init_srcu_struct(&gc_srcu)) {
		ret = -ENOMEM;
		goto mark;
	}
	ret = gc_alloc_init();
	if (ret < 0)
		goto srcu;
	return 0;
srcu:
	cleanup_srcu_struct(&gc_srcu);
mark:
	gc_mark_exit();
	return ret;
}

/*
 * At unload every user of the API is gone (each holds a reference on this
 * module), so every collected object is garbage: all of it goes back. Roots
 * and weak references a user forgot are reported and freed.
 */
void tcmk_gc_exit(void)
{
	WRITE_ONCE(tcmk_gc_enabled, false);
	cancel_work_sync(&gc_work);
	gc_finalizers_exit();
	gc_roots_exit();
	gc_alloc_exit();
	cleanup_srcu_struct(&gc_srcu);
	gc_mark_exit();
}
