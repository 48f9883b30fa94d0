// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk test harness: TCMK_IOC_STRESS, kernel threads bound to every online
 * CPU that allocate, fill, check and free objects, and hand some of them
 * to each other to free.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tcmk.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <uapi/linux/tcmk.h>

#include "harness.h"

/*
 * STRESS. Each thread keeps up to STRESS_SLOTS live objects and at most
 * STRESS_BUDGET bytes of them; every operation allocates one object into a
 * random slot, retiring the slot's previous object first. A retired object is
 * checked and freed, or, for cross_cpu_pct of them, handed to a thread on
 * another CPU, whose inbox holds at most STRESS_BUDGET bytes more. The
 * budgets keep 8 threads on each of many CPUs within a small guest's memory
 * even with 4 MiB objects.
 */
#define STRESS_SLOTS		32
#define STRESS_INBOX		64
#define STRESS_BUDGET		(4UL << 20)

struct stress_run;

/**
 * struct stress_obj - an object of a stress thread.
 * @ptr:	the object, from tcmk.
 * @size:	the size requested at allocation.
 * @seed:	the seed of its pattern: from the thread's random choices,
 *		never from its address, whose bits the pattern would give away
 *		to whoever reads the memory next.
 */
struct stress_obj {
	void *ptr;
	size_t size;
	u64 seed;
};

/**
 * struct stress_thread - one stress thread.
 * @run:	the run it belongs to.
 * @task:	the kthread; a reference is held until it is reaped.
 * @cpu_idx:	which of the run's CPUs it is bound to (0 to nr_cpus - 1).
 * @rng:	state of its random choices (splitmix64 counter).
 * @ops:	objects allocated (and so, eventually, freed).
 * @errors:	failed allocations and corrupted or undersized objects.
 * @failed:	failed allocations.
 * @slots:	its live objects (@ptr NULL: empty slot).
 * @live_bytes:	bytes requested by the objects in @slots.
 * @inbox_lock:	protects @inbox, @inbox_count and @inbox_bytes; taken by
 *		this thread and by the threads that hand it objects, in
 *		process context.
 * @inbox:	objects handed over by other threads, for this one to free.
 * @inbox_count: entries in @inbox.
 * @inbox_bytes: bytes requested by the entries in @inbox.
 */
struct stress_thread {
	struct stress_run *run;
	struct task_struct *task;
	unsigned int cpu_idx;
	u64 rng;
	u64 ops;
	u64 errors;
	u64 failed;
	struct stress_obj slots[STRESS_SLOTS];
	size_t live_bytes;
	spinlock_t inbox_lock;
	struct stress_obj inbox[STRESS_INBOX];
	unsigned int inbox_count;
	size_t inbox_bytes;
};

/**
 * struct stress_run - one TCMK_IOC_STRESS call.
 * @arg:	the validated arguments; read-only while threads run.
 * @start:	ktime_get_ns() value when the threads were woken.
 * @deadline:	ktime_get_ns() value at which timed threads stop.
 * @stop:	set when the caller was interrupted; threads stop soon.
 * @running:	threads that have not finished yet.
 * @done:	woken when @running drops to zero.
 * @nr_cpus:	CPUs the threads are spread over.
 * @nr_threads:	threads, @nr_cpus * threads_per_cpu.
 * @threads:	the threads, those of CPU i at i * threads_per_cpu.
 */
struct stress_run {
	struct tcmk_ioc_stress arg;
	u64 start;
	u64 deadline;
	bool stop;
	atomic_t running;
	wait_queue_head_t done;
	unsigned int nr_cpus;
	unsigned int nr_threads;
	struct stress_thread threads[];
};

static u64 stress_rand(struct stress_thread *t)
{
	t->rng += HARNESS_GOLDEN;
	return harness_mix(t->rng);
}

/* Check an object's pattern and size, then free it. */
static void stress_free(struct stress_thread *t, const struct stress_obj *obj)
{
	u64 first_bad, bad;

	bad = pattern_check(obj->ptr, obj->size, obj->seed, PATTERN_ALL_BITS,
			    &first_bad);
	if (unlikely(bad)) {
		pr_err_ratelimited("stress: %llu bad bytes in an object of %zu bytes, first at offset %llu\n",
				   bad, obj->size, first_bad);
		t->errors++;
	}
	if (unlikely(tcmk_usable_size(obj->ptr) < obj->size)) {
		pr_err_ratelimited("stress: usable size %zu below the %zu bytes requested\n",
				   tcmk_usable_size(obj->ptr), obj->size);
		t->errors++;
	}
	tcmk_free(obj->ptr);
}

/* Check and free what other threads handed over, one object at a time. */
static void stress_drain_inbox(struct stress_thread *t)
{
	struct stress_obj obj;

	for (;;) {
		spin_lock(&t->inbox_lock);
		if (!t->inbox_count) {
			spin_unlock(&t->inbox_lock);
			return;
		}
		obj = t->inbox[--t->inbox_count];
		t->inbox_bytes -= obj.size;
		spin_unlock(&t->inbox_lock);
		stress_free(t, &obj);
	}
}

/* A thread bound to another CPU if there is one, else any other thread. */
static struct stress_thread *stress_peer(struct stress_thread *t)
{
	struct stress_run *run = t->run;
	unsigned int per_cpu = run->arg.threads_per_cpu, cpu, idx;

	if (run->nr_cpus > 1) {
		cpu = (t->cpu_idx + 1 + stress_rand(t) % (run->nr_cpus - 1)) %
		      run->nr_cpus;
		return &run->threads[cpu * per_cpu + stress_rand(t) % per_cpu];
	}
	if (run->nr_threads < 2)
		return NULL;
	idx = (t - run->threads + 1 + stress_rand(t) % (run->nr_threads - 1)) %
	      run->nr_threads;
	return &run->threads[idx];
}

/* Hand @obj to @peer; false if its inbox is full. */
static bool stress_hand_over(struct stress_thread *peer,
			     const struct stress_obj *obj)
{
	bool taken = false;

	spin_lock(&peer->inbox_lock);
	if (peer->inbox_count < STRESS_INBOX &&
	    peer->inbox_bytes + obj->size <= STRESS_BUDGET) {
		peer->inbox[peer->inbox_count++] = *obj;
		peer->inbox_bytes += obj->size;
		taken = true;
	}
	spin_unlock(&peer->inbox_lock);
	return taken;
}

static void stress_retire(struct stress_thread *t, struct stress_obj *slot)
{
	struct stress_thread *peer = NULL;

	if (stress_rand(t) % 100 < t->run->arg.cross_cpu_pct)
		peer = stress_peer(t);
	if (!peer || !stress_hand_over(peer, slot))
		stress_free(t, slot);
	t->live_bytes -= slot->size;
	slot->ptr = NULL;
}

static bool stress_should_stop(struct stress_thread *t)
{
	const struct stress_run *run = t->run;

	if (READ_ONCE(run->stop))
		return true;
	if (run->arg.duration_ns)
		return ktime_get_ns() >= run->deadline;
	return t->ops >= run->arg.ops;
}

static void stress_op(struct stress_thread *t)
{
	const struct tcmk_ioc_stress *arg = &t->run->arg;
	size_t size = arg->min_size +
		      stress_rand(t) % (arg->max_size - arg->min_size + 1);
	struct stress_obj *slot = &t->slots[stress_rand(t) % STRESS_SLOTS];
	unsigned int i;

	if (slot->ptr)
		stress_retire(t, slot);
	for (i = 0; t->live_bytes + size > STRESS_BUDGET; i++)
		if (t->slots[i].ptr)
			stress_retire(t, &t->slots[i]);

	t->ops++;
	slot->ptr = tcmk_alloc(size, HARNESS_GFP);
	if (unlikely(!slot->ptr)) {
		t->errors++;
		t->failed++;
		return;
	}
	slot->size = size;
	/* Odd, so never 0: seed 0 is the all-zero pattern. */
	slot->seed = stress_rand(t) | 1;
	t->live_bytes += size;
	pattern_fill(slot->ptr, size, slot->seed, PATTERN_ALL_BITS);
}

static int stress_fn(void *data)
{
	struct stress_thread *t = data;
	struct stress_run *run = t->run;
	unsigned int i;

	while (!stress_should_stop(t)) {
		stress_op(t);
		stress_drain_inbox(t);
		cond_resched();
	}
	for (i = 0; i < STRESS_SLOTS; i++)
		if (t->slots[i].ptr)
			stress_retire(t, &t->slots[i]);
	stress_drain_inbox(t);
	/* Peers still running may hand over more: the caller drains last. */
	if (atomic_dec_and_test(&run->running))
		wake_up(&run->done);
	return 0;
}

static long stress_check_args(const struct tcmk_ioc_stress *arg)
{
	if (!RESERVED_ZERO(*arg) ||
	    !arg->threads_per_cpu ||
	    arg->threads_per_cpu > TCMK_STRESS_MAX_THREADS ||
	    arg->cross_cpu_pct > 100 ||
	    arg->duration_ns > TCMK_STRESS_MAX_NS ||
	    !arg->min_size || arg->max_size < arg->min_size ||
	    arg->max_size > TCMK_IOC_MAX_SIZE)
		return -EINVAL;
	/* Exactly one bound: a time, or a number of operations. */
	if (arg->duration_ns)
		return arg->ops ? -EINVAL : 0;
	if (!arg->ops || arg->ops > 1ULL << 32)
		return -EINVAL;
	return 0;
}

/* Start the threads; on failure none has run and all are gone. */
static long stress_start(struct stress_run *run, const struct cpumask *cpus)
{
	unsigned int per_cpu = run->arg.threads_per_cpu, i, n = 0, cpu;
	struct stress_thread *t;
	long err;

	for_each_cpu(cpu, cpus) {
		for (i = 0; i < per_cpu; i++, n++) {
			t = &run->threads[n];
			t->run = run;
			t->cpu_idx = n / per_cpu;
			t->rng = harness_mix(run->arg.seed + n * HARNESS_GOLDEN);
			spin_lock_init(&t->inbox_lock);
			t->task = kthread_create(stress_fn, t, "tcmk_stress/%u:%u",
						 cpu, i);
			if (IS_ERR(t->task)) {
				err = PTR_ERR(t->task);
				goto fail;
			}
			get_task_struct(t->task);
			kthread_bind(t->task, cpu);
#ifdef CONFIG_FAULT_INJECTION
			/* They allocate for the caller: fail as it would. */
			t->task->make_it_fail = current->make_it_fail;
#endif
		}
	}
	atomic_set(&run->running, n);
	run->start = ktime_get_ns();
	run->deadline = run->start + run->arg.duration_ns;
	for (i = 0; i < n; i++)
		wake_up_process(run->threads[i].task);
	return 0;

fail:
	/* Never woken, so stopped before stress_fn() runs. */
	while (n--) {
		kthread_stop(run->threads[n].task);
		put_task_struct(run->threads[n].task);
	}
	return err;
}

long harness_stress(struct tcmk_ioc_stress __user *uarg)
{
	struct tcmk_ioc_stress arg;
	struct stress_run *run;
	cpumask_var_t cpus;
	unsigned int i;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	ret = stress_check_args(&arg);
	if (ret)
		return ret;
	if (!alloc_cpumask_var(&cpus, GFP_KERNEL))
		return -ENOMEM;
	/* A CPU that goes offline later only costs its threads their binding. */
	cpumask_copy(cpus, cpu_online_mask);
	run = kvzalloc(struct_size(run, threads,
				   cpumask_weight(cpus) * arg.threads_per_cpu),
		       GFP_KERNEL);
	if (!run) {
		free_cpumask_var(cpus);
		return -ENOMEM;
	}
	run->arg = arg;
	run->nr_cpus = cpumask_weight(cpus);
	run->nr_threads = run->nr_cpus * arg.threads_per_cpu;
	init_waitqueue_head(&run->done);

	ret = stress_start(run, cpus);
	free_cpumask_var(cpus);
	if (ret)
		goto out;
	/* Any signal ends the run early; the objects are freed regardless. */
	if (wait_event_interruptible(run->done, !atomic_read(&run->running))) {
		WRITE_ONCE(run->stop, true);
		wait_event(run->done, !atomic_read(&run->running));
		ret = -EINTR;
	}
	arg.elapsed_ns = ktime_get_ns() - run->start;

	arg.ops = 0;
	arg.errors = 0;
	arg.failed = 0;
	for (i = 0; i < run->nr_threads; i++) {
		struct stress_thread *t = &run->threads[i];

		kthread_stop(t->task);
		put_task_struct(t->task);
		stress_drain_inbox(t);
		arg.ops += t->ops;
		arg.errors += t->errors;
		arg.failed += t->failed;
	}
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
out:
	kvfree(run);
	return ret;
}
