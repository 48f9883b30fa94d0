// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk_bench: compares tcmk_alloc()/tcmk_free() with SLUB (kmalloc()/kfree()
 * and a kmem_cache of its own) in the same boot, for 'make bench'.
 *
 * Writing a suite's name to /sys/kernel/debug/tcmk_bench/run runs it and
 * returns when it is done; every figure goes to the kernel log as one line
 * "BENCH key=value ...", which the guest job copies to the results channel:
 *
 *   icount	single-CPU loops timed with ktime_get_ns(). Under
 *		'qemu -icount shift=0' guest time advances 1 ns per guest
 *		instruction, so the figures are instructions (not cycles).
 *		Named caches (tcmk_cache_*) against kmem_cache run in it too.
 *   smp	real-time throughput with kthreads bound to CPUs 0 and 1,
 *		every allocator in turn within each repetition, so that the
 *		host's noise falls on all of them alike.
 *   mem	pages held for a fixed workload of a million objects, from the
 *		page allocator's free count.
 *   gc	the collector: mark throughput, pauses, the longest sections
 *		with a spinlock held, tree churn against freeing by hand
 *		(gc_bench.c).
 *   gc_sections	those sections alone.
 *   gc_trees	the tree churn alone (run under icount too: instructions
 *		per churn, the collector's included).
 *   fastpath	the loop's own cost, the fast path's pieces and back-to-back
 *		pairs at a few sizes: a quick look under icount while
 *		working on the per-CPU paths.
 *   pages	batches of 100,000 (fewer for large sizes) of the sizes whose
 *		spans hold few objects: a quick look at the page heap's path.
 *   sample_pair	tcmk's back-to-back pairs at a small, a page-sized and
 *		a large size, fewer of them: the guest job runs it with
 *		sample_bytes at 0 and at 1, where every allocation is
 *		sampled, so the difference is the cost of one sample.
 *
 * Each scenario is written once, as an __always_inline template over the
 * allocator kind, and dispatched with a switch, so the allocator's functions
 * are called directly in the timed loops: an indirect call per operation
 * (a retpoline on Debian's kernel) would be charged to every allocator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/tcmk.h>
#include <linux/timekeeping.h>
#include <linux/vmalloc.h>
#include <linux/vmstat.h>

#include "compat.h"
#include "tcmk_bench.h"

enum bench_kind { BENCH_TCMK, BENCH_KMALLOC, BENCH_CACHE, BENCH_NR_KINDS };

static const char *const bench_names[BENCH_NR_KINDS] = {
	[BENCH_TCMK]	= "tcmk",
	[BENCH_KMALLOC]	= "kmalloc",
	[BENCH_CACHE]	= "kmem_cache",
};

static const size_t bench_sizes[] = {
	8, 16, 32, 64, 96, 128, 256, 512, 1024, 2048, 4096, 8192, 32768,
	65536, 1 << 20,
};

/* Iterations of a back-to-back loop for objects up to 4 KiB. */
#define B2B_LOOPS	20000
/* Bytes a batch may hold at once: N is cut down for large objects. */
#define BATCH_BYTES	(256UL << 20)
/* Objects per bulk call, and objects per bulk scenario up to 4 KiB. */
#define BULK_NR		64
#define BULK_OBJECTS	20000
/* Random-size scenario: live objects, and pairs timed. */
#define RAND_SLOTS	1024
#define RAND_LOOPS	20000
/*
 * Repetitions of a back-to-back loop: the least is kept. A timer tick comes
 * every 4 ms of guest time, 4 million instructions at icount shift=0, and
 * costs tens of thousands: a loop of 20,000 pairs of 90 instructions meets
 * one about every other run, and five runs make one without near certain.
 */
#define ICOUNT_REPS	5

/*
 * A size drawn from a mix in the spirit of a kernel's kmalloc traffic: mostly
 * small objects, a tail up to @max bytes. Each bucket's share is in 1/1000.
 */
static size_t mix_size(u64 *state, size_t max)
{
	static const struct { u16 permille; u32 lo, hi; } mix[] = {
		{ 50, 1, 8 }, { 100, 9, 16 }, { 150, 17, 32 }, { 200, 33, 64 },
		{ 100, 65, 96 }, { 100, 97, 128 }, { 80, 129, 192 },
		{ 80, 193, 256 }, { 60, 257, 512 }, { 40, 513, 1024 },
		{ 20, 1025, 2048 }, { 10, 2049, 4096 }, { 5, 4097, 8192 },
		{ 5, 8193, 65536 },
	};
	unsigned int r = bench_rand(state) % 1000, i;
	size_t size;

	for (i = 0; i < ARRAY_SIZE(mix) - 1 && r >= mix[i].permille; i++)
		r -= mix[i].permille;
	size = mix[i].lo + bench_rand(state) % (mix[i].hi - mix[i].lo + 1);
	return min(size, max);
}

static __always_inline void *b_alloc(enum bench_kind k, struct kmem_cache *s,
				     size_t size)
{
	switch (k) {
	case BENCH_TCMK:
		return tcmk_alloc(size, GFP_KERNEL);
	case BENCH_KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	default:
		return kmem_cache_alloc(s, GFP_KERNEL);
	}
}

static __always_inline void b_free(enum bench_kind k, struct kmem_cache *s,
				   void *p)
{
	switch (k) {
	case BENCH_TCMK:
		tcmk_free(p);
		break;
	case BENCH_KMALLOC:
		kfree(p);
		break;
	default:
		kmem_cache_free(s, p);
	}
}

/* kmalloc has no bulk allocation of its own: only tcmk and caches do. */
static __always_inline int b_alloc_bulk(enum bench_kind k, struct kmem_cache *s,
					size_t size, size_t nr, void **p)
{
	if (k == BENCH_TCMK)
		return tcmk_alloc_bulk(size, GFP_KERNEL, nr, p);
	return kmem_cache_alloc_bulk(s, GFP_KERNEL, nr, p);
}

static __always_inline void b_free_bulk(enum bench_kind k, struct kmem_cache *s,
					size_t nr, void **p)
{
	if (k == BENCH_TCMK)
		tcmk_free_bulk(nr, p);
	else
		kmem_cache_free_bulk(s, nr, p);
}

/* The timed loops. Each returns nanoseconds, or U64_MAX if memory ran out. */

static __always_inline u64 t_b2b(enum bench_kind k, struct kmem_cache *s,
				 size_t size, unsigned int n)
{
	unsigned int i;
	u64 t0;
	void *p;

	for (i = 0; i < n / 10 + 1; i++) {
		p = b_alloc(k, s, size);
		if (!p)
			return U64_MAX;
		b_free(k, s, p);
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		p = b_alloc(k, s, size);
		if (unlikely(!p))
			return U64_MAX;
		b_free(k, s, p);
	}
	return ktime_get_ns() - t0;
}

/* N allocations then N frees; @ns gets the time of each half. */
static __always_inline int t_batch(enum bench_kind k, struct kmem_cache *s,
				   size_t size, unsigned int n, void **p,
				   u64 ns[2])
{
	unsigned int i;
	u64 t0, t1;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		p[i] = b_alloc(k, s, size);
		if (unlikely(!p[i]))
			break;
	}
	t1 = ktime_get_ns();
	if (i < n) {
		while (i--)
			b_free(k, s, p[i]);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		b_free(k, s, p[i]);
	ns[0] = t1 - t0;
	ns[1] = ktime_get_ns() - t1;
	return 0;
}

static __always_inline u64 t_bulk(enum bench_kind k, struct kmem_cache *s,
				  size_t size, unsigned int rounds, void **p)
{
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < rounds; i++) {
		if (unlikely(!b_alloc_bulk(k, s, size, BULK_NR, p)))
			return U64_MAX;
		b_free_bulk(k, s, BULK_NR, p);
	}
	return ktime_get_ns() - t0;
}

/*
 * RAND_SLOTS live objects; each step frees the oldest and allocates one of
 * the next size from @sizes in its place. Times the last @n steps.
 */
static __always_inline u64 t_random(enum bench_kind k, const u32 *sizes,
				    unsigned int n, void **slot)
{
	unsigned int i, j = 0;
	u64 t0 = 0, ns = U64_MAX;

	for (i = 0; i < RAND_SLOTS; i++) {
		slot[i] = b_alloc(k, NULL, sizes[i]);
		if (!slot[i])
			goto out;
	}
	for (i = RAND_SLOTS; i < RAND_SLOTS + 2 * n; i++) {
		if (i == RAND_SLOTS + n)
			t0 = ktime_get_ns();
		b_free(k, NULL, slot[j]);
		slot[j] = b_alloc(k, NULL, sizes[i]);
		if (unlikely(!slot[j]))
			goto out;
		j = (j + 1) % RAND_SLOTS;
	}
	ns = ktime_get_ns() - t0;
out:
	for (i = 0; i < RAND_SLOTS; i++)
		if (slot[i])
			b_free(k, NULL, slot[i]);
	return ns;
}

#define SPLIT_BURST	16
#define SPLIT_ROUNDS	1000

/*
 * Rounds of SPLIT_BURST allocations then SPLIT_BURST frees, each half timed
 * on its own, so that an allocation and a free are seen apart. A burst this
 * short stays within tcmk's per-CPU stack and SLUB's CPU slab: the fast paths.
 * @ns gets the two halves and the cost of the timing itself (an empty half),
 * each summed over the rounds.
 */
static __always_inline void t_split(enum bench_kind k, struct kmem_cache *s,
				    size_t size, u64 ns[3])
{
	void *p[SPLIT_BURST];
	unsigned int r, i;
	u64 t0, t1, t2;

	ns[0] = ns[1] = ns[2] = 0;
	for (r = 0; r <= SPLIT_ROUNDS; r++) {
		t0 = ktime_get_ns();
		for (i = 0; i < SPLIT_BURST; i++) {
			p[i] = b_alloc(k, s, size);
			if (unlikely(!p[i]))
				break;
		}
		t1 = ktime_get_ns();
		while (i--)
			b_free(k, s, p[i]);
		t2 = ktime_get_ns();
		/* Round 0 warms up. */
		if (r) {
			ns[0] += t1 - t0;
			ns[1] += t2 - t1;
		}
		t0 = ktime_get_ns();
		t1 = ktime_get_ns();
		if (r)
			ns[2] += t1 - t0;
	}
}

/*
 * Dispatchers: one call per loop, then direct calls inside it. Each first
 * lets the scheduler run if a timer tick asked for it during an earlier
 * loop: under voluntary preemption the request stays pending through a loop
 * that never sleeps, and while it does every preempt_enable() calls out to
 * the scheduler's hook and straight back (3 instructions a pair for tcmk,
 * whose fast paths disable preemption; SLUB's do not), so one loop's figure
 * would depend on whether a tick came during the one before.
 */

static noinline u64 run_b2b(enum bench_kind k, struct kmem_cache *s,
			    size_t size, unsigned int n)
{
	cond_resched();
	switch (k) {
	case BENCH_TCMK:
		return t_b2b(BENCH_TCMK, s, size, n);
	case BENCH_KMALLOC:
		return t_b2b(BENCH_KMALLOC, s, size, n);
	default:
		return t_b2b(BENCH_CACHE, s, size, n);
	}
}

/*
 * RCU frees: @n objects of @size bytes, each allocated and at once passed to
 * tcmk_free_rcu() or kfree_rcu(). Only the two calls are timed: the frees
 * themselves run after a grace period in a worker, and under icount the
 * wait for them is idle time, not instructions. Each allocator's barrier
 * then gives the memory back before the next run.
 */
struct bench_rcu_obj {
	struct rcu_head rcu;
};

static __always_inline u64 t_free_rcu(enum bench_kind k, size_t size,
				      unsigned int n)
{
	struct bench_rcu_obj *o;
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		o = k == BENCH_TCMK ? tcmk_alloc(size, GFP_KERNEL) :
				      kmalloc(size, GFP_KERNEL);
		if (unlikely(!o))
			return U64_MAX;
		if (k == BENCH_TCMK)
			tcmk_free_rcu(o, rcu);
		else
			kfree_rcu(o, rcu);
	}
	return ktime_get_ns() - t0;
}

/*
 * Wait for the kfree_rcu() calls made so far, near enough for the next run
 * to find SLUB's memory back. kvfree_rcu_barrier() (6.12) is not exported
 * by every kernel tcmk builds for; without it nothing waits for them:
 * rcu_barrier() waits only for call_rcu() callbacks, and kfree_rcu()'s
 * batches reach call_rcu() up to 20 ms (HZ / 50) after they start.
 */
static void kfree_rcu_wait(void)
{
	schedule_timeout_uninterruptible(HZ / 25);
	rcu_barrier();
	schedule_timeout_uninterruptible(HZ / 50);
}

static noinline u64 run_free_rcu(enum bench_kind k, size_t size,
				 unsigned int n)
{
	u64 ns;

	cond_resched();
	if (k == BENCH_TCMK) {
		ns = t_free_rcu(BENCH_TCMK, size, n);
		tcmk_free_rcu_barrier();
	} else {
		ns = t_free_rcu(BENCH_KMALLOC, size, n);
		kfree_rcu_wait();
	}
	return ns;
}

static noinline int run_batch(enum bench_kind k, struct kmem_cache *s,
			      size_t size, unsigned int n, void **p, u64 ns[2])
{
	cond_resched();
	switch (k) {
	case BENCH_TCMK:
		return t_batch(BENCH_TCMK, s, size, n, p, ns);
	case BENCH_KMALLOC:
		return t_batch(BENCH_KMALLOC, s, size, n, p, ns);
	default:
		return t_batch(BENCH_CACHE, s, size, n, p, ns);
	}
}

static noinline void run_split(enum bench_kind k, struct kmem_cache *s,
			       size_t size, u64 ns[3])
{
	cond_resched();
	if (k == BENCH_TCMK)
		t_split(BENCH_TCMK, s, size, ns);
	else if (k == BENCH_KMALLOC)
		t_split(BENCH_KMALLOC, s, size, ns);
	else
		t_split(BENCH_CACHE, s, size, ns);
}

static noinline u64 run_bulk(enum bench_kind k, struct kmem_cache *s,
			     size_t size, unsigned int rounds, void **p)
{
	cond_resched();
	if (k == BENCH_TCMK)
		return t_bulk(BENCH_TCMK, s, size, rounds, p);
	return t_bulk(BENCH_CACHE, s, size, rounds, p);
}

static noinline u64 run_random(enum bench_kind k, const u32 *sizes,
			       unsigned int n, void **slot)
{
	cond_resched();
	if (k == BENCH_TCMK)
		return t_random(BENCH_TCMK, sizes, n, slot);
	return t_random(BENCH_KMALLOC, sizes, n, slot);
}

/* Per operation, in tenths, printed as "123.4". */
void print_per_op(const char *what, const char *alloc, size_t size,
		  unsigned int n, u64 ns)
{
	u64 tenths;

	if (ns == U64_MAX) {
		pr_info("BENCH scenario=%s alloc=%s size=%zu n=%u error=ENOMEM\n",
			what, alloc, size, n);
		return;
	}
	tenths = div64_u64(ns * 10 + n / 2, n);
	pr_info("BENCH scenario=%s alloc=%s size=%zu n=%u insns_per_op=%llu.%llu\n",
		what, alloc, size, n, tenths / 10, tenths % 10);
}

/*
 * A kmem_cache of its own for @size, which SLUB must not merge with the
 * kmalloc cache of the same size (see TCMK_SLAB_NO_MERGE).
 */

static struct kmem_cache *bench_cache(size_t size)
{
	char name[32];

	snprintf(name, sizeof(name), "tcmk_bench_%zu", size);
	return kmem_cache_create(name, size, 0, TCMK_SLAB_NO_MERGE, NULL);
}

static u64 min_of_reps(enum bench_kind k, struct kmem_cache *s, size_t size,
		       unsigned int n)
{
	u64 best = U64_MAX;
	unsigned int r;

	for (r = 0; r < ICOUNT_REPS; r++)
		best = min(best, run_b2b(k, s, size, n));
	return best;
}

/* A loop that does nothing but count, to show what the loop itself costs. */
static noinline void icount_loop_cost(void)
{
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < B2B_LOOPS; i++)
		barrier();
	print_per_op("loop", "none", 0, B2B_LOOPS, ktime_get_ns() - t0);
}

/*
 * Pieces of tcmk's fast path that can be timed from outside: finding an
 * object's span (tcmk_usable_size() does that and little else; most of it is
 * virt_addr_valid(), an out-of-line call on x86), the irqsave/irqrestore pair
 * its local lock costs on a non-RT kernel, and might_alloc(); then an
 * allocation and a free timed apart, for every allocator.
 */
static noinline void icount_parts(void)
{
	struct kmem_cache *s;
	unsigned long flags;
	unsigned int i, k;
	u64 ns[3];
	size_t sum = 0;
	void *p, *q;
	u64 t0;

	p = tcmk_alloc(64, GFP_KERNEL);
	q = kmalloc(64, GFP_KERNEL);
	if (!p || !q)
		goto out;
	t0 = ktime_get_ns();
	for (i = 0; i < B2B_LOOPS; i++)
		sum += tcmk_usable_size(p);
	print_per_op("part_usable_size", "tcmk", 64, B2B_LOOPS, ktime_get_ns() - t0);
	t0 = ktime_get_ns();
	for (i = 0; i < B2B_LOOPS; i++)
		sum += ksize(q);
	print_per_op("part_usable_size", "kmalloc", 64, B2B_LOOPS, ktime_get_ns() - t0);
	t0 = ktime_get_ns();
	for (i = 0; i < B2B_LOOPS; i++)
		sum += virt_addr_valid(p);
	print_per_op("part_virt_addr_valid", "none", 0, B2B_LOOPS, ktime_get_ns() - t0);
	t0 = ktime_get_ns();
	for (i = 0; i < B2B_LOOPS; i++) {
		local_irq_save(flags);
		local_irq_restore(flags);
	}
	print_per_op("part_irqsave", "none", 0, B2B_LOOPS, ktime_get_ns() - t0);
	t0 = ktime_get_ns();
	for (i = 0; i < B2B_LOOPS; i++)
		might_alloc(GFP_KERNEL);
	print_per_op("part_might_alloc", "none", 0, B2B_LOOPS, ktime_get_ns() - t0);
	pr_debug("sum %zu\n", sum);

	s = bench_cache(64);
	for (k = 0; s && k < BENCH_NR_KINDS; k++) {
		run_split(k, s, 64, ns);
		/* The timing's own cost, measured alike, is taken off. */
		print_per_op("part_alloc", bench_names[k], 64,
			     SPLIT_ROUNDS * SPLIT_BURST, ns[0] - ns[2]);
		print_per_op("part_free", bench_names[k], 64,
			     SPLIT_ROUNDS * SPLIT_BURST, ns[1] - ns[2]);
	}
	kmem_cache_destroy(s);
out:
	tcmk_free(p);
	kfree(q);
}

/* N allocations then N frees, N cut down where N x size would pass BATCH_BYTES. */
static void icount_batch(struct kmem_cache *s, size_t size, unsigned int n,
			 void **p)
{
	unsigned int m = min_t(unsigned long, n, BATCH_BYTES / size), k;
	u64 ns[2];

	for (k = 0; k < BENCH_NR_KINDS; k++) {
		/* The first round warms up: spans, slabs, page lists. */
		if (run_batch(k, s, size, m, p, ns) ||
		    run_batch(k, s, size, m, p, ns)) {
			print_per_op(n == 1000 ? "batch1k" : "batch100k",
				     bench_names[k], size, m, U64_MAX);
			continue;
		}
		print_per_op(n == 1000 ? "batch1k" : "batch100k",
			     bench_names[k], size, m, ns[0] + ns[1]);
		print_per_op(n == 1000 ? "batch1k_alloc" : "batch100k_alloc",
			     bench_names[k], size, m, ns[0]);
		print_per_op(n == 1000 ? "batch1k_free" : "batch100k_free",
			     bench_names[k], size, m, ns[1]);
	}
}

static void icount_size(size_t size, void **p)
{
	struct kmem_cache *s = bench_cache(size);
	unsigned int n, k, rounds;

	if (!s) {
		pr_info("BENCH scenario=cache alloc=kmem_cache size=%zu error=ENOMEM\n",
			size);
		return;
	}
	/* Large objects cost thousands of instructions: fewer of them. */
	n = size <= 4096 ? B2B_LOOPS : max_t(unsigned int, 100,
					     B2B_LOOPS * 4096 / size);
	for (k = 0; k < BENCH_NR_KINDS; k++)
		print_per_op("b2b", bench_names[k], size, n,
			     min_of_reps(k, s, size, n));

	for (n = 1000; n <= 100000; n *= 100)
		icount_batch(s, size, n, p);

	rounds = (size <= 4096 ? BULK_OBJECTS : 2 * BULK_NR) / BULK_NR;
	for (k = 0; k < BENCH_NR_KINDS; k++) {
		if (k == BENCH_KMALLOC)
			continue;
		run_bulk(k, s, size, 1, p);
		print_per_op("bulk", bench_names[k], size, rounds * BULK_NR,
			     run_bulk(k, s, size, rounds, p));
	}
	kmem_cache_destroy(s);
	cond_resched();
}

static int bench_fastpath(void)
{
	static const size_t sizes[] = { 16, 256, 4096 };
	struct kmem_cache *s;
	unsigned int i, k;

	icount_loop_cost();
	icount_parts();
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		s = bench_cache(sizes[i]);
		if (!s)
			return -ENOMEM;
		for (k = 0; k < BENCH_NR_KINDS; k++)
			print_per_op("b2b", bench_names[k], sizes[i], B2B_LOOPS,
				     min_of_reps(k, s, sizes[i], B2B_LOOPS));
		kmem_cache_destroy(s);
	}
	return 0;
}

static int bench_pages(void)
{
	static const size_t sizes[] = { 2048, 4096, 32768, 65536, 1 << 20 };
	struct kmem_cache *s;
	unsigned int i;
	void **p;

	p = vmalloc(array_size(100000, sizeof(void *)));
	if (!p)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		s = bench_cache(sizes[i]);
		if (!s)
			break;
		icount_batch(s, sizes[i], 100000, p);
		kmem_cache_destroy(s);
		cond_resched();
	}
	vfree(p);
	return i < ARRAY_SIZE(sizes) ? -ENOMEM : 0;
}

#define RCU_OBJS	10000
#define RCU_REPS	3

/* tcmk_free_rcu() against kfree_rcu(): the least of RCU_REPS runs, warmed. */
static void bench_free_rcu(void)
{
	static const size_t sizes[] = { 64, 256 };
	static const enum bench_kind kinds[] = { BENCH_TCMK, BENCH_KMALLOC };
	unsigned int i, j, r;
	u64 ns, best;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(kinds); j++) {
			best = run_free_rcu(kinds[j], sizes[i], RCU_OBJS);
			for (r = 0; r < RCU_REPS; r++) {
				ns = run_free_rcu(kinds[j], sizes[i], RCU_OBJS);
				best = min(best, ns);
			}
			print_per_op("free_rcu", bench_names[kinds[j]], sizes[i],
				     RCU_OBJS, best);
		}
	}
}

/*
 * Named caches: tcmk_cache_alloc()/tcmk_cache_free() against
 * kmem_cache_alloc()/kmem_cache_free(), each without a constructor and with
 * the same trivial one. tcmk's cache without one is merged (a handle over its
 * size class), the one with it private (spans of its own, a per-CPU stack);
 * SLUB's are both caches of their own (TCMK_SLAB_NO_MERGE, and a constructor
 * keeps SLUB from merging anyway).
 */
enum bench_cache_kind {
	CACHE_TCMK_MERGED, CACHE_TCMK_PRIVATE, CACHE_SLUB, CACHE_SLUB_CTOR,
	CACHE_NR_KINDS
};

static const char *const cache_names[CACHE_NR_KINDS] = {
	[CACHE_TCMK_MERGED]	= "tcmk_merged",
	[CACHE_TCMK_PRIVATE]	= "tcmk_private",
	[CACHE_SLUB]		= "kmem_cache",
	[CACHE_SLUB_CTOR]	= "kmem_cache_ctor",
};

/* The constructor: as little as a constructor does, one store. */
static void bench_ctor(void *obj)
{
	*(unsigned long *)obj = 0;
}

static __always_inline u64 t_cache_b2b(struct tcmk_cache *c, unsigned int n)
{
	unsigned int i;
	u64 t0;
	void *p;

	for (i = 0; i < n / 10 + 1; i++) {
		p = tcmk_cache_alloc(c, GFP_KERNEL);
		if (!p)
			return U64_MAX;
		tcmk_cache_free(c, p);
	}
	t0 = ktime_get_ns();
	for (i = 0; i < n; i++) {
		p = tcmk_cache_alloc(c, GFP_KERNEL);
		if (unlikely(!p))
			return U64_MAX;
		tcmk_cache_free(c, p);
	}
	return ktime_get_ns() - t0;
}

static __always_inline u64 t_cache_bulk(struct tcmk_cache *c,
					unsigned int rounds, void **p)
{
	unsigned int i;
	u64 t0;

	t0 = ktime_get_ns();
	for (i = 0; i < rounds; i++) {
		if (unlikely(!tcmk_cache_alloc_bulk(c, GFP_KERNEL, BULK_NR, p)))
			return U64_MAX;
		tcmk_cache_free_bulk(c, BULK_NR, p);
	}
	return ktime_get_ns() - t0;
}

/* As run_b2b() and run_bulk(), for tcmk's caches; SLUB's go through those. */
static noinline u64 run_cache_b2b(struct tcmk_cache *c, unsigned int n)
{
	cond_resched();
	return t_cache_b2b(c, n);
}

static noinline u64 run_cache_bulk(struct tcmk_cache *c, unsigned int rounds,
				   void **p)
{
	cond_resched();
	return t_cache_bulk(c, rounds, p);
}

/* Back-to-back pairs of one kind, the least of ICOUNT_REPS loops. */
static u64 cache_min_of_reps(enum bench_cache_kind k, struct tcmk_cache *tc,
			     struct kmem_cache *s, unsigned int n)
{
	u64 best = U64_MAX;
	unsigned int r;

	for (r = 0; r < ICOUNT_REPS; r++)
		best = min(best, k <= CACHE_TCMK_PRIVATE ?
				 run_cache_b2b(tc, n) :
				 run_b2b(BENCH_CACHE, s, 0, n));
	return best;
}

static u64 cache_bulk(enum bench_cache_kind k, struct tcmk_cache *tc,
		      struct kmem_cache *s, unsigned int rounds, void **p)
{
	/* The first call warms up, as in icount_size(). */
	if (k <= CACHE_TCMK_PRIVATE) {
		run_cache_bulk(tc, 1, p);
		return run_cache_bulk(tc, rounds, p);
	}
	run_bulk(BENCH_CACHE, s, 0, 1, p);
	return run_bulk(BENCH_CACHE, s, 0, rounds, p);
}

static int bench_caches(void **p)
{
	static const size_t sizes[] = { 16, 64, 256, 1024 };
	unsigned int rounds = BULK_OBJECTS / BULK_NR, i, k;
	/* [0] without the constructor, [1] with it: a kind's bit 0 picks. */
	struct tcmk_cache *tc[2] = { NULL, NULL };
	struct kmem_cache *s[2] = { NULL, NULL };
	char name[32];
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(sizes) && !err; i++) {
		snprintf(name, sizeof(name), "tcmk_bench_m%zu", sizes[i]);
		tc[0] = tcmk_cache_create(name, sizes[i], 0, 0, NULL);
		snprintf(name, sizeof(name), "tcmk_bench_p%zu", sizes[i]);
		tc[1] = tcmk_cache_create(name, sizes[i], 0, 0, bench_ctor);
		s[0] = bench_cache(sizes[i]);
		snprintf(name, sizeof(name), "tcmk_bench_c%zu", sizes[i]);
		s[1] = kmem_cache_create(name, sizes[i], 0, TCMK_SLAB_NO_MERGE,
					 bench_ctor);
		if (!tc[0] || !tc[1] || !s[0] || !s[1]) {
			pr_info("BENCH scenario=cache_b2b alloc=cache size=%zu error=ENOMEM\n",
				sizes[i]);
			err = -ENOMEM;
		}
		for (k = 0; k < CACHE_NR_KINDS && !err; k++)
			print_per_op("cache_b2b", cache_names[k], sizes[i],
				     B2B_LOOPS,
				     cache_min_of_reps(k, tc[k & 1], s[k & 1],
						       B2B_LOOPS));
		for (k = 0; k < CACHE_NR_KINDS && !err; k++)
			print_per_op("cache_bulk", cache_names[k], sizes[i],
				     rounds * BULK_NR,
				     cache_bulk(k, tc[k & 1], s[k & 1], rounds, p));
		tcmk_cache_destroy(tc[0]);
		tcmk_cache_destroy(tc[1]);
		kmem_cache_destroy(s[0]);
		kmem_cache_destroy(s[1]);
		cond_resched();
	}
	return err;
}

/*
 * With sample_bytes at 1 a sample costs thousands of instructions: loops of
 * SAMPLE_PAIR_LOOPS pairs, long enough that a timer tick (see ICOUNT_REPS)
 * is a small part of one.
 */
#define SAMPLE_PAIR_LOOPS	2000

static int bench_sample_pair(void)
{
	static const size_t sizes[] = { 64, 4096, 65536 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		print_per_op("sample_pair", "tcmk", sizes[i], SAMPLE_PAIR_LOOPS,
			     min_of_reps(BENCH_TCMK, NULL, sizes[i],
					 SAMPLE_PAIR_LOOPS));
	return 0;
}

static int bench_icount(void)
{
	unsigned int i, k, nsizes = RAND_SLOTS + 2 * RAND_LOOPS;
	u64 seed = 0x7c3a5e1d2b9f4861ULL;
	void **p;
	u32 *sizes;
	int err;

	p = vmalloc(array_size(100000, sizeof(void *)));
	sizes = vmalloc(array_size(nsizes, sizeof(u32)));
	if (!p || !sizes) {
		vfree(p);
		vfree(sizes);
		return -ENOMEM;
	}
	icount_loop_cost();
	icount_parts();
	err = bench_gc_icount();
	if (err)
		goto out;
	for (i = 0; i < ARRAY_SIZE(bench_sizes); i++)
		icount_size(bench_sizes[i], p);

	for (i = 0; i < nsizes; i++)
		sizes[i] = mix_size(&seed, 65536);
	for (k = 0; k < BENCH_NR_KINDS; k++) {
		if (k == BENCH_CACHE)
			continue;
		run_random(k, sizes, RAND_LOOPS, p);
		print_per_op("random", bench_names[k], 0, RAND_LOOPS,
			     run_random(k, sizes, RAND_LOOPS, p));
	}
	bench_free_rcu();
	err = bench_caches(p);
out:
	vfree(sizes);
	vfree(p);
	return err;
}

/* Multi-CPU scenarios: kthreads bound to CPUs, bounded by time. */

#define SMP_REPS	11
#define SMP_MS		1000
#define SMP_SIZE	64
/*
 * Slots in the producer/consumer ring, a power of two. When the host runs
 * both vCPU threads on one core they take turns of a few milliseconds, and a
 * small ring (1,024 slots was tried) then limits the throughput to a ring per
 * turn for every allocator alike; this one holds more than a turn's worth.
 */
#define RING_SIZE	16384
#define PAIR_BATCH	32

struct smp_run {
	enum bench_kind kind;
	struct kmem_cache *cache;
	atomic_t ready;
	int nthreads;
	bool producer_done;
	unsigned int head ____cacheline_aligned;	/* written by the producer */
	unsigned int tail ____cacheline_aligned;	/* written by the consumer */
	void *ring[RING_SIZE];
};

enum smp_role { SMP_PAIRS, SMP_PRODUCER, SMP_CONSUMER };

struct smp_thread {
	struct smp_run *run;
	enum smp_role role;
	struct completion done;
	u64 ops;
	u64 ns;
	int err;
};

static void smp_start(struct smp_run *r)
{
	atomic_inc(&r->ready);
	while (atomic_read(&r->ready) < r->nthreads)
		cpu_relax();
}

/* Alloc/free pairs in runs of PAIR_BATCH, as a subsystem's bursts would. */
static __always_inline int t_pairs(enum bench_kind k, struct smp_thread *t)
{
	struct kmem_cache *s = t->run->cache;
	void *p[PAIR_BATCH];
	u64 t0, now, end;
	unsigned int i;

	smp_start(t->run);
	t0 = ktime_get_ns();
	end = t0 + SMP_MS * NSEC_PER_MSEC;
	do {
		for (i = 0; i < PAIR_BATCH; i++) {
			p[i] = b_alloc(k, s, SMP_SIZE);
			if (unlikely(!p[i]))
				break;
		}
		while (i--)
			b_free(k, s, p[i]);
		t->ops += PAIR_BATCH;
		cond_resched();
		now = ktime_get_ns();
	} while (now < end);
	t->ns = now - t0;
	return 0;
}

static __always_inline int t_producer(enum bench_kind k, struct smp_thread *t)
{
	struct smp_run *r = t->run;
	unsigned int head = 0, i;
	u64 t0, now, end;
	void *obj;

	smp_start(r);
	t0 = ktime_get_ns();
	end = t0 + SMP_MS * NSEC_PER_MSEC;
	do {
		for (i = 0; i < PAIR_BATCH; i++) {
			/* Acquire: the consumer is done with the slot. */
			if (head - smp_load_acquire(&r->tail) == RING_SIZE) {
				cpu_relax();
				continue;
			}
			obj = b_alloc(k, r->cache, SMP_SIZE);
			if (unlikely(!obj))
				break;
			r->ring[head % RING_SIZE] = obj;
			/* Release: the slot is written before it is published. */
			smp_store_release(&r->head, ++head);
			t->ops++;
		}
		cond_resched();
		now = ktime_get_ns();
	} while (now < end);
	t->ns = now - t0;
	WRITE_ONCE(r->producer_done, true);
	return 0;
}

static __always_inline int t_consumer(enum bench_kind k, struct smp_thread *t)
{
	struct smp_run *r = t->run;
	unsigned int tail = 0, i;
	u64 t0;

	smp_start(r);
	t0 = ktime_get_ns();
	for (;;) {
		for (i = 0; i < PAIR_BATCH; i++) {
			/* Acquire: pairs with the producer's release. */
			if (smp_load_acquire(&r->head) == tail)
				break;
			b_free(k, r->cache, r->ring[tail % RING_SIZE]);
			/* Release: the slot is read before the producer reuses it. */
			smp_store_release(&r->tail, ++tail);
			t->ops++;
		}
		if (i < PAIR_BATCH && READ_ONCE(r->producer_done)) {
			/* Acquire: read the head after the producer's "done". */
			if (smp_load_acquire(&r->head) == tail)
				break;
		}
		if (i < PAIR_BATCH)
			cpu_relax();
		cond_resched();
	}
	t->ns = ktime_get_ns() - t0;
	return 0;
}

static __always_inline int t_role(enum bench_kind k, struct smp_thread *t)
{
	switch (t->role) {
	case SMP_PAIRS:
		return t_pairs(k, t);
	case SMP_PRODUCER:
		return t_producer(k, t);
	default:
		return t_consumer(k, t);
	}
}

static noinline int run_role(struct smp_thread *t)
{
	switch (t->run->kind) {
	case BENCH_TCMK:
		return t_role(BENCH_TCMK, t);
	case BENCH_KMALLOC:
		return t_role(BENCH_KMALLOC, t);
	default:
		return t_role(BENCH_CACHE, t);
	}
}

static int smp_thread_fn(void *arg)
{
	struct smp_thread *t = arg;

	t->err = run_role(t);
	kthread_complete_and_exit(&t->done, 0);
}

/* Run @role[i] on CPU i, for i < @n, and wait for all of them. */
static int smp_run_on_cpus(struct smp_run *r, struct smp_thread *t,
			   const enum smp_role *role, int n)
{
	struct task_struct *task[2];
	int i, err = 0;

	atomic_set(&r->ready, 0);
	r->nthreads = n;
	for (i = 0; i < n; i++) {
		t[i] = (struct smp_thread){ .run = r, .role = role[i] };
		init_completion(&t[i].done);
		task[i] = kthread_create(smp_thread_fn, &t[i], "tcmk_bench/%d", i);
		if (IS_ERR(task[i])) {
			/* Let the ones started go: they wait for n threads. */
			r->nthreads = i;
			n = i;
			err = PTR_ERR(task[i]);
			break;
		}
		kthread_bind(task[i], i);
	}
	for (i = 0; i < n; i++)
		wake_up_process(task[i]);
	for (i = 0; i < n; i++) {
		wait_for_completion(&t[i].done);
		err = err ?: t[i].err;
	}
	return err;
}

static int bench_smp(void)
{
	static const enum smp_role pairs[2] = { SMP_PAIRS, SMP_PAIRS };
	static const enum smp_role prodcons[2] = { SMP_PRODUCER, SMP_CONSUMER };
	struct smp_thread t[2];
	struct smp_run *r;
	int rep, i, k, err = 0;

	if (num_online_cpus() < 2)
		return -EINVAL;
	r = vzalloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->cache = bench_cache(SMP_SIZE);
	if (!r->cache) {
		vfree(r);
		return -ENOMEM;
	}
	for (rep = 0; rep < SMP_REPS && !err; rep++) {
		/* Each repetition starts with the next allocator. */
		for (i = 0; i < BENCH_NR_KINDS && !err; i++) {
			k = (rep + i) % BENCH_NR_KINDS;
			r->kind = k;
			err = smp_run_on_cpus(r, t, pairs, 1);
			pr_info("BENCH scenario=smp_1cpu alloc=%s size=%d rep=%d ops=%llu ns=%llu\n",
				bench_names[k], SMP_SIZE, rep, t[0].ops, t[0].ns);
			err = err ?: smp_run_on_cpus(r, t, pairs, 2);
			pr_info("BENCH scenario=smp_2cpu alloc=%s size=%d rep=%d ops=%llu ns=%llu\n",
				bench_names[k], SMP_SIZE, rep,
				t[0].ops + t[1].ops, max(t[0].ns, t[1].ns));
			r->head = 0;
			r->tail = 0;
			r->producer_done = false;
			err = err ?: smp_run_on_cpus(r, t, prodcons, 2);
			pr_info("BENCH scenario=smp_prodcons alloc=%s size=%d rep=%d ops=%llu ns=%llu\n",
				bench_names[k], SMP_SIZE, rep, t[1].ops,
				max(t[0].ns, t[1].ns));
		}
	}
	kmem_cache_destroy(r->cache);
	vfree(r);
	return err;
}

/* Memory: a million objects of the mix, then 90% of them freed at random. */

#define MEM_OBJECTS	1000000
#define MEM_KEEP_PCT	10

/*
 * Free pages, counting those parked on the per-CPU page lists: NR_FREE_PAGES
 * leaves them out, and in 6.1 they may hold orders up to a 2 MiB page, which
 * is just what tcmk frees, so without them a chunk given back could go unseen
 * for a while. Per-CPU vmstat deltas not yet folded remain (a few hundred
 * pages at most here).
 */
static long free_pages_now(void)
{
	long pages = global_zone_page_state(NR_FREE_PAGES);
	int nid, z, cpu;

	for_each_online_node(nid) {
		for (z = 0; z < MAX_NR_ZONES; z++) {
			struct zone *zone = &NODE_DATA(nid)->node_zones[z];

			if (!populated_zone(zone))
				continue;
			for_each_online_cpu(cpu)
				pages += READ_ONCE(per_cpu_ptr(zone->per_cpu_pageset,
							       cpu)->count);
		}
	}
	return pages;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/*
 * Pages that hold a byte of a live object, counting each object at its usable
 * size: the least any allocator could keep for them. Sorts @p.
 */
static unsigned long live_pages(enum bench_kind k, void **p, unsigned int n)
{
	unsigned long pages = 0, last = ULONG_MAX, first, end;
	unsigned int i;

	sort(p, n, sizeof(*p), cmp_ulong, NULL);
	for (i = 0; i < n; i++) {
		size_t size = k == BENCH_TCMK ? tcmk_usable_size(p[i]) : ksize(p[i]);

		first = (unsigned long)p[i] >> PAGE_SHIFT;
		end = ((unsigned long)p[i] + size - 1) >> PAGE_SHIFT;
		if (last != ULONG_MAX && first <= last)
			first = last + 1;
		if (end >= first) {
			pages += end - first + 1;
			last = end;
		}
	}
	return pages;
}

static int bench_mem_one(enum bench_kind k, void **p, u8 *keep)
{
	long base, held_peak, held_frag, held_rel, held_end;
	unsigned long live;
	unsigned long long requested = 0, kept = 0;
	unsigned long released = 0;
	u64 seed = 0x5eed0f7c3a1bULL;
	unsigned int i, n;

	base = free_pages_now();
	for (i = 0; i < MEM_OBJECTS; i++) {
		size_t size = mix_size(&seed, 65536);

		p[i] = b_alloc(k, NULL, size);
		if (!p[i]) {
			while (i--)
				b_free(k, NULL, p[i]);
			return -ENOMEM;
		}
		requested += size;
		if (keep[i])
			kept += size;
		if (!(i % 4096))
			cond_resched();
	}
	held_peak = base - free_pages_now();
	for (i = 0, n = 0; i < MEM_OBJECTS; i++) {
		if (keep[i])
			p[n++] = p[i];
		else
			b_free(k, NULL, p[i]);
	}
	held_frag = base - free_pages_now();
	if (k == BENCH_TCMK) {
		tcmk_drain();
		released = tcmk_release();
	}
	held_rel = base - free_pages_now();
	live = live_pages(k, p, n);
	for (i = 0; i < n; i++)
		b_free(k, NULL, p[i]);
	if (k == BENCH_TCMK) {
		tcmk_drain();
		tcmk_release();
	}
	held_end = base - free_pages_now();
	pr_info("BENCH scenario=mem alloc=%s objects=%u requested=%llu kept=%u kept_requested=%llu pages_peak=%ld pages_after_free=%ld pages_after_release=%ld released_bytes=%lu live_pages=%lu pages_after_all_freed=%ld\n",
		bench_names[k], MEM_OBJECTS, requested, n, kept, held_peak,
		held_frag, held_rel, released, live, held_end);
	return 0;
}

static int bench_mem(void)
{
	u64 seed = 0x90d5eedULL;
	unsigned int i, r, k;
	void **p;
	u8 *keep;
	int err = 0;

	p = vmalloc(array_size(MEM_OBJECTS, sizeof(void *)));
	keep = vmalloc(MEM_OBJECTS);
	if (!p || !keep) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < MEM_OBJECTS; i++)
		keep[i] = bench_rand(&seed) % 100 < MEM_KEEP_PCT;
	/* Twice round, interleaved: the second shows a warmed-up allocator. */
	for (r = 0; r < 2 && !err; r++)
		for (k = 0; k < BENCH_NR_KINDS && !err; k++)
			if (k != BENCH_CACHE)
				err = bench_mem_one(k, p, keep);
out:
	vfree(keep);
	vfree(p);
	return err;
}

static DEFINE_MUTEX(bench_lock);

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	char buf[16];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	strim(buf);

	mutex_lock(&bench_lock);
	pr_info("BENCH begin suite=%s\n", buf);
	if (!strcmp(buf, "icount"))
		err = bench_icount();
	else if (!strcmp(buf, "smp"))
		err = bench_smp();
	else if (!strcmp(buf, "mem"))
		err = bench_mem();
	else if (!strcmp(buf, "gc"))
		err = bench_gc();
	else if (!strcmp(buf, "gc_trees"))
		err = bench_gc_churn();
	else if (!strcmp(buf, "gc_sections"))
		err = bench_gc_sections();
	else if (!strcmp(buf, "gcparts"))
		err = bench_gc_icount();
	else if (!strcmp(buf, "fastpath"))
		err = bench_fastpath();
	else if (!strcmp(buf, "pages"))
		err = bench_pages();
	else if (!strcmp(buf, "numa"))
		err = bench_numa();
	else if (!strcmp(buf, "sample_pair"))
		err = bench_sample_pair();
	else
		err = -EINVAL;
	pr_info("BENCH end suite=%s err=%d\n", buf, err);
	mutex_unlock(&bench_lock);
	return err ? err : len;
}

static const struct file_operations run_fops = {
	.owner	= THIS_MODULE,
	.write	= run_write,
};

static struct dentry *bench_dir;

static int __init tcmk_bench_init(void)
{
	bench_dir = debugfs_create_dir("tcmk_bench", NULL);
	debugfs_create_file("run", 0200, bench_dir, NULL, &run_fops);
	return 0;
}

static void __exit tcmk_bench_exit(void)
{
	debugfs_remove(bench_dir);
}

module_init(tcmk_bench_init);
module_exit(tcmk_bench_exit);

MODULE_DESCRIPTION("tcmk: benchmarks against SLUB, for 'make bench'");
MODULE_LICENSE("GPL");
