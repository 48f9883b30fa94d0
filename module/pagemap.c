// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk page map tables: the table of the direct map's regions and a leaf per
 * region (struct tcmk_pagemap in tcmk.h says how they are read). This file
 * allocates them, before the page heap takes any page they cover and outside
 * its lock, grows the table for memory hot-added past its end, and frees
 * them at unload, never before. The page heap (pageheap.c) writes the
 * entries, and tcmk_pagemap_get() reads them.
 *
 * Tables and leaves are installed, and counted, under the page heap lock.
 */
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "pageheap.h"

/*
 * The page map's table (see struct tcmk_pagemap). It starts empty, so that a
 * free before any page is taken finds nothing, and is sized at load for the
 * memory there is; memory hot-added above that gets a larger table when tcmk
 * first takes pages from it.
 */
static struct tcmk_pagemap tcmk_no_pagemap;
/*
 * The leaf of every region tcmk has never taken pages in: all 0, never
 * written, so that a lookup there needs no test of its own.
 */
const struct tcmk_pagemap_leaf tcmk_pagemap_empty_leaf __aligned(PAGE_SIZE);
TCMK_EXPORT_FOR_TESTS(tcmk_pagemap_empty_leaf);
struct tcmk_pagemap *tcmk_pagemap __read_mostly = &tcmk_no_pagemap;
TCMK_EXPORT_FOR_TESTS(tcmk_pagemap);
/*
 * Tables replaced by larger ones, freed at unload. This and the counts below
 * are guarded by the page heap lock.
 */
static struct tcmk_pagemap *old_pagemaps[BITS_PER_LONG];
static unsigned int nr_old_pagemaps;
static unsigned long pagemap_leaves;	/* leaves of the page map */
static unsigned long pagemap_bytes;	/* its tables and leaves */

static unsigned long region_of(const void *addr)
{
	return ((unsigned long)addr - PAGE_OFFSET) >> TCMK_REGION_SHIFT;
}

static bool leaf_is_empty(const struct tcmk_pagemap_leaf *leaf)
{
	return leaf == &tcmk_pagemap_empty_leaf;
}

static struct tcmk_pagemap *pagemap_alloc(unsigned long nr, gfp_t gfp)
{
	struct tcmk_pagemap *pm = kvmalloc(struct_size(pm, leaves, nr), gfp);
	unsigned long r;

	if (!pm)
		return NULL;
	pm->nr = nr;
	for (r = 0; r < nr; r++)
		pm->leaves[r] = (struct tcmk_pagemap_leaf *)&tcmk_pagemap_empty_leaf;
	return pm;
}

/*
 * Make the table cover @need regions. Called without the lock, since it may
 * allocate; the table only grows, so a table that covers a region stays
 * covering it.
 */
static int pagemap_grow(unsigned long need, gfp_t gfp)
{
	struct tcmk_pagemap *pm, *old;
	unsigned long flags;

	if (need <= READ_ONCE(tcmk_pagemap)->nr)
		return 0;
	/* Room to spare, so that hot-added memory seldom needs another. */
	pm = pagemap_alloc(need + need / 4, gfp);
	if (!pm)
		return -ENOMEM;
	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	old = tcmk_pagemap;
	if (old->nr >= need || nr_old_pagemaps == ARRAY_SIZE(old_pagemaps)) {
		raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
		kvfree(pm);
		return old->nr >= need ? 0 : -ENOMEM;
	}
	memcpy(pm->leaves, old->leaves, old->nr * sizeof(old->leaves[0]));
	/* Pairs with READ_ONCE() in tcmk_pagemap_get(): leaves before table. */
	smp_store_release(&tcmk_pagemap, pm);
	if (old != &tcmk_no_pagemap)
		old_pagemaps[nr_old_pagemaps++] = old;
	pagemap_bytes += struct_size(pm, leaves, pm->nr);
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	return 0;
}

/**
 * tcmk_pagemap_cover() - make the page map ready for pages about to be taken.
 * @base:	the first page.
 * @bytes:	how many bytes from @base.
 * @gfp:	flags for the table and leaves this may need.
 *
 * Before any page of [@base, @base + @bytes) is stamped, the table covers it,
 * and each of its regions has a leaf. Called without the page heap lock,
 * since it may allocate; neither goes before unload, so what is there stays.
 *
 * Context: as @gfp allows; takes the page heap lock.
 * Return: 0, or -ENOMEM.
 */
int tcmk_pagemap_cover(void *base, unsigned long bytes, gfp_t gfp)
{
	unsigned long last = region_of(base + bytes - 1), r, flags;
	struct tcmk_pagemap_leaf *leaf;
	int err;

	err = pagemap_grow(last + 1, gfp);
	if (err)
		return err;
	for (r = region_of(base); r <= last; r++) {
		if (!leaf_is_empty(READ_ONCE(READ_ONCE(tcmk_pagemap)->leaves[r])))
			continue;
		/* It outlives whoever asked: not theirs to be charged for. */
		leaf = kzalloc_obj(*leaf, gfp & ~__GFP_ACCOUNT);
		if (!leaf)
			return -ENOMEM;
		raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
		if (leaf_is_empty(tcmk_pagemap->leaves[r])) {
			/*
			 * Pairs with READ_ONCE() in tcmk_pagemap_get(): the
			 * zeroed entries before the leaf.
			 */
			smp_store_release(&tcmk_pagemap->leaves[r], leaf);
			pagemap_leaves++;
			pagemap_bytes += sizeof(*leaf);
			leaf = NULL;
		}
		raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
		kfree(leaf);
	}
	return 0;
}

/**
 * tcmk_pagemap_init() - a table for the memory there is at load.
 *
 * Memory hot-added past it widens the table in tcmk_pagemap_cover().
 *
 * Context: process context, at load.
 * Return: 0, or -ENOMEM.
 */
int __init tcmk_pagemap_init(void)
{
	tcmk_pagemap = pagemap_alloc(region_of(high_memory - 1) + 1, GFP_KERNEL);
	if (!tcmk_pagemap) {
		tcmk_pagemap = &tcmk_no_pagemap;
		return -ENOMEM;
	}
	pagemap_bytes = struct_size(tcmk_pagemap, leaves, tcmk_pagemap->nr);
	return 0;
}

/**
 * tcmk_pagemap_exit() - free the tables and leaves at unload.
 *
 * Context: process context, at unload, once nothing can call in any more:
 * the map has no readers left.
 */
void tcmk_pagemap_exit(void)
{
	unsigned long r;
	unsigned int i;

	/*
	 * The current table holds every leaf; the old ones hold some of the
	 * same.
	 */
	for (r = 0; r < tcmk_pagemap->nr; r++)
		if (!leaf_is_empty(tcmk_pagemap->leaves[r]))
			kfree(tcmk_pagemap->leaves[r]);
	for (i = 0; i < nr_old_pagemaps; i++)
		kvfree(old_pagemaps[i]);
	nr_old_pagemaps = 0;
	if (tcmk_pagemap != &tcmk_no_pagemap)
		kvfree(tcmk_pagemap);
	tcmk_pagemap = &tcmk_no_pagemap;
	pagemap_leaves = 0;
	pagemap_bytes = 0;
}

/**
 * tcmk_pagemap_report() - the page map's line of the debugfs report.
 * @m:		where to write.
 *
 * Context: the page heap lock held.
 */
void tcmk_pagemap_report(struct seq_file *m)
{
	lockdep_assert_held(&tcmk_pageheap_lock);
	seq_printf(m, "page map: %lu regions, %lu leaves; %lu bytes with its tables, kept until unload\n",
		   tcmk_pagemap->nr, pagemap_leaves, pagemap_bytes);
}
