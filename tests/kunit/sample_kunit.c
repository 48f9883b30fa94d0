// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of tcmk's heap profile (module/sample.c): the distances between
 * samples, the weights that scale them, sampled objects and their records in
 * every path and context, the estimate a call site's samples give, and the
 * buckets their stacks are counted in, one per stack depot handle.
 */
#include <kunit/test.h>
#include <linux/irq_work.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "sample.h"
#include "tcmk_test.h"

/* The rate the suite found, put back after each test. */
static unsigned long saved_rate;

static int sample_init(struct kunit *test)
{
	if (tcmk_test_pin(test))
		return -EINVAL;
	saved_rate = tcmk_sample_rate();
	return 0;
}

static void sample_exit(struct kunit *test)
{
	tcmk_sample_set_rate(saved_rate);
}

static unsigned long live_samples(void)
{
	unsigned long taken, dropped, live;

	tcmk_sample_counts(&taken, &dropped, &live);
	return live;
}

static bool is_sampled_small(const void *obj)
{
	struct tcmk_span *span = tcmk_span_of(obj);

	return span && span->state == TCMK_SPAN_SAMPLED && span->base == obj;
}

/* 10,000 draws: their mean is sample_bytes, within 4% (4 standard errors). */
static void distance_mean_is_the_rate(struct kunit *test)
{
	const unsigned long rate = 65536, n = 10000;
	unsigned long i;
	u64 sum = 0;
	long d;

	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(rate), 0);
	for (i = 0; i < n; i++) {
		d = tcmk_sample_distance();
		KUNIT_ASSERT_GT(test, d, 0L);
		sum += d;
	}
	KUNIT_EXPECT_GT(test, sum, (u64)n * rate * 96 / 100);
	KUNIT_EXPECT_LT(test, sum, (u64)n * rate * 104 / 100);
}

/* Rates out of range are refused and change nothing; 0 is off. */
static void rate_is_checked(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(4096), 0);
	KUNIT_EXPECT_EQ(test, tcmk_sample_set_rate(TCMK_SAMPLE_BYTES_MAX + 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, tcmk_sample_rate(), 4096UL);
	KUNIT_EXPECT_EQ(test, tcmk_sample_set_rate(0), 0);
	KUNIT_EXPECT_EQ(test, tcmk_sample_distance() > 0, true);
	KUNIT_EXPECT_EQ(test, tcmk_sample_rate(), 0UL);
}

/* Go's scaling, 1 / (1 - exp(-size/rate)), to within 0.5%. */
static void weights_are_scaled_as_go_does(struct kunit *test)
{
	static const struct {
		size_t size;
		unsigned long rate;
		u64 expect;	/* the weight * 10^6 */
	} cases[] = {
		{ 8, 524288, 65536500000ULL },		/* 1/x + 1/2 */
		{ 65536, 65536, 1581977ULL },		/* 1/(1 - 1/e) */
		{ 131072, 65536, 1156518ULL },		/* 1/(1 - e^-2) */
		{ 32768, 65536, 2541494ULL },		/* 1/(1 - e^-0.5) */
		{ 1 << 22, 65536, 1000000ULL },		/* far above the rate */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 w = tcmk_sample_weight(cases[i].size, cases[i].rate);
		u64 got = (w * 1000000) >> TCMK_SAMPLE_SHIFT;

		KUNIT_EXPECT_LE_MSG(test, got, cases[i].expect / 1000 * 1005,
				    "size %zu rate %lu", cases[i].size, cases[i].rate);
		KUNIT_EXPECT_GE_MSG(test, got, cases[i].expect / 1000 * 995,
				    "size %zu rate %lu", cases[i].size, cases[i].rate);
	}
}

/*
 * A sampled small object has a span of its own, answers its class's size,
 * is zeroed when asked, and its free takes its record out of the profile.
 */
static void sampled_free_removes_its_record(struct kunit *test)
{
	unsigned long live0;
	void *obj = NULL, *p;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(256), 0);
	live0 = live_samples();
	/* 64 of 256 bytes: each allocation is sampled with p = 0.22. */
	for (i = 0; i < 1000 && !obj; i++) {
		p = tcmk_alloc(64, GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		if (is_sampled_small(p))
			obj = p;
		else
			tcmk_free(p);
	}
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(obj), (size_t)64);
	KUNIT_EXPECT_NULL(test, memchr_inv(obj, 0, 64));
	KUNIT_EXPECT_EQ(test, live_samples(), live0 + 1);
	tcmk_free(obj);
	KUNIT_EXPECT_EQ(test, live_samples(), live0);
}

/* Sampling off: nothing is sampled, whatever is allocated. */
static void off_samples_nothing(struct kunit *test)
{
	unsigned long taken0, taken, dropped, live;
	void *p[64];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(0), 0);
	tcmk_sample_counts(&taken0, &dropped, &live);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = tcmk_alloc(4096, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_FALSE(test, is_sampled_small(p[i]));
	}
	for (i = 0; i < ARRAY_SIZE(p); i++)
		tcmk_free(p[i]);
	tcmk_sample_counts(&taken, &dropped, &live);
	KUNIT_EXPECT_EQ(test, taken, taken0);
}

/* A large object far above the rate is sampled, on its own span. */
static void large_objects_are_sampled(struct kunit *test)
{
	unsigned long live0;
	void *p;

	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(4096), 0);
	live0 = live_samples();
	/* 64 KiB at 4 KiB: not sampled with p = e^-16. */
	p = tcmk_alloc(65536, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NOT_NULL(test, tcmk_span_of(p)->sample);
	KUNIT_EXPECT_EQ(test, live_samples(), live0 + 1);
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, live_samples(), live0);
}

/* The bulk call samples too: 64 KiB in 1 KiB objects at 1 KiB a sample. */
static void bulk_is_sampled(struct kunit *test)
{
	unsigned long live0;
	unsigned int i, sampled = 0;
	void *p[64];

	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(1024), 0);
	live0 = live_samples();
	KUNIT_ASSERT_EQ(test, tcmk_alloc_bulk(1024, GFP_KERNEL, ARRAY_SIZE(p), p),
			(int)ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		sampled += is_sampled_small(p[i]);
	/* About 64 distances are crossed; each swaps one object. */
	KUNIT_EXPECT_GT(test, sampled, 0U);
	KUNIT_EXPECT_EQ(test, live_samples(), live0 + sampled);
	tcmk_free_bulk(ARRAY_SIZE(p), p);
	KUNIT_EXPECT_EQ(test, live_samples(), live0);
}

/* Allocations from hardirq context are sampled as those of tasks are. */
struct irq_ctx {
	struct irq_work work;
	bool hardirq;
	void *got[64];
};

static void irq_alloc_fn(struct irq_work *w)
{
	struct irq_ctx *d = container_of(w, struct irq_ctx, work);
	unsigned int i;

	d->hardirq = in_hardirq();
	for (i = 0; i < ARRAY_SIZE(d->got); i++)
		d->got[i] = tcmk_alloc(1024, GFP_ATOMIC);
}

static void irq_allocations_are_sampled(struct kunit *test)
{
	struct irq_ctx *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	unsigned int i, sampled = 0;
	unsigned long live0;

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(1024), 0);
	live0 = live_samples();
	init_irq_work(&d->work, irq_alloc_fn);
	irq_work_queue(&d->work);
	irq_work_sync(&d->work);
	KUNIT_EXPECT_TRUE(test, d->hardirq);
	for (i = 0; i < ARRAY_SIZE(d->got); i++) {
		KUNIT_ASSERT_NOT_NULL(test, d->got[i]);
		sampled += is_sampled_small(d->got[i]);
	}
	/*
	 * 64 KiB at 1 KiB a sample: about 40 of 64 objects (1 - 1/e each), and
	 * none at all with p = e^-64; the interrupt context's countdown may
	 * have been drawn before the rate was set, so ask for less.
	 */
	KUNIT_EXPECT_GT(test, sampled, 8U);
	KUNIT_EXPECT_EQ(test, live_samples(), live0 + sampled);
	for (i = 0; i < ARRAY_SIZE(d->got); i++)
		tcmk_free(d->got[i]);
	KUNIT_EXPECT_EQ(test, live_samples(), live0);
}

/*
 * The collector's objects are sampled too, and leave the profile when the
 * sweep frees them: not while they are pinned, all once they are not.
 */
static void gc_objects_leave_at_sweep(struct kunit *test)
{
	unsigned long live0, sampled;
	unsigned int i;
	void *p[64];

	tcmk_gc_collect();
	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(1024), 0);
	live0 = live_samples();
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		p[i] = tcmk_gc_alloc(1024, NULL, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	/* 64 KiB at 1 KiB a sample: about 40 of them. */
	sampled = live_samples() - live0;
	KUNIT_EXPECT_GT(test, sampled, 8UL);
	tcmk_gc_collect();
	KUNIT_EXPECT_EQ(test, live_samples(), live0 + sampled);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		tcmk_gc_unpin(p[i]);
	tcmk_gc_collect();
	KUNIT_EXPECT_EQ(test, live_samples(), live0);
}

/* The in-use estimate of the buckets whose call site is in sample_hold(). */
static u64 hold_estimate(void)
{
	char name[KSYM_SYMBOL_LEN];
	struct tcmk_sample_bucket *b;
	u64 bytes = 0;

	for (b = tcmk_sample_buckets(); b; b = b->next) {
		sprint_symbol_no_offset(name, b->caller - 1);
		if (strstr(name, "sample_hold"))
			bytes += READ_ONCE(b->inuse_bytes);
	}
	return bytes >> TCMK_SAMPLE_SHIFT;
}

#define HOLD_BYTES	(24UL << 20)

/* A call site that holds HOLD_BYTES in objects of mixed sizes, small and large. */
static noinline unsigned int sample_hold(void **objs, unsigned int max,
					 size_t *held)
{
	static const size_t sizes[] = { 24, 200, 1000, 3000, 12000, 30000, 70000 };
	unsigned int n = 0;

	*held = 0;
	while (*held < HOLD_BYTES && n < max) {
		objs[n] = tcmk_alloc(sizes[n % ARRAY_SIZE(sizes)], GFP_KERNEL);
		if (!objs[n])
			break;
		*held += tcmk_usable_size(objs[n]);
		n++;
	}
	return n;
}

/*
 * With a sample every 64 KiB, a function that holds 24 MiB shows within
 * 20% of it (about 400 samples: the standard error is some 5%), and shows
 * nothing once it has freed them.
 */
static void estimate_is_within_20_percent(struct kunit *test)
{
	const unsigned int max = 8192;
	void **objs = kvcalloc(max, sizeof(void *), GFP_KERNEL);
	u64 before, during, after;
	unsigned int n, i;
	size_t held;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(65536), 0);
	before = hold_estimate();
	n = sample_hold(objs, max, &held);
	during = hold_estimate() - before;
	for (i = 0; i < n; i++)
		tcmk_free(objs[i]);
	after = hold_estimate();
	kvfree(objs);
	KUNIT_ASSERT_GE(test, held, (size_t)HOLD_BYTES);
	KUNIT_EXPECT_GE_MSG(test, during, (u64)held * 8 / 10, "held %zu", held);
	KUNIT_EXPECT_LE_MSG(test, during, (u64)held * 12 / 10, "held %zu", held);
	KUNIT_EXPECT_EQ(test, after, before);
}

/*
 * Two call sites, each a function of its own, of large objects, which are
 * always sampled. Their sizes differ, so that the compiler does not fold
 * one function into the other, and the result is hidden from it, so that
 * it calls tcmk_alloc() rather than jumping to it: the call site is then
 * in the function.
 */
static noinline void *depot_site_a(void)
{
	void *p = tcmk_alloc(64 << 10, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline void *depot_site_b(void)
{
	void *p = tcmk_alloc(68 << 10, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

/*
 * @n objects from @site, each through the same call instruction: the count
 * is hidden from the compiler, which would otherwise unroll the loop into
 * calls from as many return addresses, and so as many stacks.
 */
static noinline void depot_alloc_loop(void *(*site)(void), void **objs,
				      unsigned int n)
{
	unsigned int i;

	OPTIMIZER_HIDE_VAR(n);
	for (i = 0; i < n; i++)
		objs[i] = site();
}

/*
 * Whether @addr, a return address, is inside the function named @fn:
 * kallsyms may add the module ("fn [mod]") or the compiler a suffix
 * ("fn.constprop.0").
 */
static bool returns_into(unsigned long addr, const char *fn)
{
	char name[KSYM_SYMBOL_LEN];
	size_t len = strlen(fn);

	sprint_symbol_no_offset(name, addr - 1);
	return !strncmp(name, fn, len) &&
	       (!name[len] || name[len] == ' ' || name[len] == '.');
}

/* The buckets whose call site is in the function named @fn, and the last. */
static unsigned int buckets_at(const char *fn, struct tcmk_sample_bucket **last)
{
	struct tcmk_sample_bucket *b;
	unsigned int n = 0;

	*last = NULL;
	for (b = tcmk_sample_buckets(); b; b = b->next) {
		if (returns_into(b->caller, fn)) {
			*last = b;
			n++;
		}
	}
	return n;
}

/*
 * Samples of one stack share one bucket, under one stack depot handle;
 * another call site has a bucket and a handle of its own. The frames the
 * depot gives back start at the call site, then its caller.
 */
static void one_bucket_per_stack(struct kunit *test)
{
	struct tcmk_sample_bucket *a, *b;
	const unsigned long *frames;
	void *pa[2], *pb[1];
	unsigned int n;

	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(4096), 0);
	/* 64 KiB at 4 KiB: each is left unsampled with p = e^-16 only. */
	depot_alloc_loop(depot_site_a, pa, ARRAY_SIZE(pa));
	depot_alloc_loop(depot_site_b, pb, ARRAY_SIZE(pb));
	KUNIT_ASSERT_NOT_NULL(test, pa[0]);
	KUNIT_ASSERT_NOT_NULL(test, pa[1]);
	KUNIT_ASSERT_NOT_NULL(test, pb[0]);
	KUNIT_EXPECT_NOT_NULL(test, tcmk_span_of(pa[0])->sample);
	KUNIT_EXPECT_NOT_NULL(test, tcmk_span_of(pa[1])->sample);
	KUNIT_EXPECT_NOT_NULL(test, tcmk_span_of(pb[0])->sample);

	KUNIT_EXPECT_EQ(test, buckets_at("depot_site_a", &a), 1U);
	KUNIT_EXPECT_EQ(test, buckets_at("depot_site_b", &b), 1U);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, READ_ONCE(a->live), 2U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(b->live), 1U);
	KUNIT_EXPECT_NE(test, a->handle, 0U);
	KUNIT_EXPECT_NE(test, b->handle, 0U);
	KUNIT_EXPECT_NE(test, a->handle, b->handle);

	n = tcmk_sample_frames(a, &frames);
	KUNIT_ASSERT_GE(test, n, 2U);
	KUNIT_EXPECT_LE(test, n, (unsigned int)TCMK_SAMPLE_DEPTH);
	KUNIT_EXPECT_EQ(test, frames[0], a->caller);
	KUNIT_EXPECT_TRUE(test, returns_into(frames[0], "depot_site_a"));
	KUNIT_EXPECT_TRUE(test, returns_into(frames[1], "depot_alloc_loop"));

	tcmk_free(pa[0]);
	tcmk_free(pa[1]);
	tcmk_free(pb[0]);
	KUNIT_EXPECT_EQ(test, READ_ONCE(a->live), 0U);
	KUNIT_EXPECT_EQ(test, READ_ONCE(b->live), 0U);
}

static struct tcmk_cache *wrap_cache;

/* Call sites of tcmk's wrappers of tcmk_alloc(), 64 KiB each. */
static noinline void *wrap_site_kcalloc(void)
{
	void *p = tcmk_kcalloc(1, 64 << 10, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline void *wrap_site_krealloc(void)
{
	void *p = tcmk_krealloc(NULL, 64 << 10, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline void *wrap_site_kvmalloc(void)
{
	void *p = tcmk_kvmalloc(64 << 10, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline void *wrap_site_cache(void)
{
	void *p = tcmk_cache_alloc(wrap_cache, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

/*
 * An object allocated through the kmalloc family or a merged named cache is
 * its caller's: the sample's call site is the caller, never tcmk's wrapper.
 */
static void wrappers_name_their_caller(struct kunit *test)
{
	static void *(*const sites[])(void) = {
		wrap_site_kcalloc, wrap_site_krealloc, wrap_site_kvmalloc,
		wrap_site_cache,
	};
	static const char *const names[] = {
		"wrap_site_kcalloc", "wrap_site_krealloc", "wrap_site_kvmalloc",
		"wrap_site_cache",
	};
	static const char *const wrappers[] = {
		"tcmk_kcalloc", "kmalloc_array_at", "tcmk_krealloc",
		"tcmk_kvmalloc", "tcmk_cache_alloc",
	};
	struct tcmk_sample_bucket *b;
	void *objs[ARRAY_SIZE(sites)];
	unsigned int i;

	wrap_cache = tcmk_cache_create("t-sample-wrap", 64 << 10, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, wrap_cache);
	KUNIT_ASSERT_TRUE(test, wrap_cache->merged);
	KUNIT_ASSERT_EQ(test, tcmk_sample_set_rate(4096), 0);
	for (i = 0; i < ARRAY_SIZE(sites); i++) {
		objs[i] = sites[i]();
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < ARRAY_SIZE(sites); i++) {
		KUNIT_EXPECT_NOT_NULL(test, tcmk_span_of(objs[i])->sample);
		KUNIT_EXPECT_EQ_MSG(test, buckets_at(names[i], &b), 1U, "%s", names[i]);
		if (b)
			KUNIT_EXPECT_EQ(test, READ_ONCE(b->live), 1U);
	}
	for (i = 0; i < ARRAY_SIZE(wrappers); i++)
		KUNIT_EXPECT_EQ_MSG(test, buckets_at(wrappers[i], &b), 0U, "%s", wrappers[i]);
	for (i = 0; i < ARRAY_SIZE(sites) - 1; i++)
		tcmk_kvfree(objs[i]);
	tcmk_cache_free(wrap_cache, objs[i]);
	tcmk_cache_destroy(wrap_cache);
}

/*
 * A bucket whose stack the depot did not keep (handle 0) shows its call
 * site alone: one frame, the call site.
 */
static void unknown_stack_is_its_call_site(struct kunit *test)
{
	struct tcmk_sample_bucket b = { .caller = (unsigned long)depot_site_a };
	const unsigned long *frames;

	KUNIT_ASSERT_EQ(test, tcmk_sample_frames(&b, &frames), 1U);
	KUNIT_EXPECT_PTR_EQ(test, frames, (const unsigned long *)&b.caller);
	KUNIT_EXPECT_EQ(test, frames[0], (unsigned long)depot_site_a);
}

static struct kunit_case tcmk_sample_cases[] = {
	KUNIT_CASE(distance_mean_is_the_rate),
	KUNIT_CASE(rate_is_checked),
	KUNIT_CASE(weights_are_scaled_as_go_does),
	KUNIT_CASE(sampled_free_removes_its_record),
	KUNIT_CASE(off_samples_nothing),
	KUNIT_CASE(large_objects_are_sampled),
	KUNIT_CASE(bulk_is_sampled),
	KUNIT_CASE(irq_allocations_are_sampled),
	KUNIT_CASE(gc_objects_leave_at_sweep),
	KUNIT_CASE(estimate_is_within_20_percent),
	KUNIT_CASE(one_bucket_per_stack),
	KUNIT_CASE(unknown_stack_is_its_call_site),
	KUNIT_CASE(wrappers_name_their_caller),
	{}
};

static struct kunit_suite tcmk_sample_suite = {
	.name = "tcmk_sample",
	.init = sample_init,
	.exit = sample_exit,
	.test_cases = tcmk_sample_cases,
};

kunit_test_suites(&tcmk_sample_suite);
