/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk page heap internals: what the page heap (pageheap.c: chunks, runs,
 * stamps in the page map, giving pages back), its release policy (release.c:
 * when free pages go back, and how many) and the page map's tables
 * (pagemap.c) share. Only those three include this.
 */
#ifndef _TCMK_PAGEHEAP_H
#define _TCMK_PAGEHEAP_H

#include <linux/list.h>
#include <linux/spinlock.h>

#include "tcmk.h"

/*
 * The page heap lock guards the state of all three files; taken with
 * interrupts disabled. It is a raw spinlock because tcmk_free() and
 * GFP_ATOMIC allocations take it in hardirq context, where a spinlock_t is
 * not allowed (it sleeps on PREEMPT_RT; lockdep's PROVE_RAW_LOCK_NESTING says
 * so on every kernel). For the same reason nothing under it calls the page
 * or slab allocator.
 */
extern raw_spinlock_t tcmk_pageheap_lock;

/**
 * struct tcmk_chunk - a block of pages from alloc_pages().
 * @list:	on the page heap's list of chunks.
 * @empty:	on the release policy's list while it waits, wholly free.
 * @run:	while it waits: its one free run, off the free lists.
 * @emptied:	while it waits: when it began to, in jiffies.
 * @base:	address of the first page.
 * @order:	allocation order.
 * @used:	pages in spans in use.
 * @nid:	the node its pages lie on, whose heap it belongs to.
 * @split:	split_page() has made every page its own allocation, so the
 *		pages go back one by one.
 * @released:	pages already given back to the buddy allocator: not ours,
 *		and 0 in the page map.
 *
 * All guarded by the page heap lock.
 */
struct tcmk_chunk {
	struct list_head list;
	struct list_head empty;
	struct tcmk_span *run;
	unsigned long emptied;
	void *base;
	unsigned int order;
	unsigned int used;
	int nid;
	bool split;
	DECLARE_BITMAP(released, TCMK_CHUNK_PAGES);
};

/* What frees leave to do once the page heap lock is dropped. */
struct heap_free_ctx {
	struct list_head release;	/* chunks to give back */
	struct list_head runs;		/* trimmed runs to give back */
	struct list_head direct;	/* spans of their own to give back */
	struct list_head records;	/* span records the spare stack had no room for */
	bool age;			/* a chunk waits: the aging work must run */
};

#define HEAP_FREE_CTX_INIT(name) {					\
	.release = LIST_HEAD_INIT(name.release),			\
	.runs = LIST_HEAD_INIT(name.runs),				\
	.direct = LIST_HEAD_INIT(name.direct),				\
	.records = LIST_HEAD_INIT(name.records),			\
}

/* Declared initialised, so that nothing zeroes it first. */
#define DEFINE_HEAP_FREE_CTX(name) struct heap_free_ctx name = HEAP_FREE_CTX_INIT(name)

/* pageheap.c, for the release policy: with the page heap lock held... */
void tcmk_pageheap_insert_run(struct tcmk_span *run);
unsigned long tcmk_pageheap_detach_chunk(struct tcmk_chunk *chunk,
					 struct heap_free_ctx *fc);
unsigned long tcmk_pageheap_detach_largest(unsigned long pages,
					   struct heap_free_ctx *fc);
/* ...and once it is dropped. */
void tcmk_pageheap_free_finish(struct heap_free_ctx *fc);

/* release.c, for the page heap: with the page heap lock held... */
void tcmk_release_trim(unsigned long held, unsigned long free,
		       struct heap_free_ctx *fc);
void tcmk_release_wait(struct tcmk_chunk *chunk, struct tcmk_span *run,
		       struct heap_free_ctx *fc);
bool tcmk_release_revive(int nid, unsigned int npages);
unsigned long tcmk_release_all_waiting(int only, struct heap_free_ctx *fc);
unsigned long tcmk_release_pages_waiting(void);
/* ...and without it. */
void tcmk_release_queue_aging(void);
void tcmk_release_exit(void);

/* pagemap.c, for the page heap. */
int tcmk_pagemap_cover(void *base, unsigned long bytes, gfp_t gfp);
struct seq_file;
void tcmk_pagemap_report(struct seq_file *m);
int __init tcmk_pagemap_init(void);
void tcmk_pagemap_exit(void);

#endif /* _TCMK_PAGEHEAP_H */
