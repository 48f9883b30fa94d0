// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's size-class table and request-size lookup.
 *
 * The table is generated; these tests check the generated result against the
 * rules it claims to follow, with independent (slow, obvious) computations.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/module.h>

#include "tcmk.h"

#define SPAN_BYTES(c)	((unsigned long)tcmk_classes[c].pages * PAGE_SIZE)

/* The slow way: the first class that holds @size bytes. */
static unsigned int class_by_search(size_t size)
{
	unsigned int c = 0;

	while (c < TCMK_NR_CLASSES - 1 && tcmk_classes[c].size < size)
		c++;
	return c;
}

static void sizes_increase_from_8_to_32k(struct kunit *test)
{
	unsigned int c;

	KUNIT_EXPECT_EQ(test, tcmk_classes[0].size, 8U);
	KUNIT_EXPECT_EQ(test, tcmk_classes[TCMK_NR_CLASSES - 1].size,
			(u32)TCMK_MAX_SMALL_SIZE);
	for (c = 1; c < TCMK_NR_CLASSES; c++)
		KUNIT_EXPECT_GT_MSG(test, tcmk_classes[c].size,
				    tcmk_classes[c - 1].size, "class %u", c);
}

static void every_size_maps_to_smallest_fitting_class(struct kunit *test)
{
	unsigned int bad = 0, first_bad = 0;
	size_t size;

	for (size = 1; size <= TCMK_MAX_SMALL_SIZE; size++) {
		unsigned int c = tcmk_size_class(size);

		if (c >= TCMK_NR_CLASSES || c != class_by_search(size)) {
			if (!bad++)
				first_bad = size;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "first wrong size: %u", first_bad);
}

static void rounding_waste_is_bounded(struct kunit *test)
{
	unsigned int c;

	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		u32 size = tcmk_classes[c].size;
		u32 prev = c ? tcmk_classes[c - 1].size : 0;
		/* The worst request for this class is one byte over the last. */
		u32 waste = size - (prev + 1);

		if (size <= 128)
			KUNIT_EXPECT_LT_MSG(test, waste, 16U, "class %u", size);
		else
			KUNIT_EXPECT_LE_MSG(test, waste * 8, size, "class %u", size);
	}
}

static void objects_are_aligned(struct kunit *test)
{
	unsigned int c;

	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		u32 size = tcmk_classes[c].size;

		KUNIT_EXPECT_EQ_MSG(test, size % 8, 0U, "class %u", size);
		if (size >= 16)
			KUNIT_EXPECT_EQ_MSG(test, size % 16, 0U, "class %u", size);
	}
}

/* As kmalloc guarantees: a power-of-two request up to a page is aligned to itself. */
static void power_of_two_sizes_naturally_aligned(struct kunit *test)
{
	size_t p;

	for (p = 1; p <= PAGE_SIZE; p <<= 1) {
		unsigned int c = tcmk_size_class(p);
		unsigned int i;

		/* Spans start on a page boundary, so offsets decide alignment. */
		for (i = 0; i < tcmk_classes[c].objects; i++) {
			unsigned long off = (unsigned long)i * tcmk_classes[c].size;

			KUNIT_EXPECT_EQ_MSG(test, off & (p - 1), 0UL,
					    "size %zu object %u", p, i);
		}
	}
}

static void span_tail_at_most_one_eighth_and_minimal(struct kunit *test)
{
	unsigned int c;

	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		unsigned long size = tcmk_classes[c].size;
		unsigned long bytes = SPAN_BYTES(c);
		unsigned long fewer = bytes - PAGE_SIZE;

		KUNIT_EXPECT_LE_MSG(test, bytes % size, bytes / 8,
				    "class %lu", size);
		/* One page less would not do: the span is the smallest. */
		if (fewer)
			KUNIT_EXPECT_GT_MSG(test, fewer % size, fewer / 8,
					    "class %lu", size);
		KUNIT_EXPECT_EQ_MSG(test, (unsigned long)tcmk_classes[c].objects,
				    bytes / size, "class %lu", size);
	}
}

static void batches_are_bounded(struct kunit *test)
{
	unsigned int c;

	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		KUNIT_EXPECT_GE(test, tcmk_classes[c].batch, 4);
		KUNIT_EXPECT_LE(test, tcmk_classes[c].batch, 32);
	}
}

static void object_index_exact_for_every_offset(struct kunit *test)
{
	unsigned int c;

	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		unsigned long off, bad = 0;

		for (off = 0; off < SPAN_BYTES(c); off++)
			if (tcmk_obj_index(c, off) != off / tcmk_classes[c].size)
				bad++;
		KUNIT_EXPECT_EQ_MSG(test, bad, 0UL, "class %u", tcmk_classes[c].size);
	}
}

/* tcmk_free()'s check, against the division, at every byte of a span. */
static void object_start_exact_for_every_offset(struct kunit *test)
{
	struct tcmk_span span = { .base = (void *)PAGE_OFFSET };
	unsigned int c;

	for (c = 0; c < TCMK_NR_CLASSES; c++) {
		const struct tcmk_class_info *ci = &tcmk_classes[c];
		unsigned long off, bad = 0;

		tcmk_span_init_small(&span, c);
		for (off = 0; off < SPAN_BYTES(c); off++) {
			bool start = off % ci->size == 0 &&
				     off / ci->size < ci->objects;

			if (tcmk_span_obj_start(&span, span.base + off) != start)
				bad++;
		}
		KUNIT_EXPECT_EQ_MSG(test, bad, 0UL, "class %u", ci->size);
		/* Nor does anything before the span. */
		KUNIT_EXPECT_FALSE(test, tcmk_span_obj_start(&span, span.base - ci->size));
		/* The span's counts of objects are 16 bits wide. */
		KUNIT_EXPECT_LE(test, (unsigned int)ci->objects, TCMK_SPAN_MAX_OBJECTS);
	}
}

static struct kunit_case tcmk_sizeclass_cases[] = {
	KUNIT_CASE(sizes_increase_from_8_to_32k),
	KUNIT_CASE(object_start_exact_for_every_offset),
	KUNIT_CASE(every_size_maps_to_smallest_fitting_class),
	KUNIT_CASE(rounding_waste_is_bounded),
	KUNIT_CASE(objects_are_aligned),
	KUNIT_CASE(power_of_two_sizes_naturally_aligned),
	KUNIT_CASE(span_tail_at_most_one_eighth_and_minimal),
	KUNIT_CASE(batches_are_bounded),
	KUNIT_CASE(object_index_exact_for_every_offset),
	{}
};

static struct kunit_suite tcmk_sizeclass_suite = {
	.name = "tcmk_sizeclass",
	.test_cases = tcmk_sizeclass_cases,
};

kunit_test_suites(&tcmk_sizeclass_suite);
