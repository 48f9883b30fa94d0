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
 *
 * This file has the device, the ioctl dispatch and the commands on objects
 * from tcmk_alloc(); harness_stress.c has STRESS, harness_gc.c the GC_*
 * ioctls; harness.h what they share.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
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

/*
 * The statistics where stats_list.h puts them: each line's field is at the
 * line's place in the kernel's structure and in the ioctl's (after @enabled,
 * in the collector's), and the list has every field that comes before the
 * ioctl's reserved words, or before the kernel's fields that the ioctl does
 * not report. The copies go by name; tcmkctl prints in the list's order.
 */
enum {
#define TCMK_STAT(name)	HARNESS_STAT_##name,
#include "stats_list.h"
	HARNESS_NR_STATS
};

enum {
	HARNESS_GC_STAT_enabled,
#define TCMK_GC_STAT(name)	HARNESS_GC_STAT_##name,
#include "stats_list.h"
	HARNESS_NR_GC_STATS
};

/* 0, or a build error if field @f is not the @i-th of both structures. */
#define HARNESS_STAT_AT(kern, ioc, f, i)				\
	BUILD_BUG_ON_ZERO(offsetof(struct kern, f) != (i) * sizeof(u64) || \
			  offsetof(struct ioc, f) != (i) * sizeof(__u64))

static const int harness_stats_at[] __maybe_unused = {
	HARNESS_STAT_AT(tcmk_gc_stats, tcmk_ioc_gc_stats, enabled,
			HARNESS_GC_STAT_enabled),
#define TCMK_STAT(name)							\
	HARNESS_STAT_AT(tcmk_stats, tcmk_ioc_stats, name, HARNESS_STAT_##name),
#define TCMK_GC_STAT(name)						\
	HARNESS_STAT_AT(tcmk_gc_stats, tcmk_ioc_gc_stats, name,		\
			HARNESS_GC_STAT_##name),
#include "stats_list.h"
};

static_assert(sizeof(struct tcmk_stats) == HARNESS_NR_STATS * sizeof(u64));
static_assert(offsetof(struct tcmk_ioc_stats, reserved) ==
	      HARNESS_NR_STATS * sizeof(__u64));
static_assert(offsetof(struct tcmk_gc_stats, section_max_ns) ==
	      HARNESS_NR_GC_STATS * sizeof(u64));
static_assert(offsetof(struct tcmk_ioc_gc_stats, reserved) ==
	      HARNESS_NR_GC_STATS * sizeof(__u64));

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
 * The records of handles come from a named cache of tcmk's, so that
 * caches/tcmk_harness_obj/ in sysfs counts the handles every open file
 * holds, which the kselftests compare with what they hold.
 */
static struct tcmk_cache *harness_obj_cache;

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
		tcmk_cache_free(harness_obj_cache, obj);
	}
}

/*
 * Out of line: the heap profile names the caller of tcmk_alloc_bulk(), and
 * profile_test looks for this function there.
 */
static noinline long harness_alloc(struct harness_file *hf,
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
		obj = tcmk_cache_alloc(harness_obj_cache, GFP_KERNEL);
		if (!obj) {
			ret = -ENOMEM;
			goto undo;
		}
		obj->ptr = ptrs[i];
		obj->size = arg.size;
		ret = xa_alloc(&hf->objs, &handles[i], obj,
			       XA_LIMIT(1, TCMK_IOC_MAX_HANDLES), GFP_KERNEL);
		if (ret) {
			tcmk_cache_free(harness_obj_cache, obj);
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
	if (arg.pad || arg.pad2 || arg.reserved)
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_erase(&hf->objs, arg.handle);
	mutex_unlock(&hf->lock);
	if (!obj)
		return -ENOENT;
	tcmk_free(obj->ptr);
	tcmk_cache_free(harness_obj_cache, obj);
	return 0;
}

static long harness_size(struct harness_file *hf,
			 struct tcmk_ioc_object __user *uarg)
{
	struct tcmk_ioc_object arg;
	struct harness_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || arg.pad2 || arg.reserved)
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_load(&hf->objs, arg.handle);
	if (obj) {
		arg.size = tcmk_usable_size(obj->ptr);
		arg.requested = obj->size;
		arg.node = page_to_nid(virt_to_page(obj->ptr));
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
	/* The reserved words come back zero. */
	arg = (struct tcmk_ioc_stats){
#define TCMK_STAT(name)	.name = st.name,
#include "stats_list.h"
	};
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
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
	case TCMK_IOC_KMEMLEAK:
		return harness_kmemleak(uarg);
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
		tcmk_cache_free(harness_obj_cache, obj);
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
	int ret;

	harness_obj_cache = tcmk_cache_create("tcmk_harness_obj",
					      sizeof(struct harness_obj), 0, 0, NULL);
	if (!harness_obj_cache)
		return -ENOMEM;
	ret = harness_gc_init();
	if (ret)
		goto out_cache;
	ret = misc_register(&harness_dev);
	if (ret)
		goto out_gc;
	return 0;

out_gc:
	harness_gc_undo_init();
out_cache:
	tcmk_cache_destroy(harness_obj_cache);
	return ret;
}
module_init(harness_init);

static void __exit harness_exit(void)
{
	misc_deregister(&harness_dev);
	harness_kmemleak_exit();
	harness_gc_exit();
	tcmk_cache_destroy(harness_obj_cache);
}
module_exit(harness_exit);

MODULE_DESCRIPTION("tcmk test harness: /dev/tcmk ioctls for userspace tests");
MODULE_LICENSE("GPL");
