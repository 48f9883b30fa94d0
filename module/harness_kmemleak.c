// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk test harness: TCMK_IOC_KMEMLEAK, objects planted for kmemleak to
 * judge (tests/selftests/kmemleak_test.c reads its report).
 *
 * kmemleak reports an object when no memory it scans points into it. It
 * scans the module's data, every task's stack, and the objects it has been
 * told of; tcmk tells it of each object it hands out (hooks.h) and of each
 * span of collected objects whole. So of the planted objects:
 * - the one tcmk object is pointed to by nothing kmemleak can read (the
 *   harness keeps its address inverted, to free it later), and must be
 *   reported as allocated in harness_kmemleak_lost();
 * - each kmalloc() object is pointed to only from inside tcmk's memory, one
 *   from a live tcmk object and one from a rooted collected object, and
 *   must not be reported: it would be, were tcmk's objects not scanned.
 */
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/tcmk.h>
#include <linux/uaccess.h>

#include "harness.h"

/* The lost object's size: a class of its own among what the tests use. */
#define LOST_SIZE	200

/**
 * struct harness_planted - the planted objects, while there are any.
 * @lost:	the lost tcmk object's address, inverted (~): no pointer to it.
 * @holder:	the live tcmk object that points to @kept[0].
 * @root:	the root slot that holds the collected object, which points to
 *		@kept[1].
 *
 * Guarded by harness_planted_lock.
 */
static struct harness_planted {
	unsigned long lost;
	void **holder;
	void *root;
} planted;
static DEFINE_MUTEX(harness_planted_lock);

/*
 * The lost object: its address leaves here inverted only, so that the
 * function's name is in kmemleak's backtrace of it.
 */
static noinline int harness_kmemleak_lost(void)
{
	void *obj = tcmk_alloc(LOST_SIZE, GFP_KERNEL);

	if (!obj)
		return -ENOMEM;
	planted.lost = ~(unsigned long)obj;
	return 0;
}

/* The kmalloc() objects that only tcmk's memory points to. */
static noinline int harness_kmemleak_kept(void)
{
	void **holder, **gcobj;

	holder = tcmk_alloc(8 * sizeof(void *), GFP_KERNEL | __GFP_ZERO);
	if (!holder)
		return -ENOMEM;
	holder[0] = kmalloc(64, GFP_KERNEL);
	if (!holder[0])
		goto out_holder;
	/* No type: the collector scans it conservatively, as kmemleak does. */
	gcobj = tcmk_gc_alloc(8 * sizeof(void *), NULL, GFP_KERNEL);
	if (!gcobj)
		goto out_kept0;
	gcobj[0] = kmalloc(64, GFP_KERNEL);
	if (!gcobj[0])
		goto out_gcobj;
	planted.root = gcobj;
	if (tcmk_gc_root_add(&planted.root))
		goto out_kept1;
	/* Rooted now: the pin tcmk_gc_alloc() gave it can go. */
	tcmk_gc_unpin(gcobj);
	planted.holder = holder;
	return 0;

out_kept1:
	planted.root = NULL;
	kfree(gcobj[0]);
out_gcobj:
	/* Unreachable once unpinned: the collector frees it. */
	gcobj[0] = NULL;
	tcmk_gc_unpin(gcobj);
out_kept0:
	kfree(holder[0]);
out_holder:
	tcmk_free(holder);
	return -ENOMEM;
}

/* Free what harness_kmemleak_kept() made, and the lost object. */
static void harness_kmemleak_remove(void)
{
	void **gcobj = planted.root;

	lockdep_assert_held(&harness_planted_lock);
	kfree(planted.holder[0]);
	tcmk_free(planted.holder);
	planted.holder = NULL;
	/* The object is reachable until its root goes, so intact until then. */
	kfree(gcobj[0]);
	gcobj[0] = NULL;
	tcmk_gc_root_del(&planted.root);
	planted.root = NULL;
	if (planted.lost)
		tcmk_free((void *)~planted.lost);
	planted.lost = 0;
}

long harness_kmemleak(struct tcmk_ioc_kmemleak __user *uarg)
{
	struct tcmk_ioc_kmemleak arg;
	long ret = 0;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	if (arg.op != TCMK_KMEMLEAK_PLANT && arg.op != TCMK_KMEMLEAK_REMOVE)
		return -EINVAL;
	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		return -EOPNOTSUPP;

	mutex_lock(&harness_planted_lock);
	if (arg.op == TCMK_KMEMLEAK_REMOVE) {
		if (planted.holder)
			harness_kmemleak_remove();
		else
			ret = -ENOENT;
	} else if (planted.holder) {
		ret = -EBUSY;
	} else {
		ret = harness_kmemleak_kept();
		if (!ret) {
			ret = harness_kmemleak_lost();
			if (ret)
				harness_kmemleak_remove();
		}
	}
	mutex_unlock(&harness_planted_lock);
	return ret;
}

/* At unload: nothing the harness made outlives it. */
void harness_kmemleak_exit(void)
{
	mutex_lock(&harness_planted_lock);
	if (planted.holder)
		harness_kmemleak_remove();
	mutex_unlock(&harness_planted_lock);
}
