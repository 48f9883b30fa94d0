// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for named caches (module/cache.c): tcmk_cache_create(),
 * tcmk_cache_alloc(), tcmk_cache_free(), the bulk forms, tcmk_cache_shrink()
 * and tcmk_cache_destroy(), merged and private, with constructors,
 * alignment, SLAB_TYPESAFE_BY_RCU and each failure path; and each cache's
 * directory in sysfs, caches/<name>/, found by name and read through its
 * methods.
 */
#include <linux/atomic.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/tcmk.h>

#include "tcmk_test.h"

static int cache_init(struct kunit *test)
{
	return tcmk_test_pin(test);
}

static void cache_exit(struct kunit *test)
{
	tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
	rcu_barrier();
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

static struct tcmk_cache_stats stats(struct tcmk_cache *cache)
{
	struct tcmk_cache_stats st;

	tcmk_cache_stats(cache, &st);
	return st;
}

/*
 * The number caches/@name/@file shows, or a negative errno: -ENOENT once
 * the cache's directory is gone. The file is found in sysfs by name and
 * read through its show method: the kselftests read the harness's cache
 * through the filesystem.
 */
static long cache_file(const char *name, const char *file)
{
	char *buf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	ssize_t n;
	long v;

	if (!buf)
		return -ENOMEM;
	n = tcmk_cache_sysfs(name, file, buf, NULL);
	if (n < 0) {
		kfree(buf);
		return n;
	}
	/* The number alone: objects_cached_cpu goes on with each CPU's. */
	buf[strcspn(buf, "\n ")] = '\0';
	n = kstrtol(buf, 10, &v);
	kfree(buf);
	return n ?: v;
}

/* Write @val to caches/@name/@file: 0 or a negative errno. */
static int cache_file_write(const char *name, const char *file, const char *val)
{
	ssize_t n = tcmk_cache_sysfs(name, file, NULL, val);

	return n < 0 ? n : 0;
}

static long bad_frees(void)
{
	return atomic_long_read(&tcmk_bad_frees);
}

static void bad_arguments_refused(struct kunit *test)
{
	char long_name[TCMK_CACHE_NAME_MAX + 2];
	struct tcmk_cache *c;

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	KUNIT_EXPECT_NULL(test, tcmk_cache_create(NULL, 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("a/b", 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create(long_name, 64, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("t-size0", 0, 0, 0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("t-huge", TCMK_MAX_ALLOC_SIZE + 1,
						  0, 0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("t-align3", 64, 3, 0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("t-align-big", 64, 2 * PAGE_SIZE,
						  0, NULL));
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("t-flags", 64, 0, SLAB_RED_ZONE,
						  NULL));
	/* A constructor needs spans of its own, which hold at most 32 KiB. */
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("t-ctor-big", 40000, 0,
						  SLAB_TYPESAFE_BY_RCU, NULL));
	/* A name in use. */
	c = tcmk_cache_create("t-dup", 64, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_NULL(test, tcmk_cache_create("t-dup", 128, 0, 0, NULL));
	tcmk_cache_destroy(c);
	/* Free again once destroyed, and NULL is ignored. */
	c = tcmk_cache_create("t-dup", 128, 0, 0, NULL);
	KUNIT_EXPECT_NOT_NULL(test, c);
	tcmk_cache_destroy(c);
	tcmk_cache_destroy(NULL);
}

/* A plain cache is its size class: the objects are tcmk_alloc()'s. */
static void merged_cache_shares_class(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-merged", 60, 0, 0, NULL);
	struct tcmk_span *span;
	long bad = bad_frees();
	void *obj, *obj2;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_TRUE(test, c->merged);
	obj = tcmk_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	span = tcmk_span_of(obj);
	KUNIT_ASSERT_NOT_NULL(test, span);
	KUNIT_EXPECT_EQ(test, (int)span->state, TCMK_SPAN_SMALL);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(obj), 64UL);
	KUNIT_EXPECT_EQ(test, stats(c).allocs, 1UL);
	KUNIT_EXPECT_EQ(test, stats(c).in_use, 1UL);
	tcmk_cache_free(c, obj);
	KUNIT_EXPECT_EQ(test, stats(c).in_use, 0UL);
	/* The same class: the object just freed comes back for tcmk_alloc(). */
	obj2 = tcmk_alloc(64, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, obj2, obj);
	tcmk_free(obj2);
	tcmk_cache_free(c, NULL);
	KUNIT_EXPECT_EQ(test, stats(c).frees, 1UL);
	KUNIT_EXPECT_EQ(test, bad_frees(), bad);
	tcmk_cache_destroy(c);
}

/* What forbids merging: a constructor, RCU, an alignment no class gives. */
static void test_ctor(void *obj);

static void merge_rules(struct kunit *test)
{
	static const struct {
		unsigned int size, align;
		slab_flags_t flags;
		void (*ctor)(void *obj);
		bool merged;
	} cases[] = {
		{ 64, 0, 0, NULL, true },
		{ 24, 64, 0, NULL, true },		/* class 64 is 64-aligned */
		{ 20, 0, SLAB_HWCACHE_ALIGN, NULL, true },	/* 32-aligned: class 32 */
		{ 100000, 0, 0, NULL, true },		/* large objects: pages */
		{ 64, 0, 0, test_ctor, false },
		{ 64, 0, SLAB_TYPESAFE_BY_RCU, NULL, false },
		{ 6152, 256, 0, NULL, false },	/* class 6784 is 128-aligned */
	};
	struct tcmk_cache *c;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		c = tcmk_cache_create("t-rules", cases[i].size, cases[i].align,
				      cases[i].flags, cases[i].ctor);
		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_EXPECT_EQ_MSG(test, c->merged, cases[i].merged, "case %u", i);
		tcmk_cache_destroy(c);
	}
}

/* Every object has the alignment asked for, explicit or SLAB_HWCACHE_ALIGN. */
static void alignment_honoured(struct kunit *test)
{
	static const struct {
		unsigned int size, align;
		slab_flags_t flags;
		unsigned long want;
	} cases[] = {
		{ 24, 64, 0, 64 },
		{ 6152, 256, 0, 256 },
		{ 12296, 2048, 0, 2048 },
		{ 100, 0, SLAB_HWCACHE_ALIGN, 64 },
		{ 20, 0, SLAB_HWCACHE_ALIGN, 32 },
		{ 8, 0, 0, 8 },
	};
	void *objs[20];
	struct tcmk_cache *c;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned long want = cases[i].want;

		if (cases[i].flags & SLAB_HWCACHE_ALIGN)
			want = min_t(unsigned long, want, cache_line_size());
		c = tcmk_cache_create("t-align", cases[i].size, cases[i].align,
				      cases[i].flags, NULL);
		KUNIT_ASSERT_NOT_NULL(test, c);
		for (j = 0; j < ARRAY_SIZE(objs); j++) {
			objs[j] = tcmk_cache_alloc(c, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[j]);
			KUNIT_EXPECT_EQ_MSG(test, (unsigned long)objs[j] % want, 0UL,
					    "case %u object %u", i, j);
			memset(objs[j], 0xa5, cases[i].size);
		}
		tcmk_cache_free_bulk(c, ARRAY_SIZE(objs), objs);
		tcmk_cache_destroy(c);
	}
}

#define CTOR_MAGIC	0x5eedc0deU

struct ctor_obj {
	u32 magic;
	u32 state;
	u8 rest[40];
};

static atomic_t ctor_calls;

static void test_ctor(void *obj)
{
	struct ctor_obj *o = obj;

	atomic_inc(&ctor_calls);
	o->magic = CTOR_MAGIC;
	o->state = 0;
}

/*
 * The constructor runs on every object of a span when the span is made,
 * and never again: an object comes back as it was freed, not zeroed, even
 * with init_on_alloc.
 */
static void ctor_once_per_object(struct kunit *test)
{
	struct tcmk_cache *c;
	struct ctor_obj *o, *o2;
	unsigned int n;

	atomic_set(&ctor_calls, 0);
	c = tcmk_cache_create("t-ctor", sizeof(*o), 0, 0, test_ctor);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_FALSE(test, c->merged);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), 0);
	o = tcmk_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o);
	n = c->objects;
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), (int)n);
	KUNIT_EXPECT_EQ(test, o->magic, CTOR_MAGIC);
	KUNIT_EXPECT_EQ(test, o->state, 0U);
	KUNIT_EXPECT_EQ(test, (int)tcmk_span_of(o)->state, TCMK_SPAN_CACHE);
	o->state = 7;
	tcmk_cache_free(c, o);
	o2 = tcmk_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, o2, o);
	KUNIT_EXPECT_EQ(test, o2->magic, CTOR_MAGIC);
	KUNIT_EXPECT_EQ(test, o2->state, 7U);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), (int)n);
	/* __GFP_ZERO would wipe the constructed state: refused. */
	KUNIT_EXPECT_NULL(test, tcmk_cache_alloc(c, GFP_KERNEL | __GFP_ZERO));
	tcmk_cache_free(c, o2);
	KUNIT_EXPECT_EQ(test, stats(c).in_use, 0UL);
	tcmk_cache_destroy(c);
}

/* Objects of a second span are constructed when that span is made. */
static void ctor_second_span(struct kunit *test)
{
	struct tcmk_cache *c;
	void **objs;
	unsigned int n, i;

	atomic_set(&ctor_calls, 0);
	c = tcmk_cache_create("t-ctor2", sizeof(struct ctor_obj), 0, 0, test_ctor);
	KUNIT_ASSERT_NOT_NULL(test, c);
	n = c->objects + 1;
	objs = kunit_kcalloc(test, n, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	KUNIT_ASSERT_EQ(test, tcmk_cache_alloc_bulk(c, GFP_KERNEL, n, objs), (int)n);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), 2 * (int)c->objects);
	KUNIT_EXPECT_EQ(test, stats(c).spans, 2UL);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, ((struct ctor_obj *)objs[i])->magic, CTOR_MAGIC);
	tcmk_cache_free_bulk(c, n, objs);
	KUNIT_EXPECT_EQ(test, stats(c).in_use, 0UL);
	tcmk_cache_destroy(c);
}

/* tcmk_free() frees a cache's object, as kfree() a kmem_cache's. */
static void tcmk_free_takes_cache_objects(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-free", 100, 128, 0, test_ctor);
	long bad = bad_frees();
	void *obj;

	KUNIT_ASSERT_NOT_NULL(test, c);
	obj = tcmk_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(obj), 100UL);
	tcmk_free(obj);
	KUNIT_EXPECT_EQ(test, stats(c).in_use, 0UL);
	KUNIT_EXPECT_EQ(test, bad_frees(), bad);
	tcmk_cache_destroy(c);
}

/* A pointer that is not one of the cache's objects is refused, not freed. */
static void free_refuses_foreign(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-foreign", 64, 0, 0, test_ctor);
	struct tcmk_cache *d = tcmk_cache_create("t-foreign2", 64, 0, 0, test_ctor);
	long bad = bad_frees();
	void *obj, *other, *plain;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, d);
	obj = tcmk_cache_alloc(c, GFP_KERNEL);
	other = tcmk_cache_alloc(d, GFP_KERNEL);
	plain = tcmk_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	tcmk_cache_free(c, plain);
	tcmk_cache_free(c, other);
	tcmk_cache_free(c, obj + 8);
	KUNIT_EXPECT_EQ(test, bad_frees(), bad + 3);
	tcmk_free(obj + 8);
	KUNIT_EXPECT_EQ(test, bad_frees(), bad + 4);
	KUNIT_EXPECT_EQ(test, stats(c).in_use, 1UL);
	tcmk_cache_free(c, obj);
	/* Freed twice in a row: refused. */
	tcmk_cache_free(c, obj);
	KUNIT_EXPECT_EQ(test, bad_frees(), bad + 5);
	KUNIT_EXPECT_EQ(test, stats(c).in_use, 0UL);
	tcmk_cache_free(d, other);
	tcmk_free(plain);
	tcmk_cache_destroy(c);
	tcmk_cache_destroy(d);
}

/* Bulk forms, merged and private: all objects or none. */
static void bulk_all_or_nothing(struct kunit *test)
{
	static const slab_flags_t flags[] = { 0, SLAB_TYPESAFE_BY_RCU };
	const unsigned int nr = 100;
	struct tcmk_cache *c;
	unsigned int i, j;
	void **objs;

	objs = kunit_kcalloc(test, nr, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		c = tcmk_cache_create("t-bulk", 200, 0, flags[i], NULL);
		KUNIT_ASSERT_NOT_NULL(test, c);
		KUNIT_EXPECT_EQ(test, tcmk_cache_alloc_bulk(c, GFP_KERNEL, 0, objs), 0);
		KUNIT_ASSERT_EQ(test, tcmk_cache_alloc_bulk(c, GFP_KERNEL, nr, objs),
				(int)nr);
		KUNIT_EXPECT_EQ(test, stats(c).in_use, (unsigned long)nr);
		for (j = 1; j < nr; j++)
			KUNIT_EXPECT_PTR_NE(test, objs[j], objs[j - 1]);
		tcmk_cache_free_bulk(c, nr, objs);
		KUNIT_EXPECT_EQ(test, stats(c).in_use, 0UL);
		/* With no page to be had, nothing is handed out. */
		tcmk_cache_shrink(c);
		rcu_barrier();
		tcmk_test_quiesce();
		tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, -1);
		KUNIT_EXPECT_EQ(test, tcmk_cache_alloc_bulk(c, GFP_KERNEL, nr, objs), 0);
		tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
		KUNIT_EXPECT_EQ(test, stats(c).in_use, 0UL);
		tcmk_cache_destroy(c);
	}
}

/* A private cache whose span cannot be had fails, and counts nothing. */
static void alloc_fails_without_pages(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-nopage", 64, 0, 0, test_ctor);

	KUNIT_ASSERT_NOT_NULL(test, c);
	tcmk_test_quiesce();
	tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, -1);
	KUNIT_EXPECT_NULL(test, tcmk_cache_alloc(c, GFP_KERNEL));
	tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
	KUNIT_EXPECT_EQ(test, stats(c).allocs, 0UL);
	KUNIT_EXPECT_EQ(test, stats(c).spans, 0UL);
	tcmk_cache_destroy(c);
}

/*
 * Destroyed with objects in use: reported, their memory kept, and they may
 * still be freed, through the cache or tcmk_free().
 */
static void destroy_with_live_objects(struct kunit *test)
{
	static const bool ctors[] = { false, true };
	struct tcmk_cache *c, *other;
	struct tcmk_span *span;
	void *a, *b;
	unsigned int i;
	long bad;

	for (i = 0; i < ARRAY_SIZE(ctors); i++) {
		c = tcmk_cache_create("t-live", 64, 0, 0, ctors[i] ? test_ctor : NULL);
		KUNIT_ASSERT_NOT_NULL(test, c);
		a = tcmk_cache_alloc(c, GFP_KERNEL);
		b = tcmk_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_ASSERT_NOT_NULL(test, b);
		memset(a, 0x3c, 64);
		KUNIT_EXPECT_EQ(test, cache_file("t-live", "objects_in_use"), 2L);
		tcmk_cache_destroy(c);
		KUNIT_EXPECT_TRUE(test, c->dead);
		/* Its directory is gone, and the name is free for another cache. */
		KUNIT_EXPECT_NULL(test, c->name);
		KUNIT_EXPECT_EQ(test, cache_file("t-live", "objects_in_use"), (long)-ENOENT);
		other = tcmk_cache_create("t-live", 64, 0, 0, NULL);
		KUNIT_ASSERT_NOT_NULL(test, other);
		KUNIT_EXPECT_EQ(test, cache_file("t-live", "objects_in_use"), 0L);
		tcmk_cache_destroy(other);
		span = tcmk_span_of(a);
		KUNIT_ASSERT_NOT_NULL(test, span);
		KUNIT_EXPECT_EQ(test, (int)span->state,
				ctors[i] ? TCMK_SPAN_CACHE : TCMK_SPAN_SMALL);
		tcmk_test_quiesce();
		KUNIT_EXPECT_EQ(test, ((u8 *)a)[63], 0x3c);
		bad = bad_frees();
		tcmk_cache_free(c, a);
		tcmk_free(b);
		KUNIT_EXPECT_EQ(test, bad_frees(), bad);
	}
}

/*
 * A private cache's directory: its geometry, and its figures following
 * allocations, frees, a shrink written to it, and its destruction.
 */
static void sysfs_private_cache(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-sysfs", 100, 0,
						 SLAB_TYPESAFE_BY_RCU, test_ctor);
	void *objs[5];
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "object_size"), 100L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "merged"), 0L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "destroy_by_rcu"), 1L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "hwcache_align"), 0L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "stride"), (long)c->stride);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "objects_per_span"), (long)c->objects);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "pages_per_span"), (long)c->pages);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "spans"), 0L);
	/* A merged cache's link to its class only. */
	KUNIT_EXPECT_EQ(test, tcmk_cache_sysfs_class("t-sysfs"), -ENOENT);

	for (i = 0; i < ARRAY_SIZE(objs); i++) {
		objs[i] = tcmk_cache_alloc(c, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "alloc_total"), 5L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "objects_in_use"), 5L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "spans"), 1L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "bytes_held"),
			(long)c->pages << PAGE_SHIFT);
	/* The span's objects: in use, kept by the CPUs, or free in it. */
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "objects_in_use") +
			cache_file("t-sysfs", "objects_cached_cpu") +
			cache_file("t-sysfs", "objects_free"), (long)c->objects);

	tcmk_cache_free(c, objs[0]);
	tcmk_cache_free(c, objs[1]);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "free_total"), 2L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "objects_in_use"), 3L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "objects_cached_cpu"),
			(long)stats(c).cached_cpu);

	/* A shrink sends the CPUs' objects back; only 1 is taken. */
	KUNIT_EXPECT_EQ(test, cache_file_write("t-sysfs", "shrink", "2"), -EINVAL);
	KUNIT_EXPECT_EQ(test, cache_file_write("t-sysfs", "shrink", "1"), 0);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "objects_cached_cpu"), 0L);
	for (i = 2; i < ARRAY_SIZE(objs); i++)
		tcmk_cache_free(c, objs[i]);
	KUNIT_EXPECT_EQ(test, cache_file_write("t-sysfs", "shrink", "1"), 0);
	/* Its one span waits for a grace period, and then is gone. */
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "spans"), 0L);
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "spans_rcu"), 0L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "bytes_held"), 0L);
	tcmk_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs", "object_size"), (long)-ENOENT);
}

/*
 * A merged cache's directory links to the size class whose objects it
 * hands out, and counts what goes through the cache.
 */
static void sysfs_merged_cache(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-sysfs-merged", 20, 0, 0, NULL);
	unsigned int size = tcmk_class(tcmk_size_class(24))->size;
	void *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs-merged", "merged"), 1L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs-merged", "object_size"), 20L);
	KUNIT_EXPECT_EQ(test, tcmk_cache_sysfs_class("t-sysfs-merged"),
			(int)tcmk_size_class(24));
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs-merged", "stride"), (long)size);
	a = tcmk_cache_alloc(c, GFP_KERNEL);
	b = tcmk_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs-merged", "objects_in_use"), 2L);
	tcmk_cache_free(c, a);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs-merged", "objects_in_use"), 1L);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs-merged", "spans"), 0L);
	tcmk_cache_free(c, b);
	tcmk_cache_destroy(c);
	KUNIT_EXPECT_EQ(test, cache_file("t-sysfs-merged", "merged"), (long)-ENOENT);
}

/* Objects of a cache allocated and freed on one CPU: its stack keeps them. */
struct on_cpu {
	struct tcmk_cache *cache;
	void *objs[6];
	unsigned int failed;
};

static void alloc_free_here(void *data)
{
	struct on_cpu *o = data;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(o->objs); i++) {
		o->objs[i] = tcmk_cache_alloc(o->cache, GFP_KERNEL);
		o->failed += !o->objs[i];
	}
	for (i = 0; i < ARRAY_SIZE(o->objs); i++)
		tcmk_cache_free(o->cache, o->objs[i]);
}

/*
 * A CPU going offline hands its free objects of a private cache back to
 * the cache's spans, and tcmk_drain() those of every online CPU: none is
 * stranded, and the cache can be destroyed with nothing reported.
 */
static void offline_cpu_and_drain_hand_objects_back(struct kunit *test)
{
	struct on_cpu o = { .cache = tcmk_cache_create("t-hotplug", 72, 0, 0, test_ctor) };
	struct tcmk_cache_stats st;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, o.cache);
	KUNIT_ASSERT_FALSE(test, o.cache->merged);

	/* This CPU's: back with a drain. */
	alloc_free_here(&o);
	KUNIT_EXPECT_EQ(test, o.failed, 0U);
	KUNIT_EXPECT_GT(test, stats(o.cache).cached_cpu, 0UL);
	tcmk_drain();
	st = stats(o.cache);
	KUNIT_EXPECT_EQ(test, st.cached_cpu, 0UL);
	KUNIT_EXPECT_EQ(test, st.free, st.spans * o.cache->objects);

	if (num_online_cpus() < 2 || !cpu_online(1)) {
		tcmk_cache_destroy(o.cache);
		kunit_skip(test, "needs CPU 1 online");
	}
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(1, alloc_free_here, &o), 0);
	KUNIT_EXPECT_EQ(test, o.failed, 0U);
	KUNIT_ASSERT_GT(test, (unsigned long)per_cpu_ptr(o.cache->cpu, 1)->count, 0UL);
	err = tcmk_test_cpu_down(1);
	if (!err) {
		KUNIT_EXPECT_EQ(test, per_cpu_ptr(o.cache->cpu, 1)->count, 0U);
		st = stats(o.cache);
		KUNIT_EXPECT_EQ(test, st.cached_cpu, 0UL);
		KUNIT_EXPECT_EQ(test, st.free, st.spans * o.cache->objects);
		KUNIT_EXPECT_EQ(test, tcmk_test_cpu_up(1), 0);
	}
	tcmk_cache_destroy(o.cache);
	if (err)
		kunit_skip(test, "CPU 1 cannot go offline: %d", err);
}

/*
 * SLAB_TYPESAFE_BY_RCU: an object freed is handed out again at once, as it
 * was freed; the span's memory goes back to the page heap only after a
 * grace period.
 */
static void rcu_span_waits_for_grace_period(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-rcu", 48, 0,
						 SLAB_TYPESAFE_BY_RCU, NULL);
	struct tcmk_span *span;
	u8 *obj, *again;

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_FALSE(test, c->merged);
	obj = tcmk_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	memset(obj, 0x77, 48);
	tcmk_cache_free(c, obj);
	/* Reused at once, and not zeroed (init_on_alloc or not). */
	again = tcmk_cache_alloc(c, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, again, obj);
	KUNIT_EXPECT_EQ(test, obj[0], 0x77);
	KUNIT_EXPECT_EQ(test, obj[47], 0x77);
	tcmk_cache_free(c, obj);

	rcu_read_lock();
	tcmk_cache_shrink(c);
	/* Before a grace period: the span is the cache's still. */
	span = tcmk_span_of(obj);
	KUNIT_EXPECT_NOT_NULL(test, span);
	if (span) {
		KUNIT_EXPECT_EQ(test, (int)span->state, TCMK_SPAN_CACHE);
		KUNIT_EXPECT_EQ(test, span->cls, c->id);
	}
	KUNIT_EXPECT_EQ(test, stats(c).rcu_spans, 1UL);
	KUNIT_EXPECT_EQ(test, stats(c).spans, 0UL);
	KUNIT_EXPECT_EQ(test, obj[0], 0x77);
	rcu_read_unlock();

	/* After one, the pages are the page heap's. */
	rcu_barrier();
	KUNIT_EXPECT_EQ(test, stats(c).rcu_spans, 0UL);
	KUNIT_EXPECT_NULL(test, tcmk_span_of(obj));
	tcmk_cache_destroy(c);
}

/* Destroying an RCU cache waits for its spans' grace period. */
static void rcu_destroy_waits(struct kunit *test)
{
	struct tcmk_cache *c = tcmk_cache_create("t-rcu-destroy", 512, 0,
						 SLAB_TYPESAFE_BY_RCU, test_ctor);
	void *objs[40];

	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_EQ(test, tcmk_cache_alloc_bulk(c, GFP_KERNEL, ARRAY_SIZE(objs),
						    objs), (int)ARRAY_SIZE(objs));
	KUNIT_EXPECT_GT(test, stats(c).spans, 1UL);
	tcmk_cache_free_bulk(c, ARRAY_SIZE(objs), objs);
	tcmk_cache_destroy(c);
	/* Every span is back: cache_exit() checks no page is held. */
}

static struct kunit_case tcmk_cache_cases[] = {
	KUNIT_CASE(bad_arguments_refused),
	KUNIT_CASE(merged_cache_shares_class),
	KUNIT_CASE(merge_rules),
	KUNIT_CASE(alignment_honoured),
	KUNIT_CASE(ctor_once_per_object),
	KUNIT_CASE(ctor_second_span),
	KUNIT_CASE(tcmk_free_takes_cache_objects),
	KUNIT_CASE(free_refuses_foreign),
	KUNIT_CASE(bulk_all_or_nothing),
	KUNIT_CASE(alloc_fails_without_pages),
	KUNIT_CASE(destroy_with_live_objects),
	KUNIT_CASE(rcu_span_waits_for_grace_period),
	KUNIT_CASE(rcu_destroy_waits),
	KUNIT_CASE(sysfs_private_cache),
	KUNIT_CASE(sysfs_merged_cache),
	KUNIT_CASE(offline_cpu_and_drain_hand_objects_back),
	{}
};

static struct kunit_suite tcmk_cache_suite = {
	.name = "tcmk_cache",
	.suite_init = tcmk_test_sampling_off,
	.suite_exit = tcmk_test_sampling_restore,
	.init = cache_init,
	.exit = cache_exit,
	.test_cases = tcmk_cache_cases,
};

kunit_test_suites(&tcmk_cache_suite);
