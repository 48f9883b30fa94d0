// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit stress test for tcmk: a kthread on every CPU allocates and frees
 * objects of random sizes for a bounded time, hands some to the other CPUs to
 * free, and checks each object's pattern before freeing it. Every object a
 * CPU is handed must lie on its node, whoever freed the memory before.
 * Afterwards the accounting must balance and, drained and released, tcmk
 * must hold no pages.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tcmk.h>

#include "tcmk_test.h"

static unsigned int stress_ms = 3000;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "How long the stress test runs, in milliseconds (default 3000)");

#define SLOTS		128
#define POOL		64

struct stress_obj {
	void *p;
	size_t size;
};

/* Objects in flight from one CPU to another. */
static struct {
	spinlock_t lock;
	unsigned int count;
	struct stress_obj objs[POOL];
} pool;

struct stress_thread {
	struct task_struct *task;
	struct completion done;
	unsigned long deadline;
	u32 seed;
	int node;
	unsigned long ops;
	unsigned long errors;
	unsigned long misplaced;
	struct stress_obj slots[SLOTS];
};

static size_t random_size(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	switch (r % 200) {
	case 0:
		return 1 + (r >> 8) % (TCMK_MAX_ALLOC_SIZE >> 2);	/* up to 1 MiB */
	case 1 ... 10:
		return TCMK_MAX_SMALL_SIZE + 1 + (r >> 8) % (256 << 10);
	case 11 ... 60:
		return 257 + (r >> 8) % (TCMK_MAX_SMALL_SIZE - 256);
	default:
		return 1 + (r >> 8) % 256;
	}
}

static void check_and_free(struct stress_thread *st, struct stress_obj *o)
{
	if (tcmk_usable_size(o->p) < o->size || !tcmk_test_check(o->p, o->size))
		st->errors++;
	tcmk_free(o->p);
	o->p = NULL;
}

static bool pool_put(struct stress_obj *o)
{
	bool put = false;

	spin_lock(&pool.lock);
	if (pool.count < POOL) {
		pool.objs[pool.count++] = *o;
		put = true;
	}
	spin_unlock(&pool.lock);
	return put;
}

static bool pool_get(struct stress_obj *o)
{
	bool got = false;

	spin_lock(&pool.lock);
	if (pool.count) {
		*o = pool.objs[--pool.count];
		got = true;
	}
	spin_unlock(&pool.lock);
	return got;
}

static int stress_fn(void *arg)
{
	struct stress_thread *st = arg;
	struct rnd_state rnd;
	unsigned int i;

	prandom_seed_state(&rnd, st->seed);
	while (time_before(jiffies, st->deadline)) {
		u32 r = prandom_u32_state(&rnd);
		struct stress_obj *o = &st->slots[r % SLOTS], other;

		if (o->p) {
			/* A quarter of the objects are freed on another CPU. */
			if (!(r & 0x300) && pool_put(o))
				o->p = NULL;
			else
				check_and_free(st, o);
		} else {
			if (pool_get(&other))
				check_and_free(st, &other);
			o->size = random_size(&rnd);
			o->p = tcmk_alloc(o->size, GFP_KERNEL);
			if (!o->p) {
				st->errors++;
			} else {
				tcmk_test_fill(o->p, o->size);
				st->misplaced += tcmk_addr_node(o->p) != st->node;
			}
		}
		st->ops++;
		cond_resched();
	}
	for (i = 0; i < SLOTS; i++)
		if (st->slots[i].p)
			check_and_free(st, &st->slots[i]);
	complete(&st->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static void random_churn_on_every_cpu(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);
	unsigned long ops = 0, errors = 0, misplaced = 0, deadline;
	unsigned long lallocs, lfrees, lbytes;
	struct stress_thread *threads;
	struct stress_obj o;
	unsigned int cpu, n = 0, i;

	spin_lock_init(&pool.lock);
	pool.count = 0;
	threads = kunit_kcalloc(test, nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, threads);
	deadline = jiffies + msecs_to_jiffies(stress_ms);
	for_each_online_cpu(cpu) {
		struct stress_thread *st = &threads[cpu];

		st->deadline = deadline;
		st->seed = 0x7c3b + cpu;
		/* The thread keeps to @cpu: its objects lie on this node. */
		st->node = tcmk_mem_node(cpu_to_node(cpu));
		init_completion(&st->done);
		st->task = kthread_create_on_cpu(stress_fn, st, cpu, "tcmk_stress/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(st->task));
		wake_up_process(st->task);
		n++;
	}
	for_each_online_cpu(cpu) {
		wait_for_completion(&threads[cpu].done);
		kthread_stop(threads[cpu].task);
		ops += threads[cpu].ops;
		errors += threads[cpu].errors;
		misplaced += threads[cpu].misplaced;
	}
	while (pool_get(&o)) {
		if (!tcmk_test_check(o.p, o.size))
			errors++;
		tcmk_free(o.p);
	}
	kunit_info(test, "%u threads, %lu operations in %u ms, %lu objects on another node than their CPU's\n",
		   n, ops, stress_ms, misplaced);
	KUNIT_EXPECT_GT(test, ops, 0UL);
	KUNIT_EXPECT_EQ(test, errors, 0UL);
	KUNIT_EXPECT_EQ(test, misplaced, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad);

	/* Everything was freed: every class balances, and no page is kept. */
	tcmk_test_quiesce();
	for (i = 0; i < TCMK_NR_CLASSES; i++) {
		struct tcmk_cpu_counts c;

		tcmk_cpu_counts(i, -1, &c);
		KUNIT_EXPECT_EQ_MSG(test, c.allocs, c.frees, "class %u", tcmk_classes[i].size);
		KUNIT_EXPECT_EQ(test, c.cached, 0UL);
		tcmk_test_expect_conserved(test, i, 0);
	}
	tcmk_large_counts(&lallocs, &lfrees, &lbytes);
	KUNIT_EXPECT_EQ(test, lallocs, lfrees);
	KUNIT_EXPECT_EQ(test, lbytes, 0UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

static struct kunit_case tcmk_stress_cases[] = {
	KUNIT_CASE(random_churn_on_every_cpu),
	{}
};

static struct kunit_suite tcmk_stress_suite = {
	.name = "tcmk_stress",
	.test_cases = tcmk_stress_cases,
};

kunit_test_suites(&tcmk_stress_suite);
