// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk heap profiles: which call sites hold tcmk's memory, learnt from a
 * sample of the allocations, as TCMalloc and the Go runtime learn it.
 *
 * Each CPU counts down the bytes allocated on it (cpucache.c); when the
 * count runs out, the allocation that made it run out is sampled and a new
 * distance is drawn, exponentially distributed with a mean of sample_bytes
 * (tcmk_sample_distance(), as TCMalloc's Sampler::PickNextSamplingPoint).
 * Every byte then has the same chance, 1/sample_bytes, of being the one that
 * triggers, and an object of s bytes is sampled with the probability
 * 1 - exp(-s/sample_bytes). A sample therefore stands for
 * 1 / (1 - exp(-s/sample_bytes)) objects of its stack, which is how Go's
 * runtime/pprof scales its heap profile (scaleHeapSample()), and sums of
 * those weights are unbiased estimates of objects and bytes.
 *
 * A sample is counted in the bucket of its stack (struct tcmk_sample_bucket,
 * kept until unload, as Go's are), and has a record of its
 * own (struct tcmk_sample) that its free finds in O(1) through the object's
 * span: a sampled small object is given a span of its own from the page
 * heap (TCMK_SPAN_SAMPLED, the object at the span's base), as TCMalloc
 * gives its sampled objects; a large object has one anyway. The free fast
 * path tells an object's start by the span's object end, which a span that
 * is not small does not have: a sampled object's free leaves the fast path
 * by the test it already makes, and the fast path pays nothing for this.
 *
 * Stacks are kept in the kernel's stack depot (lib/stackdepot.c), which
 * stores each distinct stack once and names it by a handle: a bucket is
 * found by its handle, and keeps no frames of its own. A stack the depot
 * cannot keep (it had no room and could not allocate, or it is off) is not
 * lost: its sample is counted with its call site alone, in a bucket of
 * handle 0 for that call site (sample_record()).
 *
 * The profile is read in two formats: /sys/kernel/debug/tcmk/allocinfo,
 * one line per call site in the manner of /proc/allocinfo (here), and
 * heap_profile, pprof's profile.proto (pprof.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "debug.h"
#include "sample.h"
#include "tcmk.h"

/*
 * Mean bytes between samples; 0: off. Written through sysfs (sample_bytes),
 * under tcmk_sample_mutex; read with READ_ONCE() anywhere.
 */
static unsigned long tcmk_sample_bytes = 512 * 1024;
module_param_named(sample_bytes, tcmk_sample_bytes, ulong, 0400);
MODULE_PARM_DESC(sample_bytes, "Mean bytes allocated between heap profile samples; 0: off (default 512 KiB)");

/* Serialises changes of tcmk_sample_bytes and the static key they hold. */
static DEFINE_MUTEX(tcmk_sample_mutex);

/*
 * The distance a CPU counts down while sampling is off: long, so that the
 * path that always counts (interrupts) rarely leaves for nothing.
 */
#define TCMK_SAMPLE_IDLE	(4UL << 20)

/**
 * struct tcmk_sample - one sampled object that is still allocated.
 * @list:	on the list of live samples (tcmk_sample_lock), for unload.
 * @bucket:	its stack's bucket.
 * @weight:	objects it stands for (fixed-point, TCMK_SAMPLE_SHIFT).
 * @bytes:	its size: what tcmk_usable_size() says of it.
 * @gc_node:	a collected object's: on its chain of gc_samples.
 * @obj:	a collected object's: the object; NULL for any other.
 */
struct tcmk_sample {
	struct list_head list;
	struct tcmk_sample_bucket *bucket;
	u64 weight;
	size_t bytes;
	struct hlist_node gc_node;
	const void *obj;
};

/*
 * tcmk_sample_lock: the buckets' hash chains and counts, the list of live
 * samples, and the spare records and buckets. A raw spinlock taken with
 * interrupts off: allocations are sampled in hardirq context too. Nothing
 * is allocated or freed under it, and no other lock of tcmk's is taken
 * under it or held around it; the stack depot is called before it is taken.
 */
static DEFINE_RAW_SPINLOCK(tcmk_sample_lock);
#define TCMK_SAMPLE_HASH_BITS	10
static struct tcmk_sample_bucket *bucket_hash[1 << TCMK_SAMPLE_HASH_BITS];
static LIST_HEAD(live_samples);
/*
 * Sampled collected objects, by address: the sweep has an object's address
 * and no span of the object's own to find its record by. Under
 * tcmk_sample_lock too.
 */
#define TCMK_SAMPLE_GC_HASH_BITS	8
static struct hlist_head gc_samples[1 << TCMK_SAMPLE_GC_HASH_BITS];

/* Each CPU's countdown for the collector's allocations (gc_alloc.c). */
DEFINE_PER_CPU(long, tcmk_gc_sample_left);
static unsigned long nr_buckets;
/*
 * Whether the stack depot may be called: set up when sampling is first
 * turned on (sample_depot_init()), then true until unload.
 */
static bool depot_ready;
/* The newest bucket: published with smp_store_release(), see sample.h. */
static struct tcmk_sample_bucket *all_buckets;

/* A bound on buckets, so that a storm of distinct stacks cannot eat memory. */
#define TCMK_SAMPLE_MAX_BUCKETS	16384

/*
 * Spare records and buckets. Allocations that may not wait need them: tcmk
 * serves those in hardirq context too, where it calls neither the slab nor
 * the page allocator (tcmk.h), and so does its profile. Every sample takes
 * its record from the spares, and a freed sample's record goes back to
 * them: a kmalloc() and a kfree() per sample, and the work item they would
 * wake, cost more than the rest of the record (make bench, sample_pair).
 * Allocations that may sleep fall back on kmalloc() when the spares run
 * out. A work item keeps the spares between half and twice these counts; a
 * sample that may not wait and finds none is dropped, and counted.
 */
#define TCMK_SAMPLE_SPARE_RECS		256
#define TCMK_SAMPLE_SPARE_BUCKETS	64
static LIST_HEAD(spare_recs);
static unsigned int nr_spare_recs;
static struct tcmk_sample_bucket *spare_buckets;	/* linked by hnext */
static unsigned int nr_spare_buckets;
static void spare_work_fn(struct work_struct *work);
static DECLARE_WORK(spare_work, spare_work_fn);

static atomic_long_t samples_taken = ATOMIC_LONG_INIT(0);
static atomic_long_t samples_dropped = ATOMIC_LONG_INIT(0);

/*
 * Each CPU's generator of distances, seeded from get_random_u64() at load,
 * as TCMalloc's sampler keeps a generator of its own: get_random_u32() takes
 * a spinlock_t when it reseeds, which a hard interrupt or a raw spinlock's
 * holder may not (lockdep's "Invalid wait context"), and tcmk allocates
 * there. Used with interrupts off.
 */
static DEFINE_PER_CPU(struct rnd_state, sample_rnd);

static u32 sample_random(void)
{
	unsigned long flags;
	u32 r;

	local_irq_save(flags);
	r = prandom_u32_state(this_cpu_ptr(&sample_rnd));
	local_irq_restore(flags);
	return r;
}

/* ln 2, 0.6931471805599453, as a fraction of 2^32. */
#define LN2_Q32		2977044472U

/*
 * log2(@x) in fixed point with 24 fractional bits, for 1 <= @x <= 2^32: the
 * integer part from the top bit, the fraction bit by bit by squaring the
 * mantissa, kept in [1, 2) with 30 fractional bits.
 */
static u64 log2_q24(u64 x)
{
	unsigned int k = ilog2(x), i;
	u64 m = k <= 30 ? x << (30 - k) : x >> (k - 30);
	u64 frac = 0;

	for (i = 0; i < 24; i++) {
		m = (m * m) >> 30;
		frac <<= 1;
		if (m >= 2ULL << 30) {
			m >>= 1;
			frac |= 1;
		}
	}
	return ((u64)k << 24) | frac;
}

/**
 * tcmk_sample_distance() - bytes to count down until the next sample.
 *
 * -ln(u) * sample_bytes, u uniform in (0, 1]: exponentially distributed
 * with the mean sample_bytes, as TCMalloc's PickNextSamplingPoint() draws
 * it; ln(u) = ln 2 * (log2(r + 1) - 32) for a random 32-bit r, from the
 * CPU's generator (sample_random()).
 *
 * Context: any.
 * Return: the distance, at least 1; TCMK_SAMPLE_IDLE while sampling is off.
 */
long tcmk_sample_distance(void)
{
	unsigned long rate = READ_ONCE(tcmk_sample_bytes);
	u64 neg_log2;

	if (!rate)
		return TCMK_SAMPLE_IDLE;
	neg_log2 = (32ULL << 24) - log2_q24((u64)sample_random() + 1);
	/* rate <= TCMK_SAMPLE_BYTES_MAX: the product fits in 64 bits. */
	return mul_u64_u32_shr(rate * neg_log2, LN2_Q32, 32 + 24) + 1;
}
TCMK_EXPORT_FOR_TESTS(tcmk_sample_distance);

/*
 * exp(-@x) for @x >= 0, both with 24 fractional bits: x = k ln 2 + r with
 * 0 <= r < ln 2, so exp(-x) = 2^-k exp(-r), and exp(-r) from its series.
 */
static u64 exp_neg_q24(u64 x)
{
	u64 ln2 = LN2_Q32 >> 8, k = div64_u64(x, ln2), r = x - k * ln2;
	s64 term = 1 << 24, sum = term;
	unsigned int n;

	if (k >= 24)
		return 0;
	for (n = 1; n <= 12; n++) {
		term = -div_s64(term * (s64)r >> 24, n);
		sum += term;
	}
	return (u64)sum >> k;
}

/**
 * tcmk_sample_weight() - how many objects a sample of @size bytes stands for.
 * @size:	the bytes the countdown counted for the object.
 * @rate:	the mean distance between samples, not 0.
 *
 * 1 / (1 - exp(-size/rate)), as Go's scaleHeapSample(). Below the rate, its
 * series 1/x + 1/2 + x/12 (the next term, -x^3/720, is below 0.14%); above,
 * the exponential itself, where 1 - exp(-x) is at least 0.63.
 *
 * Return: the weight, fixed-point (TCMK_SAMPLE_SHIFT), at least 1.0.
 */
u64 tcmk_sample_weight(size_t size, unsigned long rate)
{
	const u64 one = 1ULL << TCMK_SAMPLE_SHIFT;

	if (!size)
		size = 1;
	if (size >= 32 * (u64)rate)
		return one;
	if (size < rate)
		return div64_u64((u64)rate << TCMK_SAMPLE_SHIFT, size) + one / 2 +
		       div64_u64((u64)size << TCMK_SAMPLE_SHIFT, 12 * (u64)rate);
	return div64_u64(one << 24,
			 (1ULL << 24) - exp_neg_q24(div64_u64((u64)size << 24, rate)));
}
TCMK_EXPORT_FOR_TESTS(tcmk_sample_weight);

struct tcmk_sample_bucket *tcmk_sample_buckets(void)
{
	/* Pairs with smp_store_release() in bucket_get(). */
	return smp_load_acquire(&all_buckets);
}
TCMK_EXPORT_FOR_TESTS(tcmk_sample_buckets);

/**
 * tcmk_sample_frames() - the frames of a bucket's stack.
 * @b:		a bucket of the list of all.
 * @frames:	set to the return addresses, the call site first.
 *
 * From the stack depot, which keeps a stack until the kernel stops; a
 * bucket whose stack it could not keep has its call site alone.
 *
 * Context: any; takes no lock.
 * Return: how many frames, 1 to TCMK_SAMPLE_DEPTH.
 */
unsigned int tcmk_sample_frames(const struct tcmk_sample_bucket *b,
				const unsigned long **frames)
{
	unsigned long *entries;
	unsigned int n;

	n = b->handle ? tcmk_stack_fetch(b->handle, &entries) : 0;
	if (!n) {
		*frames = &b->caller;
		return 1;
	}
	*frames = entries;
	return min_t(unsigned int, n, TCMK_SAMPLE_DEPTH);
}
TCMK_EXPORT_FOR_TESTS(tcmk_sample_frames);

/* The hash chain of the bucket of @handle at @caller. */
static struct tcmk_sample_bucket **bucket_chain(u32 handle,
						unsigned long caller)
{
	return &bucket_hash[hash_long(caller ^ handle, TCMK_SAMPLE_HASH_BITS)];
}

/*
 * A handle names one stack, and so one call site; the call site tells
 * apart the buckets of handle 0.
 */
static struct tcmk_sample_bucket *bucket_find(u32 handle, unsigned long caller)
{
	struct tcmk_sample_bucket *b;

	lockdep_assert_held(&tcmk_sample_lock);
	for (b = *bucket_chain(handle, caller); b; b = b->hnext)
		if (b->handle == handle && b->caller == caller)
			return b;
	return NULL;
}

/*
 * Make @nb, zeroed, the bucket of @handle at @caller, unless the buckets
 * are at their bound. Return: @nb, or NULL.
 */
static struct tcmk_sample_bucket *bucket_add(struct tcmk_sample_bucket *nb,
					     u32 handle, unsigned long caller)
{
	struct tcmk_sample_bucket **chain = bucket_chain(handle, caller);

	lockdep_assert_held(&tcmk_sample_lock);
	if (nr_buckets >= TCMK_SAMPLE_MAX_BUCKETS)
		return NULL;
	memset(nb, 0, sizeof(*nb));
	nb->handle = handle;
	nb->caller = caller;
	nb->hnext = *chain;
	*chain = nb;
	nb->next = all_buckets;
	/* Pairs with smp_load_acquire() in tcmk_sample_buckets(). */
	smp_store_release(&all_buckets, nb);
	nr_buckets++;
	return nb;
}

/* Whether the spares want the work item: too few, or too many records. */
static bool spare_wanted(void)
{
	lockdep_assert_held(&tcmk_sample_lock);
	return nr_spare_recs < TCMK_SAMPLE_SPARE_RECS / 2 ||
	       nr_spare_recs > 2 * TCMK_SAMPLE_SPARE_RECS ||
	       (nr_spare_buckets < TCMK_SAMPLE_SPARE_BUCKETS / 2 &&
		nr_buckets + nr_spare_buckets < TCMK_SAMPLE_MAX_BUCKETS);
}

/*
 * The work item: spares made up to their counts, records past twice theirs
 * freed. In process context, where kmalloc() and kfree() are allowed.
 */
static void spare_work_fn(struct work_struct *work)
{
	struct tcmk_sample_bucket *b;
	bool want_rec, want_bucket;
	struct tcmk_sample *rec;
	struct tcmk_sample *tmp;
	unsigned long flags;
	LIST_HEAD(extra);

	for (;;) {
		raw_spin_lock_irqsave(&tcmk_sample_lock, flags);
		while (nr_spare_recs > 2 * TCMK_SAMPLE_SPARE_RECS) {
			list_move(spare_recs.next, &extra);
			nr_spare_recs--;
		}
		want_rec = nr_spare_recs < TCMK_SAMPLE_SPARE_RECS;
		want_bucket = nr_spare_buckets < TCMK_SAMPLE_SPARE_BUCKETS &&
			      nr_buckets + nr_spare_buckets < TCMK_SAMPLE_MAX_BUCKETS;
		raw_spin_unlock_irqrestore(&tcmk_sample_lock, flags);
		list_for_each_entry_safe(rec, tmp, &extra, list)
			kfree(rec);
		INIT_LIST_HEAD(&extra);
		if (!want_rec && !want_bucket)
			return;
		rec = want_rec ? kmalloc_obj(*rec, GFP_KERNEL | __GFP_NOWARN) : NULL;
		b = want_bucket ? kzalloc_obj(*b, GFP_KERNEL | __GFP_NOWARN) : NULL;
		if (!rec && !b)
			return;
		raw_spin_lock_irqsave(&tcmk_sample_lock, flags);
		if (rec) {
			list_add(&rec->list, &spare_recs);
			nr_spare_recs++;
		}
		if (b) {
			b->hnext = spare_buckets;
			spare_buckets = b;
			nr_spare_buckets++;
		}
		raw_spin_unlock_irqrestore(&tcmk_sample_lock, flags);
	}
}

/* A spare record, or NULL if there is none. */
static struct tcmk_sample *rec_get_spare(void)
{
	struct tcmk_sample *rec;

	lockdep_assert_held(&tcmk_sample_lock);
	if (!nr_spare_recs)
		return NULL;
	rec = list_first_entry(&spare_recs, struct tcmk_sample, list);
	list_del(&rec->list);
	nr_spare_recs--;
	return rec;
}

/* Put @rec with the spares, for the work item to free if there are many. */
static void rec_put(struct tcmk_sample *rec)
{
	lockdep_assert_held(&tcmk_sample_lock);
	list_add(&rec->list, &spare_recs);
	nr_spare_recs++;
}

/* A spare bucket made the bucket of @handle at @caller; NULL if none. */
static struct tcmk_sample_bucket *bucket_add_spare(u32 handle,
						   unsigned long caller)
{
	struct tcmk_sample_bucket *nb = spare_buckets;

	lockdep_assert_held(&tcmk_sample_lock);
	if (!nb || nr_buckets >= TCMK_SAMPLE_MAX_BUCKETS)
		return NULL;
	spare_buckets = nb->hnext;
	nr_spare_buckets--;
	return bucket_add(nb, handle, caller);
}

/*
 * Count @rec in bucket @b, with the weight, size and collected object of
 * @fields, and in gc_samples if it is a collected object's.
 */
static void sample_link(struct tcmk_sample *rec, struct tcmk_sample_bucket *b,
			const struct tcmk_sample *fields)
{
	lockdep_assert_held(&tcmk_sample_lock);
	rec->bucket = b;
	rec->weight = fields->weight;
	rec->bytes = fields->bytes;
	rec->obj = fields->obj;
	WRITE_ONCE(b->alloc_objects, b->alloc_objects + rec->weight);
	WRITE_ONCE(b->alloc_bytes, b->alloc_bytes + rec->weight * rec->bytes);
	WRITE_ONCE(b->inuse_objects, b->inuse_objects + rec->weight);
	WRITE_ONCE(b->inuse_bytes, b->inuse_bytes + rec->weight * rec->bytes);
	WRITE_ONCE(b->live, b->live + 1);
	list_add(&rec->list, &live_samples);
	if (rec->obj)
		hlist_add_head(&rec->gc_node,
			       &gc_samples[hash_ptr(rec->obj, TCMK_SAMPLE_GC_HASH_BITS)]);
}

/*
 * The stack of the sampled allocation, from its call site up, out of
 * @trace: the frames inside tcmk, which depend on which of its paths ran,
 * are cut off at @caller; if @caller is not on the stack (a tail call), it
 * leads.
 */
static unsigned int sample_stack(unsigned long *stack, unsigned long caller,
				 const struct tcmk_sample_trace *trace)
{
	const unsigned long *entries = trace->entries;
	unsigned int n = trace->nr, i;

	for (i = 0; i < n && entries[i] != caller; i++)
		;
	if (i == n) {
		stack[0] = caller;
		n = min_t(unsigned int, n, TCMK_SAMPLE_DEPTH - 1);
		memcpy(stack + 1, entries, n * sizeof(*stack));
		return n + 1;
	}
	n = min_t(unsigned int, n - i, TCMK_SAMPLE_DEPTH);
	memcpy(stack, entries + i, n * sizeof(*stack));
	return n;
}

/*
 * The stack of the sampled allocation, from its call site up, in the stack
 * depot. The depot may take pages for it where tcmk itself calls the page
 * allocator (not in hardirq context: the page heap's may_call_allocator()),
 * with the caller's flags if they allow to wait, without waiting if not; in
 * hardirq context it keeps a stack it has not seen only if it has room.
 * Return: the stack's handle; 0 if the depot did not keep it.
 */
static u32 sample_save_stack(unsigned long caller,
			     const struct tcmk_sample_trace *trace, gfp_t gfp)
{
	unsigned long stack[TCMK_SAMPLE_DEPTH];
	unsigned int depth;

	/* Pairs with smp_store_release() in sample_depot_init(). */
	if (!smp_load_acquire(&depot_ready))
		return 0;
	depth = sample_stack(stack, caller, trace);
	if (gfpflags_allow_blocking(gfp))
		gfp = (gfp & GFP_KERNEL) | __GFP_NOWARN;
	else
		gfp = GFP_NOWAIT | __GFP_NOWARN;
	return tcmk_stack_depot_save(stack, depth, gfp, !in_hardirq());
}

/*
 * sample_record()'s slow path, for an allocation that may sleep: no spare
 * record (@rec NULL), or no bucket for the stack (@b NULL). What is missing
 * is allocated without the lock (see the lock's comment); another CPU may
 * have made the bucket meanwhile, and then the new one joins the spares.
 * Return: @rec, or a new record, linked to its bucket; NULL if memory is
 * short.
 */
static noinline struct tcmk_sample *
sample_record_slow(struct tcmk_sample *rec, struct tcmk_sample_bucket *b,
		   const struct tcmk_sample *fields, u32 handle,
		   unsigned long caller, gfp_t gfp)
{
	struct tcmk_sample_bucket *nb = NULL;
	unsigned long flags;

	gfp = (gfp & GFP_KERNEL) | __GFP_NOWARN;
	if (!rec)
		rec = kmalloc_obj(*rec, gfp);
	if (!rec)
		return NULL;
	if (!b)
		nb = kzalloc_obj(*nb, gfp);
	raw_spin_lock_irqsave(&tcmk_sample_lock, flags);
	if (!b)
		b = bucket_find(handle, caller);
	if (!b && nb) {
		b = bucket_add(nb, handle, caller);
		if (b)
			nb = NULL;
	}
	if (nb) {
		nb->hnext = spare_buckets;
		spare_buckets = nb;
		nr_spare_buckets++;
	}
	if (b) {
		sample_link(rec, b, fields);
	} else {
		rec_put(rec);
		rec = NULL;
	}
	raw_spin_unlock_irqrestore(&tcmk_sample_lock, flags);
	return rec;
}

/*
 * A record for an object of @bytes bytes, counted as @size by the
 * countdown, allocated at @caller with the stack in @trace: its stack's
 * bucket counts it; a collected object @gc_obj goes in gc_samples too
 * (NULL for any other). A stack the depot did not keep (handle 0) is
 * counted in the bucket of its call site's unknown stacks, so that the
 * sample is not lost: the profile shows it at its call site, with no frame
 * above. The record is a spare, the bucket an existing one, or a spare if
 * @gfp may not sleep; if it may, what the spares lack comes from kmalloc()
 * (sample_record_slow()). One section under the lock in the common case.
 * NULL, and the sample is counted as dropped, if memory for it is short.
 */
static struct tcmk_sample *sample_record(size_t size, size_t bytes,
					 unsigned long caller,
					 const struct tcmk_sample_trace *trace,
					 const void *gc_obj, gfp_t gfp)
{
	bool blocking = gfpflags_allow_blocking(gfp);
	struct tcmk_sample fields = { .bytes = bytes, .obj = gc_obj };
	struct tcmk_sample_bucket *b;
	unsigned long flags, rate;
	struct tcmk_sample *rec;
	bool wanted;
	u32 handle;

	rate = READ_ONCE(tcmk_sample_bytes);
	if (!rate)
		return NULL;
	fields.weight = tcmk_sample_weight(size, rate);
	handle = sample_save_stack(caller, trace, gfp);

	raw_spin_lock_irqsave(&tcmk_sample_lock, flags);
	rec = rec_get_spare();
	b = bucket_find(handle, caller);
	if (!b && !blocking)
		b = bucket_add_spare(handle, caller);
	if (rec && b) {
		sample_link(rec, b, &fields);
	} else if (rec && !blocking) {
		rec_put(rec);
		rec = NULL;
	}
	wanted = spare_wanted();
	raw_spin_unlock_irqrestore(&tcmk_sample_lock, flags);
	if (wanted)
		queue_work(system_wq, &spare_work);
	if (blocking && (!rec || !b))
		rec = sample_record_slow(rec, b, &fields, handle, caller, gfp);
	if (!rec) {
		atomic_long_inc(&samples_dropped);
		return NULL;
	}
	atomic_long_inc(&samples_taken);
	return rec;
}

/* Take @rec out of the in-use profile. */
static void sample_unlink(struct tcmk_sample *rec)
{
	struct tcmk_sample_bucket *b = rec->bucket;

	lockdep_assert_held(&tcmk_sample_lock);
	WRITE_ONCE(b->inuse_objects, b->inuse_objects - rec->weight);
	WRITE_ONCE(b->inuse_bytes, b->inuse_bytes - rec->weight * rec->bytes);
	WRITE_ONCE(b->live, b->live - 1);
	list_del(&rec->list);
}

/*
 * Take @rec out of the in-use profile, and put it with the spares: a free
 * may come in any context, and kfree() is for the work item.
 */
static void sample_release(struct tcmk_sample *rec)
{
	unsigned long flags;
	bool wanted;

	raw_spin_lock_irqsave(&tcmk_sample_lock, flags);
	sample_unlink(rec);
	rec_put(rec);
	wanted = spare_wanted();
	raw_spin_unlock_irqrestore(&tcmk_sample_lock, flags);
	if (wanted)
		queue_work(system_wq, &spare_work);
}

/**
 * tcmk_sample_alloc() - a sampled small object, on a span of its own.
 * @cls:	its size class.
 * @size:	the bytes asked for.
 * @gfp:	allocation flags.
 * @caller:	the caller of tcmk's API.
 * @trace:	the stack, tcmk_sample_trace()'s.
 *
 * The span's state says it holds one sampled object of class @cls, at its
 * base; tcmk_usable_size() answers the class's size, as for any object of
 * the class. Debug mode is left unsampled: its objects take its own path,
 * with its own records.
 *
 * Context: as @gfp allows.
 * Return: the object, zeroed if @gfp or init_on_alloc asks; NULL if it
 * could not be sampled (no record or no span): the caller allocates it as
 * any other.
 */
void *tcmk_sample_alloc(unsigned int cls, size_t size, gfp_t gfp,
			unsigned long caller,
			const struct tcmk_sample_trace *trace)
{
	size_t bytes = tcmk_classes[cls].size;
	struct tcmk_sample *rec;
	struct tcmk_span *span;

	if (tcmk_debug() || (gfp & TCMK_GFP_REFUSED))
		return NULL;
	rec = sample_record(size, bytes, caller, trace, NULL, gfp);
	if (!rec)
		return NULL;
	span = tcmk_pageheap_alloc(DIV_ROUND_UP(bytes, PAGE_SIZE), gfp);
	if (!span) {
		sample_release(rec);
		atomic_long_dec(&samples_taken);
		atomic_long_inc(&samples_dropped);
		return NULL;
	}
	span->cls = cls;
	span->sample = rec;
	span->state = TCMK_SPAN_SAMPLED;
	if (tcmk_want_zero(gfp) && !span->zeroed)
		memset(span->base, 0, bytes);
	return span->base;
}

/**
 * tcmk_sample_large() - sample a large object just allocated.
 * @span:	its span.
 * @size:	the bytes asked for.
 * @gfp:	the allocation's flags.
 * @caller:	the caller of tcmk's API.
 * @trace:	the stack, tcmk_sample_trace()'s.
 *
 * Context: any. A record that cannot be made leaves the object unsampled.
 */
void tcmk_sample_large(struct tcmk_span *span, size_t size, gfp_t gfp,
		       unsigned long caller,
		       const struct tcmk_sample_trace *trace)
{
	span->sample = sample_record(size, (size_t)span->npages << PAGE_SHIFT,
				     caller, trace, NULL, gfp);
}

/**
 * tcmk_sample_gc_alloc() - count a collected object down, and sample it if due.
 * @obj:	the object, just allocated by tcmk_gc_alloc().
 * @size:	the bytes asked for.
 * @bytes:	the object's size.
 * @gfp:	the allocation's flags.
 * @caller:	the caller of tcmk_gc_alloc().
 *
 * The collector's allocations count down on a countdown of their own, per
 * CPU, with this_cpu operations: they come from every context, and a
 * countdown written by an interrupt between a task's decrement and its test
 * only moves a draw of a memoryless law.
 *
 * Context: any but NMI.
 * Return: true if @obj was sampled; tcmk_sample_gc_free() must be asked
 * about it when it is swept.
 */
bool tcmk_sample_gc_alloc(const void *obj, size_t size, size_t bytes,
			  gfp_t gfp, unsigned long caller)
{
	if (this_cpu_sub_return(tcmk_gc_sample_left, (long)size) >= 0)
		return false;
	return tcmk_sample_gc_due(obj, size, bytes, gfp, caller);
}

/**
 * tcmk_sample_gc_due() - sample a collected object whose countdown ran out.
 * @obj:	the object, just allocated by tcmk_gc_alloc().
 * @size:	the bytes asked for.
 * @bytes:	the object's size.
 * @gfp:	the allocation's flags.
 * @caller:	the caller of tcmk_gc_alloc().
 *
 * The countdown, tcmk_gc_sample_left, is counted down by the caller:
 * tcmk_sample_gc_alloc(), or tcmk_gc_alloc()'s hit path with interrupts
 * off. Draws the next distance; the stack is unwound from here.
 *
 * Context: any but NMI.
 * Return: as tcmk_sample_gc_alloc().
 */
bool tcmk_sample_gc_due(const void *obj, size_t size, size_t bytes,
			gfp_t gfp, unsigned long caller)
{
	struct tcmk_sample_trace trace;

	this_cpu_write(tcmk_gc_sample_left, tcmk_sample_distance());
	if (!READ_ONCE(tcmk_sample_bytes))
		return false;
	tcmk_sample_trace(&trace);
	return sample_record(size, bytes, caller, &trace, obj, gfp);
}

/**
 * tcmk_sample_gc_free() - take a swept object out of the profile.
 * @obj:	an object the sweep frees, of a span with sampled objects.
 *
 * Context: any but NMI.
 * Return: true if @obj was sampled, and its record is gone.
 */
bool tcmk_sample_gc_free(const void *obj)
{
	struct tcmk_sample *rec;
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&tcmk_sample_lock, flags);
	hlist_for_each_entry(rec, &gc_samples[hash_ptr(obj, TCMK_SAMPLE_GC_HASH_BITS)],
			     gc_node) {
		if (rec->obj == obj) {
			hlist_del(&rec->gc_node);
			sample_unlink(rec);
			rec_put(rec);
			found = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&tcmk_sample_lock, flags);
	return found;
}

/**
 * tcmk_sample_reset_local() - draw this CPU's collector countdown again.
 *
 * Context: on the CPU, with interrupts off (tcmk_cpucache_sample_reset()).
 */
void tcmk_sample_reset_local(void)
{
	lockdep_assert_irqs_disabled();
	this_cpu_write(tcmk_gc_sample_left, tcmk_sample_distance());
}

/**
 * tcmk_sample_forget() - take a sampled object's record out of the profile.
 * @span:	the object's span, sampled (its record is not NULL).
 *
 * Context: any but NMI.
 */
void tcmk_sample_forget(struct tcmk_span *span)
{
	sample_release(span->sample);
	span->sample = NULL;
}

/**
 * tcmk_sample_free() - free a sampled small object: its record and its span.
 * @span:	the span of state TCMK_SPAN_SAMPLED that holds it.
 *
 * Context: any but NMI.
 */
void tcmk_sample_free(struct tcmk_span *span)
{
	tcmk_sample_forget(span);
	tcmk_pageheap_free(span);
}

/*
 * The stack depot, set up for the samples' stacks before sampling starts: a
 * module must ask for it (stack_depot_init()) unless the kernel set it up
 * at boot. Not at load if sampling is off then: the depot's table is the
 * kernel's, sized by its memory, and kept until it stops.
 */
static void sample_depot_init(void)
{
	lockdep_assert_held(&tcmk_sample_mutex);
	if (depot_ready)
		return;
	if (tcmk_stack_depot_init())
		/* Pairs with smp_load_acquire() in sample_save_stack(). */
		smp_store_release(&depot_ready, true);
	else
		pr_warn_once("heap profile: no stack depot (CONFIG_STACKDEPOT off, or no memory for it): stacks are their call sites alone\n");
}

/**
 * tcmk_sample_set_rate() - set sample_bytes.
 * @bytes:	mean bytes between samples, at most TCMK_SAMPLE_BYTES_MAX;
 *		0 turns sampling off.
 *
 * Turning sampling on enables the allocation fast path's copy that counts
 * down (tcmk_alloc_hook); every CPU draws its next distance again.
 *
 * Context: process; may sleep.
 * Return: 0, or -EINVAL if @bytes is too large.
 */
int tcmk_sample_set_rate(unsigned long bytes)
{
	unsigned long old;

	if (bytes > TCMK_SAMPLE_BYTES_MAX)
		return -EINVAL;
	mutex_lock(&tcmk_sample_mutex);
	if (bytes)
		sample_depot_init();
	old = READ_ONCE(tcmk_sample_bytes);
	WRITE_ONCE(tcmk_sample_bytes, bytes);
	if (!old && bytes)
		static_branch_inc(&tcmk_alloc_hook);
	else if (old && !bytes)
		static_branch_dec(&tcmk_alloc_hook);
	if (old != bytes)
		tcmk_cpucache_sample_reset();
	mutex_unlock(&tcmk_sample_mutex);
	return 0;
}
TCMK_EXPORT_FOR_TESTS(tcmk_sample_set_rate);

/**
 * tcmk_sample_rate() - sample_bytes now.
 *
 * Return: mean bytes between samples; 0 while sampling is off.
 */
unsigned long tcmk_sample_rate(void)
{
	return READ_ONCE(tcmk_sample_bytes);
}
TCMK_EXPORT_FOR_TESTS(tcmk_sample_rate);

/**
 * tcmk_sample_counts() - samples taken since load, dropped, and live.
 * @taken:	samples recorded.
 * @dropped:	samples lost for want of memory (or of a bucket).
 * @live:	samples whose objects are still allocated.
 */
void tcmk_sample_counts(unsigned long *taken, unsigned long *dropped,
			unsigned long *live)
{
	struct tcmk_sample_bucket *b;

	*taken = atomic_long_read(&samples_taken);
	*dropped = atomic_long_read(&samples_dropped);
	*live = 0;
	for (b = tcmk_sample_buckets(); b; b = b->next)
		*live += READ_ONCE(b->live);
}
TCMK_EXPORT_FOR_TESTS(tcmk_sample_counts);

/* allocinfo: the in-use estimate of each call site. */
struct site {
	unsigned long caller;
	u64 bytes;
	u64 objects;
};

static int site_by_caller(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->caller < y->caller ? -1 : x->caller > y->caller;
}

static int site_by_bytes(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return site_by_caller(a, b);
}

static int allocinfo_show(struct seq_file *m, void *unused)
{
	struct tcmk_sample_bucket *b, *head = tcmk_sample_buckets();
	unsigned long taken, dropped, live;
	size_t n = 0, k = 0, i;
	struct site *sites;

	for (b = head; b; b = b->next)
		n++;
	sites = kvmalloc_array(max_t(size_t, n, 1), sizeof(*sites), GFP_KERNEL);
	if (!sites)
		return -ENOMEM;
	for (b = head; b; b = b->next) {
		if (!READ_ONCE(b->live))
			continue;
		sites[k].caller = b->caller;
		sites[k].bytes = READ_ONCE(b->inuse_bytes);
		sites[k].objects = READ_ONCE(b->inuse_objects);
		k++;
	}
	/* One line per call site: the buckets of its stacks, merged. */
	sort(sites, k, sizeof(*sites), site_by_caller, NULL);
	for (i = 0, n = 0; i < k; i++) {
		if (n && sites[n - 1].caller == sites[i].caller) {
			sites[n - 1].bytes += sites[i].bytes;
			sites[n - 1].objects += sites[i].objects;
		} else {
			sites[n++] = sites[i];
		}
	}
	sort(sites, n, sizeof(*sites), site_by_bytes, NULL);

	tcmk_sample_counts(&taken, &dropped, &live);
	seq_printf(m, "allocinfo - tcmk heap profile, version: 1.0, sample_bytes: %lu\n",
		   tcmk_sample_rate());
	seq_printf(m, "# estimates scaled from %lu live samples (%lu taken, %lu dropped)\n",
		   live, taken, dropped);
	seq_puts(m, "#        <bytes>  <objects> <call site>\n");
	for (i = 0; i < n; i++)
		seq_printf(m, "%16llu %10llu %pS\n",
			   sites[i].bytes >> TCMK_SAMPLE_SHIFT,
			   sites[i].objects >> TCMK_SAMPLE_SHIFT,
			   (void *)sites[i].caller);
	kvfree(sites);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(allocinfo);

/**
 * tcmk_sample_debugfs_init() - the profile's files in tcmk's debugfs directory.
 * @dir:	/sys/kernel/debug/tcmk.
 *
 * Root only (0400), as /proc/allocinfo: the profile names kernel code, and
 * heap_profile carries its addresses.
 */
void tcmk_sample_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("allocinfo", 0400, dir, NULL, &allocinfo_fops);
	tcmk_pprof_debugfs_init(dir);
}

int __init tcmk_sample_init(void)
{
	unsigned int cpu;

	if (tcmk_sample_bytes > TCMK_SAMPLE_BYTES_MAX) {
		pr_err("sample_bytes=%lu: at most %lu\n", tcmk_sample_bytes,
		       TCMK_SAMPLE_BYTES_MAX);
		return -EINVAL;
	}
	for_each_possible_cpu(cpu)
		prandom_seed_state(per_cpu_ptr(&sample_rnd, cpu), get_random_u64());
	/* Spares for the first samples that may not wait. */
	spare_work_fn(NULL);
	if (tcmk_sample_bytes) {
		mutex_lock(&tcmk_sample_mutex);
		sample_depot_init();
		mutex_unlock(&tcmk_sample_mutex);
		static_branch_inc(&tcmk_alloc_hook);
	}
	for_each_possible_cpu(cpu)
		per_cpu(tcmk_gc_sample_left, cpu) = tcmk_sample_distance();
	return 0;
}

/*
 * At unload: the records of objects still allocated (reported by the page
 * heap as pages left allocated) and every bucket.
 */
void tcmk_sample_exit(void)
{
	struct tcmk_sample *rec, *tmp;
	struct tcmk_sample_bucket *b;

	if (READ_ONCE(tcmk_sample_bytes))
		static_branch_dec(&tcmk_alloc_hook);
	cancel_work_sync(&spare_work);
	list_for_each_entry_safe(rec, tmp, &live_samples, list)
		kfree(rec);
	INIT_LIST_HEAD(&live_samples);
	list_for_each_entry_safe(rec, tmp, &spare_recs, list)
		kfree(rec);
	INIT_LIST_HEAD(&spare_recs);
	nr_spare_recs = 0;
	while ((b = spare_buckets)) {
		spare_buckets = b->hnext;
		kfree(b);
	}
	nr_spare_buckets = 0;
	memset(gc_samples, 0, sizeof(gc_samples));
	while ((b = all_buckets)) {
		all_buckets = b->next;
		kfree(b);
	}
	memset(bucket_hash, 0, sizeof(bucket_hash));
	nr_buckets = 0;
}
