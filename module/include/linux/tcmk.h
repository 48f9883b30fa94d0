/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk: a TCMalloc-style general-purpose allocator for kernel code.
 *
 * The semantics follow kmalloc()/kfree(): a zero-byte request returns
 * ZERO_SIZE_PTR, freeing NULL or ZERO_SIZE_PTR does nothing, __GFP_ZERO (and
 * the kernel's init_on_alloc setting) zeroes the object, and failure returns
 * NULL having leaked nothing. Objects are at least 8-byte aligned, 16-byte
 * aligned from 16 bytes on, and a power-of-two size up to PAGE_SIZE is aligned
 * to its size.
 *
 * Memory from tcmk must be given back with tcmk_free(), never kfree(), and
 * the reverse: tcmk refuses (with a warning) pointers it did not hand out.
 */
#ifndef _LINUX_TCMK_H
#define _LINUX_TCMK_H

#include <linux/gfp.h>
#include <linux/types.h>

/* Largest request tcmk serves: the page heap gives larger ones whole pages. */
#define TCMK_MAX_ALLOC_SIZE	(4UL << 20)

/**
 * tcmk_alloc() - allocate memory.
 * @size:	bytes wanted; 0 gives ZERO_SIZE_PTR.
 * @flags:	GFP flags, as for kmalloc(). __GFP_ZERO zeroes the object.
 *
 * Context: any context with a GFP mask that fits it: GFP_KERNEL may sleep
 * and reclaim; GFP_ATOMIC and GFP_NOWAIT never sleep and may be used in
 * hardirq and softirq context and under spinlocks.
 * Return: the object, ZERO_SIZE_PTR for @size 0, or NULL if memory could not
 * be had or @size exceeds TCMK_MAX_ALLOC_SIZE.
 */
void *tcmk_alloc(size_t size, gfp_t flags);

/**
 * tcmk_free() - free memory from tcmk_alloc() or tcmk_alloc_bulk().
 * @ptr:	the object; NULL and ZERO_SIZE_PTR are ignored.
 *
 * A pointer tcmk did not hand out, or one inside an object rather than at its
 * start, is refused with a warning and nothing is changed.
 *
 * Context: any context; never sleeps.
 */
void tcmk_free(const void *ptr);

/**
 * tcmk_usable_size() - bytes usable in an object.
 * @ptr:	an object from tcmk_alloc(), or NULL/ZERO_SIZE_PTR.
 *
 * Context: any context; never sleeps.
 * Return: the object's size class (or page-rounded size for large objects),
 * which is at least the size requested; 0 for NULL, ZERO_SIZE_PTR or a
 * pointer tcmk did not hand out.
 */
size_t tcmk_usable_size(const void *ptr);

/**
 * tcmk_alloc_bulk() - allocate several objects of one size.
 * @size:	bytes per object, 1 to TCMK_MAX_ALLOC_SIZE.
 * @flags:	GFP flags, as for tcmk_alloc().
 * @nr:		number of objects, 1 to INT_MAX.
 * @ptrs:	array of @nr slots for the objects.
 *
 * All or nothing: on failure every object already taken is given back.
 *
 * Context: as tcmk_alloc().
 * Return: @nr on success; 0 on failure, or if @size or @nr is out of range.
 */
int tcmk_alloc_bulk(size_t size, gfp_t flags, size_t nr, void **ptrs);

/**
 * tcmk_free_bulk() - free several objects.
 * @nr:		number of objects.
 * @ptrs:	the objects; each is freed as by tcmk_free().
 *
 * Context: any context; never sleeps.
 */
void tcmk_free_bulk(size_t nr, void **ptrs);

/**
 * tcmk_drain() - flush every CPU's cache into the shared caches.
 *
 * Context: process context; may sleep (waits for every online CPU).
 */
void tcmk_drain(void);

/**
 * tcmk_release() - give free memory back to the page allocator.
 *
 * Flushes the transfer caches, returns empty spans to the page heap and frees
 * every wholly free chunk of the page heap. Objects cached per CPU are not
 * touched: call tcmk_drain() first to give those back too.
 *
 * Context: any context; never sleeps.
 * Return: the number of bytes given back.
 */
unsigned long tcmk_release(void);

/**
 * struct tcmk_stats - tcmk's global counters, summed over CPUs and layers.
 * @bytes_in_use:	bytes of objects handed out and not freed (each counted
 *			at its usable size).
 * @bytes_cached_cpu:	bytes of free objects in the per-CPU caches.
 * @bytes_cached_transfer: bytes of free objects in the transfer caches.
 * @bytes_cached_central: bytes of free objects in the central lists' spans.
 * @bytes_free_page_heap: bytes of free pages in the page heap.
 * @bytes_held:		bytes of pages taken from the buddy allocator.
 * @bytes_released_total: bytes given back to the buddy allocator since load.
 * @alloc_total:	objects allocated since load.
 * @free_total:		objects freed since load.
 * @alloc_fastpath:	allocations served by a CPU's cache alone.
 * @alloc_slowpath:	allocations that refilled a cache, and large ones.
 * @free_fastpath:	frees kept by a CPU's cache alone.
 * @free_slowpath:	frees that flushed a cache, and large ones.
 * @large_alloc_total:	objects above the largest size class allocated.
 * @large_free_total:	such objects freed.
 * @bad_free_total:	pointers tcmk_free() refused.
 *
 * The counters are read one after another while other CPUs work, so the
 * relations between them hold exactly only when tcmk is idle.
 */
struct tcmk_stats {
	u64 bytes_in_use;
	u64 bytes_cached_cpu;
	u64 bytes_cached_transfer;
	u64 bytes_cached_central;
	u64 bytes_free_page_heap;
	u64 bytes_held;
	u64 bytes_released_total;
	u64 alloc_total;
	u64 free_total;
	u64 alloc_fastpath;
	u64 alloc_slowpath;
	u64 free_fastpath;
	u64 free_slowpath;
	u64 large_alloc_total;
	u64 large_free_total;
	u64 bad_free_total;
};

/**
 * tcmk_get_stats() - read tcmk's global counters.
 * @st:		where to put them.
 *
 * Context: any; never sleeps. Cost grows with the number of CPUs and
 * classes: not for fast paths.
 */
void tcmk_get_stats(struct tcmk_stats *st);

#endif /* _LINUX_TCMK_H */
