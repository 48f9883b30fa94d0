// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk collector: how users hold collected objects other than through the
 * collected heap. Root slots (tcmk_gc_root_add()), which step 3 of a cycle
 * marks from; weak references (tcmk_gc_weak_new()), which keep nothing
 * alive and which step 6 clears where their object was not marked; and read
 * sections (tcmk_gc_read_lock()), whose grace periods a cycle waits for
 * once marking is on and again before it sweeps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/tcmk.h>

#include "gc.h"
#include "tcmk.h"

struct tcmk_gc_weak {
	struct list_head list;
	void *obj;
};

struct gc_root {
	struct hlist_node node;
	void **slot;
};

/* Lock protecting the root slots, gc_roots; see gc.h. */
static DEFINE_MUTEX(gc_roots_lock);
static DEFINE_HASHTABLE(gc_roots, 10);
/* Lock protecting the weak references and gc_weak_clearing; see gc.h. */
DEFINE_SPINLOCK(gc_weak_lock);
/* Every weak reference, newest first (gc_weak_lock); see gc_clear_weak(). */
static LIST_HEAD(gc_weak_refs);

/*
 * The read sections of tcmk_gc_read_lock(): sleepable, so SRCU. The sweep
 * waits for a grace period of it before freeing anything.
 */
struct srcu_struct gc_srcu;

/*
 * From termination until the weak references are cleared: a weak reference
 * to an unmarked object is already dead (gc_weak_lock).
 */
bool gc_weak_clearing;

int tcmk_gc_read_lock(void) __acquires(&gc_srcu)
{
	if (gc_refuse_nmi()) {
		__acquire(&gc_srcu);
		return 0;
	}
	return srcu_read_lock(&gc_srcu);
}
EXPORT_SYMBOL_GPL(tcmk_gc_read_lock);

void tcmk_gc_read_unlock(int idx) __releases(&gc_srcu)
{
	if (gc_refuse_nmi()) {
		__release(&gc_srcu);
		return;
	}
	srcu_read_unlock(&gc_srcu, idx);
}
EXPORT_SYMBOL_GPL(tcmk_gc_read_unlock);

static struct gc_root *gc_root_find(void **slot)
{
	struct gc_root *r;

	hash_for_each_possible(gc_roots, r, node, (unsigned long)slot)
		if (r->slot == slot)
			return r;
	return NULL;
}

/*
 * Root slots change under gc_roots_lock, which the collector holds while it
 * reads them; what a slot holds when it is added or removed during marking
 * is shaded, as a store into it would be.
 */
int tcmk_gc_root_add(void **slot)
{
	struct gc_root *r;
	int err = 0;

	if (tcmk_gc_span_of(slot))
		return -EINVAL;
	r = kmalloc_obj(*r, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->slot = slot;
	mutex_lock(&gc_roots_lock);
	if (gc_root_find(slot)) {
		err = -EEXIST;
	} else {
		if (READ_ONCE(gc_barrier))
			gc_mut_shade(READ_ONCE(*slot));
		hash_add(gc_roots, &r->node, (unsigned long)slot);
		atomic_long_inc(&gc_stats.roots);
		r = NULL;
	}
	mutex_unlock(&gc_roots_lock);
	kfree(r);
	return err;
}
EXPORT_SYMBOL_GPL(tcmk_gc_root_add);

void tcmk_gc_root_del(void **slot)
{
	struct gc_root *r;

	mutex_lock(&gc_roots_lock);
	r = gc_root_find(slot);
	if (r) {
		if (READ_ONCE(gc_barrier))
			gc_mut_shade(READ_ONCE(*slot));
		hash_del(&r->node);
		atomic_long_dec(&gc_stats.roots);
	}
	mutex_unlock(&gc_roots_lock);
	if (!r)
		gc_bad_call("%p is not a root\n", slot);
	kfree(r);
}
EXPORT_SYMBOL_GPL(tcmk_gc_root_del);

/* Step 3: mark what the root slots hold (gc_mark_roots()). */
void gc_mark_root_slots(void)
{
	struct gc_root *r;
	unsigned int bkt;

	mutex_lock(&gc_roots_lock);
	hash_for_each(gc_roots, bkt, r, node)
		gc_mark_word((unsigned long)READ_ONCE(*r->slot), false);
	mutex_unlock(&gc_roots_lock);
}

struct tcmk_gc_weak *tcmk_gc_weak_new(const void *obj, gfp_t gfp)
{
	struct tcmk_gc_weak *ref;
	unsigned long flags;
	unsigned int idx;

	if (gc_refuse_nmi())
		return NULL;
	if (!gc_live_object(obj, &idx)) {
		gc_bad_call("weak reference to %p, not a live collected object\n", obj);
		return NULL;
	}
	ref = kmalloc(sizeof(*ref), gfp);
	if (!ref)
		return NULL;
	ref->obj = (void *)obj;
	spin_lock_irqsave(&gc_weak_lock, flags);
	list_add(&ref->list, &gc_weak_refs);
	spin_unlock_irqrestore(&gc_weak_lock, flags);
	atomic_long_inc(&gc_stats.weak_refs);
	return ref;
}
EXPORT_SYMBOL_GPL(tcmk_gc_weak_new);

/*
 * During marking the object is shaded by its pin, so it survives. Between
 * termination and the clearing of the references, an unmarked object is
 * already dead: its reference is cleared here rather than read.
 */
void *tcmk_gc_weak_get(struct tcmk_gc_weak *ref)
{
	unsigned long flags;
	void *obj;

	if (gc_refuse_nmi())
		return NULL;
	spin_lock_irqsave(&gc_weak_lock, flags);
	obj = ref->obj;
	if (obj && unlikely(gc_weak_clearing) && !gc_is_marked(obj))
		obj = ref->obj = NULL;
	if (obj)
		tcmk_gc_pin(obj);
	spin_unlock_irqrestore(&gc_weak_lock, flags);
	return obj;
}
EXPORT_SYMBOL_GPL(tcmk_gc_weak_get);

void tcmk_gc_weak_free(struct tcmk_gc_weak *ref)
{
	unsigned long flags;

	if (!ref || gc_refuse_nmi())
		return;
	spin_lock_irqsave(&gc_weak_lock, flags);
	list_del(&ref->list);
	spin_unlock_irqrestore(&gc_weak_lock, flags);
	atomic_long_dec(&gc_stats.weak_refs);
	kfree(ref);
}
EXPORT_SYMBOL_GPL(tcmk_gc_weak_free);

/*
 * Step 6a: weak references to what was not marked are cleared, a batch at
 * a time: between batches gc_weak_lock is let go, so that mutators reading,
 * making and freeing references do not spin for as long as there are
 * references. A cursor of the collector's own, a reference to nothing,
 * keeps the place meanwhile: the reference cleared last may be freed, and
 * new ones go in at the head, behind the cursor, which is right, for they
 * name objects a mutator holds, and those are marked. gc_weak_clearing
 * stays set until the last batch, so tcmk_gc_weak_get() treats an unmarked
 * object as dead in the references not reached yet.
 */
void gc_clear_weak(void)
{
	struct tcmk_gc_weak cursor = { .obj = NULL };
	struct tcmk_gc_weak *ref;
	unsigned int walked;
	unsigned long flags;
	u64 t0;

	spin_lock_irqsave(&gc_weak_lock, flags);
	list_add(&cursor.list, &gc_weak_refs);
	for (;;) {
		t0 = ktime_get_ns();
		walked = 0;
		ref = &cursor;
		list_for_each_entry_continue(ref, &gc_weak_refs, list) {
			if (ref->obj && !gc_is_marked(ref->obj))
				ref->obj = NULL;
			if (++walked == TCMK_GC_SECTION_BATCH)
				break;
		}
		if (list_entry_is_head(ref, &gc_weak_refs, list))
			break;
		list_move(&cursor.list, &ref->list);
		t0 = ktime_get_ns() - t0;
		spin_unlock_irqrestore(&gc_weak_lock, flags);
		gc_section_done(t0, walked);
		cond_resched();
		spin_lock_irqsave(&gc_weak_lock, flags);
	}
	list_del(&cursor.list);
	gc_weak_clearing = false;
	t0 = ktime_get_ns() - t0;
	spin_unlock_irqrestore(&gc_weak_lock, flags);
	gc_section_done(t0, walked);
}

/*
 * At unload (tcmk_gc_exit()), roots and weak references a user forgot are
 * reported and freed.
 */
void gc_roots_exit(void)
{
	struct tcmk_gc_weak *ref, *rtmp;
	unsigned long roots = 0, weak = 0;
	struct hlist_node *htmp;
	struct gc_root *r;
	unsigned int bkt;

	hash_for_each_safe(gc_roots, bkt, htmp, r, node) {
		hash_del(&r->node);
		kfree(r);
		roots++;
	}
	list_for_each_entry_safe(ref, rtmp, &gc_weak_refs, list) {
		list_del(&ref->list);
		kfree(ref);
		weak++;
	}
	if (roots || weak)
		pr_warn("unloaded with %lu collector roots and %lu weak references registered\n",
			roots, weak);
}
