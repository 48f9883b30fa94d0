// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk large objects: requests above the largest size class (32 KiB) get a
 * span of whole pages of their own from the page heap, which takes them from
 * its chunks, or, above the chunk size, straight from alloc_pages_exact().
 */
#include <linux/atomic.h>
#include <linux/mempolicy.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tcmk.h>

#include "hooks.h"
#include "tcmk.h"

/* Slow-path counters: a large object costs a page-heap trip anyway. */
static atomic_long_t large_allocs = ATOMIC_LONG_INIT(0);
static atomic_long_t large_frees = ATOMIC_LONG_INIT(0);
static atomic_long_t large_bytes = ATOMIC_LONG_INIT(0);

/* The node with memory in @pol's nodes nearest to @from; NUMA_NO_NODE if none. */
static int nearest_in(const struct mempolicy *pol, int from)
{
	int nid, best = NUMA_NO_NODE;

	for_each_node_mask(nid, pol->nodes) {
		if (!node_state(nid, N_MEMORY))
			continue;
		if (best == NUMA_NO_NODE ||
		    node_distance(from, nid) < node_distance(from, best))
			best = nid;
	}
	return best;
}

/*
 * The node the calling task's memory policy gives a large object, or
 * NUMA_NO_NODE for the CPU's own. kmalloc() passes its large objects to the
 * page allocator, which places them by the policy: so does tcmk. This is
 * the kernel's mempolicy_slab_node(), which modules cannot call, with the
 * policy's home node for bind and preferred-many as alloc_pages() takes it.
 * Weighted interleave goes round the nodes one object each: the weights
 * are the kernel's own. Reading current->mempolicy unlocked is what the
 * page allocator does: only the task itself replaces it.
 */
static int policy_node(void)
{
	const struct mempolicy *pol;
	int from, nid;

	if (nr_node_ids == 1 || !in_task())
		return NUMA_NO_NODE;
	pol = current->mempolicy;
	if (!pol)
		return NUMA_NO_NODE;
	switch (pol->mode) {
	case MPOL_PREFERRED:
		nid = first_node(pol->nodes);
		break;
	case MPOL_INTERLEAVE:
	case TCMK_MPOL_WEIGHTED_INTERLEAVE:
		/* As interleave_nodes(): the task's rotor moves on. */
		nid = next_node_in(current->il_prev, pol->nodes);
		if (nid < MAX_NUMNODES)
			current->il_prev = nid;
		break;
	case MPOL_BIND:
	case MPOL_PREFERRED_MANY:
		from = pol->home_node != NUMA_NO_NODE ? pol->home_node :
						       numa_node_id();
		nid = node_isset(from, pol->nodes) && node_state(from, N_MEMORY) ?
		      from : nearest_in(pol, from);
		break;
	default:
		return NUMA_NO_NODE;
	}
	if (nid < 0 || nid >= MAX_NUMNODES)
		return NUMA_NO_NODE;
	return tcmk_mem_node(nid);
}

/**
 * tcmk_large_alloc() - an object of more than TCMK_MAX_SMALL_SIZE bytes.
 * @size:	bytes; 0 gives ZERO_SIZE_PTR, above TCMK_MAX_ALLOC_SIZE NULL.
 * @gfp:	allocation flags; TCMK_GFP_REFUSED ones give NULL, and so
 *		may fail_alloc (fail.c).
 * @caller:	the caller of tcmk's API, for the warning of a refusal.
 *
 * Context: as @gfp allows.
 * Return: a page-aligned object, ZERO_SIZE_PTR or NULL.
 */
void *tcmk_large_alloc(size_t size, gfp_t gfp, unsigned long caller)
{
	return tcmk_large_alloc_node(size, gfp, NUMA_NO_NODE, caller);
}

/**
 * tcmk_large_alloc_node() - tcmk_large_alloc() on a node.
 * @size:	as for tcmk_large_alloc().
 * @gfp:	as for tcmk_large_alloc(); with __GFP_THISNODE, @nid or nothing.
 * @nid:	a node with memory, or NUMA_NO_NODE: the node the calling
 *		task's memory policy gives, or the caller's.
 * @caller:	as for tcmk_large_alloc().
 *
 * Objects above a chunk come from alloc_pages_exact(), which takes no node:
 * the caller's memory policy places them.
 *
 * Context: as @gfp allows.
 * Return: as tcmk_large_alloc().
 */
void *tcmk_large_alloc_node(size_t size, gfp_t gfp, int nid,
			    unsigned long caller)
{
	struct tcmk_span *span;
	unsigned int npages;

	if (!tcmk_alloc_allowed(size, gfp, "tcmk_alloc", caller))
		return NULL;
	if (!size)
		return ZERO_SIZE_PTR;
	if (size > TCMK_MAX_ALLOC_SIZE)
		return NULL;
	npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
	/* As the page allocator, which reads no policy for __GFP_THISNODE. */
	if (nid == NUMA_NO_NODE && !(gfp & __GFP_THISNODE))
		nid = policy_node();
	span = nid == NUMA_NO_NODE ? NULL : tcmk_pageheap_alloc_node(nid, npages, gfp);
	if (!span && (nid == NUMA_NO_NODE || !(gfp & __GFP_THISNODE)))
		span = tcmk_pageheap_alloc(npages, gfp);
	if (!span)
		return NULL;
	span->state = TCMK_SPAN_LARGE;
	atomic_long_inc(&large_allocs);
	atomic_long_add((long)npages << PAGE_SHIFT, &large_bytes);
	/* Pages fresh from the page allocator were zeroed there already. */
	if (tcmk_want_zero(gfp) && !span->zeroed)
		memset(span->base, 0, (size_t)npages << PAGE_SHIFT);
	return span->base;
}

/**
 * tcmk_large_free() - free a large object.
 * @span:	its span.
 * @caller:	the caller of tcmk's API, for the trace (0: none).
 *
 * Context: any; never sleeps.
 */
void tcmk_large_free(struct tcmk_span *span, unsigned long caller)
{
	if (caller)
		tcmk_hook_free(caller, span->base);
	if (span->sample)
		tcmk_sample_forget(span);
	atomic_long_inc(&large_frees);
	atomic_long_sub((long)span->npages << PAGE_SHIFT, &large_bytes);
	tcmk_pageheap_free(span);
}

/**
 * tcmk_large_counts() - large objects allocated and freed since load, and
 * bytes in those live now.
 * @allocs:	allocations.
 * @frees:	frees.
 * @bytes:	bytes of live large objects (page-rounded).
 */
void tcmk_large_counts(unsigned long *allocs, unsigned long *frees,
		       unsigned long *bytes)
{
	*allocs = atomic_long_read(&large_allocs);
	*frees = atomic_long_read(&large_frees);
	*bytes = atomic_long_read(&large_bytes);
}
TCMK_EXPORT_FOR_TESTS(tcmk_large_counts);
