// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk page heap release policy: when free pages go back to the buddy
 * allocator, and how many. The page heap (pageheap.c) calls in here, with its
 * lock held, after a free and when it needs a chunk, and gives back what it
 * is told to; this file keeps the wholly free chunks that wait, and the
 * aging work. Both share the page heap lock and the types of pageheap.h.
 *
 * A chunk that becomes wholly free leaves the free lists and waits: pages are
 * taken from chunks still in use first, and a waiting chunk comes back into
 * use (the one emptied last) only when none of them has a run long enough,
 * before the heap asks the buddy allocator for more. tcmk_release_threshold
 * bytes of waiting chunks stay as long as they like; past that, a chunk that
 * has waited tcmk_release_delay_ms goes back to the buddy allocator, from a
 * delayed work item, the chunk emptied longest ago first. A burst of frees
 * followed by a burst of allocations (a batch, a queue drained and filled
 * again) then reuses its chunks instead of giving them back and taking them
 * again, which costs the buddy allocator a pass over each of their struct
 * pages both ways; memory the kernel needs sooner comes back through the
 * shrinker. With a delay of 0 the chunk emptied longest ago goes back at
 * once, unless it is the only one waiting: then it stays, so that an
 * allocation and a free in turn do not take a chunk and give it back every
 * time. tcmk_release(), the shrinker and unload give back every wholly free
 * chunk.
 *
 * Free runs of chunks that still hold spans in use go back too, page by page:
 * once a chunk has a few live spans left in it, waiting for it to become
 * wholly free would keep most of its pages from the kernel for as long as
 * those spans live. tcmk_release() and the shrinker give back every one. On
 * its own the heap trims them, largest first, once they pass both twice
 * tcmk_release_threshold and an eighth of what the chunks in use hold, and
 * goes on (a chunk's worth per free, for a free may run in hardirq context)
 * until they are down to a quarter of that: a workload that frees most of
 * its objects in random order does not keep their pages, while one that
 * frees whole chunks in turn, or frees and allocates in turn, does not pay
 * for splitting chunks or for taking its pages back again.
 */
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "pageheap.h"

unsigned long tcmk_release_threshold = 4UL << 20;
TCMK_EXPORT_FOR_TESTS(tcmk_release_threshold);
module_param_named(release_threshold, tcmk_release_threshold, ulong, 0600);
MODULE_PARM_DESC(release_threshold,
		 "Bytes of wholly free chunks the page heap keeps however long they wait (default 4 MiB); past twice this and an eighth of what the chunks in use hold, it gives free pages of those back too");

unsigned int tcmk_release_delay_ms = 1000;
TCMK_EXPORT_FOR_TESTS(tcmk_release_delay_ms);
module_param_named(release_delay_ms, tcmk_release_delay_ms, uint, 0600);
MODULE_PARM_DESC(release_delay_ms,
		 "Milliseconds a wholly free chunk past release_threshold waits for reuse before it goes back (default 1000, at most 60000; 0: at once)");

/* Guarded by tcmk_pageheap_lock (see pageheap.h). */
static struct {
	struct list_head empty;		/* waiting chunks, oldest first */
	unsigned long pages_waiting;	/* in waiting chunks */
	unsigned long trim_to;		/* trimming down to this... */
	bool trimming;			/* ...if set */
} rel = {
	.empty = LIST_HEAD_INIT(rel.empty),
};

/*
 * A chunk wholly free in one run waits off the free lists: allocations use
 * chunks in use first (see the comment at the top). @run is not on a list and
 * its pages are not stamped.
 */
static void chunk_wait(struct tcmk_chunk *chunk, struct tcmk_span *run)
{
	chunk->run = run;
	chunk->emptied = jiffies;
	list_add_tail(&chunk->empty, &rel.empty);
	rel.pages_waiting += run->npages;
}

/* A waiting chunk's run goes back on the free lists. */
static void chunk_unwait(struct tcmk_chunk *chunk)
{
	list_del_init(&chunk->empty);
	rel.pages_waiting -= chunk->run->npages;
	tcmk_pageheap_insert_run(chunk->run);
	chunk->run = NULL;
}

/**
 * tcmk_release_revive() - put the waiting chunk of node @nid emptied last
 * that has a run of @npages back in use.
 * @nid:	the node whose heap needs the run.
 * @npages:	pages the caller needs in one run.
 *
 * Context: the page heap lock held.
 * Return: false if no waiting chunk has one.
 */
bool tcmk_release_revive(int nid, unsigned int npages)
{
	struct tcmk_chunk *chunk;

	lockdep_assert_held(&tcmk_pageheap_lock);
	list_for_each_entry_reverse(chunk, &rel.empty, empty) {
		if (chunk->nid != nid || chunk->run->npages < npages)
			continue;
		chunk_unwait(chunk);
		return true;
	}
	return false;
}

/* Take a waiting chunk out of the heap; its pages go back after the lock. */
static unsigned long chunk_detach_waiting(struct tcmk_chunk *chunk,
					  struct heap_free_ctx *fc)
{
	lockdep_assert_held(&tcmk_pageheap_lock);
	chunk_unwait(chunk);
	return tcmk_pageheap_detach_chunk(chunk, fc);
}

static unsigned int release_delay_ms(void)
{
	return min(READ_ONCE(tcmk_release_delay_ms), 60000U);
}

/*
 * Waiting chunks past @keep pages that have waited long enough go on @fc,
 * the chunk emptied longest ago first, but never @stay.
 * Return: jiffies until the next one has waited long enough, or 0 if none
 * past @keep is left (but @stay).
 */
static unsigned long chunks_aged(unsigned long keep, struct heap_free_ctx *fc,
				 const struct tcmk_chunk *stay)
{
	unsigned long delay = msecs_to_jiffies(release_delay_ms());
	struct tcmk_chunk *chunk;

	while (rel.pages_waiting > keep) {
		chunk = list_first_entry(&rel.empty, struct tcmk_chunk, empty);
		if (chunk == stay)
			break;
		if (time_before(jiffies, chunk->emptied + delay))
			return chunk->emptied + delay - jiffies;
		chunk_detach_waiting(chunk, fc);
	}
	return 0;
}

static void age_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(age_work, age_fn);

/* Give back the waiting chunks that have waited long enough. */
static void age_fn(struct work_struct *work)
{
	DEFINE_HEAP_FREE_CTX(fc);
	unsigned long flags, next;

	raw_spin_lock_irqsave(&tcmk_pageheap_lock, flags);
	next = chunks_aged(READ_ONCE(tcmk_release_threshold) >> PAGE_SHIFT,
			   &fc, NULL);
	raw_spin_unlock_irqrestore(&tcmk_pageheap_lock, flags);
	tcmk_pageheap_free_finish(&fc);
	if (next)
		queue_delayed_work(system_unbound_wq, &age_work, next);
}

/**
 * tcmk_release_wait() - a chunk wholly free in one run waits for reuse, or
 * chunks emptied before it go.
 * @chunk:	the chunk: nothing in it in use, never split.
 * @run:	its one free run, on no list, its pages not stamped.
 * @fc:		where chunks that have waited long enough go.
 *
 * Context: the page heap lock held.
 */
void tcmk_release_wait(struct tcmk_chunk *chunk, struct tcmk_span *run,
		       struct heap_free_ctx *fc)
{
	unsigned long keep = READ_ONCE(tcmk_release_threshold) >> PAGE_SHIFT;

	lockdep_assert_held(&tcmk_pageheap_lock);
	chunk_wait(chunk, run);
	/*
	 * Without a delay, chunks emptied before go now, never the one just
	 * emptied (the last on the list) while it is the only one: an
	 * allocation and a free in turn would otherwise take a chunk from the
	 * buddy allocator and give it back every time.
	 */
	if (release_delay_ms())
		fc->age |= rel.pages_waiting > keep;
	else
		chunks_aged(keep, fc, chunk);
}

/**
 * tcmk_release_queue_aging() - have the aging work give back the waiting
 * chunks past release_threshold once they have waited release_delay_ms.
 *
 * Context: any but NMI; never sleeps. Without the page heap lock.
 */
void tcmk_release_queue_aging(void)
{
	/* Already queued (a chunk waits for it) is all it takes. */
	if (!delayed_work_pending(&age_work))
		queue_delayed_work(system_unbound_wq, &age_work,
				   msecs_to_jiffies(release_delay_ms()));
}

/* Pages one trim gives back at most: it may run in hardirq context. */
#define TCMK_TRIM_MAX_PAGES	TCMK_CHUNK_PAGES

/*
 * Whether a free should trim, and to what: @keep is release_threshold in
 * pages, @held the pages the heap holds, @busy_free the free pages of chunks
 * in use.
 */
static bool want_trim(unsigned long keep, unsigned long held,
		      unsigned long busy_free)
{
	unsigned long limit = max(2 * keep, (held - rel.pages_waiting) / 8);

	if (!rel.trimming && busy_free > limit) {
		rel.trimming = true;
		rel.trim_to = limit / 4;
	}
	if (busy_free <= rel.trim_to)
		rel.trimming = false;
	return rel.trimming;
}

/**
 * tcmk_release_trim() - after a free into a chunk still in use, give back
 * free pages of such chunks if they hold too many.
 * @held:	pages the page heap holds.
 * @free:	pages of those in free runs, waiting chunks' too.
 * @fc:		where the pages go.
 *
 * Largest runs first, until the free runs of chunks in use hold at most
 * rel.trim_to pages or a chunk's worth has gone.
 *
 * Context: the page heap lock held.
 */
void tcmk_release_trim(unsigned long held, unsigned long free,
		       struct heap_free_ctx *fc)
{
	unsigned long keep = READ_ONCE(tcmk_release_threshold) >> PAGE_SHIFT;
	unsigned long busy_free = free - rel.pages_waiting;

	lockdep_assert_held(&tcmk_pageheap_lock);
	if (want_trim(keep, held, busy_free))
		tcmk_pageheap_detach_largest(min_t(unsigned long,
						   busy_free - rel.trim_to,
						   TCMK_TRIM_MAX_PAGES), fc);
}

/**
 * tcmk_release_all_waiting() - every waiting chunk goes, however long it has
 * waited.
 * @only:	the node whose chunks go, or NUMA_NO_NODE for every node.
 * @fc:		where the chunks go.
 *
 * Context: the page heap lock held.
 * Return: pages the chunks held.
 */
unsigned long tcmk_release_all_waiting(int only, struct heap_free_ctx *fc)
{
	struct tcmk_chunk *chunk, *tmp;
	unsigned long pages = 0;

	lockdep_assert_held(&tcmk_pageheap_lock);
	list_for_each_entry_safe(chunk, tmp, &rel.empty, empty)
		if (only == NUMA_NO_NODE || chunk->nid == only)
			pages += chunk_detach_waiting(chunk, fc);
	return pages;
}

/**
 * tcmk_release_pages_waiting() - pages in waiting chunks.
 *
 * Context: the page heap lock held.
 */
unsigned long tcmk_release_pages_waiting(void)
{
	lockdep_assert_held(&tcmk_pageheap_lock);
	return rel.pages_waiting;
}

/**
 * tcmk_release_exit() - stop the aging work at unload.
 *
 * Context: process context; sleeps. Nothing may queue the aging work again:
 * the page heap's deferred frees have been flushed.
 */
void tcmk_release_exit(void)
{
	cancel_delayed_work_sync(&age_work);
}
