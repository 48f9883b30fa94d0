/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk: private types shared by the layers of the allocator.
 *
 * tcmk is built the way TCMalloc and the Go runtime build their allocators.
 * A request is rounded up to one of a fixed set of size classes; every class
 * has its own free lists at three levels, and memory moves between the levels
 * in batches:
 *
 *   tcmk_alloc(size, gfp)
 *     size -> class         sizeclass.c: one byte table, no loop, no division
 *     per-CPU cache         an array of free objects per class; pop and push only
 *     transfer cache        per class, whole batches passed between CPUs
 *     central list          per class, spans with free objects
 *     page heap             runs of pages carved from alloc_pages() chunks
 *     buddy allocator
 *
 * Freeing runs the same path upwards. Objects larger than the largest class
 * (TCMK_MAX_SMALL_SIZE) are whole runs of pages from the page heap.
 *
 * A class is described by its object size and its span: the smallest number
 * of pages whose tail after the last whole object is at most 1/8 of the span
 * (module/mksizeclasses.c generates the table; see the rule there).
 *
 * Finding an object's span is O(1), through tcmk's own page map, as Go's
 * heap arenas and TCMalloc's pagemap do it: a table of the direct map's
 * 2 MiB regions leads to a leaf with one entry per page, which holds the
 * page's owner (its span) and in the owner's low bits what kind of page it
 * is. A page tcmk does not own, the inside of a free run or a collected
 * span's page is told apart by the kind, with three loads (table, leaf,
 * entry) and two tests, and a bad pointer is refused rather than
 * corrupting a free list. No struct page is read or written: a region where
 * tcmk has never held a page has a shared leaf of zeroes, and every page
 * tcmk gives back reads 0. pagemap.c keeps the map's tables, pageheap.c
 * stamps its entries, and tcmk_pagemap_get() reads them.
 *
 * A CPU's cache takes no lock: its task-context stacks are used with
 * preemption disabled, its interrupt stacks with interrupts disabled (see
 * cpucache.c).
 *
 * Lock order:
 *   1a. tcmk_drain_lock (mutex)
 *   1b. tcmk_stats_lock (mutex)
 *   1c. tcmk_sample_mutex (mutex)
 *   1d. tcmk_caches_mutex (mutex)
 *   2.  cpu_hotplug_lock (the kernel's)
 *   3a. tcmk_transfer.lock (raw spinlock, one per class)
 *   3b. tcmk_central.lock (raw spinlock, one per class)
 *   3c. tcmk_debug_lock (raw spinlock; debug mode only)
 *   3d. tcmk_pageheap_lock (raw spinlock)
 *   3e. tcmk_sample_lock (raw spinlock)
 *   3f. tcmk_rcu_cpu.lock (raw spinlock, one per CPU)
 *   3g. tcmk_cache.lock (raw spinlock, one per private named cache)
 *
 *   No two locks of one number are held together, but for the page heap's
 *   lock under tcmk_debug_lock in tcmk_debug_validate(): the transfer cache,
 *   the central list and the page heap each let go of their lock before they
 *   call the next layer, and tcmk takes no lock under any of the three.
 *   They are raw spinlocks, taken with interrupts disabled, because
 *   tcmk_free() and GFP_ATOMIC allocations may run in hardirq context, where
 *   a spinlock_t is not allowed (it sleeps on PREEMPT_RT, and lockdep's
 *   PROVE_RAW_LOCK_NESTING checks so on any kernel). None of them is held
 *   across a call that allocates or frees pages or slab objects, which may
 *   reclaim and so run tcmk's own shrinker; in hardirq context tcmk makes
 *   no such call at all: it serves from what it holds, and what goes back to
 *   the kernel goes from a work item (pageheap.c). The collector's locks
 *   are never held with tcmk_drain_lock, tcmk_stats_lock or the transfer
 *   and central locks; its mutexes come before cpu_hotplug_lock, and all of
 *   them before tcmk_pageheap_lock: gc.h gives the collector's order.
 *
 *   tcmk_drain_lock
 *
 *   One tcmk_drain() at a time (cpucache.c). Taken in process context by
 *   tcmk_drain(), whose callers include sysfs's drain and cpu_cache_bytes.
 *   Under it: cpus_read_lock(), and a wait for the worker on each CPU that
 *   empties the CPU's cache with interrupts disabled, taking the spinlocks
 *   below.
 *
 *   tcmk_stats_lock
 *
 *   The baseline of the event counters (stats.c): written by
 *   tcmk_stats_reset() (sysfs's reset_stats), in process context; readers
 *   take no lock. Under it: tcmk_pageheap_lock, to read the page heap's
 *   counts.
 *
 *   tcmk_sample_mutex
 *
 *   sample_bytes and the part of tcmk_alloc_hook it holds (sample.c):
 *   taken by tcmk_sample_set_rate() (sysfs's sample_bytes), in process
 *   context. Under it: cpus_read_lock(), by the static key and by the wait
 *   for a worker on each CPU that draws its countdowns again.
 *
 *   cpu_hotplug_lock
 *
 *   Held by tcmk_drain() for reading, and by the CPU hotplug core around
 *   tcmk's callbacks: the one for a dead CPU gives that CPU's objects back
 *   (the spinlocks below), on another CPU.
 *
 *   tcmk_transfer.lock
 *
 *   A class's transfer cache: its count and the objects in its slots (struct
 *   tcmk_transfer, central.c). Taken by tcmk_central_remove() when a CPU's
 *   cache refills, in any context the caller's GFP flags allow; by
 *   tcmk_central_insert() when one flushes, in any context but NMI (a free
 *   in hardirq context may flush there), and when caches are emptied: from
 *   tcmk_drain()'s workers, with interrupts already disabled, from the
 *   hotplug callback and at unload; by tcmk_central_flush_transfer()
 *   (tcmk_release(), and so the shrinker's scan, and unload); and by
 *   tcmk_central_counts(), for the statistics' readers (sysfs, debugfs,
 *   tcmk_get_stats() and the harness's STATS).
 *
 *   tcmk_central.lock
 *
 *   A class's list of spans with free objects, its counts of spans and free
 *   objects, and the fields of its small spans that struct tcmk_span says it
 *   guards. Taken in the same calls and contexts as the transfer cache's
 *   lock, after it is dropped: when the transfer cache has nothing for a
 *   refill or no room for a flush, when it is flushed, and by
 *   tcmk_central_counts(). New spans come from the page heap before it is
 *   taken, and spans it empties go back after it is dropped.
 *
 *   tcmk_debug_lock
 *
 *   Debug mode's view of objects (debug.c): an object's state, tracks and
 *   poison as it is allocated or freed, and the walk of every span by
 *   tcmk_debug_validate() (sysfs's validate), which takes tcmk_pageheap_lock
 *   under it. Taken in the slow paths of debug mode in any context but NMI,
 *   never with a transfer or central lock held.
 *
 *   tcmk_pageheap_lock
 *
 *   The page heap's free runs, chunks, counts and spare span records
 *   (pageheap.c), the chunks waiting to go back (release.c), the page map's
 *   tables and leaves as they are installed (pagemap.c), and the page map's
 *   entries of free runs; pageheap.h says more. Taken through the page
 *   heap's calls: for new spans (a class's central list, large objects, the
 *   collector), in any context their GFP flags allow, where hardirq context
 *   gets only what the heap holds; to give spans back, in any context but
 *   NMI; by tcmk_pageheap_release() (tcmk_release(), the shrinker's scan and
 *   unload); by tcmk_pageheap_counts() (the statistics' readers and the
 *   shrinker's count); by the debugfs report; and by the work items that
 *   give back what frees in hardirq context left and the chunks that have
 *   waited long enough. spare_reserve() drops it around the span records
 *   it allocates; grow(), alloc_direct() and the page map's calls take it
 *   only once their allocations are done.
 *
 *   tcmk_sample_lock
 *
 *   The heap profile's buckets and records (sample.c): taken when an
 *   allocation is sampled and when a sampled object is freed, in any context
 *   but NMI, with no other lock of tcmk's held; nothing is taken, allocated
 *   or freed under it.
 *
 *   tcmk_caches_mutex
 *
 *   The list of named caches, their names and the table of private caches'
 *   ids (cache.c): taken by tcmk_cache_create() and tcmk_cache_destroy(),
 *   in process context. Nothing is taken under it.
 *
 *   tcmk_cache.lock
 *
 *   A private named cache's list of spans with free objects, its counts and
 *   its spans' free lists (cache.c). Taken when a CPU's stack of the cache
 *   refills or flushes, in any context but NMI, and by tcmk_cache_shrink()
 *   on each CPU from an IPI; new spans come from the page heap before it is
 *   taken and empty ones go back after it is dropped; nothing is taken
 *   under it.
 *
 *   tcmk_rcu_cpu.lock
 *
 *   A CPU's RCU frees (free_rcu.c): the objects it gathers, its spare
 *   blocks and its batch in flight. Taken by tcmk_free_rcu() on its own CPU
 *   in any context but NMI, and by the monitor, the batch's worker and
 *   tcmk_free_rcu_barrier() from process context on any CPU, with no other
 *   lock of tcmk's held; nothing is taken, allocated or freed under it.
 *
 * Files, one per layer: sizeclass.c (the table and lookup), cpucache.c (the
 * per-CPU caches and the public entry points), central.c (transfer caches and
 * central lists), pageheap.c (runs of pages over alloc_pages(), and the span
 * records), release.c (when the page heap's free pages go back), pagemap.c
 * (the page map's tables), large.c (objects above TCMK_MAX_SMALL_SIZE), gc.c
 * and gc_*.c (the collector, its own header gc.h; gc.c says which file holds
 * what), stats.c (reading the counters), stats_list.h (the statistics that
 * sysfs, the harness and the tools list), sysfs.c (/sys/kernel/tcmk),
 * debugfs.c (the report), fail.c (fault injection), debug.c (debug mode:
 * red zones, poison, free checks; its own header debug.h), sample.c and
 * pprof.c (heap profiles: sampling, allocinfo, heap_profile; their header
 * sample.h), kapi.c (the kmalloc family: kcalloc, krealloc, kvmalloc, ...),
 * free_rcu.c (kfree_rcu's twin, batched per CPU), cache.c (named caches,
 * kmem_cache's twin), main.c (module init and
 * exit, shrinker).
 */
#ifndef _TCMK_H
#define _TCMK_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/types.h>

#include "compat.h"
#include "sizeclasses.h"

#define TCMK_VERSION	"0.1.0"

/**
 * struct tcmk_class_info - one size class; read-only once the module is built.
 * @size:	object size in bytes; every request of at most @size bytes and
 *		more than the previous class's size gets this class.
 * @pages:	pages per span.
 * @objects:	objects per span: @pages * PAGE_SIZE / @size.
 * @batch:	objects moved at once between a per-CPU cache and the transfer
 *		cache.
 * @div_magic:	(offset * @div_magic) >> 32 == offset / @size for every byte
 *		offset within a span; see tcmk_obj_index().
 */
struct tcmk_class_info {
	u32 size;
	u16 pages;
	u16 objects;
	u16 batch;
	u32 div_magic;
};

extern const struct tcmk_class_info tcmk_classes[TCMK_NR_CLASSES];
extern const u8 tcmk_class_lookup[TCMK_MAX_SMALL_SIZE / TCMK_LOOKUP_STEP];

/**
 * tcmk_size_class() - the class of a small request.
 * @size: request size, 1 <= @size <= TCMK_MAX_SMALL_SIZE.
 *
 * Return: the index of the smallest class whose objects hold @size bytes.
 */
static __always_inline unsigned int tcmk_size_class(size_t size)
{
	/*
	 * (size - 1) is what callers' range test computes: GCC shares it, and
	 * the look-up is a shift and a load. Callers have checked @size, so
	 * the index is in the table: pointer arithmetic, which UBSAN_BOUNDS
	 * does not check a second time.
	 */
	return *(tcmk_class_lookup + (size - 1) / TCMK_LOOKUP_STEP);
}

/*
 * The description of class @cls, below TCMK_NR_CLASSES. For the fast paths:
 * pointer arithmetic rather than an index UBSAN_BOUNDS would check again
 * (see cpu_class() in cpucache.c).
 */
static __always_inline const struct tcmk_class_info *tcmk_class(unsigned int cls)
{
	return tcmk_classes + cls;
}

/**
 * tcmk_obj_index() - which object of a span holds a byte.
 * @cls:	the span's class.
 * @offset:	byte offset from the start of the span, below the span's size.
 *
 * A multiply and a shift instead of a division: this runs on every free and,
 * in the collector, on every pointer that is scanned.
 *
 * Return: the index of the object containing @offset.
 */
static __always_inline unsigned int tcmk_obj_index(unsigned int cls,
						   unsigned long offset)
{
	return (u32)(((u64)offset * tcmk_classes[cls].div_magic) >> 32);
}

/* Internals the KUnit module tests are exported to it, and only to it. */
#if IS_ENABLED(CONFIG_KUNIT)
#define TCMK_EXPORT_FOR_TESTS(sym)	EXPORT_SYMBOL_NS_GPL(sym, TCMK_NS_INTERNAL)
#else
#define TCMK_EXPORT_FOR_TESTS(sym)
#endif

/* Pages per chunk the page heap asks alloc_pages() for: 2 MiB. */
#define TCMK_CHUNK_ORDER	9
#define TCMK_CHUNK_PAGES	(1U << TCMK_CHUNK_ORDER)

/* Largest batch of any class (see mksizeclasses.c). */
#define TCMK_BATCH_MAX		32

/*
 * NUMA. Each node with memory has a page heap, and each class a transfer
 * cache and a central list per node; a CPU's caches hold objects of its own
 * node only. A CPU's node is the node its memory is nearest to: its own, or
 * for a CPU of a node without memory the nearest node with some, as the
 * page allocator falls back (tcmk_mem_node()). Without CONFIG_NUMA there is
 * one node, 0.
 */
extern u16 tcmk_node_mem[MAX_NUMNODES];

/* The node whose memory is nearest to @nid's CPUs. */
static inline int tcmk_mem_node(int nid)
{
	return nr_node_ids > 1 ? tcmk_node_mem[nid] : 0;
}

/*
 * The node whose memory the calling CPU takes: preemption may move the
 * caller, so it is a hint unless the caller keeps to its CPU.
 */
static inline int tcmk_local_node(void)
{
	return tcmk_mem_node(numa_node_id());
}

/* The node an object of tcmk's (any address in its pages) lies on. */
static inline int tcmk_addr_node(const void *addr)
{
	return nr_node_ids > 1 ? page_to_nid(virt_to_page(addr)) : 0;
}

/*
 * The index, among a CPU's task stacks, of node @nid's class @cls: each node
 * has TCMK_NR_CLASSES stacks and one slot's worth of the countdown before
 * them (struct tcmk_cpu_node in cpucache.c).
 */
static inline unsigned int tcmk_cpu_slot(int nid, unsigned int cls)
{
	return nid * (TCMK_NR_CLASSES + 1) + cls;
}

enum tcmk_span_state {
	TCMK_SPAN_FREE,		/* a free run in the page heap */
	TCMK_SPAN_SMALL,	/* objects of one size class */
	TCMK_SPAN_LARGE,	/* one large object */
	TCMK_SPAN_GC,		/* collected objects; see gc.c */
	TCMK_SPAN_SAMPLED,	/* one sampled small object; see sample.c */
	TCMK_SPAN_CACHE,	/* objects of a named cache's own; see cache.c */
};

struct tcmk_sample;

struct tcmk_chunk;

/**
 * struct tcmk_span - a run of pages: free, carved into objects, or one object.
 * @list:	free run: on a page-heap free list (page heap lock); small
 *		span with free objects: on its class's nonempty list (central
 *		lock); a full small span is on no list. A named cache's span:
 *		on its cache's list of spans with free objects (cache.c).
 * @rcu:	a SLAB_TYPESAFE_BY_RCU cache's span, off every list, waiting
 *		for a grace period before it goes back to the page heap.
 * @base:	address of the first page.
 * @chunk:	the chunk the pages belong to; NULL for a large object that
 *		was given pages of its own.
 * @npages:	pages in the run.
 * @state:	enum tcmk_span_state.
 * @cls:	size class of a small span, or of a sampled span's object;
 *		a named cache's span: the cache's id (cache.c).
 * @every_page:	every page is stamped as the span's, not only the first;
 *		see tcmk_pageheap_stamp_all().
 * @zeroed:	a free run, or a span just taken from one: every byte is zero,
 *		because the page allocator zeroed the pages (init_on_alloc) and
 *		nobody has had them since. Lets a large object skip zeroing them
 *		a second time.
 * @allocated:	small span: objects out of the span, in caches or in use.
 * @carved:	small span: objects handed out at least once; objects past it
 *		have never been touched, so a new span costs no initialisation.
 * @freelist:	small span: freed objects, linked through their first word;
 *		a spare record (page heap): the next spare record.
 * @sample:	large or sampled span: the heap profile's record of its object
 *		if it was sampled, else NULL (sample.c).
 * @div_check:	small span: ceil(2^64 / object size), so that tcmk_free()
 *		can tell an object's start without dividing; see
 *		tcmk_span_obj_start().
 * @end:	small span: where its last object ends, from @base; a tail too
 *		short for another object may follow. 0 in any other span (records
 *		come zeroed, and only tcmk_span_init_small() sets it), so that
 *		tcmk_span_obj_start() refuses every address of a span that is
 *		not small, and tcmk_free() need not read @state.
 * @slot:	small span: which of a CPU's task stacks its objects are freed
 *		to, tcmk_cpu_slot() of its node and class: a CPU of another
 *		node finds there a stack that is always full (cpucache.c).
 *
 * The fields of a small span other than @base, @chunk, @npages, @state,
 * @cls, @div_check and @end are guarded by its class's central lock.
 *
 * 64 bytes, one kmalloc-64 object: a span's record stays for as long as any
 * of its objects lives, so records are what a fragmented heap keeps besides
 * its live objects' pages.
 */
struct tcmk_span {
	union {
		struct list_head list;
		struct rcu_head rcu;
	};
	void *base;
	struct tcmk_chunk *chunk;
	union {
		void *freelist;
		struct tcmk_sample *sample;
	};
	u64 div_check;
	unsigned int npages;
	u32 end;
	u16 allocated;		/* at most TCMK_SPAN_MAX_OBJECTS */
	u16 carved;
	u8 cls;
	u8 state:4;
	bool every_page:1;
	bool zeroed:1;
	u16 slot;
};

/* The most objects a small span holds: 8-byte objects, a page of them. */
#define TCMK_SPAN_MAX_OBJECTS	(TCMK_CLASS_PAGE_SIZE / 8)

/* The node of a small span, from its slot. */
static inline int tcmk_span_node(const struct tcmk_span *span)
{
	return span->slot / (TCMK_NR_CLASSES + 1);
}

/*
 * A region of the direct map, 2 MiB: one leaf of the page map, a page of
 * entries, and the page heap's chunk, whose stamps all fall in one leaf.
 */
#define TCMK_REGION_SHIFT	21
#define TCMK_PAGEMAP_LEAF_ENTRIES	(1UL << (TCMK_REGION_SHIFT - PAGE_SHIFT))

/**
 * enum tcmk_pagemap_kind - what a page map entry says of its page.
 * @TCMK_PAGEMAP_NONE:	nothing: not tcmk's, or a page of tcmk's that is not
 *			stamped (inside a free run, past a large span's first
 *			page). The entry is 0.
 * @TCMK_PAGEMAP_SPAN:	a page of a span in use; the owner is its struct
 *			tcmk_span.
 * @TCMK_PAGEMAP_GC:	a page of a collected span; the owner is the
 *			collector's struct tcmk_gc_span (see gc.h).
 * @TCMK_PAGEMAP_FREE_RUN: the first or last page of a free run of the page
 *			heap; the owner is the run's struct tcmk_span. Only the
 *			page heap reads these, to merge runs.
 *
 * The kind sits in the low bits of the owner's address: owners are
 * kmalloc()ed, and so aligned to at least ARCH_KMALLOC_MINALIGN (8) bytes.
 */
enum tcmk_pagemap_kind {
	TCMK_PAGEMAP_NONE,
	TCMK_PAGEMAP_SPAN,
	TCMK_PAGEMAP_GC,
	TCMK_PAGEMAP_FREE_RUN,
};
#define TCMK_PAGEMAP_KIND_MASK	3UL

/**
 * struct tcmk_pagemap_leaf - the page map's entries for one region.
 * @entry:	per page, 0 or its owner's address | its enum
 *		tcmk_pagemap_kind. Written with WRITE_ONCE() by the page heap
 *		(under its lock, or for a span its caller has to itself), read
 *		with READ_ONCE() and no lock.
 */
struct tcmk_pagemap_leaf {
	unsigned long entry[TCMK_PAGEMAP_LEAF_ENTRIES];
};

/**
 * struct tcmk_pagemap - the page map's top level.
 * @nr:		regions covered, from PAGE_OFFSET up.
 * @leaves:	per region, its leaf, or tcmk_pagemap_empty_leaf while tcmk has
 *		never taken a page there.
 *
 * A leaf is allocated when tcmk first takes pages in its region, and stays
 * until unload, as Go keeps its heap arenas and TCMalloc its pagemap leaves,
 * at 4 KiB per 2 MiB region tcmk has ever used: a lock-free reader
 * (tcmk_free() in hardirq context, the collector scanning any word) may
 * hold a leaf for as long as it likes with no RCU, and finds 0 in it for a
 * page that has gone back. A table replaced by a larger one (memory
 * hot-added past the end of the old) is kept until unload too, for readers
 * that may still hold it; the new one carries the same leaves. Tables and
 * leaves are published, filled, with smp_store_release() (pagemap_grow() and
 * tcmk_pagemap_cover() in pagemap.c), which pairs with the READ_ONCE()s in
 * tcmk_pagemap_get(): each load through the pointer read there is ordered
 * after it by its address dependency.
 */
struct tcmk_pagemap {
	unsigned long nr;
	struct tcmk_pagemap_leaf *leaves[];
};

extern struct tcmk_pagemap *tcmk_pagemap;
extern const struct tcmk_pagemap_leaf tcmk_pagemap_empty_leaf;
extern unsigned int tcmk_cpu_cache_bytes;
#define TCMK_CPU_CACHE_BYTES_MAX	(64U << 20)
extern unsigned long tcmk_release_threshold;
extern unsigned int tcmk_release_delay_ms;
extern atomic_long_t tcmk_bad_frees;

/*
 * NMI context is outside tcmk's contract: the per-CPU stacks are kept by
 * disabling interrupts, the page heap's and the collector's locks are
 * spinlocks, and SRCU read sections are not NMI-safe on every kernel tcmk
 * builds for. Kernels built to catch calls from the wrong context
 * (CONFIG_DEBUG_ATOMIC_SLEEP, which distribution kernels leave off) refuse
 * a call made in NMI context: it changes nothing and is logged, rate-limited;
 * a free is counted as a refused free, a collector call as a bad call. On
 * other kernels the test compiles away and the fast paths pay nothing.
 */
static __always_inline bool tcmk_in_nmi(void)
{
	return IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) && unlikely(in_nmi());
}

void tcmk_nmi_refused(const char *call);

/**
 * tcmk_pagemap_get() - the page map's entry for the page holding an address.
 * @ptr:	any value.
 *
 * Context: any; lock-free.
 * Return: 0 (TCMK_PAGEMAP_NONE) if the page is not tcmk's or not stamped;
 * else the owner's address | the page's enum tcmk_pagemap_kind. An owner is
 * never NULL: a non-zero kind needs no further test.
 */
static __always_inline unsigned long tcmk_pagemap_get(const void *ptr)
{
	const struct tcmk_pagemap *pm = READ_ONCE(tcmk_pagemap);
	/* Below PAGE_OFFSET wraps around: past the table like vmalloc space. */
	unsigned long off = (unsigned long)ptr - PAGE_OFFSET;
	unsigned long region = off >> TCMK_REGION_SHIFT;
	const struct tcmk_pagemap_leaf *leaf;

	if (unlikely(region >= pm->nr))
		return 0;
	/* A region tcmk has never taken pages in has the empty leaf. */
	leaf = READ_ONCE(pm->leaves[region]);
	return READ_ONCE(leaf->entry[(off >> PAGE_SHIFT) %
				     TCMK_PAGEMAP_LEAF_ENTRIES]);
}

/**
 * tcmk_pagemap_slot() - the entry of a page tcmk holds, for its owner.
 * @ptr:	an address in a page the page heap has taken and not given back,
 *		or in a span of the caller's: its region has a leaf, in the
 *		table the caller sees.
 *
 * No test: for the page heap's stamps, and for objects whose span is known
 * to be in use.
 *
 * Context: any; lock-free.
 * Return: where the page's entry is.
 */
static __always_inline unsigned long *tcmk_pagemap_slot(const void *ptr)
{
	unsigned long off = (unsigned long)ptr - PAGE_OFFSET;
	struct tcmk_pagemap_leaf *leaf;

	leaf = READ_ONCE(tcmk_pagemap)->leaves[off >> TCMK_REGION_SHIFT];
	return &leaf->entry[(off >> PAGE_SHIFT) % TCMK_PAGEMAP_LEAF_ENTRIES];
}

/* The enum tcmk_pagemap_kind of an entry. */
static __always_inline unsigned long tcmk_pagemap_kind(unsigned long entry)
{
	return entry & TCMK_PAGEMAP_KIND_MASK;
}

/**
 * tcmk_pagemap_owner() - the owner of the page holding an address.
 * @ptr:	any value.
 * @kind:	the enum tcmk_pagemap_kind the page must have.
 *
 * Context: any; lock-free.
 * Return: the owner, or NULL if the page is not tcmk's or is of another kind.
 */
static __always_inline void *tcmk_pagemap_owner(const void *ptr,
						unsigned long kind)
{
	unsigned long entry = tcmk_pagemap_get(ptr);

	/* Subtracting the kind folds into the offsets of the owner's fields. */
	return tcmk_pagemap_kind(entry) == kind ? (void *)(entry - kind) : NULL;
}

/**
 * tcmk_span_of() - the span in use that holds an address.
 * @ptr:	any address.
 *
 * Context: any; lock-free. Stable while the caller owns an object of the span.
 * Return: the span, or NULL if @ptr is not in a span tcmk has handed out.
 */
static __always_inline struct tcmk_span *tcmk_span_of(const void *ptr)
{
	return tcmk_pagemap_owner(ptr, TCMK_PAGEMAP_SPAN);
}

/**
 * tcmk_span_obj_start() - whether an address in a span starts a small object.
 * @span:	the span holding @ptr.
 * @ptr:	an address in one of the span's pages.
 *
 * Lemire's test ("Faster Remainder by Direct Computation", 2019): with
 * c = ceil(2^64 / d) and n < 2^32, d divides n exactly when n * c, taken
 * modulo 2^64, is below c. One multiply and a compare on every free, where
 * the quotient would need a multiply, a shift and a second multiply.
 *
 * Return: true if @span is small and @ptr is the start of one of its objects.
 */
static __always_inline bool tcmk_span_obj_start(const struct tcmk_span *span,
						const void *ptr)
{
	unsigned long offset = ptr - span->base;

	/*
	 * @ptr is in one of the span's pages, so the offset fits in 32 bits;
	 * testing the end first lets the multiply consume the offset.
	 */
	return (u32)offset < span->end &&
	       (u64)offset * span->div_check < span->div_check;
}

/* pageheap.c */
struct tcmk_span *tcmk_pageheap_alloc(unsigned int npages, gfp_t gfp);
struct tcmk_span *tcmk_pageheap_alloc_node(int nid, unsigned int npages,
					   gfp_t gfp);
unsigned int tcmk_pageheap_alloc_many(int nid, unsigned int npages, gfp_t gfp,
				      struct tcmk_span **spans, unsigned int n);
void tcmk_pageheap_free(struct tcmk_span *span);
void tcmk_pageheap_free_many(struct tcmk_span **spans, unsigned int n);
void tcmk_pageheap_stamp_all(struct tcmk_span *span, void *owner,
			     enum tcmk_pagemap_kind kind);
unsigned long tcmk_pageheap_release(void);
unsigned long tcmk_pageheap_release_node(int only);
void tcmk_pageheap_counts(unsigned long *held, unsigned long *free_pages,
			  unsigned long *released);
void tcmk_pageheap_node_counts(int nid, unsigned long *held,
			       unsigned long *free_pages);
struct seq_file;
void tcmk_pageheap_report(struct seq_file *m);
int __init tcmk_pageheap_init(void);
unsigned long tcmk_pageheap_exit(void);

/*
 * Carving a small span into objects: inline, for the central list runs it for
 * every span and object it moves. A new span hands out objects from a bump
 * pointer, so creating one touches none of its memory; objects given back go
 * on a list linked through their first word and are handed out again first.
 * The caller (the class's central list) holds its lock around each of those,
 * or has the span to itself: a new span not yet on the class's lists.
 */

/**
 * tcmk_span_init_small() - make a fresh span hold objects of class @cls.
 * @span:	a span from tcmk_pageheap_alloc() of the class's span size.
 * @cls:	size class.
 */
static inline void tcmk_span_init_small(struct tcmk_span *span,
					unsigned int cls)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];

	/* U64_MAX / size + 1 is ceil(2^64 / size) for any size but 1. */
	span->div_check = div_u64(U64_MAX, ci->size) + 1;
	span->end = ci->objects * ci->size;
	span->cls = cls;
	span->slot = tcmk_cpu_slot(tcmk_addr_node(span->base), cls);
	span->allocated = 0;
	span->carved = 0;
	span->freelist = NULL;
	span->state = TCMK_SPAN_SMALL;
}

/*
 * Batches moved between a stack of free objects and an array, as the per-CPU
 * caches refill, flush and drain and the transfer caches take and give
 * batches. A CPU's stack and a class's transfer cache are both such a stack,
 * in structures of their own: @slots and @count point at its fields, the
 * array of slots and how many of them are in use. The caller keeps the
 * stack to itself and has made sure it holds @n objects, or has room for @n
 * more.
 */

/* Move the top @n objects of the stack to @objs, in the order they lie. */
static __always_inline void tcmk_stack_take(void **const *slots,
					    unsigned int *count, void **objs,
					    unsigned int n)
{
	*count -= n;
	memcpy(objs, *slots + *count, n * sizeof(void *));
}

/* Push the @n objects of @objs, the last one on top. */
static __always_inline void tcmk_stack_put(void **const *slots,
					   unsigned int *count,
					   void *const *objs, unsigned int n)
{
	memcpy(*slots + *count, objs, n * sizeof(void *));
	*count += n;
}

/* central.c */
unsigned int tcmk_central_remove(int nid, unsigned int cls, void **objs,
				 unsigned int n, gfp_t gfp);
unsigned int tcmk_central_remove_near(int nid, unsigned int cls, void **objs,
				      unsigned int n, gfp_t gfp);
void tcmk_central_insert(int nid, unsigned int cls, void **objs,
			 unsigned int n);
void tcmk_central_flush_transfer(void);
void tcmk_central_flush_transfer_node(int only);

/**
 * struct tcmk_central_counts - what a class's shared layers hold.
 * @transfer:	objects in the transfer cache.
 * @spans:	spans of the class.
 * @free:	free objects in those spans.
 */
struct tcmk_central_counts {
	unsigned long transfer;
	unsigned long spans;
	unsigned long free;
};
void tcmk_central_counts(unsigned int cls, int nid,
			 struct tcmk_central_counts *c);
int __init tcmk_central_init(void);
unsigned long tcmk_central_exit(void);

/* cpucache.c */

/*
 * Growths of a CPU's stacks that may find its unused budget short between
 * two reclaims. A reclaim looks at every stack and takes the room of every
 * stack, busy ones too, which then grow again; and while the stacks' objects
 * themselves fill the budget it finds little. A miss that cannot grow
 * flushes or refills as it would have anyway, so reclaims can be rare; but a
 * class that starts to be used when the budget is all dealt out caches
 * nothing until the next one. On the benchmark's mix of random sizes, a
 * longer wait costs fewer instructions per allocation and free, by less and
 * less as it grows; reclaiming on every short growth costs far more.
 */
#define TCMK_RECLAIM_WAIT	256

/**
 * struct tcmk_cpu_counts - a class's per-CPU counters, of one CPU or summed.
 * @allocs:	objects allocated.
 * @frees:	objects freed.
 * @refills:	allocations that had to refill the CPU's cache.
 * @flushes:	frees that had to flush part of the CPU's cache.
 * @cached:	objects in the CPUs' caches now.
 * @capacity:	objects the CPUs' caches may hold now: their share of the
 *		CPUs' budgets, which moves between classes as they need it.
 */
struct tcmk_cpu_counts {
	unsigned long allocs;
	unsigned long frees;
	unsigned long refills;
	unsigned long flushes;
	unsigned long cached;
	unsigned long capacity;
};
void tcmk_cpu_counts(unsigned int cls, int cpu, struct tcmk_cpu_counts *c);
void tcmk_cpu_counts_node(unsigned int cls, int cpu, int nid,
			  struct tcmk_cpu_counts *c);
void tcmk_cpucache_sample_reset(void);
unsigned long tcmk_cpucache_foreign(void);
void *tcmk_alloc_caller(size_t size, gfp_t gfp, unsigned long caller);
int tcmk_alloc_bulk_caller(size_t size, gfp_t gfp, size_t nr, void **ptrs,
			   unsigned long caller);
int tcmk_node_to_serve(int node, gfp_t gfp);
int __init tcmk_cpucache_init(void);
void tcmk_cpucache_exit(void);

/* free_rcu.c */
/**
 * struct tcmk_free_rcu_counts - what the RCU frees hold, summed over CPUs.
 * @pending:	objects asked to be freed and not yet freed.
 * @batches:	batches handed over to a grace period since load.
 * @spare:	empty blocks kept for the next frees.
 */
struct tcmk_free_rcu_counts {
	unsigned long pending;
	unsigned long batches;
	unsigned long spare;
};
void tcmk_free_rcu_counts(struct tcmk_free_rcu_counts *c);
void __init tcmk_free_rcu_init(void);
void tcmk_free_rcu_exit(void);

/* cache.c: named caches, see the comment there. */

/* The most free objects a CPU keeps of one cache with spans of its own. */
#define TCMK_CACHE_CPU_OBJS	16

/**
 * struct tcmk_cache_cpu - a cache's figures and free objects on one CPU.
 * @allocs:	objects allocated on this CPU.
 * @frees:	objects freed on this CPU.
 * @count:	objects in @objs (a cache with spans of its own only).
 * @objs:	free objects, a stack; used with interrupts disabled.
 *
 * A cache that shares a size class has only @allocs and @frees, counted
 * with this_cpu_inc().
 */
struct tcmk_cache_cpu {
	unsigned long allocs;
	unsigned long frees;
	unsigned int count;
	void *objs[TCMK_CACHE_CPU_OBJS];
};

/**
 * struct tcmk_cache - a named cache (tcmk_cache_create()).
 * @name:	its name; NULL once destroyed with objects in use.
 * @size:	object size asked for.
 * @align:	alignment objects have.
 * @flags:	the SLAB_ flags asked for.
 * @ctor:	constructor, or NULL.
 * @list:	on tcmk_caches (tcmk_caches_mutex).
 * @cpu:	per CPU figures, and free objects of a private cache.
 * @merged:	shares the size class of @stride bytes with tcmk_alloc().
 * @dead:	destroyed with objects in use; frees go straight to spans.
 * @id:		a private cache's index in tcmk_cache_ids, its spans' @cls.
 * @stride:	a merged cache: bytes asked of tcmk_alloc(). A private cache:
 *		from one object to the next, with the free link's word.
 * @link_off:	a private cache: where a free object's link lies from its
 *		start, past the object for a constructor or RCU cache.
 * @pages:	a private cache: pages per span.
 * @objects:	objects per span.
 * @cpu_max:	the most free objects a CPU keeps, at most
 *		TCMK_CACHE_CPU_OBJS.
 * @batch:	objects moved at once between a CPU and the spans.
 * @div_check:	ceil(2^64 / @stride), for tcmk_cache_obj_start().
 * @lock:	guards @partial, @spans, @free, @empty and the fields of the
 *		cache's spans that struct tcmk_span says the central lock
 *		guards for small spans. Raw, as the central locks, and taken
 *		with interrupts disabled, in any context but NMI.
 * @partial:	spans with free objects.
 * @spans:	spans of the cache, full ones too, not those waiting for RCU.
 * @free:	free objects in those spans.
 * @empty:	spans on @partial with no object out (kept: at most one).
 * @rcu_spans:	spans waiting for a grace period before they go back.
 * @kobj:	its directory, caches/<name>/ in sysfs; its release frees the
 *		cache's record.
 */
struct tcmk_cache {
	const char *name;
	unsigned int size;
	unsigned int align;
	slab_flags_t flags;
	void (*ctor)(void *obj);
	struct list_head list;
	struct tcmk_cache_cpu __percpu *cpu;
	bool merged;
	bool dead;
	u8 id;
	unsigned int stride;
	unsigned int link_off;
	unsigned int pages;
	unsigned int objects;
	unsigned int cpu_max;
	unsigned int batch;
	u64 div_check;
	raw_spinlock_t lock;
	struct list_head partial;
	unsigned long spans;
	unsigned long free;
	unsigned int empty;
	atomic_long_t rcu_spans;
	struct kobject kobj;
};

/**
 * struct tcmk_cache_stats - a cache's figures.
 * @allocs:	objects allocated since it was made.
 * @frees:	objects freed through it since it was made.
 * @in_use:	objects allocated and not freed.
 * @cached_cpu:	free objects the CPUs keep (private caches).
 * @spans:	spans of its own.
 * @free:	free objects in those spans.
 * @rcu_spans:	spans waiting for a grace period.
 */
struct tcmk_cache_stats {
	unsigned long allocs;
	unsigned long frees;
	unsigned long in_use;
	unsigned long cached_cpu;
	unsigned long spans;
	unsigned long free;
	unsigned long rcu_spans;
};
void tcmk_cache_stats(struct tcmk_cache *cache, struct tcmk_cache_stats *st);
void tcmk_cache_free_span(struct tcmk_span *span, void *obj,
			  unsigned long caller);
size_t tcmk_cache_span_size(const struct tcmk_span *span);
void tcmk_caches_exit(void);
void tcmk_caches_cpu_dead(unsigned int cpu);
void tcmk_caches_drain(void);
ssize_t tcmk_cache_sysfs(const char *name, const char *file, char *buf,
			 const char *val);
int tcmk_cache_sysfs_class(const char *name);

/* large.c */
void *tcmk_large_alloc(size_t size, gfp_t gfp, unsigned long caller);
void *tcmk_large_alloc_node(size_t size, gfp_t gfp, int nid,
			    unsigned long caller);
void tcmk_large_free(struct tcmk_span *span, unsigned long caller);
void tcmk_large_counts(unsigned long *allocs, unsigned long *frees,
		       unsigned long *bytes);

/* main.c */
extern struct shrinker *tcmk_shrinker;

/*
 * sample.c: heap profiles. tcmk_alloc_hook is on while the tcmk:alloc
 * trace event or sampling is: tcmk_alloc() then takes its copy that traces
 * and counts down to the next sample (cpucache.c).
 */
extern struct static_key_false tcmk_alloc_hook;
/* The most sample_bytes may be: 1 GiB, so that distances fit in a long. */
#define TCMK_SAMPLE_BYTES_MAX	(1UL << 30)
/* Frames kept of a sampled allocation's stack, from its call site up. */
#define TCMK_SAMPLE_DEPTH	32

/**
 * struct tcmk_sample_trace - a sampled allocation's stack, as unwound.
 * @nr:		entries saved.
 * @entries:	return addresses, innermost first: the function that took the
 *		trace, the few others inside tcmk, which the profile cuts off
 *		at the caller, then the caller's.
 */
struct tcmk_sample_trace {
	unsigned int nr;
	unsigned long entries[TCMK_SAMPLE_DEPTH + 8];
};

/*
 * The stack of an allocation about to be sampled, unwound from the function
 * that decided to sample it: inline, so that the frames of the profile's
 * own functions under it are not unwound to be cut off. Unwinding is most
 * of a sample's cost, each frame some 650 guest instructions with ORC
 * (make bench, sample_pair). The trace takes 328 bytes of the stack of a
 * path that samples, as kasan_save_stack()'s 512 do of SLUB's.
 */
static __always_inline void tcmk_sample_trace(struct tcmk_sample_trace *t)
{
	t->nr = stack_trace_save(t->entries, ARRAY_SIZE(t->entries), 0);
}

long tcmk_sample_distance(void);
u64 tcmk_sample_weight(size_t size, unsigned long rate);
void *tcmk_sample_alloc(unsigned int cls, size_t size, gfp_t gfp,
			unsigned long caller,
			const struct tcmk_sample_trace *trace);
void tcmk_sample_large(struct tcmk_span *span, size_t size, gfp_t gfp,
		       unsigned long caller,
		       const struct tcmk_sample_trace *trace);
void tcmk_sample_forget(struct tcmk_span *span);
void tcmk_sample_free(struct tcmk_span *span);
bool tcmk_sample_gc_alloc(const void *obj, size_t size, size_t bytes,
			  gfp_t gfp, unsigned long caller);
bool tcmk_sample_gc_due(const void *obj, size_t size, size_t bytes,
			gfp_t gfp, unsigned long caller);
/* Bytes the collector's allocations on this CPU have until the next sample. */
DECLARE_PER_CPU(long, tcmk_gc_sample_left);
bool tcmk_sample_gc_free(const void *obj);
void tcmk_sample_reset_local(void);
int tcmk_sample_set_rate(unsigned long bytes);
unsigned long tcmk_sample_rate(void);
void tcmk_sample_counts(unsigned long *taken, unsigned long *dropped,
			unsigned long *live);
struct dentry;
void tcmk_sample_debugfs_init(struct dentry *dir);
int __init tcmk_sample_init(void);
void tcmk_sample_exit(void);

/* stats.c */
/**
 * struct tcmk_class_stats - a class's occupancy, and its events since the
 * last reset.
 * @spans:	spans of the class.
 * @in_use:	objects handed out and not freed.
 * @cached_cpu:	free objects in the CPUs' caches.
 * @cpu_capacity: objects the CPUs' caches may hold, their share of the
 *		CPUs' budgets.
 * @transfer:	free objects in the transfer cache.
 * @free_central: free objects in the spans.
 * @allocs:	allocations.
 * @frees:	frees.
 * @refills:	allocations that refilled a CPU's cache.
 * @flushes:	frees that flushed part of a CPU's cache.
 */
struct tcmk_class_stats {
	unsigned long spans;
	unsigned long in_use;
	unsigned long cached_cpu;
	unsigned long cpu_capacity;
	unsigned long transfer;
	unsigned long free_central;
	unsigned long allocs;
	unsigned long frees;
	unsigned long refills;
	unsigned long flushes;
};
void tcmk_class_stats(unsigned int cls, struct tcmk_class_stats *out);

/**
 * struct tcmk_node_stats - what one node holds (stats.c).
 * @bytes_in_use:	small objects of the node's spans in use.
 * @bytes_cached_cpu:	objects in the caches of the node's CPUs, which
 *			hold the node's objects only.
 * @bytes_cached_transfer: objects in the node's transfer caches.
 * @bytes_cached_central: free objects in the node's spans.
 * @bytes_free_page_heap: free pages of the node's page heap.
 * @bytes_held:		pages of the node's page heap.
 */
struct tcmk_node_stats {
	u64 bytes_in_use;
	u64 bytes_cached_cpu;
	u64 bytes_cached_transfer;
	u64 bytes_cached_central;
	u64 bytes_free_page_heap;
	u64 bytes_held;
};
unsigned long tcmk_node_class_in_use(int nid, unsigned int cls,
				     unsigned long *cached);
void tcmk_node_stats(int nid, struct tcmk_node_stats *out);
void tcmk_stats_reset(void);

/* Zeroing as kmalloc does it: asked for, or the kernel's init_on_alloc. */
static __always_inline bool tcmk_want_zero(gfp_t gfp)
{
	return want_init_on_alloc(gfp);
}

/*
 * Flags tcmk refuses: it holds no memory of the DMA zones, and other memory
 * given to a caller that needs those would be a silent bug. Every way in
 * (tcmk_alloc(), tcmk_alloc_bulk(), tcmk_gc_alloc()) fails the request.
 */
#define TCMK_GFP_REFUSED	(__GFP_DMA | __GFP_DMA32)

void tcmk_refuse_gfp(gfp_t gfp, unsigned long caller);
bool tcmk_alloc_allowed(size_t size, gfp_t gfp, const char *call,
			unsigned long caller);

/*
 * Whether an object taken from a CPU's cache needs more than handing out:
 * zeroing, or giving back for flags tcmk refuses. This is
 * want_init_on_alloc() with the refused flags in its mask, so that the hit
 * tests @gfp once for both, as it tested it for __GFP_ZERO alone (the
 * compiler does not merge the two tests of tcmk_want_zero(gfp) || ...).
 */
static __always_inline bool tcmk_alloc_needs_finish(gfp_t gfp)
{
	if (static_branch_maybe(CONFIG_INIT_ON_ALLOC_DEFAULT_ON, &init_on_alloc))
		return true;
	return gfp & (__GFP_ZERO | TCMK_GFP_REFUSED);
}

/* sysfs.c */
int __init tcmk_sysfs_init(void);
void tcmk_sysfs_exit(void);
struct kobject *tcmk_sysfs_caches_dir(void);
int tcmk_sysfs_action_arg(const char *buf);
struct kobject *tcmk_sysfs_class_dir(unsigned int cls);
int tcmk_sysfs_emit_cpu_list(char *buf, unsigned long sum, unsigned int nr_ids,
			     unsigned long (*count)(unsigned int cpu, void *data),
			     void *data);

/* debugfs.c */
void __init tcmk_debugfs_init(void);
void tcmk_debugfs_exit(void);

/*
 * fail.c: fault injection. Without CONFIG_FAULT_INJECTION every test below
 * is a constant false, and the paths that make it are built as if it were
 * not there.
 */
struct dentry;
#ifdef CONFIG_FAULT_INJECTION
/**
 * struct tcmk_fail - a fault_attr of tcmk's, with failslab's own option.
 * @attr:	the kernel's attribute: probability, interval, times, ...
 * @ignore_gfp_reclaim: leave allocations that may sleep (reclaim) alone.
 */
struct tcmk_fail {
	struct fault_attr attr;
	bool ignore_gfp_reclaim;
};
extern struct tcmk_fail tcmk_fail_alloc;
extern struct tcmk_fail tcmk_fail_page;
bool tcmk_should_fail(struct tcmk_fail *f, size_t size, gfp_t gfp);
/* Out of line: the allocation paths pay for one call and a test. */
bool tcmk_should_fail_alloc(size_t size, gfp_t gfp);
static inline bool tcmk_should_fail_page(size_t size, gfp_t gfp)
{
	return tcmk_should_fail(&tcmk_fail_page, size, gfp);
}
void __init tcmk_fail_debugfs_init(struct dentry *parent);
void tcmk_fail_debugfs_exit(void);
#else
static __always_inline bool tcmk_should_fail_alloc(size_t size, gfp_t gfp)
{
	return false;
}

static __always_inline bool tcmk_should_fail_page(size_t size, gfp_t gfp)
{
	return false;
}

static inline void tcmk_fail_debugfs_init(struct dentry *parent)
{
}

static inline void tcmk_fail_debugfs_exit(void)
{
}
#endif

#endif /* _TCMK_H */
