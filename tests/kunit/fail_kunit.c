// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's fault injection (module/fail.c): fail_alloc fails
 * exactly as many calls of each allocating API as it is told to, and then
 * none; it never fails __GFP_NOFAIL, keeps quiet for __GFP_NOWARN, heeds
 * ignore-gfp-wait; and a failed call changes no statistic.
 */
#include <linux/irq_work.h>
#include <linux/tcmk.h>

#include "tcmk_test.h"

#define FAIL_TIMES	3
#define FAIL_CALLS	(FAIL_TIMES + 2)

/* The knobs the helpers leave alone; the helpers skip without the framework. */
#ifdef CONFIG_FAULT_INJECTION
static void set_verbose(unsigned long verbose)
{
	tcmk_fail_alloc.attr.verbose = verbose;
}

static void set_ignore_gfp_wait(bool ignore)
{
	tcmk_fail_alloc.ignore_gfp_reclaim = ignore;
}
#else
static void set_verbose(unsigned long verbose)
{
}

static void set_ignore_gfp_wait(bool ignore)
{
}
#endif

static void fail_exit(struct kunit *test)
{
	tcmk_test_fail_off(TCMK_TEST_FAIL_ALLOC);
	tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
	tcmk_gc_collect();
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

/* One call of an allocating API, and how to free what it gave. */
struct fail_api {
	const char *name;
	void *(*alloc)(gfp_t gfp, void **more);
	void (*free)(void *obj, void **more);
};

static void *alloc_small(gfp_t gfp, void **more)
{
	return tcmk_alloc(200, gfp);
}

static void *alloc_large(gfp_t gfp, void **more)
{
	return tcmk_alloc(TCMK_MAX_SMALL_SIZE + 1, gfp);
}

static void free_plain(void *obj, void **more)
{
	tcmk_free(obj);
}

#define BULK_NR		4

static void *alloc_bulk(gfp_t gfp, void **more)
{
	return tcmk_alloc_bulk(96, gfp, BULK_NR, more) ? more[0] : NULL;
}

static void *alloc_bulk_large(gfp_t gfp, void **more)
{
	return tcmk_alloc_bulk(40000, gfp, BULK_NR, more) ? more[0] : NULL;
}

static void free_bulk(void *obj, void **more)
{
	tcmk_free_bulk(BULK_NR, more);
}

static void *alloc_gc(gfp_t gfp, void **more)
{
	return tcmk_gc_alloc(48, NULL, gfp);
}

static void *alloc_gc_large(gfp_t gfp, void **more)
{
	return tcmk_gc_alloc(TCMK_MAX_SMALL_SIZE + 1, NULL, gfp);
}

/* Unpinned, the object is garbage: fail_exit()'s collection frees it. */
static void free_gc(void *obj, void **more)
{
	tcmk_gc_unpin(obj);
}

static const struct fail_api fail_apis[] = {
	{ "tcmk_alloc, small", alloc_small, free_plain },
	{ "tcmk_alloc, large", alloc_large, free_plain },
	{ "tcmk_alloc_bulk, small", alloc_bulk, free_bulk },
	{ "tcmk_alloc_bulk, large", alloc_bulk_large, free_bulk },
	{ "tcmk_gc_alloc, small", alloc_gc, free_gc },
	{ "tcmk_gc_alloc, large", alloc_gc_large, free_gc },
};

static void fail_api_desc(const struct fail_api *api, char *desc)
{
	strscpy(desc, api->name, KUNIT_PARAM_DESC_SIZE);
}
KUNIT_ARRAY_PARAM(fail_api, fail_apis, fail_api_desc);

/*
 * times N: the first N calls fail, every later one succeeds, and the
 * failures left no trace in the statistics (the successes are counted).
 */
static void fail_alloc_fails_exactly_times(struct kunit *test)
{
	const struct fail_api *api = test->param_value;
	struct tcmk_stats before, after;
	void *objs[FAIL_CALLS], *more[FAIL_CALLS][BULK_NR];
	unsigned int i, failed = 0;

	tcmk_get_stats(&before);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, FAIL_TIMES);
	for (i = 0; i < FAIL_CALLS; i++) {
		objs[i] = api->alloc(GFP_KERNEL, more[i]);
		KUNIT_EXPECT_EQ_MSG(test, !objs[i], i < FAIL_TIMES, "call %u", i);
		failed += !objs[i];
	}
	KUNIT_EXPECT_EQ(test, failed, FAIL_TIMES);
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), 0);
	tcmk_get_stats(&after);
	if (api->free != free_gc)
		KUNIT_EXPECT_EQ(test, after.alloc_total - before.alloc_total,
				(u64)(FAIL_CALLS - failed) *
				(api->free == free_bulk ? BULK_NR : 1));
	for (i = 0; i < FAIL_CALLS; i++)
		if (objs[i])
			api->free(objs[i], more[i]);
	tcmk_gc_collect();
	tcmk_get_stats(&after);
	KUNIT_EXPECT_EQ(test, after.bytes_in_use, before.bytes_in_use);
}

/*
 * Every call while times is -1, but never one with __GFP_NOFAIL. Its memory
 * is in tcmk already: the page allocator warns of __GFP_NOFAIL for a chunk.
 */
static void fail_alloc_never_fails_nofail(struct kunit *test)
{
	const struct fail_api *api = test->param_value;
	void *more[BULK_NR], *obj;

	obj = api->alloc(GFP_KERNEL, more);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	api->free(obj, more);
	tcmk_gc_collect();
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, -1);
	obj = api->alloc(GFP_KERNEL | __GFP_NOFAIL, more);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	api->free(obj, more);
	KUNIT_EXPECT_NULL(test, api->alloc(GFP_KERNEL, more));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), -1);
}

/*
 * should_fail() prints when verbose is set and a __GFP_NOWARN caller must
 * not make the kernel print: such a call fails only while verbose is 0.
 */
static void fail_alloc_keeps_nowarn_quiet(struct kunit *test)
{
	void *p;

	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	set_verbose(1);
	p = tcmk_alloc(64, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_NOT_NULL(test, p);
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), 1);
	set_verbose(0);
	KUNIT_EXPECT_NULL(test, tcmk_alloc(64, GFP_KERNEL | __GFP_NOWARN));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), 0);
}

/* ignore-gfp-wait, as failslab's: calls that may reclaim are left alone. */
static void fail_alloc_ignores_gfp_wait(struct kunit *test)
{
	void *p;

	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	set_ignore_gfp_wait(true);
	p = tcmk_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	tcmk_free(p);
	KUNIT_EXPECT_NULL(test, tcmk_alloc(64, GFP_ATOMIC));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), 0);
}

struct fail_irq_ctx {
	struct irq_work work;
	void *got[2];
};

static void fail_irq_fn(struct irq_work *w)
{
	struct fail_irq_ctx *d = container_of(w, struct fail_irq_ctx, work);

	d->got[0] = tcmk_alloc(64, GFP_ATOMIC);
	d->got[1] = tcmk_alloc(64, GFP_ATOMIC);
}

/*
 * The interrupt path fails too. The spans it takes its objects from are
 * made first: hardirq context gets only the pages tcmk holds.
 */
static void fail_alloc_fails_in_hardirq(struct kunit *test)
{
	struct fail_irq_ctx *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	void *p = tcmk_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_free(p);
	init_irq_work(&d->work, fail_irq_fn);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	irq_work_queue(&d->work);
	irq_work_sync(&d->work);
	KUNIT_EXPECT_NULL(test, d->got[0]);
	KUNIT_EXPECT_NOT_NULL(test, d->got[1]);
	tcmk_free(d->got[1]);
}

/* fail_page fails the page heap's growth, and tcmk_alloc() with it. */
static void fail_page_fails_a_miss_only(struct kunit *test)
{
	void *p;

	tcmk_test_quiesce();
	KUNIT_ASSERT_EQ(test, tcmk_test_pages_held(), 0UL);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, TCMK_TEST_PAGE_FAILS);
	KUNIT_EXPECT_NULL(test, tcmk_alloc(512, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_PAGE), 0);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	p = tcmk_alloc(512, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, p);
	tcmk_free(p);
}

static struct kunit_case fail_cases[] = {
	KUNIT_CASE_PARAM(fail_alloc_fails_exactly_times, fail_api_gen_params),
	KUNIT_CASE_PARAM(fail_alloc_never_fails_nofail, fail_api_gen_params),
	KUNIT_CASE(fail_alloc_keeps_nowarn_quiet),
	KUNIT_CASE(fail_alloc_ignores_gfp_wait),
	KUNIT_CASE(fail_alloc_fails_in_hardirq),
	KUNIT_CASE(fail_page_fails_a_miss_only),
	{}
};

static struct kunit_suite tcmk_fail_suite = {
	.name = "tcmk_fail",
	.init = tcmk_test_pin,
	.exit = fail_exit,
	.test_cases = fail_cases,
};
kunit_test_suites(&tcmk_fail_suite);
