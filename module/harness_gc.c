// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk test harness: the collector's commands (the GC_* ioctls), with the
 * records of collected objects, the orphans of closed files and the types
 * of precise objects.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tcmk.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>
#include <uapi/linux/tcmk.h>

#include "compat.h"
#include "harness.h"

/* Slot offsets are u16 in struct tcmk_gc_type. */
static_assert(TCMK_GC_MAX_SLOTS * sizeof(void *) <= U16_MAX);

/*
 * The collector. Records and their weak references are the harness's
 * kmalloc() memory, outside the collected heap: a record's root slot can be
 * registered, and nothing in a record keeps its object alive unless the file
 * roots or pins it.
 */

/* Payload words keep the top 17 bits clear: never a kernel address. */
#define HARNESS_GC_PAYLOAD_MASK	((1ULL << 47) - 1)

/**
 * struct harness_gc_obj - a collected object named by a GC handle.
 * @ref:	weak reference to the object; NULL from it means dead.
 * @root:	the file's root slot for the object, registered while @rooted;
 *		it holds the object, so only tcmk_gc_root_del() may clear it.
 * @rooted:	@root is registered with the collector.
 * @conservative: allocated without a type.
 * @nslots:	pointer slots at the start of the object.
 * @pins:	pins this file holds on the object.
 * @payload:	bytes after the slots.
 * @seed:	seed of the payload's pattern.
 * @orphan:	on harness_gc_orphans once the file is closed (precise only).
 * @links:	the GC handle last linked into each slot, 0 for NULL.
 *
 * Everything but @orphan is used under the file's lock.
 */
struct harness_gc_obj {
	struct tcmk_gc_weak *ref;
	void *root;
	bool rooted;
	bool conservative;
	u32 nslots;
	u32 pins;
	size_t payload;
	u64 seed;
	struct list_head orphan;
	u32 links[];
};

/**
 * struct harness_gc_layout - the types of precise objects.
 * @offsets:	slot i at byte 8 * i; each type uses the first nr_ptrs.
 * @types:	the type of an object with n slots at index n.
 *
 * The collector reads an object's type for as long as the object exists,
 * which may be after the file that made it is closed, so types live until
 * the module is unloaded, and past that if objects outlive the module.
 */
struct harness_gc_layout {
	u16 offsets[TCMK_GC_MAX_SLOTS];
	struct tcmk_gc_type types[TCMK_GC_MAX_SLOTS + 1];
};

static struct harness_gc_layout *harness_gc_layout;

/* Seeds of the payload patterns: each object gets its own. */
static atomic64_t harness_gc_seq = ATOMIC64_INIT(0);

/*
 * Precise objects of closed files that were alive at the close. They are
 * garbage, but until a collection frees them their type must stay; module
 * exit checks that none is left. Their records go after the cycle that
 * frees them, whoever ran it (harness_gc_cycle_done()). Protected by
 * harness_gc_orphans_lock, a mutex taken in process context, never with a
 * file's lock held, and never held while a collection is asked for.
 */
static LIST_HEAD(harness_gc_orphans);
static DEFINE_MUTEX(harness_gc_orphans_lock);

/*
 * The object of @rec, pinned, or NULL if the collector freed it. A rooted or
 * pinned object is reachable: its death is the collector's bug.
 */
static void *harness_gc_get(const struct harness_gc_obj *rec)
{
	void *obj = tcmk_gc_weak_get(rec->ref);

	WARN_ONCE(!obj && (rec->rooted || rec->pins),
		  "the collector freed an object that a file %s\n",
		  rec->rooted ? "roots" : "pins");
	return obj;
}

static void *harness_gc_payload(void *obj, const struct harness_gc_obj *rec)
{
	return (void **)obj + rec->nslots;
}

/*
 * Does the live object @obj of @rec still hold what the harness wrote: its
 * payload, and in each slot the object last linked there?
 */
static bool harness_gc_intact(struct harness_file *hf,
			      const struct harness_gc_obj *rec, void *obj)
{
	void **slots = obj;
	u64 first_bad;
	u32 i;

	if (pattern_check(harness_gc_payload(obj, rec), rec->payload,
			  rec->seed, HARNESS_GC_PAYLOAD_MASK, &first_bad))
		return false;
	for (i = 0; i < rec->nslots; i++) {
		struct harness_gc_obj *dst = NULL;
		void *want = NULL;
		bool same;

		if (rec->links[i]) {
			dst = xa_load(&hf->gcobjs, rec->links[i]);
			/* Reachable from a live object: it must be alive. */
			want = dst ? harness_gc_get(dst) : NULL;
			if (!want)
				return false;
		}
		same = READ_ONCE(slots[i]) == want;
		if (want)
			tcmk_gc_unpin(want);
		if (!same)
			return false;
	}
	return true;
}

long harness_gc_alloc(struct harness_file *hf,
		      struct tcmk_ioc_gc_alloc __user *uarg)
{
	const struct tcmk_gc_type *type = NULL;
	struct tcmk_ioc_gc_alloc arg;
	struct harness_gc_obj *rec;
	u64 size;
	void *obj;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg) || arg.flags & ~TCMK_GC_ALLOC_FLAGS ||
	    arg.nslots > TCMK_GC_MAX_SLOTS || arg.payload > TCMK_IOC_MAX_SIZE)
		return -EINVAL;
	size = arg.nslots * sizeof(void *) + arg.payload;
	if (!size || size > TCMK_IOC_MAX_SIZE)
		return -EINVAL;

	rec = kzalloc(struct_size(rec, links, arg.nslots), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	rec->conservative = arg.flags & TCMK_GC_CONSERVATIVE;
	rec->nslots = arg.nslots;
	rec->payload = arg.payload;
	rec->seed = harness_mix(atomic64_inc_return(&harness_gc_seq));
	INIT_LIST_HEAD(&rec->orphan);
	if (!rec->conservative)
		type = &harness_gc_layout->types[arg.nslots];

	/* Born pinned: nothing can free it before the weak reference exists. */
	obj = tcmk_gc_alloc(size, type, HARNESS_GFP);
	if (!obj) {
		kfree(rec);
		return -ENOMEM;
	}
	pattern_fill(harness_gc_payload(obj, rec), rec->payload, rec->seed,
		     HARNESS_GC_PAYLOAD_MASK);
	rec->ref = tcmk_gc_weak_new(obj, HARNESS_GFP);
	if (!rec->ref) {
		ret = -ENOMEM;
		goto unpin;
	}

	mutex_lock(&hf->lock);
	ret = xa_alloc(&hf->gcobjs, &arg.handle, rec,
		       XA_LIMIT(1, TCMK_IOC_MAX_HANDLES), GFP_KERNEL);
	if (ret) {
		mutex_unlock(&hf->lock);
		if (ret == -EBUSY)
			ret = -ENOSPC;
		goto free_ref;
	}
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		xa_erase(&hf->gcobjs, arg.handle);
		mutex_unlock(&hf->lock);
		ret = -EFAULT;
		goto free_ref;
	}
	/* Unless asked to keep it, the new object is garbage from here on. */
	if (arg.flags & TCMK_GC_PINNED)
		rec->pins = 1;
	else
		tcmk_gc_unpin(obj);
	mutex_unlock(&hf->lock);
	return 0;

free_ref:
	tcmk_gc_weak_free(rec->ref);
unpin:
	tcmk_gc_unpin(obj);
	kfree(rec);
	return ret;
}

long harness_gc_link(struct harness_file *hf,
		     struct tcmk_ioc_gc_link __user *uarg)
{
	struct harness_gc_obj *src, *dst = NULL;
	struct tcmk_ioc_gc_link arg;
	void *s, *d = NULL;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	src = xa_load(&hf->gcobjs, arg.src);
	if (arg.dst)
		dst = xa_load(&hf->gcobjs, arg.dst);
	if (!src || (arg.dst && !dst)) {
		ret = -ENOENT;
		goto out;
	}
	if (arg.slot >= src->nslots) {
		ret = -EINVAL;
		goto out;
	}
	s = harness_gc_get(src);
	if (!s) {
		ret = -ESTALE;
		goto out;
	}
	if (dst) {
		d = harness_gc_get(dst);
		if (!d) {
			tcmk_gc_unpin(s);
			ret = -ESTALE;
			goto out;
		}
	}
	tcmk_gc_write((void **)s + arg.slot, d);
	src->links[arg.slot] = arg.dst;
	if (d)
		tcmk_gc_unpin(d);
	tcmk_gc_unpin(s);
out:
	mutex_unlock(&hf->lock);
	return ret;
}

/*
 * -ESTALE if the object of @rec is dead, else @err: the answer to undoing a
 * root or pin the file does not hold.
 */
static long harness_gc_not_held(const struct harness_gc_obj *rec, long err)
{
	void *obj = harness_gc_get(rec);

	if (!obj)
		return -ESTALE;
	tcmk_gc_unpin(obj);
	return err;
}

long harness_gc_root(struct harness_file *hf,
		     struct tcmk_ioc_gc_root __user *uarg)
{
	struct tcmk_ioc_gc_root arg;
	struct harness_gc_obj *rec;
	void *obj;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg) ||
	    (arg.op != TCMK_GC_ROOT_ADD && arg.op != TCMK_GC_ROOT_DEL))
		return -EINVAL;
	mutex_lock(&hf->lock);
	rec = xa_load(&hf->gcobjs, arg.handle);
	if (!rec) {
		ret = -ENOENT;
	} else if (arg.op == TCMK_GC_ROOT_DEL) {
		if (rec->rooted) {
			tcmk_gc_root_del(&rec->root);
			rec->rooted = false;
			rec->root = NULL;
		} else {
			ret = harness_gc_not_held(rec, -EINVAL);
		}
	} else if (rec->rooted) {
		ret = -EEXIST;
	} else {
		obj = harness_gc_get(rec);
		if (!obj) {
			ret = -ESTALE;
			goto out;
		}
		/* Not a root yet: a plain store, then the slot is registered. */
		rec->root = obj;
		ret = tcmk_gc_root_add(&rec->root);
		if (ret)
			rec->root = NULL;
		else
			rec->rooted = true;
		tcmk_gc_unpin(obj);
	}
out:
	mutex_unlock(&hf->lock);
	return ret;
}

/* PIN and UNPIN: @pin tells which. */
long harness_gc_pin(struct harness_file *hf,
		    struct tcmk_ioc_gc_pin __user *uarg, bool pin)
{
	struct tcmk_ioc_gc_pin arg;
	struct harness_gc_obj *rec;
	void *obj;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	rec = xa_load(&hf->gcobjs, arg.handle);
	if (!rec) {
		ret = -ENOENT;
		goto out;
	}
	if (!pin && !rec->pins) {
		ret = harness_gc_not_held(rec, -EINVAL);
		goto out;
	}
	if (pin && rec->pins >= TCMK_GC_MAX_PINS) {
		ret = -ENOSPC;
		goto out;
	}
	obj = harness_gc_get(rec);
	if (!obj) {
		ret = -ESTALE;
		goto out;
	}
	/* Report first, so that a failed copy changes nothing. */
	arg.pins = pin ? rec->pins + 1 : rec->pins - 1;
	if (copy_to_user(uarg, &arg, sizeof(arg))) {
		tcmk_gc_unpin(obj);
		ret = -EFAULT;
		goto out;
	}
	/* A PIN keeps the pin tcmk_gc_weak_get() took; an UNPIN drops two. */
	if (pin) {
		rec->pins++;
	} else {
		rec->pins--;
		tcmk_gc_unpin(obj);
		tcmk_gc_unpin(obj);
	}
out:
	mutex_unlock(&hf->lock);
	return ret;
}

/*
 * Free the records of orphans the collector has freed; true if none is
 * left. Sleeps: the list may be long, and live orphans are passed over too.
 */
static bool harness_gc_prune_orphans(void)
{
	struct harness_gc_obj *rec, *next;
	bool empty;
	void *obj;

	mutex_lock(&harness_gc_orphans_lock);
	list_for_each_entry_safe(rec, next, &harness_gc_orphans, orphan) {
		obj = tcmk_gc_weak_get(rec->ref);
		if (obj) {
			tcmk_gc_unpin(obj);
		} else {
			list_del(&rec->orphan);
			tcmk_gc_weak_free(rec->ref);
			kfree(rec);
		}
		cond_resched();
	}
	empty = list_empty(&harness_gc_orphans);
	mutex_unlock(&harness_gc_orphans_lock);
	return empty;
}

/*
 * After every cycle, GC_COLLECT's, sysfs gc/collect's or the pacer's: the
 * orphans it freed lose their records and weak references.
 */
static int harness_gc_cycle_done(struct notifier_block *nb,
				 unsigned long event, void *unused)
{
	if (event == TCMK_GC_CYCLE_DONE)
		harness_gc_prune_orphans();
	return NOTIFY_DONE;
}

static struct notifier_block harness_gc_nb = {
	.notifier_call = harness_gc_cycle_done,
};

long harness_gc_collect(struct tcmk_ioc_gc_collect __user *uarg)
{
	struct tcmk_ioc_gc_collect arg;
	struct tcmk_gc_stats before, after;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg))
		return -EINVAL;
	tcmk_gc_get_stats(&before);
	tcmk_gc_collect();
	tcmk_gc_get_stats(&after);
	memset(&arg, 0, sizeof(arg));
	arg.cycles = after.cycles;
	arg.freed_objects = after.freed_objects_total - before.freed_objects_total;
	arg.freed_bytes = after.freed_bytes_total - before.freed_bytes_total;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

long harness_gc_alive(struct harness_file *hf,
		      struct tcmk_ioc_gc_alive __user *uarg)
{
	struct tcmk_ioc_gc_alive arg;
	struct harness_gc_obj *rec;
	u64 *bitmap = NULL;
	u32 *handles = NULL;
	size_t words;
	long ret = 0;
	void *obj;
	u32 i;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg) || arg.flags & ~TCMK_GC_ALIVE_FLAGS ||
	    !arg.count || arg.count > TCMK_GC_MAX_ALIVE)
		return -EINVAL;
	words = DIV_ROUND_UP(arg.count, 64);
	handles = kvmalloc_array(arg.count, sizeof(*handles), GFP_KERNEL);
	bitmap = kvcalloc(words, sizeof(*bitmap), GFP_KERNEL);
	if (!handles || !bitmap) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(handles, u64_to_user_ptr(arg.handles),
			   array_size(arg.count, sizeof(*handles)))) {
		ret = -EFAULT;
		goto out;
	}

	arg.alive = 0;
	arg.corrupt = 0;
	mutex_lock(&hf->lock);
	for (i = 0; i < arg.count; i++) {
		rec = xa_load(&hf->gcobjs, handles[i]);
		if (!rec) {
			ret = -ENOENT;
			break;
		}
		obj = harness_gc_get(rec);
		if (!obj)
			continue;
		bitmap[i / 64] |= 1ULL << (i % 64);
		arg.alive++;
		if (arg.flags & TCMK_GC_ALIVE_CHECK &&
		    !harness_gc_intact(hf, rec, obj))
			arg.corrupt++;
		tcmk_gc_unpin(obj);
		cond_resched();
	}
	mutex_unlock(&hf->lock);
	if (ret)
		goto out;
	if (copy_to_user(u64_to_user_ptr(arg.bitmap), bitmap,
			 array_size(words, sizeof(*bitmap))) ||
	    copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
out:
	kvfree(bitmap);
	kvfree(handles);
	return ret;
}

long harness_gc_stats(struct tcmk_ioc_gc_stats __user *uarg)
{
	struct tcmk_ioc_gc_stats arg;
	struct tcmk_gc_stats st;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg))
		return -EINVAL;
	tcmk_gc_get_stats(&st);
	/* The reserved words come back zero. */
	arg = (struct tcmk_ioc_gc_stats){
		.enabled = st.enabled,
#define TCMK_GC_STAT(name)	.name = st.name,
#include "stats_list.h"
	};
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/*
 * Drop the roots and pins of a closed file. Conservative objects have no
 * type, so their records go at once; a precise object still alive becomes
 * an orphan until a collection, of any kind, frees it.
 */
void harness_gc_release(struct harness_file *hf)
{
	struct harness_gc_obj *rec;
	unsigned long handle;
	void *obj;

	xa_for_each(&hf->gcobjs, handle, rec) {
		if (rec->rooted) {
			tcmk_gc_root_del(&rec->root);
			rec->rooted = false;
			rec->root = NULL;
		}
		obj = harness_gc_get(rec);
		if (obj) {
			while (rec->pins) {
				tcmk_gc_unpin(obj);
				rec->pins--;
			}
			tcmk_gc_unpin(obj);
		}
		rec->pins = 0;
		if (obj && !rec->conservative) {
			mutex_lock(&harness_gc_orphans_lock);
			list_add_tail(&rec->orphan, &harness_gc_orphans);
			mutex_unlock(&harness_gc_orphans_lock);
		} else {
			tcmk_gc_weak_free(rec->ref);
			kfree(rec);
		}
		cond_resched();
	}
	xa_destroy(&hf->gcobjs);
}

int __init harness_gc_init(void)
{
	struct harness_gc_layout *l;
	unsigned int i;
	int ret;

	l = kzalloc_obj(*l, GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	for (i = 0; i < TCMK_GC_MAX_SLOTS; i++)
		l->offsets[i] = i * sizeof(void *);
	for (i = 0; i <= TCMK_GC_MAX_SLOTS; i++) {
		l->types[i].name = "tcmk_harness";
		l->types[i].size = i * sizeof(void *);
		/* With no slots, offsets and nr_ptrs 0: never scanned. */
		l->types[i].ptr_offsets = l->offsets;
		l->types[i].nr_ptrs = i;
	}
	harness_gc_layout = l;
	ret = tcmk_gc_register_notifier(&harness_gc_nb);
	if (ret)
		kfree(l);
	return ret;
}

/*
 * Undo harness_gc_init() when the device could not be registered: no file
 * was ever opened, so there is nothing to collect.
 */
void harness_gc_undo_init(void)
{
	tcmk_gc_unregister_notifier(&harness_gc_nb);
	kfree(harness_gc_layout);
}

/*
 * Every file is closed, so every object the harness made is garbage: one
 * collection frees them. If some survive it (the collector is disabled),
 * their types must too.
 */
void harness_gc_exit(void)
{
	struct harness_gc_obj *rec, *next;

	tcmk_gc_unregister_notifier(&harness_gc_nb);
	tcmk_gc_collect();
	if (harness_gc_prune_orphans()) {
		kfree(harness_gc_layout);
		return;
	}
	pr_warn("precise objects outlived their files (is the collector disabled?): keeping their types\n");
	list_for_each_entry_safe(rec, next, &harness_gc_orphans, orphan) {
		list_del(&rec->orphan);
		tcmk_gc_weak_free(rec->ref);
		kfree(rec);
	}
}
