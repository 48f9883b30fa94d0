// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk page heap: runs of pages carved from chunks taken with alloc_pages().
 *
 * The heap asks the buddy allocator for 2 MiB chunks (smaller ones when it
 * cannot have that much contiguous memory, down to what the request needs)
 * and hands out runs of pages from them as spans. Free runs sit on lists by
 * length, with a bitmap of the lengths that have any, so the best-fitting run
 * is one find_next_bit() away. A run given back merges with the free runs
 * beside it in its chunk; a chunk that becomes wholly free goes back to the
 * buddy allocator once the heap holds more than tcmk_release_threshold free
 * bytes,
 * and on tcmk_release(), the shrinker and unload.
 *
 * Requests larger than a chunk get pages of their own from alloc_pages_exact().
 *
 * Page ownership is written into struct page (see tcmk_span_of()): every page
 * of a span in use says so with tcmk_page_cookie; the first and last pages of
 * a free run say so with a second cookie, which is how a run finds the free
 * runs beside it; every other page of tcmk's says nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "tcmk.h"

unsigned long tcmk_release_threshold = 4UL << 20;
module_param_named(release_threshold, tcmk_release_threshold, ulong, 0600);
MODULE_PARM_DESC(release_threshold,
		 "Free bytes the page heap keeps before it gives wholly free chunks back (default 4 MiB)");

/**
 * struct tcmk_chunk - a block of pages from alloc_pages().
 * @list:	on tcmk_pageheap.chunks.
 * @base:	address of the first page.
 * @order:	allocation order.
 */
struct tcmk_chunk {
	struct list_head list;
	void *base;
	unsigned int order;
};

/* Everything here is guarded by @lock, taken with interrupts disabled. */
static struct {
	spinlock_t lock;
	struct list_head free[TCMK_CHUNK_PAGES + 1];	/* runs by length */
	DECLARE_BITMAP(nonempty, TCMK_CHUNK_PAGES + 1);	/* which free[] have runs */
	struct list_head chunks;
	unsigned long pages_held;	/* taken from the buddy allocator */
	unsigned long pages_free;	/* in free runs */
	unsigned long pages_released;	/* given back, since load */
} ph;

unsigned long tcmk_page_cookie __read_mostly;
TCMK_EXPORT_FOR_TESTS(tcmk_page_cookie);

/*
 * The lowest and highest address of any page tcmk has taken, for a cheap
 * first test in tcmk_span_of(). Written under the page heap lock; read
 * without it. They only widen, so a reader that sees one bound new and the
 * other old still covers every range taken before.
 */
unsigned long tcmk_addr_lo __read_mostly = ULONG_MAX;
TCMK_EXPORT_FOR_TESTS(tcmk_addr_lo);
unsigned long tcmk_addr_hi __read_mostly;
TCMK_EXPORT_FOR_TESTS(tcmk_addr_hi);

static void widen_bounds(void *base, unsigned long bytes)
{
	unsigned long lo = (unsigned long)base, hi = lo + bytes;

	lockdep_assert_held(&ph.lock);
	if (lo < tcmk_addr_lo)
		WRITE_ONCE(tcmk_addr_lo, lo);
	if (hi > tcmk_addr_hi)
		WRITE_ONCE(tcmk_addr_hi, hi);
}
static unsigned long tcmk_free_run_cookie __read_mostly;
unsigned long tcmk_gc_page_cookie __read_mostly;

/*
 * Tests make the page heap's next page allocations fail: each one that fails
 * takes one off this count.
 */
atomic_t tcmk_fail_page_allocs = ATOMIC_INIT(0);
TCMK_EXPORT_FOR_TESTS(tcmk_fail_page_allocs);

static bool fail_injected(void)
{
	return atomic_add_unless(&tcmk_fail_page_allocs, -1, 0);
}

/* Drop what the caller may ask of kmalloc but not of the page heap. */
static gfp_t heap_gfp(gfp_t gfp)
{
	return gfp & ~(__GFP_ZERO | __GFP_COMP | __GFP_HIGHMEM | __GFP_MOVABLE |
		       __GFP_DMA | __GFP_DMA32);
}

static void set_page_owner(struct page *page, struct tcmk_span *span,
			   unsigned long cookie)
{
	set_page_private(page, (unsigned long)span);
	WRITE_ONCE(page->index, span ? (unsigned long)span ^ cookie : 0);
}

/* Mark every page of @span as belonging to it (or, with NULL, to nobody). */
static void set_span_pages(struct tcmk_span *span, struct tcmk_span *owner)
{
	struct page *page = virt_to_page(span->base);
	unsigned int i;

	for (i = 0; i < span->npages; i++)
		set_page_owner(page + i, owner, tcmk_page_cookie);
}

/**
 * tcmk_pageheap_set_owner() - stamp every page of a span in use.
 * @span:	a span from tcmk_pageheap_alloc().
 * @owner:	what page->private will hold.
 * @cookie:	what page->index holds, mixed with @owner: tcmk_page_cookie
 *		makes the pages tcmk_span_of()'s, tcmk_gc_page_cookie the
 *		collector's.
 *
 * tcmk_pageheap_free() wipes the stamps, whichever they are.
 */
void tcmk_pageheap_set_owner(struct tcmk_span *span, void *owner,
			     unsigned long cookie)
{
	struct page *page = virt_to_page(span->base);
	unsigned int i;

	for (i = 0; i < span->npages; i++)
		set_page_owner(page + i, owner, cookie);
}

static struct page *last_page(struct tcmk_span *run)
{
	return virt_to_page(run->base) + run->npages - 1;
}

/* The free run whose first or last page holds @addr, if @addr is in @chunk. */
static struct tcmk_span *free_run_at(struct tcmk_chunk *chunk, void *addr)
{
	struct page *page;
	unsigned long run;

	if (addr < chunk->base || addr >= chunk->base + (PAGE_SIZE << chunk->order))
		return NULL;
	page = virt_to_page(addr);
	run = page_private(page);
	if (page->index != (run ^ tcmk_free_run_cookie))
		return NULL;
	return (struct tcmk_span *)run;
}

static void insert_run(struct tcmk_span *run)
{
	run->state = TCMK_SPAN_FREE;
	list_add(&run->list, &ph.free[run->npages]);
	__set_bit(run->npages, ph.nonempty);
	set_page_owner(virt_to_page(run->base), run, tcmk_free_run_cookie);
	set_page_owner(last_page(run), run, tcmk_free_run_cookie);
}

/* Take @run off its list; its boundary pages keep their marks. */
static void remove_run(struct tcmk_span *run)
{
	list_del(&run->list);
	if (list_empty(&ph.free[run->npages]))
		__clear_bit(run->npages, ph.nonempty);
}

static void unmark_run(struct tcmk_span *run)
{
	set_page_owner(virt_to_page(run->base), NULL, 0);
	set_page_owner(last_page(run), NULL, 0);
}

/* The smallest free run of at least @npages, off its list and unmarked. */
static struct tcmk_span *take_run(unsigned int npages)
{
	unsigned long n = find_next_bit(ph.nonempty, TCMK_CHUNK_PAGES + 1, npages);
	struct tcmk_span *run;

	if (n > TCMK_CHUNK_PAGES)
		return NULL;
	run = list_first_entry(&ph.free[n], struct tcmk_span, list);
	remove_run(run);
	unmark_run(run);
	return run;
}

/*
 * Add a chunk big enough for @npages. Larger orders are tried without retries
 * or warnings, so a fragmented buddy allocator yields a smaller chunk quickly.
 */
static int grow(unsigned int npages, gfp_t gfp)
{
	int min_order = order_base_2(npages), order;
	struct tcmk_chunk *chunk;
	struct tcmk_span *run;
	struct page *page = NULL;
	unsigned long flags;

	chunk = kmalloc(sizeof(*chunk), gfp);
	run = tcmk_span_new(gfp);
	if (!chunk || !run)
		goto fail;
	for (order = TCMK_CHUNK_ORDER; order >= min_order; order--) {
		gfp_t g = order > min_order ? gfp | __GFP_NORETRY | __GFP_NOWARN : gfp;

		if (fail_injected())
			goto fail;
		page = alloc_pages(g, order);
		if (page)
			break;
	}
	if (!page)
		goto fail;

	chunk->base = page_address(page);
	chunk->order = order;
	run->base = chunk->base;
	run->npages = 1U << order;
	run->chunk = chunk;

	spin_lock_irqsave(&ph.lock, flags);
	widen_bounds(chunk->base, PAGE_SIZE << order);
	list_add(&chunk->list, &ph.chunks);
	ph.pages_held += run->npages;
	ph.pages_free += run->npages;
	insert_run(run);
	spin_unlock_irqrestore(&ph.lock, flags);
	return 0;

fail:
	tcmk_span_delete(run);
	kfree(chunk);
	return -ENOMEM;
}

static struct tcmk_span *alloc_direct(unsigned int npages, gfp_t gfp)
{
	struct tcmk_span *span = tcmk_span_new(gfp);
	unsigned long flags;

	if (!span)
		return NULL;
	span->base = fail_injected() ? NULL :
		     alloc_pages_exact((size_t)npages << PAGE_SHIFT, gfp);
	if (!span->base) {
		tcmk_span_delete(span);
		return NULL;
	}
	span->npages = npages;
	/* Bounds before marks: a reader that finds a mark passes the bounds. */
	spin_lock_irqsave(&ph.lock, flags);
	widen_bounds(span->base, (unsigned long)npages << PAGE_SHIFT);
	ph.pages_held += npages;
	spin_unlock_irqrestore(&ph.lock, flags);
	set_span_pages(span, span);
	return span;
}

static void free_direct(struct tcmk_span *span)
{
	unsigned long flags;

	set_span_pages(span, NULL);
	free_pages_exact(span->base, (size_t)span->npages << PAGE_SHIFT);
	spin_lock_irqsave(&ph.lock, flags);
	ph.pages_held -= span->npages;
	ph.pages_released += span->npages;
	spin_unlock_irqrestore(&ph.lock, flags);
	tcmk_span_delete(span);
}

/**
 * tcmk_pageheap_alloc() - a span of @npages pages.
 * @npages:	pages wanted, at least 1.
 * @gfp:	flags for any page or metadata allocation this needs.
 *
 * The span's pages are marked as its own, so tcmk_span_of() finds it; the
 * caller sets its state before handing out any address in it.
 *
 * Context: as @gfp allows; takes the page heap lock.
 * Return: the span, or NULL.
 */
struct tcmk_span *tcmk_pageheap_alloc(unsigned int npages, gfp_t gfp)
{
	struct tcmk_span *span, *run;
	unsigned long flags;

	gfp = heap_gfp(gfp);
	if (npages > TCMK_CHUNK_PAGES)
		return alloc_direct(npages, gfp);

	span = tcmk_span_new(gfp);
	if (!span)
		return NULL;
	spin_lock_irqsave(&ph.lock, flags);
	while (!(run = take_run(npages))) {
		spin_unlock_irqrestore(&ph.lock, flags);
		if (grow(npages, gfp)) {
			tcmk_span_delete(span);
			return NULL;
		}
		spin_lock_irqsave(&ph.lock, flags);
	}
	span->base = run->base;
	span->npages = npages;
	span->chunk = run->chunk;
	ph.pages_free -= npages;
	if (run->npages > npages) {
		run->base += (unsigned long)npages << PAGE_SHIFT;
		run->npages -= npages;
		insert_run(run);
		run = NULL;
	}
	set_span_pages(span, span);
	spin_unlock_irqrestore(&ph.lock, flags);
	tcmk_span_delete(run);
	return span;
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_alloc);

/* Remove a wholly free chunk; its pages go back after the lock is dropped. */
static void detach_chunk(struct tcmk_span *run, struct list_head *out)
{
	remove_run(run);
	unmark_run(run);
	list_del(&run->chunk->list);
	list_add(&run->chunk->list, out);
	ph.pages_free -= run->npages;
	ph.pages_held -= run->npages;
	ph.pages_released += run->npages;
	tcmk_span_delete(run);
}

static void free_chunks(struct list_head *chunks)
{
	struct tcmk_chunk *chunk, *next;

	list_for_each_entry_safe(chunk, next, chunks, list) {
		free_pages((unsigned long)chunk->base, chunk->order);
		kfree(chunk);
	}
}

static bool whole_chunk(struct tcmk_span *run)
{
	return run->npages == 1U << run->chunk->order;
}

/**
 * tcmk_pageheap_free() - give a span's pages back to the page heap.
 * @span:	a span from tcmk_pageheap_alloc(), no longer in use.
 *
 * Context: any; never sleeps. Takes the page heap lock.
 */
void tcmk_pageheap_free(struct tcmk_span *span)
{
	struct tcmk_span *prev, *next;
	struct tcmk_chunk *chunk = span->chunk;
	unsigned long flags;
	LIST_HEAD(release);

	if (!chunk) {
		free_direct(span);
		return;
	}
	spin_lock_irqsave(&ph.lock, flags);
	set_span_pages(span, NULL);
	ph.pages_free += span->npages;
	prev = free_run_at(chunk, span->base - PAGE_SIZE);
	if (prev) {
		remove_run(prev);
		unmark_run(prev);
		span->base = prev->base;
		span->npages += prev->npages;
	}
	next = free_run_at(chunk, span->base + ((unsigned long)span->npages << PAGE_SHIFT));
	if (next) {
		remove_run(next);
		unmark_run(next);
		span->npages += next->npages;
	}
	insert_run(span);
	if (whole_chunk(span) && (ph.pages_free << PAGE_SHIFT) > READ_ONCE(tcmk_release_threshold))
		detach_chunk(span, &release);
	spin_unlock_irqrestore(&ph.lock, flags);

	tcmk_span_delete(prev);
	tcmk_span_delete(next);
	free_chunks(&release);
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_free);

/**
 * tcmk_pageheap_release() - give every wholly free chunk back.
 *
 * Context: any; never sleeps.
 * Return: pages given back.
 */
unsigned long tcmk_pageheap_release(void)
{
	struct tcmk_chunk *chunk, *tmp;
	unsigned long flags, pages = 0;
	LIST_HEAD(release);

	spin_lock_irqsave(&ph.lock, flags);
	list_for_each_entry_safe(chunk, tmp, &ph.chunks, list) {
		struct tcmk_span *run = free_run_at(chunk, chunk->base);

		if (run && whole_chunk(run)) {
			pages += run->npages;
			detach_chunk(run, &release);
		}
	}
	spin_unlock_irqrestore(&ph.lock, flags);
	free_chunks(&release);
	return pages;
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_release);

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

	spin_lock_irqsave(&ph.lock, flags);
	*held = ph.pages_held;
	*free_pages = ph.pages_free;
	*released = ph.pages_released;
	spin_unlock_irqrestore(&ph.lock, flags);
}
TCMK_EXPORT_FOR_TESTS(tcmk_pageheap_counts);

int __init tcmk_pageheap_init(void)
{
	unsigned int i;

	spin_lock_init(&ph.lock);
	for (i = 0; i <= TCMK_CHUNK_PAGES; i++)
		INIT_LIST_HEAD(&ph.free[i]);
	INIT_LIST_HEAD(&ph.chunks);
	/* Three distinct non-zero cookies: a zeroed page matches none. */
	do {
		tcmk_page_cookie = get_random_long();
		tcmk_free_run_cookie = get_random_long();
		tcmk_gc_page_cookie = get_random_long();
	} while (!tcmk_page_cookie || !tcmk_free_run_cookie ||
		 !tcmk_gc_page_cookie ||
		 tcmk_page_cookie == tcmk_free_run_cookie ||
		 tcmk_gc_page_cookie == tcmk_page_cookie ||
		 tcmk_gc_page_cookie == tcmk_free_run_cookie);
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
	tcmk_pageheap_release();
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

	spin_lock_irqsave(&ph.lock, flags);
	list_for_each_entry(chunk, &ph.chunks, list)
		chunks++;
	seq_printf(m, "page heap: %lu chunks, %lu pages held, %lu free, %lu released since load\n",
		   chunks, ph.pages_held, ph.pages_free, ph.pages_released);
	seq_puts(m, "free runs: pages x count\n");
	for_each_set_bit(n, ph.nonempty, TCMK_CHUNK_PAGES + 1) {
		runs = 0;
		list_for_each_entry(run, &ph.free[n], list)
			runs++;
		seq_printf(m, "  %4lu x %lu\n", n, runs);
	}
	spin_unlock_irqrestore(&ph.lock, flags);
}
