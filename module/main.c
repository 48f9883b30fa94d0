// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk: module init and exit, giving memory back (tcmk_release() and the
 * shrinker).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/tcmk.h>

#include "debug.h"
#include "gc.h"
#include "tcmk.h"

unsigned long tcmk_release(void)
{
	if (tcmk_in_nmi()) {
		tcmk_nmi_refused(__func__);
		return 0;
	}
	tcmk_central_flush_transfer();
	return tcmk_pageheap_release() << PAGE_SHIFT;
}
EXPORT_SYMBOL_GPL(tcmk_release);

/* tcmk_release() of node @nid's shared layers and page heap alone. */
static unsigned long release_node(int nid)
{
	tcmk_central_flush_transfer_node(nid);
	return tcmk_pageheap_release_node(nid);
}

/*
 * Under memory pressure the shrinker gives back what the shared layers hold:
 * the transfer caches and every free page of the page heap (wholly free
 * chunks whole, the free runs of other chunks page by page), of the node
 * reclaim asks for (SHRINKER_NUMA_AWARE: sc->nid; 0 without NUMA). The
 * per-CPU caches are bounded by cpu_cache_bytes and left alone: emptying
 * them needs a worker on every CPU, which reclaim should not wait for.
 */
static unsigned long tcmk_shrink_count(struct shrinker *s,
				       struct shrink_control *sc)
{
	unsigned long held, free_pages;

	tcmk_pageheap_node_counts(sc->nid, &held, &free_pages);
	return free_pages ? free_pages : SHRINK_EMPTY;
}

static unsigned long tcmk_shrink_scan(struct shrinker *s,
				      struct shrink_control *sc)
{
	unsigned long pages = release_node(sc->nid);

	return pages ? pages : SHRINK_STOP;
}

struct shrinker *tcmk_shrinker;
TCMK_EXPORT_FOR_TESTS(tcmk_shrinker);

/*
 * Empty every layer. Objects still in use keep their spans and pages: their
 * users may still touch them, so they are reported and left allocated.
 */
static void tcmk_teardown(void)
{
	unsigned long spans, pages;

	tcmk_free_rcu_exit();
	tcmk_caches_exit();
	tcmk_gc_exit();
	tcmk_cpucache_exit();
	spans = tcmk_central_exit();
	pages = tcmk_pageheap_exit();
	if (pages)
		pr_err("unloaded with objects in use: %lu small spans, %lu pages left allocated\n",
		       spans, pages);
	tcmk_sample_exit();
}

static int __init tcmk_init(void)
{
	int err;

	err = tcmk_debug_init();
	if (err)
		return err;
	tcmk_free_rcu_init();
	/* Before the CPUs' caches, which draw their first distances. */
	err = tcmk_sample_init();
	if (err)
		return err;
	err = tcmk_pageheap_init();
	if (err)
		goto out_sample;
	err = tcmk_central_init();
	if (err)
		goto out_pageheap;
	err = tcmk_cpucache_init();
	if (err)
		goto out_central;
	err = tcmk_gc_init();
	if (err)
		goto out_cpucache;
	tcmk_shrinker = tcmk_shrinker_create("tcmk", SHRINKER_NUMA_AWARE,
					     tcmk_shrink_count, tcmk_shrink_scan);
	if (!tcmk_shrinker) {
		err = -ENOMEM;
		goto out_gc;
	}
	err = tcmk_sysfs_init();
	if (err)
		goto out_shrinker;
	tcmk_debugfs_init();
	pr_info("version %s, %u size classes up to %u bytes\n", TCMK_VERSION,
		TCMK_NR_CLASSES, TCMK_MAX_SMALL_SIZE);
	return 0;

out_shrinker:
	tcmk_shrinker_destroy(tcmk_shrinker);
out_gc:
	tcmk_gc_exit();
out_cpucache:
	tcmk_cpucache_exit();
out_central:
	tcmk_central_exit();
out_pageheap:
	tcmk_pageheap_exit();
out_sample:
	tcmk_sample_exit();
	return err;
}

static void __exit tcmk_exit(void)
{
	tcmk_debugfs_exit();
	tcmk_sysfs_exit();
	tcmk_shrinker_destroy(tcmk_shrinker);
	tcmk_teardown();
}

module_init(tcmk_init);
module_exit(tcmk_exit);

MODULE_DESCRIPTION("tcmk: a TCMalloc-style kernel allocator with an opt-in garbage collector");
MODULE_LICENSE("GPL");
MODULE_VERSION(TCMK_VERSION);
