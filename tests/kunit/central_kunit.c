// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's shared layers: batches move between the transfer
 * cache, the central lists and the spans, and every object is accounted for.
 */
#include "tcmk_test.h"

/* A class with 32-object batches and 64 objects per span. */
#define CLS	tcmk_size_class(64)

static int central_init(struct kunit *test)
{
	if (tcmk_test_pin(test))
		return -EINVAL;
	tcmk_test_quiesce();
	if (tcmk_test_pages_held())
		kunit_skip(test, "tcmk holds %lu pages before the test",
			   tcmk_test_pages_held());
	return 0;
}

static void central_exit(struct kunit *test)
{
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

static void batch_comes_from_a_new_span(struct kunit *test)
{
	const struct tcmk_class_info *ci = &tcmk_classes[CLS];
	struct tcmk_central_counts c;
	void *objs[TCMK_BATCH_MAX];
	unsigned int n, i;

	n = tcmk_central_remove(TCMK_TEST_NODE, CLS, objs, ci->batch, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, n, (unsigned int)ci->batch);
	tcmk_central_counts(CLS, NUMA_NO_NODE, &c);
	KUNIT_EXPECT_EQ(test, c.spans, 1UL);
	KUNIT_EXPECT_EQ(test, c.free, (unsigned long)(ci->objects - ci->batch));
	KUNIT_EXPECT_EQ(test, c.transfer, 0UL);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(objs[i]), tcmk_span_of(objs[0]));
		KUNIT_EXPECT_EQ(test, tcmk_usable_size(objs[i]), (size_t)ci->size);
	}
	tcmk_test_expect_conserved(test, CLS, n);
	tcmk_central_insert(TCMK_TEST_NODE, CLS, objs, n);
	tcmk_test_expect_conserved(test, CLS, 0);
}

static void transfer_cache_hands_the_batch_back(struct kunit *test)
{
	const struct tcmk_class_info *ci = &tcmk_classes[CLS];
	void *objs[TCMK_BATCH_MAX], *again[TCMK_BATCH_MAX];
	struct tcmk_central_counts c;
	unsigned int n, i;

	n = tcmk_central_remove(TCMK_TEST_NODE, CLS, objs, ci->batch, GFP_KERNEL);
	KUNIT_ASSERT_EQ(test, n, (unsigned int)ci->batch);
	tcmk_central_insert(TCMK_TEST_NODE, CLS, objs, n);
	tcmk_central_counts(CLS, NUMA_NO_NODE, &c);
	KUNIT_EXPECT_EQ(test, c.transfer, (unsigned long)n);
	/* The span did not see them: they wait in the transfer cache. */
	KUNIT_EXPECT_EQ(test, c.free, (unsigned long)(ci->objects - n));

	KUNIT_ASSERT_EQ(test, tcmk_central_remove(TCMK_TEST_NODE, CLS, again, n, GFP_KERNEL), n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_PTR_EQ(test, again[i], objs[i]);
	tcmk_central_counts(CLS, NUMA_NO_NODE, &c);
	KUNIT_EXPECT_EQ(test, c.transfer, 0UL);
	tcmk_central_insert(TCMK_TEST_NODE, CLS, again, n);
}

/* More batches than the transfer cache holds: the rest go to their spans. */
static void overflow_goes_to_spans_and_spans_go_home(struct kunit *test)
{
	const struct tcmk_class_info *ci = &tcmk_classes[CLS];
	unsigned int batches = 12, b, total;
	struct tcmk_central_counts c;
	void **objs;

	total = batches * ci->batch;
	objs = kunit_kcalloc(test, total, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (b = 0; b < batches; b++)
		KUNIT_ASSERT_EQ(test, tcmk_central_remove(TCMK_TEST_NODE, CLS, objs + b * ci->batch,
							  ci->batch, GFP_KERNEL),
				(unsigned int)ci->batch);
	tcmk_central_counts(CLS, NUMA_NO_NODE, &c);
	KUNIT_EXPECT_EQ(test, c.spans, (unsigned long)DIV_ROUND_UP(total, ci->objects));
	tcmk_test_expect_conserved(test, CLS, total);

	for (b = 0; b < batches; b++)
		tcmk_central_insert(TCMK_TEST_NODE, CLS, objs + b * ci->batch, ci->batch);
	tcmk_central_counts(CLS, NUMA_NO_NODE, &c);
	KUNIT_EXPECT_LT(test, c.transfer, (unsigned long)total);
	KUNIT_EXPECT_GT(test, c.transfer, 0UL);
	tcmk_test_expect_conserved(test, CLS, 0);

	/* Flushed, every span is whole again and goes back to the page heap. */
	tcmk_central_flush_transfer();
	tcmk_central_counts(CLS, NUMA_NO_NODE, &c);
	KUNIT_EXPECT_EQ(test, c.transfer, 0UL);
	KUNIT_EXPECT_EQ(test, c.spans, 0UL);
	KUNIT_EXPECT_EQ(test, c.free, 0UL);
}

static void span_hands_out_every_object_once(struct kunit *test)
{
	const struct tcmk_class_info *ci = &tcmk_classes[CLS];
	void **objs;
	unsigned int got = 0, i, j;

	objs = kunit_kcalloc(test, ci->objects, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	while (got < ci->objects) {
		unsigned int n = tcmk_central_remove(TCMK_TEST_NODE, CLS, objs + got,
						     min_t(unsigned int, ci->batch,
							   ci->objects - got),
						     GFP_KERNEL);
		KUNIT_ASSERT_GT(test, n, 0U);
		got += n;
	}
	for (i = 0; i < got; i++) {
		KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(objs[i]), tcmk_span_of(objs[0]));
		for (j = i + 1; j < got; j++)
			KUNIT_EXPECT_PTR_NE(test, objs[i], objs[j]);
	}
	KUNIT_EXPECT_EQ(test, (unsigned int)tcmk_span_of(objs[0])->allocated,
			(unsigned int)ci->objects);
	for (i = 0; i < got; i += ci->batch)
		tcmk_central_insert(TCMK_TEST_NODE, CLS, objs + i, min_t(unsigned int, ci->batch, got - i));
}

/*
 * A class whose spans hold fewer objects than a batch gets the whole batch in
 * one refill, from as many new spans as it takes, and each of them has
 * objects out: none sits listed with nothing taken from it.
 */
static void few_objects_a_span_still_fill_a_batch(struct kunit *test)
{
	void *objs[TCMK_BATCH_MAX];
	struct tcmk_central_counts c;
	unsigned int cls, n, i, spans, tested = 0;

	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		const struct tcmk_class_info *ci = &tcmk_classes[cls];

		if (ci->objects >= ci->batch)
			continue;
		tcmk_test_quiesce();
		spans = DIV_ROUND_UP(ci->batch, ci->objects);
		n = tcmk_central_remove(TCMK_TEST_NODE, cls, objs, ci->batch, GFP_KERNEL);
		KUNIT_ASSERT_EQ_MSG(test, n, (unsigned int)ci->batch, "class %u", ci->size);
		tcmk_central_counts(cls, NUMA_NO_NODE, &c);
		KUNIT_EXPECT_EQ_MSG(test, c.spans, (unsigned long)spans, "class %u", ci->size);
		KUNIT_EXPECT_EQ_MSG(test, c.free, (unsigned long)spans * ci->objects - n,
				    "class %u", ci->size);
		for (i = 0; i < n; i++) {
			KUNIT_EXPECT_NOT_NULL(test, tcmk_span_of(objs[i]));
			KUNIT_EXPECT_EQ(test, tcmk_usable_size(objs[i]), (size_t)ci->size);
			memset(objs[i], i, ci->size);
		}
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_NULL_MSG(test, memchr_inv(objs[i], i, ci->size),
					      "class %u, object %u", ci->size, i);
		tcmk_test_expect_conserved(test, cls, n);
		tcmk_central_insert(TCMK_TEST_NODE, cls, objs, n);
		tcmk_test_expect_conserved(test, cls, 0);
		tested++;
	}
	KUNIT_EXPECT_GT(test, tested, 0U);
}

static struct kunit_case tcmk_central_cases[] = {
	KUNIT_CASE(batch_comes_from_a_new_span),
	KUNIT_CASE(transfer_cache_hands_the_batch_back),
	KUNIT_CASE(overflow_goes_to_spans_and_spans_go_home),
	KUNIT_CASE(span_hands_out_every_object_once),
	KUNIT_CASE(few_objects_a_span_still_fill_a_batch),
	{}
};

static struct kunit_suite tcmk_central_suite = {
	.name = "tcmk_central",
	.init = central_init,
	.exit = central_exit,
	.test_cases = tcmk_central_cases,
};

kunit_test_suites(&tcmk_central_suite);
