// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk named caches: kmem_cache's twin (tcmk_cache_create() and the rest).
 *
 * A cache is one of two kinds, chosen when it is made:
 *
 * - Merged: no constructor, no SLAB_TYPESAFE_BY_RCU, and an alignment that
 *   the size class of its (aligned) size gives already: power-of-two
 *   classes up to a page are aligned to their size, every class to its
 *   lowest set bit. Such a cache is a handle over tcmk_alloc() and
 *   tcmk_free() of that size, as SLUB merges caches of one geometry; it
 *   counts its allocations and frees per CPU with this_cpu_inc(), and
 *   holds nothing else.
 *
 * - Private: any other. The size classes cannot serve it: the central list
 *   links free objects through their first word, debug mode poisons them
 *   and init_on_alloc zeroes them, and another cache or tcmk_alloc() would
 *   get its memory, all of which break kmem_cache's promise that an object
 *   comes back as it was freed and is constructed once. Its spans are its
 *   own (TCMK_SPAN_CACHE, taken from the page heap), the constructor runs
 *   on every object of a span when the span is made, and a free object's
 *   link lies past the object (at @link_off) when the object's contents
 *   must survive, as SLUB puts its free pointer outside the object for
 *   constructor and RCU caches. Each CPU keeps a short stack of free objects
 *   per cache (struct tcmk_cache_cpu) with interrupts disabled; a miss moves
 *   a batch from or to the cache's spans under the cache's lock. A span
 *   whose objects have all come back stays for the next refill if it is the
 *   cache's only such span, and otherwise goes back to the page heap; for
 *   a SLAB_TYPESAFE_BY_RCU cache only after a grace period (call_rcu()),
 *   so that a reader that found an object under rcu_read_lock() reads
 *   memory of the same cache, while objects freed inside the cache are
 *   handed out again at once, as that flag promises.
 *
 *   A private span's record has no room for its cache: its @cls is an index
 *   into tcmk_cache_ids, and so at most TCMK_CACHE_MAX private caches exist
 *   at once. Its @end is 0, so tcmk_free()'s fast path refuses its objects
 *   without a test of its own, and its out-of-line path sends them here:
 *   tcmk_free() frees a cache's object as kfree() frees a kmem_cache's.
 *
 * A second set of size classes (a class index per private cache beyond
 * TCMK_NR_CLASSES) would have reused the per-CPU stacks, transfer caches
 * and central lists, but every table of those layers, the per-CPU stacks'
 * layout that tcmk_free() indexes by span->slot, the statistics, sysfs's
 * classes/ and debug mode would have grown a runtime part, on the fast
 * paths' data. A layer of its own leaves tcmk_alloc() and tcmk_free() as
 * they were.
 *
 * Destroying a cache with objects in use reports them and keeps their
 * memory and the cache's record (leaked, under no name): a later free of
 * those objects, through the cache or tcmk_free(), still finds it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/cpu.h>
#include <linux/kernfs.h>
#include <linux/kmemleak.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/tcmk.h>

#include "hooks.h"
#include "tcmk.h"

/* Flags tcmk_cache_create() takes; any other is refused. */
#define TCMK_CACHE_FLAGS	(SLAB_HWCACHE_ALIGN | SLAB_TYPESAFE_BY_RCU | SLAB_PANIC)

/*
 * tcmk_caches_mutex: guards tcmk_caches, the names, and tcmk_cache_ids'
 * slots as they are taken and given back. Taken in process context by
 * tcmk_cache_create() and tcmk_cache_destroy() and the readers of the list
 * (sysfs); nothing but a cache's lock is taken under it.
 */
static DEFINE_MUTEX(tcmk_caches_mutex);
static LIST_HEAD(tcmk_caches);

/*
 * Private caches by id. A slot is written under tcmk_caches_mutex, inside
 * cpus_read_lock(), and read without a lock on the free path, through a
 * span of the cache: the cache outlives its spans, so the slot holds it for
 * as long as one exists. The CPU hotplug callback reads every slot with
 * the hotplug lock held for writing (tcmk_caches_cpu_dead()), so no slot
 * changes and no cache goes while it runs.
 */
static struct tcmk_cache *tcmk_cache_ids[TCMK_CACHE_MAX];

/*
 * The alignment a cache's objects get: @align, a cache line for
 * SLAB_HWCACHE_ALIGN (halved while the object fits in half, as SLUB's
 * calculate_alignment() does), and at least a word.
 */
static unsigned int cache_align(unsigned int size, unsigned int align,
				slab_flags_t flags)
{
	unsigned int line;

	if (flags & SLAB_HWCACHE_ALIGN) {
		line = cache_line_size();
		while (size <= line / 2)
			line /= 2;
		align = max(align, line);
	}
	return max_t(unsigned int, align, sizeof(void *));
}

/* The alignment every object of a size class has: its size's lowest bit. */
static unsigned int class_align(unsigned int cls)
{
	unsigned int size = tcmk_class(cls)->size;

	return min_t(unsigned int, size & -size, PAGE_SIZE);
}

/*
 * Whether @cache, described but not yet set up, can share a size class:
 * then @stride is what it asks of tcmk_alloc().
 */
static bool cache_merge(struct tcmk_cache *cache)
{
	unsigned int want = ALIGN(cache->size, cache->align);

	if (cache->ctor || (cache->flags & SLAB_TYPESAFE_BY_RCU))
		return false;
	/* Large objects are whole pages. */
	if (want > TCMK_MAX_SMALL_SIZE || class_align(tcmk_size_class(want)) >= cache->align) {
		cache->stride = want;
		return true;
	}
	return false;
}

/*
 * A private cache's geometry: the object, its link past it if its contents
 * must survive a free, and the smallest span whose tail after the last
 * object is at most an eighth of it (Go's rule, as for the size classes).
 */
static int cache_geometry(struct tcmk_cache *cache)
{
	unsigned int bytes, pages;

	if (cache->ctor || (cache->flags & SLAB_TYPESAFE_BY_RCU)) {
		cache->link_off = ALIGN(cache->size, sizeof(void *));
		bytes = cache->link_off + sizeof(void *);
	} else {
		cache->link_off = 0;
		bytes = cache->size;
	}
	cache->stride = ALIGN(bytes, cache->align);
	if (cache->stride > TCMK_MAX_SMALL_SIZE)
		return -EINVAL;
	for (pages = 1; ; pages++) {
		unsigned long span = (unsigned long)pages << PAGE_SHIFT;

		if (span >= cache->stride && (span % cache->stride) * 8 <= span)
			break;
	}
	cache->pages = pages;
	cache->objects = ((unsigned long)pages << PAGE_SHIFT) / cache->stride;
	/* A span holds at most a page of 8-byte objects: u16 counts. */
	cache->objects = min_t(unsigned int, cache->objects, TCMK_SPAN_MAX_OBJECTS);
	/* About 16 KiB of objects per CPU, at least two. */
	cache->cpu_max = clamp_t(unsigned int, SZ_16K / cache->stride, 2,
				 TCMK_CACHE_CPU_OBJS);
	cache->batch = cache->cpu_max / 2;
	cache->div_check = div_u64(U64_MAX, cache->stride) + 1;
	return 0;
}

static bool name_ok(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strnlen(name, TCMK_CACHE_NAME_MAX + 1);
	return len && len <= TCMK_CACHE_NAME_MAX && !strchr(name, '/');
}

static struct tcmk_cache *find_name(const char *name)
{
	struct tcmk_cache *cache;

	lockdep_assert_held(&tcmk_caches_mutex);
	list_for_each_entry(cache, &tcmk_caches, list)
		if (cache->name && !strcmp(cache->name, name))
			return cache;
	return NULL;
}

/* A free id for a private cache, or -ENOSPC. */
static int take_id(struct tcmk_cache *cache)
{
	unsigned int id;

	lockdep_assert_held(&tcmk_caches_mutex);
	for (id = 0; id < TCMK_CACHE_MAX; id++) {
		if (!tcmk_cache_ids[id]) {
			WRITE_ONCE(tcmk_cache_ids[id], cache);
			cache->id = id;
			return 0;
		}
	}
	return -ENOSPC;
}

static void cache_free_record(struct tcmk_cache *cache)
{
	free_percpu(cache->cpu);
	kfree_const(cache->name);
	kfree(cache);
}

static void cache_kobj_release(struct kobject *kobj)
{
	cache_free_record(container_of(kobj, struct tcmk_cache, kobj));
}

static const struct kobj_type cache_ktype;

/*
 * caches/<name>/, and for a merged cache its link to the size class whose
 * objects it hands out. Under tcmk_caches_mutex, so that a name is in the
 * list and in sysfs together, and gone from both together.
 */
static int cache_sysfs_add(struct tcmk_cache *cache)
{
	int err;

	lockdep_assert_held(&tcmk_caches_mutex);
	err = kobject_add(&cache->kobj, tcmk_sysfs_caches_dir(), "%s", cache->name);
	if (err || !cache->merged || cache->stride > TCMK_MAX_SMALL_SIZE)
		return err;
	err = sysfs_create_link(&cache->kobj,
				tcmk_sysfs_class_dir(tcmk_size_class(cache->stride)),
				"class");
	if (err)
		kobject_del(&cache->kobj);
	return err;
}

static struct tcmk_cache *cache_create(const char *name, unsigned int size,
				       unsigned int align, slab_flags_t flags,
				       void (*ctor)(void *))
{
	struct tcmk_cache *cache;
	const char *why;
	size_t cpu_size;
	int err;

	might_sleep();
	why = "bad name";
	if (!name_ok(name))
		goto refuse;
	why = "bad size";
	if (!size || size > TCMK_MAX_ALLOC_SIZE)
		goto refuse;
	why = "bad alignment";
	if (align && (!is_power_of_2(align) || align > PAGE_SIZE))
		goto refuse;
	why = "unknown flags";
	if (flags & ~TCMK_CACHE_FLAGS)
		goto refuse;

	cache = kzalloc_obj(*cache, GFP_KERNEL);
	if (!cache)
		return NULL;
	cache->size = size;
	cache->flags = flags;
	cache->ctor = ctor;
	cache->align = cache_align(size, align, flags);
	raw_spin_lock_init(&cache->lock);
	INIT_LIST_HEAD(&cache->partial);
	atomic_long_set(&cache->rcu_spans, 0);
	cache->merged = cache_merge(cache);
	if (!cache->merged && cache_geometry(cache)) {
		kfree(cache);
		why = "too large for its constructor, RCU or alignment";
		goto refuse;
	}
	/* A merged cache counts; only a private one keeps objects. */
	cpu_size = cache->merged ? offsetof(struct tcmk_cache_cpu, count) :
				   sizeof(struct tcmk_cache_cpu);
	cache->cpu = __alloc_percpu(cpu_size, __alignof__(struct tcmk_cache_cpu));
	cache->name = kstrdup_const(name, GFP_KERNEL);
	if (!cache->cpu || !cache->name) {
		cache_free_record(cache);
		return NULL;
	}
	/* From here the kobject owns the record: kobject_put() frees it. */
	kobject_init(&cache->kobj, &cache_ktype);

	cpus_read_lock();
	mutex_lock(&tcmk_caches_mutex);
	err = find_name(name) ? -EEXIST : 0;
	if (!err && !cache->merged)
		err = take_id(cache);
	if (!err) {
		err = cache_sysfs_add(cache);
		if (err && !cache->merged)
			WRITE_ONCE(tcmk_cache_ids[cache->id], NULL);
	}
	if (!err)
		list_add_tail(&cache->list, &tcmk_caches);
	mutex_unlock(&tcmk_caches_mutex);
	cpus_read_unlock();
	if (err) {
		pr_warn("cache %s not made: %s (%d)\n", name,
			err == -EEXIST ? "the name is in use" :
			err == -ENOSPC ? "too many caches" : "no sysfs directory", err);
		kobject_put(&cache->kobj);
		return NULL;
	}
	return cache;

refuse:
	pr_warn("cache %s refused: %s (size %u, align %u, flags %#lx)\n",
		name ?: "(null)", why, size, align, (__force unsigned long)flags);
	return NULL;
}

struct tcmk_cache *tcmk_cache_create(const char *name, unsigned int size,
				     unsigned int align, slab_flags_t flags,
				     void (*ctor)(void *))
{
	struct tcmk_cache *cache = cache_create(name, size, align, flags, ctor);

	if (!cache && (flags & SLAB_PANIC))
		panic("tcmk: cannot make cache %s\n", name ?: "(null)");
	return cache;
}
EXPORT_SYMBOL_GPL(tcmk_cache_create);

/* Whether @obj, in @span of @cache, starts an object: see tcmk_span_obj_start(). */
static bool cache_obj_start(const struct tcmk_cache *cache,
			    const struct tcmk_span *span, const void *obj)
{
	unsigned long offset = obj - span->base;

	return offset < (unsigned long)cache->objects * cache->stride &&
	       (u64)offset * cache->div_check < cache->div_check;
}

static void **obj_link(const struct tcmk_cache *cache, void *obj)
{
	return obj + cache->link_off;
}

/*
 * A new span for @cache, every object constructed: the span is the
 * caller's alone until it is listed. Fault injection's fail_page fails it
 * as it fails any span (pageheap.c).
 */
static struct tcmk_span *span_new(struct tcmk_cache *cache, gfp_t gfp)
{
	struct tcmk_span *span;
	unsigned int i;

	span = tcmk_pageheap_alloc(cache->pages, gfp & ~__GFP_ZERO);
	if (!span)
		return NULL;
	span->state = TCMK_SPAN_CACHE;
	span->cls = cache->id;
	span->div_check = cache->div_check;
	/* 0: tcmk_free()'s fast path refuses it, its slow path sends it here. */
	span->end = 0;
	span->allocated = 0;
	span->carved = 0;
	span->freelist = NULL;
	if (cache->objects > 1)
		tcmk_pageheap_stamp_all(span, span, TCMK_PAGEMAP_SPAN);
	if (cache->ctor)
		for (i = 0; i < cache->objects; i++)
			cache->ctor(span->base + (unsigned long)i * cache->stride);
	return span;
}

/* Take up to @n free objects of @span into @objs. Cache lock held. */
static unsigned int span_take(struct tcmk_cache *cache, struct tcmk_span *span,
			      void **objs, unsigned int n)
{
	unsigned int got = 0;

	lockdep_assert_held(&cache->lock);
	if (!span->allocated && cache->empty)
		cache->empty--;
	while (got < n && span->freelist) {
		void *obj = span->freelist;

		span->freelist = *obj_link(cache, obj);
		objs[got++] = obj;
	}
	while (got < n && span->carved < cache->objects)
		objs[got++] = span->base + (unsigned long)span->carved++ * cache->stride;
	span->allocated += got;
	if (span->allocated == cache->objects)
		list_del(&span->list);
	cache->free -= got;
	return got;
}

/*
 * A span with no object out goes back to the page heap: after a grace
 * period for an RCU cache, whose readers may still be reading its objects.
 */
static void span_rcu_free(struct rcu_head *head)
{
	struct tcmk_span *span = container_of(head, struct tcmk_span, rcu);

	atomic_long_dec(&tcmk_cache_ids[span->cls]->rcu_spans);
	tcmk_pageheap_free(span);
}

static void span_release(struct tcmk_cache *cache, struct tcmk_span *span)
{
	if (cache->flags & SLAB_TYPESAFE_BY_RCU) {
		atomic_long_inc(&cache->rcu_spans);
		call_rcu(&span->rcu, span_rcu_free);
	} else {
		tcmk_pageheap_free(span);
	}
}

/*
 * Up to @n objects from @cache's spans into @objs, from new spans if need
 * be: how many (0 if no span could be had).
 */
static unsigned int cache_take(struct tcmk_cache *cache, void **objs,
			       unsigned int n, gfp_t gfp)
{
	struct tcmk_span *span;
	unsigned long flags;
	unsigned int got = 0;

	raw_spin_lock_irqsave(&cache->lock, flags);
	while (got < n &&
	       (span = list_first_entry_or_null(&cache->partial, struct tcmk_span, list)))
		got += span_take(cache, span, objs + got, n - got);
	raw_spin_unlock_irqrestore(&cache->lock, flags);
	if (got)
		return got;
	/* The page heap and the constructor may sleep: not under the lock. */
	span = span_new(cache, gfp);
	if (!span)
		return 0;
	raw_spin_lock_irqsave(&cache->lock, flags);
	cache->spans++;
	cache->free += cache->objects;
	/* Empty until span_take(), which counts it out again. */
	cache->empty++;
	list_add(&span->list, &cache->partial);
	got = span_take(cache, span, objs, n);
	raw_spin_unlock_irqrestore(&cache->lock, flags);
	return got;
}

/*
 * Give @n objects back to their spans. A span left with none out is kept
 * if it is the cache's only such span, else it goes back to the page heap.
 */
static void cache_put(struct tcmk_cache *cache, void **objs, unsigned int n)
{
	struct tcmk_span *span, *gone[TCMK_CACHE_CPU_OBJS];
	unsigned int i, k = 0;
	unsigned long flags;

	raw_spin_lock_irqsave(&cache->lock, flags);
	for (i = 0; i < n; i++) {
		span = tcmk_span_of(objs[i]);
		*obj_link(cache, objs[i]) = span->freelist;
		span->freelist = objs[i];
		if (span->allocated-- == cache->objects)
			list_add(&span->list, &cache->partial);
		cache->free++;
		if (span->allocated)
			continue;
		if (!cache->empty && !cache->dead) {
			cache->empty++;
			list_move_tail(&span->list, &cache->partial);
			continue;
		}
		list_del(&span->list);
		cache->spans--;
		cache->free -= cache->objects;
		gone[k++] = span;
	}
	raw_spin_unlock_irqrestore(&cache->lock, flags);
	for (i = 0; i < k; i++)
		span_release(cache, gone[i]);
}

/* Whether a new object of @cache is zeroed: SLUB's slab_want_init_on_alloc(). */
static bool cache_want_zero(const struct tcmk_cache *cache, gfp_t gfp)
{
	if (cache->ctor)
		return false;
	if (cache->flags & SLAB_TYPESAFE_BY_RCU)
		return gfp & __GFP_ZERO;
	return tcmk_want_zero(gfp);
}

/* A private cache's miss: a batch from the spans, the rest to the CPU. */
static noinline void *cache_refill(struct tcmk_cache *cache, gfp_t gfp)
{
	void *objs[TCMK_CACHE_CPU_OBJS];
	struct tcmk_cache_cpu *pc;
	unsigned int n, k;
	unsigned long flags;
	void *obj;

	might_alloc(gfp);
	n = cache_take(cache, objs, cache->batch, gfp);
	if (!n)
		return NULL;
	obj = objs[--n];
	local_irq_save(flags);
	pc = this_cpu_ptr(cache->cpu);
	k = min(n, cache->cpu_max - pc->count);
	memcpy(pc->objs + pc->count, objs + n - k, k * sizeof(void *));
	pc->count += k;
	pc->allocs++;
	local_irq_restore(flags);
	if (n > k)
		cache_put(cache, objs, n - k);
	return obj;
}

/* An object of private @cache for @caller, the caller of tcmk's API. */
static void *cache_alloc_private(struct tcmk_cache *cache, gfp_t gfp,
				 unsigned long caller)
{
	struct tcmk_cache_cpu *pc;
	unsigned long flags;
	void *obj = NULL;

	if (!tcmk_alloc_allowed(cache->size, gfp, "tcmk_cache_alloc", caller))
		return NULL;
	if (unlikely(cache->ctor && (gfp & __GFP_ZERO))) {
		pr_warn_ratelimited("cache %s: __GFP_ZERO would wipe what its constructor made\n",
				    cache->name);
		return NULL;
	}
	local_irq_save(flags);
	pc = this_cpu_ptr(cache->cpu);
	if (likely(pc->count)) {
		obj = pc->objs[--pc->count];
		pc->allocs++;
	}
	local_irq_restore(flags);
	if (!obj)
		obj = cache_refill(cache, gfp);
	if (!obj)
		return NULL;
	if (cache_want_zero(cache, gfp))
		memset(obj, 0, cache->size);
	/* As tcmk_hook_alloc(), which cache_free_hooks() pairs with. */
	trace_alloc(caller, obj, cache->size, cache->stride, gfp);
	if (tcmk_kmemleak_may_alloc())
		kmemleak_alloc(obj, cache->size, 1, gfp);
	return obj;
}

void *tcmk_cache_alloc(struct tcmk_cache *cache, gfp_t flags)
{
	void *obj;

	if (!cache->merged)
		return cache_alloc_private(cache, flags, _RET_IP_);
	obj = tcmk_alloc_caller(cache->stride, flags, _RET_IP_);
	if (obj)
		this_cpu_inc(cache->cpu->allocs);
	return obj;
}
EXPORT_SYMBOL_GPL(tcmk_cache_alloc);

static void cache_bad_free(struct tcmk_cache *cache, const void *obj,
			   const char *why)
{
	atomic_long_inc(&tcmk_bad_frees);
	pr_warn_ratelimited("cache %s: refusing to free %p: %s\n",
			    cache->name ?: "(destroyed)", obj, why);
}

/*
 * The trace event and kmemleak told of a free, before the object can be
 * handed out again: see tcmk_hook_free(). Traced for @caller unless 0.
 */
static void cache_free_hooks(void *obj, unsigned long caller)
{
	if (caller)
		trace_free(caller, obj);
	kmemleak_free(obj);
}

/* Free @obj, a checked object of private @cache. */
static void cache_free_private(struct tcmk_cache *cache, void *obj,
			       unsigned long caller)
{
	struct tcmk_cache_cpu *pc;
	void *objs[TCMK_CACHE_CPU_OBJS];
	unsigned long flags;
	unsigned int k;

	if (tcmk_in_nmi()) {
		cache_bad_free(cache, obj, "called in NMI context; the object is leaked");
		return;
	}
	/* A destroyed cache's CPUs keep nothing: straight to the span. */
	if (unlikely(READ_ONCE(cache->dead))) {
		cache_free_hooks(obj, caller);
		cache_put(cache, &obj, 1);
		return;
	}
	local_irq_save(flags);
	pc = this_cpu_ptr(cache->cpu);
	/* The last object freed on this CPU, freed again: see stack_push(). */
	if (unlikely(pc->count && pc->objs[pc->count - 1] == obj)) {
		local_irq_restore(flags);
		cache_bad_free(cache, obj, "already the last object freed");
		return;
	}
	cache_free_hooks(obj, caller);
	pc->frees++;
	if (likely(pc->count < cache->cpu_max)) {
		pc->objs[pc->count++] = obj;
		local_irq_restore(flags);
		return;
	}
	/* Full: the oldest batch goes back to the spans, the object stays. */
	k = cache->batch;
	memcpy(objs, pc->objs, k * sizeof(void *));
	memmove(pc->objs, pc->objs + k, (pc->count - k) * sizeof(void *));
	pc->count -= k;
	pc->objs[pc->count++] = obj;
	local_irq_restore(flags);
	cache_put(cache, objs, k);
}

/*
 * The cache of @obj if it is the start of an object of a private cache's
 * span, else NULL.
 */
static struct tcmk_cache *private_owner(const void *obj)
{
	struct tcmk_span *span = tcmk_span_of(obj);
	struct tcmk_cache *cache;

	if (!span || span->state != TCMK_SPAN_CACHE)
		return NULL;
	cache = READ_ONCE(tcmk_cache_ids[span->cls]);
	return cache && cache_obj_start(cache, span, obj) ? cache : NULL;
}

void tcmk_cache_free(struct tcmk_cache *cache, void *obj)
{
	if (unlikely(ZERO_OR_NULL_PTR(obj)))
		return;
	if (cache->merged) {
		this_cpu_inc(cache->cpu->frees);
		tcmk_free(obj);
		return;
	}
	if (unlikely(private_owner(obj) != cache)) {
		cache_bad_free(cache, obj, "not an object of this cache");
		return;
	}
	cache_free_private(cache, obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(tcmk_cache_free);

/**
 * tcmk_cache_free_span() - tcmk_free() of a private cache's object.
 * @span:	the span of @obj, of state TCMK_SPAN_CACHE.
 * @obj:	the address freed.
 * @caller:	tcmk_free()'s caller, or 0.
 *
 * Context: any but NMI.
 */
void tcmk_cache_free_span(struct tcmk_span *span, void *obj,
			  unsigned long caller)
{
	struct tcmk_cache *cache = READ_ONCE(tcmk_cache_ids[span->cls]);

	if (!cache || !cache_obj_start(cache, span, obj)) {
		atomic_long_inc(&tcmk_bad_frees);
		pr_warn_ratelimited("refusing to free %p: not the start of an object\n",
				    obj);
		return;
	}
	cache_free_private(cache, obj, caller);
}

/**
 * tcmk_cache_span_size() - the usable size of a private cache's object.
 * @span:	a span of state TCMK_SPAN_CACHE.
 *
 * Return: the cache's object size.
 */
size_t tcmk_cache_span_size(const struct tcmk_span *span)
{
	const struct tcmk_cache *cache = READ_ONCE(tcmk_cache_ids[span->cls]);

	return cache ? cache->size : 0;
}

int tcmk_cache_alloc_bulk(struct tcmk_cache *cache, gfp_t flags, size_t nr,
			  void **ptrs)
{
	size_t i;

	if (!nr || nr > INT_MAX)
		return 0;
	if (cache->merged) {
		if (!tcmk_alloc_bulk_caller(cache->stride, flags, nr, ptrs, _RET_IP_))
			return 0;
		this_cpu_add(cache->cpu->allocs, nr);
		return nr;
	}
	for (i = 0; i < nr; i++) {
		ptrs[i] = cache_alloc_private(cache, flags, _RET_IP_);
		if (!ptrs[i]) {
			tcmk_cache_free_bulk(cache, i, ptrs);
			return 0;
		}
	}
	return nr;
}
EXPORT_SYMBOL_GPL(tcmk_cache_alloc_bulk);

void tcmk_cache_free_bulk(struct tcmk_cache *cache, size_t nr, void **ptrs)
{
	size_t i;

	for (i = 0; i < nr; i++)
		tcmk_cache_free(cache, ptrs[i]);
}
EXPORT_SYMBOL_GPL(tcmk_cache_free_bulk);

/* On each CPU, interrupts off (an IPI): its free objects back to the spans. */
static void cache_flush_cpu(void *arg)
{
	struct tcmk_cache *cache = arg;
	struct tcmk_cache_cpu *pc = this_cpu_ptr(cache->cpu);

	cache_put(cache, pc->objs, pc->count);
	pc->count = 0;
}

/**
 * tcmk_caches_cpu_dead() - a dead CPU's free objects of every private
 * cache back to their spans, as its objects of the size classes go back to
 * the shared layers.
 * @cpu:	the CPU, offline.
 *
 * Context: tcmk's CPU hotplug callback, on another CPU, with the hotplug
 * lock held for writing: see tcmk_cache_ids.
 */
void tcmk_caches_cpu_dead(unsigned int cpu)
{
	struct tcmk_cache_cpu *pc;
	struct tcmk_cache *cache;
	unsigned int id;

	tcmk_lockdep_assert_cpus_held();
	for (id = 0; id < TCMK_CACHE_MAX; id++) {
		cache = tcmk_cache_ids[id];
		if (!cache)
			continue;
		pc = per_cpu_ptr(cache->cpu, cpu);
		cache_put(cache, pc->objs, pc->count);
		pc->count = 0;
	}
}

/**
 * tcmk_caches_drain() - tcmk_drain() of the private caches: every online
 * CPU's free objects of each back to the cache's spans.
 *
 * Their spans stay with their caches; tcmk_cache_shrink() gives a cache's
 * empty spans back.
 *
 * Context: process context, inside cpus_read_lock(), as tcmk_drain() calls
 * it: a CPU that goes offline meanwhile has its objects sent back by
 * tcmk_caches_cpu_dead().
 */
void tcmk_caches_drain(void)
{
	struct tcmk_cache *cache;

	tcmk_lockdep_assert_cpus_held();
	mutex_lock(&tcmk_caches_mutex);
	list_for_each_entry(cache, &tcmk_caches, list)
		if (!cache->merged && !cache->dead)
			on_each_cpu(cache_flush_cpu, cache, 1);
	mutex_unlock(&tcmk_caches_mutex);
}

/* Every empty span of @cache back to the page heap. */
static void cache_release_empty(struct tcmk_cache *cache)
{
	struct tcmk_span *span, *tmp;
	unsigned long flags;
	LIST_HEAD(gone);

	raw_spin_lock_irqsave(&cache->lock, flags);
	list_for_each_entry_safe(span, tmp, &cache->partial, list) {
		if (span->allocated)
			continue;
		list_move(&span->list, &gone);
		cache->spans--;
		cache->free -= cache->objects;
	}
	cache->empty = 0;
	raw_spin_unlock_irqrestore(&cache->lock, flags);
	list_for_each_entry_safe(span, tmp, &gone, list) {
		list_del(&span->list);
		span_release(cache, span);
	}
}

void tcmk_cache_shrink(struct tcmk_cache *cache)
{
	if (cache->merged)
		return;
	on_each_cpu(cache_flush_cpu, cache, 1);
	cache_release_empty(cache);
}
EXPORT_SYMBOL_GPL(tcmk_cache_shrink);

void tcmk_cache_stats(struct tcmk_cache *cache, struct tcmk_cache_stats *st)
{
	unsigned int cpu;

	memset(st, 0, sizeof(*st));
	for_each_possible_cpu(cpu) {
		struct tcmk_cache_cpu *pc = per_cpu_ptr(cache->cpu, cpu);

		st->allocs += READ_ONCE(pc->allocs);
		st->frees += READ_ONCE(pc->frees);
		if (!cache->merged)
			st->cached_cpu += READ_ONCE(pc->count);
	}
	st->in_use = st->allocs - st->frees;
	st->spans = READ_ONCE(cache->spans);
	st->free = READ_ONCE(cache->free);
	st->rcu_spans = atomic_long_read(&cache->rcu_spans);
}
TCMK_EXPORT_FOR_TESTS(tcmk_cache_stats);

void tcmk_cache_destroy(struct tcmk_cache *cache)
{
	struct tcmk_cache_stats st;
	unsigned long live;

	if (!cache)
		return;
	might_sleep();
	tcmk_cache_shrink(cache);
	tcmk_cache_stats(cache, &st);
	live = cache->merged ? st.in_use :
			       st.spans * cache->objects - st.free;
	if (live) {
		pr_err("cache %s destroyed with %lu objects in use: they and their memory are kept\n",
		       cache->name, live);
		/* Listed still, under no name, so that unload frees it. */
		mutex_lock(&tcmk_caches_mutex);
		WRITE_ONCE(cache->dead, true);
		kobject_del(&cache->kobj);
		kfree_const(cache->name);
		cache->name = NULL;
		mutex_unlock(&tcmk_caches_mutex);
		return;
	}
	/* Its spans' callbacks read the cache. */
	if (cache->flags & SLAB_TYPESAFE_BY_RCU)
		rcu_barrier();
	cpus_read_lock();
	mutex_lock(&tcmk_caches_mutex);
	list_del(&cache->list);
	if (!cache->merged)
		WRITE_ONCE(tcmk_cache_ids[cache->id], NULL);
	/* Gone from sysfs before the name can be taken again. */
	kobject_del(&cache->kobj);
	mutex_unlock(&tcmk_caches_mutex);
	cpus_read_unlock();
	kobject_put(&cache->kobj);
}
EXPORT_SYMBOL_GPL(tcmk_cache_destroy);

/*
 * caches/<name>/: a cache's geometry and figures, one value per file, as
 * classes/<size>/ has a class's. The show methods read the cache through
 * its kobject, which kernfs keeps from going while one runs: the record
 * outlives its directory (kobject_del() waits for them).
 */
static struct tcmk_cache *kobj_cache(struct kobject *kobj)
{
	return container_of(kobj, struct tcmk_cache, kobj);
}

static struct tcmk_cache_stats cache_stats_now(struct kobject *kobj)
{
	struct tcmk_cache_stats st;

	tcmk_cache_stats(kobj_cache(kobj), &st);
	return st;
}

/*
 * What an object takes: a merged cache's is its size class's, or whole
 * pages for a large object; a private one's, its own.
 */
static unsigned int cache_stride(const struct tcmk_cache *cache)
{
	if (!cache->merged)
		return cache->stride;
	if (cache->stride > TCMK_MAX_SMALL_SIZE)
		return PAGE_ALIGN(cache->stride);
	return tcmk_class(tcmk_size_class(cache->stride))->size;
}

static unsigned int cache_pages(const struct tcmk_cache *cache)
{
	if (!cache->merged)
		return cache->pages;
	if (cache->stride > TCMK_MAX_SMALL_SIZE)
		return PAGE_ALIGN(cache->stride) >> PAGE_SHIFT;
	return tcmk_class(tcmk_size_class(cache->stride))->pages;
}

static unsigned int cache_objects(const struct tcmk_cache *cache)
{
	if (!cache->merged)
		return cache->objects;
	if (cache->stride > TCMK_MAX_SMALL_SIZE)
		return 1;
	return tcmk_class(tcmk_size_class(cache->stride))->objects;
}

/* Bytes of the page heap in the spans of @kobj's cache, those awaiting RCU too. */
static unsigned long cache_bytes_held(struct kobject *kobj)
{
	struct tcmk_cache_stats st = cache_stats_now(kobj);

	return (st.spans + st.rcu_spans) *
	       ((unsigned long)kobj_cache(kobj)->pages << PAGE_SHIFT);
}

/* A file of mode @mode showing @value, which may use @kobj, in format @fmt. */
#define CACHE_FILE(file, mode, fmt, value)				\
static ssize_t file##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	return sysfs_emit(buf, fmt, value);				\
}									\
static struct kobj_attribute cache_##file##_attr =			\
	__ATTR(file, mode, file##_show, NULL)

CACHE_FILE(object_size, 0444, "%u\n", kobj_cache(kobj)->size);
CACHE_FILE(align, 0444, "%u\n", kobj_cache(kobj)->align);
CACHE_FILE(stride, 0444, "%u\n", cache_stride(kobj_cache(kobj)));
CACHE_FILE(pages_per_span, 0444, "%u\n", cache_pages(kobj_cache(kobj)));
CACHE_FILE(objects_per_span, 0444, "%u\n", cache_objects(kobj_cache(kobj)));
CACHE_FILE(merged, 0444, "%d\n", kobj_cache(kobj)->merged);
CACHE_FILE(destroy_by_rcu, 0444, "%d\n",
	   !!(kobj_cache(kobj)->flags & SLAB_TYPESAFE_BY_RCU));
CACHE_FILE(hwcache_align, 0444, "%d\n",
	   !!(kobj_cache(kobj)->flags & SLAB_HWCACHE_ALIGN));
CACHE_FILE(alloc_total, 0444, "%lu\n", cache_stats_now(kobj).allocs);
CACHE_FILE(free_total, 0444, "%lu\n", cache_stats_now(kobj).frees);
CACHE_FILE(objects_in_use, 0444, "%lu\n", cache_stats_now(kobj).in_use);
CACHE_FILE(spans, 0444, "%lu\n", cache_stats_now(kobj).spans);
CACHE_FILE(objects_free, 0444, "%lu\n", cache_stats_now(kobj).free);
CACHE_FILE(spans_rcu, 0444, "%lu\n", cache_stats_now(kobj).rcu_spans);
CACHE_FILE(bytes_held, 0444, "%lu\n", cache_bytes_held(kobj));

/*
 * The constructor's symbol, or an empty line. Root's only: %pS shows the
 * address of a function kallsyms cannot name.
 */
static ssize_t ctor_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	void (*ctor)(void *obj) = kobj_cache(kobj)->ctor;

	return ctor ? sysfs_emit(buf, "%pS\n", ctor) : sysfs_emit(buf, "\n");
}

static struct kobj_attribute cache_ctor_attr = __ATTR(ctor, 0400, ctor_show, NULL);

/* Free objects of *@data that @cpu keeps; 0 for a CPU that cannot exist. */
static unsigned long cached_of_cpu(unsigned int cpu, void *data)
{
	const struct tcmk_cache *cache = data;

	if (cache->merged || !cpu_possible(cpu))
		return 0;
	return READ_ONCE(per_cpu_ptr(cache->cpu, cpu)->count);
}

static ssize_t objects_cached_cpu_show(struct kobject *kobj,
				       struct kobj_attribute *attr, char *buf)
{
	struct tcmk_cache *cache = kobj_cache(kobj);

	return tcmk_sysfs_emit_cpu_list(buf, cache_stats_now(kobj).cached_cpu,
					nr_cpu_ids, cached_of_cpu, cache);
}

static struct kobj_attribute cache_objects_cached_cpu_attr =
	__ATTR_RO(objects_cached_cpu);

/* Writing 1, as to tcmk's other actions, does what tcmk_cache_shrink() does. */
static ssize_t shrink_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	int err = tcmk_sysfs_action_arg(buf);

	if (err)
		return err;
	tcmk_cache_shrink(kobj_cache(kobj));
	return count;
}

static struct kobj_attribute cache_shrink_attr = __ATTR_WO(shrink);

static struct attribute *cache_attrs[] = {
	&cache_object_size_attr.attr,
	&cache_align_attr.attr,
	&cache_stride_attr.attr,
	&cache_pages_per_span_attr.attr,
	&cache_objects_per_span_attr.attr,
	&cache_merged_attr.attr,
	&cache_destroy_by_rcu_attr.attr,
	&cache_hwcache_align_attr.attr,
	&cache_ctor_attr.attr,
	&cache_alloc_total_attr.attr,
	&cache_free_total_attr.attr,
	&cache_objects_in_use_attr.attr,
	&cache_objects_cached_cpu_attr.attr,
	&cache_spans_attr.attr,
	&cache_objects_free_attr.attr,
	&cache_spans_rcu_attr.attr,
	&cache_bytes_held_attr.attr,
	&cache_shrink_attr.attr,
	NULL,
};
ATTRIBUTE_GROUPS(cache);

static const struct kobj_type cache_ktype = {
	.release	= cache_kobj_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= cache_groups,
};

/**
 * tcmk_cache_sysfs() - for the tests: caches/@name/@file, found in sysfs by
 * name as a path walk finds it, read or written through its methods.
 * @name:	a cache's directory.
 * @file:	a file in it.
 * @buf:	a page for what the file shows, if @val is NULL.
 * @val:	what to write, or NULL to read.
 *
 * Context: process context, with no cache of @name being destroyed.
 * Return: what the show or store method returns, or -ENOENT if there is no
 * such directory or file.
 */
ssize_t tcmk_cache_sysfs(const char *name, const char *file, char *buf,
			 const char *val)
{
	struct kernfs_node *dir, *kn;
	struct kobj_attribute *ka;
	struct attribute **a;
	ssize_t ret = -ENOENT;

	dir = kernfs_find_and_get(tcmk_sysfs_caches_dir()->sd, name);
	if (!dir)
		return -ENOENT;
	kn = kernfs_find_and_get(dir, file);
	for (a = cache_attrs; kn && *a; a++) {
		if (strcmp((*a)->name, file))
			continue;
		ka = container_of(*a, struct kobj_attribute, attr);
		/* A kobject's directory keeps the kobject as its private data. */
		if (val)
			ret = ka->store(dir->priv, ka, val, strlen(val));
		else
			ret = ka->show(dir->priv, ka, buf);
	}
	kernfs_put(kn);
	kernfs_put(dir);
	return ret;
}
TCMK_EXPORT_FOR_TESTS(tcmk_cache_sysfs);

/**
 * tcmk_cache_sysfs_class() - for the tests: the size class that
 * caches/@name/class links to.
 * @name:	a cache's directory.
 *
 * Return: the class, or -ENOENT if there is no such link or it leads to
 * no class's directory.
 */
int tcmk_cache_sysfs_class(const char *name)
{
	struct kernfs_node *dir, *kn;
	unsigned int cls;
	int ret = -ENOENT;

	dir = kernfs_find_and_get(tcmk_sysfs_caches_dir()->sd, name);
	if (!dir)
		return -ENOENT;
	kn = kernfs_find_and_get(dir, "class");
	for (cls = 0; kn && kernfs_type(kn) == KERNFS_LINK && cls < TCMK_NR_CLASSES; cls++)
		if (kn->symlink.target_kn == tcmk_sysfs_class_dir(cls)->sd)
			ret = cls;
	kernfs_put(kn);
	kernfs_put(dir);
	return ret;
}
TCMK_EXPORT_FOR_TESTS(tcmk_cache_sysfs_class);

/**
 * tcmk_caches_exit() - at unload, the records of caches destroyed with
 * objects in use.
 *
 * Their spans stay with the page heap's, reported by it. Live caches cannot
 * remain: their users are modules that depend on tcmk.
 *
 * Context: module exit.
 */
void tcmk_caches_exit(void)
{
	struct tcmk_cache *cache, *tmp;

	rcu_barrier();
	cpus_read_lock();
	list_for_each_entry_safe(cache, tmp, &tcmk_caches, list) {
		list_del(&cache->list);
		if (!cache->merged)
			WRITE_ONCE(tcmk_cache_ids[cache->id], NULL);
		kobject_put(&cache->kobj);
	}
	cpus_read_unlock();
}
