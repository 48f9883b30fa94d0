/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk collector: what the rest of tcmk uses of it, and what its files
 * share: types, state and inline helpers. gc.c describes the collector and
 * which file holds what.
 *
 * Lock order:
 *   1.  gc_cycle_lock (mutex)
 *   2.  gc_roots_lock (mutex)
 *   3.  gc_weak_lock (spinlock)
 *   4a. gc_shade_lock (spinlock)
 *   4b. gc_class.lock (spinlock, one per class and node)
 *   4c. gc_fin_lock (spinlock)
 *   5.  tcmk_pageheap_lock (raw spinlock, the page heap's)
 *
 *   No two locks of one number are held together, and of the pairs the
 *   order allows only those said below occur. The spinlocks are taken with
 *   interrupts disabled, and held for bounded sections only: the walks over
 *   every span and every weak reference let go of their lock every
 *   TCMK_GC_SECTION_BATCH entries.
 *
 *   gc_cycle_lock
 *
 *   One cycle at a time, or one walk of the spans (gc_walk_class()): a
 *   span leaves its class's list of every span, and is freed, only in the
 *   sweep, so the spans a walk has picked stay valid while it holds the
 *   lock. The collector's working state (the grey stack, gc_fin_check) is
 *   the holder's alone. Taken in process context, and held across sleeps,
 *   by gc_cycle() (from tcmk_gc_collect() and the pacer's worker) and by
 *   tcmk_gc_class_counts() (debugfs, KUnit). Under it a cycle takes every
 *   lock below, takes cpus_read_lock() to give the stashes back, and waits
 *   for grace periods of RCU and of the read sections (gc_srcu).
 *
 *   gc_roots_lock
 *
 *   The root slots (gc_roots.c). Taken in process context by
 *   tcmk_gc_root_add() and tcmk_gc_root_del(), and by step 3 of a cycle,
 *   under gc_cycle_lock, to mark what the slots hold. Under it:
 *   gc_shade_lock, to shade what a slot holds while the barrier is on, or
 *   to queue a span the grey stack has no room for.
 *
 *   gc_weak_lock
 *
 *   The list of weak references, the object each names, and
 *   gc_weak_clearing (gc_roots.c). Taken in any context but NMI by
 *   tcmk_gc_weak_new(), tcmk_gc_weak_get() and tcmk_gc_weak_free(), and by
 *   the collector at termination and in step 6a, which clears references a
 *   batch at a time. Under it: gc_shade_lock, at termination, and when
 *   tcmk_gc_weak_get() pins its object, which shades it while the barrier
 *   is on.
 *
 *   gc_shade_lock
 *
 *   The grey queue mutators shade into, the count of assists scanning
 *   objects taken from it, the list of spans to rescan and each span's
 *   @queued, and the changes of gc_barrier (gc_mark.c). Taken in any
 *   context but NMI by mutators that shade while the barrier is on (pointer
 *   stores, pins and unpins, root slots, weak references), by mark assists,
 *   and by the collector when its grey stack overflows, when it shares
 *   grey objects or takes shared ones back, and for the two pauses:
 *   switching the barrier on, and termination. Nothing is taken under it.
 *
 *   gc_class.lock
 *
 *   A class's lists of spans on one node, and its spans' allocation state
 *   (the fields of struct tcmk_gc_span that name the class's lock). Taken by
 *   tcmk_gc_alloc() when the CPU's stash is empty and for objects above the
 *   largest class or of another node than the CPU's, in any context its
 *   GFP flags allow but NMI (one node's at a time: an allocation that falls
 *   back to another node lets go of the first's); when stashes
 *   go back, from a work item on each CPU or from the hotplug callback of a
 *   dead one; and by the collector's walks and sweep, under gc_cycle_lock.
 *   Nothing is taken under it: a new span's pages are taken before it, and
 *   an empty span's are given back after.
 *
 *   gc_fin_lock
 *
 *   The queue of finalizers to run (gc_sweep.c). Taken by the collector as
 *   it queues them (step 6c, under gc_cycle_lock) and by the work item that
 *   runs them, which takes them off one at a time and runs each with no
 *   lock held. Nothing is taken under it.
 *
 *   tcmk_pageheap_lock
 *
 *   The page heap's (see tcmk.h). The collector takes it only through the
 *   page heap's calls: for a new span's pages with none of its own locks
 *   held; from the sweep, under gc_cycle_lock alone, to give an empty
 *   span's pages back; and at unload, with none held, to give back all.
 */
#ifndef _TCMK_GC_H
#define _TCMK_GC_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/tcmk.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "tcmk.h"

/*
 * What the rest of tcmk uses: sysfs.c and debugfs.c (knobs, phase, counts),
 * cpucache.c (tcmk_gc_owns(), tcmk_gc_object_size()), main.c (init and
 * exit), and the KUnit suites (test hooks).
 */

/* gc.c */
extern bool tcmk_gc_enabled;
enum tcmk_gc_phase {
	TCMK_GC_IDLE,
	TCMK_GC_MARK,
	TCMK_GC_SWEEP,
};
extern enum tcmk_gc_phase tcmk_gc_phase;
/*
 * Most entries (weak references, spans) the collector walks with a lock held
 * and interrupts off before it lets go.
 */
#define TCMK_GC_SECTION_BATCH	64
extern unsigned int tcmk_gc_section_walked;
/* Where the collector calls tcmk_gc_test_hook (kernels with KUnit only). */
enum tcmk_gc_test_point {
	TCMK_GC_TEST_BARRIER_ON,	/* every CPU sees it; births still white */
	TCMK_GC_TEST_BIRTH,		/* gc_marking read, mark bit not yet set */
	TCMK_GC_TEST_SWEPT,		/* the sweep done, gc_marking still on */
	TCMK_GC_TEST_MARKS_CLEARED,	/* step 1 done */
	TCMK_GC_TEST_ROOTS_MARKED,	/* step 3 done: roots and pins shaded */
};
extern void (*tcmk_gc_test_hook)(enum tcmk_gc_test_point point,
				 const void *obj);
extern atomic_long_t tcmk_gc_bad_calls;
void tcmk_gc_class_counts(unsigned int cls, unsigned long *spans,
			  unsigned long *objects);
int __init tcmk_gc_init(void);
void tcmk_gc_exit(void);

/* gc_alloc.c */
bool tcmk_gc_owns(const void *ptr);
size_t tcmk_gc_object_size(const void *ptr);

/* gc_mark.c */
extern unsigned int tcmk_gc_grey_limit;
#if IS_ENABLED(CONFIG_KUNIT)
extern void (*tcmk_gc_scan_hook)(const void *obj);
#endif
bool tcmk_gc_marked(const void *obj);

/* gc_sweep.c */
void tcmk_gc_flush_finalizers(void);

/* gc_pacer.c */
extern int tcmk_gc_percent;
extern unsigned long tcmk_gc_limit_bytes;
void tcmk_gc_update_goal(void);

/* The collector's own, from here on. */

/* Objects above the largest size class: one per span, on this "class". */
#define GC_LARGE		TCMK_NR_CLASSES
#define GC_NR_CLASSES		(TCMK_NR_CLASSES + 1)

/* Most objects in a span: the 8-byte class in one page. */
#define GC_MAX_OBJS		512

/**
 * struct tcmk_gc_span - a span of collected objects.
 * @list:	on its class's partial or full list (the class's lock).
 * @all:	on its class's list of every span (the class's lock).
 * @sweep:	on the sweep's list of spans to sweep (collector only).
 * @rcu:	frees the metadata after a grace period (see tcmk_gc_unpin()).
 * @rescan:	on gc_shared.rescan: marked objects here may not have been
 *		scanned.
 * @queued:	@rescan is on gc_shared.rescan (gc_shade_lock).
 * @span:	the page heap's span.
 * @base:	address of the first object.
 * @size:	bytes per object.
 * @nobjs:	objects in the span.
 * @nalloc:	objects taken: allocated, or in a CPU's stash (the class's
 *		lock).
 * @hint:	no free object below it (the class's lock).
 * @cls:	size class, or GC_LARGE.
 * @nid:	the node its pages lie on, whose lists of its class it is on.
 * @idle:	empty since the last sweep, which kept it (the class's lock).
 * @npinned:	at least the number of objects with a pin; 0 lets the
 *		collector skip the span when it looks for pinned objects.
 *		Raised when a stash takes objects, which are born pinned.
 * @nsampled:	objects the heap profile sampled and the sweep has not yet
 *		freed (sample.c); 0 lets the sweep skip asking about its dead.
 * @taken_bits:	objects taken; the class's lock.
 * @alloc_bits:	allocated objects; set from a stash, cleared by the sweep,
 *		both atomically.
 * @mark_bits:	marked objects; atomic bit operations only.
 * @fin_bits:	objects whose finalizer has been queued (or has run), so
 *		that it runs once; the collector's only.
 * @fin_done:	objects whose finalizer has run; set by the finalizer work,
 *		cleared by the collector, atomically.
 * @fin_check:	objects whose finalizer had run and dropped its pin before
 *		the cycle began: one marked when marking ends is a
 *		resurrection (collector).
 * @types:	each allocated object's type.
 * @pins:	each object's pin count.
 */
struct tcmk_gc_span {
	struct list_head list;
	struct list_head all;
	struct list_head sweep;
	struct rcu_head rcu;
	struct list_head rescan;
	bool queued;
	struct tcmk_span *span;
	void *base;
	unsigned int size;
	unsigned int nobjs;
	unsigned int nalloc;
	unsigned int hint;
	unsigned int cls;
	int nid;
	bool idle;
	atomic_t npinned;
	atomic_t nsampled;
	unsigned long *taken_bits;
	unsigned long *alloc_bits;
	unsigned long *mark_bits;
	unsigned long *fin_bits;
	unsigned long *fin_done;
	unsigned long *fin_check;
	const struct tcmk_gc_type **types;
	atomic_t *pins;
};

/**
 * struct tcmk_gc_class - the collected spans of one size class on one node.
 * @lock:	guards the lists and the spans' allocation state; taken with
 *		interrupts disabled, since tcmk_gc_alloc() may be atomic.
 * @partial:	spans with free objects.
 * @full:	spans without.
 * @all:	every span, newest first: the walks' list (see gc_walk_class()),
 *		where spans never move.
 */
struct tcmk_gc_class {
	spinlock_t lock;
	struct list_head partial;
	struct list_head full;
	struct list_head all;
} ____cacheline_aligned_in_smp;

/*
 * Each node with memory has classes of its own, on its memory, as it has
 * central lists: a CPU's stashes take from its node's spans, and an object
 * asked of another node comes from that node's (gc_alloc.c).
 */
struct tcmk_gc_node {
	struct tcmk_gc_class cls[GC_NR_CLASSES];
};

/* Per node with memory, from init to exit; NULL for a node without. */
extern struct tcmk_gc_node *gc_nodes[MAX_NUMNODES];

static inline struct tcmk_gc_class *gc_class(int nid, unsigned int cls)
{
	return &gc_nodes[nid]->cls[cls];
}

/*
 * What every allocation and pin changes is counted per CPU: shared atomics
 * would bounce between CPUs on each call. A CPU moves its share of
 * heap_bytes to gc_stats.heap_bytes every GC_PCPU_BYTES, where the pacer
 * looks at it; readers of the statistics add every CPU's share.
 */
#define GC_PCPU_BYTES		(64L << 10)

struct gc_pcpu {
	long heap_bytes;
	long heap_objects;
	long pinned;
};

/* The collector's counters: tcmk_gc_get_stats() reads them. */
struct gc_stats {
	atomic_long_t heap_bytes;
	atomic_long_t heap_objects;
	atomic_long_t roots;
	atomic_long_t weak_refs;
	atomic_long_t overflows_total;
	atomic_long_t assist_bytes_total;
	atomic_long_t scan_bytes;	/* this cycle's, for the assists */
	atomic_t mark_workers;
	u64 cycles;
	u64 marked_bytes_last;
	u64 freed_objects_total;
	u64 freed_bytes_total;
	u64 last_cycle_ns;
	u64 last_mark_ns;
	u64 last_sweep_ns;
	u64 pause_max_ns;
	u64 pause_total_ns;
	u64 section_max_ns;
	u64 last_section_max_ns;
	u64 pauses[TCMK_GC_PAUSE_BUCKETS];
	u64 cycles_paced;
	atomic_long_t finalizers_run;
};

/* gc.c */
DECLARE_PER_CPU(struct gc_pcpu, gc_pcpu);
extern struct gc_stats gc_stats;
void gc_section_done(u64 ns, unsigned int walked);
unsigned long gc_heap_bytes(void);
void gc_walk_class(unsigned int cls,
		   void (*fn)(struct tcmk_gc_span *s, void *arg), void *arg);
void gc_cycle(bool paced);

/* gc_alloc.c */
void gc_span_free(struct tcmk_gc_span *s);
void gc_stashes_return_all(void);
int __init gc_alloc_init(void);
void gc_alloc_exit(void);

/* gc_mark.c */
extern bool gc_marking;
extern bool gc_barrier;
bool gc_is_marked(const void *obj);
void gc_shade(struct tcmk_gc_span *s, unsigned int idx);
void gc_mut_shade_idx(struct tcmk_gc_span *s, unsigned int idx);
void gc_mut_shade(const void *ptr);
void gc_drain(void);
void gc_assist(size_t bytes, gfp_t gfp);
void gc_clear_marks(void);
void gc_start_marking(void);
void gc_mark_roots(void);
bool gc_terminate(void);
void gc_stop_marking(void);
int __init gc_mark_init(void);
void gc_mark_exit(void);

/* gc_roots.c */
extern struct srcu_struct gc_srcu;
extern spinlock_t gc_weak_lock;
extern bool gc_weak_clearing;
void gc_mark_root_slots(void);
void gc_clear_weak(void);
void gc_roots_exit(void);

/* gc_sweep.c */
extern atomic_t gc_fin_pending;
extern bool gc_fin_check;
extern struct work_struct gc_fin_work;
void gc_check_resurrected(void);
bool gc_queue_finalizers(void);
void gc_finalizers_exit(void);
u64 gc_sweep(bool keep);

/* gc_pacer.c */
extern unsigned long gc_heap_goal;
extern struct work_struct gc_work;
unsigned long gc_assist_debt(size_t bytes);

/*
 * Misuse of the API (unpinning what is not pinned, a pointer that is not a
 * collected object, a bad type) changes nothing; it is counted and logged,
 * rate-limited, like tcmk_free() of a foreign pointer.
 */
#define gc_bad_call(fmt, ...)						\
do {									\
	atomic_long_inc(&tcmk_gc_bad_calls);				\
	pr_warn_ratelimited("collector: " fmt, ##__VA_ARGS__);		\
} while (0)

/* A bad call of its own kind: a collector call in NMI (tcmk_in_nmi()). */
bool gc_nmi_refused(const char *call);

#define gc_refuse_nmi()	(tcmk_in_nmi() && gc_nmi_refused(__func__))

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Tests widen the windows of the flags' ordering: called at the points of
 * enum tcmk_gc_test_point, an allocation's with interrupts off. Kernels
 * without KUnit have no such call, not even a test on the fast path.
 */
static __always_inline void gc_test_hook(enum tcmk_gc_test_point point,
					 const void *obj)
{
	void (*hook)(enum tcmk_gc_test_point point, const void *obj);

	hook = READ_ONCE(tcmk_gc_test_hook);
	if (unlikely(hook))
		hook(point, obj);
}
#else
static __always_inline void gc_test_hook(enum tcmk_gc_test_point point,
					 const void *obj)
{
}
#endif

#if IS_ENABLED(CONFIG_KASAN_GENERIC)
/* Exported by mm/kasan/shadow.c; declared only in mm/kasan/kasan.h. */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
#define GC_KASAN_FREE	0xFB	/* KASAN_SLAB_FREE: "use after free" */

static inline void gc_poison(const void *obj, size_t size)
{
	kasan_poison(obj, size, GC_KASAN_FREE, false);
}

static inline void gc_unpoison(const void *obj, size_t size)
{
	kasan_poison(obj, size, 0, false);
}
#else
static inline void gc_poison(const void *obj, size_t size) { }
static inline void gc_unpoison(const void *obj, size_t size) { }
#endif

/**
 * tcmk_gc_span_of() - the collected span that holds an address.
 * @ptr:	any value.
 *
 * Context: any; lock-free. The span stays valid while the caller holds a
 * live object of it, and for the collector until its sweep frees the span.
 * Return: the span, or NULL if @ptr is not in a collected span.
 */
static __always_inline struct tcmk_gc_span *tcmk_gc_span_of(const void *ptr)
{
	return tcmk_pagemap_owner(ptr, TCMK_PAGEMAP_GC);
}

/* The index of the object holding @ptr, or s->nobjs for the span's tail. */
static __always_inline unsigned int gc_index(struct tcmk_gc_span *s,
					     const void *ptr)
{
	unsigned long off = ptr - s->base;
	unsigned int idx;

	if (s->cls == GC_LARGE)
		return off < s->size ? 0 : s->nobjs;
	idx = tcmk_obj_index(s->cls, off);
	return idx < s->nobjs ? idx : s->nobjs;
}

static __always_inline void *gc_obj(struct tcmk_gc_span *s, unsigned int idx)
{
	return s->base + (unsigned long)idx * s->size;
}

/*
 * The allocated object holding @ptr, or NULL if @ptr is no such object. The
 * read barrier pairs with the smp_mb__before_atomic() in gc_hand_out(): an
 * object's type and shadow are set before the bit that makes it live.
 * Inline: out of line, @idx went through the stack, and every unpin paid
 * for a call and a stack canary.
 */
static __always_inline struct tcmk_gc_span *gc_live_object(const void *ptr,
							    unsigned int *idx)
{
	struct tcmk_gc_span *s = tcmk_gc_span_of(ptr);

	if (!s)
		return NULL;
	*idx = gc_index(s, ptr);
	if (*idx >= s->nobjs || !test_bit(*idx, s->alloc_bits))
		return NULL;
	/* Pairs with the smp_mb__before_atomic() in gc_hand_out(). */
	smp_rmb();
	return s;
}

/*
 * A word that may be a pointer: shade the live object it points into, from
 * the collector or (@mut) from an assisting mutator.
 */
static __always_inline void gc_mark_word(unsigned long word, bool mut)
{
	struct tcmk_gc_span *s = tcmk_gc_span_of((void *)word);
	unsigned int idx;

	if (likely(!s))
		return;
	idx = gc_index(s, (void *)word);
	if (idx >= s->nobjs || !test_bit(idx, s->alloc_bits))
		return;
	/*
	 * Pairs with the smp_mb__before_atomic() in gc_hand_out(): type and
	 * shadow before the bit.
	 */
	smp_rmb();
	if (mut)
		gc_mut_shade_idx(s, idx);
	else
		gc_shade(s, idx);
}

/*
 * Pin an object, lock-free. @npinned is raised before and lowered after the
 * pin itself, so a span with a pinned object is never skipped.
 */
static __always_inline void gc_pin_object(struct tcmk_gc_span *s,
					  unsigned int idx)
{
	atomic_inc(&s->npinned);
	if (atomic_inc_return(&s->pins[idx]) == 1)
		this_cpu_inc(gc_pcpu.pinned);
	else
		atomic_dec(&s->npinned);
}

/*
 * The heap reached its goal: have the background worker collect. Any
 * context; queue_work() does nothing if the work is already queued.
 */
static inline void gc_trigger(void)
{
	if (READ_ONCE(tcmk_gc_enabled) && READ_ONCE(tcmk_gc_phase) == TCMK_GC_IDLE)
		queue_work(system_unbound_wq, &gc_work);
}

#endif /* _TCMK_GC_H */
