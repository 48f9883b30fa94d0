// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk transfer caches and central lists: what the CPUs of one size class
 * share.
 *
 * The transfer cache is a short stack of free objects per class: a batch a
 * CPU flushes is the batch another CPU refills from, without touching any
 * span. When it is empty (or full), the class's central list serves: spans
 * with free objects on a list, spans with none on no list at all (as in
 * TCMalloc: nothing looks for them, and the kernel's list checks make each
 * move two calls). A span whose objects have all come back returns to the
 * page heap at once.
 *
 * Each node has its own of both, for every class, over its own page heap:
 * a CPU refills from its node's and flushes to it, and an object freed on
 * a CPU of another node goes back to the layers of the node it lies on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/kmemleak.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "tcmk.h"

/*
 * Batches a transfer cache holds, and at most about this many bytes of
 * objects (but two batches at least): the batches of the largest classes
 * are 128 KiB.
 */
#define TCMK_TRANSFER_BATCHES	8
#define TCMK_TRANSFER_BYTES	(512U << 10)

/**
 * struct tcmk_transfer - a class's transfer cache.
 * @lock:	guards the rest; taken with interrupts disabled. Raw, as the page
 *		heap's lock and for the same reason: taken in hardirq context.
 * @count:	objects in @slots.
 * @capacity:	size of @slots.
 * @slots:	the objects, a stack.
 */
struct tcmk_transfer {
	raw_spinlock_t lock;
	unsigned int count;
	unsigned int capacity;
	void **slots;
} ____cacheline_aligned_in_smp;

/**
 * struct tcmk_central - a class's spans.
 * @lock:	guards the rest and the class's spans; interrupts disabled.
 *		Raw, as the transfer cache's.
 * @nonempty:	spans with free objects.
 * @spans:	spans of the class, full ones too.
 * @free:	free objects in those spans.
 */
struct tcmk_central {
	raw_spinlock_t lock;
	struct list_head nonempty;
	unsigned long spans;
	unsigned long free;
} ____cacheline_aligned_in_smp;

/* A node's transfer caches and central lists, on the node's memory. */
struct tcmk_node_shared {
	struct tcmk_transfer transfer[TCMK_NR_CLASSES];
	struct tcmk_central central[TCMK_NR_CLASSES];
};

/* Per node with memory, from init to exit; NULL for a node without. */
static struct tcmk_node_shared *tcmk_shared[MAX_NUMNODES];

static inline struct tcmk_transfer *node_transfer(int nid, unsigned int cls)
{
	return &tcmk_shared[nid]->transfer[cls];
}

static inline struct tcmk_central *node_central(int nid, unsigned int cls)
{
	return &tcmk_shared[nid]->central[cls];
}

/*
 * Take up to @n free objects from small span @span into @objs: how many
 * were taken (0 if the span is full). The caller has the span's objects to
 * itself: it is new and on no list yet, or the caller is central_pop().
 */
static inline unsigned int span_pop(struct tcmk_span *span, void **objs,
				    unsigned int n)
{
	const struct tcmk_class_info *ci = &tcmk_classes[span->cls];
	unsigned int got = 0;

	while (got < n && span->freelist) {
		void *obj = span->freelist;

		span->freelist = *(void **)obj;
		objs[got++] = obj;
	}
	while (got < n && span->carved < ci->objects)
		objs[got++] = span->base + (unsigned long)span->carved++ * ci->size;
	span->allocated += got;
	return got;
}

/* span_pop() from a span of @c's class, which may be on its lists. */
static inline unsigned int central_pop(struct tcmk_central *c,
				       struct tcmk_span *span, void **objs,
				       unsigned int n)
{
	lockdep_assert_held(&c->lock);
	return span_pop(span, objs, n);
}

/*
 * Give @obj back to @span, its span, of @c's class. Inline: a flush to the
 * central list runs this once per object.
 */
static inline void central_push(struct tcmk_central *c,
				struct tcmk_span *span, void *obj)
{
	lockdep_assert_held(&c->lock);
	*(void **)obj = span->freelist;
	span->freelist = obj;
	span->allocated--;
}

/*
 * Objects from new spans, for a class whose spans have none free. The spans
 * are the caller's alone until they are listed, so their objects are taken
 * without the class's lock: every listed span has objects out, and goes back
 * to the page heap when the last of them comes back.
 */
static unsigned int central_grow(int nid, unsigned int cls, void **objs,
				 unsigned int n, gfp_t gfp,
				 struct tcmk_span **spans, unsigned int *nr_spans)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	unsigned int want, k, i, got = 0;

	/* A class of few objects a span takes a batch's worth in one trip. */
	want = min_t(unsigned int, DIV_ROUND_UP(n, ci->objects), TCMK_BATCH_MAX);
	k = tcmk_pageheap_alloc_many(nid, ci->pages, gfp, spans, want);
	for (i = 0; i < k; i++) {
		tcmk_span_init_small(spans[i], cls);
		/* Objects that start past the first page need theirs stamped. */
		if (ci->objects > 1)
			tcmk_pageheap_stamp_all(spans[i], spans[i],
						TCMK_PAGEMAP_SPAN);
		got += span_pop(spans[i], objs + got, n - got);
	}
	*nr_spans = k;
	return got;
}

static unsigned int central_remove(int nid, unsigned int cls, void **objs,
				   unsigned int n, gfp_t gfp)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	struct tcmk_central *c = node_central(nid, cls);
	struct tcmk_span *span, *spans[TCMK_BATCH_MAX] __uninitialized;
	unsigned int got = 0, k = 0, fresh, i;
	unsigned long flags;

	raw_spin_lock_irqsave(&c->lock, flags);
	while (got < n &&
	       (span = list_first_entry_or_null(&c->nonempty, struct tcmk_span, list))) {
		got += central_pop(c, span, objs + got, n - got);
		if (span->allocated == ci->objects)
			list_del(&span->list);
	}
	c->free -= got;
	raw_spin_unlock_irqrestore(&c->lock, flags);
	if (got == n)
		return got;
	/* The page heap may sleep for GFP_KERNEL: not under our lock. */
	fresh = central_grow(nid, cls, objs + got, n - got, gfp, spans, &k);
	if (!k)
		return got;
	raw_spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < k; i++)
		if (spans[i]->allocated < ci->objects)
			list_add(&spans[i]->list, &c->nonempty);
	c->spans += k;
	c->free += (unsigned long)k * ci->objects - fresh;
	raw_spin_unlock_irqrestore(&c->lock, flags);
	return got + fresh;
}

static void central_insert_some(int nid, unsigned int cls, void **objs,
				unsigned int n)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	struct tcmk_central *c = node_central(nid, cls);
	struct tcmk_span *span, *empty[TCMK_BATCH_MAX + 1] __uninitialized;
	unsigned int i, k = 0;
	unsigned long flags;
	bool full;

	raw_spin_lock_irqsave(&c->lock, flags);
	for (i = 0; i < n; i++) {
		/*
		 * Objects in caches were checked when they were freed, and
		 * their span cannot go while they are out of it: the page
		 * map's entry names the span, with no need to ask whether the
		 * page is tcmk's.
		 */
		span = (struct tcmk_span *)(READ_ONCE(*tcmk_pagemap_slot(objs[i])) -
					    TCMK_PAGEMAP_SPAN);
		/* A span on another node's lists would corrupt both. */
		VM_WARN_ON_ONCE(tcmk_span_node(span) != nid);
		full = span->allocated == ci->objects;
		central_push(c, span, objs[i]);
		c->free++;
		if (!span->allocated) {
			/* Full (a span of one object) is on no list. */
			if (!full)
				list_del(&span->list);
			empty[k++] = span;
			c->spans--;
			c->free -= ci->objects;
		} else if (full) {
			list_add(&span->list, &c->nonempty);
		}
	}
	raw_spin_unlock_irqrestore(&c->lock, flags);

	if (k)
		tcmk_pageheap_free_many(empty, k);
}

/* A batch at a time: the spans it empties are kept in an array. */
static void central_insert(int nid, unsigned int cls, void **objs,
			   unsigned int n)
{
	unsigned int m;

	for (; n; objs += m, n -= m) {
		m = min(n, TCMK_BATCH_MAX + 1);
		central_insert_some(nid, cls, objs, m);
	}
}

/**
 * tcmk_central_remove() - objects of a node for a CPU's cache.
 * @nid:	the node, one with memory (tcmk_mem_node()).
 * @cls:	size class.
 * @objs:	where to store them.
 * @n:		how many are wanted, at most TCMK_BATCH_MAX.
 * @gfp:	flags for a new span, if one is needed.
 *
 * What the transfer cache has is enough; only when it is empty do the spans
 * serve, and only when they have nothing is a new span made.
 *
 * Context: as @gfp allows. Takes the class's transfer or central lock.
 * Return: how many objects were stored, 0 if memory could not be had.
 */
unsigned int tcmk_central_remove(int nid, unsigned int cls, void **objs,
				 unsigned int n, gfp_t gfp)
{
	struct tcmk_transfer *t = node_transfer(nid, cls);
	unsigned long flags;
	unsigned int k;

	raw_spin_lock_irqsave(&t->lock, flags);
	k = min(n, t->count);
	tcmk_stack_take(&t->slots, &t->count, objs, k);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (k)
		return k;
	return central_remove(nid, cls, objs, n, gfp);
}
TCMK_EXPORT_FOR_TESTS(tcmk_central_remove);

/**
 * tcmk_central_remove_near() - objects for a CPU's cache, from node @nid or,
 * failing that, one object from another node.
 * @nid:	the CPU's node, one with memory.
 * @cls:	size class.
 * @objs:	where to store them.
 * @n:		how many are wanted, at most TCMK_BATCH_MAX.
 * @gfp:	flags for a new span. With __GFP_THISNODE, no other node.
 *
 * When node @nid has no memory to give, the allocation falls back to the
 * other nodes, as the page allocator's does; but only one object comes from
 * there, for the caller alone: a CPU's cache holds its own node's objects.
 *
 * Context: as @gfp allows.
 * Return: how many objects were stored: 1 from another node, 0 if no node
 * had memory.
 */
unsigned int tcmk_central_remove_near(int nid, unsigned int cls, void **objs,
				      unsigned int n, gfp_t gfp)
{
	unsigned int k = tcmk_central_remove(nid, cls, objs, n, gfp);
	int m;

	if (k || nr_node_ids == 1 || (gfp & __GFP_THISNODE))
		return k;
	for_each_node_state(m, N_MEMORY)
		if (m != nid && tcmk_central_remove(m, cls, objs, 1, gfp))
			return 1;
	return 0;
}

/**
 * tcmk_central_insert() - take objects of a node back from a CPU's cache.
 * @nid:	the node they all lie on.
 * @cls:	size class.
 * @objs:	the objects, all of class @cls.
 * @n:		how many.
 *
 * Context: any; never sleeps. Takes the class's transfer and central locks.
 */
void tcmk_central_insert(int nid, unsigned int cls, void **objs,
			 unsigned int n)
{
	struct tcmk_transfer *t = node_transfer(nid, cls);
	unsigned long flags;
	unsigned int k;

	raw_spin_lock_irqsave(&t->lock, flags);
	k = min(n, t->capacity - t->count);
	tcmk_stack_put(&t->slots, &t->count, objs, k);
	raw_spin_unlock_irqrestore(&t->lock, flags);
	if (k < n)
		central_insert(nid, cls, objs + k, n - k);
}
TCMK_EXPORT_FOR_TESTS(tcmk_central_insert);

/**
 * tcmk_central_flush_transfer() - empty every transfer cache into its spans,
 * so that spans whose objects are all free go back to the page heap.
 *
 * Context: any; never sleeps.
 */
void tcmk_central_flush_transfer(void)
{
	tcmk_central_flush_transfer_node(NUMA_NO_NODE);
}
TCMK_EXPORT_FOR_TESTS(tcmk_central_flush_transfer);

/**
 * tcmk_central_flush_transfer_node() - tcmk_central_flush_transfer() for
 * one node.
 * @only:	the node, or NUMA_NO_NODE for every node.
 *
 * Context: any; never sleeps.
 */
void tcmk_central_flush_transfer_node(int only)
{
	void *objs[TCMK_BATCH_MAX];
	unsigned int cls, k;
	unsigned long flags;
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		if (only != NUMA_NO_NODE && nid != only)
			continue;
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			struct tcmk_transfer *t = node_transfer(nid, cls);

			do {
				raw_spin_lock_irqsave(&t->lock, flags);
				k = min_t(unsigned int, t->count, TCMK_BATCH_MAX);
				tcmk_stack_take(&t->slots, &t->count, objs, k);
				raw_spin_unlock_irqrestore(&t->lock, flags);
				central_insert(nid, cls, objs, k);
			} while (k);
		}
	}
}

/* Add what node @nid's layers of class @cls hold to @out. */
static void node_counts(int nid, unsigned int cls,
			struct tcmk_central_counts *out)
{
	struct tcmk_transfer *t = node_transfer(nid, cls);
	struct tcmk_central *c = node_central(nid, cls);
	unsigned long flags;

	raw_spin_lock_irqsave(&t->lock, flags);
	out->transfer += t->count;
	raw_spin_unlock_irqrestore(&t->lock, flags);
	raw_spin_lock_irqsave(&c->lock, flags);
	out->spans += c->spans;
	out->free += c->free;
	raw_spin_unlock_irqrestore(&c->lock, flags);
}

/**
 * tcmk_central_counts() - what a class's transfer caches and spans hold.
 * @cls:	size class.
 * @nid:	a node with memory, or NUMA_NO_NODE for the sums over every node.
 * @out:	the counts.
 *
 * Context: any. Sums are not a snapshot.
 */
void tcmk_central_counts(unsigned int cls, int nid,
			 struct tcmk_central_counts *out)
{
	int n;

	memset(out, 0, sizeof(*out));
	if (nid != NUMA_NO_NODE) {
		if (nid >= 0 && nid < MAX_NUMNODES && tcmk_shared[nid])
			node_counts(nid, cls, out);
		return;
	}
	for_each_node_state(n, N_MEMORY)
		node_counts(n, cls, out);
}
TCMK_EXPORT_FOR_TESTS(tcmk_central_counts);

/* A node's transfer caches and central lists, with their slots. */
static int __init node_shared_init(int nid)
{
	struct tcmk_node_shared *ns;
	unsigned int cls;

	ns = kzalloc_node(sizeof(*ns), GFP_KERNEL, nid);
	if (!ns)
		return -ENOMEM;
	tcmk_shared[nid] = ns;
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		struct tcmk_transfer *t = &ns->transfer[cls];
		struct tcmk_central *c = &ns->central[cls];
		const struct tcmk_class_info *ci = &tcmk_classes[cls];
		unsigned int batches = clamp_t(unsigned int,
					       TCMK_TRANSFER_BYTES / (ci->batch * ci->size),
					       2, TCMK_TRANSFER_BATCHES);

		raw_spin_lock_init(&t->lock);
		raw_spin_lock_init(&c->lock);
		INIT_LIST_HEAD(&c->nonempty);
		/* Until this is set, the cache takes nothing: exit is safe. */
		t->slots = kcalloc_node(batches * ci->batch, sizeof(void *),
					GFP_KERNEL, nid);
		if (!t->slots)
			return -ENOMEM;
		/* Free objects only, and stale ones: see tcmk_cpucache_init(). */
		kmemleak_no_scan(t->slots);
		t->capacity = batches * ci->batch;
	}
	return 0;
}

int __init tcmk_central_init(void)
{
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		if (node_shared_init(nid)) {
			tcmk_central_exit();
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * tcmk_central_exit() - empty the transfer caches at unload.
 *
 * Return: spans still holding objects in use; they and their pages are left
 * to their users.
 */
unsigned long tcmk_central_exit(void)
{
	unsigned long live = 0;
	unsigned int cls;
	int nid;

	/* Every node with memory has its layers, or init is failing. */
	for_each_node_state(nid, N_MEMORY)
		if (!tcmk_shared[nid])
			goto free;
	tcmk_central_flush_transfer();
free:
	for_each_node(nid) {
		struct tcmk_node_shared *ns = tcmk_shared[nid];

		if (!ns)
			continue;
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			kfree(ns->transfer[cls].slots);
			live += ns->central[cls].spans;
		}
		kfree(ns);
		tcmk_shared[nid] = NULL;
	}
	return live;
}
