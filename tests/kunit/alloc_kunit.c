// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's public API: every class boundary from 1 byte to
 * 4 MiB, zeroing, alignment, usable size, the bulk calls, and refusing
 * pointers tcmk did not hand out and flags it cannot serve.
 */
#include <linux/irq_work.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/tcmk.h>

#include "tcmk_test.h"

static void alloc_exit(struct kunit *test)
{
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

/* The boundaries: each class's first and last request, and large sizes. */
static size_t *boundary_sizes(struct kunit *test, unsigned int *n)
{
	static const size_t large[] = {
		TCMK_MAX_SMALL_SIZE + 1, 36864, 65536, 65537, 1 << 20,
		(2 << 20) - 1, 2 << 20, (2 << 20) + 1, (3 << 20) + 7,
		TCMK_MAX_ALLOC_SIZE - 1, TCMK_MAX_ALLOC_SIZE,
	};
	size_t *sizes = kunit_kcalloc(test, 3 * TCMK_NR_CLASSES + ARRAY_SIZE(large),
				      sizeof(*sizes), GFP_KERNEL);
	unsigned int c, k = 0, i;

	if (!sizes)
		return NULL;
	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		size_t prev = c ? tcmk_classes[c - 1].size : 0;

		sizes[k++] = prev + 1;
		if (tcmk_classes[c].size - 1 > prev + 1)
			sizes[k++] = tcmk_classes[c].size - 1;
		sizes[k++] = tcmk_classes[c].size;
	}
	for (i = 0; i < ARRAY_SIZE(large); i++)
		sizes[k++] = large[i];
	*n = k;
	return sizes;
}

static size_t expected_usable(size_t size)
{
	if (size > TCMK_MAX_SMALL_SIZE)
		return PAGE_ALIGN(size);
	return tcmk_classes[tcmk_size_class(size)].size;
}

static unsigned long expected_align(size_t size)
{
	if (size > TCMK_MAX_SMALL_SIZE)
		return PAGE_SIZE;
	if (is_power_of_2(size) && size <= PAGE_SIZE)
		return max_t(size_t, size, 8);
	return size > 8 ? 16 : 8;
}

static void every_boundary_size_works(struct kunit *test)
{
	unsigned int n, i;
	size_t *sizes = boundary_sizes(test, &n);

	KUNIT_ASSERT_NOT_NULL(test, sizes);
	for (i = 0; i < n; i++) {
		size_t size = sizes[i], usable;
		u8 *p = tcmk_alloc(size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL_MSG(test, p, "size %zu", size);
		usable = tcmk_usable_size(p);
		KUNIT_EXPECT_EQ_MSG(test, usable, expected_usable(size), "size %zu", size);
		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)p & (expected_align(size) - 1),
				    0UL, "size %zu", size);
		/* Every usable byte is ours to write and read back. */
		memset(p, 0xa5, usable);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0xa5, usable), "size %zu", size);
		tcmk_free(p);
	}
}

/* Dirty an object, free it, ask for a zeroed one: it comes back clean. */
static void gfp_zero_zeroes(struct kunit *test)
{
	unsigned int n, i;
	size_t *sizes = boundary_sizes(test, &n);

	KUNIT_ASSERT_NOT_NULL(test, sizes);
	for (i = 0; i < n; i++) {
		u8 *p = tcmk_alloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xff, tcmk_usable_size(p));
		tcmk_free(p);
		p = tcmk_alloc(sizes[i], GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, tcmk_usable_size(p)),
				      "size %zu", sizes[i]);
		tcmk_free(p);
	}
}

/*
 * Under init_on_alloc a large object is zero whether its pages come fresh
 * from the page allocator (which zeroed them) or were written by an earlier
 * object (which tcmk must zero itself).
 */
static void large_objects_are_zero_under_init_on_alloc(struct kunit *test)
{
	static const size_t sizes[] = {
		TCMK_MAX_SMALL_SIZE + 1, 300000, TCMK_CHUNK_PAGES * PAGE_SIZE / 2,
		TCMK_CHUNK_PAGES * PAGE_SIZE + 1,
	};
	unsigned int i, round;
	u8 *p;

	if (!want_init_on_alloc(GFP_KERNEL))
		kunit_skip(test, "init_on_alloc is off");
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (round = 0; round < 2; round++) {
			p = tcmk_alloc(sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			KUNIT_EXPECT_NULL_MSG(test, memchr_inv(p, 0, tcmk_usable_size(p)),
					      "size %zu, round %u", sizes[i], round);
			memset(p, 0x77, tcmk_usable_size(p));
			tcmk_free(p);
		}
	}
}

static void zero_and_too_large(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);

	KUNIT_EXPECT_PTR_EQ(test, tcmk_alloc(0, GFP_KERNEL), (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_NULL(test, tcmk_alloc(TCMK_MAX_ALLOC_SIZE + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_alloc(SIZE_MAX, GFP_KERNEL));
	tcmk_free(NULL);
	tcmk_free(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(NULL), (size_t)0);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(ZERO_SIZE_PTR), (size_t)0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad);
}

static int cmp_ptr(const void *a, const void *b)
{
	const void *x = *(void * const *)a, *y = *(void * const *)b;

	return (x > y) - (x < y);
}

static void bulk_gives_distinct_objects(struct kunit *test)
{
	static const size_t sizes[] = { 8, 64, 1000, 4096, 40000 };
	const unsigned int nr = 500;
	void **ptrs = kunit_kcalloc(test, nr, sizeof(void *), GFP_KERNEL);
	unsigned int s, i;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		KUNIT_ASSERT_EQ(test, tcmk_alloc_bulk(sizes[s], GFP_KERNEL | __GFP_ZERO,
						      nr, ptrs), (int)nr);
		for (i = 0; i < nr; i++) {
			KUNIT_EXPECT_GE(test, tcmk_usable_size(ptrs[i]), sizes[s]);
			KUNIT_EXPECT_NULL(test, memchr_inv(ptrs[i], 0, sizes[s]));
			tcmk_test_fill(ptrs[i], sizes[s]);
		}
		for (i = 0; i < nr; i++)
			KUNIT_EXPECT_TRUE(test, tcmk_test_check(ptrs[i], sizes[s]));
		sort(ptrs, nr, sizeof(void *), cmp_ptr, NULL);
		for (i = 1; i < nr; i++)
			KUNIT_EXPECT_PTR_NE(test, ptrs[i - 1], ptrs[i]);
		tcmk_free_bulk(nr, ptrs);
	}
	KUNIT_EXPECT_EQ(test, tcmk_alloc_bulk(0, GFP_KERNEL, nr, ptrs), 0);
	KUNIT_EXPECT_EQ(test, tcmk_alloc_bulk(64, GFP_KERNEL, 0, ptrs), 0);
	KUNIT_EXPECT_EQ(test, tcmk_alloc_bulk(64, GFP_KERNEL, (size_t)INT_MAX + 1, ptrs), 0);
}

/*
 * All or nothing: a bulk request that runs out of memory half way gives back
 * what it took. 200 objects of 32 KiB need more than the one chunk the heap
 * has; every further page allocation fails.
 */
static void bulk_failure_takes_nothing(struct kunit *test)
{
	const unsigned int nr = 200;
	void **ptrs = kunit_kcalloc(test, nr, sizeof(void *), GFP_KERNEL);
	unsigned int cls = tcmk_size_class(32768);
	struct tcmk_cpu_counts before, after;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, ptrs);
	tcmk_test_quiesce();
	p = tcmk_alloc(32768, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_free(p);
	KUNIT_ASSERT_EQ(test, tcmk_test_pages_held(), (unsigned long)TCMK_CHUNK_PAGES);

	tcmk_cpu_counts(cls, -1, &before);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, -1);
	KUNIT_EXPECT_EQ(test, tcmk_alloc_bulk(32768, GFP_KERNEL, nr, ptrs), 0);
	tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
	tcmk_cpu_counts(cls, -1, &after);
	KUNIT_EXPECT_EQ(test, after.allocs - after.frees, before.allocs - before.frees);
	KUNIT_EXPECT_GT(test, after.allocs, before.allocs);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), (unsigned long)TCMK_CHUNK_PAGES);
	tcmk_test_expect_conserved(test, cls, 0);
}

static void bad_pointers_are_refused(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);
	static char not_heap[64];
	void *k = kmalloc(64, GFP_KERNEL);
	u8 *p = tcmk_alloc(256, GFP_KERNEL);
	u8 *big = tcmk_alloc(100000, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, big);
	tcmk_test_fill(p, 256);

	tcmk_free(k);			/* kmalloc's, not ours */
	tcmk_free(not_heap);		/* module data */
	tcmk_free(p + 16);		/* inside an object */
	tcmk_free(big + PAGE_SIZE);	/* inside a large object */
	/*
	 * In a large object's first page, which is stamped as a span's: the
	 * object-start test must refuse it although the span is not small.
	 */
	tcmk_free(big + 64);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 5);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(k), (size_t)0);

	/* The objects are still whole and still ours. */
	KUNIT_EXPECT_TRUE(test, tcmk_test_check(p, 256));
	tcmk_free(p);
	tcmk_free(big);
	/* A large object freed twice: its pages now belong to a free run. */
	tcmk_free(big);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 6);
	kfree(k);
}

/*
 * Where a class's objects do not fill their span, the tail starts at a
 * multiple of the object size: a pointer there is no object's start.
 */
static void span_tails_are_refused(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);
	unsigned int c, tails = 0;

	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		const struct tcmk_class_info *ci = &tcmk_classes[c];
		struct tcmk_span *span;
		u8 *p;

		if ((unsigned long)ci->objects * ci->size ==
		    (unsigned long)ci->pages * PAGE_SIZE)
			continue;
		p = tcmk_alloc(ci->size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		span = tcmk_span_of(p);
		KUNIT_ASSERT_NOT_NULL(test, span);
		tcmk_free(span->base + (unsigned long)ci->objects * ci->size);
		tails++;
		KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + tails);
		tcmk_free(p);
	}
	KUNIT_EXPECT_GT(test, tails, 0U);
}

/*
 * An object freed twice in a row is refused on the fast path, as SLUB's
 * hardened free list refuses its head: counted, warned about, and never
 * handed out twice. The CPU stays the same for both frees, whose stack's
 * top the check reads, at every size class's edge and whether or not the
 * stack is full (a stack of its class's capacity, filled first).
 */
static void double_free_in_a_row_is_refused(struct kunit *test)
{
	static const size_t sizes[] = { 8, 64, 1024, 32768 };
	long bad = atomic_long_read(&tcmk_bad_frees);
	unsigned int i, j, n = 0;
	void **fill, *p, *a, *b;

	fill = kunit_kcalloc(test, 1024, sizeof(*fill), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, fill);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < 2; j++) {
			unsigned int k, nfill = j ? 1024 : 0;

			for (k = 0; k < nfill; k++) {
				fill[k] = tcmk_alloc(sizes[i], GFP_KERNEL);
				KUNIT_ASSERT_NOT_NULL(test, fill[k]);
			}
			p = tcmk_alloc(sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			preempt_disable();
			for (k = 0; k < nfill; k++)
				tcmk_free(fill[k]);
			tcmk_free(p);
			tcmk_free(p);
			preempt_enable();
			n++;
			KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + n);
			a = tcmk_alloc(sizes[i], GFP_KERNEL);
			b = tcmk_alloc(sizes[i], GFP_KERNEL);
			KUNIT_EXPECT_NOT_NULL(test, a);
			KUNIT_EXPECT_PTR_NE(test, a, b);
			tcmk_free(a);
			tcmk_free(b);
		}
	}
}

/*
 * A large object freed twice: its pages are the page heap's again, and the
 * second free is refused, whatever became of them (still free, or part of
 * a larger free run).
 */
static void large_double_free_is_refused(struct kunit *test)
{
	static const size_t sizes[] = { 65536, 3 << 20 };
	long bad = atomic_long_read(&tcmk_bad_frees);
	unsigned long allocs, frees, bytes, frees0;
	unsigned int i;
	void *p;

	tcmk_large_counts(&allocs, &frees0, &bytes);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = tcmk_alloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		tcmk_free(p);
		tcmk_free(p);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + i + 1);
	}
	tcmk_large_counts(&allocs, &frees, &bytes);
	KUNIT_EXPECT_EQ(test, frees, frees0 + ARRAY_SIZE(sizes));
}

/* One tcmk_alloc() of each size with @gfp, from hardirq context. */
struct dma_irq_ctx {
	struct irq_work work;
	gfp_t gfp;
	void *got[3];
};

static const size_t dma_sizes[] = { 64, 4096, TCMK_MAX_SMALL_SIZE + 1 };

static void dma_irq_fn(struct irq_work *w)
{
	struct dma_irq_ctx *d = container_of(w, struct dma_irq_ctx, work);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dma_sizes); i++)
		d->got[i] = tcmk_alloc(dma_sizes[i], d->gfp);
}

/*
 * tcmk has no memory of the DMA zones: a request for it fails rather than
 * get other memory, on every path: a hit in the CPU's cache, a miss, a
 * large object, the bulk call, hardirq context. Nothing is kept.
 */
static void dma_zones_are_refused(struct kunit *test)
{
	static const gfp_t zones[] = { __GFP_DMA, __GFP_DMA32 };
	struct dma_irq_ctx *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	unsigned int z, i, k;
	struct tcmk_stats before, after;
	void *ptrs[4], *p;

	KUNIT_ASSERT_NOT_NULL(test, d);
	init_irq_work(&d->work, dma_irq_fn);
	tcmk_get_stats(&before);
	for (z = 0; z < ARRAY_SIZE(zones); z++) {
		for (i = 0; i < ARRAY_SIZE(dma_sizes); i++) {
			/* A hit: the object just freed is in the CPU's cache. */
			p = tcmk_alloc(dma_sizes[i], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			tcmk_free(p);
			p = tcmk_alloc(dma_sizes[i], GFP_KERNEL | zones[z]);
			KUNIT_EXPECT_NULL_MSG(test, p, "size %zu, gfp %pGg",
					      dma_sizes[i], &zones[z]);
			tcmk_free(p);
			p = tcmk_alloc(dma_sizes[i], GFP_KERNEL | __GFP_ZERO | zones[z]);
			KUNIT_EXPECT_NULL_MSG(test, p, "size %zu, zeroed, gfp %pGg",
					      dma_sizes[i], &zones[z]);
			tcmk_free(p);
			/* A miss: every cache is empty. */
			tcmk_drain();
			p = tcmk_alloc(dma_sizes[i], GFP_KERNEL | zones[z]);
			KUNIT_EXPECT_NULL_MSG(test, p, "size %zu after a drain, gfp %pGg",
					      dma_sizes[i], &zones[z]);
			tcmk_free(p);
			k = tcmk_alloc_bulk(dma_sizes[i], GFP_KERNEL | zones[z],
					    ARRAY_SIZE(ptrs), ptrs);
			KUNIT_EXPECT_EQ_MSG(test, k, 0U, "bulk, size %zu, gfp %pGg",
					    dma_sizes[i], &zones[z]);
			if (k)
				tcmk_free_bulk(k, ptrs);
		}
		d->gfp = GFP_ATOMIC | zones[z];
		irq_work_queue(&d->work);
		irq_work_sync(&d->work);
		for (i = 0; i < ARRAY_SIZE(dma_sizes); i++) {
			KUNIT_EXPECT_NULL_MSG(test, d->got[i], "hardirq, size %zu, gfp %pGg",
					      dma_sizes[i], &zones[z]);
			tcmk_free(d->got[i]);
		}
	}
	tcmk_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.bytes_in_use, before.bytes_in_use);
	KUNIT_EXPECT_EQ(test, after.bad_free_total, before.bad_free_total);
}

static struct kunit_case tcmk_alloc_cases[] = {
	KUNIT_CASE(every_boundary_size_works),
	KUNIT_CASE(gfp_zero_zeroes),
	KUNIT_CASE(large_objects_are_zero_under_init_on_alloc),
	KUNIT_CASE(zero_and_too_large),
	KUNIT_CASE(bulk_gives_distinct_objects),
	KUNIT_CASE(bulk_failure_takes_nothing),
	KUNIT_CASE(bad_pointers_are_refused),
	KUNIT_CASE(span_tails_are_refused),
	KUNIT_CASE(double_free_in_a_row_is_refused),
	KUNIT_CASE(large_double_free_is_refused),
	KUNIT_CASE(dma_zones_are_refused),
	{}
};

static struct kunit_suite tcmk_alloc_suite = {
	.name = "tcmk_alloc",
	.suite_init = tcmk_test_sampling_off,
	.init = tcmk_test_pin,
	.suite_exit = tcmk_test_sampling_restore,
	.exit = alloc_exit,
	.test_cases = tcmk_alloc_cases,
};

kunit_test_suites(&tcmk_alloc_suite);
