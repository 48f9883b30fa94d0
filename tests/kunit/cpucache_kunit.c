// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's per-CPU caches: objects allocated on one CPU and
 * freed on another, draining, CPU hotplug, and use from hardirq, softirq and
 * spinlocked context.
 */
#include <linux/cpu.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/spinlock.h>
#include <linux/tcmk.h>
#include <linux/timer.h>

#include "tcmk_test.h"

static int cpucache_init(struct kunit *test)
{
	if (tcmk_test_pin(test))
		return -EINVAL;
	tcmk_test_quiesce();
	return 0;
}

static void cpucache_exit(struct kunit *test)
{
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

struct objs {
	void **p;
	unsigned int n;
	size_t size;
	unsigned int failed;
};

static void alloc_objs(void *data)
{
	struct objs *o = data;
	unsigned int i;

	for (i = 0; i < o->n; i++) {
		o->p[i] = tcmk_alloc(o->size, GFP_KERNEL);
		if (o->p[i])
			tcmk_test_fill(o->p[i], o->size);
		else
			o->failed++;
	}
}

static void free_objs(void *data)
{
	struct objs *o = data;
	unsigned int i;

	for (i = 0; i < o->n; i++) {
		if (o->p[i] && !tcmk_test_check(o->p[i], o->size))
			o->failed++;
		tcmk_free(o->p[i]);
	}
}

static void alloc_and_free(void *data)
{
	alloc_objs(data);
	free_objs(data);
}

static int need_two_cpus(struct kunit *test)
{
	if (num_online_cpus() < 2 || !cpu_online(0) || !cpu_online(1))
		kunit_skip(test, "needs CPUs 0 and 1 online");
	return 0;
}

static void freed_on_another_cpu(struct kunit *test)
{
	unsigned int cls = tcmk_size_class(128);
	struct tcmk_cpu_counts c0, c1, b0, b1;
	struct objs o = { .n = 1000, .size = 128 };

	need_two_cpus(test);
	o.p = kunit_kcalloc(test, o.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o.p);
	tcmk_cpu_counts(cls, 0, &b0);
	tcmk_cpu_counts(cls, 1, &b1);
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, alloc_objs, &o), 0);
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(1, free_objs, &o), 0);
	KUNIT_EXPECT_EQ(test, o.failed, 0U);
	tcmk_cpu_counts(cls, 0, &c0);
	tcmk_cpu_counts(cls, 1, &c1);
	KUNIT_EXPECT_GE(test, c0.allocs - b0.allocs, (unsigned long)o.n);
	KUNIT_EXPECT_GE(test, c1.frees - b1.frees, (unsigned long)o.n);
	/* CPU 1 kept at most its two batches; the rest went back through the transfer cache. */
	KUNIT_EXPECT_LE(test, c1.cached, 2UL * tcmk_classes[cls].batch);
	KUNIT_EXPECT_GT(test, c1.flushes, b1.flushes);
	tcmk_test_expect_conserved(test, cls, 0);
}

static void drain_empties_every_cpu(struct kunit *test)
{
	struct objs o = { .n = 100 };
	static const size_t sizes[] = { 16, 200, 2048, 20000 };
	struct tcmk_cpu_counts c;
	unsigned int s, cpu;

	o.p = kunit_kcalloc(test, o.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o.p);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		o.size = sizes[s];
		for_each_online_cpu(cpu)
			KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(cpu, alloc_and_free, &o), 0);
		tcmk_cpu_counts(tcmk_size_class(sizes[s]), -1, &c);
		KUNIT_EXPECT_GT(test, c.cached, 0UL);
	}
	KUNIT_EXPECT_EQ(test, o.failed, 0U);
	tcmk_drain();
	for (s = 0; s < TCMK_NR_CLASSES; s++) {
		tcmk_cpu_counts(s, -1, &c);
		KUNIT_EXPECT_EQ_MSG(test, c.cached, 0UL, "class %u", tcmk_classes[s].size);
		tcmk_test_expect_conserved(test, s, 0);
	}
	tcmk_release();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

/* CPU 1 goes offline holding cached objects: they come back, nothing is lost. */
static void offline_cpu_hands_objects_back(struct kunit *test)
{
	unsigned int cls = tcmk_size_class(64);
	struct objs o = { .n = 40, .size = 64 };
	struct tcmk_cpu_counts c1;
	int err;

	need_two_cpus(test);
	o.p = kunit_kcalloc(test, o.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o.p);
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(1, alloc_and_free, &o), 0);
	KUNIT_EXPECT_EQ(test, o.failed, 0U);
	tcmk_cpu_counts(cls, 1, &c1);
	KUNIT_ASSERT_GT(test, c1.cached, 0UL);

	err = remove_cpu(1);
	if (err)
		kunit_skip(test, "CPU 1 cannot go offline: %d", err);
	tcmk_cpu_counts(cls, 1, &c1);
	KUNIT_EXPECT_EQ(test, c1.cached, 0UL);
	tcmk_test_expect_conserved(test, cls, 0);
	KUNIT_EXPECT_EQ(test, add_cpu(1), 0);

	/* With everything back in the shared layers, all of it can be released. */
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

/* What an interrupt-context user does: allocate, write, free, and free what others allocated. */
struct irq_ctx {
	void *from_task[16];
	unsigned int next_task_obj;
	unsigned int rounds;
	unsigned int failed;
	unsigned int wrong_context;
	bool hardirq;
	struct completion done;
};

static const size_t irq_sizes[] = { 8, 96, 512, 4096, 32768, 65536 };

static void irq_round(struct irq_ctx *ctx)
{
	unsigned int i;

	if (ctx->hardirq ? !in_hardirq() : !in_serving_softirq())
		ctx->wrong_context++;
	for (i = 0; i < ARRAY_SIZE(irq_sizes); i++) {
		void *p = tcmk_alloc(irq_sizes[i], GFP_ATOMIC | __GFP_NOWARN);

		if (!p) {
			ctx->failed++;
			continue;
		}
		tcmk_test_fill(p, irq_sizes[i]);
		if (!tcmk_test_check(p, irq_sizes[i]))
			ctx->failed++;
		tcmk_free(p);
	}
	if (ctx->next_task_obj < ARRAY_SIZE(ctx->from_task))
		tcmk_free(ctx->from_task[ctx->next_task_obj++]);
}

/*
 * In hardirq context tcmk does not call the page allocator: it serves from
 * what it holds. Give it some, as any earlier use from task context would.
 */
static void prime_from_task(struct kunit *test)
{
	unsigned int i;
	void *p;

	for (i = 0; i < ARRAY_SIZE(irq_sizes); i++) {
		p = tcmk_alloc(irq_sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		tcmk_free(p);
	}
}

static void fill_from_task(struct kunit *test, struct irq_ctx *ctx)
{
	unsigned int i;

	prime_from_task(test);

	for (i = 0; i < ARRAY_SIZE(ctx->from_task); i++) {
		ctx->from_task[i] = tcmk_alloc(200, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ctx->from_task[i]);
	}
}

static void free_leftovers(struct irq_ctx *ctx)
{
	while (ctx->next_task_obj < ARRAY_SIZE(ctx->from_task))
		tcmk_free(ctx->from_task[ctx->next_task_obj++]);
}

struct hr_ctx {
	struct hrtimer timer;
	struct irq_ctx ctx;
};

static enum hrtimer_restart hr_fn(struct hrtimer *t)
{
	struct hr_ctx *h = container_of(t, struct hr_ctx, timer);

	irq_round(&h->ctx);
	if (--h->ctx.rounds == 0) {
		complete(&h->ctx.done);
		return HRTIMER_NORESTART;
	}
	hrtimer_forward_now(t, ns_to_ktime(200 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void works_in_hardirq_timer(struct kunit *test)
{
	struct hr_ctx *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	fill_from_task(test, &h->ctx);
	h->ctx.rounds = 32;
	h->ctx.hardirq = true;
	init_completion(&h->ctx.done);
	hrtimer_setup(&h->timer, hr_fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	hrtimer_start(&h->timer, ns_to_ktime(100 * NSEC_PER_USEC), HRTIMER_MODE_REL_HARD);
	wait_for_completion(&h->ctx.done);
	hrtimer_cancel(&h->timer);
	free_leftovers(&h->ctx);
	KUNIT_EXPECT_EQ(test, h->ctx.failed, 0U);
	KUNIT_EXPECT_EQ(test, h->ctx.wrong_context, 0U);
	KUNIT_EXPECT_EQ(test, h->ctx.next_task_obj, (unsigned int)ARRAY_SIZE(h->ctx.from_task));
}

struct iw_ctx {
	struct irq_work work;
	struct irq_ctx ctx;
};

static void iw_fn(struct irq_work *w)
{
	struct iw_ctx *i = container_of(w, struct iw_ctx, work);

	irq_round(&i->ctx);
}

static void works_in_irq_work(struct kunit *test)
{
	struct iw_ctx *i = kunit_kzalloc(test, sizeof(*i), GFP_KERNEL);
	unsigned int r;

	KUNIT_ASSERT_NOT_NULL(test, i);
	fill_from_task(test, &i->ctx);
	i->ctx.hardirq = true;
	init_irq_work(&i->work, iw_fn);
	for (r = 0; r < 16; r++) {
		irq_work_queue(&i->work);
		irq_work_sync(&i->work);
	}
	free_leftovers(&i->ctx);
	KUNIT_EXPECT_EQ(test, i->ctx.failed, 0U);
	KUNIT_EXPECT_EQ(test, i->ctx.wrong_context, 0U);
}

/* Allocations in hardirq context, and a free, with nothing else held. */
struct held_ctx {
	struct irq_work work;
	void *small, *large, *huge;
	void *free_me;
};

static void held_fn(struct irq_work *w)
{
	struct held_ctx *h = container_of(w, struct held_ctx, work);

	h->small = tcmk_alloc(64, GFP_ATOMIC | __GFP_NOWARN);
	h->large = tcmk_alloc(65536, GFP_ATOMIC | __GFP_NOWARN);
	h->huge = tcmk_alloc(3 << 20, GFP_ATOMIC | __GFP_NOWARN);
	tcmk_free(h->free_me);
}

/*
 * In hardirq context tcmk makes no call to the page or slab allocator, whose
 * locks are not allowed there (lockdep's PROVE_RAW_LOCK_NESTING reports one
 * on 7.x debug kernels): with nothing held, allocations fail cleanly, and an
 * object freed there leaves the heap at once, its pages going back to the
 * kernel from a work item.
 */
static void hardirq_serves_only_what_tcmk_holds(struct kunit *test)
{
	struct held_ctx *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	tcmk_test_quiesce();
	KUNIT_ASSERT_EQ(test, tcmk_test_pages_held(), 0UL);
	h->free_me = tcmk_alloc(3 << 20, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h->free_me);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), (3UL << 20) >> PAGE_SHIFT);
	init_irq_work(&h->work, held_fn);
	irq_work_queue(&h->work);
	irq_work_sync(&h->work);
	KUNIT_EXPECT_NULL(test, h->small);
	KUNIT_EXPECT_NULL(test, h->large);
	KUNIT_EXPECT_NULL(test, h->huge);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

/* Frees in hardirq context: an object freed twice, then two allocations. */
struct twice_ctx {
	struct irq_work work;
	void *obj, *a, *b;
	long bad_after_frees;
};

static void twice_fn(struct irq_work *w)
{
	struct twice_ctx *t = container_of(w, struct twice_ctx, work);

	tcmk_free(t->obj);
	tcmk_free(t->obj);
	t->bad_after_frees = atomic_long_read(&tcmk_bad_frees);
	t->a = tcmk_alloc(64, GFP_ATOMIC | __GFP_NOWARN);
	t->b = tcmk_alloc(64, GFP_ATOMIC | __GFP_NOWARN);
}

/*
 * The interrupt stacks check their top as the task stacks do: an object
 * freed twice in a row in hardirq context is refused and counted, and the
 * interrupt's next two allocations differ.
 */
static void double_free_in_hardirq_is_refused(struct kunit *test)
{
	struct twice_ctx *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	long bad = atomic_long_read(&tcmk_bad_frees);

	KUNIT_ASSERT_NOT_NULL(test, t);
	prime_from_task(test);
	t->obj = tcmk_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->obj);
	init_irq_work(&t->work, twice_fn);
	irq_work_queue(&t->work);
	irq_work_sync(&t->work);
	KUNIT_EXPECT_EQ(test, t->bad_after_frees, bad + 1);
	KUNIT_EXPECT_NOT_NULL(test, t->a);
	KUNIT_EXPECT_PTR_NE(test, t->a, t->b);
	tcmk_free(t->a);
	tcmk_free(t->b);
}

struct tl_ctx {
	struct timer_list timer;
	struct irq_ctx ctx;
};

static void tl_fn(struct timer_list *t)
{
	struct tl_ctx *c = timer_container_of(c, t, timer);

	irq_round(&c->ctx);
	if (--c->ctx.rounds == 0)
		complete(&c->ctx.done);
	else
		mod_timer(&c->timer, jiffies + 1);
}

static void works_in_softirq_timer(struct kunit *test)
{
	struct tl_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	fill_from_task(test, &c->ctx);
	c->ctx.rounds = 16;
	init_completion(&c->ctx.done);
	timer_setup(&c->timer, tl_fn, 0);
	mod_timer(&c->timer, jiffies + 1);
	wait_for_completion(&c->ctx.done);
	timer_delete_sync(&c->timer);
	free_leftovers(&c->ctx);
	KUNIT_EXPECT_EQ(test, c->ctx.failed, 0U);
	KUNIT_EXPECT_EQ(test, c->ctx.wrong_context, 0U);
}

static DEFINE_SPINLOCK(outer_lock);

static void works_under_spinlock(struct kunit *test)
{
	unsigned long flags;
	unsigned int i, failed = 0;

	for (i = 0; i < ARRAY_SIZE(irq_sizes); i++) {
		void *p;

		spin_lock_irqsave(&outer_lock, flags);
		p = tcmk_alloc(irq_sizes[i], GFP_NOWAIT | __GFP_NOWARN);
		if (p) {
			tcmk_test_fill(p, irq_sizes[i]);
			failed += !tcmk_test_check(p, irq_sizes[i]);
			tcmk_free(p);
		} else {
			failed++;
		}
		spin_unlock_irqrestore(&outer_lock, flags);
	}
	KUNIT_EXPECT_EQ(test, failed, 0U);
}

/*
 * A task allocating and freeing on one CPU while a hardirq timer pinned to
 * the same CPU does the same to the same class, and hands objects over to
 * the task: every object is filled and checked, so one handed out twice, or
 * a stack pushed to by both at once, shows. Bounded by time, not rounds.
 */
#define SHARED_SIZE	64

struct shared_cpu {
	struct hrtimer timer;
	void *handoff[16];	/* the interrupt's, taken by the task irqs off */
	unsigned int nhandoff;
	unsigned long irq_rounds;
	unsigned long task_rounds;
	unsigned int failed;
	bool stop;
};

static void fill_tag(void *p, u8 tag)
{
	memset(p, tag, SHARED_SIZE);
}

static bool tag_ok(const void *p, u8 tag)
{
	return !memchr_inv(p, tag, SHARED_SIZE);
}

static enum hrtimer_restart shared_irq(struct hrtimer *t)
{
	struct shared_cpu *s = container_of(t, struct shared_cpu, timer);
	void *p[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = tcmk_alloc(SHARED_SIZE, GFP_ATOMIC | __GFP_NOWARN);
		if (p[i])
			fill_tag(p[i], 0xa0 + i);
		else
			s->failed++;
	}
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		if (!p[i])
			continue;
		if (!tag_ok(p[i], 0xa0 + i))
			s->failed++;
		if (i < 2 && s->nhandoff < ARRAY_SIZE(s->handoff)) {
			fill_tag(p[i], 0x5a);
			s->handoff[s->nhandoff++] = p[i];
		} else {
			tcmk_free(p[i]);
		}
	}
	s->irq_rounds++;
	if (READ_ONCE(s->stop))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void shared_task(void *data)
{
	struct shared_cpu *s = data;
	u64 end = ktime_get_ns() + 300 * NSEC_PER_MSEC;
	void *mine[8], *taken[ARRAY_SIZE(s->handoff)];
	unsigned long flags;
	unsigned int i, n;

	hrtimer_setup(&s->timer, shared_irq, CLOCK_MONOTONIC,
		      HRTIMER_MODE_REL_PINNED_HARD);
	hrtimer_start(&s->timer, ns_to_ktime(50 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
	while (ktime_get_ns() < end) {
		for (i = 0; i < ARRAY_SIZE(mine); i++) {
			mine[i] = tcmk_alloc(SHARED_SIZE, GFP_KERNEL);
			if (mine[i])
				fill_tag(mine[i], i);
			else
				s->failed++;
		}
		for (i = 0; i < ARRAY_SIZE(mine); i++) {
			if (mine[i] && !tag_ok(mine[i], i))
				s->failed++;
			tcmk_free(mine[i]);
		}
		local_irq_save(flags);
		n = s->nhandoff;
		memcpy(taken, s->handoff, n * sizeof(void *));
		s->nhandoff = 0;
		local_irq_restore(flags);
		for (i = 0; i < n; i++) {
			if (!tag_ok(taken[i], 0x5a))
				s->failed++;
			tcmk_free(taken[i]);
		}
		s->task_rounds++;
		cond_resched();
	}
	WRITE_ONCE(s->stop, true);
	hrtimer_cancel(&s->timer);
	for (i = 0; i < s->nhandoff; i++)
		tcmk_free(s->handoff[i]);
}

static void task_and_hardirq_share_a_cpu(struct kunit *test)
{
	struct shared_cpu *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* Memory for the interrupt to serve from; see prime_from_task(). */
	tcmk_free(tcmk_alloc(SHARED_SIZE, GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, shared_task, s), 0);
	KUNIT_EXPECT_EQ(test, s->failed, 0U);
	KUNIT_EXPECT_GT(test, s->irq_rounds, 0UL);
	KUNIT_EXPECT_GT(test, s->task_rounds, 0UL);
	kunit_info(test, "%lu task rounds, %lu interrupt rounds\n",
		   s->task_rounds, s->irq_rounds);
	tcmk_test_expect_conserved(test, tcmk_size_class(SHARED_SIZE), 0);
}

/* One CPU's bytes over every class: cached, or that its stacks may hold. */
static unsigned long cpu_bytes(unsigned int cpu, bool capacity)
{
	struct tcmk_cpu_counts c;
	unsigned long bytes = 0;
	unsigned int cls;

	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		tcmk_cpu_counts(cls, cpu, &c);
		bytes += (capacity ? c.capacity : c.cached) * tcmk_classes[cls].size;
	}
	return bytes;
}

static unsigned long cpu_cached_bytes(unsigned int cpu)
{
	return cpu_bytes(cpu, false);
}

static unsigned long cpu_capacity_bytes(unsigned int cpu)
{
	return cpu_bytes(cpu, true);
}

/*
 * Allocate and free @o's objects on CPU 0 until its class's stack there holds
 * some. When the budget is all dealt out, a class gets room once a reclaim
 * is due, after at most TCMK_RECLAIM_WAIT growths that find the budget
 * short; every pass makes at least one (its first allocation refills an
 * empty stack with no room). Returns the passes made, or a negative error.
 */
static int cycle_until_cached(struct objs *o)
{
	struct tcmk_cpu_counts c;
	int pass, err;

	for (pass = 1; pass <= TCMK_RECLAIM_WAIT + 1; pass++) {
		err = tcmk_test_run_on_cpu(0, alloc_and_free, o);
		if (err)
			return err;
		tcmk_cpu_counts(tcmk_size_class(o->size), 0, &c);
		if (c.cached)
			return pass;
	}
	return pass;
}

/*
 * The budget is dealt out as capacity: a stack grows as it needs to, and
 * once the budget is all dealt out, a reclaim takes back capacity other
 * stacks have and do not use (their objects allocated again); the
 * capacities never add up to more than the budget, no stack holds more than
 * its capacity, and a drain gives every stack's capacity back.
 */
static void capacity_moves_between_classes(struct kunit *test)
{
	static const size_t sizes[] = { 64, 512, 4096, 8192, 32768, 96 };
	const unsigned int budget = 96 * 1024;
	unsigned int old = READ_ONCE(tcmk_cpu_cache_bytes);
	struct objs o[ARRAY_SIZE(sizes)];
	struct tcmk_cpu_counts c;
	unsigned int i, cls;
	int pass;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		o[i] = (struct objs){ .n = 24, .size = sizes[i] };
		o[i].p = kunit_kcalloc(test, o[i].n, sizeof(void *), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, o[i].p);
	}
	WRITE_ONCE(tcmk_cpu_cache_bytes, budget);
	tcmk_drain();
	KUNIT_EXPECT_EQ(test, cpu_capacity_bytes(0), 0UL);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Freed after the classes before it took the whole budget. */
		pass = cycle_until_cached(&o[i]);
		KUNIT_ASSERT_GE(test, pass, 1);
		KUNIT_EXPECT_LE_MSG(test, pass, TCMK_RECLAIM_WAIT + 1,
				    "size %zu", sizes[i]);
		KUNIT_EXPECT_LE_MSG(test, cpu_capacity_bytes(0), (unsigned long)budget,
				    "after size %zu", sizes[i]);
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			tcmk_cpu_counts(cls, 0, &c);
			KUNIT_EXPECT_LE_MSG(test, c.cached, c.capacity, "class %u", cls);
		}
		/* Taken again: the class keeps its capacity, but unused. */
		KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, alloc_objs, &o[i]), 0);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, free_objs, &o[i]), 0);
		KUNIT_EXPECT_EQ(test, o[i].failed, 0U);
	}
	KUNIT_EXPECT_LE(test, cpu_capacity_bytes(0), (unsigned long)budget);
	KUNIT_EXPECT_LE(test, cpu_cached_bytes(0), (unsigned long)budget);

	WRITE_ONCE(tcmk_cpu_cache_bytes, old);
	tcmk_drain();
	KUNIT_EXPECT_EQ(test, cpu_capacity_bytes(0), 0UL);
	KUNIT_EXPECT_EQ(test, cpu_cached_bytes(0), 0UL);
}

/*
 * A CPU never caches more than its budget; room one class no longer uses
 * (its objects allocated again) goes to another; draining empties the CPU.
 */
static void budget_bounds_a_cpu(struct kunit *test)
{
	const unsigned int budget = 64 * 1024;
	unsigned int old = READ_ONCE(tcmk_cpu_cache_bytes);
	struct objs a = { .n = 16, .size = 8192 };
	struct objs again = { .n = 8, .size = 8192 };
	struct objs b = { .n = 2, .size = 32768 };
	int pass;

	a.p = kunit_kcalloc(test, a.n, sizeof(void *), GFP_KERNEL);
	again.p = kunit_kcalloc(test, again.n, sizeof(void *), GFP_KERNEL);
	b.p = kunit_kcalloc(test, b.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a.p);
	KUNIT_ASSERT_NOT_NULL(test, again.p);
	KUNIT_ASSERT_NOT_NULL(test, b.p);
	WRITE_ONCE(tcmk_cpu_cache_bytes, budget);
	tcmk_drain();

	/* 128 KiB of 8 KiB objects freed: half of them stay. */
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, alloc_objs, &a), 0);
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, free_objs, &a), 0);
	KUNIT_EXPECT_EQ(test, cpu_cached_bytes(0), (unsigned long)budget);

	/* Taken again: the budget is still theirs, but unused. */
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, alloc_objs, &again), 0);
	KUNIT_EXPECT_EQ(test, cpu_cached_bytes(0), 0UL);

	/*
	 * 32 KiB objects find room, once a reclaim is due. How many stay
	 * depends on the class's batch (a free past the budget sends a batch
	 * on), but not none.
	 */
	pass = cycle_until_cached(&b);
	KUNIT_ASSERT_GE(test, pass, 1);
	KUNIT_EXPECT_LE(test, pass, TCMK_RECLAIM_WAIT + 1);
	KUNIT_EXPECT_LE(test, cpu_cached_bytes(0), (unsigned long)budget);

	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(0, free_objs, &again), 0);
	KUNIT_EXPECT_LE(test, cpu_cached_bytes(0), (unsigned long)budget);
	KUNIT_EXPECT_EQ(test, a.failed + again.failed + b.failed, 0U);
	WRITE_ONCE(tcmk_cpu_cache_bytes, old);
	tcmk_drain();
	KUNIT_EXPECT_EQ(test, cpu_cached_bytes(0), 0UL);
}

/*
 * A budget set while CPU 1 is offline holds on CPU 1 once it is back: a
 * drain reaches only the CPUs online, so the CPU must take the budget as it
 * comes up. (8 KiB objects: their stacks hold 64 KiB, past the budget.)
 */
static void cpu_back_online_keeps_the_budget(struct kunit *test)
{
	const unsigned int budget = 32 * 1024;
	unsigned int old = READ_ONCE(tcmk_cpu_cache_bytes);
	struct objs o = { .n = 16, .size = 8192 };
	unsigned long cached;
	int err;

	need_two_cpus(test);
	o.p = kunit_kcalloc(test, o.n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o.p);
	err = remove_cpu(1);
	if (err)
		kunit_skip(test, "CPU 1 cannot go offline: %d", err);
	WRITE_ONCE(tcmk_cpu_cache_bytes, budget);
	tcmk_drain();
	KUNIT_EXPECT_EQ(test, add_cpu(1), 0);

	KUNIT_EXPECT_EQ(test, tcmk_test_run_on_cpu(1, alloc_objs, &o), 0);
	KUNIT_EXPECT_EQ(test, tcmk_test_run_on_cpu(1, free_objs, &o), 0);
	cached = cpu_cached_bytes(1);
	KUNIT_EXPECT_GE(test, cached, 8192UL);
	KUNIT_EXPECT_LE(test, cached, (unsigned long)budget);
	KUNIT_EXPECT_EQ(test, o.failed, 0U);

	WRITE_ONCE(tcmk_cpu_cache_bytes, old);
	tcmk_drain();
}

static struct kunit_case tcmk_cpucache_cases[] = {
	KUNIT_CASE(freed_on_another_cpu),
	KUNIT_CASE(budget_bounds_a_cpu),
	KUNIT_CASE(capacity_moves_between_classes),
	KUNIT_CASE(drain_empties_every_cpu),
	KUNIT_CASE(offline_cpu_hands_objects_back),
	KUNIT_CASE(cpu_back_online_keeps_the_budget),
	KUNIT_CASE(works_in_hardirq_timer),
	KUNIT_CASE(works_in_irq_work),
	KUNIT_CASE(works_in_softirq_timer),
	KUNIT_CASE(works_under_spinlock),
	KUNIT_CASE(task_and_hardirq_share_a_cpu),
	KUNIT_CASE(hardirq_serves_only_what_tcmk_holds),
	KUNIT_CASE(double_free_in_hardirq_is_refused),
	{}
};

static struct kunit_suite tcmk_cpucache_suite = {
	.name = "tcmk_cpucache",
	.suite_init = tcmk_test_sampling_off,
	.suite_exit = tcmk_test_sampling_restore,
	.init = cpucache_init,
	.exit = cpucache_exit,
	.test_cases = tcmk_cpucache_cases,
};

kunit_test_suites(&tcmk_cpucache_suite);
