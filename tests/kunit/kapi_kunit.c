// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the kmalloc family on tcmk: tcmk_kmalloc_array(),
 * tcmk_kcalloc(), tcmk_krealloc(), tcmk_kstrdup(), tcmk_kmemdup(),
 * tcmk_kvmalloc()/tcmk_kvfree() and the RCU frees, each with its failure
 * paths; and tcmk_owns(), which tells tcmk's objects from the kernel's.
 */
#include <linux/delay.h>
#include <linux/irq_work.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/tcmk.h>
#include <linux/vmalloc.h>

#include "tcmk_test.h"

static int kapi_init(struct kunit *test)
{
	/* No RCU free of an earlier test in flight, no spare block held. */
	tcmk_free_rcu_barrier();
	return tcmk_test_pin(test);
}

static void kapi_exit(struct kunit *test)
{
	tcmk_test_fail_off(TCMK_TEST_FAIL_ALLOC);
	tcmk_free_rcu_barrier();
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

static u64 in_use(void)
{
	struct tcmk_stats st;

	tcmk_get_stats(&st);
	return st.bytes_in_use;
}

static u64 frees(void)
{
	struct tcmk_stats st;

	tcmk_get_stats(&st);
	return st.free_total;
}

static bool all_bytes(const void *p, u8 c, size_t n)
{
	return !memchr_inv(p, c, n);
}

/*
 * A pattern that depends on the offset only, not on the address (as
 * tcmk_test_fill()'s does): it must read the same after a move.
 */
static u8 seq_byte(size_t i)
{
	return (u8)(i * 7 + 1);
}

static void fill_seq(void *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		((u8 *)p)[i] = seq_byte(i);
}

static bool check_seq(const void *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((const u8 *)p)[i] != seq_byte(i))
			return false;
	return true;
}

static void kmalloc_array_sizes(struct kunit *test)
{
	u32 *a = tcmk_kmalloc_array(100, sizeof(u32), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_GE(test, tcmk_usable_size(a), 400UL);
	memset(a, 0x5a, 400);
	tcmk_free(a);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_kmalloc_array(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_kmalloc_array(8, 0, GFP_KERNEL), ZERO_SIZE_PTR);
}

/* A product past SIZE_MAX fails, as kmalloc_array() does; nothing is taken. */
static void kmalloc_array_overflow_is_null(struct kunit *test)
{
	u64 before = in_use();

	KUNIT_EXPECT_NULL(test, tcmk_kmalloc_array(SIZE_MAX / 2 + 1, 2, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_kmalloc_array(SIZE_MAX, SIZE_MAX, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_kmalloc_array(2, SIZE_MAX / 2 + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_kcalloc(SIZE_MAX / 8 + 1, 8, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_kcalloc(1 << 16, 1 << 16, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, in_use(), before);
}

/* kcalloc zeroes even an object that comes back dirty from the CPU's cache. */
static void kcalloc_zeroes(struct kunit *test)
{
	static const size_t sizes[] = { 8, 96, 1024, 4096, 40000 };
	unsigned int i;
	u8 *p;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = tcmk_alloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xff, tcmk_usable_size(p));
		tcmk_free(p);
		p = tcmk_kcalloc(sizes[i] / 8, 8, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, all_bytes(p, 0, tcmk_usable_size(p)),
				      "size %zu", sizes[i]);
		tcmk_free(p);
	}
	KUNIT_EXPECT_PTR_EQ(test, tcmk_kcalloc(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
}

static void krealloc_null_is_alloc(struct kunit *test)
{
	void *p = tcmk_krealloc(NULL, 100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, tcmk_usable_size(p), 100UL);
	tcmk_free(p);
	p = tcmk_krealloc(ZERO_SIZE_PTR, 5000, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_FALSE(test, ZERO_OR_NULL_PTR(p));
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0, 5000));
	tcmk_free(p);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_krealloc(NULL, 0, GFP_KERNEL), ZERO_SIZE_PTR);
}

/* Size 0 frees the object and gives ZERO_SIZE_PTR. */
static void krealloc_zero_size_frees(struct kunit *test)
{
	u64 before = frees();
	void *p = tcmk_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_krealloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, frees(), before + 1);
}

/* Within the object's class the object stays, and keeps its contents. */
static void krealloc_shrink_and_grow_in_place(struct kunit *test)
{
	static const size_t sizes[] = { 200, 3000, 40000 };
	unsigned int i;
	size_t usable;
	u8 *p, *q;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = tcmk_alloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		usable = tcmk_usable_size(p);
		fill_seq(p, sizes[i]);
		q = tcmk_krealloc(p, sizes[i] / 2, GFP_KERNEL);
		KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "shrink, size %zu", sizes[i]);
		KUNIT_EXPECT_TRUE(test, check_seq(p, sizes[i] / 2));
		q = tcmk_krealloc(p, usable, GFP_KERNEL);
		KUNIT_EXPECT_PTR_EQ_MSG(test, q, p, "grow to usable, size %zu", sizes[i]);
		KUNIT_EXPECT_TRUE(test, check_seq(p, sizes[i] / 2));
		tcmk_free(p);
	}
}

/* Past the class a new object takes the contents and the old one is freed. */
static void krealloc_grow_moves(struct kunit *test)
{
	static const size_t from[] = { 16, 1000, 32768, 40000 };
	static const size_t to[] = { 17, 5000, 32769, 1 << 20 };
	unsigned int i;
	u64 before;
	u8 *p, *q;

	for (i = 0; i < ARRAY_SIZE(from); i++) {
		p = tcmk_alloc(from[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		fill_seq(p, from[i]);
		before = frees();
		q = tcmk_krealloc(p, to[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_PTR_NE(test, q, p);
		KUNIT_EXPECT_GE(test, tcmk_usable_size(q), to[i]);
		KUNIT_EXPECT_TRUE_MSG(test, check_seq(q, from[i]),
				      "%zu to %zu", from[i], to[i]);
		KUNIT_EXPECT_EQ(test, frees(), before + 1);
		tcmk_free(q);
	}
}

/* __GFP_ZERO: the bytes a grow brings into view read zero, moved or not. */
static void krealloc_gfp_zero(struct kunit *test)
{
	u8 *p, *q;

	p = tcmk_alloc(32, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xaa, 32);
	q = tcmk_krealloc(p, 1000, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, all_bytes(q, 0xaa, 32));
	KUNIT_EXPECT_TRUE(test, all_bytes(q + 32, 0, tcmk_usable_size(q) - 32));
	tcmk_free(q);

	/* Shrink then grow in place: what the shrink cut reads zero. */
	p = tcmk_alloc(64, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xaa, 64);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_krealloc(p, 16, GFP_KERNEL | __GFP_ZERO), (void *)p);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_krealloc(p, 64, GFP_KERNEL | __GFP_ZERO), (void *)p);
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0xaa, 16));
	KUNIT_EXPECT_TRUE(test, all_bytes(p + 16, 0, 48));
	tcmk_free(p);
}

/* A failed krealloc returns NULL and leaves the object as it was. */
static void krealloc_failure_keeps_object(struct kunit *test)
{
	u64 before;
	u8 *p;

	p = tcmk_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	fill_seq(p, 64);
	before = frees();
	KUNIT_EXPECT_NULL(test, tcmk_krealloc(p, TCMK_MAX_ALLOC_SIZE + 1, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, frees(), before);
	KUNIT_EXPECT_TRUE(test, check_seq(p, 64));

	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	KUNIT_EXPECT_NULL(test, tcmk_krealloc(p, 2000, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), 0);
	tcmk_test_fail_off(TCMK_TEST_FAIL_ALLOC);
	KUNIT_EXPECT_EQ(test, frees(), before);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(p), 64UL);
	KUNIT_EXPECT_TRUE(test, check_seq(p, 64));
	tcmk_free(p);
}

/* Not an object of tcmk's, or inside one: refused as tcmk_free() refuses. */
static void krealloc_refuses_foreign(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);
	u8 *k = kmalloc(64, GFP_KERNEL);
	u8 *p = tcmk_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(k, 0x11, 64);
	fill_seq(p, 64);
	KUNIT_EXPECT_NULL(test, tcmk_krealloc(k, 128, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_krealloc(p + 8, 128, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_krealloc(p + 8, 8, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 3);
	KUNIT_EXPECT_TRUE(test, all_bytes(k, 0x11, 64));
	KUNIT_EXPECT_TRUE(test, check_seq(p, 64));
	kfree(k);
	tcmk_free(p);
}

static void kstrdup_copies(struct kunit *test)
{
	static const char s[] = "tcmk: the kmalloc family";
	char *d = tcmk_kstrdup(s, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_PTR_NE(test, (const void *)d, (const void *)s);
	KUNIT_EXPECT_STREQ(test, d, s);
	KUNIT_EXPECT_GE(test, tcmk_usable_size(d), sizeof(s));
	tcmk_free(d);
	d = tcmk_kstrdup("", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_EQ(test, d[0], '\0');
	tcmk_free(d);
	KUNIT_EXPECT_NULL(test, tcmk_kstrdup(NULL, GFP_KERNEL));
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	KUNIT_EXPECT_NULL(test, tcmk_kstrdup(s, GFP_KERNEL));
}

static void kmemdup_copies(struct kunit *test)
{
	u8 src[300];
	u8 *d;

	fill_seq(src, sizeof(src));
	d = tcmk_kmemdup(src, sizeof(src), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_PTR_NE(test, (const void *)d, (const void *)src);
	KUNIT_EXPECT_TRUE(test, check_seq(d, sizeof(src)));
	tcmk_free(d);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_kmemdup(NULL, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	KUNIT_EXPECT_NULL(test, tcmk_kmemdup(src, sizeof(src), GFP_KERNEL));
}

/* What tcmk serves comes from tcmk; tcmk_kvfree() gives it back. */
static void kvmalloc_from_tcmk(struct kunit *test)
{
	static const size_t sizes[] = { 1, 4096, 4097, 65536 };
	u64 before = in_use();
	unsigned int i;
	u8 *p;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p = tcmk_kvmalloc(sizes[i], GFP_KERNEL | __GFP_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(p));
		KUNIT_EXPECT_GE(test, tcmk_usable_size(p), sizes[i]);
		KUNIT_EXPECT_TRUE(test, all_bytes(p, 0, sizes[i]));
		tcmk_kvfree(p);
	}
	KUNIT_EXPECT_EQ(test, in_use(), before);
	KUNIT_EXPECT_PTR_EQ(test, tcmk_kvmalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	tcmk_kvfree(NULL);
	tcmk_kvfree(ZERO_SIZE_PTR);
}

/* Above what tcmk serves, or when it fails, vmalloc takes over. */
static void kvmalloc_falls_back_to_vmalloc(struct kunit *test)
{
	u8 *p;

	p = tcmk_kvmalloc(TCMK_MAX_ALLOC_SIZE + 1, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
	KUNIT_EXPECT_TRUE(test, all_bytes(p, 0, TCMK_MAX_ALLOC_SIZE + 1));
	tcmk_kvfree(p);

	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	p = tcmk_kvmalloc(8192, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), 0);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(p));
	memset(p, 0x5a, 8192);
	tcmk_kvfree(p);

	/* Up to a page tcmk's failure is the call's, as kmalloc's is. */
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	KUNIT_EXPECT_NULL(test, tcmk_kvmalloc(PAGE_SIZE, GFP_KERNEL));
}

/* Flags vmalloc cannot serve get no fallback. */
static void kvmalloc_no_fallback(struct kunit *test)
{
	void *p;

	KUNIT_EXPECT_NULL(test, tcmk_kvmalloc(TCMK_MAX_ALLOC_SIZE + 1, GFP_ATOMIC));
	KUNIT_EXPECT_NULL(test, tcmk_kvmalloc(TCMK_MAX_ALLOC_SIZE + 1, GFP_NOWAIT));
	KUNIT_EXPECT_NULL(test, tcmk_kvmalloc(TCMK_MAX_ALLOC_SIZE + 1, GFP_KERNEL | GFP_DMA32));
	KUNIT_EXPECT_NULL(test, tcmk_kvmalloc(8192, GFP_KERNEL | GFP_DMA));
	p = tcmk_kvmalloc((size_t)INT_MAX + 1, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_NULL(test, p);
	tcmk_kvfree(p);
}

struct rcu_obj {
	u64 payload[6];
	struct rcu_head rcu;
};

static struct tcmk_free_rcu_counts rcu_counts(void)
{
	struct tcmk_free_rcu_counts c;

	tcmk_free_rcu_counts(&c);
	return c;
}

/*
 * Before a grace period the object is still there, whole; after one (the
 * barrier waits for it) it is freed, and so is what queued it.
 */
static void free_rcu_before_and_after_gp(struct kunit *test)
{
	u64 bytes = in_use(), freed, freed_in;
	struct rcu_obj *o = tcmk_alloc(sizeof(*o), GFP_KERNEL);
	unsigned long pending;
	bool intact;

	KUNIT_ASSERT_NOT_NULL(test, o);
	fill_seq(o->payload, sizeof(o->payload));
	/* No grace period can end while this reader runs. */
	rcu_read_lock();
	freed = frees();
	tcmk_free_rcu(o, rcu);
	pending = rcu_counts().pending;
	intact = check_seq(o->payload, sizeof(o->payload));
	freed_in = frees();
	rcu_read_unlock();
	/* Checked out of the reader: a failed expectation may sleep. */
	KUNIT_EXPECT_EQ(test, pending, 1UL);
	KUNIT_EXPECT_TRUE(test, intact);
	KUNIT_EXPECT_EQ(test, freed_in, freed);
	tcmk_free_rcu_barrier();
	KUNIT_EXPECT_EQ(test, rcu_counts().pending, 0UL);
	KUNIT_EXPECT_EQ(test, frees(), freed + 1);
	KUNIT_EXPECT_EQ(test, in_use(), bytes);

	o = NULL;
	tcmk_free_rcu(o, rcu);
	o = ZERO_SIZE_PTR;
	tcmk_free_rcu(o, rcu);
	tcmk_free_rcu_mightsleep(NULL);
	tcmk_free_rcu_mightsleep(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, rcu_counts().pending, 0UL);
}

/* Wait, up to 10 s, for the monitor and a grace period to free everything. */
static bool rcu_wait_freed(void)
{
	unsigned int i;

	for (i = 0; i < 500; i++) {
		if (!rcu_counts().pending)
			return true;
		msleep(20);
	}
	return false;
}

#define RCU_BATCH_OBJS	300

/*
 * Frees gather per CPU and go to a grace period together: a few batches
 * for hundreds of objects, never one each. The first round, with no block
 * to hold them, links them through their heads; the CPU then gets blocks,
 * which the second round fills.
 */
static void free_rcu_batches(struct kunit *test)
{
	struct rcu_obj **objs = kunit_kcalloc(test, RCU_BATCH_OBJS, sizeof(*objs),
					      GFP_KERNEL);
	struct tcmk_free_rcu_counts c0, c;
	u64 bytes = in_use();
	unsigned int round, i;

	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, rcu_counts().spare, 0UL);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < RCU_BATCH_OBJS; i++) {
			objs[i] = tcmk_alloc(sizeof(*objs[i]), GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		}
		c0 = rcu_counts();
		for (i = 0; i < RCU_BATCH_OBJS; i++)
			tcmk_free_rcu(objs[i], rcu);
		KUNIT_EXPECT_LE(test, rcu_counts().pending, (unsigned long)RCU_BATCH_OBJS);
		KUNIT_ASSERT_TRUE(test, rcu_wait_freed());
		c = rcu_counts();
		KUNIT_EXPECT_GE(test, c.batches - c0.batches, 1UL);
		KUNIT_EXPECT_LE(test, c.batches - c0.batches, 4UL);
		/* The monitor got blocks for the CPUs that ran short. */
		KUNIT_EXPECT_GE(test, c.spare, 1UL);
	}
	tcmk_free_rcu_barrier();
	KUNIT_EXPECT_EQ(test, rcu_counts().spare, 0UL);
	KUNIT_EXPECT_EQ(test, in_use(), bytes);
}

/* The headless form queues the object in a block it may sleep to get. */
static void free_rcu_mightsleep_queues(struct kunit *test)
{
	u64 bytes = in_use();
	u8 *p = tcmk_alloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	tcmk_free_rcu_mightsleep(p);
	KUNIT_EXPECT_EQ(test, rcu_counts().pending, 1UL);
	tcmk_free_rcu_barrier();
	KUNIT_EXPECT_EQ(test, rcu_counts().pending, 0UL);
	KUNIT_EXPECT_EQ(test, in_use(), bytes);
}

/* With no memory for a block it waits for a grace period and frees. */
static void free_rcu_mightsleep_no_memory(struct kunit *test)
{
	u64 bytes = in_use(), freed;
	u8 *p = tcmk_alloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	freed = frees();
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_ALLOC, 1);
	tcmk_free_rcu_mightsleep(p);
	KUNIT_EXPECT_EQ(test, tcmk_test_fail_left(TCMK_TEST_FAIL_ALLOC), 0);
	KUNIT_EXPECT_EQ(test, rcu_counts().pending, 0UL);
	KUNIT_EXPECT_EQ(test, frees(), freed + 1);
	KUNIT_EXPECT_EQ(test, in_use(), bytes);
}

static DEFINE_SPINLOCK(rcu_test_lock);

struct rcu_irq_ctx {
	struct irq_work work;
	struct rcu_obj *obj;
};

static void free_rcu_irq_fn(struct irq_work *w)
{
	struct rcu_irq_ctx *d = container_of(w, struct rcu_irq_ctx, work);

	tcmk_free_rcu(d->obj, rcu);
}

/* From hardirq context and under a spinlock, as kfree_rcu() may be called. */
static void free_rcu_atomic_contexts(struct kunit *test)
{
	struct rcu_irq_ctx *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	u64 bytes = in_use();
	struct rcu_obj *o;

	KUNIT_ASSERT_NOT_NULL(test, d);
	init_irq_work(&d->work, free_rcu_irq_fn);
	d->obj = tcmk_alloc(sizeof(*d->obj), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d->obj);
	irq_work_queue(&d->work);
	irq_work_sync(&d->work);
	o = tcmk_alloc(sizeof(*o), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	spin_lock_irq(&rcu_test_lock);
	tcmk_free_rcu(o, rcu);
	spin_unlock_irq(&rcu_test_lock);
	KUNIT_EXPECT_EQ(test, rcu_counts().pending, 2UL);
	tcmk_free_rcu_barrier();
	KUNIT_EXPECT_EQ(test, rcu_counts().pending, 0UL);
	KUNIT_EXPECT_EQ(test, in_use(), bytes);
}

static void owns_ctor(void *obj)
{
	memset(obj, 0x5a, 64);
}

/*
 * tcmk_owns() answers for tcmk's objects, wherever in them the address
 * lies, and for nothing else: the shim's kfree() goes by it.
 */
static void owns_only_tcmk_memory(struct kunit *test)
{
	size_t large = TCMK_MAX_SMALL_SIZE + PAGE_SIZE;
	struct tcmk_cache *cache;
	void *small, *big, *obj, *km, *vm;
	int on_stack = 0;

	small = tcmk_alloc(48, GFP_KERNEL);
	big = tcmk_alloc(large, GFP_KERNEL);
	cache = tcmk_cache_create("kapi_owns", 64, 0, 0, owns_ctor);
	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, big);
	KUNIT_ASSERT_NOT_NULL(test, cache);
	obj = tcmk_cache_alloc(cache, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	km = kmalloc(48, GFP_KERNEL);
	vm = vmalloc(PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, km);
	KUNIT_ASSERT_NOT_NULL(test, vm);

	KUNIT_EXPECT_TRUE(test, tcmk_owns(small));
	KUNIT_EXPECT_TRUE(test, tcmk_owns((char *)small + 47));
	KUNIT_EXPECT_TRUE(test, tcmk_owns(big));
	KUNIT_EXPECT_TRUE(test, tcmk_owns(obj));
	KUNIT_EXPECT_FALSE(test, tcmk_owns(km));
	KUNIT_EXPECT_FALSE(test, tcmk_owns(vm));
	KUNIT_EXPECT_FALSE(test, tcmk_owns(NULL));
	KUNIT_EXPECT_FALSE(test, tcmk_owns(ZERO_SIZE_PTR));
	KUNIT_EXPECT_FALSE(test, tcmk_owns(&on_stack));
	KUNIT_EXPECT_FALSE(test, tcmk_owns(THIS_MODULE));

	kfree(km);
	vfree(vm);
	tcmk_cache_free(cache, obj);
	tcmk_cache_destroy(cache);
	tcmk_free(big);
	tcmk_free(small);
}

static struct kunit_case tcmk_kapi_cases[] = {
	KUNIT_CASE(kmalloc_array_sizes),
	KUNIT_CASE(kmalloc_array_overflow_is_null),
	KUNIT_CASE(kcalloc_zeroes),
	KUNIT_CASE(krealloc_null_is_alloc),
	KUNIT_CASE(krealloc_zero_size_frees),
	KUNIT_CASE(krealloc_shrink_and_grow_in_place),
	KUNIT_CASE(krealloc_grow_moves),
	KUNIT_CASE(krealloc_gfp_zero),
	KUNIT_CASE(krealloc_failure_keeps_object),
	KUNIT_CASE(krealloc_refuses_foreign),
	KUNIT_CASE(kstrdup_copies),
	KUNIT_CASE(kmemdup_copies),
	KUNIT_CASE(kvmalloc_from_tcmk),
	KUNIT_CASE(kvmalloc_falls_back_to_vmalloc),
	KUNIT_CASE(kvmalloc_no_fallback),
	KUNIT_CASE(free_rcu_before_and_after_gp),
	KUNIT_CASE(free_rcu_batches),
	KUNIT_CASE(free_rcu_mightsleep_queues),
	KUNIT_CASE(free_rcu_mightsleep_no_memory),
	KUNIT_CASE(free_rcu_atomic_contexts),
	KUNIT_CASE(owns_only_tcmk_memory),
	{}
};

static struct kunit_suite tcmk_kapi_suite = {
	.name = "tcmk_kapi",
	.suite_init = tcmk_test_sampling_off,
	.suite_exit = tcmk_test_sampling_restore,
	.init = kapi_init,
	.exit = kapi_exit,
	.test_cases = tcmk_kapi_cases,
};

kunit_test_suites(&tcmk_kapi_suite);
