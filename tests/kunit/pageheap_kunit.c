// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's page heap: runs of pages, coalescing, giving chunks
 * back, and failing cleanly when the buddy allocator says no.
 *
 * Each test starts from a page heap that holds nothing (the suite quiesces
 * tcmk first), so chunk-level outcomes are exact.
 */
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/sort.h>

#include "tcmk_test.h"

/* Not self-contained in 6.1: needs the list and atomic types above. */
#include <linux/shrinker.h>

static unsigned int saved_delay;

/*
 * Wholly free chunks go back at once unless a test says otherwise, so that
 * what each step leaves held is exact.
 */
static int pageheap_init(struct kunit *test)
{
	if (tcmk_test_pin(test))
		return -EINVAL;
	saved_delay = tcmk_release_delay_ms;
	tcmk_release_delay_ms = 0;
	tcmk_test_quiesce();
	if (tcmk_test_pages_held())
		kunit_skip(test, "tcmk holds %lu pages before the test",
			   tcmk_test_pages_held());
	return 0;
}

/* Entries of the page map that are not 0, in every leaf. */
static unsigned long pagemap_stamps(void)
{
	const struct tcmk_pagemap *pm = READ_ONCE(tcmk_pagemap);
	unsigned long r, i, n = 0;

	for (r = 0; r < pm->nr; r++)
		for (i = 0; i < TCMK_PAGEMAP_LEAF_ENTRIES; i++)
			n += !!READ_ONCE(pm->leaves[r]->entry[i]);
	return n;
}

/*
 * After every test the heap holds nothing, and every page went back through
 * one of its release paths: the map must not name a single page.
 */
static void pageheap_exit(struct kunit *test)
{
	tcmk_release_delay_ms = saved_delay;
	tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	if (!tcmk_test_pages_held())
		KUNIT_EXPECT_EQ(test, pagemap_stamps(), 0UL);
}

static int cmp_base(const void *a, const void *b)
{
	const struct tcmk_span *x = *(struct tcmk_span * const *)a;
	const struct tcmk_span *y = *(struct tcmk_span * const *)b;

	return (x->base > y->base) - (x->base < y->base);
}

static const unsigned int run_lengths[] = {
	1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 31, 64, 100, 255, 256, 511, 512,
	513, 700, 1024,
};

static void runs_of_many_sizes_do_not_overlap(struct kunit *test)
{
	unsigned int n = ARRAY_SIZE(run_lengths), i, p;
	struct tcmk_span **spans;
	void **bases;

	spans = kunit_kcalloc(test, n, sizeof(*spans), GFP_KERNEL);
	bases = kunit_kcalloc(test, n, sizeof(*bases), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, spans);
	KUNIT_ASSERT_NOT_NULL(test, bases);
	for (i = 0; i < n; i++) {
		spans[i] = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, run_lengths[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL_MSG(test, spans[i], "%u pages", run_lengths[i]);
		KUNIT_EXPECT_EQ(test, spans[i]->npages, run_lengths[i]);
		KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(spans[i]->base));
		/*
		 * The first page leads back to the span; the others say nothing
		 * until the span's user asks for every page to be stamped.
		 */
		KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(spans[i]->base + 17), spans[i]);
		for (p = 1; p < run_lengths[i]; p++)
			KUNIT_EXPECT_NULL(test, tcmk_span_of(spans[i]->base +
							     p * PAGE_SIZE + 17));
		if (i % 2)
			tcmk_pageheap_stamp_all(spans[i], spans[i], TCMK_PAGEMAP_SPAN);
		for (p = 0; i % 2 && p < run_lengths[i]; p++)
			KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(spans[i]->base +
							       p * PAGE_SIZE + 17),
					    spans[i]);
		memset(spans[i]->base, i, (size_t)run_lengths[i] << PAGE_SHIFT);
	}
	/* Nothing was written over by a later run. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_NULL_MSG(test, memchr_inv(spans[i]->base, i,
						       (size_t)run_lengths[i] << PAGE_SHIFT),
				      "%u pages", run_lengths[i]);
	sort(spans, n, sizeof(*spans), cmp_base, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_LE(test, (unsigned long)spans[i - 1]->base +
				((unsigned long)spans[i - 1]->npages << PAGE_SHIFT),
				(unsigned long)spans[i]->base);
	for (i = 0; i < n; i++) {
		bases[i] = spans[i]->base;
		tcmk_pageheap_free(spans[i]);
	}
	/* Freeing wiped every stamp, whichever pages had one. */
	for (i = 0; i < n; i++)
		for (p = 0; p < run_lengths[i]; p++)
			KUNIT_EXPECT_NULL_MSG(test, tcmk_span_of(bases[i] + p * PAGE_SIZE),
					      "%u pages, page %u", run_lengths[i], p);
}

/*
 * Several spans in one call, cut from one run: each its own, each found from
 * its first page; freed alone or several in one call, they merge back into
 * the chunk.
 */
static void many_spans_in_one_call(struct kunit *test)
{
	struct tcmk_span *spans[16], *odd[8];
	unsigned int n, i;

	n = tcmk_pageheap_alloc_many(TCMK_TEST_NODE, 3, GFP_KERNEL, spans, ARRAY_SIZE(spans));
	KUNIT_ASSERT_EQ(test, n, (unsigned int)ARRAY_SIZE(spans));
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, spans[i]->npages, 3U);
		KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(spans[i]->base), spans[i]);
		memset(spans[i]->base, i, 3 * PAGE_SIZE);
	}
	sort(spans, n, sizeof(*spans), cmp_base, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_LE(test, (unsigned long)spans[i - 1]->base + 3 * PAGE_SIZE,
				(unsigned long)spans[i]->base);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), (unsigned long)TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), TCMK_CHUNK_PAGES - 3UL * n);
	/* Every other one alone, the rest in one call: all merge back. */
	for (i = 0; i < n; i += 2)
		tcmk_pageheap_free(spans[i]);
	for (i = 1; i < n; i += 2)
		odd[i / 2] = spans[i];
	tcmk_pageheap_free_many(odd, ARRAY_SIZE(odd));
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), (unsigned long)TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_pageheap_release(), (unsigned long)TCMK_CHUNK_PAGES);
}

/* Three neighbours freed in the worst order merge back into the whole chunk. */
static void freed_neighbours_coalesce(struct kunit *test)
{
	struct tcmk_span *a, *b, *c, *whole;
	unsigned long held;

	a = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 4, GFP_KERNEL);
	b = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 4, GFP_KERNEL);
	c = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 4, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	held = tcmk_test_pages_held();
	KUNIT_ASSERT_EQ(test, held, (unsigned long)TCMK_CHUNK_PAGES);
	/* Carved from the front of one chunk, in order. */
	KUNIT_EXPECT_PTR_EQ(test, b->base, a->base + 4 * PAGE_SIZE);
	KUNIT_EXPECT_PTR_EQ(test, c->base, b->base + 4 * PAGE_SIZE);

	tcmk_pageheap_free(a);
	tcmk_pageheap_free(c);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), held - 4);
	tcmk_pageheap_free(b);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), held);

	/* One run spans the chunk again: a whole-chunk request needs no new chunk. */
	whole = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, whole);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), held);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 0UL);
	tcmk_pageheap_free(whole);
}

static void release_gives_free_chunks_back(struct kunit *test)
{
	struct tcmk_span *keep, *drop;
	unsigned long released;

	keep = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
	drop = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, drop);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 2UL * TCMK_CHUNK_PAGES);
	tcmk_pageheap_free(drop);
	/* Under the release threshold, a free chunk is kept for reuse. */
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 2UL * TCMK_CHUNK_PAGES);
	released = tcmk_pageheap_release();
	KUNIT_EXPECT_EQ(test, released, (unsigned long)TCMK_CHUNK_PAGES);
	/* A chunk with a span in use stays. */
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), (unsigned long)TCMK_CHUNK_PAGES);
	tcmk_pageheap_free(keep);
	KUNIT_EXPECT_EQ(test, tcmk_pageheap_release(), (unsigned long)TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

/*
 * A chunk with spans still in use gives its free runs back page by page, and
 * never a page of a span in use: the live spans keep their pages and their
 * contents, the holes are never handed out again, and the chunk still goes
 * back whole once the last span is freed.
 */
static void release_gives_free_pages_of_busy_chunks_back(struct kunit *test)
{
	struct tcmk_span *a, *b, *c, *d, *e;
	unsigned long released;

	a = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 3, GFP_KERNEL);
	b = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 5, GFP_KERNEL);
	c = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, tcmk_test_pages_held(), (unsigned long)TCMK_CHUNK_PAGES);
	memset(a->base, 0xa, 3 * PAGE_SIZE);
	memset(c->base, 0xc, 2 * PAGE_SIZE);
	/* Free runs: b's 5 pages, and the chunk's tail past c. */
	tcmk_pageheap_free(b);
	released = tcmk_pageheap_release();
	KUNIT_EXPECT_EQ(test, released, TCMK_CHUNK_PAGES - 5UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 5UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 0UL);
	KUNIT_EXPECT_NULL(test, memchr_inv(a->base, 0xa, 3 * PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, memchr_inv(c->base, 0xc, 2 * PAGE_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(a->base + 100), a);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(c->base + 100), c);
	KUNIT_EXPECT_EQ(test, tcmk_pageheap_release(), 0UL);

	/* A hole is not ours: a new span comes from a new chunk. */
	d = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_TRUE(test, d->base < a->base ||
			  d->base >= a->base + TCMK_CHUNK_PAGES * PAGE_SIZE);
	tcmk_pageheap_free(d);

	/* Freed spans do not merge across the holes beside them. */
	tcmk_pageheap_free(a);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), TCMK_CHUNK_PAGES + 5UL);
	e = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 4, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_EXPECT_TRUE(test, e->base < a->base ||
			  e->base >= a->base + TCMK_CHUNK_PAGES * PAGE_SIZE);
	tcmk_pageheap_free(e);

	/*
	 * The last span in use goes: what the chunk still holds goes back at
	 * once, for its holes keep it from waiting as one run; the other chunk
	 * waits until release.
	 */
	tcmk_pageheap_free(c);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), (unsigned long)TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_pageheap_release(), (unsigned long)TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 0UL);
}

/*
 * After a partial release, a chunk with holes goes back on its own as soon as
 * it is wholly free, whatever release_threshold; whole chunks emptied after it
 * wait within it.
 */
static void busy_chunk_left_with_holes_goes_back_when_free(struct kunit *test)
{
	struct tcmk_span *a, *big[2];
	unsigned int i;

	a = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 7, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, tcmk_pageheap_release(), TCMK_CHUNK_PAGES - 7UL);
	tcmk_pageheap_free(a);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 0UL);
	/* Two whole chunks: 4 MiB, within release_threshold. */
	for (i = 0; i < ARRAY_SIZE(big); i++) {
		big[i] = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, big[i]);
	}
	for (i = 0; i < ARRAY_SIZE(big); i++)
		tcmk_pageheap_free(big[i]);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 2UL * TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 2UL * TCMK_CHUNK_PAGES);
}

/*
 * Past release_threshold, the only empty chunk stays: an allocation and a
 * free in turn keep using it rather than taking a new chunk each time.
 */
static void only_empty_chunk_stays_past_the_threshold(struct kunit *test)
{
	unsigned long saved = tcmk_release_threshold;
	struct tcmk_span *s;
	void *base = NULL;
	unsigned int i;

	tcmk_release_threshold = 0;
	for (i = 0; i < 4; i++) {
		s = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s);
		if (!base)
			base = s->base;
		KUNIT_EXPECT_PTR_EQ(test, s->base, base);
		tcmk_pageheap_free(s);
		KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), (unsigned long)TCMK_CHUNK_PAGES);
	}
	tcmk_release_threshold = saved;
}

/*
 * Past release_threshold, a wholly free chunk waits release_delay_ms for reuse
 * and then goes back on its own, from the delayed work.
 */
static void waiting_chunks_go_back_after_the_delay(struct kunit *test)
{
	unsigned long saved = tcmk_release_threshold, t0;
	struct tcmk_span *s[3];
	unsigned int i;

	tcmk_release_threshold = 0;
	tcmk_release_delay_ms = 200;
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[i]);
	}
	t0 = jiffies;
	for (i = 0; i < ARRAY_SIZE(s); i++)
		tcmk_pageheap_free(s[i]);
	/* Freed, all three wait (unless the guest stalled past the delay). */
	if (time_before(jiffies, t0 + msecs_to_jiffies(150))) {
		KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 3UL * TCMK_CHUNK_PAGES);
		KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 3UL * TCMK_CHUNK_PAGES);
	}
	/* Then they go, in a few seconds at most even in a slow guest. */
	for (i = 0; i < 100 && tcmk_test_pages_held(); i++)
		msleep(50);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	KUNIT_EXPECT_GE(test, jiffies - t0, msecs_to_jiffies(200));
	tcmk_release_threshold = saved;
}

/*
 * Allocations take pages from chunks in use before a waiting chunk, and a
 * waiting chunk before a new one from the buddy allocator.
 */
static void allocations_use_busy_chunks_before_waiting_ones(struct kunit *test)
{
	struct tcmk_span *a, *b, *c, *d;
	void *b_base;

	tcmk_release_delay_ms = 60000;
	a = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 1, GFP_KERNEL);
	b = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	b_base = b->base;
	tcmk_pageheap_free(b);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 2UL * TCMK_CHUNK_PAGES);
	/* The chunk a is in has room: b's stays whole. */
	c = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_TRUE(test, c->base < b_base ||
			  c->base >= b_base + TCMK_CHUNK_PAGES * PAGE_SIZE);
	/* Only a whole chunk fits a whole chunk: b's comes back into use. */
	d = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_PTR_EQ(test, d->base, b_base);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 2UL * TCMK_CHUNK_PAGES);
	tcmk_pageheap_free(a);
	tcmk_pageheap_free(c);
	tcmk_pageheap_free(d);
	/* Both wait now; release gives both back without waiting. */
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 2UL * TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_pageheap_release(), 2UL * TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

/*
 * Once its free pages pass both twice release_threshold and an eighth of
 * what it holds, the heap gives back free pages of a chunk that still has a
 * span in use, largest runs first, without being asked, and never the live
 * span's pages.
 */
static void heap_trims_free_pages_of_busy_chunks(struct kunit *test)
{
	unsigned long saved = tcmk_release_threshold, keep = 8;
	struct tcmk_span *s[64];
	unsigned int i;

	tcmk_release_threshold = keep << PAGE_SHIFT;
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 1, GFP_KERNEL);
		if (!s[i])
			break;
	}
	if (i < ARRAY_SIZE(s)) {
		while (i--)
			tcmk_pageheap_free(s[i]);
		tcmk_release_threshold = saved;
		KUNIT_FAIL(test, "no memory for the spans");
		return;
	}
	memset(s[0]->base, 0x5a, PAGE_SIZE);
	/* The chunk's untouched tail alone is over the limit: it goes first. */
	tcmk_pageheap_free(s[1]);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 1UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 64UL);
	/* The limit is now 2 * keep: the freed pages go back past it. */
	for (i = 2; i < ARRAY_SIZE(s); i++) {
		tcmk_pageheap_free(s[i]);
		KUNIT_EXPECT_LE(test, tcmk_test_pages_free(), 2 * keep);
	}
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 1 + tcmk_test_pages_free());
	KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(s[0]->base + 100), s[0]);
	KUNIT_EXPECT_NULL(test, memchr_inv(s[0]->base, 0x5a, PAGE_SIZE));
	tcmk_release_threshold = saved;
	tcmk_pageheap_free(s[0]);
}

/* Past release_threshold (4 MiB by default) free chunks go back on their own. */
static void free_chunks_over_threshold_go_back(struct kunit *test)
{
	struct tcmk_span *s[3];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s); i++) {
		s[i] = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s[i]);
	}
	for (i = 0; i < ARRAY_SIZE(s); i++)
		tcmk_pageheap_free(s[i]);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 2UL * TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 2UL * TCMK_CHUNK_PAGES);
}

static void large_runs_get_pages_of_their_own(struct kunit *test)
{
	struct tcmk_span *big = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_EXPECT_NULL(test, big->chunk);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), TCMK_CHUNK_PAGES + 1UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_free(), 0UL);
	tcmk_pageheap_free(big);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

static void failed_page_allocation_changes_nothing(struct kunit *test)
{
	unsigned long held, free_pages, released, held2, free2, released2;
	struct tcmk_span *span;

	tcmk_pageheap_counts(&held, &free_pages, &released);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, 1);
	KUNIT_EXPECT_NULL(test, tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 3, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_PAGE), 0);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, 1);
	KUNIT_EXPECT_NULL(test, tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES * 2, GFP_KERNEL));
	tcmk_pageheap_counts(&held2, &free2, &released2);
	KUNIT_EXPECT_EQ(test, held2, held);
	KUNIT_EXPECT_EQ(test, free2, free_pages);
	KUNIT_EXPECT_EQ(test, released2, released);

	/* And the heap works again once the buddy allocator does. */
	span = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 3, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, span);
	tcmk_pageheap_free(span);
}

static void failed_page_allocation_fails_tcmk_alloc(struct kunit *test)
{
	struct tcmk_cpu_counts before, after;
	unsigned int cls = tcmk_size_class(200);

	tcmk_cpu_counts(cls, -1, &before);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, TCMK_TEST_PAGE_FAILS);
	KUNIT_EXPECT_NULL(test, tcmk_alloc(200, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_PAGE), 0);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, TCMK_TEST_PAGE_FAILS);
	KUNIT_EXPECT_NULL(test, tcmk_alloc(100000, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_PAGE), 0);
	tcmk_cpu_counts(cls, -1, &after);
	KUNIT_EXPECT_EQ(test, after.allocs, before.allocs);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	tcmk_test_expect_conserved(test, cls, 0);
}

/* Under memory pressure the shrinker finds the free chunks and gives them back. */
static void shrinker_gives_free_chunks_back(struct kunit *test)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL, .nr_to_scan = 128,
				     .nid = TCMK_TEST_NODE };
	struct shrink_control other = sc;
	struct tcmk_span *s;
	unsigned long count;
	int nid;

	KUNIT_EXPECT_EQ(test, tcmk_shrinker->count_objects(tcmk_shrinker, &sc),
			(unsigned long)SHRINK_EMPTY);
	s = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	tcmk_pageheap_free(s);
	count = tcmk_shrinker->count_objects(tcmk_shrinker, &sc);
	KUNIT_EXPECT_EQ(test, count, (unsigned long)TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_shrinker->scan_objects(tcmk_shrinker, &sc),
			(unsigned long)TCMK_CHUNK_PAGES);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	KUNIT_EXPECT_EQ(test, tcmk_shrinker->scan_objects(tcmk_shrinker, &sc),
			(unsigned long)SHRINK_STOP);

	/* Per node: another node's reclaim neither counts nor takes it. */
	for_each_node_state(nid, N_MEMORY) {
		if (nid == TCMK_TEST_NODE)
			continue;
		other.nid = nid;
		s = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, s);
		tcmk_pageheap_free(s);
		KUNIT_EXPECT_EQ(test, tcmk_shrinker->count_objects(tcmk_shrinker, &other),
				(unsigned long)SHRINK_EMPTY);
		KUNIT_EXPECT_EQ(test, tcmk_shrinker->scan_objects(tcmk_shrinker, &other),
				(unsigned long)SHRINK_STOP);
		KUNIT_EXPECT_EQ(test, tcmk_shrinker->scan_objects(tcmk_shrinker, &sc),
				(unsigned long)TCMK_CHUNK_PAGES);
	}
}

/*
 * A page the heap has given back reads 0 in the page map, whichever way it
 * went (a run of a busy chunk, a whole chunk, pages of their own): a pointer
 * into it is refused, though its region keeps its leaf.
 */
static void pointers_into_pages_given_back_are_refused(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);
	struct tcmk_span *keep, *run, *own;
	void *run_base, *own_base, *chunk_base, *obj;
	unsigned long region;
	unsigned int p;

	keep = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 1, GFP_KERNEL);
	run = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, 8, GFP_KERNEL);
	own = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, run);
	KUNIT_ASSERT_NOT_NULL(test, own);
	tcmk_pageheap_stamp_all(run, run, TCMK_PAGEMAP_SPAN);
	tcmk_pageheap_stamp_all(own, own, TCMK_PAGEMAP_SPAN);
	run_base = run->base;
	own_base = own->base;
	/* The heap held nothing: keep is the first span of a new chunk. */
	chunk_base = keep->base;
	tcmk_pageheap_free(run);
	tcmk_pageheap_free(own);
	/* The run goes back page by page, for its chunk is busy. */
	tcmk_pageheap_release();
	for (p = 0; p < 8; p++)
		KUNIT_EXPECT_EQ(test, tcmk_pagemap_get(run_base + p * PAGE_SIZE), 0UL);
	for (p = 0; p <= TCMK_CHUNK_PAGES; p++)
		KUNIT_EXPECT_EQ(test, tcmk_pagemap_get(own_base + p * PAGE_SIZE), 0UL);
	/* With holes, the chunk goes back whole as soon as it is free. */
	tcmk_pageheap_free(keep);
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
	for (p = 0; p < TCMK_CHUNK_PAGES; p++)
		KUNIT_EXPECT_EQ(test, tcmk_pagemap_get(chunk_base + p * PAGE_SIZE), 0UL);
	region = (chunk_base - (void *)PAGE_OFFSET) >> TCMK_REGION_SHIFT;
	KUNIT_EXPECT_PTR_NE(test, (const void *)tcmk_pagemap->leaves[region],
			    (const void *)&tcmk_pagemap_empty_leaf);

	/* Whoever has the pages now, tcmk_free() leaves them alone. */
	tcmk_free(run_base);
	tcmk_free(own_base);
	tcmk_free(chunk_base);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 3);

	/* And through the public API: an object freed, its page given back. */
	obj = tcmk_alloc(256, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	tcmk_free(obj);
	tcmk_test_quiesce();
	KUNIT_ASSERT_EQ(test, tcmk_test_pages_held(), 0UL);
	KUNIT_EXPECT_NULL(test, tcmk_span_of(obj));
	tcmk_free(obj);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 4);
}

/*
 * A region where tcmk holds some pages has a leaf; a page of it that is not
 * tcmk's reads 0 there, and a pointer into it is refused. Pages of their own
 * above a chunk come from alloc_pages_exact(), aligned to the power of two
 * above them: the page past the end shares the last page's region.
 */
static void foreign_page_in_a_region_with_a_leaf_is_refused(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);
	struct tcmk_span *own;
	unsigned long region;
	void *past;

	own = tcmk_pageheap_alloc_node(TCMK_TEST_NODE, TCMK_CHUNK_PAGES + 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, own);
	tcmk_pageheap_stamp_all(own, own, TCMK_PAGEMAP_SPAN);
	past = own->base + ((unsigned long)own->npages << PAGE_SHIFT);
	region = (past - (void *)PAGE_OFFSET) >> TCMK_REGION_SHIFT;
	KUNIT_ASSERT_EQ(test, region, (past - PAGE_SIZE - (void *)PAGE_OFFSET) >>
			TCMK_REGION_SHIFT);
	KUNIT_ASSERT_LT(test, region, tcmk_pagemap->nr);
	KUNIT_EXPECT_PTR_NE(test, (const void *)tcmk_pagemap->leaves[region],
			    (const void *)&tcmk_pagemap_empty_leaf);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_span_of(past - 1), own);
	KUNIT_EXPECT_EQ(test, tcmk_pagemap_get(past), 0UL);
	KUNIT_EXPECT_NULL(test, tcmk_span_of(past));
	tcmk_free(past);
	tcmk_free(past + 64);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 2);
	tcmk_pageheap_free(own);
}

static struct kunit_case tcmk_pageheap_cases[] = {
	KUNIT_CASE(runs_of_many_sizes_do_not_overlap),
	KUNIT_CASE(many_spans_in_one_call),
	KUNIT_CASE(freed_neighbours_coalesce),
	KUNIT_CASE(release_gives_free_chunks_back),
	KUNIT_CASE(release_gives_free_pages_of_busy_chunks_back),
	KUNIT_CASE(busy_chunk_left_with_holes_goes_back_when_free),
	KUNIT_CASE(only_empty_chunk_stays_past_the_threshold),
	KUNIT_CASE(waiting_chunks_go_back_after_the_delay),
	KUNIT_CASE(allocations_use_busy_chunks_before_waiting_ones),
	KUNIT_CASE(heap_trims_free_pages_of_busy_chunks),
	KUNIT_CASE(free_chunks_over_threshold_go_back),
	KUNIT_CASE(large_runs_get_pages_of_their_own),
	KUNIT_CASE(failed_page_allocation_changes_nothing),
	KUNIT_CASE(failed_page_allocation_fails_tcmk_alloc),
	KUNIT_CASE(shrinker_gives_free_chunks_back),
	KUNIT_CASE(pointers_into_pages_given_back_are_refused),
	KUNIT_CASE(foreign_page_in_a_region_with_a_leaf_is_refused),
	{}
};

static struct kunit_suite tcmk_pageheap_suite = {
	.name = "tcmk_pageheap",
	.init = pageheap_init,
	.exit = pageheap_exit,
	.test_cases = tcmk_pageheap_cases,
};

kunit_test_suites(&tcmk_pageheap_suite);
