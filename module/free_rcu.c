// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk: freeing after an RCU grace period, batched per CPU as kfree_rcu()
 * batches (kvfree_rcu() in kernel/rcu/tree.c).
 *
 * Each CPU gathers the objects passed to tcmk_free_rcu() into arrays
 * (blocks, page-sized objects of tcmk's) and, when it has no array with
 * room and none spare, links them through their rcu_head. A delayed work
 * item, the monitor, hands what a CPU gathered over to one rcu_work: after
 * one grace period for the whole batch, a worker frees every object with
 * tcmk_free_bulk() and keeps a few of the blocks for the next batches.
 * Nothing is allocated where the call is made unless it may sleep
 * (tcmk_free_rcu_mightsleep()), so tcmk_free_rcu() works in any context
 * but NMI; the monitor, in process context, gets blocks for a CPU that ran
 * short. A CPU has one batch in flight at a time: while it waits, new frees
 * gather behind it, and the monitor looks again later.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/tcmk.h>
#include <linux/workqueue.h>

#include "tcmk.h"

/* How long a CPU gathers before its batch is handed over: kfree_rcu's. */
#define TCMK_RCU_DELAY		(HZ / 50)
/* Blocks a CPU keeps spare between batches: kfree_rcu keeps 5 pages. */
#define TCMK_RCU_SPARES		2

/*
 * A page-sized object of tcmk's (class 4096): every byte is used, and
 * kmemleak, which is told of tcmk's objects and scans them, sees the
 * pointers of the objects waiting in it.
 */
#define TCMK_RCU_BLOCK_OBJS	((PAGE_SIZE - 2 * sizeof(void *)) / sizeof(void *))

struct tcmk_rcu_block {
	struct tcmk_rcu_block *next;
	unsigned long nr;
	void *objs[TCMK_RCU_BLOCK_OBJS];
};
static_assert(sizeof(struct tcmk_rcu_block) == PAGE_SIZE);

/**
 * struct tcmk_rcu_cpu - a CPU's RCU frees.
 * @lock:	guards every field below but @rwork and @monitor. A raw
 *		spinlock, taken with interrupts off, for tcmk_free_rcu() may
 *		be called in hardirq context. Taken on the CPU's own frees,
 *		and by the monitor, the batch's worker and
 *		tcmk_free_rcu_barrier(), which may run on any CPU. Nothing of
 *		tcmk's is taken, allocated or freed under it; queueing the
 *		monitor takes the timer's and workqueue's raw locks.
 * @blocks:	blocks gathering objects, the one filling first.
 * @heads:	objects linked through their rcu_head, each head's func
 *		holding its object.
 * @nr:		objects in @blocks and @heads.
 * @spare:	empty blocks, linked through next.
 * @nr_spare:	how many.
 * @monitor_on:	the monitor is queued (or about to be) for what gathers.
 * @short_of_blocks: an object was linked through its head for want of a block:
 *		the monitor gets blocks, where it may sleep.
 * @busy:	a batch is in flight: @wait_blocks, @wait_heads, @nr_wait.
 * @wait_blocks: the batch's blocks.
 * @wait_heads:	the batch's objects linked through their heads.
 * @nr_wait:	objects in the batch.
 * @batches:	batches handed over since load.
 * @rwork:	the batch's grace period and worker.
 * @monitor:	hands over what gathers, TCMK_RCU_DELAY after the first free.
 */
struct tcmk_rcu_cpu {
	raw_spinlock_t lock;
	struct tcmk_rcu_block *blocks;
	struct rcu_head *heads;
	unsigned long nr;
	struct tcmk_rcu_block *spare;
	unsigned int nr_spare;
	bool monitor_on;
	bool short_of_blocks;
	bool busy;
	struct tcmk_rcu_block *wait_blocks;
	struct rcu_head *wait_heads;
	unsigned long nr_wait;
	unsigned long batches;
	struct rcu_work rwork;
	struct delayed_work monitor;
};

static DEFINE_PER_CPU(struct tcmk_rcu_cpu, tcmk_rcu_cpus);

/* A block with room, taken from the spares if the first one is full. */
static bool block_add(struct tcmk_rcu_cpu *r, void *obj)
{
	struct tcmk_rcu_block *b = r->blocks;

	lockdep_assert_held(&r->lock);
	if (!b || b->nr == TCMK_RCU_BLOCK_OBJS) {
		b = r->spare;
		if (!b)
			return false;
		r->spare = b->next;
		r->nr_spare--;
		b->next = r->blocks;
		b->nr = 0;
		r->blocks = b;
	}
	b->objs[b->nr++] = obj;
	return true;
}

static void queued(struct tcmk_rcu_cpu *r)
{
	lockdep_assert_held(&r->lock);
	r->nr++;
	if (!r->monitor_on) {
		r->monitor_on = true;
		queue_delayed_work(system_unbound_wq, &r->monitor,
				   TCMK_RCU_DELAY);
	}
}

/* A block that frees may still fill, or one to give back. */
static void block_put(struct tcmk_rcu_cpu *r, struct tcmk_rcu_block *b,
		      struct tcmk_rcu_block **drop)
{
	lockdep_assert_held(&r->lock);
	if (r->nr_spare < TCMK_RCU_SPARES) {
		b->next = r->spare;
		r->spare = b;
		r->nr_spare++;
	} else {
		b->next = *drop;
		*drop = b;
	}
}

static void blocks_free(struct tcmk_rcu_block *b)
{
	struct tcmk_rcu_block *next;

	for (; b; b = next) {
		next = b->next;
		tcmk_free(b);
	}
}

static void queue_ptr(const void *ptr, struct rcu_head *head)
{
	struct tcmk_rcu_block *b;
	struct tcmk_rcu_cpu *r;
	unsigned long flags;

	local_irq_save(flags);
	r = this_cpu_ptr(&tcmk_rcu_cpus);
	raw_spin_lock(&r->lock);
	if (block_add(r, (void *)ptr))
		goto queued;
	if (head) {
		/* kfree_rcu()'s encoding: the object in func, for no room. */
		head->func = (rcu_callback_t)ptr;
		head->next = r->heads;
		r->heads = head;
		r->short_of_blocks = true;
		goto queued;
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);

	b = tcmk_alloc(sizeof(*b), GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (!b) {
		/* What kvfree_rcu_mightsleep() does with no memory. */
		synchronize_rcu();
		tcmk_free(ptr);
		return;
	}
	/* The task may have moved while it slept: this CPU's, again. */
	local_irq_save(flags);
	r = this_cpu_ptr(&tcmk_rcu_cpus);
	raw_spin_lock(&r->lock);
	b->nr = 0;
	b->next = r->spare;
	r->spare = b;
	r->nr_spare++;
	block_add(r, (void *)ptr);
queued:
	queued(r);
	raw_spin_unlock_irqrestore(&r->lock, flags);
}

void __tcmk_free_rcu(const void *ptr, struct rcu_head *head)
{
	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	if (tcmk_in_nmi()) {
		tcmk_nmi_refused("tcmk_free_rcu");
		atomic_long_inc(&tcmk_bad_frees);
		return;
	}
	queue_ptr(ptr, head);
}
EXPORT_SYMBOL_GPL(__tcmk_free_rcu);

void tcmk_free_rcu_mightsleep(const void *ptr)
{
	might_sleep();
	if (unlikely(ZERO_OR_NULL_PTR(ptr)))
		return;
	queue_ptr(ptr, NULL);
}
EXPORT_SYMBOL_GPL(tcmk_free_rcu_mightsleep);

/*
 * Hand what @r gathered over to its rcu_work, unless a batch is in flight.
 * Returns whether @r now has nothing gathered.
 */
static bool handover(struct tcmk_rcu_cpu *r, bool monitor)
{
	unsigned long flags;
	bool go = false, empty;

	raw_spin_lock_irqsave(&r->lock, flags);
	if (r->nr && !r->busy) {
		r->wait_blocks = r->blocks;
		r->wait_heads = r->heads;
		r->nr_wait = r->nr;
		r->blocks = NULL;
		r->heads = NULL;
		r->nr = 0;
		r->busy = true;
		r->batches++;
		go = true;
	}
	empty = !r->nr;
	/* A batch in flight: the monitor looks again later. */
	if (monitor) {
		r->monitor_on = !empty;
		if (!empty)
			queue_delayed_work(system_unbound_wq, &r->monitor,
					   TCMK_RCU_DELAY);
	}
	raw_spin_unlock_irqrestore(&r->lock, flags);
	if (go)
		queue_rcu_work(system_unbound_wq, &r->rwork);
	return empty;
}

/* Spare blocks for a CPU that ran out; in process context, may sleep. */
static void blocks_refill(struct tcmk_rcu_cpu *r)
{
	struct tcmk_rcu_block *b, *drop = NULL;
	unsigned long flags;
	bool want;

	raw_spin_lock_irqsave(&r->lock, flags);
	want = r->short_of_blocks && r->nr_spare < TCMK_RCU_SPARES;
	r->short_of_blocks = false;
	raw_spin_unlock_irqrestore(&r->lock, flags);
	while (want) {
		b = tcmk_alloc(sizeof(*b), GFP_KERNEL | __GFP_NORETRY |
			       __GFP_NOWARN);
		if (!b)
			return;
		raw_spin_lock_irqsave(&r->lock, flags);
		block_put(r, b, &drop);
		want = r->nr_spare < TCMK_RCU_SPARES;
		raw_spin_unlock_irqrestore(&r->lock, flags);
	}
	blocks_free(drop);
}

static void rcu_monitor(struct work_struct *work)
{
	struct tcmk_rcu_cpu *r = container_of(to_delayed_work(work),
					      struct tcmk_rcu_cpu, monitor);

	handover(r, true);
	blocks_refill(r);
}

/* After the grace period of @r's batch: free it, in process context. */
static void rcu_batch_free(struct work_struct *work)
{
	struct tcmk_rcu_cpu *r = container_of(to_rcu_work(work),
					      struct tcmk_rcu_cpu, rwork);
	struct tcmk_rcu_block *blocks, *b, *next, *drop = NULL;
	struct rcu_head *head, *hnext;
	unsigned long flags;

	/* Only this worker touches the batch while busy is set. */
	raw_spin_lock_irqsave(&r->lock, flags);
	blocks = r->wait_blocks;
	head = r->wait_heads;
	r->wait_blocks = NULL;
	r->wait_heads = NULL;
	raw_spin_unlock_irqrestore(&r->lock, flags);

	for (b = blocks; b; b = b->next)
		tcmk_free_bulk(b->nr, b->objs);
	for (; head; head = hnext) {
		/* The head lies in the object: read it before the free. */
		hnext = head->next;
		tcmk_free((void *)head->func);
	}

	raw_spin_lock_irqsave(&r->lock, flags);
	for (b = blocks; b; b = next) {
		next = b->next;
		block_put(r, b, &drop);
	}
	r->nr_wait = 0;
	r->busy = false;
	raw_spin_unlock_irqrestore(&r->lock, flags);
	blocks_free(drop);
}

void tcmk_free_rcu_barrier(void)
{
	struct tcmk_rcu_block *spare;
	struct tcmk_rcu_cpu *r;
	unsigned long flags;
	bool done;
	int cpu;

	might_sleep();
	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(&tcmk_rcu_cpus, cpu);
		/*
		 * No monitor runs from here on unless a free comes after the
		 * cancel: one that would get blocks behind this barrier's back,
		 * after it gave the spares back, is not left running. A free
		 * during the cancel may have found its monitor not queued:
		 * what it gathered is handed over below, and the next free
		 * queues the monitor again.
		 */
		cancel_delayed_work_sync(&r->monitor);
		raw_spin_lock_irqsave(&r->lock, flags);
		r->monitor_on = false;
		raw_spin_unlock_irqrestore(&r->lock, flags);
		for (;;) {
			/* The batch in flight, if any: its grace period and free. */
			flush_rcu_work(&r->rwork);
			raw_spin_lock_irqsave(&r->lock, flags);
			done = !r->nr && !r->busy;
			raw_spin_unlock_irqrestore(&r->lock, flags);
			if (done)
				break;
			/*
			 * Hand over what gathered; if a monitor queued since is
			 * handing over, wait for its batch on the next turn.
			 */
			handover(r, false);
			cond_resched();
		}
		raw_spin_lock_irqsave(&r->lock, flags);
		spare = r->spare;
		r->spare = NULL;
		r->nr_spare = 0;
		r->short_of_blocks = false;
		raw_spin_unlock_irqrestore(&r->lock, flags);
		blocks_free(spare);
	}
}
EXPORT_SYMBOL_GPL(tcmk_free_rcu_barrier);

/*
 * For the tests: each CPU's counts are read under its lock, so they agree
 * with each other when nothing is being freed.
 */
void tcmk_free_rcu_counts(struct tcmk_free_rcu_counts *c)
{
	struct tcmk_rcu_cpu *r;
	unsigned long flags;
	int cpu;

	memset(c, 0, sizeof(*c));
	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(&tcmk_rcu_cpus, cpu);
		raw_spin_lock_irqsave(&r->lock, flags);
		c->pending += r->nr + r->nr_wait;
		c->batches += r->batches;
		c->spare += r->nr_spare;
		raw_spin_unlock_irqrestore(&r->lock, flags);
	}
}
TCMK_EXPORT_FOR_TESTS(tcmk_free_rcu_counts);

void __init tcmk_free_rcu_init(void)
{
	struct tcmk_rcu_cpu *r;
	int cpu;

	for_each_possible_cpu(cpu) {
		r = per_cpu_ptr(&tcmk_rcu_cpus, cpu);
		raw_spin_lock_init(&r->lock);
		INIT_RCU_WORK(&r->rwork, rcu_batch_free);
		INIT_DELAYED_WORK(&r->monitor, rcu_monitor);
	}
}

/*
 * At unload no module that calls tcmk is left, so nothing is queued any
 * more: the barrier frees every batch and leaves no monitor queued.
 */
void tcmk_free_rcu_exit(void)
{
	tcmk_free_rcu_barrier();
}
