// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk statistics: the global and per-class counters, read from each layer
 * when asked. Nothing is counted here; the layers keep their own counters.
 *
 * Event counters (allocations, frees, refills, ...) count from load or from
 * the last tcmk_stats_reset(), which records a baseline instead of touching
 * the layers' counters: what is in use is still their raw difference.
 */
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/tcmk.h>

#include "tcmk.h"

/* Counter values at the last reset; written under tcmk_stats_lock. */
static struct {
	struct tcmk_cpu_counts cls[TCMK_NR_CLASSES];
	unsigned long large_allocs;
	unsigned long large_frees;
	unsigned long released;
	long bad_frees;
} base;
static DEFINE_MUTEX(tcmk_stats_lock);

/*
 * The class statistics of stats_list.h are struct tcmk_class_stats's fields,
 * all of them and in its order, so that what the structure holds has its
 * file and its place in tcmkstat.
 */
enum {
#define TCMK_CLASS_STAT(file, ...)	CLASS_STAT_##file,
#define TCMK_CLASS_CPU_STAT(file, ...)	CLASS_STAT_##file,
#include "stats_list.h"
	NR_CLASS_STATS
};

/* 0, or a build error if @field is not the structure's field number @i. */
#define CLASS_STAT_AT(field, i)						\
	BUILD_BUG_ON_ZERO(offsetof(struct tcmk_class_stats, field) !=	\
			  (i) * sizeof(unsigned long))

static const int class_stats_at[] __maybe_unused = {
#define TCMK_CLASS_STAT(file, field)					\
	CLASS_STAT_AT(field, CLASS_STAT_##file),
#define TCMK_CLASS_CPU_STAT(file, field)				\
	CLASS_STAT_AT(field, CLASS_STAT_##file),
#include "stats_list.h"
};

static_assert(sizeof(struct tcmk_class_stats) ==
	      NR_CLASS_STATS * sizeof(unsigned long));

/**
 * tcmk_class_stats() - what a class holds, and its events since the reset.
 * @cls:	size class.
 * @out:	the figures.
 *
 * Context: any.
 */
void tcmk_class_stats(unsigned int cls, struct tcmk_class_stats *out)
{
	const struct tcmk_cpu_counts *b = &base.cls[cls];
	struct tcmk_central_counts cen;
	struct tcmk_cpu_counts cpu;

	tcmk_cpu_counts(cls, -1, &cpu);
	tcmk_central_counts(cls, NUMA_NO_NODE, &cen);
	out->spans = cen.spans;
	out->in_use = cpu.allocs - cpu.frees;
	out->cached_cpu = cpu.cached;
	out->cpu_capacity = cpu.capacity;
	out->transfer = cen.transfer;
	out->free_central = cen.free;
	out->allocs = cpu.allocs - READ_ONCE(b->allocs);
	out->frees = cpu.frees - READ_ONCE(b->frees);
	out->refills = cpu.refills - READ_ONCE(b->refills);
	out->flushes = cpu.flushes - READ_ONCE(b->flushes);
}

/* In use among @cen.spans' objects of class @cls, and cached, from counts. */
static unsigned long node_in_use(unsigned int cls,
				 const struct tcmk_central_counts *cen,
				 const struct tcmk_cpu_counts *cpu,
				 unsigned long *cached)
{
	unsigned long total = cen->spans * tcmk_classes[cls].objects;

	*cached = cpu->cached + cen->transfer + cen->free;
	return total > *cached ? total - *cached : 0;
}

/**
 * tcmk_node_class_in_use() - objects of class @cls of node @nid in use.
 * @nid:	a node with memory.
 * @cls:	size class.
 * @cached:	where the node's cached objects of the class go: in its
 *		CPUs' caches, its transfer cache and free in its spans.
 *
 * Objects of the node's spans less those cached: a sampled object, on a
 * span of its own, is not counted (as in the class's objects_in_use, which
 * counts it).
 *
 * Context: any. Not a snapshot: the counts are read one after another.
 * Return: the objects in use.
 */
unsigned long tcmk_node_class_in_use(int nid, unsigned int cls,
				     unsigned long *cached)
{
	struct tcmk_central_counts cen;
	struct tcmk_cpu_counts cpu;

	tcmk_central_counts(cls, nid, &cen);
	tcmk_cpu_counts_node(cls, -1, nid, &cpu);
	return node_in_use(cls, &cen, &cpu, cached);
}

/**
 * tcmk_node_stats() - what node @nid holds.
 * @nid:	a node with memory.
 * @out:	the figures.
 *
 * Context: any.
 */
void tcmk_node_stats(int nid, struct tcmk_node_stats *out)
{
	unsigned long held, free_pages, cached;
	struct tcmk_central_counts cen;
	struct tcmk_cpu_counts cpu;
	unsigned int cls;

	memset(out, 0, sizeof(*out));
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		u64 size = tcmk_classes[cls].size;

		tcmk_central_counts(cls, nid, &cen);
		tcmk_cpu_counts_node(cls, -1, nid, &cpu);
		out->bytes_in_use += node_in_use(cls, &cen, &cpu, &cached) * size;
		out->bytes_cached_cpu += cpu.cached * size;
		out->bytes_cached_transfer += cen.transfer * size;
		out->bytes_cached_central += cen.free * size;
	}
	tcmk_pageheap_node_counts(nid, &held, &free_pages);
	out->bytes_free_page_heap = (u64)free_pages << PAGE_SHIFT;
	out->bytes_held = (u64)held << PAGE_SHIFT;
}
TCMK_EXPORT_FOR_TESTS(tcmk_node_stats);

void tcmk_get_stats(struct tcmk_stats *st)
{
	unsigned long held, free_pages, released, lallocs, lfrees, lbytes;
	unsigned int cls;

	memset(st, 0, sizeof(*st));
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		u64 size = tcmk_classes[cls].size;
		struct tcmk_class_stats c;

		tcmk_class_stats(cls, &c);
		st->bytes_in_use += c.in_use * size;
		st->bytes_cached_cpu += c.cached_cpu * size;
		st->bytes_cached_transfer += c.transfer * size;
		st->bytes_cached_central += c.free_central * size;
		st->alloc_total += c.allocs;
		st->free_total += c.frees;
		st->alloc_slowpath += c.refills;
		st->free_slowpath += c.flushes;
	}
	tcmk_large_counts(&lallocs, &lfrees, &lbytes);
	lallocs -= READ_ONCE(base.large_allocs);
	lfrees -= READ_ONCE(base.large_frees);
	st->bytes_in_use += lbytes;
	st->large_alloc_total = lallocs;
	st->large_free_total = lfrees;
	st->alloc_total += lallocs;
	st->free_total += lfrees;
	st->alloc_slowpath += lallocs;
	st->free_slowpath += lfrees;
	st->alloc_fastpath = st->alloc_total - st->alloc_slowpath;
	st->free_fastpath = st->free_total - st->free_slowpath;

	tcmk_pageheap_counts(&held, &free_pages, &released);
	st->bytes_free_page_heap = (u64)free_pages << PAGE_SHIFT;
	st->bytes_held = (u64)held << PAGE_SHIFT;
	st->bytes_released_total =
		(u64)(released - READ_ONCE(base.released)) << PAGE_SHIFT;
	st->bad_free_total = atomic_long_read(&tcmk_bad_frees) - READ_ONCE(base.bad_frees);
}
EXPORT_SYMBOL_GPL(tcmk_get_stats);

/**
 * tcmk_stats_reset() - start the event counters from zero.
 *
 * Context: process context; may sleep.
 */
void tcmk_stats_reset(void)
{
	unsigned long held, free_pages, lbytes;
	unsigned int cls;

	mutex_lock(&tcmk_stats_lock);
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++)
		tcmk_cpu_counts(cls, -1, &base.cls[cls]);
	tcmk_large_counts(&base.large_allocs, &base.large_frees, &lbytes);
	tcmk_pageheap_counts(&held, &free_pages, &base.released);
	base.bad_frees = atomic_long_read(&tcmk_bad_frees);
	mutex_unlock(&tcmk_stats_lock);
}
