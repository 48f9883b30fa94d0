// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk test harness: the misc device /dev/tcmk, which lets root drive tcmk
 * from userspace through the ioctls of <uapi/linux/tcmk.h>.
 *
 * The harness is a client of tcmk like any other: it uses only the public API
 * of <linux/tcmk.h>, so what the tests see is what kernel users get.
 *
 * Userspace never sees a kernel address. Every open file keeps an xarray from
 * handles (1 to TCMK_IOC_MAX_HANDLES) to object records; closing the file, by
 * hand or because the process died, frees whatever it still holds. STRESS
 * keeps nothing in the file: its kernel threads free all they took before the
 * ioctl returns.
 *
 * Patterns (FILL, CHECK and the stress threads) are a function of a seed and
 * the byte offset alone, so any range can be checked without replaying a
 * stream: byte i is byte i % 8, least significant first, of
 * splitmix64(seed + (i / 8 + 1) * golden); seed 0 is all zeroes, which lets
 * CHECK tell whether an object is zeroed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/tcmk.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <uapi/linux/tcmk.h>

/* The uapi is fixed-size: a layout change must be a new command. */
static_assert(sizeof(struct tcmk_ioc_alloc) == 40);
static_assert(sizeof(struct tcmk_ioc_object) == 40);
static_assert(sizeof(struct tcmk_ioc_pattern) == 48);
static_assert(sizeof(struct tcmk_ioc_stats) == 192);
static_assert(sizeof(struct tcmk_ioc_stress) == 96);
static_assert(TCMK_IOC_MAX_SIZE == TCMK_MAX_ALLOC_SIZE);

/*
 * User-sized requests fail with -ENOMEM rather than a page allocation
 * warning in the log.
 */
#define HARNESS_GFP		(GFP_KERNEL | __GFP_NOWARN)

/**
 * struct harness_obj - an object held by an open file.
 * @ptr:	the object, from tcmk.
 * @size:	the size requested at allocation.
 */
struct harness_obj {
	void *ptr;
	size_t size;
};

/**
 * struct harness_file - the state of one open file of /dev/tcmk.
 * @lock:	serialises the ioctls that use objects, so that no FREE frees an
 *		object while FILL, CHECK or SIZE reads it, and no one sees the
 *		handles of an ALLOC that may still be undone. Sleeps; taken in
 *		process context only, never by STRESS.
 * @objs:	handle -> struct harness_obj; changed under @lock (the xarray's
 *		own lock only keeps its nodes consistent).
 */
struct harness_file {
	struct mutex lock;
	struct xarray objs;
};

/* One step of splitmix64: a well-mixed 64-bit value from any counter. */
static inline u64 harness_mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define HARNESS_GOLDEN		0x9e3779b97f4a7c15ULL

/* Bytes 8 * @word to 8 * @word + 7 of the pattern of @seed, as a number. */
static inline u64 pattern_word(u64 seed, u64 word)
{
	return seed ? harness_mix(seed + (word + 1) * HARNESS_GOLDEN) : 0;
}

/* Long objects give the CPU up now and then: 4 MiB under KASAN is slow. */
#define PATTERN_RESCHED_WORDS	8192

/*
 * Write the pattern of @seed over @len bytes at @p. Objects from tcmk are at
 * least 8-byte aligned, so whole words are stored as such.
 */
static void pattern_fill(void *p, size_t len, u64 seed)
{
	size_t words = len / 8, i;
	__le64 *w = p;
	u8 *tail = p;
	u64 last;

	for (i = 0; i < words; i++) {
		w[i] = cpu_to_le64(pattern_word(seed, i));
		if (!((i + 1) % PATTERN_RESCHED_WORDS))
			cond_resched();
	}
	if (len % 8) {
		last = pattern_word(seed, words);
		for (i = words * 8; i < len; i++, last >>= 8)
			tail[i] = (u8)last;
	}
}

/*
 * Compare @len bytes at @p with the pattern of @seed. Return the number of
 * bytes that differ and set *@first_bad to the offset of the first (or to 0).
 */
static u64 pattern_check(const void *p, size_t len, u64 seed, u64 *first_bad)
{
	size_t words = len / 8, i, b;
	const __le64 *w = p;
	const u8 *tail = p;
	u64 bad = 0, diff;

	*first_bad = 0;
	for (i = 0; i < words; i++) {
		diff = le64_to_cpu(w[i]) ^ pattern_word(seed, i);
		if (unlikely(diff)) {
			for (b = 0; b < 8; b++, diff >>= 8) {
				if (!(diff & 0xff))
					continue;
				if (!bad)
					*first_bad = i * 8 + b;
				bad++;
			}
		}
		if (!((i + 1) % PATTERN_RESCHED_WORDS))
			cond_resched();
	}
	if (len % 8) {
		u64 last = pattern_word(seed, words);

		for (i = words * 8; i < len; i++, last >>= 8) {
			if (tail[i] == (u8)last)
				continue;
			if (!bad)
				*first_bad = i;
			bad++;
		}
	}
	return bad;
}

static bool reserved_zero(const __u64 *r, size_t n)
{
	while (n--)
		if (*r++)
			return false;
	return true;
}

#define RESERVED_ZERO(arg)	reserved_zero((arg).reserved, ARRAY_SIZE((arg).reserved))

/* Drop @handles[0..@n) from @hf and free their objects. */
static void harness_undo(struct harness_file *hf, const u32 *handles,
			 unsigned int n)
{
	struct harness_obj *obj;

	while (n--) {
		obj = xa_erase(&hf->objs, handles[n]);
		tcmk_free(obj->ptr);
		kfree(obj);
	}
}

static long harness_alloc(struct harness_file *hf,
			  struct tcmk_ioc_alloc __user *uarg)
{
	struct tcmk_ioc_alloc arg;
	struct harness_obj *obj;
	gfp_t gfp = HARNESS_GFP;
	u32 *handles = NULL;
	void **ptrs = NULL;
	unsigned int i = 0;
	long ret;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg) || arg.flags & ~TCMK_ALLOC_FLAGS ||
	    !arg.size || arg.size > TCMK_IOC_MAX_SIZE ||
	    !arg.count || arg.count > TCMK_IOC_MAX_COUNT)
		return -EINVAL;
	if (arg.flags & TCMK_ALLOC_ATOMIC)
		gfp = GFP_ATOMIC | __GFP_NOWARN;
	if (arg.flags & TCMK_ALLOC_ZERO)
		gfp |= __GFP_ZERO;

	ptrs = kvcalloc(arg.count, sizeof(*ptrs), GFP_KERNEL);
	handles = kvcalloc(arg.count, sizeof(*handles), GFP_KERNEL);
	if (!ptrs || !handles) {
		ret = -ENOMEM;
		goto out;
	}
	if (!tcmk_alloc_bulk(arg.size, gfp, arg.count, ptrs)) {
		ret = -ENOMEM;
		goto out;
	}

	/*
	 * The lock is held until the handles are in userspace, so that an
	 * undo never races with a FREE of a handle guessed by another thread.
	 */
	mutex_lock(&hf->lock);
	for (i = 0; i < arg.count; i++) {
		obj = kmalloc(sizeof(*obj), GFP_KERNEL);
		if (!obj) {
			ret = -ENOMEM;
			goto undo;
		}
		obj->ptr = ptrs[i];
		obj->size = arg.size;
		ret = xa_alloc(&hf->objs, &handles[i], obj,
			       XA_LIMIT(1, TCMK_IOC_MAX_HANDLES), GFP_KERNEL);
		if (ret) {
			kfree(obj);
			if (ret == -EBUSY)
				ret = -ENOSPC;
			goto undo;
		}
	}
	if (copy_to_user(u64_to_user_ptr(arg.handles), handles,
			 array_size(arg.count, sizeof(*handles)))) {
		ret = -EFAULT;
		goto undo;
	}
	mutex_unlock(&hf->lock);
	ret = 0;
	goto out;

undo:
	/* Objects 0..i-1 have handles; i and up are only in ptrs. */
	harness_undo(hf, handles, i);
	mutex_unlock(&hf->lock);
	tcmk_free_bulk(arg.count - i, ptrs + i);
out:
	kvfree(handles);
	kvfree(ptrs);
	return ret;
}

static long harness_free(struct harness_file *hf,
			 struct tcmk_ioc_object __user *uarg)
{
	struct tcmk_ioc_object arg;
	struct harness_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_erase(&hf->objs, arg.handle);
	mutex_unlock(&hf->lock);
	if (!obj)
		return -ENOENT;
	tcmk_free(obj->ptr);
	kfree(obj);
	return 0;
}

static long harness_size(struct harness_file *hf,
			 struct tcmk_ioc_object __user *uarg)
{
	struct tcmk_ioc_object arg;
	struct harness_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_load(&hf->objs, arg.handle);
	if (obj) {
		arg.size = tcmk_usable_size(obj->ptr);
		arg.requested = obj->size;
	}
	mutex_unlock(&hf->lock);
	if (!obj)
		return -ENOENT;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

/* FILL and CHECK: @check tells which. */
static long harness_pattern(struct harness_file *hf,
			    struct tcmk_ioc_pattern __user *uarg, bool check)
{
	struct tcmk_ioc_pattern arg;
	struct harness_obj *obj;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (arg.pad || !RESERVED_ZERO(arg))
		return -EINVAL;
	mutex_lock(&hf->lock);
	obj = xa_load(&hf->objs, arg.handle);
	if (obj && check)
		arg.bad_bytes = pattern_check(obj->ptr, obj->size, arg.seed,
					      &arg.first_bad);
	else if (obj)
		pattern_fill(obj->ptr, obj->size, arg.seed);
	mutex_unlock(&hf->lock);
	if (!obj)
		return -ENOENT;
	if (check && copy_to_user(uarg, &arg, sizeof(arg)))
		return -EFAULT;
	return 0;
}

static long harness_stats(struct tcmk_ioc_stats __user *uarg)
{
	struct tcmk_ioc_stats arg;
	struct tcmk_stats st;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	if (!RESERVED_ZERO(arg))
		return -EINVAL;
	tcmk_get_stats(&st);
	memset(&arg, 0, sizeof(arg));
	arg.bytes_in_use = st.bytes_in_use;
	arg.bytes_cached_cpu = st.bytes_cached_cpu;
	arg.bytes_cached_transfer = st.bytes_cached_transfer;
	arg.bytes_cached_central = st.bytes_cached_central;
	arg.bytes_free_page_heap = st.bytes_free_page_heap;
	arg.bytes_held = st.bytes_held;
	arg.bytes_released_total = st.bytes_released_total;
	arg.alloc_total = st.alloc_total;
	arg.free_total = st.free_total;
	arg.alloc_fastpath = st.alloc_fastpath;
	arg.alloc_slowpath = st.alloc_slowpath;
	arg.free_fastpath = st.free_fastpath;
	arg.free_slowpath = st.free_slowpath;
	arg.large_alloc_total = st.large_alloc_total;
	arg.large_free_total = st.large_free_total;
	arg.bad_free_total = st.bad_free_total;
	return copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
}

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
 * struct stress_thread - one stress thread.
 * @run:	the run it belongs to.
 * @task:	the kthread; a reference is held until it is reaped.
 * @cpu_idx:	which of the run's CPUs it is bound to (0 to nr_cpus - 1).
 * @rng:	state of its random choices (splitmix64 counter).
 * @ops:	objects allocated (and so, eventually, freed).
 * @errors:	failed allocations and corrupted or undersized objects.
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
	struct harness_obj slots[STRESS_SLOTS];
	size_t live_bytes;
	spinlock_t inbox_lock;
	struct harness_obj inbox[STRESS_INBOX];
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

/* The seed of an object's pattern: its address never leaves the kernel. */
static u64 stress_seed(const struct stress_run *run, const void *ptr)
{
	return harness_mix((unsigned long)ptr ^ run->arg.seed) | 1;
}

/* Check an object's pattern and size, then free it. */
static void stress_free(struct stress_thread *t, const struct harness_obj *obj)
{
	u64 first_bad, bad;

	bad = pattern_check(obj->ptr, obj->size, stress_seed(t->run, obj->ptr),
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
	struct harness_obj obj;

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
			     const struct harness_obj *obj)
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

static void stress_retire(struct stress_thread *t, struct harness_obj *slot)
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
	struct harness_obj *slot = &t->slots[stress_rand(t) % STRESS_SLOTS];
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
		return;
	}
	slot->size = size;
	t->live_bytes += size;
	pattern_fill(slot->ptr, size, stress_seed(t->run, slot->ptr));
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

static long harness_stress(struct tcmk_ioc_stress __user *uarg)
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
	for (i = 0; i < run->nr_threads; i++) {
		struct stress_thread *t = &run->threads[i];

		kthread_stop(t->task);
		put_task_struct(t->task);
		stress_drain_inbox(t);
		arg.ops += t->ops;
		arg.errors += t->errors;
	}
	if (copy_to_user(uarg, &arg, sizeof(arg)))
		ret = -EFAULT;
out:
	kvfree(run);
	return ret;
}

static long harness_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	struct harness_file *hf = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case TCMK_IOC_ALLOC:
		return harness_alloc(hf, uarg);
	case TCMK_IOC_FREE:
		return harness_free(hf, uarg);
	case TCMK_IOC_FILL:
		return harness_pattern(hf, uarg, false);
	case TCMK_IOC_CHECK:
		return harness_pattern(hf, uarg, true);
	case TCMK_IOC_SIZE:
		return harness_size(hf, uarg);
	case TCMK_IOC_STATS:
		return harness_stats(uarg);
	case TCMK_IOC_STRESS:
		return harness_stress(uarg);
	default:
		return -ENOTTY;
	}
}

static int harness_open(struct inode *inode, struct file *file)
{
	struct harness_file *hf;

	/* The device is 0600, but root without CAP_SYS_ADMIN is refused too. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	hf = kzalloc(sizeof(*hf), GFP_KERNEL);
	if (!hf)
		return -ENOMEM;
	mutex_init(&hf->lock);
	xa_init_flags(&hf->objs, XA_FLAGS_ALLOC1);
	file->private_data = hf;
	return nonseekable_open(inode, file);
}

/* The last reference is gone, so no ioctl runs: no lock is needed. */
static int harness_release(struct inode *inode, struct file *file)
{
	struct harness_file *hf = file->private_data;
	struct harness_obj *obj;
	unsigned long handle;

	xa_for_each(&hf->objs, handle, obj) {
		tcmk_free(obj->ptr);
		kfree(obj);
		cond_resched();
	}
	xa_destroy(&hf->objs);
	mutex_destroy(&hf->lock);
	kfree(hf);
	return 0;
}

static const struct file_operations harness_fops = {
	.owner		= THIS_MODULE,
	.open		= harness_open,
	.release	= harness_release,
	.unlocked_ioctl	= harness_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice harness_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "tcmk",
	.fops	= &harness_fops,
	.mode	= 0600,
};

module_misc_device(harness_dev);

MODULE_DESCRIPTION("tcmk test harness: /dev/tcmk ioctls for userspace tests");
MODULE_LICENSE("GPL");
