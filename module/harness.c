// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk test harness: the misc device /dev/tcmk, which lets root drive tcmk
 * from userspace through the ioctls of <uapi/linux/tcmk.h>.
 *
 * The harness is a client of tcmk like any other: it uses only the public API
 * of <linux/tcmk.h>, so what the tests see is what kernel users get.
 *
 * Userspace never sees a kernel address. Every open file keeps an xarray from
 * handles (1 to TCMK_IOC_MAX_HANDLES) to object records; closing the file, by
 * hand or because the process died, frees whatever it still holds. STRESS
 * keeps nothing in the file: its kernel threads free all they took before the
 * ioctl returns.
 *
 * Patterns (FILL, CHECK and the stress threads) are a function of a seed and
 * the byte offset alone, so any range can be checked without replaying a
 * stream: byte i is byte i % 8, least significant first, of
 * splitmix64(seed + (i / 8 + 1) * golden); seed 0 is all zeroes, which lets
 * CHECK tell whether an object is zeroed.
 *
 * CHECK tells userspace how an object differs from a pattern it chose, so
 * no object may hold a byte userspace did not write: ALLOC zeroes what it
 * hands out (see harness_scrub()), and no pattern is derived from a kernel
 * address.
 *
 * Collected objects (the GC_* ioctls) have handles of their own, in a second
 * xarray, whose records hold a weak reference rather than the object: the
 * collector, not the file, decides when an object dies, and a handle whose
 * object was freed can only ever answer that it is dead. The file's roots
 * are slots in its records, its pins are counted there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
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

/* The uapi is fixed-size: a layout change must be a new command. */
static_assert(sizeof(struct tcmk_ioc_alloc) == 40);
static_assert(sizeof(struct tcmk_ioc_object) == 40);
static_assert(sizeof(struct tcmk_ioc_pattern) == 48);
static_assert(sizeof(struct tcmk_ioc_stats) == 192);
static_assert(sizeof(struct tcmk_ioc_stress) == 96);
static_assert(sizeof(struct tcmk_ioc_gc_alloc) == 40);
static_assert(sizeof(struct tcmk_ioc_gc_link) == 32);
static_assert(sizeof(struct tcmk_ioc_gc_root) == 24);
static_assert(sizeof(struct tcmk_ioc_gc_pin) == 32);
static_assert(sizeof(struct tcmk_ioc_gc_collect) == 56);
static_assert(sizeof(struct tcmk_ioc_gc_alive) == 48);
static_assert(sizeof(struct tcmk_ioc_gc_stats) == 192);
static_assert(TCMK_IOC_MAX_SIZE == TCMK_MAX_ALLOC_SIZE);
/* Slot offsets are u16 in struct tcmk_gc_type. */
static_assert(TCMK_GC_MAX_SLOTS * sizeof(void *) <= U16_MAX);

/**
 * struct harness_obj - an object held by an open file.
 * @ptr:	the object, from tcmk.
 * @size:	the size requested at allocation.
 */
struct harness_obj {
	void *ptr;
	size_t size;
};

/*
 * Write the pattern of @seed, each word ANDed with @mask, over @len bytes at
 * @p. Objects from tcmk are at least 8-byte aligned, so whole words are
 * stored as such.
 */
void pattern_fill(void *p, size_t len, u64 seed, u64 mask)
{
	size_t words = len / 8, i;
	__le64 *w = p;
	u8 *tail = p;
	u64 last;

	for (i = 0; i < words; i++) {
		w[i] = cpu_to_le64(pattern_word(seed, i) & mask);
		if (!((i + 1) % PATTERN_RESCHED_WORDS))
			cond_resched();
	}
	if (len % 8) {
		last = pattern_word(seed, words) & mask;
		for (i = words * 8; i < len; i++, last >>= 8)
			tail[i] = (u8)last;
	}
}

/*
 * Compare @len bytes at @p with the pattern of @seed and @mask. Return the
 * number of bytes that differ and set *@first_bad to the offset of the first
 * (or to 0).
 */
u64 pattern_check(const void *p, size_t len, u64 seed, u64 mask,
		  u64 *first_bad)
{
	size_t words = len / 8, i, b;
	const __le64 *w = p;
	const u8 *tail = p;
	u64 bad = 0, diff;

	*first_bad = 0;
	for (i = 0; i < words; i++) {
		diff = le64_to_cpu(w[i]) ^ (pattern_word(seed, i) & mask);
		if (unlikely(diff)) {
			for (b = 0; b < 8; b++, diff >>= 8) {
				if (!(diff & 0xff))
					continue;
				if (!bad)
					*first_bad = i * 8 + b;
				bad++;
			}
		}
		if (!((i + 1) % PATTERN_RESCHED_WORDS))
			cond_resched();
	}
	if (len % 8) {
		u64 last = pattern_word(seed, words) & mask;

		for (i = words * 8; i < len; i++, last >>= 8) {
			if (tail[i] == (u8)last)
				continue;
			if (!bad)
				*first_bad = i;
			bad++;
		}
	}
	return bad;
}

/*
 * Make @count new objects of @size bytes at @ptrs read as zeroes. tcmk zeroes
 * an object only for __GFP_ZERO or init_on_alloc: otherwise it holds what
 * its last user left, and, if it went back to its span, the free list's link
 * to the next free object (a kernel address) in its first word. CHECK
 * against chosen seeds would read those out a byte at a time. @zeroed: tcmk
 * was asked to zero them (TCMK_ALLOC_ZERO); check that it did, so that the
 * harness stays a test of __GFP_ZERO. Return 0, or -EIO if it did not.
 */
static int harness_scrub(void **ptrs, u32 count, size_t size, bool zeroed)
{
	u32 i;

	for (i = 0; i < count; i++) {
		if (!zeroed) {
			memset(ptrs[i], 0, size);
		} else if (memchr_inv(ptrs[i], 0, size)) {
			pr_err("an object of %zu bytes allocated with __GFP_ZERO is not zeroed\n",
			       size);
			return -EIO;
		}
		if (size >= PAGE_SIZE)
			cond_resched();
	}
	return 0;
}

/* Drop @handles[0..@n) from @hf and free their objects. */
static void harness_undo(struct harness_file *hf, const u32 *handles,
			 unsigned int n)
{
	struct harness_obj *obj;

	while (n--) {
		obj = xa_erase(&hf->objs, handles[n]);
		tcmk_free(obj->ptr);
		kfree(obj);
	}
}

static long harness_alloc(struct harness_file *hf,
			  struct tcmk_ioc_alloc __user *uarg)
{
	struct tcmk_ioc_alloc arg;
	struct harness_obj *obj;
	gfp_t gfp = HARNESS_GFP;
	u32 *handles = NULL;
	void **ptrs = NULL;
	unsigned int i = 0;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg) || arg.flags & ~TCMK_ALLOC_FLAGS ||
	    !arg.size || arg.size > TCMK_IOC_MAX_SIZE ||
	    !arg.count || arg.count > TCMK_IOC_MAX_COUNT)
		return -EINVAL;
	if (arg.flags & TCMK_ALLOC_ATOMIC)
		gfp = GFP_ATOMIC | __GFP_NOWARN;
	if (arg.flags & TCMK_ALLOC_ZERO)
		gfp |= __GFP_ZERO;

	ptrs = kvcalloc(arg.count, sizeof(*ptrs), GFP_KERNEL);
	handles = kvcalloc(arg.count, sizeof(*handles), GFP_KERNEL);
	if (!ptrs || !handles) {
		ret = -ENOMEM;
		goto out;
	}
	if (!tcmk_alloc_bulk(arg.size, gfp, arg.count, ptrs)) {
		ret = -ENOMEM;
		goto out;
	}
	ret = harness_scrub(ptrs, arg.count, arg.size,
			    arg.flags & TCMK_ALLOC_ZERO);
	if (ret) {
		tcmk_free_bulk(arg.count, ptrs);
		goto out;
	}

	/*
	 * The lock is held until the handles are in userspace, so that an
	 * undo never races with a FREE of a handle guessed by another thread.
	 */
	mutex_lock(&hf->lock);
	for (i = 0; i < arg.count; i++) {
		obj = kmalloc_obj(*obj, GFP_KERNEL);
		if (!obj) {
			ret = -ENOMEM;
			goto undo;
		}
		obj->ptr = ptrs[i];
		obj->size = arg.size;
		ret = xa_alloc(&hf->objs, &handles[i], obj,
			       XA_LIMIT(1, TCMK_IOC_MAX_HANDLES), GFP_KERNEL);
		if (ret) {
			kfree(obj);
			if (ret == -EBUSY)
				ret = -ENOSPC;
			goto undo;
		}
	}
	if (copy_to_user(u64_to_user_ptr(arg.handles), handles,
			 array_size(arg.count, sizeof(*handles)))) {
		ret = -EFAULT;
		goto undo;
	}
	mutex_unlock(&hf->lock);
	ret = 0;
	goto out;

undo:
	/* Objects 0..i-1 have handles; i and up are only in ptrs. */
	harness_undo(hf, handles, i);
	mutex_unlock(&hf->lock);
	tcmk_free_bulk(arg.count - i, ptrs + i);
out:
	kvfree(handles);
	kvfree(ptrs);
	return ret;
}

static long harness_free(struct harness_file *hf,
			 struct tcmk_ioc_object __user *uarg)
{
	struct tcmk_ioc_object arg;
	struct harness_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_erase(&hf->objs, arg.handle);
	mutex_unlock(&hf->lock);
	if (!obj)
		return -ENOENT;
	tcmk_free(obj->ptr);
	kfree(obj);
	return 0;
}

static long harness_size(struct harness_file *hf,
			 struct tcmk_ioc_object __user *uarg)
{
	struct tcmk_ioc_object arg;
	struct harness_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_load(&hf->objs, arg.handle);
	if (obj) {
		arg.size = tcmk_usable_size(obj->ptr);
		arg.requested = obj->size;
	}
	mutex_unlock(&hf->lock);
	if (!obj)
		return -ENOENT;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* FILL and CHECK: @check tells which. */
static long harness_pattern(struct harness_file *hf,
			    struct tcmk_ioc_pattern __user *uarg, bool check)
{
	struct tcmk_ioc_pattern arg;
	struct harness_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_load(&hf->objs, arg.handle);
	if (obj && check)
		arg.bad_bytes = pattern_check(obj->ptr, obj->size, arg.seed,
					      PATTERN_ALL_BITS, &arg.first_bad);
	else if (obj)
		pattern_fill(obj->ptr, obj->size, arg.seed, PATTERN_ALL_BITS);
	mutex_unlock(&hf->lock);
	if (!obj)
		return -ENOENT;
	if (check && copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long harness_stats(struct tcmk_ioc_stats __user *uarg)
{
	struct tcmk_ioc_stats arg;
	struct tcmk_stats st;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg))
		return -EINVAL;
	tcmk_get_stats(&st);
	memset(&arg, 0, sizeof(arg));
	arg.bytes_in_use = st.bytes_in_use;
	arg.bytes_cached_cpu = st.bytes_cached_cpu;
	arg.bytes_cached_transfer = st.bytes_cached_transfer;
	arg.bytes_cached_central = st.bytes_cached_central;
	arg.bytes_free_page_heap = st.bytes_free_page_heap;
	arg.bytes_held = st.bytes_held;
	arg.bytes_released_total = st.bytes_released_total;
	arg.alloc_total = st.alloc_total;
	arg.free_total = st.free_total;
	arg.alloc_fastpath = st.alloc_fastpath;
	arg.alloc_slowpath = st.alloc_slowpath;
	arg.free_fastpath = st.free_fastpath;
	arg.free_slowpath = st.free_slowpath;
	arg.large_alloc_total = st.large_alloc_total;
	arg.large_free_total = st.large_free_total;
	arg.bad_free_total = st.bad_free_total;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

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

static long harness_gc_alloc(struct harness_file *hf,
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

static long harness_gc_link(struct harness_file *hf,
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

static long harness_gc_root(struct harness_file *hf,
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
static long harness_gc_pin(struct harness_file *hf,
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

static long harness_gc_collect(struct tcmk_ioc_gc_collect __user *uarg)
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

static long harness_gc_alive(struct harness_file *hf,
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

static long harness_gc_stats(struct tcmk_ioc_gc_stats __user *uarg)
{
	struct tcmk_ioc_gc_stats arg;
	struct tcmk_gc_stats st;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg))
		return -EINVAL;
	tcmk_gc_get_stats(&st);
	memset(&arg, 0, sizeof(arg));
	arg.enabled = st.enabled;
	arg.cycles = st.cycles;
	arg.heap_bytes = st.heap_bytes;
	arg.heap_objects = st.heap_objects;
	arg.marked_bytes_last = st.marked_bytes_last;
	arg.freed_objects_total = st.freed_objects_total;
	arg.freed_bytes_total = st.freed_bytes_total;
	arg.roots = st.roots;
	arg.pinned = st.pinned;
	arg.weak_refs = st.weak_refs;
	arg.overflows_total = st.overflows_total;
	arg.last_cycle_ns = st.last_cycle_ns;
	arg.last_mark_ns = st.last_mark_ns;
	arg.last_sweep_ns = st.last_sweep_ns;
	arg.pause_max_ns = st.pause_max_ns;
	arg.pause_total_ns = st.pause_total_ns;
	arg.bad_calls_total = st.bad_calls_total;
	arg.finalizers_run_total = st.finalizers_run_total;
	arg.heap_goal = st.heap_goal;
	arg.cycles_paced = st.cycles_paced;
	arg.assist_bytes_total = st.assist_bytes_total;
	arg.mark_workers = st.mark_workers;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/*
 * Drop the roots and pins of a closed file. Conservative objects have no
 * type, so their records go at once; a precise object still alive becomes
 * an orphan until a collection, of any kind, frees it.
 */
static void harness_gc_release(struct harness_file *hf)
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

static int __init harness_gc_init(void)
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
 * Every file is closed, so every object the harness made is garbage: one
 * collection frees them. If some survive it (the collector is disabled),
 * their types must too.
 */
static void harness_gc_exit(void)
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

static long harness_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct harness_file *hf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case TCMK_IOC_ALLOC:
		return harness_alloc(hf, uarg);
	case TCMK_IOC_FREE:
		return harness_free(hf, uarg);
	case TCMK_IOC_FILL:
		return harness_pattern(hf, uarg, false);
	case TCMK_IOC_CHECK:
		return harness_pattern(hf, uarg, true);
	case TCMK_IOC_SIZE:
		return harness_size(hf, uarg);
	case TCMK_IOC_STATS:
		return harness_stats(uarg);
	case TCMK_IOC_STRESS:
		return harness_stress(uarg);
	case TCMK_IOC_GC_ALLOC:
		return harness_gc_alloc(hf, uarg);
	case TCMK_IOC_GC_LINK:
		return harness_gc_link(hf, uarg);
	case TCMK_IOC_GC_ROOT:
		return harness_gc_root(hf, uarg);
	case TCMK_IOC_GC_PIN:
		return harness_gc_pin(hf, uarg, true);
	case TCMK_IOC_GC_UNPIN:
		return harness_gc_pin(hf, uarg, false);
	case TCMK_IOC_GC_COLLECT:
		return harness_gc_collect(uarg);
	case TCMK_IOC_GC_ALIVE:
		return harness_gc_alive(hf, uarg);
	case TCMK_IOC_GC_STATS:
		return harness_gc_stats(uarg);
	default:
		return -ENOTTY;
	}
}

static int harness_open(struct inode *inode, struct file *file)
{
	struct harness_file *hf;

	/* The device is 0600, but root without CAP_SYS_ADMIN is refused too. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	hf = kzalloc_obj(*hf, GFP_KERNEL);
	if (!hf)
		return -ENOMEM;
	mutex_init(&hf->lock);
	xa_init_flags(&hf->objs, XA_FLAGS_ALLOC1);
	xa_init_flags(&hf->gcobjs, XA_FLAGS_ALLOC1);
	file->private_data = hf;
	return nonseekable_open(inode, file);
}

/* The last reference is gone, so no ioctl runs: no lock is needed. */
static int harness_release(struct inode *inode, struct file *file)
{
	struct harness_file *hf = file->private_data;
	struct harness_obj *obj;
	unsigned long handle;

	xa_for_each(&hf->objs, handle, obj) {
		tcmk_free(obj->ptr);
		kfree(obj);
		cond_resched();
	}
	xa_destroy(&hf->objs);
	harness_gc_release(hf);
	mutex_destroy(&hf->lock);
	kfree(hf);
	return 0;
}

static const struct file_operations harness_fops = {
	.owner		= THIS_MODULE,
	.open		= harness_open,
	.release	= harness_release,
	.unlocked_ioctl	= harness_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice harness_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "tcmk",
	.fops	= &harness_fops,
	.mode	= 0600,
};

static int __init harness_init(void)
{
	int ret = harness_gc_init();

	if (ret)
		return ret;
	ret = misc_register(&harness_dev);
	if (ret) {
		tcmk_gc_unregister_notifier(&harness_gc_nb);
		kfree(harness_gc_layout);
	}
	return ret;
}
module_init(harness_init);

static void __exit harness_exit(void)
{
	misc_deregister(&harness_dev);
	harness_gc_exit();
}
module_exit(harness_exit);

MODULE_DESCRIPTION("tcmk test harness: /dev/tcmk ioctls for userspace tests");
MODULE_LICENSE("GPL");
