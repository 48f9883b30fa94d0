// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk fault injection, with the kernel's framework
 * (Documentation/fault-injection/): tcmk's allocations fail on demand the way
 * failslab makes kmalloc fail, so that tcmk's callers, and tcmk itself, can
 * test their error paths.
 *
 *   fail_alloc	tcmk_alloc(), tcmk_alloc_bulk() and tcmk_gc_alloc() return
 *		NULL (a bulk call 0) without touching any layer.
 *   fail_page	the page heap's requests to the page allocator fail before
 *		they are made: tcmk's own out-of-memory paths, without failing
 *		the rest of the kernel as fail_page_alloc does.
 *
 * Each is a struct fault_attr under /sys/kernel/debug/tcmk/, with the usual
 * files and, as failslab, ignore-gfp-wait. fail_alloc can also be set when
 * the module loads, with failslab='s syntax: tcmk.fail_alloc=<interval>,
 * <probability>,<space>,<times>. On a kernel without CONFIG_FAULT_INJECTION
 * all of it is compiled out, and the parameter refuses the load: asking for
 * failures and getting none would pass tests that should not.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/string.h>

#include "tcmk.h"

#ifdef CONFIG_FAULT_INJECTION

/* failslab's defaults: nothing fails until probability is set. */
struct tcmk_fail tcmk_fail_alloc = {
	.attr = FAULT_ATTR_INITIALIZER,
	.ignore_gfp_reclaim = true,
};
TCMK_EXPORT_FOR_TESTS(tcmk_fail_alloc);

struct tcmk_fail tcmk_fail_page = {
	.attr = FAULT_ATTR_INITIALIZER,
	.ignore_gfp_reclaim = true,
};
TCMK_EXPORT_FOR_TESTS(tcmk_fail_page);

/**
 * tcmk_should_fail() - whether an allocation is to fail, as failslab decides.
 * @f:		the attribute.
 * @size:	bytes asked for (the attribute's "space" counts them).
 * @gfp:	the allocation's flags.
 *
 * __GFP_NOFAIL is never failed. A __GFP_NOWARN caller must not make the
 * kernel print, and should_fail() prints when verbose is set (failslab
 * passes FAULT_NOWARN to should_fail_ex(), which is not exported to
 * modules): such a call is failed only while verbose is 0. NMI context is
 * left alone; tcmk refuses it anyway.
 *
 * Context: any.
 * Return: true if the caller is to fail the allocation.
 */
bool tcmk_should_fail(struct tcmk_fail *f, size_t size, gfp_t gfp)
{
	if (gfp & __GFP_NOFAIL)
		return false;
	if (READ_ONCE(f->ignore_gfp_reclaim) && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	if ((gfp & __GFP_NOWARN) && READ_ONCE(f->attr.verbose))
		return false;
	if (in_nmi())
		return false;
	return should_fail(&f->attr, size);
}

bool tcmk_should_fail_alloc(size_t size, gfp_t gfp)
{
	return tcmk_should_fail(&tcmk_fail_alloc, size, gfp);
}

static int fail_alloc_set(const char *val, const struct kernel_param *kp)
{
	char buf[64];

	/* setup_fault_attr() prints what it could not parse. */
	if (strscpy(buf, val, sizeof(buf)) < 0 ||
	    !setup_fault_attr(&tcmk_fail_alloc.attr, buf))
		return -EINVAL;
	return 0;
}

static void fail_debugfs_attr(const char *name, struct dentry *parent,
			      struct tcmk_fail *f)
{
	struct dentry *dir = fault_create_debugfs_attr(name, parent, &f->attr);

	if (IS_ERR(dir))
		return;
	debugfs_create_bool("ignore-gfp-wait", 0600, dir, &f->ignore_gfp_reclaim);
}

/**
 * tcmk_fail_debugfs_init() - fail_alloc/ and fail_page/ under tcmk's
 * debugfs directory.
 * @parent:	/sys/kernel/debug/tcmk; removed with it.
 */
void __init tcmk_fail_debugfs_init(struct dentry *parent)
{
	if (!IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS) || IS_ERR_OR_NULL(parent))
		return;
	fail_debugfs_attr("fail_alloc", parent, &tcmk_fail_alloc);
	fail_debugfs_attr("fail_page", parent, &tcmk_fail_page);
}

/* After tcmk's debugfs directory is gone. */
void tcmk_fail_debugfs_exit(void)
{
	tcmk_fault_attr_put(&tcmk_fail_alloc.attr);
	tcmk_fault_attr_put(&tcmk_fail_page.attr);
}

#else /* CONFIG_FAULT_INJECTION */

static int fail_alloc_set(const char *val, const struct kernel_param *kp)
{
	pr_err("fail_alloc= needs a kernel built with CONFIG_FAULT_INJECTION\n");
	return -EINVAL;
}

#endif /* CONFIG_FAULT_INJECTION */

static const struct kernel_param_ops fail_alloc_ops = {
	.set = fail_alloc_set,
};
/* Only at load: debugfs's fail_alloc/ changes it at run time. */
module_param_cb(fail_alloc, &fail_alloc_ops, NULL, 0);
MODULE_PARM_DESC(fail_alloc, "Fail allocations: <interval>,<probability>,<space>,<times> as failslab= (needs CONFIG_FAULT_INJECTION)");
