// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk per-CPU caches, and the public entry points that use them.
 *
 * Each CPU keeps, per size class, a stack of free objects. An allocation pops
 * from the local stack and a free pushes onto it, under the CPU's local lock
 * (interrupts off, so hardirq users are safe; no shared cache line is
 * touched). A miss goes to a noinline slow path that moves a whole batch from
 * or to the class's transfer cache, with the local lock dropped so that a
 * GFP_KERNEL refill may sleep.
 *
 * A class's stack holds at most two batches, and all of a CPU's stacks
 * together at most cpu_cache_bytes. The fast paths keep no byte count: each
 * stack has a limit, and the slow paths keep the limits' bytes within the
 * budget, raising a stack's limit a batch at a time and, when the budget is
 * spent, taking unused room from the other stacks (as TCMalloc's per-CPU
 * caches do). A free that finds its stack at its limit flushes a batch to
 * the shared layers. A CPU going offline hands its objects back (CPU
 * hotplug), and tcmk_drain() empties every CPU's cache and resets the limits.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/local_lock.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/tcmk.h>

#include "tcmk.h"

unsigned int tcmk_cpu_cache_bytes = 512 * 1024;
/* Read-only here: /sys/kernel/tcmk/cpu_cache_bytes changes it at run time. */
module_param_named(cpu_cache_bytes, tcmk_cpu_cache_bytes, uint, 0400);
MODULE_PARM_DESC(cpu_cache_bytes, "Bytes of free objects each CPU may cache (default 512 KiB)");
TCMK_EXPORT_FOR_TESTS(tcmk_cpu_cache_bytes);

/**
 * struct tcmk_cpu_class - one class's stack on one CPU: what the fast paths
 * touch, in 32 bytes, so that a class's stack is found with one shift.
 * @slots:	the free objects; the top is the most recently freed.
 * @count:	objects in @slots.
 * @limit:	how many objects @slots may hold now; never below @count nor
 *		above two batches. Only the slow paths change it.
 * @allocs:	objects allocated on this CPU.
 * @frees:	objects freed on this CPU.
 */
struct tcmk_cpu_class {
	void **slots;
	unsigned int count;
	unsigned int limit;
	unsigned long allocs;
	unsigned long frees;
};

/**
 * struct tcmk_cpu_cache - a CPU's cache.
 * @lock:	guards the rest; taken with interrupts disabled. Only the CPU
 *		itself takes it; a dead CPU's cache is emptied without it.
 * @reserved:	bytes the stacks' limits come to: the sum of limit * size,
 *		kept within cpu_cache_bytes.
 * @victim:	the class the next search for unused room starts at.
 * @cls:	the stacks.
 * @refills:	per class, allocations that found the stack empty.
 * @flushes:	per class, frees that sent a batch to the shared layers.
 */
struct tcmk_cpu_cache {
	local_lock_t lock;
	unsigned long reserved;
	unsigned int victim;
	struct tcmk_cpu_class cls[TCMK_NR_CLASSES];
	unsigned long refills[TCMK_NR_CLASSES];
	unsigned long flushes[TCMK_NR_CLASSES];
};

static struct tcmk_cpu_cache __percpu *tcmk_cpu;
static int tcmk_cpuhp_state;

/* Pointers refused by tcmk_free(), since load. */
atomic_long_t tcmk_bad_frees = ATOMIC_LONG_INIT(0);
TCMK_EXPORT_FOR_TESTS(tcmk_bad_frees);

/*
 * Raise @cls's limit towards @want objects (at most two batches), as far as
 * the CPU's budget allows, first taking the other stacks' unused room (their
 * limits above their counts) if the budget is spent. Cached objects are never
 * moved: a stack whose room is taken flushes on its next free, as it would if
 * its own limit had been reached. Called with the local lock held.
 */
static void raise_limit(struct tcmk_cpu_cache *c, unsigned int cls,
			unsigned int want)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	unsigned long budget = READ_ONCE(tcmk_cpu_cache_bytes);
	struct tcmk_cpu_class *cc = &c->cls[cls];
	unsigned int i, room;

	want = min(want, 2U * ci->batch);
	if (want <= cc->limit)
		return;
	for (i = 0; i < TCMK_NR_CLASSES &&
	     c->reserved + (unsigned long)(want - cc->limit) * ci->size > budget;
	     i++) {
		unsigned int v = c->victim;
		struct tcmk_cpu_class *vc = &c->cls[v];

		c->victim = v + 1 < TCMK_NR_CLASSES ? v + 1 : 0;
		room = vc->limit - vc->count;
		if (v == cls || !room)
			continue;
		vc->limit -= room;
		c->reserved -= (unsigned long)room * tcmk_classes[v].size;
	}
	room = c->reserved < budget ? (budget - c->reserved) / ci->size : 0;
	want = min(want, cc->limit + room);
	c->reserved += (unsigned long)(want - cc->limit) * ci->size;
	cc->limit = want;
}

/*
 * A batch from the shared layers: one object for the caller, the rest onto
 * this CPU's stack as far as its limit (raised if need be) has room. Does not
 * zero.
 */
static noinline void *tcmk_refill(unsigned int cls, gfp_t gfp)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	void *objs[TCMK_BATCH_MAX];
	struct tcmk_cpu_cache *c;
	struct tcmk_cpu_class *cc;
	unsigned long flags;
	unsigned int n, k;
	void *obj;

	might_alloc(gfp);
	n = tcmk_central_remove(cls, objs, ci->batch, gfp);
	if (!n)
		return NULL;
	obj = objs[--n];

	local_lock_irqsave(&tcmk_cpu->lock, flags);
	c = this_cpu_ptr(tcmk_cpu);
	cc = &c->cls[cls];
	if (cc->limit - cc->count < n)
		raise_limit(c, cls, cc->count + n);
	k = min(n, cc->limit - cc->count);
	memcpy(cc->slots + cc->count, objs + n - k, k * sizeof(void *));
	cc->count += k;
	cc->allocs++;
	c->refills[cls]++;
	local_unlock_irqrestore(&tcmk_cpu->lock, flags);

	if (n > k)
		tcmk_central_insert(cls, objs, n - k);
	return obj;
}

static noinline void *tcmk_alloc_slow(unsigned int cls, gfp_t gfp)
{
	void *obj = tcmk_refill(cls, gfp);

	if (obj && tcmk_want_zero(gfp))
		memset(obj, 0, tcmk_classes[cls].size);
	return obj;
}

void *tcmk_alloc(size_t size, gfp_t gfp)
{
	struct tcmk_cpu_class *cc;
	unsigned long flags;
	unsigned int cls;
	void *obj;

	/* Size 0 wraps around to the large path, which returns ZERO_SIZE_PTR. */
	if (unlikely(size - 1 >= TCMK_MAX_SMALL_SIZE))
		return tcmk_large_alloc(size, gfp);
	/*
	 * A hit cannot sleep: only kernels that check sleeping in atomic
	 * context (and lockdep's reclaim annotations) pay for might_alloc()
	 * here. Every refill calls it, as every SLUB allocation does.
	 */
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) || IS_ENABLED(CONFIG_LOCKDEP))
		might_alloc(gfp);
	cls = tcmk_size_class(size);

	local_lock_irqsave(&tcmk_cpu->lock, flags);
	cc = &this_cpu_ptr(tcmk_cpu)->cls[cls];
	if (unlikely(!cc->count)) {
		local_unlock_irqrestore(&tcmk_cpu->lock, flags);
		return tcmk_alloc_slow(cls, gfp);
	}
	obj = cc->slots[--cc->count];
	cc->allocs++;
	local_unlock_irqrestore(&tcmk_cpu->lock, flags);

	if (tcmk_want_zero(gfp))
		memset(obj, 0, tcmk_classes[cls].size);
	return obj;
}
EXPORT_SYMBOL_GPL(tcmk_alloc);

/*
 * The stack is at its limit: raise the limit if the budget allows, else send
 * a batch from the top of the stack to the shared layers, as TCMalloc does.
 * Taking the oldest from the bottom instead would move the rest of the stack
 * down on every flush; the object being freed, the likeliest to be
 * cache-hot, still stays. Called with the local lock held; drops it.
 */
static noinline void tcmk_flush(struct tcmk_cpu_cache *c, unsigned int cls,
				void *obj, unsigned long flags)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	struct tcmk_cpu_class *cc = &c->cls[cls];
	void *objs[TCMK_BATCH_MAX + 1];
	unsigned int k = 0;

	cc->frees++;
	raise_limit(c, cls, cc->limit + ci->batch);
	if (cc->count == cc->limit) {
		k = min_t(unsigned int, cc->count, ci->batch);
		cc->count -= k;
		memcpy(objs, cc->slots + cc->count, k * sizeof(void *));
		c->flushes[cls]++;
	}
	/* Only a limit of 0 (a budget too small for one object) leaves no room. */
	if (cc->count < cc->limit)
		cc->slots[cc->count++] = obj;
	else
		objs[k++] = obj;
	local_unlock_irqrestore(&tcmk_cpu->lock, flags);
	if (k)
		tcmk_central_insert(cls, objs, k);
}

static void tcmk_bad_free(const void *ptr, const char *why)
{
	atomic_long_inc(&tcmk_bad_frees);
	pr_warn_ratelimited("refusing to free %p: %s\n", ptr, why);
}

/* Anything but an object of a small span: a large object, or a bad pointer. */
static noinline void tcmk_free_other(struct tcmk_span *span, const void *ptr)
{
	if (!span && tcmk_gc_owns(ptr))
		tcmk_bad_free(ptr, "a collected object, which only the collector frees");
	else if (!span)
		tcmk_bad_free(ptr, "not allocated by tcmk");
	else if (span->state == TCMK_SPAN_LARGE && ptr == span->base)
		tcmk_large_free(span);
	else
		tcmk_bad_free(ptr, "not the start of an object");
}

void tcmk_free(const void *ptr)
{
	struct tcmk_cpu_cache *c;
	struct tcmk_cpu_class *cc;
	struct tcmk_span *span;
	unsigned long flags;
	unsigned int cls;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	span = tcmk_span_of(ptr);
	if (unlikely(!span || span->state != TCMK_SPAN_SMALL)) {
		tcmk_free_other(span, ptr);
		return;
	}
	if (unlikely(!tcmk_span_obj_start(span, ptr))) {
		tcmk_bad_free(ptr, "not the start of an object");
		return;
	}
	cls = span->cls;

	local_lock_irqsave(&tcmk_cpu->lock, flags);
	c = this_cpu_ptr(tcmk_cpu);
	cc = &c->cls[cls];
	if (unlikely(cc->count == cc->limit)) {
		tcmk_flush(c, cls, (void *)ptr, flags);
		return;
	}
	cc->slots[cc->count++] = (void *)ptr;
	cc->frees++;
	local_unlock_irqrestore(&tcmk_cpu->lock, flags);
}
EXPORT_SYMBOL_GPL(tcmk_free);

size_t tcmk_usable_size(const void *ptr)
{
	struct tcmk_span *span;

	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return 0;
	span = tcmk_span_of(ptr);
	if (!span)
		return tcmk_gc_object_size(ptr);
	switch (span->state) {
	case TCMK_SPAN_SMALL:
		return tcmk_classes[span->cls].size;
	case TCMK_SPAN_LARGE:
		return (size_t)span->npages << PAGE_SHIFT;
	default:
		return 0;
	}
}
EXPORT_SYMBOL_GPL(tcmk_usable_size);

int tcmk_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **ptrs)
{
	const struct tcmk_class_info *ci;
	struct tcmk_cpu_class *cc;
	unsigned long flags;
	unsigned int cls;
	size_t i = 0, k;

	/* The count comes back as an int: larger requests cannot be answered. */
	if (!size || size > TCMK_MAX_ALLOC_SIZE || !nr || nr > INT_MAX)
		return 0;
	if (size > TCMK_MAX_SMALL_SIZE) {
		for (; i < nr; i++) {
			ptrs[i] = tcmk_large_alloc(size, gfp);
			if (!ptrs[i])
				goto fail;
		}
		return nr;
	}
	might_alloc(gfp);
	cls = tcmk_size_class(size);
	ci = &tcmk_classes[cls];
	while (i < nr) {
		local_lock_irqsave(&tcmk_cpu->lock, flags);
		cc = &this_cpu_ptr(tcmk_cpu)->cls[cls];
		k = min_t(size_t, nr - i, cc->count);
		cc->count -= k;
		memcpy(ptrs + i, cc->slots + cc->count, k * sizeof(void *));
		cc->allocs += k;
		local_unlock_irqrestore(&tcmk_cpu->lock, flags);
		i += k;
		if (i < nr) {
			ptrs[i] = tcmk_refill(cls, gfp);
			if (!ptrs[i])
				goto fail;
			i++;
		}
	}
	if (tcmk_want_zero(gfp))
		for (i = 0; i < nr; i++)
			memset(ptrs[i], 0, ci->size);
	return nr;

fail:
	tcmk_free_bulk(i, ptrs);
	return 0;
}
EXPORT_SYMBOL_GPL(tcmk_alloc_bulk);

void tcmk_free_bulk(size_t nr, void **ptrs)
{
	size_t i;

	for (i = 0; i < nr; i++)
		tcmk_free(ptrs[i]);
}
EXPORT_SYMBOL_GPL(tcmk_free_bulk);

/* Give every object in @c back to the shared layers, and every limit up. */
static void drain_cache(struct tcmk_cpu_cache *c)
{
	void *objs[TCMK_BATCH_MAX];
	unsigned int cls, k;

	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		struct tcmk_cpu_class *cc = &c->cls[cls];

		while (cc->count) {
			k = min_t(unsigned int, cc->count, TCMK_BATCH_MAX);
			cc->count -= k;
			memcpy(objs, cc->slots + cc->count, k * sizeof(void *));
			tcmk_central_insert(cls, objs, k);
		}
		cc->limit = 0;
	}
	c->reserved = 0;
}

static void drain_local(void *unused)
{
	unsigned long flags;

	local_lock_irqsave(&tcmk_cpu->lock, flags);
	drain_cache(this_cpu_ptr(tcmk_cpu));
	local_unlock_irqrestore(&tcmk_cpu->lock, flags);
}

void tcmk_drain(void)
{
	on_each_cpu(drain_local, NULL, 1);
}
EXPORT_SYMBOL_GPL(tcmk_drain);

/* CPU hotplug: runs on another CPU once @cpu is dead, so no lock is needed. */
static int tcmk_cpu_dead(unsigned int cpu)
{
	drain_cache(per_cpu_ptr(tcmk_cpu, cpu));
	return 0;
}

/**
 * tcmk_cpu_counts() - a class's per-CPU counters.
 * @cls:	size class.
 * @cpu:	the CPU, or -1 for the sums over every possible CPU.
 * @out:	the counters.
 *
 * Context: any. Sums are not a snapshot: each CPU's counters are read while
 * it may be changing them.
 */
void tcmk_cpu_counts(unsigned int cls, int cpu, struct tcmk_cpu_counts *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(i) {
		struct tcmk_cpu_cache *c = per_cpu_ptr(tcmk_cpu, i);
		struct tcmk_cpu_class *cc = &c->cls[cls];

		if (cpu >= 0 && i != cpu)
			continue;
		out->allocs += READ_ONCE(cc->allocs);
		out->frees += READ_ONCE(cc->frees);
		out->refills += READ_ONCE(c->refills[cls]);
		out->flushes += READ_ONCE(c->flushes[cls]);
		out->cached += READ_ONCE(cc->count);
	}
}
TCMK_EXPORT_FOR_TESTS(tcmk_cpu_counts);

static void free_slots(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		kfree(per_cpu_ptr(tcmk_cpu, cpu)->cls[0].slots);
}

int __init tcmk_cpucache_init(void)
{
	unsigned int cpu, cls, total = 0;
	int ret;

	tcmk_cpu = alloc_percpu(struct tcmk_cpu_cache);
	if (!tcmk_cpu)
		return -ENOMEM;
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++)
		total += 2 * tcmk_classes[cls].batch;
	for_each_possible_cpu(cpu) {
		struct tcmk_cpu_cache *c = per_cpu_ptr(tcmk_cpu, cpu);
		void **slots = kcalloc_node(total, sizeof(void *), GFP_KERNEL,
					    cpu_to_node(cpu));

		if (!slots) {
			ret = -ENOMEM;
			goto fail;
		}
		local_lock_init(&c->lock);
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			c->cls[cls].slots = slots;
			slots += 2 * tcmk_classes[cls].batch;
		}
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "tcmk:dead",
					NULL, tcmk_cpu_dead);
	if (ret < 0)
		goto fail;
	tcmk_cpuhp_state = ret;
	return 0;

fail:
	free_slots();
	free_percpu(tcmk_cpu);
	return ret;
}

/* At unload nobody can call in any more: every cache is emptied directly. */
void tcmk_cpucache_exit(void)
{
	unsigned int cpu;

	cpuhp_remove_state_nocalls(tcmk_cpuhp_state);
	for_each_possible_cpu(cpu)
		drain_cache(per_cpu_ptr(tcmk_cpu, cpu));
	free_slots();
	free_percpu(tcmk_cpu);
}
