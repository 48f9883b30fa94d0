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
 * are marked, and per object its type and pin count. A free object is zero, so allocation touches only the
 * bitmaps; the sweep zeroes the objects it frees.
 *
 * Each CPU takes free objects from a span a stash at a time (under the
 * class's lock, which counts them as taken), and allocates from its stash
 * with interrupts off and no lock: the object's type and pin are set, and
 * then its allocated bit, atomically, for the sweep may be clearing other
 * bits of the same word. Stashed objects are not allocated: the collector
 * neither scans nor frees them, and they keep their span. Every cycle gives
 * the stashes back before it sweeps.
 *
 * A cycle runs beside the mutators, which are never stopped as a whole:
 *   1. every span's mark bits are cleared;
 *   2. marking is switched on: first gc_barrier (mutators shade what they
 *      touch, see below), then, once a grace period of RCU has made every
 *      CPU see it, gc_marking (allocations are born marked, "black"); then
 *      the collector waits for a grace period of the read sections, after
 *      which no mutator holds a pointer it loaded before marking began;
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
 * Locks, outermost first: gc_cycle_lock (a mutex: one cycle, or one walk
 * of the spans, at a time), gc_roots_lock (a mutex), then with interrupts
 * disabled gc_weak_lock, a class's gc_class.lock, gc_shade_lock, then the
 * page heap's lock. The spinlocks are held for bounded sections only: the
 * walks over every span and every weak reference let go of them every
 * TCMK_GC_SECTION_BATCH entries.
 *
 * Under generic KASAN, free objects are poisoned, so a use of an object the
 * collector freed (a missing pin, root or read section) is reported where it
 * happens.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/hashtable.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/tcmk.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "gc.h"
#include "tcmk.h"

/* Entries of the collector's grey stack: 64 KiB; rescans cover overflow. */
#define GC_GREY_MAX		8192

/* Entries of the grey queue mutators shade into: 32 KiB. */
#define GC_SHARED_MAX		4096

/* Grey objects an assisting mutator takes at a time. */
#define GC_ASSIST_BATCH		16

/* Objects scanned between chances to reschedule and to share work. */
#define GC_SCAN_BATCH		256

static DEFINE_MUTEX(gc_cycle_lock);

/* From marking on until the sweep ends: allocations are born marked. */
bool gc_marking;

/*
 * From marking on until termination: mutators shade. Read with preemption
 * or interrupts off, sections that RCU's grace periods wait for (marking
 * waits for them to see it on), written under gc_shade_lock (shading checks
 * it again under the lock).
 */
bool gc_barrier;

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

/*
 * Tests shrink the grey stack to force overflows; never above GC_GREY_MAX.
 * Read once per cycle.
 */
unsigned int tcmk_gc_grey_limit = GC_GREY_MAX;
TCMK_EXPORT_FOR_TESTS(tcmk_gc_grey_limit);

/*
 * Tests stop the collector between two objects, to change the graph while
 * part of it is scanned and part is not: called after each object the
 * collector scans from its grey stack.
 */
void (*tcmk_gc_scan_hook)(const void *obj);
TCMK_EXPORT_FOR_TESTS(tcmk_gc_scan_hook);

#if IS_ENABLED(CONFIG_KUNIT)
/* Called through gc_test_hook(); see there. */
void (*tcmk_gc_test_hook)(enum tcmk_gc_test_point point, const void *obj);
TCMK_EXPORT_FOR_TESTS(tcmk_gc_test_hook);
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
	void (*hook)(const void *obj);

	while (gc.ngrey) {
		void *obj = gc.grey[--gc.ngrey];
		struct tcmk_gc_span *s = tcmk_gc_span_of(obj);

		gc_scanned(gc_scan(s, gc_index(s, obj), false));
		hook = READ_ONCE(tcmk_gc_scan_hook);
		if (unlikely(hook))
			hook(obj);
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
void gc_walk_class(struct tcmk_gc_class *c,
		   void (*fn)(struct tcmk_gc_span *s, void *arg), void *arg)
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
 * flag went off (gc_cycle()) has seen it done. Usually one has passed
 * between cycles, and this does not wait.
 */
static void gc_clear_marks(void)
{
	unsigned int cls;

	cond_synchronize_rcu_expedited(gc.marking_off);
	gc_fin_check = false;
	for (cls = 0; cls < GC_NR_CLASSES; cls++)
		gc_walk_class(&gc_classes[cls], gc_clear_span_marks, NULL);
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

static void gc_count_pause(u64 ns)
{
	unsigned int b = ns < 10 * NSEC_PER_USEC ? 0 :
			 ns < 100 * NSEC_PER_USEC ? 1 :
			 ns < NSEC_PER_MSEC ? 2 : 3;

	gc_stats.pauses[b]++;
	gc_stats.pause_total_ns += ns;
	gc_stats.pause_max_ns = max(gc_stats.pause_max_ns, ns);
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
 *
 * In the other order, a CPU could see gc_marking but not yet gc_barrier
 * (the collector stalled between the stores: an NMI, a preempted vCPU),
 * allocate Y black, store X into it and unpin X with no shade: Y would
 * never be scanned, and X would be swept while Y holds it. Objects born
 * between a and b are white but pinned: the roots (step 3) shade them, or
 * their unpin does, with the barrier on.
 *
 * The pause is how long gc_shade_lock is held: the time a mutator that
 * shades could wait for the collector.
 */
static void gc_start_marking(void)
{
	unsigned long flags;
	u64 t0;

	atomic_long_set(&gc_stats.scan_bytes, 0);
	spin_lock_irqsave(&gc_shade_lock, flags);
	t0 = ktime_get_ns();
	WRITE_ONCE(gc_barrier, true);
	t0 = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&gc_shade_lock, flags);
	gc_count_pause(t0);
	gc_section_done(t0, 0);
	WRITE_ONCE(tcmk_gc_phase, TCMK_GC_MARK);
	synchronize_rcu_expedited();
	gc_test_hook(TCMK_GC_TEST_BARRIER_ON, NULL);
	WRITE_ONCE(gc_marking, true);
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
static void gc_mark_roots(void)
{
	unsigned int cls;

	gc_mark_root_slots();
	for (cls = 0; cls < GC_NR_CLASSES; cls++) {
		gc_walk_class(&gc_classes[cls], gc_shade_pinned, NULL);
		gc_drain();
	}
}

/*
 * Step 5: marking off, if nothing is left to scan. Under gc_weak_lock too,
 * so that from the same moment tcmk_gc_weak_get() treats unmarked objects
 * as dead. Return: whether marking ended.
 */
static bool gc_terminate(void)
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
		gc_count_pause(t0);
	gc_section_done(t0, 0);
	return done;
}

/*
 * One cycle. Its grace periods are expedited: an explicit collection has a
 * caller waiting, and while a paced one waits, mutators allocate past the
 * goal with no grey objects to assist with.
 */
void gc_cycle(bool paced)
{
	u64 t0, t1, t2, t3, marked, section;
	bool finalize;

	mutex_lock(&gc_cycle_lock);
	atomic_inc(&gc_stats.mark_workers);
	atomic64_set(&gc_section.ns, 0);
	atomic_set(&gc_section.walked, 0);
	t0 = ktime_get_ns();
	gc.grey_cap = clamp_t(unsigned int, READ_ONCE(tcmk_gc_grey_limit), 1,
			      GC_GREY_MAX);
	gc.ngrey = 0;
	gc.batch_bytes = 0;
	gc_clear_marks();
	gc_start_marking();
	gc_mark_roots();
	do {
		gc_drain();
		/* An assist is still scanning: let it finish. */
		cond_resched();
	} while (!gc_terminate());
	t1 = ktime_get_ns();
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
	marked = gc_sweep(paced);
	gc_test_hook(TCMK_GC_TEST_SWEPT, NULL);
	WRITE_ONCE(gc_marking, false);
	/* The next gc_clear_marks() waits for a grace period from here. */
	gc.marking_off = get_state_synchronize_rcu();
	t3 = ktime_get_ns();

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
 * tcmk_gc_class_counts() - a class's collected spans and objects.
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
	gc_walk_class(&gc_classes[cls], gc_count_span, counts);
	mutex_unlock(&gc_cycle_lock);
	*spans = counts[0];
	*objects = counts[1];
}
TCMK_EXPORT_FOR_TESTS(tcmk_gc_class_counts);

int __init tcmk_gc_init(void)
{
	unsigned int cls;
	int ret;

	gc.marking_off = get_state_synchronize_rcu();
	/* The sweep's bitmap on the stack holds any span's objects. */
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++)
		if (WARN_ON(tcmk_classes[cls].objects > GC_MAX_OBJS))
			return -EINVAL;
	INIT_LIST_HEAD(&gc_shared.rescan);
	gc.grey = kvmalloc_array(GC_GREY_MAX, sizeof(void *), GFP_KERNEL);
	gc_shared.q = kvmalloc_array(GC_SHARED_MAX, sizeof(void *), GFP_KERNEL);
	if (!gc.grey || !gc_shared.q)
		goto nomem;
	if (init_srcu_struct(&gc_srcu))
		goto nomem;
	ret = gc_alloc_init();
	if (ret < 0) {
		cleanup_srcu_struct(&gc_srcu);
		goto fail;
	}
	return 0;
nomem:
	ret = -ENOMEM;
fail:
	kvfree(gc_shared.q);
	kvfree(gc.grey);
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
	kvfree(gc_shared.q);
	kvfree(gc.grey);
}
