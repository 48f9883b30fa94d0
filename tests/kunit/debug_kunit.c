// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's debug mode (module/debug.c), in the style of
 * lib/slub_kunit.c: each case corrupts memory or frees wrongly on purpose and
 * expects an exact change of the error counters. They need tcmk.ko loaded
 * with debug=FZPU (the guest job loads it so for this module alone), and
 * skip otherwise.
 */
#include <linux/slab.h>

#include "debug.h"
#include "tcmk_test.h"

/* A size that is a class's size, so that its red zone is debug mode's own. */
#define DEBUG_TEST_SIZE	64
#define DEBUG_TEST_MANY	16

static long errors(enum tcmk_debug_error err)
{
	return atomic_long_read(&tcmk_debug_errors[err]);
}

static int debug_test_init(struct kunit *test)
{
	unsigned int want = TCMK_DEBUG_F | TCMK_DEBUG_Z | TCMK_DEBUG_P;

	if ((READ_ONCE(tcmk_debug_flags) & want) != want)
		kunit_skip(test, "tcmk.ko is not loaded with debug=FZPU");
	/*
	 * On the first CPU, as tcmk_test_pin() keeps the other suites (this
	 * module has no helpers.c): the tests that expect a freed object
	 * back must not move to a CPU of another node between the two.
	 */
	return set_cpus_allowed_ptr(current, cpumask_of(cpumask_first(cpu_online_mask)));
}

/* No two of @n objects are the same: an object is never handed out twice. */
static void expect_distinct(struct kunit *test, void **objs, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		for (j = 0; j < i; j++)
			KUNIT_EXPECT_PTR_NE(test, objs[i], objs[j]);
	}
}

static void alloc_many(struct kunit *test, void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		objs[i] = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);
	expect_distinct(test, objs, n);
}

static void free_many(void **objs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		tcmk_free(objs[i]);
}

static void debug_usable_size_is_requested(struct kunit *test)
{
	void *p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);
	void *objs[1];

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(p), (size_t)DEBUG_TEST_SIZE);
	tcmk_free(p);
	/* Not a class's size: the object is as large as asked, no larger. */
	p = tcmk_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(p), (size_t)100);
	tcmk_free(p);
	KUNIT_ASSERT_EQ(test, tcmk_alloc_bulk(100, GFP_KERNEL, 1, objs), 1);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(objs[0]), (size_t)100);
	tcmk_free_bulk(1, objs);
}

/*
 * Debug mode's allocations bypass the CPUs' stacks, and still count: an
 * object in use adds its class's size (64 B of request, 144 B of class
 * with the red zone and the metadata) to bytes_in_use until it is freed.
 */
static void debug_stats_count_objects(struct kunit *test)
{
	struct tcmk_stats before, during, after;
	u64 size;
	void *p;

	tcmk_get_stats(&before);
	p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_get_stats(&during);
	size = tcmk_classes[tcmk_span_of(p)->cls].size;
	tcmk_free(p);
	tcmk_get_stats(&after);
	KUNIT_EXPECT_EQ(test, during.alloc_total, before.alloc_total + 1);
	KUNIT_EXPECT_EQ(test, after.free_total, before.free_total + 1);
	KUNIT_EXPECT_EQ(test, during.bytes_in_use - before.bytes_in_use, size);
	KUNIT_EXPECT_GT(test, size, (u64)DEBUG_TEST_SIZE);
	KUNIT_EXPECT_EQ(test, after.bytes_in_use, before.bytes_in_use);
}

static void debug_redzone_write_past_end(struct kunit *test)
{
	long redzone = errors(TCMK_DEBUG_REDZONE);
	long poison = errors(TCMK_DEBUG_POISON);
	u8 *p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL), *q;
	size_t size;

	KUNIT_ASSERT_NOT_NULL(test, p);
	size = tcmk_usable_size(p);
	OPTIMIZER_HIDE_VAR(size);
	p[size] = 0x12;
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_REDZONE), redzone + 1);

	/* The red zone was restored: the object serves again, cleanly. */
	q = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	memset(q, 0x5a, DEBUG_TEST_SIZE);
	tcmk_free(q);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_REDZONE), redzone + 1);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_POISON), poison);
}

/* The red zone begins at the size asked for, not at the class's size. */
static void debug_redzone_exact_size(struct kunit *test)
{
	long redzone = errors(TCMK_DEBUG_REDZONE);
	void *objs[1];
	u8 *p;

	p = tcmk_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p[99] = 1;
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_REDZONE), redzone);
	p = tcmk_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	p[100] = 1;
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_REDZONE), ++redzone);

	KUNIT_ASSERT_EQ(test, tcmk_alloc_bulk(100, GFP_KERNEL, 1, objs), 1);
	p = objs[0];
	p[99] = 1;
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_REDZONE), redzone);
	KUNIT_ASSERT_EQ(test, tcmk_alloc_bulk(100, GFP_KERNEL, 1, objs), 1);
	p = objs[0];
	p[100] = 1;
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_REDZONE), redzone + 1);
}

static void debug_poison_write_after_free_validate(struct kunit *test)
{
	long poison = errors(TCMK_DEBUG_POISON);
	u8 *p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_free(p);
	p[16] = 0;
	tcmk_debug_validate();
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_POISON), poison + 1);
	/* Repoisoned: neither a second walk nor the next allocation reports. */
	tcmk_debug_validate();
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_POISON), poison + 1);
	q = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_POISON), poison + 1);
	tcmk_free(q);
}

static void debug_poison_write_after_free_alloc(struct kunit *test)
{
	long poison = errors(TCMK_DEBUG_POISON);
	u8 *p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_free(p);
	p[DEBUG_TEST_SIZE - 1] = 0;
	q = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_POISON), poison + 1);
	tcmk_free(q);
}

static void debug_double_free_right_after(struct kunit *test)
{
	long twice = errors(TCMK_DEBUG_DOUBLE_FREE);
	void *objs[DEBUG_TEST_MANY];
	void *p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_free(p);
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_DOUBLE_FREE), twice + 1);
	alloc_many(test, objs, DEBUG_TEST_MANY);
	free_many(objs, DEBUG_TEST_MANY);
}

/*
 * The first free has gone on, to the transfer cache (after tcmk_drain()) or
 * to its span (after the transfer cache is flushed): the second is still
 * caught. Another object of the span stays allocated, so that the span
 * does not go back to the page heap, where a free would be invalid instead.
 */
static void debug_double_free_after_drain(struct kunit *test)
{
	long twice = errors(TCMK_DEBUG_DOUBLE_FREE);
	void *objs[DEBUG_TEST_MANY], *p;
	unsigned int i;

	alloc_many(test, objs, DEBUG_TEST_MANY);
	p = objs[0];
	for (i = 1; i < DEBUG_TEST_MANY; i++)
		if (tcmk_span_of(objs[i]) == tcmk_span_of(p))
			break;
	KUNIT_ASSERT_LT(test, i, DEBUG_TEST_MANY);

	tcmk_free(p);
	tcmk_drain();
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_DOUBLE_FREE), twice + 1);

	tcmk_central_flush_transfer();
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_DOUBLE_FREE), twice + 2);

	objs[0] = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);
	expect_distinct(test, objs, DEBUG_TEST_MANY);
	free_many(objs, DEBUG_TEST_MANY);
	alloc_many(test, objs, DEBUG_TEST_MANY);
	free_many(objs, DEBUG_TEST_MANY);
}

static void debug_invalid_free_interior(struct kunit *test)
{
	long invalid = errors(TCMK_DEBUG_INVALID_FREE);
	long twice = errors(TCMK_DEBUG_DOUBLE_FREE);
	u8 *p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_free(p + 8);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_INVALID_FREE), invalid + 1);
	/* Refused: the object is still allocated, and frees once. */
	tcmk_free(p);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_INVALID_FREE), invalid + 1);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_DOUBLE_FREE), twice);
}

static void debug_invalid_free_not_tcmk(struct kunit *test)
{
	long invalid = errors(TCMK_DEBUG_INVALID_FREE);
	void *buf = kmalloc(DEBUG_TEST_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	tcmk_free(buf);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_INVALID_FREE), invalid + 1);
	kfree(buf);
}

/* The start of an object of a span that was never handed out. */
static void debug_invalid_free_never_allocated(struct kunit *test)
{
	long invalid = errors(TCMK_DEBUG_INVALID_FREE);
	void *p = tcmk_alloc(DEBUG_TEST_SIZE, GFP_KERNEL), *never;
	struct tcmk_span *span;
	unsigned int size;

	KUNIT_ASSERT_NOT_NULL(test, p);
	span = tcmk_span_of(p);
	KUNIT_ASSERT_NOT_NULL(test, span);
	size = tcmk_classes[span->cls].size;
	/* The central lock guards it; this test alone allocates meanwhile. */
	if (data_race(READ_ONCE(span->carved)) == tcmk_classes[span->cls].objects) {
		tcmk_free(p);
		kunit_skip(test, "every object of the span has been handed out");
	}
	never = span->base + (tcmk_classes[span->cls].objects - 1UL) * size;
	tcmk_free(never);
	KUNIT_EXPECT_EQ(test, errors(TCMK_DEBUG_INVALID_FREE), invalid + 1);
	tcmk_free(p);
}

static struct kunit_case tcmk_debug_cases[] = {
	KUNIT_CASE(debug_usable_size_is_requested),
	KUNIT_CASE(debug_stats_count_objects),
	KUNIT_CASE(debug_redzone_write_past_end),
	KUNIT_CASE(debug_redzone_exact_size),
	KUNIT_CASE(debug_poison_write_after_free_validate),
	KUNIT_CASE(debug_poison_write_after_free_alloc),
	KUNIT_CASE(debug_double_free_right_after),
	KUNIT_CASE(debug_double_free_after_drain),
	KUNIT_CASE(debug_invalid_free_interior),
	KUNIT_CASE(debug_invalid_free_not_tcmk),
	KUNIT_CASE(debug_invalid_free_never_allocated),
	{}
};

static struct kunit_suite tcmk_debug_suite = {
	.name = "tcmk_debug",
	.init = debug_test_init,
	.test_cases = tcmk_debug_cases,
};
kunit_test_suites(&tcmk_debug_suite);

MODULE_DESCRIPTION("KUnit tests for tcmk's debug mode");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(TCMK_NS_INTERNAL);
MODULE_INFO(test, "Y");
