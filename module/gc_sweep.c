// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk collector: what happens to what marking did not reach. Finalizers
 * (steps 6b and 6c of a cycle, and the work item that runs them), then the
 * sweep (step 7), which frees the rest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tcmk.h>
#include <linux/workqueue.h>

#include "gc.h"
#include "tcmk.h"

/*
 * Finalizers. A cycle that finds an object unreachable whose type has a
 * finalizer, and whose finalizer has not run, keeps it instead of sweeping
 * it: the object is marked (and so is everything it reaches, which the
 * finalizer may use), pinned and queued. A work item runs the finalizers
 * with no tcmk lock held, notes each as done (fin_done) and unpins it: a
 * later cycle frees the object. Weak references to it are cleared in the
 * cycle that queues it, so nothing can find it again but its finalizer. A
 * finalizer that makes its object reachable again is a bug: the first
 * cycle that begins after the unpin, with no finalizer pending, and finds
 * the object marked when marking ends says so. Where finalizable objects
 * point at each other, a finalized object may be kept for another's
 * finalizer without coming back: by the marks that keep what the
 * finalizers a cycle queues will use, set after the check, or through the
 * pin of a finalizer queued earlier, which a cycle that begins with none
 * pending cannot meet (only the collector queues finalizers).
 */
struct gc_fin {
	struct list_head list;
	void *obj;
};

static void gc_run_finalizers(struct work_struct *work);
DECLARE_WORK(gc_fin_work, gc_run_finalizers);
/* Lock protecting gc_fin_queue; see gc.h. */
static DEFINE_SPINLOCK(gc_fin_lock);
static LIST_HEAD(gc_fin_queue);

/* Finalizers queued and not yet done with their object (pin dropped). */
atomic_t gc_fin_pending = ATOMIC_INIT(0);

/*
 * This cycle looks for resurrections: set by gc_clear_marks(), read by
 * gc_check_resurrected(); the collector's only.
 */
bool gc_fin_check;

/* Report the objects of @s whose finalizer made them reachable again. */
static void gc_check_span_resurrected(struct tcmk_gc_span *s, void *unused)
{
	unsigned int idx;

	if (!bitmap_intersects(s->fin_check, s->mark_bits, s->nobjs))
		return;
	for_each_set_bit(idx, s->fin_check, s->nobjs) {
		if (!test_bit(idx, s->mark_bits))
			continue;
		gc_bad_call("type %s: the finalizer of %p made it reachable again\n",
			    s->types[idx]->name, gc_obj(s, idx));
		/* Once: it keeps @fin_bits, so its finalizer never runs again. */
		__clear_bit(idx, s->fin_check);
		clear_bit(idx, s->fin_done);
	}
}

/*
 * Step 6b: finalized objects marked when marking ended were reached from a
 * root or a live object. Judged before gc_queue_finalizers() marks what the
 * finalizers it queues need: two finalizable objects that point at each
 * other are queued one cycle apart, and the second keeps the first, which
 * has not come back for that. Only in a cycle that began with no finalizer
 * pending (gc_clear_marks()).
 */
void gc_check_resurrected(void)
{
	unsigned int cls;

	if (!gc_fin_check)
		return;
	for (cls = 0; cls < GC_NR_CLASSES; cls++)
		gc_walk_class(cls, gc_check_span_resurrected, NULL);
}

/*
 * Queue the unreachable objects of @s that have a finalizer to run.
 * With the barrier off, mutators go on meanwhile, but they touch only
 * marked objects, and what this marks was unreachable.
 */
static void gc_find_finalizable(struct tcmk_gc_span *s, void *q)
{
	struct gc_fin *f;
	unsigned int idx;

	for_each_set_bit(idx, s->alloc_bits, s->nobjs) {
		const struct tcmk_gc_type *type;

		/* Pairs with the smp_mb__before_atomic() in gc_hand_out(). */
		smp_rmb();
		type = s->types[idx];
		if (!type || !type->finalize ||
		    test_bit(idx, s->mark_bits) ||
		    test_bit(idx, s->fin_bits))
			continue;
		/*
		 * Without a queue entry the object is kept anyway, and found
		 * again by the next cycle.
		 */
		f = kmalloc_obj(*f, GFP_ATOMIC | __GFP_NOWARN);
		if (f) {
			f->obj = gc_obj(s, idx);
			atomic_inc(&gc_fin_pending);
			list_add_tail(&f->list, q);
			__set_bit(idx, s->fin_bits);
			gc_pin_object(s, idx);
		}
		gc_shade(s, idx);
	}
}

/* Step 6c: keep what finalizers will need, and queue them. */
bool gc_queue_finalizers(void)
{
	unsigned long flags;
	unsigned int cls;
	LIST_HEAD(q);
	u64 t0;

	for (cls = 0; cls < GC_NR_CLASSES; cls++) {
		gc_walk_class(cls, gc_find_finalizable, &q);
		gc_drain();
	}
	if (list_empty(&q))
		return false;
	spin_lock_irqsave(&gc_fin_lock, flags);
	t0 = ktime_get_ns();
	list_splice_tail(&q, &gc_fin_queue);
	t0 = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&gc_fin_lock, flags);
	gc_section_done(t0, 0);
	return true;
}

static void gc_run_finalizers(struct work_struct *work)
{
	struct tcmk_gc_span *s;
	unsigned long flags;
	struct gc_fin *f;
	unsigned int idx;

	for (;;) {
		spin_lock_irqsave(&gc_fin_lock, flags);
		f = list_first_entry_or_null(&gc_fin_queue, struct gc_fin, list);
		if (f)
			list_del(&f->list);
		spin_unlock_irqrestore(&gc_fin_lock, flags);
		if (!f)
			return;
		s = tcmk_gc_span_of(f->obj);
		idx = gc_index(s, f->obj);
		s->types[idx]->finalize(f->obj);
		atomic_long_inc(&gc_stats.finalizers_run);
		/* Done before the pin goes: see gc_clear_marks(). */
		set_bit(idx, s->fin_done);
		/*
		 * Pairs with the smp_mb() that ends the grace period of
		 * synchronize_srcu_expedited() in gc_cycle(), between the
		 * marking that reads the pin and the sweep that reads the
		 * bit: a cycle that finds the pin gone frees the object with
		 * its bit, and leaves no stale bit to the next object there.
		 */
		smp_mb__after_atomic();
		tcmk_gc_unpin(f->obj);
		/*
		 * Pairs with the atomic_read_acquire() in gc_clear_marks():
		 * unpinned first.
		 */
		smp_mb__before_atomic();
		atomic_dec(&gc_fin_pending);
		kfree(f);
		cond_resched();
	}
}

/**
 * tcmk_gc_flush_finalizers() - wait until every queued finalizer has run.
 *
 * Context: process context; sleeps.
 */
void tcmk_gc_flush_finalizers(void)
{
	flush_work(&gc_fin_work);
}
TCMK_EXPORT_FOR_TESTS(tcmk_gc_flush_finalizers);

/*
 * At unload: finalizers belong to users, who are gone: they cannot run now
 * (tcmk_gc_exit()).
 */
void gc_finalizers_exit(void)
{
	struct gc_fin *f, *ftmp;
	unsigned long fins = 0;

	cancel_work_sync(&gc_fin_work);
	list_for_each_entry_safe(f, ftmp, &gc_fin_queue, list) {
		list_del(&f->list);
		kfree(f);
		fins++;
	}
	if (fins)
		pr_warn("unloaded with %lu finalizers not run\n", fins);
}

/*
 * Free @s's unmarked objects. They are unreachable and unpinned, and no
 * read section holds them, so they are zeroed outside the class lock; only
 * the bitmaps need it. Allocations made meanwhile are marked, so they never
 * count as dead. @marked gains the bytes that stay. With @keep, a span
 * that empties stays for one more cycle: under steady churn, the next
 * allocations would otherwise set up a span all over again.
 * Return: true if the span is now empty and off its class's lists.
 */
static bool gc_sweep_span(struct tcmk_gc_class *c, struct tcmk_gc_span *s,
			  unsigned long *dead, bool keep, u64 *marked)
{
	unsigned int idx, end, w, freed = 0;
	unsigned long flags;
	bool empty, full;
	u64 t0;

	bitmap_copy(dead, s->alloc_bits, s->nobjs);
	/*
	 * Pairs with the smp_mb__before_atomic() in gc_hand_out(): marked
	 * before allocated, if at all.
	 */
	smp_rmb();
	bitmap_andnot(dead, dead, s->mark_bits, s->nobjs);

	bitmap_andnot(s->fin_bits, s->fin_bits, dead, s->nobjs);
	bitmap_andnot(s->fin_check, s->fin_check, dead, s->nobjs);
	/*
	 * Word by word and atomically: allocations, and finalizers that end,
	 * set other bits of the same words meanwhile.
	 */
	for (w = 0; w < BITS_TO_LONGS(s->nobjs); w++) {
		if (!dead[w])
			continue;
		atomic_long_andnot(dead[w], (atomic_long_t *)&s->alloc_bits[w]);
		if (dead[w] & READ_ONCE(s->fin_done[w]))
			atomic_long_andnot(dead[w],
					   (atomic_long_t *)&s->fin_done[w]);
	}
	/*
	 * Run by run: objects that die together lie side by side, and one
	 * memset() of a run costs far less than one per object.
	 */
	for_each_set_bitrange(idx, end, dead, s->nobjs) {
		size_t bytes = (size_t)(end - idx) * s->size;

		freed += end - idx;
		if (s->cls != GC_LARGE) {
			memset(gc_obj(s, idx), 0, bytes);
			gc_poison(gc_obj(s, idx), bytes);
		}
	}
	/*
	 * Out of the heap profile before the objects can be handed out again
	 * (taken_bits, below): O(1) for each dead object, in the spans that
	 * hold samples only.
	 */
	if (atomic_read(&s->nsampled))
		for_each_set_bit(idx, dead, s->nobjs)
			if (tcmk_sample_gc_free(gc_obj(s, idx)))
				atomic_dec(&s->nsampled);

	spin_lock_irqsave(&c->lock, flags);
	t0 = ktime_get_ns();
	full = s->nalloc == s->nobjs;
	bitmap_andnot(s->taken_bits, s->taken_bits, dead, s->nobjs);
	s->nalloc -= freed;
	*marked += (u64)bitmap_weight(s->alloc_bits, s->nobjs) * s->size;
	s->hint = find_first_zero_bit(s->taken_bits, s->nobjs);
	empty = !s->nalloc && (!keep || s->idle);
	if (empty) {
		list_del(&s->list);
		list_del(&s->all);
	} else if (!s->nalloc) {
		/* Last to be allocated from: it goes if it stays empty. */
		s->idle = true;
		list_move_tail(&s->list, &c->partial);
	} else if (full && freed) {
		list_move_tail(&s->list, &c->partial);
	}
	t0 = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&c->lock, flags);
	gc_section_done(t0, 0);

	atomic_long_sub(freed, &gc_stats.heap_objects);
	atomic_long_sub((long)freed * s->size, &gc_stats.heap_bytes);
	gc_stats.freed_objects_total += freed;
	gc_stats.freed_bytes_total += (u64)freed * s->size;
	return empty;
}

static void gc_sweep_queue(struct tcmk_gc_span *s, void *todo)
{
	list_add_tail(&s->sweep, todo);
}

/*
 * Step 7: every span that existed at termination, one at a time, while the
 * class goes on allocating from them; empty spans stay one cycle if @keep
 * (paced cycles; tcmk_gc_collect() gives everything back). Return: bytes
 * left allocated in them, which were marked.
 */
u64 gc_sweep(bool keep)
{
	unsigned long dead[BITS_TO_LONGS(GC_MAX_OBJS)];
	struct tcmk_gc_span *s, *tmp;
	unsigned int cls;
	u64 marked = 0;
	LIST_HEAD(todo);

	for (cls = 0; cls < GC_NR_CLASSES; cls++) {
		gc_walk_class(cls, gc_sweep_queue, &todo);
		list_for_each_entry_safe(s, tmp, &todo, sweep) {
			list_del_init(&s->sweep);
			if (gc_sweep_span(gc_class(s->nid, cls), s, dead, keep,
					  &marked))
				gc_span_free(s);
			cond_resched();
		}
	}
	return marked;
}
