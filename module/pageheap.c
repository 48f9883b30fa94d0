// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk page heap: runs of pages carved from chunks taken with alloc_pages().
 *
 * The heap asks the buddy allocator for 2 MiB chunks (smaller ones when it
 * cannot have that much contiguous memory, down to what the request needs)
 * and hands out runs of pages from them as spans. Free runs sit on lists by
 * length, with a bitmap of the lengths that have any, so the best-fitting run
 * is one find_next_bit() away. A run given back merges with the free runs
 * beside it in its chunk.
 *
 * When free pages go back to the buddy allocator, and how many, release.c
 * decides: a chunk that becomes wholly free leaves the free lists and waits
 * there for reuse, and free runs of chunks still in use go back page by page
 * once there are too many. This file gives back what it is told to. A chunk
 * that gives back pages while it still holds spans in use is split_page()d
 * into single pages the first time, and the pages given back become holes
 * that it remembers in a bitmap: a run never merges across a hole, and the
 * chunk counts as wholly free once every page it still holds is free; it
 * then goes back at once, for it cannot wait as one run.
 *
 * Requests larger than a chunk get pages of their own from alloc_pages_exact().
 *
 * Which span a page belongs to is stamped in tcmk's page map (see
 * struct tcmk_pagemap), never in struct page. The first page of a span in
 * use says so (TCMK_PAGEMAP_SPAN), and so does every other page of a span
 * whose user asks for it (tcmk_pageheap_stamp_all(): small spans of more
 * than one object, and the collector's spans with TCMK_PAGEMAP_GC); a large
 * object is freed by its first address, and stamping each of its pages would
 * cost a store per page on every allocation and every free. The first and
 * last pages of a free run say so with a kind of their own
 * (TCMK_PAGEMAP_FREE_RUN), which is how a run finds the free runs beside it;
 * every other page of tcmk's says nothing. Every stamp is wiped before its
 * page goes back to the buddy allocator, so a pointer into a page given back
 * reads 0 and is refused, whoever has the page now. The map's table and
 * leaves are allocated (pagemap.c) outside the lock, before the pages they
 * cover are taken, and stay until unload.
 *
 * The records of spans and free runs are kept for reuse on a spare stack
 * rather than freed: a free that merges runs gives one back, and the next
 * split takes it, with no trip to the slab allocator. The stack holds at most
 * one record per page the heap holds (64 bytes per 4 KiB), and release gives
 * every spare record back. It is linked through the records' freelist
 * fields, unused while they are spare, not through list_heads: with the
 * kernel's list checks on, each list_add() and list_del() is a call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "pageheap.h"
#include "tcmk_trace.h"

DEFINE_RAW_SPINLOCK(tcmk_pageheap_lock);

/*
 * A node's heap: the free runs of the chunks on the node. Runs merge only
 * within their chunk, and so within their node. Guarded by
 * tcmk_pageheap_lock, one lock for every node: the page heap is reached on
 * refills of a whole batch, not per object.
 */
struct heap_node {
	struct list_head free[TCMK_CHUNK_PAGES + 1];	/* runs by length */
	DECLARE_BITMAP(nonempty, TCMK_CHUNK_PAGES + 1);	/* which free[] have runs */
	unsigned long pages_held;	/* in chunks of the node */
	unsigned long pages_free;	/* of those, in free runs or waiting */
};

/* Guarded by tcmk_pageheap_lock (see pageheap.h). */
static struct {
	struct heap_node *node[MAX_NUMNODES];	/* nodes with memory */
	struct list_head chunks;
	unsigned long pages_held;	/* taken from the buddy allocator */
	unsigned long pages_free;	/* in free runs, waiting chunks' too */
	unsigned long pages_released;	/* given back, since load */
	struct tcmk_span *spare;	/* span records for reuse */
	unsigned long nr_spare;
	struct heap_free_ctx deferred;	/* left by frees in hardirq context */
} ph = {
	.deferred = HEAP_FREE_CTX_INIT(ph.deferred),
};

/*
 * Whether the page heap may call the page and slab allocators: not in
 * hardirq context (nor NMI), where their spinlock_t locks are not allowed
 * (see the page heap lock). There it serves from the pages and span records
 * it holds, fails when they are not enough, and leaves what goes back to the
 * kernel to a work item (free_finish()).
 */
static inline bool may_call_allocator(void)
{
	return !in_hardirq() && !in_nmi();
}

/*
 * Drop what the caller may ask of kmalloc but not of the page heap. The DMA
 * zones never get here: the API refuses them (TCMK_GFP_REFUSED), as the
 * heap's chunks are shared by every class and caller.
 */
static gfp_t heap_gfp(gfp_t gfp)
{
	return gfp & ~(__GFP_ZERO | __GFP_COMP | __GFP_HIGHMEM | __GFP_MOVABLE |
		       __GFP_THISNODE);
}

/* What the page map holds for a page of @owner's of the given kind. */
static __always_inline unsigned long pagemap_entry(const void *owner,
						   enum tcmk_pagemap_kind kind)
{
	/* The kind needs the low bits, which kmalloc's alignment leaves 0. */
	BUILD_BUG_ON(ARCH_KMALLOC_MINALIGN <= TCMK_PAGEMAP_KIND_MASK);
	return (unsigned long)owner | kind;
}

/*
 * The helpers that a span's allocation or free runs are declared inline: GCC
 * left them out of line, and their calls (return thunks included) were a
 * measurable part of every span's trip through the page heap.
 */
static inline void pagemap_set(const void *addr, unsigned long entry)
{
	WRITE_ONCE(*tcmk_pagemap_slot(addr), entry);
}

/* Stamp a new span's first page as its own: see the comment at the top. */
static void stamp_span(struct tcmk_span *span)
{
	pagemap_set(span->base, pagemap_entry(span, TCMK_PAGEMAP_SPAN));
	span->every_page = false;
}

/* Wipe every stamp of a span that is going back. */
static inline void unstamp_span(struct tcmk_span *span)
{
	unsigned int i, n = span->every_page ? span->npages : 1;

	for (i = 0; i < n; i++)
		pagemap_set(span->base + ((unsigned long)i << PAGE_SHIFT), 0);
}

/**
 * tcmk_pageheap_stamp_all() - stamp every page of a span in use.
 * @span:	a span from tcmk_pageheap_alloc(), before any address in it is
 *		handed out.
 * @owner:	what the page map will name as the pages' owner: kmalloc()ed.
 * @kind:	TCMK_PAGEMAP_SPAN makes the pages tcmk_span_of()'s (@owner is
 *		@span), TCMK_PAGEMAP_GC the collector's.
 *
 * tcmk_pageheap_alloc() stamps only the first page; a span whose objects
 * start on any page needs this. tcmk_pageheap_free() wipes the stamps,
 * whichever they are.
 */
void tcmk_pageheap_stamp_all(struct tcmk_span *span, void *owner,
			     enum tcmk_pagemap_kind kind)
{
	unsigned long entry = pagemap_entry(owner, kind);
	unsigned int i;

	/* An owner not from kmalloc() would read back as another kind. */
	if (WARN_ON_ONCE((unsigned long)owner & TCMK_PAGEMAP_KIND_MASK))
		return;
	for (i = 0; i < span->npages; i++)
		pagemap_set(span->base + ((unsigned long)i << PAGE_SHIFT), entry);
	span->every_page = true;
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_stamp_all);

/*
 * A new span record, zeroed. Only the page heap makes and frees records (with
 * kfree()), outside its lock; under it, records it no longer needs wait on
 * the spare stack for the next split.
 */
static struct tcmk_span *record_alloc(gfp_t gfp)
{
	struct tcmk_span *span;

	BUILD_BUG_ON(sizeof(struct tcmk_span) > 64);
	BUILD_BUG_ON(TCMK_SPAN_MAX_OBJECTS > U16_MAX);
	span = kzalloc_obj(*span, gfp);
	/*
	 * A record points to its span's first object (base): scanned, it
	 * would keep kmemleak from ever reporting that object, or a large
	 * object, lost. Records are tcmk's, reached through the page map and
	 * the page heap's lists, and point to nothing kmalloc()ed that only
	 * they reach: kmemleak neither scans nor reports them.
	 */
	if (span)
		kmemleak_ignore(span);
	return span;
}

/*
 * A span record from the spare stack, zeroed as record_alloc() gives it; the
 * caller made sure there is one (spare_reserve()).
 */
static inline struct tcmk_span *spare_get(void)
{
	struct tcmk_span *span = ph.spare;

	ph.spare = span->freelist;
	ph.nr_spare--;
	memset(span, 0, sizeof(*span));
	return span;
}

static inline void spare_push(struct tcmk_span *span)
{
	span->freelist = ph.spare;
	ph.spare = span;
	ph.nr_spare++;
}

/*
 * Keep a record no longer used for the next split. Return: NULL, or the
 * record when the stack is full, for the caller to free once the lock is
 * dropped.
 */
static inline struct tcmk_span *spare_put(struct tcmk_span *span)
{
	if (!span || ph.nr_spare >= max(ph.pages_held, 64UL))
		return span;
	spare_push(span);
	return NULL;
}

/* A record no longer used: for the spare stack, or for freeing after the lock. */
static inline void drop_record(struct tcmk_span *record,
			       struct heap_free_ctx *fc)
{
	record = spare_put(record);
	if (record)
		list_add(&record->list, &fc->records);
}

/*
 * Span records a refill of the spare stack takes beyond what it needs, so that
 * allocations in hardirq context, which cannot make records, find some.
 */
#define TCMK_SPARE_HARDIRQ	16

/*
 * Make sure the spare stack has @nr records, allocating them with the lock
 * dropped if it has not: the lock is retaken, and whatever the caller looked
 * at under it may have changed.
 */
static int spare_reserve(unsigned long *flags, gfp_t gfp, unsigned int nr)
{
	struct tcmk_span *span;

	lockdep_assert_held(&tcmk_pageheap_lock);
	if (!may_call_allocator())
		return ph.nr_spare < nr ? -ENOMEM : 0;
	/* When short, a few more, for spans cut in hardirq context. */
	if (ph.nr_spare < nr)
		nr += TCMK_SPARE_HARDIRQ;
	while (ph.nr_spare < nr) {
		raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, *flags);
		span = record_alloc(gfp);
		raw_spin_lock_irqsave(&tcmk_pageheap_lock, *flags);
		if (!span)
			return -ENOMEM;
		spare_push(span);
	}
	return 0;
}

static void *last_page(struct tcmk_span *run)
{
	return run->base + ((unsigned long)(run->npages - 1) << PAGE_SHIFT);
}

/* The free run whose first or last page holds @addr, if @addr is in @chunk. */
static inline struct tcmk_span *free_run_at(struct tcmk_chunk *chunk,
					     void *addr)
{
	unsigned long entry;

	if (addr < chunk->base || addr >= chunk->base + (PAGE_SIZE << chunk->order))
		return NULL;
	/* A page given back reads 0, as does a page inside a run or a span. */
	entry = READ_ONCE(*tcmk_pagemap_slot(addr));
	if (tcmk_pagemap_kind(entry) != TCMK_PAGEMAP_FREE_RUN)
		return NULL;
	return (struct tcmk_span *)(entry - TCMK_PAGEMAP_FREE_RUN);
}

/* The heap of the node @run's chunk lies on. */
static inline struct heap_node *run_node(const struct tcmk_span *run)
{
	return ph.node[run->chunk->nid];
}

/* Put @run on the list of its length; its boundary pages are stamped apart. */
static inline void list_run(struct tcmk_span *run)
{
	struct heap_node *hn = run_node(run);

	run->state = TCMK_SPAN_FREE;
	list_add(&run->list, &hn->free[run->npages]);
	__set_bit(run->npages, hn->nonempty);
}

/* Put @run on the free lists and stamp its boundary pages. */
void tcmk_pageheap_insert_run(struct tcmk_span *run)
{
	unsigned long entry = pagemap_entry(run, TCMK_PAGEMAP_FREE_RUN);

	lockdep_assert_held(&tcmk_pageheap_lock);
	list_run(run);
	pagemap_set(run->base, entry);
	pagemap_set(last_page(run), entry);
}

/* Take @run off its list; its boundary pages keep their stamps. */
static inline void remove_run(struct tcmk_span *run)
{
	struct heap_node *hn = run_node(run);

	list_del(&run->list);
	if (list_empty(&hn->free[run->npages]))
		__clear_bit(run->npages, hn->nonempty);
}

static inline void unstamp_run(struct tcmk_span *run)
{
	pagemap_set(run->base, 0);
	pagemap_set(last_page(run), 0);
}

/*
 * The smallest free run of at least @npages, off its list; its boundary pages
 * keep their stamps, for carve() to change only those that must.
 */
static struct tcmk_span *take_run(int nid, unsigned int npages)
{
	struct heap_node *hn = ph.node[nid];
	unsigned long n = npages;
	struct tcmk_span *run;

	if (!test_bit(n, hn->nonempty))
		n = find_next_bit(hn->nonempty, TCMK_CHUNK_PAGES + 1, n);
	if (n > TCMK_CHUNK_PAGES)
		return NULL;
	run = list_first_entry(&hn->free[n], struct tcmk_span, list);
	remove_run(run);
	return run;
}

/*
 * Add a chunk big enough for @npages to node @nid's heap, of the node's
 * pages only (__GFP_THISNODE): a page heap that fell back to another node's
 * pages would hand them to the CPUs of this one; the caller falls back to
 * another node's heap instead. Larger orders are tried without retries or
 * warnings, so a fragmented buddy allocator yields a smaller chunk quickly.
 */
static int grow(int nid, unsigned int npages, gfp_t gfp)
{
	int min_order = order_base_2(npages), order;
	struct tcmk_chunk *chunk;
	struct tcmk_span *run;
	struct page *page = NULL;
	unsigned long flags;

	chunk = kzalloc_obj(*chunk, gfp);
	run = record_alloc(gfp);
	if (!chunk || !run)
		goto fail;
	for (order = TCMK_CHUNK_ORDER; order >= min_order; order--) {
		gfp_t g = order > min_order ? gfp | __GFP_NORETRY | __GFP_NOWARN : gfp;

		/* fail.c's fail_page: as if alloc_pages() had failed. */
		if (tcmk_should_fail_page(PAGE_SIZE << order, g))
			goto fail;
		page = alloc_pages_node(nid, g | __GFP_THISNODE, order);
		if (page)
			break;
	}
	if (!page)
		goto fail;
	if (tcmk_pagemap_cover(page_address(page), PAGE_SIZE << order, gfp)) {
		__free_pages(page, order);
		goto fail;
	}

	chunk->base = page_address(page);
	chunk->order = order;
	chunk->nid = nid;
	run->base = chunk->base;
	run->npages = 1U << order;
	run->chunk = chunk;
	run->zeroed = want_init_on_alloc(gfp);

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	list_add(&chunk->list, &ph.chunks);
	INIT_LIST_HEAD(&chunk->empty);
	ph.pages_held += run->npages;
	ph.pages_free += run->npages;
	ph.node[nid]->pages_held += run->npages;
	ph.node[nid]->pages_free += run->npages;
	tcmk_pageheap_insert_run(run);
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	trace_heap_grow(1UL << order, TCMK_TRACE_CHUNK);
	return 0;

fail:
	kfree(run);
	kfree(chunk);
	return -ENOMEM;
}

static struct tcmk_span *alloc_direct(unsigned int npages, gfp_t gfp)
{
	struct tcmk_span *span = record_alloc(gfp);
	unsigned long flags;

	if (!span)
		return NULL;
	span->base = tcmk_should_fail_page((size_t)npages << PAGE_SHIFT, gfp) ? NULL :
		     alloc_pages_exact((size_t)npages << PAGE_SHIFT, gfp);
	if (span->base &&
	    tcmk_pagemap_cover(span->base, (unsigned long)npages << PAGE_SHIFT, gfp)) {
		free_pages_exact(span->base, (size_t)npages << PAGE_SHIFT);
		span->base = NULL;
	}
	if (!span->base) {
		kfree(span);
		return NULL;
	}
	span->npages = npages;
	span->zeroed = want_init_on_alloc(gfp);
	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	ph.pages_held += npages;
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	trace_heap_grow(npages, TCMK_TRACE_DIRECT);
	stamp_span(span);
	return span;
}

/* A span of its own goes back; its pages go after the lock is dropped. */
static void detach_direct(struct tcmk_span *span, struct heap_free_ctx *fc)
{
	lockdep_assert_held(&tcmk_pageheap_lock);
	unstamp_span(span);
	ph.pages_held -= span->npages;
	ph.pages_released += span->npages;
	list_add(&span->list, &fc->direct);
	trace_heap_release(span->npages, TCMK_TRACE_DIRECT);
}

/*
 * Cut up to @n spans of @npages from the front of @run, whose record is
 * reused for what is left. The spare stack has a record for each.
 *
 * The run's first page becomes the first span's (stamp_span() stamps it over
 * the run's stamp); its last page stays the last of what is left, with the
 * same record, so only the new first page of that needs a stamp.
 *
 * Return: how many spans were cut, at least one.
 */
static unsigned int carve(struct tcmk_span *run, unsigned int npages,
			  struct tcmk_span **spans, unsigned int n)
{
	unsigned int m = min(n, run->npages / npages), i;
	unsigned int taken = m * npages;
	struct tcmk_span *span;

	run->chunk->used += taken;
	ph.pages_free -= taken;
	run_node(run)->pages_free -= taken;
	for (i = 0; i < m; i++) {
		span = spare_get();
		span->base = run->base + ((unsigned long)i * npages << PAGE_SHIFT);
		span->npages = npages;
		span->chunk = run->chunk;
		span->zeroed = run->zeroed;
		stamp_span(span);
		spans[i] = span;
	}
	if (run->npages > taken) {
		run->base += (unsigned long)taken << PAGE_SHIFT;
		run->npages -= taken;
		list_run(run);
		pagemap_set(run->base, pagemap_entry(run, TCMK_PAGEMAP_FREE_RUN));
	} else {
		/* The last page is inside the last span, or is its first. */
		if (npages > 1)
			pagemap_set(last_page(run), 0);
		/* In place of a record just taken: the stack grows no longer. */
		spare_push(run);
	}
	return m;
}

/**
 * tcmk_pageheap_alloc_many() - spans of @npages pages each, on a node.
 * @nid:	the node, one with memory (tcmk_mem_node()); spans above a chunk
 *		come from alloc_pages_exact() and the caller's memory policy.
 * @npages:	pages per span, at least 1.
 * @gfp:	flags for any page or metadata allocation this needs.
 * @spans:	where to store them.
 * @n:		how many are wanted, at least 1.
 *
 * Each span's first page is stamped as its own, so tcmk_span_of() finds it
 * from its first address (tcmk_pageheap_stamp_all() stamps the others); the
 * caller sets its state before handing out any address in it. A class's
 * central list asks for several spans at once where each holds few objects:
 * one trip here instead of one for every object.
 *
 * Context: as @gfp allows; takes the page heap lock.
 * Return: how many spans were stored; 0 if memory could not be had.
 */
unsigned int tcmk_pageheap_alloc_many(int nid, unsigned int npages, gfp_t gfp,
				      struct tcmk_span **spans, unsigned int n)
{
	struct tcmk_span *run;
	unsigned long flags;
	unsigned int k = 0;

	gfp = heap_gfp(gfp);
	/* Callers name a node with memory (tcmk_mem_node()). */
	if (WARN_ON_ONCE(nid < 0 || nid >= MAX_NUMNODES || !ph.node[nid]))
		return 0;
	if (npages > TCMK_CHUNK_PAGES) {
		if (!may_call_allocator())
			return 0;
		for (; k < n; k++) {
			spans[k] = alloc_direct(npages, gfp);
			if (!spans[k])
				break;
		}
		return k;
	}

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	while (k < n) {
		/* The spans' records come from the spare stack. */
		if (spare_reserve(&flags, gfp, n - k))
			break;
		/* As many spans as fit: one run's split for several of them. */
		run = take_run(nid, npages);
		if (run) {
			k += carve(run, npages, spans + k, n - k);
			continue;
		}
		if (tcmk_release_revive(nid, npages))
			continue;
		if (!may_call_allocator())
			break;
		raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
		if (grow(nid, npages, gfp))
			return k;
		raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	}
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	return k;
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_alloc_many);

/**
 * tcmk_pageheap_alloc_node() - a span of @npages pages on node @nid.
 * @nid:	the node, one with memory.
 * @npages:	pages wanted, at least 1.
 * @gfp:	flags for any page or metadata allocation this needs.
 *
 * As tcmk_pageheap_alloc_many(), for one span.
 *
 * Context: as @gfp allows; takes the page heap lock.
 * Return: the span, or NULL.
 */
struct tcmk_span *tcmk_pageheap_alloc_node(int nid, unsigned int npages,
					   gfp_t gfp)
{
	struct tcmk_span *span;

	return tcmk_pageheap_alloc_many(nid, npages, gfp, &span, 1) ? span : NULL;
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_alloc_node);

/**
 * tcmk_pageheap_alloc() - a span of @npages pages, on the caller's node if
 * it can be had there.
 * @npages:	pages wanted, at least 1.
 * @gfp:	flags for any page or metadata allocation this needs. With
 *		__GFP_THISNODE, no other node is tried.
 *
 * For what is not cached per CPU (large objects, the collector's spans,
 * sampled objects): another node's heap serves when the caller's has
 * nothing, as the page allocator falls back.
 *
 * Context: as @gfp allows; takes the page heap lock.
 * Return: the span, or NULL.
 */
struct tcmk_span *tcmk_pageheap_alloc(unsigned int npages, gfp_t gfp)
{
	int local = tcmk_local_node(), nid;
	struct tcmk_span *span;

	span = tcmk_pageheap_alloc_node(local, npages, gfp);
	if (span || (gfp & __GFP_THISNODE) || nr_node_ids == 1)
		return span;
	for_each_node_state(nid, N_MEMORY) {
		if (nid == local)
			continue;
		span = tcmk_pageheap_alloc_node(nid, npages, gfp);
		if (span)
			break;
	}
	return span;
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_alloc);

/*
 * Remove a wholly free chunk: every page it still holds is in a free run, and
 * free runs are never left side by side unmerged, so a run starts at page 0
 * and after every hole. The pages go back after the lock is dropped.
 *
 * Return: the pages the chunk held.
 */
unsigned long tcmk_pageheap_detach_chunk(struct tcmk_chunk *chunk,
					 struct heap_free_ctx *fc)
{
	unsigned int pages = 1U << chunk->order, i = 0;
	unsigned long held = 0;
	struct tcmk_span *run;

	lockdep_assert_held(&tcmk_pageheap_lock);
	while ((i = find_next_zero_bit(chunk->released, pages, i)) < pages) {
		run = free_run_at(chunk, chunk->base + ((unsigned long)i << PAGE_SHIFT));
		if (WARN_ON_ONCE(!run || run->base != chunk->base +
				 ((unsigned long)i << PAGE_SHIFT)))
			break;
		remove_run(run);
		unstamp_run(run);
		i += run->npages;
		held += run->npages;
		drop_record(run, fc);
	}
	list_move(&chunk->list, &fc->release);
	list_del_init(&chunk->empty);
	ph.pages_free -= held;
	ph.pages_held -= held;
	ph.node[chunk->nid]->pages_free -= held;
	ph.node[chunk->nid]->pages_held -= held;
	ph.pages_released += held;
	trace_heap_release(held, TCMK_TRACE_CHUNK);
	return held;
}

/* Give back @npages pages from @base that the page heap no longer holds. */
static void free_split_pages(void *base, unsigned int npages)
{
	unsigned int i;

	for (i = 0; i < npages; i++)
		free_page((unsigned long)base + ((unsigned long)i << PAGE_SHIFT));
}

static void free_chunks(struct list_head *chunks)
{
	struct tcmk_chunk *chunk, *next;
	unsigned int pages, i, n;

	list_for_each_entry_safe(chunk, next, chunks, list) {
		if (!chunk->split) {
			free_pages((unsigned long)chunk->base, chunk->order);
		} else {
			pages = 1U << chunk->order;
			for (i = 0; (i = find_next_zero_bit(chunk->released, pages, i)) < pages;
			     i += n) {
				n = find_next_bit(chunk->released, pages, i) - i;
				free_split_pages(chunk->base + ((unsigned long)i << PAGE_SHIFT), n);
			}
		}
		kfree(chunk);
	}
}

/*
 * Take a free run out of a chunk that still has spans in use and count its
 * pages as given back; the caller frees them once the lock is dropped.
 */
static void detach_run(struct tcmk_span *run, struct heap_free_ctx *fc)
{
	struct tcmk_chunk *chunk = run->chunk;

	lockdep_assert_held(&tcmk_pageheap_lock);
	if (!chunk->split) {
		/* Every page becomes an order-0 allocation of its own. */
		split_page(virt_to_page(chunk->base), chunk->order);
		chunk->split = true;
	}
	remove_run(run);
	unstamp_run(run);
	bitmap_set(chunk->released, (run->base - chunk->base) >> PAGE_SHIFT,
		   run->npages);
	list_add(&run->list, &fc->runs);
	ph.pages_free -= run->npages;
	ph.pages_held -= run->npages;
	run_node(run)->pages_free -= run->npages;
	run_node(run)->pages_held -= run->npages;
	ph.pages_released += run->npages;
	trace_heap_release(run->npages, TCMK_TRACE_RUN);
}

/**
 * tcmk_pageheap_detach_largest() - take free pages out of the heap, largest
 * runs first.
 * @pages:	how many to take at least, unless the free lists run out first.
 * @fc:		where they go, to be given back once the lock is dropped.
 *
 * A chunk there with nothing in use (new, or back from waiting) goes whole;
 * free runs of other chunks go on their own.
 *
 * Context: the page heap lock held.
 * Return: pages taken out.
 */
unsigned long tcmk_pageheap_detach_largest(unsigned long pages,
					   struct heap_free_ctx *fc)
{
	unsigned long n, best, done = 0;
	struct heap_node *hn = NULL;
	struct tcmk_span *run;
	int nid;

	lockdep_assert_held(&tcmk_pageheap_lock);
	while (done < pages) {
		/* The largest run of any node. */
		best = 0;
		for_each_node_state(nid, N_MEMORY) {
			n = find_last_bit(ph.node[nid]->nonempty, TCMK_CHUNK_PAGES + 1);
			if (n <= TCMK_CHUNK_PAGES && n > best) {
				best = n;
				hn = ph.node[nid];
			}
		}
		if (!best)
			break;
		run = list_first_entry(&hn->free[best], struct tcmk_span, list);
		if (!run->chunk->used) {
			done += tcmk_pageheap_detach_chunk(run->chunk, fc);
		} else {
			done += run->npages;
			detach_run(run, fc);
		}
	}
	return done;
}

/* Give back the pages of runs that detach_run() took, then their spans. */
static void free_runs(struct list_head *runs)
{
	struct tcmk_span *run, *tmp;

	list_for_each_entry_safe(run, tmp, runs, list) {
		free_split_pages(run->base, run->npages);
		kfree(run);
	}
}

/* Give a span of a chunk back, with the page heap lock held. */
static void free_locked(struct tcmk_span *span, struct heap_free_ctx *fc)
{
	struct tcmk_chunk *chunk = span->chunk;
	struct tcmk_span *prev, *next, *run;

	lockdep_assert_held(&tcmk_pageheap_lock);
	unstamp_span(span);
	chunk->used -= span->npages;
	ph.pages_free += span->npages;
	ph.node[chunk->nid]->pages_free += span->npages;
	/*
	 * Merge with the free runs on either side. The run before keeps its
	 * record and its first page's stamp; every stamp that ends up inside
	 * the merged run is wiped, and its last page is stamped last.
	 */
	prev = free_run_at(chunk, span->base - PAGE_SIZE);
	next = free_run_at(chunk, span->base + ((unsigned long)span->npages << PAGE_SHIFT));
	run = span;
	if (prev) {
		remove_run(prev);
		if (prev->npages > 1)
			pagemap_set(last_page(prev), 0);
		prev->npages += span->npages;
		run = prev;
		drop_record(span, fc);
	} else {
		pagemap_set(span->base, pagemap_entry(span, TCMK_PAGEMAP_FREE_RUN));
	}
	if (next) {
		remove_run(next);
		pagemap_set(next->base, 0);
		run->npages += next->npages;
		drop_record(next, fc);
	}
	/* Its user may have written anywhere in it, and so in the merged run. */
	run->zeroed = false;
	pagemap_set(last_page(run), pagemap_entry(run, TCMK_PAGEMAP_FREE_RUN));
	if (chunk->used) {
		list_run(run);
		tcmk_release_trim(ph.pages_held, ph.pages_free, fc);
	} else if (chunk->split) {
		/* Holes split its pages into runs: it cannot wait as one. */
		list_run(run);
		tcmk_pageheap_detach_chunk(chunk, fc);
	} else {
		unstamp_run(run);
		tcmk_release_wait(chunk, run, fc);
	}
}

static void deferred_fn(struct work_struct *work);
static DECLARE_WORK(deferred_work, deferred_fn);

/*
 * Move everything @from holds onto @to; the page heap lock guards whichever
 * is shared.
 */
static void free_ctx_splice(struct heap_free_ctx *from, struct heap_free_ctx *to)
{
	lockdep_assert_held(&tcmk_pageheap_lock);
	list_splice_init(&from->release, &to->release);
	list_splice_init(&from->runs, &to->runs);
	list_splice_init(&from->direct, &to->direct);
	list_splice_init(&from->records, &to->records);
	to->age |= from->age;
	from->age = false;
}

/* What hardirq-context frees left: given back from process context. */
static void deferred_fn(struct work_struct *work)
{
	DEFINE_HEAP_FREE_CTX(fc);
	unsigned long flags;

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	free_ctx_splice(&ph.deferred, &fc);
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	tcmk_pageheap_free_finish(&fc);
}

/**
 * tcmk_pageheap_free_finish() - give back what @fc holds, and queue the
 * aging work if it asks for it.
 * @fc:		what was taken out of the heap under the lock.
 *
 * Context: any but NMI, without the page heap lock. In hardirq context, a
 * work item does it.
 */
noinline void tcmk_pageheap_free_finish(struct heap_free_ctx *fc)
{
	struct tcmk_span *span, *tmp;
	unsigned long flags;

	if (!may_call_allocator()) {
		/*
		 * The page heap counts all of it as given back already; the
		 * work item hands it to the buddy and slab allocators.
		 */
		raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
		free_ctx_splice(fc, &ph.deferred);
		raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
		queue_work(system_unbound_wq, &deferred_work);
		return;
	}
	list_for_each_entry_safe(span, tmp, &fc->records, list)
		kfree(span);
	free_chunks(&fc->release);
	free_runs(&fc->runs);
	list_for_each_entry_safe(span, tmp, &fc->direct, list) {
		free_pages_exact(span->base, (size_t)span->npages << PAGE_SHIFT);
		kfree(span);
	}
	if (fc->age)
		tcmk_release_queue_aging();
}

/*
 * After the lock: pages and records go back (from a work item, when this is
 * hardirq context), the aging work is queued.
 */
static __always_inline void free_finish(struct heap_free_ctx *fc)
{
	/* Most frees leave nothing to do. */
	if (likely(list_empty(&fc->records) && list_empty(&fc->release) &&
		   list_empty(&fc->runs) && list_empty(&fc->direct) && !fc->age))
		return;
	tcmk_pageheap_free_finish(fc);
}

/**
 * tcmk_pageheap_free_many() - give back several spans.
 * @spans:	spans from tcmk_pageheap_alloc(), no longer in use; the array
 *		is overwritten.
 * @n:		how many.
 *
 * Under one hold of the lock: a class's central list frees the spans a batch
 * emptied this way. Spans of their own (above a chunk) go back to the page
 * allocator once the lock is dropped.
 *
 * Context: any but NMI; never sleeps. Takes the page heap lock. In hardirq
 * context, pages that go back to the kernel go from a work item.
 */
void tcmk_pageheap_free_many(struct tcmk_span **spans, unsigned int n)
{
	DEFINE_HEAP_FREE_CTX(fc);
	unsigned long flags;
	unsigned int i;

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	for (i = 0; i < n; i++) {
		if (spans[i]->chunk)
			free_locked(spans[i], &fc);
		else
			detach_direct(spans[i], &fc);
	}
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	free_finish(&fc);
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_free_many);

/**
 * tcmk_pageheap_free() - give a span's pages back to the page heap.
 * @span:	a span from tcmk_pageheap_alloc(), no longer in use.
 *
 * As tcmk_pageheap_free_many(), for one span.
 *
 * Context: any; never sleeps. Takes the page heap lock.
 */
void tcmk_pageheap_free(struct tcmk_span *span)
{
	tcmk_pageheap_free_many(&span, 1);
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_free);

/**
 * tcmk_pageheap_release() - give every free page back: wholly free chunks
 * whole, and the free runs of other chunks page by page; and free the spare
 * span records.
 *
 * Context: any but NMI; never sleeps. In hardirq context the pages go back
 * from a work item.
 * Return: pages given back.
 */
unsigned long tcmk_pageheap_release(void)
{
	return tcmk_pageheap_release_node(NUMA_NO_NODE);
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_release);

/**
 * tcmk_pageheap_release_node() - tcmk_pageheap_release() for one node's
 * page heap.
 * @only:	the node, or NUMA_NO_NODE for every node.
 *
 * The spare span records, which are no node's, go back with every node's.
 *
 * Context: as tcmk_pageheap_release().
 * Return: pages given back.
 */
unsigned long tcmk_pageheap_release_node(int only)
{
	DEFINE_HEAP_FREE_CTX(fc);
	struct tcmk_chunk *chunk, *ctmp;
	struct tcmk_span *run, *rtmp;
	unsigned long flags, pages = 0, n;
	int nid;

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	pages += tcmk_release_all_waiting(only, &fc);
	list_for_each_entry_safe(chunk, ctmp, &ph.chunks, list)
		if (!chunk->used && (only == NUMA_NO_NODE || chunk->nid == only))
			pages += tcmk_pageheap_detach_chunk(chunk, &fc);
	for_each_node_state(nid, N_MEMORY) {
		struct heap_node *hn = ph.node[nid];

		if (only != NUMA_NO_NODE && nid != only)
			continue;

		for_each_set_bit(n, hn->nonempty, TCMK_CHUNK_PAGES + 1) {
			list_for_each_entry_safe(run, rtmp, &hn->free[n], list) {
				pages += run->npages;
				detach_run(run, &fc);
			}
		}
	}
	/* Last: detaching put records on the stack. */
	while (only == NUMA_NO_NODE && ph.spare) {
		run = ph.spare;
		ph.spare = run->freelist;
		list_add(&run->list, &fc.records);
	}
	if (only == NUMA_NO_NODE)
		ph.nr_spare = 0;
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	free_finish(&fc);
	return pages;
}

/**
 * tcmk_pageheap_counts() - what the page heap holds.
 * @held:	pages taken from the buddy allocator and not given back.
 * @free_pages:	pages of those in free runs.
 * @released:	pages given back since the module was loaded.
 *
 * Context: any.
 */
void tcmk_pageheap_counts(unsigned long *held, unsigned long *free_pages,
			  unsigned long *released)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	*held = ph.pages_held;
	*free_pages = ph.pages_free;
	*released = ph.pages_released;
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_counts);

u16 tcmk_node_mem[MAX_NUMNODES];
TCMK_EXPORT_FOR_TESTS(tcmk_node_mem);

/*
 * For each node, the node with memory nearest to it: its own if it has
 * memory. Nodes are taken as they are at load: memory hot-added to a node
 * that had none later is not used for its CPUs' caches.
 */
static void __init node_mem_init(void)
{
	int nid, m, best;

	for_each_node(nid) {
		best = first_memory_node;
		if (node_state(nid, N_MEMORY)) {
			best = nid;
		} else {
			for_each_node_state(m, N_MEMORY)
				if (node_distance(nid, m) < node_distance(nid, best))
					best = m;
		}
		tcmk_node_mem[nid] = best;
	}
}

static void heap_nodes_free(void)
{
	int nid;

	for_each_node(nid) {
		kfree(ph.node[nid]);
		ph.node[nid] = NULL;
	}
}

/**
 * tcmk_pageheap_node_counts() - what node @nid's page heap holds.
 * @nid:	a node with memory; any other holds nothing.
 * @held:	pages of its chunks not given back.
 * @free_pages:	pages of those in free runs or waiting chunks.
 *
 * Context: any.
 */
void tcmk_pageheap_node_counts(int nid, unsigned long *held,
			       unsigned long *free_pages)
{
	unsigned long flags;

	*held = 0;
	*free_pages = 0;
	if (nid < 0 || nid >= MAX_NUMNODES)
		return;
	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	if (ph.node[nid]) {
		*held = ph.node[nid]->pages_held;
		*free_pages = ph.node[nid]->pages_free;
	}
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_node_counts);

int __init tcmk_pageheap_init(void)
{
	unsigned int i;
	int nid;

	/* A span's slot, tcmk_cpu_slot() of its node, is 16 bits. */
	if (nr_node_ids * (TCMK_NR_CLASSES + 1) > U16_MAX + 1) {
		pr_err("%u possible NUMA nodes: tcmk handles at most %u\n",
		       nr_node_ids, (U16_MAX + 1) / (TCMK_NR_CLASSES + 1));
		return -EINVAL;
	}
	node_mem_init();
	for_each_node_state(nid, N_MEMORY) {
		struct heap_node *hn = kzalloc_node(sizeof(*hn), GFP_KERNEL, nid);

		if (!hn) {
			heap_nodes_free();
			return -ENOMEM;
		}
		for (i = 0; i <= TCMK_CHUNK_PAGES; i++)
			INIT_LIST_HEAD(&hn->free[i]);
		ph.node[nid] = hn;
	}
	if (tcmk_pagemap_init()) {
		heap_nodes_free();
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&ph.chunks);
	return 0;
}

/**
 * tcmk_pageheap_exit() - give back every free chunk at unload.
 *
 * Chunks that still hold spans in use are left to their users: freeing them
 * would free memory under whoever still points into it.
 *
 * Return: pages left allocated.
 */
unsigned long tcmk_pageheap_exit(void)
{
	/* The deferred frees may queue the aging work: flushed first. */
	flush_work(&deferred_work);
	tcmk_release_exit();
	tcmk_pageheap_release();
	tcmk_pagemap_exit();
	heap_nodes_free();
	return ph.pages_held;
}

/**
 * tcmk_pageheap_report() - describe the page heap for the debugfs report.
 * @m:		where to write.
 *
 * Context: process context.
 */
void tcmk_pageheap_report(struct seq_file *m)
{
	unsigned long flags, n, chunks = 0, runs;
	struct tcmk_chunk *chunk;
	struct tcmk_span *run;
	int nid;

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	list_for_each_entry(chunk, &ph.chunks, list)
		chunks++;
	seq_printf(m, "page heap: %lu chunks, %lu pages held, %lu free, %lu released since load\n",
		   chunks, ph.pages_held, ph.pages_free, ph.pages_released);
	seq_printf(m, "waiting to go back: %lu pages; %lu spare span records\n",
		   tcmk_release_pages_waiting(), ph.nr_spare);
	tcmk_pagemap_report(m);
	for_each_node_state(nid, N_MEMORY) {
		struct heap_node *hn = ph.node[nid];

		seq_printf(m, "node %d: %lu pages held, %lu free; free runs: pages x count\n",
			   nid, hn->pages_held, hn->pages_free);
		for_each_set_bit(n, hn->nonempty, TCMK_CHUNK_PAGES + 1) {
			runs = 0;
			list_for_each_entry(run, &hn->free[n], list)
				runs++;
			seq_printf(m, "  %4lu x %lu\n", n, runs);
		}
	}
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
}
