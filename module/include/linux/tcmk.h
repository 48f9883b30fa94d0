/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk: a TCMalloc-style general-purpose allocator for kernel code.
 *
 * The semantics follow kmalloc()/kfree(): a zero-byte request returns
 * ZERO_SIZE_PTR, freeing NULL or ZERO_SIZE_PTR does nothing, __GFP_ZERO (and
 * the kernel's init_on_alloc setting) zeroes the object, and failure returns
 * NULL having leaked nothing. Unlike kmalloc(), tcmk has no memory of the DMA
 * zones: a request with __GFP_DMA or __GFP_DMA32 fails. Objects are at least 8-byte aligned, 16-byte
 * aligned from 16 bytes on, and a power-of-two size up to PAGE_SIZE is aligned
 * to its size.
 *
 * Memory from tcmk must be given back with tcmk_free(), never kfree(), and
 * the reverse: tcmk refuses (with a warning) pointers it did not hand out.
 *
 * No tcmk call may be made in NMI context: "any context" below means any
 * but NMI. Kernels built with CONFIG_DEBUG_ATOMIC_SLEEP catch such calls and
 * refuse them, changing nothing and logging each (rate-limited): an
 * allocation returns NULL (0 for tcmk_alloc_bulk(), tcmk_release()), a free
 * leaks its object and counts it in bad_free_total, and a collector call
 * counts in gc/bad_calls_total (see each call for what it returns). Other
 * kernels do not check.
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
 *		__GFP_DMA and __GFP_DMA32 (GFP_DMA, GFP_DMA32) are refused:
 *		the call fails, with a rate-limited warning naming the caller
 *		(for DMA memory, use kmalloc()).
 *
 * Context: any context but NMI with a GFP mask that fits it: GFP_KERNEL may
 * sleep and reclaim; GFP_ATOMIC and GFP_NOWAIT never sleep and may be used
 * in hardirq and softirq context and under spinlocks. In hardirq context tcmk
 * does not call the page or slab allocator (their locks are not allowed
 * there): it serves from the memory it holds, and fails when that is not
 * enough.
 * Return: the object, ZERO_SIZE_PTR for @size 0, or NULL if memory could not
 * be had, @size exceeds TCMK_MAX_ALLOC_SIZE, @flags ask for a DMA zone or
 * the call was refused in NMI.
 */
void *tcmk_alloc(size_t size, gfp_t flags);

/**
 * tcmk_alloc_node() - allocate memory on a NUMA node.
 * @size:	as for tcmk_alloc().
 * @flags:	as for tcmk_alloc(). With __GFP_THISNODE the object lies on
 *		@node or the call fails; without, a node that has no memory
 *		to give is served by another, as the page allocator falls
 *		back.
 * @node:	the node, or NUMA_NO_NODE for the calling CPU's (as
 *		tcmk_alloc(), which always serves the CPU's node). A node
 *		without memory is served by the nearest node with memory,
 *		unless @flags has __GFP_THISNODE.
 *
 * An object of the calling CPU's node comes from its cache, as from
 * tcmk_alloc(); one of another node from that node's shared caches, at the
 * cost of a lock, and is not sampled for heap profiles. Objects above
 * 2 MiB take no node.
 *
 * Context: as tcmk_alloc().
 * Return: as tcmk_alloc(); NULL too if @node is not a possible node.
 */
void *tcmk_alloc_node(size_t size, gfp_t flags, int node);

/**
 * tcmk_free() - free memory from tcmk_alloc() or tcmk_alloc_bulk().
 * @ptr:	the object; NULL and ZERO_SIZE_PTR are ignored.
 *
 * A pointer tcmk did not hand out, or one inside an object rather than at its
 * start, is refused with a warning and nothing is changed; so is an object
 * that was the last one freed on this CPU (freed twice in a row). Other
 * double frees are not caught.
 *
 * Context: any context but NMI; never sleeps. Refused in NMI: the object
 * is leaked and counted in bad_free_total.
 */
void tcmk_free(const void *ptr);

/**
 * tcmk_usable_size() - bytes usable in an object.
 * @ptr:	an object from tcmk_alloc(), or NULL/ZERO_SIZE_PTR.
 *
 * Context: any context but NMI; never sleeps.
 * Return: the object's size class (or page-rounded size for large objects),
 * which is at least the size requested; 0 for NULL, ZERO_SIZE_PTR or a
 * pointer tcmk did not hand out.
 */
size_t tcmk_usable_size(const void *ptr);

/**
 * tcmk_owns() - whether tcmk handed out the memory at an address.
 * @ptr:	any value: NULL, ZERO_SIZE_PTR, an object of the slab or page
 *		allocator, vmalloc memory, a stack or module address.
 *
 * One lock-free read of tcmk's page map, which tells whose an object is
 * before it is freed: what the shim (<linux/tcmk_shim.h>) sends to
 * tcmk_free() or to kfree(). True for an address anywhere in an object of
 * tcmk_alloc(), of a named cache or of the collector, but for objects
 * above the largest size class (32 KiB) only in their first page, where
 * they start.
 *
 * Context: any context; never sleeps. The answer for an object stays true
 * while the caller holds the object.
 * Return: true if @ptr lies in memory tcmk handed out and has not taken
 * back; false otherwise.
 */
bool tcmk_owns(const void *ptr);

/**
 * tcmk_alloc_bulk() - allocate several objects of one size.
 * @size:	bytes per object, 1 to TCMK_MAX_ALLOC_SIZE.
 * @flags:	GFP flags, as for tcmk_alloc(): the DMA zones are refused.
 * @nr:		number of objects, 1 to INT_MAX.
 * @ptrs:	array of @nr slots for the objects.
 *
 * All or nothing: on failure every object already taken is given back.
 *
 * Context: as tcmk_alloc().
 * Return: @nr on success; 0 on failure, if @size or @nr is out of range,
 * or if the call was refused in NMI.
 */
int tcmk_alloc_bulk(size_t size, gfp_t flags, size_t nr, void **ptrs);

/**
 * tcmk_alloc_bulk_node() - tcmk_alloc_bulk() on a NUMA node.
 * @size:	as for tcmk_alloc_bulk().
 * @flags:	as for tcmk_alloc_node().
 * @node:	as for tcmk_alloc_node().
 * @nr:		as for tcmk_alloc_bulk().
 * @ptrs:	as for tcmk_alloc_bulk().
 *
 * The objects of another node than the calling CPU's are taken one at a
 * time, as tcmk_alloc_node() takes them.
 *
 * Context: as tcmk_alloc().
 * Return: as tcmk_alloc_bulk(); 0 too if @node is not a possible node.
 */
int tcmk_alloc_bulk_node(size_t size, gfp_t flags, int node, size_t nr,
			 void **ptrs);

/**
 * tcmk_free_bulk() - free several objects.
 * @nr:		number of objects.
 * @ptrs:	the objects; each is freed as by tcmk_free().
 *
 * Context: as tcmk_free().
 */
void tcmk_free_bulk(size_t nr, void **ptrs);

/**
 * tcmk_drain() - flush every CPU's cache into the shared caches.
 *
 * Each CPU's free objects of named caches with spans of their own go back
 * to those spans too (tcmk_cache_shrink() gives a cache's empty spans back).
 *
 * Context: process context; may sleep (waits for every online CPU). Not
 * under cpus_read_lock().
 */
void tcmk_drain(void);

/**
 * tcmk_release() - give free memory back to the page allocator.
 *
 * Flushes the transfer caches, returns empty spans to the page heap and frees
 * every wholly free chunk of the page heap. Objects cached per CPU are not
 * touched: call tcmk_drain() first to give those back too.
 *
 * Context: any context but NMI; never sleeps. Refused in NMI: returns 0.
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
 * relations between them hold exactly only when tcmk is idle. They are
 * those of the harness's struct tcmk_ioc_stats, in its order;
 * module/stats_list.h lists them.
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
 * Context: any but NMI; never sleeps. Cost grows with the number of CPUs and
 * classes: not for fast paths.
 */
void tcmk_get_stats(struct tcmk_stats *st);

/*
 * The kmalloc family on tcmk: what kernel code that calls kmalloc_array(),
 * kcalloc(), krealloc(), kstrdup(), kmemdup(), kvmalloc() and kfree_rcu()
 * calls instead. Each has its kmalloc twin's contract, with tcmk's
 * differences (above): the DMA zones are refused, and memory goes back with
 * tcmk_free() (tcmk_kvfree() for tcmk_kvmalloc()), never kfree().
 */

/**
 * tcmk_kmalloc_array() - allocate an array.
 * @n:		number of elements.
 * @size:	bytes per element.
 * @flags:	GFP flags, as for tcmk_alloc().
 *
 * Context: as tcmk_alloc().
 * Return: as tcmk_alloc() for @n * @size bytes; NULL if that product
 * overflows a size_t.
 */
void *tcmk_kmalloc_array(size_t n, size_t size, gfp_t flags);

/**
 * tcmk_kcalloc() - allocate a zeroed array.
 * @n:		number of elements.
 * @size:	bytes per element.
 * @flags:	GFP flags, as for tcmk_alloc(); __GFP_ZERO is added.
 *
 * Context: as tcmk_alloc().
 * Return: as tcmk_kmalloc_array(), the array zeroed.
 */
void *tcmk_kcalloc(size_t n, size_t size, gfp_t flags);

/**
 * tcmk_krealloc() - resize an object, keeping its contents.
 * @p:		an object of tcmk's (not a collected one), or NULL or
 *		ZERO_SIZE_PTR, with which the call is tcmk_alloc().
 * @new_size:	bytes wanted; 0 frees @p and gives ZERO_SIZE_PTR.
 * @flags:	GFP flags, as for tcmk_alloc().
 *
 * While @new_size fits in tcmk_usable_size(@p), @p stays where it is (a
 * shrink gives nothing back). Otherwise a new object takes the contents and
 * @p is freed. With __GFP_ZERO (or init_on_alloc) the bytes from @new_size
 * to the end of an object kept in place are zeroed, and a new object is
 * zeroed past the old contents: bytes that grow into view read zero as long
 * as every call for the object, its allocation included, zeroed (as for
 * krealloc()). A pointer tcmk did not hand out, or one inside an object, is
 * refused as tcmk_free() refuses it: warned of, counted in bad_free_total,
 * left alone, and NULL returned.
 *
 * Context: as tcmk_alloc().
 * Return: the object, ZERO_SIZE_PTR for @new_size 0, or NULL on failure,
 * which leaves @p as it was.
 */
void *tcmk_krealloc(const void *p, size_t new_size, gfp_t flags);

/**
 * tcmk_kstrdup() - copy a string into a new object.
 * @s:		the string, or NULL.
 * @flags:	GFP flags, as for tcmk_alloc().
 *
 * Context: as tcmk_alloc().
 * Return: the copy, NUL-terminated; NULL if @s is NULL or on failure.
 */
char *tcmk_kstrdup(const char *s, gfp_t flags);

/**
 * tcmk_kmemdup() - copy memory into a new object.
 * @src:	the bytes to copy.
 * @len:	how many; 0 gives ZERO_SIZE_PTR and reads nothing.
 * @flags:	GFP flags, as for tcmk_alloc().
 *
 * Context: as tcmk_alloc().
 * Return: the copy, ZERO_SIZE_PTR for @len 0, or NULL on failure.
 */
void *tcmk_kmemdup(const void *src, size_t len, gfp_t flags);

/**
 * tcmk_kvmalloc() - allocate from tcmk, or from vmalloc if tcmk cannot.
 * @size:	bytes wanted; 0 gives ZERO_SIZE_PTR.
 * @flags:	GFP flags, as for tcmk_alloc(). Above a page, tcmk is asked
 *		with __GFP_NORETRY and __GFP_NOWARN (unless @flags have
 *		__GFP_RETRY_MAYFAIL), as kvmalloc() asks kmalloc().
 *
 * Up to PAGE_SIZE the call is tcmk_alloc(). Above, when tcmk fails (or
 * @size exceeds TCMK_MAX_ALLOC_SIZE) and @flags may sleep, the memory comes
 * from vmalloc; flags that may not sleep get no vmalloc fallback, as on
 * every kernel before 6.17. The DMA zones are refused, fallback or not.
 *
 * Context: as tcmk_alloc(); the vmalloc fallback only where @flags may
 * sleep.
 * Return: the memory, ZERO_SIZE_PTR for @size 0, or NULL; free it with
 * tcmk_kvfree().
 */
void *tcmk_kvmalloc(size_t size, gfp_t flags);

/**
 * tcmk_kvfree() - free memory from tcmk_kvmalloc(), or any tcmk object.
 * @addr:	the memory; NULL and ZERO_SIZE_PTR are ignored.
 *
 * vmalloc memory goes to vfree(), anything else to tcmk_free().
 *
 * Context: as kvfree(): task context, or an interrupt but NMI.
 */
void tcmk_kvfree(const void *addr);

/**
 * __tcmk_free_rcu() - the call behind tcmk_free_rcu().
 * @ptr:	the object, or NULL or ZERO_SIZE_PTR, which are ignored.
 * @head:	an rcu_head inside the object.
 *
 * Context: as tcmk_free_rcu().
 */
void __tcmk_free_rcu(const void *ptr, struct rcu_head *head);

/**
 * tcmk_free_rcu() - free an object once the readers that may see it are gone.
 * @ptr:	an object of tcmk's, or NULL or ZERO_SIZE_PTR (ignored).
 * @rhf:	the name of a struct rcu_head field in *@ptr.
 *
 * As kfree_rcu(): the object is freed with tcmk_free() after a grace period
 * has elapsed, so that RCU readers that found it before the call may go on
 * using it. Frees are gathered per CPU and a whole batch waits for one grace
 * period; the rcu_head is the room tcmk links the object through when it
 * has no room left in its arrays, so the call never allocates and never
 * fails. tcmk_free_rcu_barrier() waits for the frees asked before it.
 *
 * Context: any context but NMI; never sleeps.
 */
#define tcmk_free_rcu(ptr, rhf)						\
do {									\
	typeof(ptr) ___tcmk_p = (ptr);					\
									\
	if (___tcmk_p)							\
		__tcmk_free_rcu(___tcmk_p, &___tcmk_p->rhf);		\
} while (0)

/**
 * tcmk_free_rcu_mightsleep() - tcmk_free_rcu() for an object with no rcu_head.
 * @ptr:	an object of tcmk's, or NULL or ZERO_SIZE_PTR (ignored).
 *
 * As kvfree_rcu_mightsleep(): when tcmk cannot get room to queue the object,
 * it waits for a grace period (synchronize_rcu()) and frees it before
 * returning.
 *
 * Context: process context; may sleep. Not under rcu_read_lock().
 */
void tcmk_free_rcu_mightsleep(const void *ptr);

/**
 * tcmk_free_rcu_barrier() - wait for the RCU frees asked so far.
 *
 * Every object passed to tcmk_free_rcu() or tcmk_free_rcu_mightsleep()
 * before the call is freed when it returns (as kvfree_rcu_barrier() does
 * for kfree_rcu()), and the arrays tcmk keeps for them are given back.
 *
 * Context: process context; may sleep.
 */
void tcmk_free_rcu_barrier(void);

/*
 * Named caches: kmem_cache's twin. A cache hands out objects of one size
 * and alignment. A cache without a constructor or SLAB_TYPESAFE_BY_RCU,
 * whose alignment a size class already gives, shares that class's objects
 * with tcmk_alloc() and with other caches, as SLUB merges caches; any other
 * cache has spans of its own, so that an object comes back as it was
 * freed. Documentation/tcmk.rst ("Named caches") says how.
 */
struct tcmk_cache;

/**
 * tcmk_cache_create() - make a named cache of objects.
 * @name:	the cache's name, copied; unique among live caches, at most
 *		TCMK_CACHE_NAME_MAX bytes, no '/'.
 * @size:	object size in bytes, 1 to TCMK_MAX_ALLOC_SIZE; at most 32 KiB
 *		for a cache with a constructor or SLAB_TYPESAFE_BY_RCU, or
 *		whose alignment no size class gives.
 * @align:	the alignment objects need: 0, or a power of two up to
 *		PAGE_SIZE. Objects are always at least 8-byte aligned.
 * @flags:	0 or any of SLAB_HWCACHE_ALIGN (align to the cache line, or
 *		to half of it and less for small objects, as SLUB does),
 *		SLAB_TYPESAFE_BY_RCU (as for kmem_cache_create(): the memory
 *		of a freed object is not given to anything but an object of
 *		this cache until a grace period has passed) and SLAB_PANIC
 *		(panic rather than return NULL). Other flags are refused.
 * @ctor:	NULL, or a constructor run once on each object when the memory
 *		it lies in is taken from the page heap, never again: an object
 *		is handed out as it was last freed.
 *
 * Context: process context, not under cpus_read_lock(); may sleep.
 * Return: the cache, or NULL if an argument is refused (logged), the name
 * is in use, TCMK_CACHE_MAX caches with spans of their own exist, or
 * memory could not be had.
 */
struct tcmk_cache *tcmk_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *));

/**
 * tcmk_cache_destroy() - destroy a cache.
 * @cache:	the cache, or NULL (ignored).
 *
 * Every object of the cache should have been freed. Objects still in use
 * are reported (pr_err() with the cache's name and their number) and keep
 * their memory; the cache then stays, under no name, so that those objects
 * may still be freed with tcmk_cache_free() or tcmk_free(). Waits for the
 * grace period of a SLAB_TYPESAFE_BY_RCU cache's memory (rcu_barrier()).
 *
 * Context: process context, not under cpus_read_lock(); may sleep. No
 * other call may use @cache once this is called.
 */
void tcmk_cache_destroy(struct tcmk_cache *cache);

/**
 * tcmk_cache_alloc() - allocate an object of a cache.
 * @cache:	the cache.
 * @flags:	GFP flags, as for tcmk_alloc(). __GFP_ZERO is refused for a
 *		cache with a constructor (the call fails, with a warning).
 *
 * An object of a cache with a constructor, or SLAB_TYPESAFE_BY_RCU, is
 * zeroed only for __GFP_ZERO, never for init_on_alloc, as SLUB's.
 *
 * Context: as tcmk_alloc().
 * Return: the object, or NULL.
 */
void *tcmk_cache_alloc(struct tcmk_cache *cache, gfp_t flags);

/**
 * tcmk_cache_free() - free an object of a cache.
 * @cache:	the cache the object came from.
 * @obj:	the object, or NULL (ignored).
 *
 * An object that is not one of @cache's is refused with a warning and
 * counted in bad_free_total. tcmk_free() also frees a cache's object; the
 * figures of a cache that shares a size class then do not see the free.
 *
 * Context: any context but NMI; never sleeps.
 */
void tcmk_cache_free(struct tcmk_cache *cache, void *obj);

/**
 * tcmk_cache_alloc_bulk() - allocate several objects of a cache.
 * @cache:	the cache.
 * @flags:	as for tcmk_cache_alloc().
 * @nr:		objects wanted, 1 to INT_MAX.
 * @ptrs:	where they go.
 *
 * Context: as tcmk_cache_alloc().
 * Return: @nr, or 0 if not all could be had: then none is allocated.
 */
int tcmk_cache_alloc_bulk(struct tcmk_cache *cache, gfp_t flags, size_t nr,
			  void **ptrs);

/**
 * tcmk_cache_free_bulk() - free several objects of a cache.
 * @cache:	the cache.
 * @nr:		objects in @ptrs.
 * @ptrs:	the objects, as for tcmk_cache_free().
 *
 * Context: as tcmk_cache_free().
 */
void tcmk_cache_free_bulk(struct tcmk_cache *cache, size_t nr, void **ptrs);

/**
 * tcmk_cache_shrink() - give back what a cache holds and does not use.
 * @cache:	the cache.
 *
 * As kmem_cache_shrink(): the free objects the CPUs keep of a cache with
 * spans of its own go back to their spans, and spans with no object in use
 * go back to the page heap (after a grace period for SLAB_TYPESAFE_BY_RCU).
 * A cache that shares a size class holds nothing of its own: tcmk_drain()
 * and tcmk_release() serve it.
 *
 * Context: process context, or under rcu_read_lock(); interrupts enabled.
 * Never sleeps.
 */
void tcmk_cache_shrink(struct tcmk_cache *cache);

/* The longest name of a cache, and how many caches may have spans of their own. */
#define TCMK_CACHE_NAME_MAX	64
#define TCMK_CACHE_MAX		255

/*
 * The collector: opt-in garbage collection of kernel objects.
 *
 * Objects from tcmk_gc_alloc() are freed by tcmk when nothing reaches them;
 * nothing else tcmk hands out is ever collected, and tcmk_free() refuses a
 * collected object. An object is reachable when a chain of pointers leads to
 * it from a root:
 *   - a registered root slot (tcmk_gc_root_add()), a pointer variable outside
 *     the collected heap, such as a static or a field of a kmalloc()ed
 *     structure;
 *   - a pinned object (tcmk_gc_pin(); pins nest, an object stays a root until
 *     it is unpinned as often as it was pinned).
 * Kernel stacks and registers are not scanned: a collected pointer held only
 * in a local variable must be pinned. A new object comes back pinned once,
 * so the usual sequence is
 *
 *	obj = tcmk_gc_alloc(sizeof(*obj), &my_type, GFP_KERNEL);
 *	tcmk_gc_write((void **)&parent->child, obj);	(publish it)
 *	tcmk_gc_unpin(obj);				(then drop the pin)
 *
 * Pointers inside a collected object are found through its type: precisely
 * at the type's pointer offsets, or, without a type or offsets,
 * conservatively: every aligned word that points anywhere inside a live
 * collected object (interior pointers included) keeps that object alive.
 *
 * Every store of a collected pointer into a collected object or a root slot
 * goes through tcmk_gc_write(). Collections mark concurrently with the rest
 * of the kernel; while one marks, tcmk_gc_write() shades both the pointer it
 * overwrites and the one it stores (a hybrid write barrier), so the
 * collector never misses an object moved from a part of the graph it has
 * not scanned to one it has. Plain loads are allowed.
 *
 * Read sections. A pointer loaded from a collected object (or a root slot)
 * inside a read section, tcmk_gc_read_lock() ... tcmk_gc_read_unlock(),
 * stays valid until the section ends, even if the object becomes
 * unreachable meanwhile: the collector frees nothing that was unreachable
 * when a section began before the section ends, as RCU frees nothing a
 * reader may hold. Sections may sleep and nest. Inside one it is safe to
 *   - follow pointers from object to object and read the objects;
 *   - store a loaded pointer with tcmk_gc_write(), or pin it: the object
 *     then stays alive past the section, as any reachable or pinned object.
 * It is not safe to keep a loaded pointer past the section without pinning
 * or storing it, or to use a pointer loaded outside any section and not
 * pinned (another CPU may cut the last path to it at any time).
 */

/**
 * struct tcmk_gc_type - the layout of a kind of collected object.
 * @name:	for reports.
 * @size:	bytes of the fixed part; tcmk_gc_alloc() asks at least this.
 * @ptr_offsets: byte offsets of the pointer fields, each pointer-aligned and
 *		within @size; NULL (or @nr_ptrs 0 with a NULL array) scans
 *		every word of the object conservatively.
 * @nr_ptrs:	entries in @ptr_offsets; 0 with a non-NULL @ptr_offsets
 *		means the object holds no pointers and is never scanned.
 * @finalize:	optional; called once for each object of the type the
 *		collector finds unreachable, before its memory is reused.
 *
 * A finalizer runs from a workqueue, in process context, with no tcmk lock
 * held; it may sleep and may use tcmk, the collector included. The object
 * and everything it points to are intact while it runs (they are kept for
 * it, and freed by a later cycle); weak references to the object are
 * already cleared. Finalizers of objects that point to each other run in no
 * particular order. A finalizer must not make its object reachable again
 * (store it in a root or a live object, or pin it): that is a bug, which
 * the next cycle to begin with no finalizer pending logs and counts in
 * gc/bad_calls_total. An object kept only for another's finalizer has not
 * come back: cyclic finalizable objects report nothing.
 *
 * A type must outlive every object allocated with it, and a finalizer every
 * object it may be called for: a module whose objects may still be pending
 * finalization must not be unloaded.
 */
struct tcmk_gc_type {
	const char *name;
	size_t size;
	const u16 *ptr_offsets;
	unsigned int nr_ptrs;
	void (*finalize)(void *obj);
};

/**
 * tcmk_gc_alloc() - allocate a collected object.
 * @size:	bytes, 1 to TCMK_MAX_ALLOC_SIZE, at least @type->size.
 * @type:	its layout; NULL scans it conservatively.
 * @flags:	GFP flags; the object is zeroed whatever they say. The DMA
 *		zones are refused, as by tcmk_alloc().
 *
 * The object comes back pinned once: publish it (tcmk_gc_write()) or root
 * it, then tcmk_gc_unpin() it.
 *
 * Context: as @flags allows, but not NMI; never waits for a collection.
 * Return: the zeroed object, or NULL if memory could not be had or @size,
 * @type or @flags is invalid or the call was made in NMI (logged).
 */
void *tcmk_gc_alloc(size_t size, const struct tcmk_gc_type *type, gfp_t flags);

/**
 * tcmk_gc_alloc_node() - allocate a collected object on a NUMA node.
 * @size:	as for tcmk_gc_alloc().
 * @type:	as for tcmk_gc_alloc().
 * @flags:	as for tcmk_gc_alloc(). With __GFP_THISNODE the object lies
 *		on @node or the call fails; without, a node that has no
 *		memory to give is served by another, as the page allocator
 *		falls back.
 * @node:	the node, or NUMA_NO_NODE for the calling CPU's (as
 *		tcmk_gc_alloc(), which always serves the CPU's node). A node
 *		without memory is served by the nearest node with memory,
 *		unless @flags has __GFP_THISNODE.
 *
 * Objects are placed as tcmk_alloc_node() places them: one of the calling
 * CPU's node comes from its stash, as from tcmk_gc_alloc(); one of another
 * node from that node's spans, at the cost of a lock. Objects above 2 MiB
 * take no node. The object comes back pinned once, as from tcmk_gc_alloc(),
 * and a collection frees it as any other.
 *
 * Context: as tcmk_gc_alloc().
 * Return: as tcmk_gc_alloc(); NULL too if @node is not a possible node.
 */
void *tcmk_gc_alloc_node(size_t size, const struct tcmk_gc_type *type,
			 gfp_t flags, int node);

/**
 * tcmk_gc_pin() - make a collected object a root until it is unpinned.
 * @obj:	a pointer to (or into) a live collected object.
 *
 * Context: any but NMI; never sleeps. Refused in NMI: nothing is pinned.
 */
void tcmk_gc_pin(const void *obj);

/**
 * tcmk_gc_unpin() - drop one pin.
 * @obj:	a pointer to (or into) a pinned collected object.
 *
 * Unpinning an object that is not pinned is logged and changes nothing.
 *
 * Context: any but NMI; never sleeps. Refused in NMI: the pin stays.
 */
void tcmk_gc_unpin(const void *obj);

/**
 * tcmk_gc_root_add() - register a root slot.
 * @slot:	a pointer variable outside the collected heap; whatever it
 *		holds at each collection is reachable. Stores into it go
 *		through tcmk_gc_write().
 *
 * Context: process context; may sleep.
 * Return: 0, -EEXIST if @slot is already a root, -EINVAL if @slot lies in
 * the collected heap, -ENOMEM.
 */
int tcmk_gc_root_add(void **slot);

/**
 * tcmk_gc_root_del() - unregister a root slot.
 * @slot:	a slot given to tcmk_gc_root_add(); anything else is logged.
 *
 * Context: process context; may sleep.
 */
void tcmk_gc_root_del(void **slot);

/**
 * tcmk_gc_write() - store a pointer where the collector looks for pointers.
 * @slot:	a pointer field of a collected object, or a root slot.
 * @val:	the value to store: a collected object, NULL, or anything else
 *		(which the collector ignores).
 *
 * Context: any but NMI; never sleeps. Refused in NMI: nothing is stored.
 */
void tcmk_gc_write(void **slot, void *val);

/**
 * tcmk_gc_read_lock() - begin a read section.
 *
 * Pointers loaded from collected objects until the matching
 * tcmk_gc_read_unlock() stay valid until then (see above).
 *
 * Context: any but NMI; the section may sleep if its context may.
 * Refused in NMI: no section begins, and the cookie, 0, protects nothing.
 * Return: a cookie for tcmk_gc_read_unlock().
 */
int tcmk_gc_read_lock(void);

/**
 * tcmk_gc_read_unlock() - end a read section.
 * @idx:	what the matching tcmk_gc_read_lock() returned.
 *
 * Context: any but NMI; refused there.
 */
void tcmk_gc_read_unlock(int idx);

/**
 * tcmk_gc_collect() - run a full collection and wait for it.
 *
 * Does nothing while the collector is disabled (sysfs gc/enabled). Cycles
 * also start by themselves, from a background worker, when the collected
 * heap reaches the pacer's goal (sysfs gc/percent, gc/limit_bytes).
 *
 * Context: process context; sleeps.
 */
void tcmk_gc_collect(void);

/**
 * tcmk_gc_set_percent() - set the pacer's percent, as sysfs gc/percent does.
 * @percent:	-1 (no paced cycles) to 100000; a cycle starts by itself
 *		when the collected heap reaches what the last cycle marked
 *		times (1 + @percent / 100), and at least 4 MiB, and has grown
 *		past what the last cycle marked: cycles follow allocation
 *		(with 0 too, as under Go's GOGC=0), and an idle heap is left
 *		alone.
 *
 * Context: any but NMI; never sleeps.
 * Return: the previous percent, or -EINVAL (and nothing changed) if
 * @percent is out of range or the call was made in NMI.
 */
int tcmk_gc_set_percent(int percent);

struct notifier_block;

/* The event of the collector's notifier chain: a cycle has swept. */
#define TCMK_GC_CYCLE_DONE	1

/**
 * tcmk_gc_register_notifier() - be told when each collection ends.
 * @nb:		its notifier_call gets TCMK_GC_CYCLE_DONE and NULL after
 *		every cycle has swept, whoever started it (tcmk_gc_collect(),
 *		sysfs gc/collect or the pacer): what the cycle freed is gone,
 *		and weak references to it read NULL.
 *
 * The call comes from the thread that ran the cycle, in process context
 * with no tcmk lock held: it may sleep and use the collector, but must not
 * call tcmk_gc_collect(), which would run a cycle that calls it again.
 *
 * Context: process context; may sleep.
 * Return: 0.
 */
int tcmk_gc_register_notifier(struct notifier_block *nb);

/**
 * tcmk_gc_unregister_notifier() - stop being told.
 * @nb:		as given to tcmk_gc_register_notifier().
 *
 * Waits for a call in progress to return, so it must not be called from
 * @nb's own notifier_call.
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOENT if @nb was not registered.
 */
int tcmk_gc_unregister_notifier(struct notifier_block *nb);

struct tcmk_gc_weak;

/**
 * tcmk_gc_weak_new() - a weak reference: it does not keep @obj alive, and
 * tells whether @obj is still alive.
 * @obj:	a live collected object (pinned or reachable).
 * @flags:	GFP flags for the reference itself.
 *
 * Context: as @flags allows, but not NMI.
 * Return: the reference, or NULL if memory could not be had, @obj is not a
 * collected object or the call was made in NMI.
 */
struct tcmk_gc_weak *tcmk_gc_weak_new(const void *obj, gfp_t flags);

/**
 * tcmk_gc_weak_get() - the object a weak reference names, if it is alive.
 * @ref:	the reference.
 *
 * Context: any but NMI; never sleeps.
 * Return: the object, pinned once (unpin it when done), or NULL once the
 * collector has found it unreachable, or if the call was made in NMI.
 */
void *tcmk_gc_weak_get(struct tcmk_gc_weak *ref);

/**
 * tcmk_gc_weak_free() - free a weak reference; NULL is ignored.
 * @ref:	the reference.
 *
 * Context: any but NMI; never sleeps. Refused in NMI: @ref stays.
 */
void tcmk_gc_weak_free(struct tcmk_gc_weak *ref);

/* Pause lengths counted apart: <10 us, <100 us, <1 ms, >=1 ms. */
#define TCMK_GC_PAUSE_BUCKETS	4

/**
 * struct tcmk_gc_stats - the collector's state and counters.
 * @enabled:	1 if collections run.
 * @cycles:	collections completed since load.
 * @heap_bytes:	bytes of collected objects allocated and not yet swept,
 *		at their size class.
 * @heap_objects: such objects.
 * @marked_bytes_last: bytes found reachable by the last collection.
 * @freed_objects_total: objects swept since load.
 * @freed_bytes_total: their bytes.
 * @roots:	registered root slots.
 * @pinned:	objects with at least one pin.
 * @weak_refs:	weak references in existence.
 * @overflows_total: objects the grey list had no room for, since load; each
 *		was marked and its span rescanned.
 * @last_cycle_ns: duration of the last collection.
 * @last_mark_ns: of its marking.
 * @last_sweep_ns: of its sweeping.
 * @pause_max_ns: longest pause: a collection pauses twice, to turn marking
 *		on and to end it, and mutators that shade an object or read
 *		a weak reference meanwhile wait; nothing else stops.
 * @pause_total_ns: sum of the pauses.
 * @bad_calls_total: calls refused as misuse (unpinning an object that is not
 *		pinned, a pointer that is not a live collected object, an
 *		invalid type, a finalizer that made its object reachable
 *		again), each also logged.
 * @finalizers_run_total: finalizers run since load.
 * @heap_goal:	the pacer's goal: a cycle starts in the background when
 *		@heap_bytes reaches it (ULONG_MAX: never); always above
 *		@marked_bytes_last, so that only allocation starts a cycle.
 * @cycles_paced: of @cycles, those the pacer started.
 * @assist_bytes_total: bytes of objects scanned by allocating mutators
 *		helping a collection that fell behind the pacer, since load.
 * @mark_workers: threads marking now: the collector's worker and mutators
 *		assisting it.
 * @section_max_ns: longest stretch of a collection with a spinlock held or
 *		interrupts off, pauses included: what a mutator that shades,
 *		reads a weak reference or allocates may spin for, and an
 *		interrupt may wait for.
 * @last_section_max_ns: the longest of the last collection.
 * @pauses:	pauses by length: under 10 us, under 100 us, under 1 ms,
 *		1 ms or more.
 *
 * The fields up to @mark_workers are those of the harness's struct
 * tcmk_ioc_gc_stats, in its order; module/stats_list.h lists them.
 */
struct tcmk_gc_stats {
	u64 enabled;
	u64 cycles;
	u64 heap_bytes;
	u64 heap_objects;
	u64 marked_bytes_last;
	u64 freed_objects_total;
	u64 freed_bytes_total;
	u64 roots;
	u64 pinned;
	u64 weak_refs;
	u64 overflows_total;
	u64 last_cycle_ns;
	u64 last_mark_ns;
	u64 last_sweep_ns;
	u64 pause_max_ns;
	u64 pause_total_ns;
	u64 bad_calls_total;
	u64 finalizers_run_total;
	u64 heap_goal;
	u64 cycles_paced;
	u64 assist_bytes_total;
	u64 mark_workers;
	u64 section_max_ns;
	u64 last_section_max_ns;
	u64 pauses[TCMK_GC_PAUSE_BUCKETS];
};

/**
 * tcmk_gc_get_stats() - read the collector's counters.
 * @st:		where to put them.
 *
 * Context: any but NMI; never sleeps.
 */
void tcmk_gc_get_stats(struct tcmk_gc_stats *st);

#endif /* _LINUX_TCMK_H */
