// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk per-CPU caches, and the public entry points that use them.
 *
 * Each CPU keeps, per size class, two stacks of free objects: one for task
 * context and one for interrupt context (hardirq and softirq). An allocation
 * pops from the stack of the context it runs in and a free pushes onto it;
 * no shared cache line is touched. A task stack is only ever used from task
 * context on its own CPU, so disabling preemption is all it needs: an
 * interrupt that comes meanwhile uses the interrupt stacks. Those are used
 * with interrupts disabled, since a hardirq may come in the middle of a
 * softirq. So the task fast path, where most allocations are, pays for a
 * preempt count instead of local_irq_save() and local_irq_restore().
 * NMI context is not supported: see tcmk_in_nmi().
 *
 * A miss goes to a noinline slow path, which works on either context's
 * stacks with interrupts disabled (which also keeps preemption away from a
 * task stack), and moves a whole batch from or to the class's transfer
 * cache with interrupts enabled again, so that a GFP_KERNEL refill may
 * sleep.
 *
 * Each stack has a capacity, at most two batches, and the capacities of a
 * CPU's stacks together hold at most cpu_cache_bytes: the fast paths test a
 * stack's count against its capacity and nothing else, and the budget is
 * dealt out in the slow paths, as TCMalloc's per-CPU caches do. A stack
 * that overflows, or runs dry with too little capacity for a batch, grows
 * by a batch (at most 4 KiB of objects) from the CPU's budget that no stack
 * holds; when that runs short, every stack of the CPU gives back the
 * capacity it does not use (at most once per so many such growths).
 * A free that finds its stack full and cannot grow it flushes a batch to
 * the shared layers. A CPU going offline hands its objects back (CPU
 * hotplug), and tcmk_drain() empties every CPU's stacks and gives their
 * capacity back to the CPU's budget, from a worker on each CPU.
 *
 * On a machine with several nodes, a CPU caches only objects of its own
 * node (the node whose memory is nearest: tcmk_mem_node()), refilled from
 * that node's shared layers. A free finds its task stack through the
 * object's span, by the span's slot (tcmk_cpu_slot() of the span's node and
 * class), among a task stack per class for every node: the CPU's own node's
 * are its stacks, every other node's are stacks that are always full and
 * never written. An object of another node thus leaves the free fast path
 * by the test that a full stack takes anyway, and its slow path gives it
 * back to its node's layers: the fast paths pay no instruction for nodes,
 * on one node or on several.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/kmemleak.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tcmk.h>
#include <linux/workqueue.h>

#include "debug.h"
#include "gc.h"
#include "hooks.h"
#include "tcmk.h"
#include "tcmk_trace.h"

unsigned int tcmk_cpu_cache_bytes = 512 * 1024;
/* Read-only here: /sys/kernel/tcmk/cpu_cache_bytes changes it at run time. */
module_param_named(cpu_cache_bytes, tcmk_cpu_cache_bytes, uint, 0400);
MODULE_PARM_DESC(cpu_cache_bytes, "Bytes of free objects each CPU may cache (default 512 KiB)");
TCMK_EXPORT_FOR_TESTS(tcmk_cpu_cache_bytes);

/**
 * struct tcmk_cpu_class - one class's stack on one CPU: what the fast paths
 * touch, in 32 bytes, so that a class's stack is found with one shift.
 * @slots:	the free objects; the top is the most recently freed. Room for
 *		two batches, the most @capacity can be; @slots[-1] is NULL.
 * @count:	objects in @slots.
 * @capacity:	objects the stack may hold: its share of the CPU's budget.
 *		Lowered only as far as @count (cache_reclaim()), but that may
 *		happen in an interrupt that comes between a task's test and its
 *		push, so @count may pass it by one object (never the size of
 *		@slots).
 * @allocs:	objects allocated from this stack.
 * @frees:	objects freed to this stack.
 */
struct tcmk_cpu_class {
	void **slots;
	unsigned int count;
	unsigned int capacity;
	unsigned long allocs;
	unsigned long frees;
};

enum { TCMK_CTX_TASK, TCMK_CTX_IRQ, TCMK_NR_CTX };

/**
 * struct tcmk_cpu_node - a CPU's task stacks for the objects of one node.
 * @sample_left: the task context's bytes to allocate until the next heap
 *		profile sample (sample.c); below 0, the allocation that took
 *		it there is sampled. Used in the CPU's own node's only, as its
 *		task stacks are.
 * @head:	@sample_left's room: a stack's, so that node @nid's stack of
 *		class @cls is tcmk_cpu_slot(@nid, @cls) stacks from the first
 *		node's first.
 * @stack:	by class. Another node's are always full: capacity 0, and
 *		slots that hold no object (tcmk_no_slots).
 */
struct tcmk_cpu_node {
	union {
		long sample_left;
		struct tcmk_cpu_class head;
	};
	struct tcmk_cpu_class stack[TCMK_NR_CLASSES];
};

/* What another node's stacks point to: one NULL, below no slot at all. */
static void *tcmk_no_slots[1];

/*
 * How a stack's capacity grows: by a batch, but by no more than this many
 * bytes of objects (and at least one object), so that a class of large
 * objects that misses once does not take a large part of the budget as room
 * it may never use.
 */
#define TCMK_GROW_BYTES		4096

/**
 * struct tcmk_cpu_cache - a CPU's cache.
 * @irq_sample_left: as struct tcmk_cpu_node's @sample_left, for interrupt
 *		context.
 * @irq:	the stacks for interrupts, by class, used with interrupts
 *		disabled.
 * @unused:	bytes of the budget in no stack's capacity.
 * @reclaim_wait: growths that may yet find @unused short before the next
 *		cache_reclaim().
 * @refills:	per class, allocations that found their stack empty.
 * @flushes:	per class, frees that sent a batch to the shared layers.
 * @node:	the node whose objects the CPU caches: tcmk_mem_node() of its
 *		own, set before the CPU first runs tcmk's code.
 * @nodes:	the task stacks, a struct tcmk_cpu_node per possible node
 *		(nr_node_ids), allocated on the CPU's node; only @node's are
 *		used, from task context on this CPU only, with preemption or
 *		interrupts disabled.
 *
 * All but the task stacks' fast-path fields are used with interrupts
 * disabled; a dead CPU's cache is emptied without.
 */
struct tcmk_cpu_cache {
	long irq_sample_left;
	struct tcmk_cpu_class irq[TCMK_NR_CLASSES];
	unsigned long unused;
	unsigned int reclaim_wait;
	int node;
	unsigned long refills[TCMK_NR_CLASSES];
	unsigned long flushes[TCMK_NR_CLASSES];
	struct tcmk_cpu_node *nodes;
};

static struct tcmk_cpu_cache __percpu *tcmk_cpu;
/*
 * Each CPU's own node's task stacks, for allocations, and the first node's
 * first task stack, from which frees index by the span's slot: one
 * %gs-relative load each on the fast paths. (Plain DEFINE_PER_CPU: a
 * module's per-CPU area is its .data..percpu alone.)
 */
static DEFINE_PER_CPU(struct tcmk_cpu_node *, tcmk_cpu_self);
static DEFINE_PER_CPU(struct tcmk_cpu_class *, tcmk_cpu_slots);
static int tcmk_cpuhp_state;

/* tcmk_drain()'s workers, one per CPU, and the lock that lets one run. */
static struct workqueue_struct *tcmk_drain_wq;
static DEFINE_PER_CPU(struct work_struct, tcmk_drain_work);
static DEFINE_MUTEX(tcmk_drain_lock);
/* tcmk_cpucache_sample_reset()'s workers, on the same workqueue. */
static DEFINE_PER_CPU(struct work_struct, tcmk_sample_work);

/*
 * On while the tcmk:alloc trace event or heap profile sampling is: one
 * static branch in tcmk_alloc() for both, so that with both off it pays for
 * the one it paid for tracing alone.
 */
DEFINE_STATIC_KEY_FALSE(tcmk_alloc_hook);

/* The trace event's first probe and last (TRACE_EVENT_FN in tcmk_trace.h). */
int tcmk_alloc_trace_reg(void)
{
	static_branch_inc(&tcmk_alloc_hook);
	return 0;
}

void tcmk_alloc_trace_unreg(void)
{
	static_branch_dec(&tcmk_alloc_hook);
}

/* Pointers refused by tcmk_free(), since load. */
atomic_long_t tcmk_bad_frees = ATOMIC_LONG_INIT(0);
TCMK_EXPORT_FOR_TESTS(tcmk_bad_frees);

/* Softirq and hardirq use the interrupt stacks (NMI: see tcmk_in_nmi()). */
static __always_inline unsigned int tcmk_ctx(void)
{
	return in_task() ? TCMK_CTX_TASK : TCMK_CTX_IRQ;
}

/*
 * The stack operations of the fast paths, for either context; the caller
 * keeps the stack to itself (preemption off for a task stack, interrupts off
 * for an interrupt stack).
 */

/*
 * The stack @i stacks from @first. GCC would otherwise work its address out
 * again for each field the fast paths touch (three instructions each time
 * instead of none).
 *
 * Reached by pointer arithmetic rather than by indexing an array, which
 * UBSAN_BOUNDS (on in Debian's 7.x kernels, and so in modules built for
 * them) would check: @i comes from the class table or from a span, in
 * bounds by construction, and the check's call would cost both fast paths a
 * stack frame.
 */
static __always_inline struct tcmk_cpu_class *
stack_at(struct tcmk_cpu_class *first, unsigned int i)
{
	struct tcmk_cpu_class *cc = first + i;

	OPTIMIZER_HIDE_VAR(cc);
	return cc;
}

/* The CPU's own node's task stacks. */
static inline struct tcmk_cpu_node *cpu_node(struct tcmk_cpu_cache *c)
{
	return &c->nodes[c->node];
}

/* The stack of class @cls for context @ctx, for the slow paths. */
static inline struct tcmk_cpu_class *
cpu_class(struct tcmk_cpu_cache *c, unsigned int ctx, unsigned int cls)
{
	return ctx == TCMK_CTX_TASK ? &cpu_node(c)->stack[cls] : &c->irq[cls];
}

/* The countdown to the next sample of context @ctx. */
static inline long *cpu_sample_left(struct tcmk_cpu_cache *c, unsigned int ctx)
{
	return ctx == TCMK_CTX_TASK ? &cpu_node(c)->sample_left :
				      &c->irq_sample_left;
}

/*
 * Pop a free object from stack @cc into @obj, unless it is empty: the
 * decrement's borrow is the test. The object is read before the counters
 * are written: the kernel is built with -fno-strict-aliasing, and GCC would
 * otherwise load the count again.
 *
 * Return: false if the stack was empty.
 */
static __always_inline bool stack_pop(struct tcmk_cpu_class *cc, void **obj)
{
	unsigned long n;

	if (unlikely(check_sub_overflow((unsigned long)cc->count, 1UL, &n)))
		return false;
	*obj = cc->slots[n];
	cc->count = n;
	cc->allocs++;
	return true;
}

enum tcmk_push { TCMK_PUSHED, TCMK_PUSH_FULL, TCMK_PUSH_TWICE };

/*
 * Push @obj onto stack @cc, unless it is full, or unless it is on top
 * already: freed twice in a row, as SLUB's hardened free list checks its
 * head. Two instructions on the fast path; the slot below the bottom of a
 * stack holds NULL (see tcmk_cpucache_init()), so an empty stack needs no
 * test of its own. A double free with other frees between is not caught.
 */
static __always_inline enum tcmk_push stack_push(struct tcmk_cpu_class *cc,
						 void *obj)
{
	unsigned long n = cc->count;
	void **slots = cc->slots;

	/* Before the room: a full stack is flushed, top and all. */
	if (unlikely(slots[(long)n - 1] == obj))
		return TCMK_PUSH_TWICE;
	/*
	 * A reclaim from an interrupt may lower it (see the struct): either
	 * value will do, so the compiler may compare with it in memory.
	 */
	if (unlikely(n >= data_race(cc->capacity)))
		return TCMK_PUSH_FULL;
	cc->frees++;
	slots[n] = obj;
	cc->count = n + 1;
	return TCMK_PUSHED;
}

/* Slots of a stack of class @cls: two batches, the most its capacity can be. */
static unsigned int stack_slots(unsigned int cls)
{
	return 2 * tcmk_classes[cls].batch;
}

/* Room left on a stack: none while a reclaim has put it past its capacity. */
static unsigned int stack_room(const struct tcmk_cpu_class *cc)
{
	return cc->count < cc->capacity ? cc->capacity - cc->count : 0;
}

/*
 * Take back into @c's unused budget all the capacity its stacks hold and do
 * not use: each stack keeps room for what it holds, no more. Called when a
 * stack wants to grow and the budget is all dealt out, so a stack that has
 * needed room recently soon asks again, a batch at a time, while the room
 * of stacks that have gone quiet serves others; the scan of every stack
 * happens once per budget's worth of growth, not on every miss.
 *
 * Either context may take from the other's stacks: the caller has
 * interrupts off, so an interrupt stack is not in use, and a task's push
 * that this comes in the middle of passes its capacity by one object at
 * most (see struct tcmk_cpu_class).
 */
static void cache_reclaim(struct tcmk_cpu_cache *c)
{
	unsigned int ctx, cls, room;
	struct tcmk_cpu_class *cc;

	lockdep_assert_irqs_disabled();
	for (ctx = 0; ctx < TCMK_NR_CTX; ctx++) {
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			cc = cpu_class(c, ctx, cls);
			room = stack_room(cc);
			if (!room)
				continue;
			c->unused += (unsigned long)room * tcmk_classes[cls].size;
			WRITE_ONCE(cc->capacity, cc->count);
		}
	}
}

/*
 * Let @cc, a stack of @c for class @cls, hold up to a batch more (see
 * TCMK_GROW_BYTES), from the unused budget, reclaimed first if short and a
 * reclaim is due. Interrupts off.
 *
 * Return: true if its capacity grew.
 */
static bool cache_grow(struct tcmk_cpu_cache *c, struct tcmk_cpu_class *cc,
		       unsigned int cls)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	unsigned int max = stack_slots(cls), n;

	lockdep_assert_irqs_disabled();
	/*
	 * Debug mode keeps every stack at capacity 0, so that every
	 * allocation and free takes the slow paths, where its checks are.
	 */
	if (tcmk_debug() || cc->capacity >= max)
		return false;
	n = min_t(unsigned int, ci->batch, max - cc->capacity);
	n = min_t(unsigned int, n, max_t(unsigned int, 1, TCMK_GROW_BYTES / ci->size));
	if (c->unused < (unsigned long)n * ci->size) {
		if (c->reclaim_wait) {
			c->reclaim_wait--;
		} else {
			cache_reclaim(c);
			c->reclaim_wait = TCMK_RECLAIM_WAIT;
		}
	}
	n = min_t(unsigned long, n, c->unused / ci->size);
	if (!n)
		return false;
	c->unused -= (unsigned long)n * ci->size;
	WRITE_ONCE(cc->capacity, cc->capacity + n);
	return true;
}

/*
 * A batch from the shared layers: one object for the caller, the rest onto
 * the stack of the context we run in, as far as its capacity goes (grown
 * first if too small for them). Does not zero.
 */
static noinline void *tcmk_refill(unsigned int cls, gfp_t gfp)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	unsigned int ctx = tcmk_ctx();
	void *objs[TCMK_BATCH_MAX] __uninitialized;
	struct tcmk_cpu_cache *c;
	struct tcmk_cpu_class *cc;
	unsigned long flags;
	unsigned int n, k;
	void *obj;
	int nid;

	might_alloc(gfp);
	nid = tcmk_local_node();
	/* Another node's object comes alone: nothing is cached then. */
	n = tcmk_central_remove_near(nid, cls, objs, ci->batch, gfp);
	if (!n)
		return NULL;
	obj = objs[--n];

	local_irq_save(flags);
	c = this_cpu_ptr(tcmk_cpu);
	cc = cpu_class(c, ctx, cls);
	/*
	 * Moved to a CPU of another node: none is its to cache, and its stack
	 * is not grown for objects it will not hold.
	 */
	k = 0;
	if (c->node == nid) {
		if (stack_room(cc) < n)
			cache_grow(c, cc, cls);
		k = min(n, stack_room(cc));
	}
	tcmk_stack_put(&cc->slots, &cc->count, objs + n - k, k);
	cc->allocs++;
	c->refills[cls]++;
	local_irq_restore(flags);
	trace_cache_refill(ci->size, n + 1, ctx == TCMK_CTX_IRQ);

	if (n > k)
		tcmk_central_insert(nid, cls, objs, n - k);
	return obj;
}

/*
 * Debug mode's allocations and frees bypass the stacks: they are counted on
 * the stack of the context they run in, each as a miss (a refill or a
 * flush), so that the statistics, objects in use among them, stay true.
 */
static void debug_count(unsigned int cls, bool alloc)
{
	struct tcmk_cpu_cache *c;
	struct tcmk_cpu_class *cc;
	unsigned long flags;

	if (cls >= TCMK_NR_CLASSES)
		return;
	local_irq_save(flags);
	c = this_cpu_ptr(tcmk_cpu);
	cc = cpu_class(c, tcmk_ctx(), cls);
	if (alloc) {
		cc->allocs++;
		c->refills[cls]++;
	} else {
		cc->frees++;
		c->flushes[cls]++;
	}
	local_irq_restore(flags);
}

/* A debug mode allocation, counted. */
static void *debug_alloc(size_t size, gfp_t gfp, unsigned long caller)
{
	unsigned int cls;
	void *obj = tcmk_debug_alloc(size, gfp, caller, &cls);

	if (obj)
		debug_count(cls, true);
	return obj;
}

/**
 * tcmk_refuse_gfp() - say that an allocation with TCMK_GFP_REFUSED flags fails.
 * @gfp:	the flags asked for.
 * @caller:	the address the caller of tcmk's API will return to.
 *
 * Context: any.
 */
void __cold tcmk_refuse_gfp(gfp_t gfp, unsigned long caller)
{
	pr_warn_ratelimited("%pS asked for %pGg: tcmk has no memory of the DMA zones\n",
			    (void *)caller, &gfp);
}

/**
 * tcmk_alloc_allowed() - whether an allocation off the fast path may go on.
 * @size:	bytes asked for.
 * @gfp:	allocation flags.
 * @call:	the API called, for the log of a refusal in NMI.
 * @caller:	the caller of tcmk's API, for the log of refused flags.
 *
 * Refuses NMI context and the flags tcmk has no memory for, with a log,
 * then asks fault injection. Sizes tcmk does not serve, 0 and above
 * TCMK_MAX_ALLOC_SIZE, pass: the caller answers them without asking fault
 * injection, as kmalloc does.
 *
 * Context: any; may sleep if @gfp allows (might_alloc()).
 * Return: true if the allocation may go on.
 */
bool tcmk_alloc_allowed(size_t size, gfp_t gfp, const char *call,
			unsigned long caller)
{
	if (tcmk_in_nmi()) {
		tcmk_nmi_refused(call);
		return false;
	}
	if (!size || size > TCMK_MAX_ALLOC_SIZE)
		return true;
	if (unlikely(gfp & TCMK_GFP_REFUSED)) {
		tcmk_refuse_gfp(gfp, caller);
		return false;
	}
	might_alloc(gfp);
	return !tcmk_should_fail_alloc(size, gfp);
}

static noinline void tcmk_free_slow(const struct tcmk_span *span, void *obj,
				    unsigned long caller);
static __always_inline void tcmk_free_at(const void *ptr, unsigned long caller);

/*
 * A hit for flags tcmk refuses: the object goes back, counted as allocated
 * and freed, so that the hit tests @gfp once for zeroing and for this. It
 * was never handed out: neither its allocation nor its free is traced.
 */
static noinline void *tcmk_alloc_refused(void *obj, unsigned int cls,
					 gfp_t gfp, unsigned long caller)
{
	tcmk_free_slow(tcmk_span_of(obj), obj, 0);
	tcmk_refuse_gfp(gfp, caller);
	return NULL;
}

/* The end of a hit that tcmk_alloc_needs_finish() says needs more. */
static __always_inline void *tcmk_alloc_finish(void *obj, unsigned int cls,
					       gfp_t gfp, unsigned long caller)
{
	if (unlikely(gfp & TCMK_GFP_REFUSED))
		return tcmk_alloc_refused(obj, cls, gfp, caller);
	memset(obj, 0, tcmk_class(cls)->size);
	return obj;
}

static noinline void *tcmk_alloc_slow(unsigned int cls, gfp_t gfp,
				      unsigned long caller, size_t size)
{
	void *obj;

	if (unlikely(gfp & TCMK_GFP_REFUSED)) {
		tcmk_refuse_gfp(gfp, caller);
		return NULL;
	}
	/*
	 * The size too, for debug mode's red zone, which begins where the
	 * request ends, as SLUB's kmalloc red zone does: the hit path has it
	 * in a register still, and does not change for it (objdump).
	 */
	if (tcmk_debug())
		return debug_alloc(size, gfp, caller);
	obj = tcmk_refill(cls, gfp);
	if (obj && tcmk_want_zero(gfp))
		memset(obj, 0, tcmk_class(cls)->size);
	return obj;
}

/*
 * Count @size bytes down on @c's countdown for context @ctx, used as its
 * stacks are. Two instructions (a subtract from memory and a jump on the
 * sign) on the path that pays for it.
 *
 * Return: true if this allocation is to be sampled.
 */
static __always_inline bool sample_due(long *left, size_t size)
{
	*left -= (long)size;
	return *left < 0;
}

/*
 * A small allocation that is not sampled, in either context, when its
 * countdown has run out: the hit and the miss of tcmk_alloc(), interrupts
 * off.
 */
static noinline void *tcmk_alloc_unsampled(unsigned int cls, size_t size,
					   gfp_t gfp, unsigned long caller)
{
	unsigned long flags;
	void *obj;
	bool hit;

	local_irq_save(flags);
	hit = stack_pop(cpu_class(this_cpu_ptr(tcmk_cpu), tcmk_ctx(), cls), &obj);
	local_irq_restore(flags);
	if (!hit)
		return tcmk_alloc_slow(cls, gfp, caller, size);
	if (tcmk_alloc_needs_finish(gfp))
		return tcmk_alloc_finish(obj, cls, gfp, caller);
	return obj;
}

/*
 * An allocation whose countdown ran out: a new distance for the CPU it ran
 * out on, and the object sampled (sample.c), or allocated as any other if
 * sampling is off or the sample cannot be made. A sampled small object is
 * counted in its class's statistics as a miss, as debug mode's are.
 */
static noinline void *tcmk_alloc_sample(unsigned int cls, size_t size,
					gfp_t gfp, unsigned long caller)
{
	long next = tcmk_sample_distance();
	struct tcmk_sample_trace trace;
	unsigned int ctx = tcmk_ctx();
	unsigned long flags;
	void *obj = NULL;

	/*
	 * If the task moved, another CPU's countdown is drawn again: a draw of
	 * the same exponential law, which has no memory of the one it replaces.
	 */
	local_irq_save(flags);
	*cpu_sample_left(this_cpu_ptr(tcmk_cpu), ctx) = next;
	local_irq_restore(flags);

	if (tcmk_sample_rate()) {
		tcmk_sample_trace(&trace);
		obj = tcmk_sample_alloc(cls, size, gfp, caller, &trace);
	}
	if (obj) {
		debug_count(cls, true);
		return obj;
	}
	return tcmk_alloc_unsampled(cls, size, gfp, caller);
}

/* tcmk_alloc() from an interrupt: the interrupt stacks, interrupts off. */
static noinline void *tcmk_alloc_irq(unsigned int cls, size_t size, gfp_t gfp,
				     unsigned long caller)
{
	struct tcmk_cpu_cache *c;
	unsigned long flags;
	void *obj;

	if (tcmk_in_nmi()) {
		tcmk_nmi_refused("tcmk_alloc");
		return NULL;
	}
	local_irq_save(flags);
	c = this_cpu_ptr(tcmk_cpu);
	/* Off the hot pair: counts down whether sampling is on or not. */
	if (unlikely(sample_due(&c->irq_sample_left, size))) {
		local_irq_restore(flags);
		return tcmk_alloc_sample(cls, size, gfp, caller);
	}
	if (unlikely(!stack_pop(stack_at(c->irq, cls), &obj))) {
		local_irq_restore(flags);
		return tcmk_alloc_slow(cls, gfp, caller, size);
	}
	local_irq_restore(flags);

	if (tcmk_alloc_needs_finish(gfp))
		return tcmk_alloc_finish(obj, cls, gfp, caller);
	return obj;
}

/*
 * A large allocation while tcmk_alloc_hook is on: counted down as a small
 * one is, sampled the same way. Large objects have spans of their own, so
 * the record hangs on the span.
 */
static noinline void *tcmk_alloc_large_sampled(size_t size, gfp_t gfp,
					       unsigned long caller)
{
	struct tcmk_sample_trace trace;
	unsigned int ctx = tcmk_ctx();
	unsigned long flags;
	long *left;
	bool due;
	void *obj;

	local_irq_save(flags);
	left = cpu_sample_left(this_cpu_ptr(tcmk_cpu), ctx);
	due = sample_due(left, size);
	if (due)
		*left = tcmk_sample_distance();
	local_irq_restore(flags);
	obj = tcmk_large_alloc(size, gfp, caller);
	if (due && !ZERO_OR_NULL_PTR(obj) && tcmk_sample_rate()) {
		tcmk_sample_trace(&trace);
		tcmk_sample_large(tcmk_span_of(obj), size, gfp, caller, &trace);
	}
	return obj;
}

/*
 * tcmk_alloc(), untraced, for @caller, or for its own caller if @caller is
 * 0: then the return address is read only where a branch off the hit path
 * needs it, not first thing (see tcmk_alloc()). With @sample, a
 * constant, the copy that counts down to the next heap profile sample.
 */
#define TCMK_CALLER(caller)	((caller) ?: _RET_IP_)

static __always_inline void *tcmk_alloc_at(size_t size, gfp_t gfp,
					   unsigned long caller, bool sample)
{
	struct tcmk_cpu_node *b;
	unsigned int cls;
	void *obj;

	/* Size 0 wraps around to the large path, which returns ZERO_SIZE_PTR. */
	if (unlikely(size - 1 >= TCMK_MAX_SMALL_SIZE)) {
		if (sample)
			return tcmk_alloc_large_sampled(size, gfp, caller);
		return tcmk_large_alloc(size, gfp, TCMK_CALLER(caller));
	}
	/*
	 * A hit cannot sleep: only kernels that check sleeping in atomic
	 * context (and lockdep's reclaim annotations) pay for might_alloc()
	 * here. Every refill calls it, as every SLUB allocation does.
	 */
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) || IS_ENABLED(CONFIG_LOCKDEP))
		might_alloc(gfp);
	/* Nothing at all without CONFIG_FAULT_INJECTION. */
	if (tcmk_should_fail_alloc(size, gfp))
		return NULL;
	cls = tcmk_size_class(size);
	if (unlikely(!in_task()))
		return tcmk_alloc_irq(cls, size, gfp, TCMK_CALLER(caller));

	/* The miss is taken here, not after: the hit pays for no second test. */
	preempt_disable();
	b = this_cpu_read(tcmk_cpu_self);
	/* Only in tcmk_alloc_hooked()'s copy: see tcmk_alloc(). */
	if (sample && unlikely(sample_due(&b->sample_left, size))) {
		preempt_enable();
		return tcmk_alloc_sample(cls, size, gfp, TCMK_CALLER(caller));
	}
	if (unlikely(!stack_pop(stack_at(b->stack, cls), &obj))) {
		preempt_enable();
		return tcmk_alloc_slow(cls, gfp, TCMK_CALLER(caller), size);
	}
	preempt_enable();

	if (tcmk_alloc_needs_finish(gfp))
		return tcmk_alloc_finish(obj, cls, gfp, TCMK_CALLER(caller));
	return obj;
}

/* Bytes an object handed out for @size has: what tcmk_usable_size() says. */
static size_t alloc_bytes(size_t size)
{
	if (size <= TCMK_MAX_SMALL_SIZE)
		return tcmk_class(tcmk_size_class(size))->size;
	return PAGE_ALIGN(size);
}

/*
 * tcmk_alloc() with a record for each object handed out: the trace event
 * and kmemleak (hooks.h), and the countdown to the next sample. Out of line
 * with a frame of its own, for the record needs the object and the size
 * after the allocation.
 */
static noinline void *tcmk_alloc_recorded(size_t size, gfp_t gfp,
					  unsigned long caller)
{
	void *obj = tcmk_alloc_at(size, gfp, caller, true);

	if (!ZERO_OR_NULL_PTR(obj))
		tcmk_hook_alloc(caller, obj, size, alloc_bytes(size), gfp);
	return obj;
}

/*
 * While tcmk_alloc_hook is on (tcmk:alloc is enabled, or heap profile
 * sampling is) or kmemleak is built in, tcmk_alloc() runs a second copy of
 * the fast path, inline, that also counts down to the next sample: the
 * static branch jumps straight into it, so that sampling alone costs the
 * countdown's two instructions and the test for records, and with both off
 * nothing is added to the one branch (objdump). A copy out of line would
 * pay for the jump to it and the caller's address passed in as well, and
 * one that recorded after the allocation for a frame every time.
 */
void *tcmk_alloc(size_t size, gfp_t gfp)
{
	if (tcmk_alloc_hooks_on()) {
		if (tcmk_alloc_records())
			return tcmk_alloc_recorded(size, gfp, _RET_IP_);
		return tcmk_alloc_at(size, gfp, 0, true);
	}
	return tcmk_alloc_at(size, gfp, 0, false);
}
EXPORT_SYMBOL_GPL(tcmk_alloc);

/**
 * tcmk_alloc_caller() - tcmk_alloc() on behalf of @caller.
 * @size:	as tcmk_alloc().
 * @gfp:	as tcmk_alloc().
 * @caller:	the caller of tcmk's API, which the heap profile, the trace
 *		events and kmemleak name, rather than tcmk's own function that
 *		calls this.
 *
 * For tcmk's wrappers of tcmk_alloc() (the kmalloc family, merged named
 * caches): an object they allocate is their caller's.
 *
 * Context: as tcmk_alloc().
 * Return: as tcmk_alloc().
 */
void *tcmk_alloc_caller(size_t size, gfp_t gfp, unsigned long caller)
{
	if (tcmk_alloc_hooks_on()) {
		if (tcmk_alloc_records())
			return tcmk_alloc_recorded(size, gfp, caller);
		return tcmk_alloc_at(size, gfp, caller, true);
	}
	return tcmk_alloc_at(size, gfp, caller, false);
}

/**
 * tcmk_node_to_serve() - the node a request for a node is served from.
 * @node:	the node asked for (not NUMA_NO_NODE).
 * @gfp:	the request's flags.
 *
 * For tcmk_alloc_node() and tcmk_gc_alloc_node(), which place objects alike.
 *
 * Return: the node with memory nearest to @node, or -1 if @node is not a
 * node, or has no memory and @gfp asks for __GFP_THISNODE, which must then
 * fail rather than fall back.
 */
int tcmk_node_to_serve(int node, gfp_t gfp)
{
	int mem;

	if (node < 0 || node >= nr_node_ids || !node_possible(node)) {
		pr_warn_ratelimited("node %d asked for: not a node of this machine\n",
				    node);
		return -1;
	}
	mem = tcmk_mem_node(node);
	if ((gfp & __GFP_THISNODE) && mem != node)
		return -1;
	return mem;
}

/*
 * A small object of another node than the caller's CPU's, @nid: from the
 * node's shared layers, one at a time, counted on the caller's CPU as a
 * miss; the CPU's caches hold its own node's objects only. Not sampled.
 */
static void *alloc_remote(int nid, unsigned int cls, size_t size, gfp_t gfp,
			  unsigned long caller)
{
	void *obj;

	if (tcmk_debug())
		return debug_alloc(size, gfp, caller);
	if (!tcmk_central_remove_near(nid, cls, &obj, 1, gfp))
		return NULL;
	debug_count(cls, true);
	if (tcmk_want_zero(gfp))
		memset(obj, 0, tcmk_class(cls)->size);
	return obj;
}

/* tcmk_alloc_node() for a node: see there. */
static noinline void *alloc_on_node(size_t size, gfp_t gfp, int node,
				    unsigned long caller)
{
	int nid = tcmk_node_to_serve(node, gfp);
	unsigned int cls;
	void *obj;

	if (nid < 0)
		return NULL;
	if (size - 1 >= TCMK_MAX_SMALL_SIZE) {
		obj = tcmk_large_alloc_node(size, gfp, nid, caller);
		goto out;
	}
	/*
	 * The node the caller runs on serves from its cache; a move to a CPU
	 * of another node on the way leaves an object of that node, which
	 * goes back for one of the node asked for.
	 */
	if (nid == tcmk_local_node()) {
		obj = tcmk_alloc_at(size, gfp, caller,
				    static_branch_unlikely(&tcmk_alloc_hook));
		if (!obj || tcmk_addr_node(obj) == nid)
			goto out;
		tcmk_free_at(obj, 0);
	}
	if (!tcmk_alloc_allowed(size, gfp, "tcmk_alloc_node", caller))
		return NULL;
	cls = tcmk_size_class(size);
	obj = alloc_remote(nid, cls, size, gfp, caller);
out:
	if (!ZERO_OR_NULL_PTR(obj) && tcmk_alloc_hooks_on())
		tcmk_hook_alloc(caller, obj, size, alloc_bytes(size), gfp);
	return obj;
}

void *tcmk_alloc_node(size_t size, gfp_t gfp, int node)
{
	if (node == NUMA_NO_NODE || nr_node_ids == 1) {
		if (tcmk_alloc_hooks_on()) {
			if (tcmk_alloc_records())
				return tcmk_alloc_recorded(size, gfp, _RET_IP_);
			return tcmk_alloc_at(size, gfp, _RET_IP_, true);
		}
		return tcmk_alloc_at(size, gfp, _RET_IP_, false);
	}
	return alloc_on_node(size, gfp, node, _RET_IP_);
}
EXPORT_SYMBOL_GPL(tcmk_alloc_node);

static void tcmk_bad_free(const void *ptr, bool twice, const char *why)
{
	atomic_long_inc(&tcmk_bad_frees);
	if (tcmk_debug())
		tcmk_debug_bad_free(ptr, twice, why);
	else
		pr_warn_ratelimited("refusing to free %p: %s\n", ptr, why);
}

/* The object on top of its stack freed again: refused, not pushed twice. */
static noinline void tcmk_free_twice(const void *ptr)
{
	tcmk_bad_free(ptr, true, "already the last object freed");
}

/*
 * A free from an interrupt, or one whose stack was full (on the CPU we ran on
 * then). With interrupts off, push onto the stack of the context we run in,
 * growing it if it is full; failing that, send a batch from the top of the
 * stack to the shared layers, as TCMalloc does. Taking the oldest from the
 * bottom instead would move the rest of the stack down on every flush; the
 * object being freed, the likeliest to be cache-hot, stays if there is room.
 *
 * The free is traced for @caller, unless it is 0, before interrupts are on
 * again: no record of the object's next allocation can come before it.
 */
/*
 * A free on a CPU of another node than @obj's, @nid: the object goes
 * straight back to its node's layers, never onto this CPU's stacks, which
 * hold this CPU's node's objects only. Counted as a flush of its class.
 * Called with interrupts off (@flags to restore), which it restores.
 */
static void free_remote(struct tcmk_cpu_cache *c, int nid, unsigned int cls,
			void *obj, unsigned long caller, unsigned long flags)
{
	lockdep_assert_irqs_disabled();
	cpu_class(c, tcmk_ctx(), cls)->frees++;
	c->flushes[cls]++;
	if (caller)
		tcmk_hook_free(caller, obj);
	local_irq_restore(flags);
	tcmk_central_insert(nid, cls, &obj, 1);
}

/*
 * A free off the fast path: in an interrupt, to a full stack, or of another
 * node's object. @span is @obj's, small: its slot gives the node without a
 * look at the page.
 */
static noinline void tcmk_free_slow(const struct tcmk_span *span, void *obj,
				    unsigned long caller)
{
	unsigned int cls = span->cls;
	const struct tcmk_class_info *ci = &tcmk_classes[cls];
	unsigned int ctx = tcmk_ctx(), k = 0;
	void *objs[TCMK_BATCH_MAX + 1] __uninitialized;
	struct tcmk_cpu_cache *c;
	struct tcmk_cpu_class *cc;
	enum tcmk_push push;
	unsigned long flags;
	int nid;

	if (tcmk_debug()) {
		if (!tcmk_debug_free(cls, obj))
			return;
		debug_count(cls, false);
		/* tcmk_debug_free() told kmemleak, before the object went back. */
		if (caller)
			trace_free(caller, obj);
		return;
	}
	nid = tcmk_span_node(span);
	local_irq_save(flags);
	c = this_cpu_ptr(tcmk_cpu);
	if (unlikely(nid != c->node)) {
		free_remote(c, nid, cls, obj, caller, flags);
		return;
	}
	cc = cpu_class(c, ctx, cls);
	push = stack_push(cc, obj);
	if (push == TCMK_PUSH_FULL && cache_grow(c, cc, cls))
		push = stack_push(cc, obj);
	if (push == TCMK_PUSH_FULL) {
		k = min_t(unsigned int, cc->count, ci->batch);
		tcmk_stack_take(&cc->slots, &cc->count, objs, k);
		c->flushes[cls]++;
		push = stack_push(cc, obj);
		if (push == TCMK_PUSH_FULL) {
			objs[k++] = obj;
			cc->frees++;
		}
		trace_cache_flush(ci->size, k, ctx == TCMK_CTX_IRQ);
	}
	if (caller && push != TCMK_PUSH_TWICE)
		tcmk_hook_free(caller, obj);
	local_irq_restore(flags);
	if (k)
		tcmk_central_insert(nid, cls, objs, k);
	if (push == TCMK_PUSH_TWICE)
		tcmk_free_twice(obj);
}

/* Log a call refused because it was made in NMI context (tcmk_in_nmi()). */
void tcmk_nmi_refused(const char *call)
{
	pr_warn_ratelimited("%s() refused: called in NMI context\n", call);
}

/*
 * A sampled small object: out of the heap profile and back to the page heap
 * with its span, counted in its class's statistics as a miss, as its
 * allocation was (tcmk_alloc_sample()).
 */
static void free_sampled(struct tcmk_span *span, unsigned long caller)
{
	unsigned int cls = span->cls;

	if (caller)
		tcmk_hook_free(caller, span->base);
	tcmk_sample_free(span);
	debug_count(cls, false);
}

/*
 * Anything but the start of an object of a small span: NULL, a large object,
 * a sampled object, an object of a named cache's own span, or a bad pointer.
 */
static noinline void tcmk_free_other(struct tcmk_span *span, const void *ptr,
				     unsigned long caller)
{
	if (ZERO_OR_NULL_PTR(ptr))
		return;
	if (tcmk_in_nmi())
		tcmk_bad_free(ptr, false, "called in NMI context; the object is leaked");
	else if (!span && tcmk_gc_owns(ptr))
		tcmk_bad_free(ptr, false, "a collected object, which only the collector frees");
	else if (!span)
		tcmk_bad_free(ptr, false, "not allocated by tcmk");
	else if (span->state == TCMK_SPAN_LARGE && ptr == span->base)
		tcmk_large_free(span, caller);
	else if (span->state == TCMK_SPAN_SAMPLED && ptr == span->base)
		free_sampled(span, caller);
	else if (span->state == TCMK_SPAN_CACHE)
		tcmk_cache_free_span(span, (void *)ptr, caller);
	else
		tcmk_bad_free(ptr, false, "not the start of an object");
}

/*
 * tcmk_free(), traced for @caller unless it is 0: with tracing off, or for
 * an object never handed out.
 */
static __always_inline void tcmk_free_at(const void *ptr, unsigned long caller)
{
	enum tcmk_push push;
	struct tcmk_span *span;
	unsigned long owner;
	unsigned int slot;

	/*
	 * The entry less the kind wanted has its kind bits clear only if the
	 * entry is of that kind: one test, and the register holds the span.
	 * NULL and ZERO_SIZE_PTR lie below the direct map, outside the page
	 * map: this test sends them out of line, and the common free pays for
	 * no test of its own.
	 */
	owner = tcmk_pagemap_get(ptr) - TCMK_PAGEMAP_SPAN;
	if (unlikely(owner & TCMK_PAGEMAP_KIND_MASK)) {
		tcmk_free_other(NULL, ptr, caller);
		return;
	}
	span = (struct tcmk_span *)owner;
	/*
	 * A span that is not small has no object end (span->end is 0): the
	 * test refuses any address in it, and the span's state need not be
	 * read. Out of line, as all refusals: the fast path keeps no register.
	 */
	if (unlikely(!tcmk_span_obj_start(span, ptr))) {
		tcmk_free_other(span, ptr, caller);
		return;
	}
	/* From an interrupt: the slow path pushes with interrupts off. */
	if (unlikely(!in_task())) {
		if (tcmk_in_nmi())
			tcmk_free_other(span, ptr, caller);
		else
			tcmk_free_slow(span, (void *)ptr, caller);
		return;
	}
	slot = span->slot;

	/*
	 * A flush never sleeps: it runs with preemption still off, and the
	 * fast path keeps nothing across the call. The free is traced before
	 * preemption is on again, when another task could take the object.
	 */
	preempt_disable();
	push = stack_push(stack_at(this_cpu_read(tcmk_cpu_slots), slot),
			  (void *)ptr);
	/* Full, or of another node: the slow path tells which. */
	if (unlikely(push == TCMK_PUSH_FULL))
		tcmk_free_slow(span, (void *)ptr, caller);
	else if (unlikely(push == TCMK_PUSH_TWICE))
		tcmk_free_twice(ptr);
	else if (caller)
		tcmk_hook_free(caller, ptr);
	preempt_enable();
}

/* tcmk_free() with its hooks on: see tcmk_alloc_recorded(). */
static noinline void tcmk_free_traced(const void *ptr, unsigned long caller)
{
	tcmk_free_at(ptr, caller);
}

void tcmk_free(const void *ptr)
{
	if (tcmk_free_hooks_on())
		tcmk_free_traced(ptr, _RET_IP_);
	else
		tcmk_free_at(ptr, 0);
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
		if (tcmk_debug())
			return tcmk_debug_usable_size(span->cls, ptr);
		return tcmk_classes[span->cls].size;
	case TCMK_SPAN_LARGE:
		return (size_t)span->npages << PAGE_SHIFT;
	case TCMK_SPAN_SAMPLED:
		return tcmk_classes[span->cls].size;
	case TCMK_SPAN_CACHE:
		return tcmk_cache_span_size(span);
	default:
		return 0;
	}
}
EXPORT_SYMBOL_GPL(tcmk_usable_size);

/*
 * One read of the page map, as tcmk_free() makes: a span's pages (every page
 * of a small or a cache's span, the first of a large object) and a
 * collected span's pages carry their owner; everything else reads 0, and an
 * address below the direct map or past it (NULL, ZERO_SIZE_PTR, vmalloc,
 * module text, a vmapped stack) falls outside the table.
 */
bool tcmk_owns(const void *ptr)
{
	unsigned long kind = tcmk_pagemap_kind(tcmk_pagemap_get(ptr));

	return kind == TCMK_PAGEMAP_SPAN || kind == TCMK_PAGEMAP_GC;
}
EXPORT_SYMBOL_GPL(tcmk_owns);

/*
 * The heap profile's samples among @nr small objects of tcmk_alloc_bulk():
 * the call counts down @nr * @size bytes at once, and for each distance it
 * crosses, one of its objects is swapped for a sampled one.
 */
static noinline void sample_bulk(unsigned int cls, size_t size, gfp_t gfp,
				 size_t nr, void **ptrs, unsigned long caller)
{
	struct tcmk_sample_trace trace;
	unsigned int ctx = tcmk_ctx();
	unsigned long flags;
	size_t due = 0, i;
	long *left;
	void *obj;

	local_irq_save(flags);
	left = cpu_sample_left(this_cpu_ptr(tcmk_cpu), ctx);
	/* nr <= INT_MAX objects of at most 32 KiB: no overflow. */
	*left -= (long)(size * nr);
	while (*left < 0 && due < nr) {
		*left += tcmk_sample_distance();
		due++;
	}
	if (*left < 0)
		*left = tcmk_sample_distance();
	local_irq_restore(flags);
	if (!tcmk_sample_rate() || !due)
		return;
	/* One stack for all of them: one call, one unwind. */
	tcmk_sample_trace(&trace);
	for (i = 0; i < due; i++) {
		obj = tcmk_sample_alloc(cls, size, gfp, caller, &trace);
		if (!obj)
			return;
		debug_count(cls, true);
		tcmk_free_at(ptrs[i], 0);
		ptrs[i] = obj;
	}
}

/* The count comes back as an int: larger requests cannot be answered. */
static bool bulk_args_ok(size_t size, size_t nr)
{
	return size && size <= TCMK_MAX_ALLOC_SIZE && nr && nr <= INT_MAX;
}

/* tcmk_alloc_bulk() for @caller. */
static int alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **ptrs,
		      unsigned long caller)
{
	const struct tcmk_class_info *ci;
	struct tcmk_cpu_cache *c;
	struct tcmk_cpu_class *cc;
	unsigned int cls, ctx;
	unsigned long flags;
	size_t i = 0, k;

	if (!bulk_args_ok(size, nr))
		return 0;
	if (tcmk_in_nmi()) {
		tcmk_nmi_refused(__func__);
		return 0;
	}
	if (unlikely(gfp & TCMK_GFP_REFUSED)) {
		tcmk_refuse_gfp(gfp, caller);
		return 0;
	}
	/*
	 * Debug mode: one object at a time, each through its checks, asked of
	 * fault injection once for the call, as below.
	 */
	if (tcmk_debug()) {
		if (tcmk_should_fail_alloc(size, gfp))
			return 0;
		for (; i < nr; i++) {
			ptrs[i] = debug_alloc(size, gfp, caller);
			if (!ptrs[i])
				goto fail;
		}
		goto traced;
	}
	/* Large objects: tcmk_large_alloc() asks for each, as tcmk_alloc(). */
	if (size > TCMK_MAX_SMALL_SIZE) {
		for (; i < nr; i++) {
			ptrs[i] = tcmk_large_alloc(size, gfp, caller);
			if (!ptrs[i])
				goto fail;
		}
		goto traced;
	}
	might_alloc(gfp);
	/* Once for the call, as failslab in kmem_cache_alloc_bulk(). */
	if (tcmk_should_fail_alloc(size, gfp))
		return 0;
	cls = tcmk_size_class(size);
	ci = &tcmk_classes[cls];
	ctx = tcmk_ctx();
	while (i < nr) {
		local_irq_save(flags);
		c = this_cpu_ptr(tcmk_cpu);
		cc = cpu_class(c, ctx, cls);
		k = min_t(size_t, nr - i, cc->count);
		tcmk_stack_take(&cc->slots, &cc->count, ptrs + i, k);
		cc->allocs += k;
		local_irq_restore(flags);
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
	if (static_branch_unlikely(&tcmk_alloc_hook))
		sample_bulk(cls, size, gfp, nr, ptrs, caller);
traced:
	if (tcmk_alloc_hooks_on())
		for (i = 0; i < nr; i++)
			tcmk_hook_alloc(caller, ptrs[i], size, alloc_bytes(size),
					gfp);
	return nr;

fail:
	/* None was handed out: no record of their allocation or free. */
	while (i)
		tcmk_free_at(ptrs[--i], 0);
	return 0;
}
int tcmk_alloc_bulk(size_t size, gfp_t gfp, size_t nr, void **ptrs)
{
	return alloc_bulk(size, gfp, nr, ptrs, _RET_IP_);
}
EXPORT_SYMBOL_GPL(tcmk_alloc_bulk);

/* tcmk_alloc_bulk() on behalf of @caller: see tcmk_alloc_caller(). */
int tcmk_alloc_bulk_caller(size_t size, gfp_t gfp, size_t nr, void **ptrs,
			   unsigned long caller)
{
	return alloc_bulk(size, gfp, nr, ptrs, caller);
}

int tcmk_alloc_bulk_node(size_t size, gfp_t gfp, int node, size_t nr,
			 void **ptrs)
{
	size_t i;

	if (node == NUMA_NO_NODE || nr_node_ids == 1)
		return alloc_bulk(size, gfp, nr, ptrs, _RET_IP_);
	if (!bulk_args_ok(size, nr))
		return 0;
	/* One at a time: another node's objects come from its shared layers. */
	for (i = 0; i < nr; i++) {
		ptrs[i] = alloc_on_node(size, gfp, node, _RET_IP_);
		if (!ptrs[i]) {
			tcmk_free_bulk(i, ptrs);
			return 0;
		}
	}
	return nr;
}
EXPORT_SYMBOL_GPL(tcmk_alloc_bulk_node);

void tcmk_free_bulk(size_t nr, void **ptrs)
{
	unsigned long caller = tcmk_free_hooks_on() ? _RET_IP_ : 0;
	size_t i;

	for (i = 0; i < nr; i++)
		tcmk_free_at(ptrs[i], caller);
}
EXPORT_SYMBOL_GPL(tcmk_free_bulk);

/*
 * Give every object in @c back to the shared layers, and all its stacks'
 * capacity back to its budget: the budget as it is now, for a change of it
 * drains every CPU.
 */
static void drain_cache(struct tcmk_cpu_cache *c)
{
	void *objs[TCMK_BATCH_MAX];
	unsigned int ctx, cls, k;

	for (ctx = 0; ctx < TCMK_NR_CTX; ctx++) {
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			struct tcmk_cpu_class *cc = cpu_class(c, ctx, cls);

			if (cc->count)
				trace_cache_flush(tcmk_classes[cls].size,
						  cc->count, ctx == TCMK_CTX_IRQ);
			while (cc->count) {
				k = min_t(unsigned int, cc->count, TCMK_BATCH_MAX);
				tcmk_stack_take(&cc->slots, &cc->count, objs, k);
				tcmk_central_insert(c->node, cls, objs, k);
			}
			cc->capacity = 0;
		}
	}
	c->unused = READ_ONCE(tcmk_cpu_cache_bytes);
	c->reclaim_wait = 0;
}

/*
 * In task context on the CPU itself: an IPI could land between a task's
 * check of its stack and its push.
 */
static void drain_local(struct work_struct *work)
{
	unsigned long flags;

	local_irq_save(flags);
	drain_cache(this_cpu_ptr(tcmk_cpu));
	local_irq_restore(flags);
}

/*
 * A CPU's countdowns drawn again, for a new rate: on the CPU itself, with
 * interrupts off, for a task's decrement is made with preemption off and an
 * interrupt's with interrupts off, and a write from another CPU could come
 * between the load and the store of either and be lost.
 */
static void sample_reset_local(struct work_struct *work)
{
	struct tcmk_cpu_cache *c;
	unsigned long flags;
	unsigned int ctx;

	local_irq_save(flags);
	c = this_cpu_ptr(tcmk_cpu);
	for (ctx = 0; ctx < TCMK_NR_CTX; ctx++)
		*cpu_sample_left(c, ctx) = tcmk_sample_distance();
	tcmk_sample_reset_local();
	local_irq_restore(flags);
}

/**
 * tcmk_cpucache_sample_reset() - put a new sample_bytes in force on every CPU.
 *
 * Without it each CPU would take the new rate at its next sample, which the
 * old rate (or, from off, TCMK_SAMPLE_IDLE) may put far away.
 *
 * Context: process; sleeps until every online CPU has drawn again.
 */
void tcmk_cpucache_sample_reset(void)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		queue_work_on(cpu, tcmk_drain_wq, per_cpu_ptr(&tcmk_sample_work, cpu));
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&tcmk_sample_work, cpu));
	cpus_read_unlock();
}

void tcmk_drain(void)
{
	unsigned int cpu;

	mutex_lock(&tcmk_drain_lock);
	cpus_read_lock();
	for_each_online_cpu(cpu)
		queue_work_on(cpu, tcmk_drain_wq, per_cpu_ptr(&tcmk_drain_work, cpu));
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&tcmk_drain_work, cpu));
	tcmk_caches_drain();
	cpus_read_unlock();
	mutex_unlock(&tcmk_drain_lock);
}
EXPORT_SYMBOL_GPL(tcmk_drain);

/*
 * CPU hotplug. Both run on another CPU while @cpu is down, so no lock is
 * needed. A CPU coming up takes the budget in force: tcmk_drain() reaches
 * only CPUs online, and a budget may have changed while this one was not.
 */
static int tcmk_cpu_prepare(unsigned int cpu)
{
	per_cpu_ptr(tcmk_cpu, cpu)->unused = READ_ONCE(tcmk_cpu_cache_bytes);
	return 0;
}

static int tcmk_cpu_dead(unsigned int cpu)
{
	drain_cache(per_cpu_ptr(tcmk_cpu, cpu));
	tcmk_caches_cpu_dead(cpu);
	return 0;
}

/**
 * tcmk_cpu_counts() - a class's per-CPU counters.
 * @cls:	size class.
 * @cpu:	the CPU, or -1 for the sums over every possible CPU.
 * @out:	the counters, both contexts' stacks together.
 *
 * Context: any. Sums are not a snapshot: each CPU's counters are read while
 * it may be changing them.
 */
void tcmk_cpu_counts(unsigned int cls, int cpu, struct tcmk_cpu_counts *out)
{
	tcmk_cpu_counts_node(cls, cpu, NUMA_NO_NODE, out);
}
TCMK_EXPORT_FOR_TESTS(tcmk_cpu_counts);

/**
 * tcmk_cpu_counts_node() - tcmk_cpu_counts() of the CPUs of one node.
 * @cls:	size class.
 * @cpu:	the CPU, or -1 for every possible CPU.
 * @nid:	only CPUs whose caches hold node @nid's objects, or
 *		NUMA_NO_NODE for any.
 * @out:	the counters.
 *
 * Context: any, as tcmk_cpu_counts().
 */
void tcmk_cpu_counts_node(unsigned int cls, int cpu, int nid,
			  struct tcmk_cpu_counts *out)
{
	unsigned int i, ctx;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(i) {
		struct tcmk_cpu_cache *c = per_cpu_ptr(tcmk_cpu, i);

		if ((cpu >= 0 && i != cpu) ||
		    (nid != NUMA_NO_NODE && c->node != nid))
			continue;
		for (ctx = 0; ctx < TCMK_NR_CTX; ctx++) {
			struct tcmk_cpu_class *cc = cpu_class(c, ctx, cls);

			out->allocs += READ_ONCE(cc->allocs);
			out->frees += READ_ONCE(cc->frees);
			out->cached += READ_ONCE(cc->count);
			out->capacity += READ_ONCE(cc->capacity);
		}
		out->refills += READ_ONCE(c->refills[cls]);
		out->flushes += READ_ONCE(c->flushes[cls]);
	}
}

/**
 * tcmk_cpucache_foreign() - objects of another node in this CPU's caches.
 *
 * For the tests: none may ever be there, and another node's stacks must
 * stay empty and full (capacity 0).
 *
 * Context: process or any; on the CPU whose cache it reads.
 * Return: objects in the CPU's stacks that lie on another node than the
 * CPU's, plus the count and capacity of every other node's stack.
 */
unsigned long tcmk_cpucache_foreign(void)
{
	struct tcmk_cpu_cache *c;
	struct tcmk_cpu_class *cc;
	unsigned int ctx, cls, i;
	unsigned long flags, n = 0;
	int nid;

	local_irq_save(flags);
	c = this_cpu_ptr(tcmk_cpu);
	for (ctx = 0; ctx < TCMK_NR_CTX; ctx++) {
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			cc = cpu_class(c, ctx, cls);
			for (i = 0; i < cc->count; i++)
				n += tcmk_addr_node(cc->slots[i]) != c->node;
		}
	}
	for (nid = 0; nid < nr_node_ids; nid++) {
		if (nid == c->node)
			continue;
		for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
			cc = &c->nodes[nid].stack[cls];
			n += cc->count + cc->capacity + (cc->slots != tcmk_no_slots + 1);
		}
	}
	local_irq_restore(flags);
	return n;
}
TCMK_EXPORT_FOR_TESTS(tcmk_cpucache_foreign);

static void free_slots(void)
{
	struct tcmk_cpu_cache *c;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(tcmk_cpu, cpu);
		if (c->irq[0].slots)
			kfree(c->irq[0].slots - 1);
		kfree(c->nodes);
	}
}

int __init tcmk_cpucache_init(void)
{
	unsigned int cpu, ctx, cls, total = 0;
	struct tcmk_cpu_cache *c;
	int ret = -ENOMEM, nid;

	BUILD_BUG_ON(sizeof(struct tcmk_cpu_node) !=
		     (TCMK_NR_CLASSES + 1) * sizeof(struct tcmk_cpu_class));
	tcmk_cpu = alloc_percpu(struct tcmk_cpu_cache);
	if (!tcmk_cpu)
		return -ENOMEM;
	/*
	 * Drains may be asked for under memory pressure: a rescuer of its own.
	 * Each drain runs on the CPU whose cache it empties.
	 */
	tcmk_drain_wq = alloc_workqueue("tcmk_drain", WQ_MEM_RECLAIM | WQ_PERCPU, 0);
	if (!tcmk_drain_wq)
		goto fail;
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++)
		total += stack_slots(cls);
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(tcmk_cpu, cpu);
		c->node = tcmk_mem_node(cpu_to_node(cpu));
		c->nodes = kcalloc_node(nr_node_ids, sizeof(*c->nodes),
					GFP_KERNEL, cpu_to_node(cpu));
		if (!c->nodes)
			goto fail;
		/* Another node's stacks are always full. */
		for (nid = 0; nid < nr_node_ids; nid++)
			for (cls = 0; cls < TCMK_NR_CLASSES; cls++)
				c->nodes[nid].stack[cls].slots = tcmk_no_slots + 1;
		/* Each stack's slots, and a NULL below them: see stack_push(). */
		void **slots = kcalloc_node(TCMK_NR_CTX * (total + TCMK_NR_CLASSES),
					    sizeof(void *), GFP_KERNEL,
					    cpu_to_node(cpu));

		if (!slots)
			goto fail;
		/*
		 * A stack keeps the address of an object popped off it above
		 * its count: scanned, that would keep kmemleak from reporting
		 * the object lost. The slots hold free objects only.
		 */
		kmemleak_no_scan(slots);
		/* The interrupt stacks' first: free_slots() finds it. */
		for (ctx = TCMK_NR_CTX; ctx-- > 0; ) {
			for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
				cpu_class(c, ctx, cls)->slots = slots + 1;
				slots += stack_slots(cls) + 1;
			}
		}
		c->unused = tcmk_cpu_cache_bytes;
		for (ctx = 0; ctx < TCMK_NR_CTX; ctx++)
			*cpu_sample_left(c, ctx) = tcmk_sample_distance();
		per_cpu(tcmk_cpu_self, cpu) = cpu_node(c);
		per_cpu(tcmk_cpu_slots, cpu) = &c->nodes[0].stack[0];
		INIT_WORK(per_cpu_ptr(&tcmk_drain_work, cpu), drain_local);
		INIT_WORK(per_cpu_ptr(&tcmk_sample_work, cpu), sample_reset_local);
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "tcmk:cpucache",
					tcmk_cpu_prepare, tcmk_cpu_dead);
	if (ret < 0)
		goto fail;
	tcmk_cpuhp_state = ret;
	return 0;

fail:
	free_slots();
	if (tcmk_drain_wq)
		destroy_workqueue(tcmk_drain_wq);
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
	destroy_workqueue(tcmk_drain_wq);
	free_percpu(tcmk_cpu);
}
