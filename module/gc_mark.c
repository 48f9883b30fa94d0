// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk collector: marking. Shading, from the collector and from mutators
 * while the barrier is on; the collector's grey stack, the grey queue
 * mutators shade into, and rescans of the spans the stack had no room for;
 * scanning; the write barrier and pins; mark assists; and the steps of a
 * cycle that mark: clearing the marks (1), switching marking on (2), the
 * pinned objects among the roots (3) and termination (5).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/tcmk.h>

#include "gc.h"
#include "tcmk.h"
#include "tcmk_trace.h"

/* Entries of the collector's grey stack: 64 KiB; rescans cover overflow. */
#define GC_GREY_MAX		8192

/* Entries of the grey queue mutators shade into: 32 KiB. */
#define GC_SHARED_MAX		4096

/* Grey objects an assisting mutator takes at a time. */
#define GC_ASSIST_BATCH		16

/* Objects scanned between chances to reschedule and to share work. */
#define GC_SCAN_BATCH		256

/* From marking on until the sweep ends: allocations are born marked. */
bool gc_marking;

/*
 * From marking on until termination: mutators shade. Read with preemption
 * or interrupts off, sections that RCU's grace periods wait for (marking
 * waits for them to see it on), written under gc_shade_lock (shading checks
 * it again under the lock).
 */
bool gc_barrier;

/*
 * Tests shrink the grey stack to force overflows; never above GC_GREY_MAX.
 * Read once per cycle.
 */
unsigned int tcmk_gc_grey_limit = GC_GREY_MAX;
TCMK_EXPORT_FOR_TESTS(tcmk_gc_grey_limit);

/*
 * Tests stop the collector between two objects, to change the graph while
 * part of it is scanned and part is not: called after each object the
 * collector scans from its grey stack. Only in kernels that can load the
 * KUnit suites; elsewhere the scan has no such call to make.
 */
#if IS_ENABLED(CONFIG_KUNIT)
void (*tcmk_gc_scan_hook)(const void *obj);
TCMK_EXPORT_FOR_TESTS(tcmk_gc_scan_hook);

static void gc_scan_hook(const void *obj)
{
	void (*hook)(const void *obj) = READ_ONCE(tcmk_gc_scan_hook);

	if (unlikely(hook))
		hook(obj);
}
#else
static inline void gc_scan_hook(const void *obj)
{
}
#endif

/* The collector's working state; the collector's only. */
static struct {
	void **grey;
	unsigned int ngrey;
	unsigned int grey_cap;
	unsigned long scanned;
	unsigned long batch_bytes;
	/* get_state_synchronize_rcu() when gc_marking last went off. */
	unsigned long marking_off;
} gc;

/*
 * Grey objects mutators shaded, and spans whose marked objects must be
 * scanned again, under gc_shade_lock. @busy counts assisting mutators that
 * took grey objects from @q and have not finished scanning them:
 * termination waits for them. Assists find work in @q because the collector
 * moves some of its own there when @want is set.
 */
static DEFINE_SPINLOCK(gc_shade_lock);
static struct {
	void **q;
	unsigned int n;
	unsigned int busy;
	bool want;
	struct list_head rescan;
} gc_shared;

/* Whether @obj, a collected object not yet swept, is marked. */
bool gc_is_marked(const void *obj)
{
	struct tcmk_gc_span *s = tcmk_gc_span_of(obj);

	return test_bit(gc_index(s, obj), s->mark_bits);
}

/* For tests: whether live collected object @obj is marked now. */
bool tcmk_gc_marked(const void *obj)
{
	return gc_is_marked(obj);
}
TCMK_EXPORT_FOR_TESTS(tcmk_gc_marked);

/* Whether objects of @type may hold pointers the collector must follow. */
static bool gc_has_pointers(const struct tcmk_gc_type *type)
{
	return !type || !type->ptr_offsets || type->nr_ptrs;
}

/* Queue @s for a rescan of its marked objects (gc_shade_lock held). */
static void gc_queue_rescan(struct tcmk_gc_span *s)
{
	lockdep_assert_held(&gc_shade_lock);
	atomic_long_inc(&gc_stats.overflows_total);
	if (!s->queued) {
		s->queued = true;
		list_add_tail(&s->rescan, &gc_shared.rescan);
	}
}

/*
 * Grey an object, from the collector: mark it, and push it on the grey
 * stack if it may hold pointers. With the stack full, its span is queued
 * for a rescan instead.
 */
void gc_shade(struct tcmk_gc_span *s, unsigned int idx)
{
	unsigned long flags;
	u64 t0;

	if (test_and_set_bit(idx, s->mark_bits))
		return;
	if (!gc_has_pointers(s->types[idx]))
		return;
	if (likely(gc.ngrey < gc.grey_cap)) {
		gc.grey[gc.ngrey++] = gc_obj(s, idx);
		return;
	}
	spin_lock_irqsave(&gc_shade_lock, flags);
	t0 = ktime_get_ns();
	gc_queue_rescan(s);
	t0 = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&gc_shade_lock, flags);
	gc_section_done(t0, 0);
}

/* Push a newly marked object on the shared queue (gc_shade_lock held). */
static void gc_shared_push(struct tcmk_gc_span *s, unsigned int idx)
{
	lockdep_assert_held(&gc_shade_lock);
	if (!gc_has_pointers(s->types[idx]))
		return;
	if (likely(gc_shared.n < GC_SHARED_MAX))
		gc_shared.q[gc_shared.n++] = gc_obj(s, idx);
	else
		gc_queue_rescan(s);
}

/* Take up to @max grey objects off the shared queue (gc_shade_lock held). */
static unsigned int gc_shared_pop(void **dst, unsigned int max)
{
	unsigned int n = min(gc_shared.n, max);

	lockdep_assert_held(&gc_shade_lock);
	gc_shared.n -= n;
	memcpy(dst, gc_shared.q + gc_shared.n, n * sizeof(void *));
	return n;
}

/*
 * Grey an object, from a mutator, while the barrier is on. An object
 * already marked costs no lock: whoever marked it queued it in the same
 * locked section (or is the collector, which scans what it marks before it
 * terminates). The check under the lock orders this against termination.
 */
void gc_mut_shade_idx(struct tcmk_gc_span *s, unsigned int idx)
{
	unsigned long flags;

	if (test_bit(idx, s->mark_bits))
		return;
	spin_lock_irqsave(&gc_shade_lock, flags);
	if (READ_ONCE(gc_barrier) && !test_and_set_bit(idx, s->mark_bits))
		gc_shared_push(s, idx);
	spin_unlock_irqrestore(&gc_shade_lock, flags);
}

/* A value a mutator stores or overwrites: shade it if it is an object. */
void gc_mut_shade(const void *ptr)
{
	struct tcmk_gc_span *s;
	unsigned int idx;

	s = gc_live_object(ptr, &idx);
	if (s)
		gc_mut_shade_idx(s, idx);
}

/*
 * Pins are lock-free. While the barrier is on, the object is shaded: a
 * mutator may have loaded it in a read section from where the collector no
 * longer finds it.
 */
void tcmk_gc_pin(const void *obj)
{
	struct tcmk_gc_span *s;
	unsigned int idx;

	if (gc_refuse_nmi())
		return;
	s = gc_live_object(obj, &idx);
	if (!s) {
		gc_bad_call("pin of %p, not a live collected object\n", obj);
		return;
	}
	preempt_disable();
	if (unlikely(READ_ONCE(gc_barrier)))
		gc_mut_shade_idx(s, idx);
	gc_pin_object(s, idx);
	preempt_enable();
}
EXPORT_SYMBOL_GPL(tcmk_gc_pin);

/*
 * While the barrier is on, the object is shaded before its pin goes: it
 * may have been pinned when marking began and the collector not have come
 * to it yet (an unpin deletes a root, as tcmk_gc_write() deletes an edge).
 * Once the last pin is gone, a cycle may sweep the object and free its span
 * before @npinned is lowered: the span's metadata is freed after an RCU
 * grace period, which this function's preemption-off section holds off.
 */
void tcmk_gc_unpin(const void *obj)
{
	struct tcmk_gc_span *s;
	unsigned int idx;
	int left;

	if (gc_refuse_nmi())
		return;
	preempt_disable();
	s = gc_live_object(obj, &idx);
	if (!s) {
		preempt_enable();
		gc_bad_call("unpin of %p, not a live collected object\n", obj);
		return;
	}
	if (unlikely(READ_ONCE(gc_barrier)) && atomic_read(&s->pins[idx]))
		gc_mut_shade_idx(s, idx);
	left = atomic_dec_if_positive(&s->pins[idx]);
	if (left == 0) {
		this_cpu_dec(gc_pcpu.pinned);
		atomic_dec(&s->npinned);
	}
	preempt_enable();
	if (left < 0)
		gc_bad_call("unpin of %p, which is not pinned\n", obj);
}
EXPORT_SYMBOL_GPL(tcmk_gc_unpin);

/*
 * The barrier. Off, it is one well-predicted branch around the store. On,
 * the value overwritten and the value stored are both shaded before the
 * store. The flag is read with preemption off until the store is done, so
 * once marking has switched the flag on and waited for a grace period of
 * RCU (which waits for such sections as for rcu_read_lock()'s, and costs
 * the store less), no store that missed it is still in flight.
 */
void tcmk_gc_write(void **slot, void *val)
{
	if (gc_refuse_nmi())
		return;
	preempt_disable();
	if (unlikely(READ_ONCE(gc_barrier))) {
		gc_mut_shade(READ_ONCE(*slot));
		gc_mut_shade(val);
	}
	WRITE_ONCE(*slot, val);
	preempt_enable();
}
EXPORT_SYMBOL_GPL(tcmk_gc_write);

/* Scan one object; return the bytes scanned. */
static __always_inline unsigned int gc_scan(struct tcmk_gc_span *s,
					    unsigned int idx, bool mut)
{
	const struct tcmk_gc_type *type = s->types[idx];
	unsigned long *obj = gc_obj(s, idx);
	unsigned int i;

	if (type && type->ptr_offsets) {
		for (i = 0; i < type->nr_ptrs; i++)
			gc_mark_word(READ_ONCE(*(unsigned long *)
					       ((void *)obj + type->ptr_offsets[i])),
				     mut);
		return type->nr_ptrs * sizeof(long);
	}
	for (i = 0; i < s->size / sizeof(long); i++)
		gc_mark_word(READ_ONCE(obj[i]), mut);
	return s->size;
}

/*
 * Every GC_SCAN_BATCH objects: a chance to reschedule, the bytes scanned
 * for the assists' pacing, and grey objects for assists that ran dry.
 */
static void gc_scanned(unsigned int bytes)
{
	unsigned long flags;
	unsigned int n;
	u64 t0;

	gc.batch_bytes += bytes;
	if (++gc.scanned % GC_SCAN_BATCH)
		return;
	atomic_long_add(gc.batch_bytes, &gc_stats.scan_bytes);
	gc.batch_bytes = 0;
	if (READ_ONCE(gc_shared.want) && gc.ngrey > 2 * GC_ASSIST_BATCH) {
		spin_lock_irqsave(&gc_shade_lock, flags);
		t0 = ktime_get_ns();
		n = min3(gc.ngrey / 2, GC_SHARED_MAX - gc_shared.n, 4U * GC_ASSIST_BATCH);
		gc.ngrey -= n;
		memcpy(gc_shared.q + gc_shared.n, gc.grey + gc.ngrey, n * sizeof(void *));
		gc_shared.n += n;
		gc_shared.want = false;
		t0 = ktime_get_ns() - t0;
		spin_unlock_irqrestore(&gc_shade_lock, flags);
		gc_section_done(t0, 0);
	}
	cond_resched();
}

/* Scan what the grey stack holds until it is empty. */
static void gc_drain_grey(void)
{
	while (gc.ngrey) {
		void *obj = gc.grey[--gc.ngrey];
		struct tcmk_gc_span *s = tcmk_gc_span_of(obj);

		gc_scanned(gc_scan(s, gc_index(s, obj), false));
		gc_scan_hook(obj);
	}
}

/* Scan every marked object of @s again; overflow brought it here. */
static void gc_rescan_span(struct tcmk_gc_span *s)
{
	unsigned int idx;

	/*
	 * Scanning a black object again only shades what it points to a
	 * second time, which is harmless; skipping a grey one is not.
	 */
	for_each_set_bit(idx, s->mark_bits, s->nobjs) {
		if (!test_bit(idx, s->alloc_bits))
			continue;
		/* Pairs with the smp_mb__before_atomic() in gc_hand_out(). */
		smp_rmb();
		if (!gc_has_pointers(s->types[idx]))
			continue;
		gc_scanned(gc_scan(s, idx, false));
		/* Keep room for what this span's objects point to. */
		gc_drain_grey();
	}
}

/*
 * Take work mutators left: grey objects from the shared queue, or a span to
 * rescan. Return: false if there was none.
 */
static bool gc_take_shared(void)
{
	struct tcmk_gc_span *s = NULL;
	unsigned long flags;
	unsigned int n;
	u64 t0;

	spin_lock_irqsave(&gc_shade_lock, flags);
	t0 = ktime_get_ns();
	n = gc_shared_pop(gc.grey + gc.ngrey, gc.grey_cap - gc.ngrey);
	gc.ngrey += n;
	if (!n) {
		s = list_first_entry_or_null(&gc_shared.rescan,
					     struct tcmk_gc_span, rescan);
		if (s) {
			list_del_init(&s->rescan);
			s->queued = false;
		}
	}
	t0 = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&gc_shade_lock, flags);
	gc_section_done(t0, 0);
	if (s)
		gc_rescan_span(s);
	return n || s;
}

/* Scan grey objects until none is left that the collector can see. */
void gc_drain(void)
{
	do {
		gc_drain_grey();
	} while (gc_take_shared());
}

/*
 * Mark assist: a mutator allocating while the heap is past its goal and a
 * cycle marks pays for its allocation with scan work, as in Go, as much as
 * gc_assist_debt() says. Only where @gfp may sleep: scanning takes time.
 */
void gc_assist(size_t bytes, gfp_t gfp)
{
	void *batch[GC_ASSIST_BATCH];
	unsigned long flags, done = 0;
	unsigned long debt;
	unsigned int n, i;

	if (!gfpflags_allow_blocking(gfp))
		return;
	debt = gc_assist_debt(bytes);

	if (!READ_ONCE(gc_shared.n)) {
		/* Nothing to take: ask the collector to share, lock-free. */
		WRITE_ONCE(gc_shared.want, true);
		return;
	}
	atomic_inc(&gc_stats.mark_workers);
	while (done < debt) {
		spin_lock_irqsave(&gc_shade_lock, flags);
		n = READ_ONCE(gc_barrier) ? gc_shared_pop(batch, GC_ASSIST_BATCH) : 0;
		if (!n) {
			/* Ask the collector to share its grey stack. */
			WRITE_ONCE(gc_shared.want, READ_ONCE(gc_barrier));
			spin_unlock_irqrestore(&gc_shade_lock, flags);
			break;
		}
		gc_shared.busy++;
		spin_unlock_irqrestore(&gc_shade_lock, flags);

		for (i = 0; i < n; i++) {
			struct tcmk_gc_span *s = tcmk_gc_span_of(batch[i]);

			done += gc_scan(s, gc_index(s, batch[i]), true);
		}

		spin_lock_irqsave(&gc_shade_lock, flags);
		gc_shared.busy--;
		spin_unlock_irqrestore(&gc_shade_lock, flags);
	}
	atomic_dec(&gc_stats.mark_workers);
	if (done) {
		atomic_long_add(done, &gc_stats.scan_bytes);
		atomic_long_add(done, &gc_stats.assist_bytes_total);
	}
}

/*
 * A finalized object whose finalizer has dropped its pin is noted: if this
 * cycle's marking finds it, it came back (gc_check_resurrected()).
 */
static void gc_clear_span_marks(struct tcmk_gc_span *s, void *unused)
{
	unsigned long check[BITS_TO_LONGS(GC_MAX_OBJS)];
	unsigned int idx;

	bitmap_zero(s->mark_bits, s->nobjs);
	if (bitmap_andnot(check, s->fin_done, s->fin_check, s->nobjs))
		for_each_set_bit(idx, check, s->nobjs)
			if (!atomic_read(&s->pins[idx]))
				__set_bit(idx, s->fin_check);
	if (!bitmap_empty(s->fin_check, s->nobjs))
		gc_fin_check = true;
}

/*
 * Step 1: every mark bit cleared. Nothing marks before the barrier is on,
 * so this runs beside the mutators, once no allocation is left that read
 * gc_marking on in the cycle before: such an allocation sets its mark bit
 * with interrupts off (gc_hand_out()), so a grace period of RCU since the
 * flag went off (gc_stop_marking()) has seen it done. Usually one has
 * passed between cycles, and this does not wait.
 */
void gc_clear_marks(void)
{
	unsigned int cls;

	cond_synchronize_rcu_expedited(gc.marking_off);
	gc_fin_check = false;
	for (cls = 0; cls < GC_NR_CLASSES; cls++)
		gc_walk_class(cls, gc_clear_span_marks, NULL);
	/*
	 * With a finalizer pending, its object is pinned, or unpinned (and
	 * shaded) while this cycle marks, and what it reaches is marked:
	 * finalized objects among that have not come back. Such a cycle
	 * leaves the check to a later one. Pairs with the
	 * smp_mb__before_atomic() before the decrement in
	 * gc_run_finalizers(): with none pending, every finalizer's unpin is
	 * seen by the marking that follows.
	 */
	if (atomic_read_acquire(&gc_fin_pending))
		gc_fin_check = false;
	gc_test_hook(TCMK_GC_TEST_MARKS_CLEARED, NULL);
}

static void gc_count_pause(enum tcmk_trace_gc_pause which, u64 ns)
{
	unsigned int b = ns < 10 * NSEC_PER_USEC ? 0 :
			 ns < 100 * NSEC_PER_USEC ? 1 :
			 ns < NSEC_PER_MSEC ? 2 : 3;

	gc_stats.pauses[b]++;
	gc_stats.pause_total_ns += ns;
	gc_stats.pause_max_ns = max(gc_stats.pause_max_ns, ns);
	trace_gc_pause(which, ns);
}

/*
 * Step 2: marking on, in two steps, as the Go runtime turns its write
 * barrier on before it allocates black (mgc.go, gcStart):
 *
 *  a. The barrier goes on, and a grace period of RCU makes sure that every
 *     CPU sees it: each allocation, barrier, pin and unpin reads the flags
 *     with preemption or interrupts off and has its stores done before it
 *     turns them back on, so every such section that could have missed the
 *     store has ended when synchronize_rcu_expedited() returns, and every
 *     later one sees it (the grace period orders the store before them).
 *  b. Only then are objects born black (gc_marking).
 *  c. A second grace period of RCU: an allocation that read gc_marking
 *     off has set its allocated bit by the time it returns, for
 *     gc_hand_out() keeps interrupts off from that read to the bit.
 *
 * In the other order, a CPU could see gc_marking but not yet gc_barrier
 * (the collector stalled between the stores: an NMI, a preempted vCPU),
 * allocate Y black, store X into it and unpin X with no shade: Y would
 * never be scanned, and X would be swept while Y holds it. Objects born
 * before b are white but pinned: the roots (step 3) shade them, or their
 * unpin does, with the barrier on. The roots find them by their allocated
 * bit and their pin, hence c: without it, a birth stalled between its read
 * of gc_marking and its allocated bit (a preempted vCPU again) would be
 * passed over by the walk over the pinned objects, and swept while its
 * allocator holds it.
 *
 * The pause is how long gc_shade_lock is held: the time a mutator that
 * shades could wait for the collector.
 */
void gc_start_marking(void)
{
	unsigned long flags;
	u64 t0;

	/* This cycle's grey stack, empty, of the size tests may ask for. */
	gc.grey_cap = clamp_t(unsigned int, READ_ONCE(tcmk_gc_grey_limit), 1,
			      GC_GREY_MAX);
	gc.ngrey = 0;
	gc.batch_bytes = 0;
	atomic_long_set(&gc_stats.scan_bytes, 0);
	spin_lock_irqsave(&gc_shade_lock, flags);
	t0 = ktime_get_ns();
	WRITE_ONCE(gc_barrier, true);
	t0 = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&gc_shade_lock, flags);
	gc_count_pause(TCMK_TRACE_PAUSE_MARK_ON, t0);
	gc_section_done(t0, 0);
	WRITE_ONCE(tcmk_gc_phase, TCMK_GC_MARK);
	synchronize_rcu_expedited();
	gc_test_hook(TCMK_GC_TEST_BARRIER_ON, NULL);
	WRITE_ONCE(gc_marking, true);
	/* c: every white birth is done. */
	synchronize_rcu_expedited();
	/* No read section holds what it loaded before marking. */
	synchronize_srcu_expedited(&gc_srcu);
}

static void gc_shade_pinned(struct tcmk_gc_span *s, void *unused)
{
	unsigned int idx;

	if (!atomic_read(&s->npinned))
		return;
	for_each_set_bit(idx, s->alloc_bits, s->nobjs)
		if (atomic_read(&s->pins[idx]))
			gc_shade(s, idx);
}

/* Step 3: the roots. */
void gc_mark_roots(void)
{
	unsigned int cls;

	gc_mark_root_slots();
	for (cls = 0; cls < GC_NR_CLASSES; cls++) {
		gc_walk_class(cls, gc_shade_pinned, NULL);
		gc_drain();
	}
}

/*
 * Step 5: marking off, if nothing is left to scan. Under gc_weak_lock too,
 * so that from the same moment tcmk_gc_weak_get() treats unmarked objects
 * as dead. Return: whether marking ended.
 */
bool gc_terminate(void)
{
	unsigned long flags;
	bool done;
	u64 t0;

	spin_lock_irqsave(&gc_weak_lock, flags);
	spin_lock(&gc_shade_lock);
	t0 = ktime_get_ns();
	done = !gc.ngrey && !gc_shared.n && !gc_shared.busy &&
	       list_empty(&gc_shared.rescan);
	if (done) {
		WRITE_ONCE(gc_barrier, false);
		gc_shared.want = false;
		gc_weak_clearing = true;
	}
	t0 = ktime_get_ns() - t0;
	spin_unlock(&gc_shade_lock);
	spin_unlock_irqrestore(&gc_weak_lock, flags);
	if (done)
		gc_count_pause(TCMK_TRACE_PAUSE_TERMINATE, t0);
	gc_section_done(t0, 0);
	return done;
}

/* Allocation black off, once the sweep is done (gc_cycle()). */
void gc_stop_marking(void)
{
	WRITE_ONCE(gc_marking, false);
	/* The next gc_clear_marks() waits for a grace period from here. */
	gc.marking_off = get_state_synchronize_rcu();
}

/* The grey stack and the shared queue, at their largest. */
int __init gc_mark_init(void)
{
	gc.marking_off = get_state_synchronize_rcu();
	INIT_LIST_HEAD(&gc_shared.rescan);
	gc.grey = kvmalloc_array(GC_GREY_MAX, sizeof(void *), GFP_KERNEL);
	gc_shared.q = kvmalloc_array(GC_SHARED_MAX, sizeof(void *), GFP_KERNEL);
	if (!gc.grey || !gc_shared.q) {
		gc_mark_exit();
		return -ENOMEM;
	}
	return 0;
}

void gc_mark_exit(void)
{
	kvfree(gc_shared.q);
	kvfree(gc.grey);
}
