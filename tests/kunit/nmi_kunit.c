// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk in NMI context, which is outside its contract: on a
 * kernel with CONFIG_DEBUG_ATOMIC_SLEEP every call made there is refused,
 * changes nothing, and is counted where the contract says.
 *
 * The NMI is real: the test registers an NMI_LOCAL handler and sends its
 * own CPU an NMI through the local APIC (exported as apic, on every kernel
 * tcmk builds for), as lib/nmi_backtrace.c does for other CPUs. The calls run
 * in the handler and only record what they got; the checks run after, in
 * task context, for KUnit's own calls are not NMI-safe.
 */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/preempt.h>
#include <linux/tcmk.h>
#ifdef CONFIG_X86_LOCAL_APIC
#include <asm/apic.h>
#include <asm/nmi.h>
#endif

#include "gc.h"
#include "tcmk_test.h"

#ifdef CONFIG_X86_LOCAL_APIC

/* A function to run in NMI on @cpu, and whether it has run. */
struct nmi_call {
	void (*fn)(void *data);
	void *data;
	unsigned int cpu;
	bool in_nmi;
	bool done;
};

static struct nmi_call *nmi_pending;

/* Run the pending call if it is for this CPU; other NMIs are not ours. */
static int nmi_handler(unsigned int type, struct pt_regs *regs)
{
	struct nmi_call *c = READ_ONCE(nmi_pending);

	if (!c || c->cpu != smp_processor_id() ||
	    cmpxchg(&nmi_pending, c, NULL) != c)
		return NMI_DONE;
	c->in_nmi = in_nmi();
	c->fn(c->data);
	/* Pairs with smp_load_acquire() in run_in_nmi(). */
	smp_store_release(&c->done, true);
	return NMI_HANDLED;
}

static int nmi_suite_init(struct kunit_suite *suite)
{
	return register_nmi_handler(NMI_LOCAL, nmi_handler, 0, "tcmk_kunit");
}

static void nmi_suite_exit(struct kunit_suite *suite)
{
	unregister_nmi_handler(NMI_LOCAL, "tcmk_kunit");
}

/*
 * Run @fn(@data) in NMI on this CPU and wait for it, preemption off so that
 * the NMI comes to the CPU that waits. Return: false if none came in 1 s.
 */
static bool run_in_nmi(struct kunit *test, void (*fn)(void *), void *data)
{
	struct nmi_call c = { .fn = fn, .data = data };
	unsigned int us;

	preempt_disable();
	c.cpu = smp_processor_id();
	WRITE_ONCE(nmi_pending, &c);
	apic->send_IPI_mask(cpumask_of(c.cpu), NMI_VECTOR);
	/* Pairs with smp_store_release() in nmi_handler(). */
	for (us = 0; us < USEC_PER_SEC && !smp_load_acquire(&c.done); us++)
		udelay(1);
	if (!c.done && cmpxchg(&nmi_pending, &c, NULL) != &c) {
		/* The handler has it: wait. Pairs as above. */
		while (!smp_load_acquire(&c.done))
			cpu_relax();
	}
	preempt_enable();
	KUNIT_EXPECT_TRUE_MSG(test, c.done, "no NMI came in 1 s");
	KUNIT_EXPECT_TRUE(test, c.in_nmi);
	return c.done;
}

static void need_refusal(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP))
		kunit_skip(test, "tcmk refuses NMI calls only with CONFIG_DEBUG_ATOMIC_SLEEP");
}

/* What the allocator's calls gave in NMI, and what they were given. */
struct alloc_nmi {
	void *small, *large, *bulk[4];
	void *zero;
	int nbulk;
	unsigned long released;
	void *obj, *big;
};

static void alloc_in_nmi(void *data)
{
	struct alloc_nmi *a = data;

	a->small = tcmk_alloc(64, GFP_ATOMIC);
	a->large = tcmk_alloc(65536, GFP_ATOMIC);
	a->zero = tcmk_alloc(0, GFP_ATOMIC);
	a->nbulk = tcmk_alloc_bulk(64, GFP_ATOMIC, ARRAY_SIZE(a->bulk), a->bulk);
	tcmk_free(a->obj);
	tcmk_free_bulk(1, &a->big);
	tcmk_free(NULL);
	a->released = tcmk_release();
}

/*
 * Allocations return NULL (0 for bulk and release), frees leak their object
 * and count it as a refused free; no counter of the per-CPU stacks moves,
 * and the objects are intact and can be freed afterwards.
 */
static void allocator_refuses_nmi(struct kunit *test)
{
	unsigned int cls = tcmk_size_class(64);
	struct tcmk_cpu_counts c0, c1;
	struct tcmk_stats s0, s1;
	struct alloc_nmi *a;
	long bad;

	need_refusal(test);
	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	a->obj = tcmk_alloc(64, GFP_KERNEL);
	a->big = tcmk_alloc(65536, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a->obj);
	KUNIT_ASSERT_NOT_NULL(test, a->big);
	tcmk_test_fill(a->obj, 64);
	tcmk_test_fill(a->big, 65536);
	a->small = a->large = a->zero = a->bulk[0] = ERR_PTR(-EINVAL);
	a->nbulk = -1;
	a->released = ULONG_MAX;

	bad = atomic_long_read(&tcmk_bad_frees);
	tcmk_get_stats(&s0);
	tcmk_cpu_counts(cls, -1, &c0);
	if (!run_in_nmi(test, alloc_in_nmi, a))
		return;
	tcmk_cpu_counts(cls, -1, &c1);
	tcmk_get_stats(&s1);

	KUNIT_EXPECT_NULL(test, a->small);
	KUNIT_EXPECT_NULL(test, a->large);
	KUNIT_EXPECT_NULL(test, a->zero);
	KUNIT_EXPECT_EQ(test, a->nbulk, 0);
	/* A refused bulk call writes nothing. */
	KUNIT_EXPECT_PTR_EQ(test, a->bulk[0], ERR_PTR(-EINVAL));
	KUNIT_EXPECT_EQ(test, a->released, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 2);
	KUNIT_EXPECT_EQ(test, c1.allocs, c0.allocs);
	KUNIT_EXPECT_EQ(test, c1.frees, c0.frees);
	KUNIT_EXPECT_EQ(test, c1.cached, c0.cached);
	KUNIT_EXPECT_EQ(test, s1.alloc_total, s0.alloc_total);
	KUNIT_EXPECT_EQ(test, s1.free_total, s0.free_total);
	KUNIT_EXPECT_EQ(test, s1.large_free_total, s0.large_free_total);
	KUNIT_EXPECT_EQ(test, s1.bytes_in_use, s0.bytes_in_use);
	KUNIT_EXPECT_TRUE(test, tcmk_test_check(a->obj, 64));
	KUNIT_EXPECT_TRUE(test, tcmk_test_check(a->big, 65536));

	/* Still allocated, so the free the NMI could not make works now. */
	tcmk_free(a->obj);
	tcmk_free(a->big);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 2);
}

struct gc_node {
	struct gc_node *next;
	unsigned long payload;
};

static const u16 gc_node_offsets[] = { offsetof(struct gc_node, next) };

static const struct tcmk_gc_type gc_node_type = {
	.name = "nmi_node",
	.size = sizeof(struct gc_node),
	.ptr_offsets = gc_node_offsets,
	.nr_ptrs = ARRAY_SIZE(gc_node_offsets),
};

/* What the collector's calls gave in NMI, and what they were given. */
struct gc_nmi {
	struct gc_node *obj, *other;
	struct tcmk_gc_weak *ref;
	void *alloc, *got, *weak;
	int cookie, percent;
};

/* Ten collector calls, each a bad call. */
static void gc_in_nmi(void *data)
{
	struct gc_nmi *g = data;

	g->alloc = tcmk_gc_alloc(sizeof(struct gc_node), &gc_node_type, GFP_ATOMIC);
	tcmk_gc_pin(g->obj);
	tcmk_gc_unpin(g->obj);
	tcmk_gc_write((void **)&g->obj->next, g->other);
	g->cookie = tcmk_gc_read_lock();
	tcmk_gc_read_unlock(g->cookie);
	g->weak = tcmk_gc_weak_new(g->other, GFP_ATOMIC);
	g->got = tcmk_gc_weak_get(g->ref);
	tcmk_gc_weak_free(g->ref);
	g->percent = tcmk_gc_set_percent(50);
}

/*
 * Collector calls are refused as bad calls: nothing allocated, pinned,
 * unpinned, stored or freed; the weak reference and the pins work as before
 * once back in task context.
 */
static void collector_refuses_nmi(struct kunit *test)
{
	struct tcmk_gc_stats s0, s1;
	int percent = READ_ONCE(tcmk_gc_percent);
	struct gc_nmi *g;
	bool ran;
	long bad;

	need_refusal(test);
	g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->obj = tcmk_gc_alloc(sizeof(struct gc_node), &gc_node_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->obj);
	g->other = tcmk_gc_alloc(sizeof(struct gc_node), &gc_node_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->other);
	g->ref = tcmk_gc_weak_new(g->obj, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->ref);
	g->alloc = g->got = g->weak = ERR_PTR(-EINVAL);
	g->cookie = -1;

	bad = atomic_long_read(&tcmk_gc_bad_calls);
	tcmk_gc_get_stats(&s0);
	ran = run_in_nmi(test, gc_in_nmi, g);
	if (!ran)
		goto out;
	tcmk_gc_get_stats(&s1);

	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 10);
	KUNIT_EXPECT_NULL(test, g->alloc);
	KUNIT_EXPECT_NULL(test, g->weak);
	KUNIT_EXPECT_NULL(test, g->got);
	KUNIT_EXPECT_EQ(test, g->cookie, 0);
	KUNIT_EXPECT_EQ(test, g->percent, -EINVAL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(tcmk_gc_percent), percent);
	KUNIT_EXPECT_NULL(test, READ_ONCE(g->obj->next));
	KUNIT_EXPECT_EQ(test, s1.heap_objects, s0.heap_objects);
	KUNIT_EXPECT_EQ(test, s1.pinned, s0.pinned);
	KUNIT_EXPECT_EQ(test, s1.weak_refs, s0.weak_refs);

	/* The reference still names a live object; each pin is still one. */
	KUNIT_EXPECT_PTR_EQ(test, tcmk_gc_weak_get(g->ref), (void *)g->obj);
	tcmk_gc_unpin(g->obj);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 10);
out:
	tcmk_gc_weak_free(g->ref);
	tcmk_gc_unpin(g->obj);
	tcmk_gc_unpin(g->other);
	if (ran)
		KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 10);
	tcmk_gc_collect();
}

static struct kunit_case tcmk_nmi_cases[] = {
	KUNIT_CASE(allocator_refuses_nmi),
	KUNIT_CASE(collector_refuses_nmi),
	{}
};

static struct kunit_suite tcmk_nmi_suite = {
	.name = "tcmk_nmi",
	.suite_init = nmi_suite_init,
	.suite_exit = nmi_suite_exit,
	.test_cases = tcmk_nmi_cases,
};

kunit_test_suites(&tcmk_nmi_suite);

#endif /* CONFIG_X86_LOCAL_APIC */
