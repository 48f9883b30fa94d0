// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk's collector: graph shapes from a self loop to a list
 * of a million nodes, roots and nested pins, precise and conservative
 * scanning (interior pointers, integers that point nowhere), every size
 * class, the grey stack overflowing, allocation failing while cycles run,
 * many cycles in a row leaving nothing behind, and the walks over every span
 * and every weak reference letting go of their locks a batch at a time.
 *
 * Whether an object is alive is asked through a weak reference, which does
 * not keep it alive; an object the collector freed is poisoned under KASAN,
 * so touching one that should have lived is reported as a use after free.
 */
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/notifier.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/tcmk.h>
#include <linux/vmalloc.h>

#include "gc.h"
#include "tcmk_test.h"

struct node {
	struct node *next;
	unsigned long payload;
};

static const u16 node_offsets[] = { offsetof(struct node, next) };

static const struct tcmk_gc_type node_type = {
	.name = "node",
	.size = sizeof(struct node),
	.ptr_offsets = node_offsets,
	.nr_ptrs = ARRAY_SIZE(node_offsets),
};

/* Holds no pointers: never scanned. */
static const struct tcmk_gc_type leaf_type = {
	.name = "leaf",
	.size = 8,
	.ptr_offsets = node_offsets,
	.nr_ptrs = 0,
};

struct gc_ctx {
	struct tcmk_gc_stats base;
	int percent;
	unsigned long limit;
};

/* Cases count cycles exactly: the pacer is off unless a case turns it on. */
static void set_pacer(int percent, unsigned long limit)
{
	WRITE_ONCE(tcmk_gc_percent, percent);
	WRITE_ONCE(tcmk_gc_limit_bytes, limit);
	tcmk_gc_update_goal();
}

static void read_stats(struct tcmk_gc_stats *st)
{
	tcmk_gc_get_stats(st);
}

static int gc_test_init(struct kunit *test)
{
	struct gc_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (tcmk_test_pin(test))
		return -EINVAL;
	if (!ctx)
		return -ENOMEM;
	ctx->percent = tcmk_gc_percent;
	ctx->limit = tcmk_gc_limit_bytes;
	set_pacer(-1, 0);
	/* Whatever an earlier case left unreachable goes first. */
	tcmk_gc_collect();
	read_stats(&ctx->base);
	test->priv = ctx;
	return 0;
}

/* Every case leaves the collected heap as it found it: empty of its objects. */
static void gc_test_exit(struct kunit *test)
{
	struct gc_ctx *ctx = test->priv;
	struct tcmk_gc_stats st;

	set_pacer(-1, 0);
	tcmk_gc_flush_finalizers();
	tcmk_gc_collect();
	read_stats(&st);
	set_pacer(ctx->percent, ctx->limit);
	KUNIT_EXPECT_EQ(test, st.heap_objects, ctx->base.heap_objects);
	KUNIT_EXPECT_EQ(test, st.heap_bytes, ctx->base.heap_bytes);
	KUNIT_EXPECT_EQ(test, st.roots, ctx->base.roots);
	KUNIT_EXPECT_EQ(test, st.pinned, ctx->base.pinned);
	KUNIT_EXPECT_EQ(test, st.weak_refs, ctx->base.weak_refs);
	tcmk_test_quiesce();
	KUNIT_EXPECT_EQ(test, tcmk_test_pages_held(), 0UL);
}

static bool alive(struct tcmk_gc_weak *ref)
{
	void *obj = tcmk_gc_weak_get(ref);

	if (obj)
		tcmk_gc_unpin(obj);
	return obj;
}

/* A new object, published into @slot (a root or a field) and unpinned. */
static void *gc_new(struct kunit *test, size_t size,
		    const struct tcmk_gc_type *type, void **slot)
{
	void *obj = tcmk_gc_alloc(size, type, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	if (slot)
		tcmk_gc_write(slot, obj);
	tcmk_gc_unpin(obj);
	return obj;
}

static struct tcmk_gc_weak *weak(struct kunit *test, void *obj)
{
	struct tcmk_gc_weak *ref = tcmk_gc_weak_new(obj, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ref);
	return ref;
}

static void garbage_is_freed(struct kunit *test)
{
	struct tcmk_gc_weak **refs;
	struct tcmk_gc_stats before, after;
	unsigned int i;

	refs = kunit_kcalloc(test, 100, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);
	read_stats(&before);
	for (i = 0; i < 100; i++)
		refs[i] = weak(test, gc_new(test, 100, NULL, NULL));
	read_stats(&after);
	KUNIT_EXPECT_EQ(test, after.heap_objects, before.heap_objects + 100);
	KUNIT_EXPECT_EQ(test, after.heap_bytes, before.heap_bytes + 100 * 112);

	tcmk_gc_collect();
	read_stats(&after);
	KUNIT_EXPECT_EQ(test, after.cycles, before.cycles + 1);
	KUNIT_EXPECT_EQ(test, after.freed_objects_total,
			before.freed_objects_total + 100);
	KUNIT_EXPECT_EQ(test, after.freed_bytes_total,
			before.freed_bytes_total + 100 * 112);
	KUNIT_EXPECT_EQ(test, after.heap_objects, before.heap_objects);
	for (i = 0; i < 100; i++) {
		KUNIT_EXPECT_FALSE(test, alive(refs[i]));
		tcmk_gc_weak_free(refs[i]);
	}
}

static void new_objects_are_zeroed_and_pinned(struct kunit *test)
{
	struct tcmk_gc_weak *ref;
	struct tcmk_gc_stats st;
	unsigned char *p;
	unsigned int i;

	/* Fill objects, let them die, and allocate their slots again. */
	for (i = 0; i < 64; i++) {
		p = tcmk_gc_alloc(64, NULL, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		memset(p, 0xa5, 64);
		tcmk_gc_unpin(p);
	}
	tcmk_gc_collect();
	p = tcmk_gc_alloc(64, NULL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(p, 0, 64));
	ref = weak(test, p);
	read_stats(&st);
	KUNIT_EXPECT_GE(test, st.pinned, 1ULL);

	/* Pinned by tcmk_gc_alloc(): survives a cycle with no root. */
	tcmk_gc_collect();
	KUNIT_EXPECT_TRUE(test, alive(ref));
	KUNIT_EXPECT_EQ(test, tcmk_usable_size(p), (size_t)64);
	tcmk_gc_unpin(p);
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(ref));
	tcmk_gc_weak_free(ref);
}

static void roots_keep_what_they_reach(struct kunit *test)
{
	static void *root;
	struct node *a, *b;
	struct tcmk_gc_weak *ra, *rb;
	long bad = atomic_long_read(&tcmk_gc_bad_calls);

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	KUNIT_EXPECT_EQ(test, tcmk_gc_root_add(&root), -EEXIST);
	a = gc_new(test, sizeof(*a), &node_type, &root);
	b = gc_new(test, sizeof(*b), &node_type, (void **)&a->next);
	ra = weak(test, a);
	rb = weak(test, b);
	/* A slot inside the collected heap is a field, not a root. */
	KUNIT_EXPECT_EQ(test, tcmk_gc_root_add((void **)&a->next), -EINVAL);

	tcmk_gc_collect();
	KUNIT_EXPECT_TRUE(test, alive(ra));
	KUNIT_EXPECT_TRUE(test, alive(rb));

	/* Cut the edge: only b dies. */
	tcmk_gc_write((void **)&a->next, NULL);
	tcmk_gc_collect();
	KUNIT_EXPECT_TRUE(test, alive(ra));
	KUNIT_EXPECT_FALSE(test, alive(rb));

	/* The root still holds a, but is no longer a root. */
	tcmk_gc_root_del(&root);
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(ra));
	tcmk_gc_weak_free(ra);
	tcmk_gc_weak_free(rb);
	root = NULL;

	/* Deleting a root twice is logged and changes nothing. */
	tcmk_gc_root_del(&root);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 1);
}

static void pins_nest(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_gc_bad_calls);
	struct tcmk_gc_weak *ref;
	void *obj;
	int i;

	obj = tcmk_gc_alloc(32, NULL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	ref = weak(test, obj);
	tcmk_gc_pin(obj);
	tcmk_gc_pin(obj + 8);	/* an interior pointer pins the same object */
	for (i = 0; i < 3; i++) {
		tcmk_gc_collect();
		KUNIT_EXPECT_TRUE(test, alive(ref));
		tcmk_gc_unpin(obj);
	}
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(ref));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad);
	tcmk_gc_weak_free(ref);

	/* Unpinning too often, or what is not ours, is refused. */
	obj = gc_new(test, 32, NULL, NULL);
	tcmk_gc_unpin(obj);
	tcmk_gc_pin(&bad);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 2);
}

static void tcmk_free_refuses_collected(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_bad_frees);
	struct tcmk_gc_weak *ref;
	void *obj;

	obj = tcmk_gc_alloc(48, NULL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	ref = weak(test, obj);
	tcmk_free(obj);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + 1);
	tcmk_gc_collect();
	KUNIT_EXPECT_TRUE(test, alive(ref));
	tcmk_gc_unpin(obj);
	tcmk_gc_weak_free(ref);
}

/* A chain of @n nodes hanging from @root; weak references to some. */
static void build_chain(struct kunit *test, void **root, unsigned long n)
{
	void **slot = root;
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct node *nd = gc_new(test, sizeof(*nd), &node_type, slot);

		nd->payload = i;
		slot = (void **)&nd->next;
	}
}

static void chain_of_a_million(struct kunit *test)
{
	const unsigned long n = 1000000;
	struct tcmk_gc_stats before, st;
	struct tcmk_gc_weak *first, *last;
	static void *root;
	struct node *nd;
	unsigned long i;

	read_stats(&before);
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	build_chain(test, &root, n);
	first = weak(test, root);
	for (nd = root; nd->next; nd = nd->next)
		;
	last = weak(test, nd);

	/* Marking a list this long recurses nowhere: it is a loop. */
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects + n);
	KUNIT_EXPECT_EQ(test, st.marked_bytes_last,
			before.heap_bytes + n * sizeof(struct node));
	KUNIT_EXPECT_TRUE(test, alive(first));
	KUNIT_EXPECT_TRUE(test, alive(last));
	for (i = 0, nd = root; nd; nd = nd->next, i++)
		if (nd->payload != i)
			break;
	KUNIT_EXPECT_EQ(test, i, n);

	/* Cut it in the middle: the second half goes. */
	for (i = 0, nd = root; i < n / 2 - 1; i++)
		nd = nd->next;
	tcmk_gc_write((void **)&nd->next, NULL);
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects + n / 2);
	KUNIT_EXPECT_FALSE(test, alive(last));
	kunit_info(test, "a million nodes: cycle %llu ms, mark %llu ms, sweep %llu ms\n",
		   st.last_cycle_ns / 1000000, st.last_mark_ns / 1000000,
		   st.last_sweep_ns / 1000000);

	tcmk_gc_root_del(&root);
	root = NULL;
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(first));
	tcmk_gc_weak_free(first);
	tcmk_gc_weak_free(last);
}

static void cycles_and_self_loops(struct kunit *test)
{
	struct tcmk_gc_weak **rr, *rs;
	struct node **ring, *self;
	static void *root;
	unsigned int i;

	ring = kunit_kcalloc(test, 100, sizeof(*ring), GFP_KERNEL);
	rr = kunit_kcalloc(test, 100, sizeof(*rr), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, ring && rr);

	for (i = 0; i < 100; i++) {
		ring[i] = gc_new(test, sizeof(struct node), &node_type, NULL);
		tcmk_gc_pin(ring[i]);	/* until the ring is closed */
		rr[i] = weak(test, ring[i]);
	}
	for (i = 0; i < 100; i++)
		tcmk_gc_write((void **)&ring[i]->next, ring[(i + 1) % 100]);
	self = gc_new(test, sizeof(*self), &node_type, NULL);
	tcmk_gc_write((void **)&self->next, self);
	rs = weak(test, self);

	/* Rooted at one node, the whole ring lives; the self loop does not. */
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	tcmk_gc_write(&root, ring[42]);
	for (i = 0; i < 100; i++)
		tcmk_gc_unpin(ring[i]);
	tcmk_gc_collect();
	for (i = 0; i < 100; i++)
		KUNIT_EXPECT_TRUE(test, alive(rr[i]));
	KUNIT_EXPECT_FALSE(test, alive(rs));

	/* A cycle refcounts cannot free: unrooted, it all goes. */
	tcmk_gc_write(&root, NULL);
	tcmk_gc_collect();
	for (i = 0; i < 100; i++) {
		KUNIT_EXPECT_FALSE(test, alive(rr[i]));
		tcmk_gc_weak_free(rr[i]);
	}
	tcmk_gc_weak_free(rs);
	tcmk_gc_root_del(&root);
}

static void diamonds_and_wide_fanout(struct kunit *test)
{
	const unsigned int kids = 10000;
	struct tcmk_gc_weak *rtop, *rd, *rkid[3];
	void **top, **left, **right, **bottom;
	static void *root;
	struct tcmk_gc_stats before, st;
	void **wide;
	unsigned int i;

	/* A diamond: top -> left, right -> bottom. */
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	top = gc_new(test, 32, NULL, &root);
	left = gc_new(test, 16, NULL, &top[0]);
	right = gc_new(test, 16, NULL, &top[1]);
	bottom = gc_new(test, 16, NULL, &left[0]);
	tcmk_gc_write(&right[0], bottom);
	rtop = weak(test, top);
	rd = weak(test, bottom);
	tcmk_gc_collect();
	KUNIT_EXPECT_TRUE(test, alive(rd));
	/* Either path keeps the bottom alive. */
	tcmk_gc_write(&left[0], NULL);
	tcmk_gc_collect();
	KUNIT_EXPECT_TRUE(test, alive(rd));
	tcmk_gc_write(&right[0], NULL);
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(rd));
	tcmk_gc_weak_free(rd);

	/* Ten thousand children of one conservatively scanned large object. */
	read_stats(&before);
	wide = gc_new(test, kids * sizeof(void *), NULL, &top[2]);
	for (i = 0; i < kids; i++)
		gc_new(test, 24, &leaf_type, &wide[i]);
	rkid[0] = weak(test, wide[0]);
	rkid[1] = weak(test, wide[kids / 2]);
	rkid[2] = weak(test, wide[kids - 1]);
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects + kids + 1);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_TRUE(test, alive(rkid[i]));

	tcmk_gc_root_del(&root);
	root = NULL;
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(rtop));
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_FALSE(test, alive(rkid[i]));
		tcmk_gc_weak_free(rkid[i]);
	}
	tcmk_gc_weak_free(rtop);
}

static void precise_ignores_other_words(struct kunit *test)
{
	struct node *holder, *cons;
	struct tcmk_gc_weak *rb, *rc;
	void *b, *c;

	/* payload holds a pointer the type says is not one. */
	holder = tcmk_gc_alloc(sizeof(*holder), &node_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, holder);
	b = gc_new(test, 64, NULL, NULL);
	holder->payload = (unsigned long)b;
	rb = weak(test, b);
	/* The same word in an object scanned conservatively keeps c alive. */
	cons = tcmk_gc_alloc(sizeof(*cons), NULL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cons);
	c = gc_new(test, 64, NULL, NULL);
	cons->payload = (unsigned long)c;
	rc = weak(test, c);

	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(rb));
	KUNIT_EXPECT_TRUE(test, alive(rc));
	tcmk_gc_unpin(holder);
	tcmk_gc_unpin(cons);
	tcmk_gc_weak_free(rb);
	tcmk_gc_weak_free(rc);
}

static void conservative_interior_and_junk(struct kunit *test)
{
	struct tcmk_gc_weak *rb, *rjunk;
	unsigned long *holder;
	void *b, *plain, *km, *freed;
	struct tcmk_gc_stats st;
	unsigned int i;

	holder = tcmk_gc_alloc(256, NULL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, holder);
	/* An interior pointer, 40 bytes into a 48-byte object. */
	b = gc_new(test, 48, NULL, NULL);
	holder[0] = (unsigned long)b + 40;
	rb = weak(test, b);

	/* Words that point nowhere useful, or somewhere not collected. */
	plain = tcmk_alloc(64, GFP_KERNEL);
	km = kmalloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, plain);
	KUNIT_ASSERT_NOT_NULL(test, km);
	freed = gc_new(test, 48, NULL, NULL);
	rjunk = weak(test, freed);
	tcmk_gc_collect();	/* freed is now a free slot */
	KUNIT_EXPECT_FALSE(test, alive(rjunk));
	holder[1] = 0x1234;
	holder[2] = ULONG_MAX;
	holder[3] = (unsigned long)plain;
	holder[4] = (unsigned long)km;
	holder[5] = (unsigned long)freed;
	holder[6] = (unsigned long)freed + 47;
	/* The tail past the last 48-byte object of a one-page span. */
	holder[7] = ((unsigned long)b & PAGE_MASK) + PAGE_SIZE - 8;
	holder[8] = (unsigned long)holder;	/* itself */
	holder[9] = (unsigned long)&st;		/* the stack */
	for (i = 10; i < 32; i++)
		holder[i] = (unsigned long)b + 48 * 4096 * i;	/* far away */

	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_TRUE(test, alive(rb));
	KUNIT_EXPECT_FALSE(test, alive(rjunk));
	/* Nothing came back to life: holder and b only. */
	KUNIT_EXPECT_EQ(test, st.marked_bytes_last, 256ULL + 48);
	tcmk_gc_unpin(holder);
	tcmk_gc_weak_free(rb);
	tcmk_gc_weak_free(rjunk);
	tcmk_free(plain);
	kfree(km);
}

static void every_size_class(struct kunit *test)
{
	static const size_t large[] = {
		TCMK_MAX_SMALL_SIZE + 1, 65536, 1 << 20, (2 << 20) + 1,
		TCMK_MAX_ALLOC_SIZE,
	};
	unsigned int n = TCMK_NR_CLASSES + ARRAY_SIZE(large), i, cls;
	long bad = atomic_long_read(&tcmk_bad_frees);
	struct tcmk_gc_weak **refs;
	static void *root;
	void **prev = &root, **mid = NULL;
	unsigned long spans, objs;

	refs = kunit_kcalloc(test, n, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	/* A chain through one object of each size, linked by its first word. */
	for (i = 0; i < n; i++) {
		size_t size = i < TCMK_NR_CLASSES ? tcmk_classes[i].size :
			      large[i - TCMK_NR_CLASSES];
		size_t usable = i < TCMK_NR_CLASSES ? size : PAGE_ALIGN(size);
		unsigned char *obj = tcmk_gc_alloc(size, NULL, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, obj);
		KUNIT_EXPECT_TRUE_MSG(test, !memchr_inv(obj, 0, size),
				      "%zu bytes not zeroed", size);
		KUNIT_EXPECT_EQ(test, tcmk_usable_size(obj), usable);
		memset(obj + 8, 0x5a, size - 8);
		tcmk_free(obj);
		tcmk_gc_write(prev, obj);
		tcmk_gc_unpin(obj);
		refs[i] = weak(test, obj);
		prev = (void **)obj;
		if (i == n / 2)
			mid = prev;
	}
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_bad_frees), bad + n);
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		tcmk_gc_class_counts(cls, &spans, &objs);
		KUNIT_EXPECT_EQ(test, spans, 1UL);
		KUNIT_EXPECT_EQ(test, objs, 1UL);
	}
	tcmk_gc_collect();
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE_MSG(test, alive(refs[i]), "object %u", i);

	/* Cut after the middle: the tail of the chain goes. */
	tcmk_gc_write(mid, NULL);
	tcmk_gc_collect();
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, alive(refs[i]), i <= n / 2, "object %u", i);

	/* And then the rest, with every span. */
	tcmk_gc_root_del(&root);
	root = NULL;
	tcmk_gc_collect();
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_FALSE(test, alive(refs[i]));
		tcmk_gc_weak_free(refs[i]);
	}
	for (cls = 0; cls <= TCMK_NR_CLASSES; cls++) {
		tcmk_gc_class_counts(cls, &spans, &objs);
		KUNIT_EXPECT_EQ(test, spans, 0UL);
	}
}

/* A complete tree of @fanout children per node, @depth levels below @slot. */
static unsigned long build_tree(struct kunit *test, void **slot,
				unsigned int fanout, unsigned int depth)
{
	void **node = gc_new(test, fanout * sizeof(void *), NULL, slot);
	unsigned long n = 1;
	unsigned int i;

	if (!depth)
		return n;
	tcmk_gc_pin(node);
	for (i = 0; i < fanout; i++)
		n += build_tree(test, &node[i], fanout, depth - 1);
	tcmk_gc_unpin(node);
	return n;
}

static void grey_stack_overflow_rescans(struct kunit *test)
{
	unsigned int saved = tcmk_gc_grey_limit;
	struct tcmk_gc_stats before, st;
	static void *root;
	unsigned long n;

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	n = build_tree(test, &root, 8, 4);	/* 4681 nodes */
	read_stats(&before);

	/* Room for 4 grey objects: almost every push overflows. */
	tcmk_gc_grey_limit = 4;
	tcmk_gc_collect();
	tcmk_gc_grey_limit = saved;
	read_stats(&st);
	KUNIT_EXPECT_GT(test, st.overflows_total, before.overflows_total);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects);
	KUNIT_EXPECT_EQ(test, st.marked_bytes_last, n * 64);
	kunit_info(test, "%lu nodes, %llu grey-stack overflows\n", n,
		   st.overflows_total - before.overflows_total);

	/* The same with the full stack: the same objects marked. */
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.marked_bytes_last, n * 64);
	tcmk_gc_root_del(&root);
	root = NULL;
}

struct collector_thread {
	struct completion done;
	bool stop;
	unsigned long cycles;
};

static int collect_loop(void *data)
{
	struct collector_thread *ct = data;

	/* At least one cycle: a thread started with @stop set runs one. */
	do {
		tcmk_gc_collect();
		ct->cycles++;
	} while (!READ_ONCE(ct->stop));
	complete(&ct->done);
	return 0;
}

/*
 * Allocation that fails while cycles run takes nothing, and the objects
 * that were made are all there: kept ones alive, dropped ones gone.
 */
static void alloc_failure_during_cycles(struct kunit *test)
{
	struct collector_thread ct = { .stop = false };
	struct tcmk_gc_weak *refs[16];
	static void *root;
	void **keep, *obj;
	struct task_struct *t;
	unsigned int i, failed = 0;

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	keep = gc_new(test, ARRAY_SIZE(refs) * sizeof(void *), NULL, &root);
	init_completion(&ct.done);
	t = kthread_run(collect_loop, &ct, "tcmk-gc-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));

	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		/* Above a chunk, every object takes pages of its own. */
		size_t size = (2 << 20) + 4096 * (i + 1);

		tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, TCMK_TEST_PAGE_FAILS);
		obj = tcmk_gc_alloc(size, NULL, GFP_KERNEL);
		if (!obj)
			failed++;
		obj = tcmk_gc_alloc(size, NULL, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		if (i % 2)
			tcmk_gc_write(&keep[i], obj);
		refs[i] = weak(test, obj);
		tcmk_gc_unpin(obj);
	}
	tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
	WRITE_ONCE(ct.stop, true);
	wait_for_completion(&ct.done);
	kunit_info(test, "%u allocations failed; %lu cycles ran meanwhile\n",
		   failed, ct.cycles);
	KUNIT_EXPECT_EQ(test, failed, (unsigned int)ARRAY_SIZE(refs));

	tcmk_gc_collect();
	for (i = 0; i < ARRAY_SIZE(refs); i++) {
		KUNIT_EXPECT_EQ_MSG(test, alive(refs[i]), (bool)(i % 2), "object %u", i);
		tcmk_gc_weak_free(refs[i]);
	}
	tcmk_gc_root_del(&root);
	root = NULL;
}

/*
 * Random graphs, built and dropped over and over: each time the heap comes
 * back to where it was, and what the roots reach is exactly what lives.
 */
static void many_cycles_leave_nothing(struct kunit *test)
{
	const unsigned int nobj = 300, rounds = 40;
	struct tcmk_gc_stats base, st;
	struct rnd_state rnd;
	struct tcmk_gc_weak **refs;
	void ***objs;
	bool *reach;
	unsigned int *stack;
	static void *roots[4];
	unsigned int r, i, j, (*edges)[2];

	refs = kunit_kcalloc(test, nobj, sizeof(*refs), GFP_KERNEL);
	objs = kunit_kcalloc(test, nobj, sizeof(*objs), GFP_KERNEL);
	reach = kunit_kcalloc(test, nobj, sizeof(*reach), GFP_KERNEL);
	stack = kunit_kcalloc(test, nobj, sizeof(*stack), GFP_KERNEL);
	edges = kunit_kcalloc(test, 4 * nobj, sizeof(*edges), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, refs && objs && reach && stack && edges);
	for (i = 0; i < ARRAY_SIZE(roots); i++)
		KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&roots[i]), 0);
	prandom_seed_state(&rnd, 42);
	read_stats(&base);

	for (r = 0; r < rounds; r++) {
		unsigned int top = 0, ne = 0;

		/* Objects of four pointer slots and random sizes; pinned while built. */
		for (i = 0; i < nobj; i++) {
			size_t size = 32 + prandom_u32_state(&rnd) % 2000;

			objs[i] = tcmk_gc_alloc(size, NULL, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, objs[i]);
			refs[i] = weak(test, objs[i]);
		}
		for (i = 0; i < nobj; i++)
			for (j = 0; j < 4; j++) {
				unsigned int to = prandom_u32_state(&rnd) % nobj;

				if (prandom_u32_state(&rnd) % 4)
					continue;
				tcmk_gc_write(&objs[i][j], objs[to]);
				edges[ne][0] = i;
				edges[ne][1] = to;
				ne++;
			}
		memset(reach, 0, nobj * sizeof(*reach));
		for (i = 0; i < ARRAY_SIZE(roots); i++) {
			unsigned int at = prandom_u32_state(&rnd) % nobj;

			tcmk_gc_write(&roots[i], objs[at]);
			if (!reach[at]) {
				reach[at] = true;
				stack[top++] = at;
			}
		}
		/* What the roots reach, computed apart from the collector. */
		while (top) {
			unsigned int from = stack[--top];

			for (i = 0; i < ne; i++)
				if (edges[i][0] == from && !reach[edges[i][1]]) {
					reach[edges[i][1]] = true;
					stack[top++] = edges[i][1];
				}
		}
		for (i = 0; i < nobj; i++)
			tcmk_gc_unpin(objs[i]);
		tcmk_gc_collect();
		for (i = 0; i < nobj; i++)
			KUNIT_EXPECT_EQ_MSG(test, alive(refs[i]), reach[i],
					    "round %u object %u", r, i);
		/* Nothing unreachable survives a second cycle either. */
		for (i = 0; i < ARRAY_SIZE(roots); i++)
			tcmk_gc_write(&roots[i], NULL);
		tcmk_gc_collect();
		for (i = 0; i < nobj; i++) {
			KUNIT_EXPECT_FALSE(test, alive(refs[i]));
			tcmk_gc_weak_free(refs[i]);
		}
		read_stats(&st);
		KUNIT_ASSERT_EQ(test, st.heap_objects, base.heap_objects);
		KUNIT_ASSERT_EQ(test, st.heap_bytes, base.heap_bytes);
	}
	for (i = 0; i < ARRAY_SIZE(roots); i++)
		tcmk_gc_root_del(&roots[i]);
}

/*
 * Mutators on every CPU grow, rewire and walk one shared graph while a
 * thread collects back to back. They walk it in read sections, holding
 * nothing pinned, while the others cut paths behind them. Every node
 * carries a pattern derived from its address; a node freed while a mutator
 * could still reach it would fail it (or be reported by KASAN as a use
 * after free).
 */
#define MUT_ROOTS	8
#define MUT_SLOTS	4

struct mnode {
	struct mnode *slot[MUT_SLOTS];
	unsigned long check[4];
};

static const u16 mnode_offsets[] = { 0, 8, 16, 24 };

static const struct tcmk_gc_type mnode_type = {
	.name = "mnode",
	.size = sizeof(struct mnode),
	.ptr_offsets = mnode_offsets,
	.nr_ptrs = ARRAY_SIZE(mnode_offsets),
};

static unsigned long mnode_check(const struct mnode *n, unsigned int i)
{
	return ((unsigned long)n >> 3) * 0x9e3779b97f4a7c15UL + i;
}

static struct mnode *mut_roots[MUT_ROOTS];

struct mutator {
	struct completion done;
	unsigned long deadline;
	unsigned long ops;
	unsigned long bad;
	unsigned long failed;
	u32 seed;
};

static void mut_check(struct mutator *m, const struct mnode *n)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		if (READ_ONCE(n->check[i]) != mnode_check(n, i))
			m->bad++;
}

/*
 * A node reachable from the roots, by a random walk that checks each; the
 * caller is in a read section, which keeps it valid.
 */
static struct mnode *mut_walk(struct mutator *m, struct rnd_state *rnd)
{
	struct mnode *n = READ_ONCE(mut_roots[prandom_u32_state(rnd) % MUT_ROOTS]);
	unsigned int steps = prandom_u32_state(rnd) % 16;

	while (n) {
		mut_check(m, n);
		if (!steps--)
			break;
		n = READ_ONCE(n->slot[prandom_u32_state(rnd) % MUT_SLOTS]) ?: n;
		if (!(prandom_u32_state(rnd) % 8))
			break;
	}
	return n;
}

static void **mut_slot(struct mnode *at, struct rnd_state *rnd)
{
	if (at && prandom_u32_state(rnd) % 4)
		return (void **)&at->slot[prandom_u32_state(rnd) % MUT_SLOTS];
	return (void **)&mut_roots[prandom_u32_state(rnd) % MUT_ROOTS];
}

static int mutate(void *data)
{
	struct mutator *m = data;
	struct rnd_state rnd;
	struct mnode *n, *at;
	unsigned int i;
	int rs;

	prandom_seed_state(&rnd, m->seed);
	while (time_before(jiffies, m->deadline)) {
		rs = tcmk_gc_read_lock();
		switch (prandom_u32_state(&rnd) % 5) {
		case 0:	/* a new node, published under a root or a node */
			n = tcmk_gc_alloc(sizeof(*n), &mnode_type, GFP_KERNEL);
			if (!n) {
				m->failed++;
				break;
			}
			for (i = 0; i < 4; i++)
				n->check[i] = mnode_check(n, i);
			at = mut_walk(m, &rnd);
			tcmk_gc_write(mut_slot(at, &rnd), n);
			tcmk_gc_unpin(n);
			break;
		case 1:	/* rewire an edge to another reachable node, or cut it */
			at = mut_walk(m, &rnd);
			n = prandom_u32_state(&rnd) % 3 ? mut_walk(m, &rnd) : NULL;
			tcmk_gc_write(mut_slot(at, &rnd), n);
			break;
		case 2:	/* pin a node in one read section, use it outside */
			at = mut_walk(m, &rnd);
			if (!at)
				break;
			tcmk_gc_pin(at);
			tcmk_gc_read_unlock(rs);
			cond_resched();
			mut_check(m, at);
			rs = tcmk_gc_read_lock();
			mut_walk(m, &rnd);
			tcmk_gc_unpin(at);
			mut_check(m, at);
			break;
		case 3:	/* a section that sleeps between two looks at a node */
			at = mut_walk(m, &rnd);
			if (!at)
				break;
			cond_resched();
			if (!(prandom_u32_state(&rnd) % 64))
				usleep_range(100, 200);
			mut_check(m, at);
			break;
		default:
			mut_walk(m, &rnd);
		}
		tcmk_gc_read_unlock(rs);
		m->ops++;
		cond_resched();
	}
	complete(&m->done);
	return 0;
}

static void mutators_and_collector(struct kunit *test)
{
	unsigned int nmut = 2 * num_online_cpus(), i;
	struct collector_thread ct = { .stop = false };
	unsigned long ops = 0, deadline;
	struct tcmk_gc_stats before, st;
	struct mutator *muts;
	struct task_struct *t;

	muts = kunit_kcalloc(test, nmut, sizeof(*muts), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, muts);
	read_stats(&before);
	for (i = 0; i < MUT_ROOTS; i++)
		KUNIT_ASSERT_EQ(test, tcmk_gc_root_add((void **)&mut_roots[i]), 0);
	deadline = jiffies + msecs_to_jiffies(3000);
	for (i = 0; i < nmut; i++) {
		init_completion(&muts[i].done);
		muts[i].deadline = deadline;
		muts[i].seed = 1000 + i;
	}
	init_completion(&ct.done);
	t = kthread_run(collect_loop, &ct, "tcmk-gc-test");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (i = 0; i < nmut; i++) {
		t = kthread_run(mutate, &muts[i], "tcmk-gc-mut/%u", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < nmut; i++) {
		wait_for_completion(&muts[i].done);
		ops += muts[i].ops;
		KUNIT_EXPECT_EQ(test, muts[i].bad, 0UL);
		KUNIT_EXPECT_EQ(test, muts[i].failed, 0UL);
	}
	WRITE_ONCE(ct.stop, true);
	wait_for_completion(&ct.done);
	read_stats(&st);
	kunit_info(test, "%u mutators, %lu operations, %lu cycles, %llu freed, pause max %llu us\n",
		   nmut, ops, ct.cycles,
		   st.freed_objects_total - before.freed_objects_total,
		   st.pause_max_ns / 1000);
	KUNIT_EXPECT_GT(test, ct.cycles, 1UL);
	KUNIT_EXPECT_GT(test, st.freed_objects_total, before.freed_objects_total);

	/* Mutation over: with the roots cut, two cycles leave nothing. */
	for (i = 0; i < MUT_ROOTS; i++) {
		tcmk_gc_write((void **)&mut_roots[i], NULL);
		tcmk_gc_root_del((void **)&mut_roots[i]);
	}
	tcmk_gc_collect();
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects);
	KUNIT_EXPECT_EQ(test, st.pinned, before.pinned);
}

/*
 * The barrier, seen directly: the collector stops right after scanning one
 * object (black), and a pointer moves to it from an object it has not
 * scanned yet. Through tcmk_gc_write() the moved object survives; with
 * plain stores, which is what the barrier is for, the cycle frees it.
 */
static struct {
	struct mnode *unscanned, *black, *moved;
	bool plain;
	bool moved_done;
} bar;

static void barrier_hook(const void *obj)
{
	if (obj != bar.black || bar.moved_done)
		return;
	bar.moved_done = true;
	if (bar.plain) {
		WRITE_ONCE(bar.black->slot[0], bar.moved);
		WRITE_ONCE(bar.unscanned->slot[0], NULL);
	} else {
		tcmk_gc_write((void **)&bar.black->slot[0], bar.moved);
		tcmk_gc_write((void **)&bar.unscanned->slot[0], NULL);
	}
}

/* One run; return whether the moved object lived. */
static bool move_during_marking(struct kunit *test, bool plain)
{
	static void *root;
	struct tcmk_gc_weak *ref;
	struct mnode *top;
	bool lived;

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	top = gc_new(test, sizeof(*top), &mnode_type, &root);
	/* Scanned in slot order and popped last first: black goes first. */
	bar.unscanned = gc_new(test, sizeof(*top), &mnode_type, (void **)&top->slot[0]);
	bar.black = gc_new(test, sizeof(*top), &mnode_type, (void **)&top->slot[1]);
	bar.moved = gc_new(test, sizeof(*top), &mnode_type,
			   (void **)&bar.unscanned->slot[0]);
	bar.plain = plain;
	bar.moved_done = false;
	ref = weak(test, bar.moved);

	WRITE_ONCE(tcmk_gc_scan_hook, barrier_hook);
	tcmk_gc_collect();
	WRITE_ONCE(tcmk_gc_scan_hook, NULL);
	KUNIT_EXPECT_TRUE(test, bar.moved_done);
	lived = alive(ref);
	/* Freed or not, nothing may point to it any more. */
	WRITE_ONCE(bar.black->slot[0], NULL);
	tcmk_gc_weak_free(ref);
	tcmk_gc_write(&root, NULL);
	tcmk_gc_root_del(&root);
	return lived;
}

static void barrier_keeps_a_moved_pointer(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, move_during_marking(test, false));
	KUNIT_EXPECT_FALSE(test, move_during_marking(test, true));
}

/*
 * A node loaded in a read section stays intact after its last path is cut
 * and a cycle runs: the cycle does not end before the section does, and
 * once it ends the node is gone.
 */
static void read_sections_hold_back_the_sweep(struct kunit *test)
{
	struct collector_thread hc = { .stop = true };
	static void *root;
	struct tcmk_gc_weak *ref;
	struct task_struct *t;
	struct node *n;
	int rs;

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	n = gc_new(test, sizeof(*n), &node_type, &root);
	n->payload = 0x5ec7104;
	ref = weak(test, n);

	rs = tcmk_gc_read_lock();
	n = READ_ONCE(root);
	tcmk_gc_write(&root, NULL);
	init_completion(&hc.done);
	t = kthread_run(collect_loop, &hc, "tcmk-gc-held");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	msleep(300);
	KUNIT_EXPECT_FALSE(test, completion_done(&hc.done));
	KUNIT_EXPECT_EQ(test, READ_ONCE(n->payload), 0x5ec7104UL);
	tcmk_gc_read_unlock(rs);

	wait_for_completion(&hc.done);
	KUNIT_EXPECT_FALSE(test, alive(ref));
	tcmk_gc_weak_free(ref);
	tcmk_gc_root_del(&root);
}

/*
 * Mark assists: with the collector held up in the middle of marking and the
 * heap past its goal, an allocation scans grey objects itself. The graph is
 * a 4-ary tree whose lower levels the collector has not reached; rewriting
 * its edges through the barrier puts them on the shared grey queue, where
 * the allocations find them.
 */
#define ASSIST_NODES	341	/* a 4-ary tree of five levels */

static DECLARE_COMPLETION(assist_go);
static atomic_t assist_stalls;

static void stall_hook(const void *obj)
{
	if (atomic_inc_return(&assist_stalls) == 1)
		wait_for_completion(&assist_go);
}

static void assists_scan_when_marking_falls_behind(struct kunit *test)
{
	struct tcmk_gc_weak **refs;
	struct tcmk_gc_stats before, st;
	struct mnode **nodes;
	struct collector_thread hc = { .stop = true };
	struct task_struct *t;
	static void *root;
	unsigned int i, wait;

	nodes = kunit_kcalloc(test, ASSIST_NODES, sizeof(*nodes), GFP_KERNEL);
	refs = kunit_kcalloc(test, ASSIST_NODES, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, nodes && refs);
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	nodes[0] = gc_new(test, sizeof(struct mnode), &mnode_type, &root);
	for (i = 1; i < ASSIST_NODES; i++)
		nodes[i] = gc_new(test, sizeof(struct mnode), &mnode_type,
				  (void **)&nodes[(i - 1) / 4]->slot[(i - 1) % 4]);
	for (i = 0; i < ASSIST_NODES; i++)
		refs[i] = weak(test, nodes[i]);
	read_stats(&before);

	reinit_completion(&assist_go);
	atomic_set(&assist_stalls, 0);
	WRITE_ONCE(tcmk_gc_scan_hook, stall_hook);
	init_completion(&hc.done);
	t = kthread_run(collect_loop, &hc, "tcmk-gc-assist");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	for (wait = 0; !atomic_read(&assist_stalls) && wait < 5000; wait++)
		usleep_range(1000, 2000);
	KUNIT_ASSERT_NE(test, atomic_read(&assist_stalls), 0);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.mark_workers, 1ULL);

	/* The root's children are grey on the collector's stack, the rest white. */
	for (i = 5; i < ASSIST_NODES; i++)
		tcmk_gc_write((void **)&nodes[(i - 1) / 4]->slot[(i - 1) % 4], nodes[i]);
	/*
	 * A goal far below the heap: every allocation now owes scan work,
	 * paid when its CPU's share of the heap is counted in, every 64 KiB.
	 */
	set_pacer(-1, 1);
	for (i = 0; i < 4; i++)
		gc_new(test, 64 << 10, NULL, NULL);
	read_stats(&st);
	kunit_info(test, "assists scanned %llu bytes\n",
		   st.assist_bytes_total - before.assist_bytes_total);
	KUNIT_EXPECT_GT(test, st.assist_bytes_total, before.assist_bytes_total);

	complete(&assist_go);
	wait_for_completion(&hc.done);
	WRITE_ONCE(tcmk_gc_scan_hook, NULL);
	set_pacer(-1, 0);
	tcmk_gc_collect();
	for (i = 0; i < ASSIST_NODES; i++) {
		KUNIT_EXPECT_TRUE(test, alive(refs[i]));
		tcmk_gc_weak_free(refs[i]);
	}
	tcmk_gc_write(&root, NULL);
	tcmk_gc_root_del(&root);
}

/* Garbage of 64-byte objects, @bytes of it; the highest heap_bytes seen. */
static u64 churn(struct kunit *test, unsigned long bytes)
{
	struct tcmk_gc_stats st;
	unsigned long i;
	u64 peak = 0;

	for (i = 0; i < bytes / 64; i++) {
		void *obj = tcmk_gc_alloc(64, NULL, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, obj);
		tcmk_gc_unpin(obj);
		if (!(i % 256)) {
			read_stats(&st);
			peak = max(peak, st.heap_bytes);
			cond_resched();
		}
	}
	return peak;
}

static void pacer_sets_the_goal_and_starts_cycles(struct kunit *test)
{
	const unsigned long mib = 1UL << 20;
	struct tcmk_gc_stats before, st;
	static void *root;
	u64 peak;

	/* 514 KiB live: 257 conservative objects of 2 KiB. */
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	build_tree(test, &root, 256, 1);	/* 257 objects of 2 KiB */
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.marked_bytes_last, 257ULL * 2048);
	KUNIT_EXPECT_EQ(test, st.heap_goal, (u64)ULONG_MAX);

	/* Below the floor, the floor; above it, marked * (1 + percent/100). */
	set_pacer(100, 0);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_goal, 4 * mib);
	set_pacer(2000, 0);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_goal, 257ULL * 2048 * 21);
	/* A limit below that lowers it, but not below marked + 1/16. */
	set_pacer(2000, 6 * mib);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_goal, 6 * mib);
	set_pacer(-1, 256 * 1024);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_goal, 257ULL * 2048 + 257 * 2048 / 16);

	/* Off: 12 MiB of garbage and no cycle. */
	set_pacer(-1, 0);
	read_stats(&before);
	peak = churn(test, 12 * mib);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.cycles, before.cycles);
	KUNIT_EXPECT_GE(test, peak, (u64)12 * mib);
	tcmk_gc_collect();

	/* On: 32 MiB of garbage, cycles in the background, the heap near its goal. */
	set_pacer(100, 0);
	read_stats(&before);
	peak = churn(test, 32 * mib);
	read_stats(&st);
	kunit_info(test, "32 MiB of garbage: %llu paced cycles, heap peak %llu KiB, goal %llu KiB\n",
		   st.cycles_paced - before.cycles_paced, peak >> 10,
		   st.heap_goal >> 10);
	KUNIT_EXPECT_GE(test, st.cycles_paced - before.cycles_paced, 3ULL);
	KUNIT_EXPECT_EQ(test, st.heap_goal, 4 * mib);
	/*
	 * The goal plus what was allocated while a cycle ran, which under
	 * emulation with KASAN may be a few MiB; without the pacer, 32 MiB.
	 */
	KUNIT_EXPECT_LT(test, peak, (u64)12 * mib);

	set_pacer(-1, 0);
	tcmk_gc_root_del(&root);
	root = NULL;
}

/*
 * Cycles that run in @ms of idleness, once whatever cycle was already asked
 * for has run: a second in which cycles ran back to back has no end, so it
 * is waited for only so long.
 */
static u64 idle_cycles(unsigned int ms)
{
	struct tcmk_gc_stats a, b;
	unsigned int i;

	for (i = 0; i < 20; i++) {
		read_stats(&a);
		msleep(100);
		read_stats(&b);
		if (a.cycles == b.cycles)
			break;
	}
	read_stats(&a);
	msleep(ms);
	read_stats(&b);
	return b.cycles - a.cycles;
}

/* Garbage until the pacer starts a cycle: true if one ran within 5 s. */
static bool allocation_paces_a_cycle(struct kunit *test)
{
	struct tcmk_gc_stats before, st;
	unsigned int i;

	read_stats(&before);
	churn(test, 256 * 1024);
	for (i = 0; i < 50; i++) {
		read_stats(&st);
		if (st.cycles_paced != before.cycles_paced)
			return true;
		msleep(100);
	}
	return false;
}

/*
 * A goal the live heap already reaches (percent 0 with at least the floor
 * live, or a limit at or below a live heap of under 16 bytes) must not make
 * the pacer collect back to back while nothing allocates: a cycle follows
 * allocation, as GOGC=0 does in Go.
 */
static void pacer_waits_for_allocation(struct kunit *test)
{
	struct tcmk_gc_stats st;
	static void *root;
	u64 idle;

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);

	/* percent 0, 4 MiB live: the goal is the floor, and the heap is there. */
	gc_new(test, TCMK_MAX_ALLOC_SIZE, &leaf_type, &root);
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_ASSERT_GE(test, st.marked_bytes_last, (u64)TCMK_MAX_ALLOC_SIZE);
	set_pacer(0, 0);
	idle = idle_cycles(1000);
	KUNIT_EXPECT_LE_MSG(test, idle, 1ULL,
			    "percent 0: %llu cycles in 1 s with nothing allocated", idle);
	KUNIT_EXPECT_TRUE_MSG(test, allocation_paces_a_cycle(test),
			      "percent 0: garbage started no cycle");
	idle = idle_cycles(1000);
	KUNIT_EXPECT_LE_MSG(test, idle, 1ULL,
			    "percent 0: %llu cycles in 1 s after the garbage went", idle);

	/* A limit of 1 byte, 8 bytes live: the goal is the live heap. */
	set_pacer(-1, 0);
	tcmk_gc_write(&root, NULL);
	gc_new(test, 8, &leaf_type, &root);
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_ASSERT_EQ(test, st.marked_bytes_last, 8ULL);
	set_pacer(-1, 1);
	idle = idle_cycles(1000);
	KUNIT_EXPECT_LE_MSG(test, idle, 1ULL,
			    "limit 1: %llu cycles in 1 s with nothing allocated", idle);
	KUNIT_EXPECT_TRUE_MSG(test, allocation_paces_a_cycle(test),
			      "limit 1: garbage started no cycle");
	idle = idle_cycles(1000);
	KUNIT_EXPECT_LE_MSG(test, idle, 1ULL,
			    "limit 1: %llu cycles in 1 s after the garbage went", idle);

	set_pacer(-1, 0);
	tcmk_gc_write(&root, NULL);
	tcmk_gc_root_del(&root);
}

static atomic_t notified, notified_bad;

static int count_cycle(struct notifier_block *nb, unsigned long event,
		       void *data)
{
	if (event != TCMK_GC_CYCLE_DONE || data)
		atomic_inc(&notified_bad);
	atomic_inc(&notified);
	might_sleep();
	return NOTIFY_DONE;
}

/* Explicit cycles and paced ones alike call the notifier chain, once each. */
static void notifier_follows_every_cycle(struct kunit *test)
{
	/* Not on the stack: an assertion that ends the case leaves it. */
	static struct notifier_block nb = { .notifier_call = count_cycle };
	struct tcmk_gc_stats before, st;

	atomic_set(&notified, 0);
	atomic_set(&notified_bad, 0);
	KUNIT_ASSERT_EQ(test, tcmk_gc_register_notifier(&nb), 0);
	read_stats(&before);
	tcmk_gc_collect();
	KUNIT_EXPECT_EQ(test, atomic_read(&notified), 1);

	/* A goal of 64 KiB: garbage starts paced cycles. */
	set_pacer(-1, 64 * 1024);
	KUNIT_EXPECT_TRUE(test, allocation_paces_a_cycle(test));
	set_pacer(-1, 0);
	idle_cycles(0);
	read_stats(&st);
	KUNIT_EXPECT_GT(test, st.cycles_paced, before.cycles_paced);
	KUNIT_EXPECT_EQ(test, (u64)atomic_read(&notified),
			st.cycles - before.cycles);

	KUNIT_EXPECT_EQ(test, tcmk_gc_unregister_notifier(&nb), 0);
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, (u64)atomic_read(&notified),
			st.cycles - before.cycles - 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&notified_bad), 0);
}

struct fobj {
	struct node *child;
	unsigned long magic;
};

static const u16 fobj_offsets[] = { offsetof(struct fobj, child) };
static atomic_t fin_calls, fin_bad;
static void *fin_stash;

#define FOBJ_MAGIC	0xf1a1f1a1UL

/* Checks that the object and what it points to are intact. */
static void fobj_finalize(void *obj)
{
	struct fobj *f = obj;

	atomic_inc(&fin_calls);
	if (f->magic != FOBJ_MAGIC || !f->child ||
	    f->child->payload != (unsigned long)f)
		atomic_inc(&fin_bad);
	might_sleep();
}

static const struct tcmk_gc_type fobj_type = {
	.name = "fobj",
	.size = sizeof(struct fobj),
	.ptr_offsets = fobj_offsets,
	.nr_ptrs = ARRAY_SIZE(fobj_offsets),
	.finalize = fobj_finalize,
};

/* A buggy finalizer: it publishes its object again. */
static void fobj_resurrect(void *obj)
{
	atomic_inc(&fin_calls);
	tcmk_gc_write(&fin_stash, obj);
}

static const struct tcmk_gc_type resurrect_type = {
	.name = "resurrect",
	.size = sizeof(struct fobj),
	.ptr_offsets = fobj_offsets,
	.nr_ptrs = ARRAY_SIZE(fobj_offsets),
	.finalize = fobj_resurrect,
};

static void finalizers_run_once(struct kunit *test)
{
	const unsigned int n = 50;
	struct tcmk_gc_weak **rf, **rc;
	struct tcmk_gc_stats before, st;
	unsigned int i;

	rf = kunit_kcalloc(test, n, sizeof(*rf), GFP_KERNEL);
	rc = kunit_kcalloc(test, n, sizeof(*rc), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, rf && rc);
	atomic_set(&fin_calls, 0);
	atomic_set(&fin_bad, 0);
	read_stats(&before);
	for (i = 0; i < n; i++) {
		struct fobj *f = tcmk_gc_alloc(sizeof(*f), &fobj_type, GFP_KERNEL);
		struct node *c;

		KUNIT_ASSERT_NOT_NULL(test, f);
		f->magic = FOBJ_MAGIC;
		c = gc_new(test, sizeof(*c), &node_type, (void **)&f->child);
		c->payload = (unsigned long)f;
		rf[i] = weak(test, f);
		rc[i] = weak(test, c);
		tcmk_gc_unpin(f);
	}

	/* Unreachable: kept with their children for the finalizers. */
	tcmk_gc_collect();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects + 2 * n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, alive(rf[i]));
	tcmk_gc_flush_finalizers();
	KUNIT_EXPECT_EQ(test, atomic_read(&fin_calls), (int)n);
	KUNIT_EXPECT_EQ(test, atomic_read(&fin_bad), 0);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.finalizers_run_total, before.finalizers_run_total + n);
	KUNIT_EXPECT_EQ(test, st.pinned, before.pinned);

	/* Finalized: the next cycle frees them, and nothing runs twice. */
	tcmk_gc_collect();
	tcmk_gc_collect();
	tcmk_gc_flush_finalizers();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects);
	KUNIT_EXPECT_EQ(test, atomic_read(&fin_calls), (int)n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_FALSE(test, alive(rc[i]));
		tcmk_gc_weak_free(rf[i]);
		tcmk_gc_weak_free(rc[i]);
	}
}

static void finalizer_resurrection_is_reported(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_gc_bad_calls);
	struct tcmk_gc_weak *ref;
	struct fobj *f;

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&fin_stash), 0);
	atomic_set(&fin_calls, 0);
	f = tcmk_gc_alloc(sizeof(*f), &resurrect_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	tcmk_gc_unpin(f);
	tcmk_gc_collect();
	tcmk_gc_flush_finalizers();
	KUNIT_EXPECT_EQ(test, atomic_read(&fin_calls), 1);
	KUNIT_EXPECT_PTR_EQ(test, fin_stash, (void *)f);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad);

	/* The next cycle finds it reachable again, and says so, once. */
	tcmk_gc_collect();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 1);
	tcmk_gc_collect();
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 1);
	ref = weak(test, f);

	/* Dropped again, it is freed without a second finalizer call. */
	tcmk_gc_write(&fin_stash, NULL);
	tcmk_gc_collect();
	tcmk_gc_flush_finalizers();
	KUNIT_EXPECT_FALSE(test, alive(ref));
	KUNIT_EXPECT_EQ(test, atomic_read(&fin_calls), 1);
	tcmk_gc_weak_free(ref);
	tcmk_gc_root_del(&fin_stash);
}

struct pobj {
	struct pobj *other;
};

static const u16 pobj_offsets[] = { offsetof(struct pobj, other) };
static atomic_t pair_calls;
static void *pair_seen[2];
static void *pair_hold;
static DECLARE_COMPLETION(pair_go);

/* Notes which objects it ran for; the one in pair_hold waits for pair_go. */
static void pobj_finalize(void *obj)
{
	unsigned int n;

	if (obj == READ_ONCE(pair_hold))
		wait_for_completion(&pair_go);
	n = atomic_inc_return(&pair_calls);

	if (n <= ARRAY_SIZE(pair_seen))
		pair_seen[n - 1] = obj;
}

static const struct tcmk_gc_type pobj_type = {
	.name = "pobj",
	.size = sizeof(struct pobj),
	.ptr_offsets = pobj_offsets,
	.nr_ptrs = ARRAY_SIZE(pobj_offsets),
	.finalize = pobj_finalize,
};

/*
 * Two finalizable objects that point at each other, @a in a smaller size
 * class than @b, so that the collector comes to @a first. The first cycle
 * queues @a and keeps @b for @a's finalizer; the second finds @a finalized,
 * queues @b and keeps @a for @b's finalizer. Keeping @a is not @a coming
 * back: nothing is reported, both finalizers run once, the third cycle
 * frees both.
 */
static void finalizable_cycle_is_no_resurrection(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_gc_bad_calls);
	struct tcmk_gc_stats before, st;
	struct tcmk_gc_weak *ra, *rb;
	struct pobj *a, *b;
	unsigned int i;

	KUNIT_ASSERT_LT(test, tcmk_size_class(16), tcmk_size_class(256));
	atomic_set(&pair_calls, 0);
	memset(pair_seen, 0, sizeof(pair_seen));
	read_stats(&before);
	a = tcmk_gc_alloc(16, &pobj_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	b = tcmk_gc_alloc(256, &pobj_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	tcmk_gc_write((void **)&a->other, b);
	tcmk_gc_write((void **)&b->other, a);
	ra = weak(test, a);
	rb = weak(test, b);
	tcmk_gc_unpin(a);
	tcmk_gc_unpin(b);

	for (i = 0; i < 3; i++) {
		tcmk_gc_collect();
		tcmk_gc_flush_finalizers();
	}
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad);
	KUNIT_EXPECT_EQ(test, atomic_read(&pair_calls), 2);
	KUNIT_EXPECT_TRUE(test, (pair_seen[0] == a && pair_seen[1] == b) ||
				(pair_seen[0] == b && pair_seen[1] == a));
	KUNIT_EXPECT_FALSE(test, alive(ra));
	KUNIT_EXPECT_FALSE(test, alive(rb));
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects);
	KUNIT_EXPECT_EQ(test, st.freed_objects_total,
			before.freed_objects_total + 2);
	tcmk_gc_weak_free(ra);
	tcmk_gc_weak_free(rb);
}

/*
 * As above, but the third cycle begins while @b's finalizer has not run:
 * @b is pinned for it, and @a, finalized, is marked through @b. That is
 * still no resurrection. Once @b's finalizer has run, a cycle frees both.
 */
static void finalizable_cycle_with_a_finalizer_pending(struct kunit *test)
{
	long bad = atomic_long_read(&tcmk_gc_bad_calls);
	struct tcmk_gc_stats before, st;
	struct tcmk_gc_weak *ra, *rb;
	struct pobj *a, *b;

	atomic_set(&pair_calls, 0);
	reinit_completion(&pair_go);
	read_stats(&before);
	a = tcmk_gc_alloc(16, &pobj_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	b = tcmk_gc_alloc(256, &pobj_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b);
	tcmk_gc_write((void **)&a->other, b);
	tcmk_gc_write((void **)&b->other, a);
	ra = weak(test, a);
	rb = weak(test, b);
	tcmk_gc_unpin(a);
	tcmk_gc_unpin(b);

	/* No assertion from here until pair_go: @b's finalizer would wait on. */
	WRITE_ONCE(pair_hold, b);
	tcmk_gc_collect();
	tcmk_gc_flush_finalizers();
	KUNIT_EXPECT_EQ(test, atomic_read(&pair_calls), 1);
	tcmk_gc_collect();
	tcmk_gc_collect();
	KUNIT_EXPECT_EQ(test, atomic_read(&pair_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad);
	complete(&pair_go);
	tcmk_gc_flush_finalizers();
	WRITE_ONCE(pair_hold, NULL);

	tcmk_gc_collect();
	tcmk_gc_flush_finalizers();
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad);
	KUNIT_EXPECT_EQ(test, atomic_read(&pair_calls), 2);
	KUNIT_EXPECT_FALSE(test, alive(ra));
	KUNIT_EXPECT_FALSE(test, alive(rb));
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects);
	KUNIT_EXPECT_EQ(test, st.freed_objects_total,
			before.freed_objects_total + 2);
	tcmk_gc_weak_free(ra);
	tcmk_gc_weak_free(rb);
}

struct stash_ctx {
	size_t size;
	struct tcmk_gc_weak *ref;
	bool failed;
};

/* On the CPU under test: one garbage object, its CPU's stash left holding more. */
static void alloc_one_garbage(void *arg)
{
	struct stash_ctx *sc = arg;
	void *obj = tcmk_gc_alloc(sc->size, NULL, GFP_KERNEL);

	if (!obj) {
		sc->failed = true;
		return;
	}
	sc->ref = tcmk_gc_weak_new(obj, GFP_KERNEL);
	sc->failed = !sc->ref;
	tcmk_gc_unpin(obj);
}

/*
 * A CPU's stash holds objects of a span that are not allocated: they keep
 * the span. Every cycle takes the online CPUs' stashes back before it
 * sweeps, and an offline CPU's came back when it died, so the span goes.
 */
static void stashes_go_back(struct kunit *test)
{
	struct stash_ctx sc = { .size = 200 };
	unsigned int cls = tcmk_size_class(sc.size);
	unsigned long spans, objs;
	int err;

	if (num_online_cpus() < 2 || !cpu_online(1))
		kunit_skip(test, "needs CPU 1 online");
	tcmk_gc_class_counts(cls, &spans, &objs);
	KUNIT_ASSERT_EQ(test, spans, 0UL);

	/* Online: the collection takes the stash back. */
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(1, alloc_one_garbage, &sc), 0);
	KUNIT_ASSERT_FALSE(test, sc.failed);
	tcmk_gc_class_counts(cls, &spans, &objs);
	KUNIT_EXPECT_EQ(test, spans, 1UL);
	KUNIT_EXPECT_EQ(test, objs, 1UL);
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(sc.ref));
	tcmk_gc_weak_free(sc.ref);
	tcmk_gc_class_counts(cls, &spans, &objs);
	KUNIT_EXPECT_EQ(test, spans, 0UL);

	/* Offline: the CPU gave its stash back as it died. */
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(1, alloc_one_garbage, &sc), 0);
	KUNIT_ASSERT_FALSE(test, sc.failed);
	err = tcmk_test_cpu_down(1);
	if (err) {
		tcmk_gc_weak_free(sc.ref);
		kunit_skip(test, "CPU 1 cannot go offline: %d", err);
	}
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(sc.ref));
	tcmk_gc_weak_free(sc.ref);
	tcmk_gc_class_counts(cls, &spans, &objs);
	KUNIT_EXPECT_EQ(test, spans, 0UL);
	KUNIT_EXPECT_EQ(test, tcmk_test_cpu_up(1), 0);
}

/*
 * Clearing weak references lets go of gc_weak_lock every
 * TCMK_GC_SECTION_BATCH references, and still clears exactly those whose
 * object died. Held across all of them, the lock would be held for
 * WEAK_MANY references in one section: counting them, rather than timing
 * them, makes the bound one the emulated, shared machine cannot break.
 */
#define WEAK_MANY	8192

static void weak_refs_are_cleared_a_batch_at_a_time(struct kunit *test)
{
	struct tcmk_gc_weak **refs;
	unsigned int i, walked, wrong = 0;
	struct tcmk_gc_stats st;
	static void *root;
	void *live, *dead;

	refs = kunit_kcalloc(test, WEAK_MANY, sizeof(*refs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, refs);
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	live = gc_new(test, 64, NULL, &root);
	dead = tcmk_gc_alloc(64, NULL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dead);
	/* Interleaved: every batch has references to clear and to keep. */
	for (i = 0; i < WEAK_MANY; i++)
		refs[i] = weak(test, i % 2 ? dead : live);
	tcmk_gc_unpin(dead);

	tcmk_gc_collect();
	walked = READ_ONCE(tcmk_gc_section_walked);
	read_stats(&st);
	for (i = 0; i < WEAK_MANY; i++)
		if (alive(refs[i]) != !(i % 2))
			wrong++;
	KUNIT_EXPECT_EQ(test, wrong, 0U);
	KUNIT_EXPECT_LE(test, walked, TCMK_GC_SECTION_BATCH);
	kunit_info(test, "%u weak references: longest section %llu us, %u entries\n",
		   WEAK_MANY, st.last_section_max_ns / 1000, walked);

	for (i = 0; i < WEAK_MANY; i++)
		tcmk_gc_weak_free(refs[i]);
	tcmk_gc_root_del(&root);
	root = NULL;
}

/*
 * Walking a class's spans lets go of its lock every TCMK_GC_SECTION_BATCH
 * spans. A chain of SPAN_MANY objects of 256 bytes, 16 to a span, fills
 * 1024 spans; cut in the middle, a cycle frees exactly its second half,
 * and the next, with the root gone, the rest, spans and all.
 */
#define SPAN_MANY	16384

static void spans_are_walked_a_batch_at_a_time(struct kunit *test)
{
	unsigned int cls = tcmk_size_class(256), walked;
	struct tcmk_gc_weak *first, *last;
	struct tcmk_gc_stats before, st;
	struct node *nd = NULL, *half = NULL;
	unsigned long i, spans, objs;
	static void *root;
	void **slot = &root;

	read_stats(&before);
	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	for (i = 0; i < SPAN_MANY; i++) {
		nd = gc_new(test, 256, &node_type, slot);
		nd->payload = i;
		if (i == SPAN_MANY / 2 - 1)
			half = nd;
		slot = (void **)&nd->next;
	}
	first = weak(test, root);
	last = weak(test, nd);
	tcmk_gc_class_counts(cls, &spans, &objs);
	KUNIT_ASSERT_GE(test, spans, SPAN_MANY / tcmk_classes[cls].objects);

	tcmk_gc_write((void **)&half->next, NULL);
	tcmk_gc_collect();
	walked = READ_ONCE(tcmk_gc_section_walked);
	read_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, before.heap_objects + SPAN_MANY / 2);
	KUNIT_EXPECT_TRUE(test, alive(first));
	KUNIT_EXPECT_FALSE(test, alive(last));
	KUNIT_EXPECT_LE(test, walked, TCMK_GC_SECTION_BATCH);
	kunit_info(test, "%lu spans: longest section %llu us, %u entries\n",
		   spans, st.last_section_max_ns / 1000, walked);

	tcmk_gc_root_del(&root);
	root = NULL;
	tcmk_gc_collect();
	KUNIT_EXPECT_FALSE(test, alive(first));
	tcmk_gc_class_counts(cls, &spans, &objs);
	KUNIT_EXPECT_EQ(test, spans, 0UL);
	tcmk_gc_weak_free(first);
	tcmk_gc_weak_free(last);
}

/*
 * Weak references are read, made and freed while cycles clear them a batch
 * at a time, and while the class walks pick spans of the class a thread
 * allocates from. Whatever tcmk_gc_weak_get() hands out stays until it is
 * unpinned: each object carries a pattern, which a sweep would zero (and
 * KASAN report as a use after free). A reference to a reachable object is
 * never cleared.
 */
#define CHURN_REFS	1024

struct weak_churn {
	struct completion done;
	unsigned long deadline;
	struct node *anchor;
	unsigned long rounds;
	unsigned long gets;
	unsigned long bad;
	unsigned long lost;
	unsigned long failed;
};

static unsigned long churn_check(const struct node *nd)
{
	return ((unsigned long)nd >> 4) * 0x9e3779b97f4a7c15UL;
}

/* Read @ref; an object it gives must keep its pattern while pinned. */
static void churn_get(struct weak_churn *wc, struct tcmk_gc_weak *ref,
		      bool reachable)
{
	struct node *nd = tcmk_gc_weak_get(ref);

	wc->gets++;
	if (!nd) {
		wc->lost += reachable;
		return;
	}
	if (READ_ONCE(nd->payload) != churn_check(nd))
		wc->bad++;
	/* Long enough for a sweep to come by. */
	cond_resched();
	if (READ_ONCE(nd->payload) != churn_check(nd))
		wc->bad++;
	tcmk_gc_unpin(nd);
}

static int weak_churn(void *data)
{
	struct weak_churn *wc = data;
	struct tcmk_gc_weak **refs;
	unsigned long *reachable;
	unsigned int i, r;
	struct node *nd;

	refs = kvcalloc(CHURN_REFS, sizeof(*refs), GFP_KERNEL);
	reachable = bitmap_zalloc(CHURN_REFS, GFP_KERNEL);
	if (!refs || !reachable) {
		wc->failed++;
		goto out;
	}
	while (time_before(jiffies, wc->deadline)) {
		/* Garbage, each object named by a reference. */
		for (i = 0; i < CHURN_REFS; i++) {
			nd = tcmk_gc_alloc(256, &node_type, GFP_KERNEL);
			if (!nd) {
				wc->failed++;
				continue;
			}
			nd->payload = churn_check(nd);
			refs[i] = tcmk_gc_weak_new(nd, GFP_KERNEL);
			wc->failed += !refs[i];
			tcmk_gc_unpin(nd);
		}
		bitmap_zero(reachable, CHURN_REFS);
		for (r = 0; r < 4; r++) {
			for (i = 0; i < CHURN_REFS; i++) {
				if (!refs[i])
					continue;
				churn_get(wc, refs[i], test_bit(i, reachable));
				if (i % 7)
					continue;
				/* One goes, another comes, to what lives. */
				tcmk_gc_weak_free(refs[i]);
				refs[i] = tcmk_gc_weak_new(wc->anchor, GFP_KERNEL);
				wc->failed += !refs[i];
				__set_bit(i, reachable);
			}
			cond_resched();
		}
		for (i = 0; i < CHURN_REFS; i++) {
			tcmk_gc_weak_free(refs[i]);
			refs[i] = NULL;
		}
		wc->rounds++;
	}
out:
	bitmap_free(reachable);
	kvfree(refs);
	complete(&wc->done);
	return 0;
}

static void weak_refs_change_while_they_are_cleared(struct kunit *test)
{
	struct weak_churn wc = { };
	unsigned long cycles = 0;
	struct task_struct *t;
	static void *root;

	KUNIT_ASSERT_EQ(test, tcmk_gc_root_add(&root), 0);
	wc.anchor = gc_new(test, sizeof(*wc.anchor), &node_type, &root);
	wc.anchor->payload = churn_check(wc.anchor);
	wc.deadline = jiffies + msecs_to_jiffies(2000);
	init_completion(&wc.done);
	t = kthread_run(weak_churn, &wc, "tcmk-gc-weak");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	while (!completion_done(&wc.done)) {
		tcmk_gc_collect();
		cycles++;
	}
	wait_for_completion(&wc.done);
	kunit_info(test, "%lu rounds, %lu reads, %lu cycles\n", wc.rounds,
		   wc.gets, cycles);
	KUNIT_EXPECT_EQ(test, wc.bad, 0UL);
	KUNIT_EXPECT_EQ(test, wc.lost, 0UL);
	KUNIT_EXPECT_EQ(test, wc.failed, 0UL);
	KUNIT_EXPECT_GT(test, wc.rounds, 0UL);
	KUNIT_EXPECT_GT(test, cycles, 1UL);

	tcmk_gc_root_del(&root);
	root = NULL;
}

static void bad_types_are_refused(struct kunit *test)
{
	static const u16 odd[] = { 4 };
	static const u16 outside[] = { 16 };
	static const struct tcmk_gc_type t_odd = {
		.name = "odd", .size = 16, .ptr_offsets = odd, .nr_ptrs = 1,
	};
	static const struct tcmk_gc_type t_outside = {
		.name = "outside", .size = 16, .ptr_offsets = outside, .nr_ptrs = 1,
	};
	long bad = atomic_long_read(&tcmk_gc_bad_calls);

	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc(16, &t_odd, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc(16, &t_outside, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc(8, &node_type, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 3);
	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc(0, NULL, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc(TCMK_MAX_ALLOC_SIZE + 1, NULL,
					      GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, tcmk_gc_weak_new(&bad, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 4);
}

/*
 * The order in which marking comes on, and goes off, tested by holding its
 * windows open: a collector thread on one CPU stops at a test point of the
 * cycle (with whatever it holds), and a mutator thread on another does
 * what a mutator may do there.
 */
static struct {
	struct mnode *x, *y, *z;
	struct tcmk_gc_weak *zref;
	const void *zobj;
	atomic_t stage;
	bool window, z_marked;
	struct task_struct *mutator;
	struct completion collected, mutated;
} ord;

enum {
	ORD_IDLE, ORD_PRIMED, ORD_OPEN, ORD_DONE, ORD_READ, ORD_CLEARED,
	ORD_ROOTS, ORD_BORN,
};

/*
 * Wait, in any context, until @stage reaches @want or @ms pass: letting
 * others run where it may, for the cycle may need this CPU's work items.
 */
static bool ord_wait(int want, unsigned int ms)
{
	unsigned long us;

	for (us = 0; us < ms * 1000UL; us += 10) {
		if (atomic_read(&ord.stage) >= want)
			return true;
		if (preemptible())
			cond_resched();
		udelay(10);
	}
	return false;
}

/*
 * The collector, at the test point of the window, the first time it passes
 * there: once the mutator has its stash, let it in, and hold the cycle
 * until the mutator reaches @until (or 2 s have passed).
 */
static void ord_open_window(int until)
{
	if (ord.window)
		return;
	ord.window = true;
	ord_wait(ORD_PRIMED, 5000);
	atomic_set(&ord.stage, ORD_OPEN);
	ord_wait(until, 2000);
}

/*
 * The mutator, before the window: a stash on this CPU first, so that the
 * window needs no refill; then wait for the window to open.
 *
 * Return: true once it is open, false after 5 s.
 */
static bool ord_prime(void)
{
	struct mnode *prime;

	prime = tcmk_gc_alloc(sizeof(*prime), &mnode_type, GFP_KERNEL);
	if (prime)
		tcmk_gc_unpin(prime);
	/* Primed: the window opens only now (see ord_wait(ORD_PRIMED)). */
	atomic_set(&ord.stage, ORD_PRIMED);
	return ord_wait(ORD_OPEN, 5000);
}

/* A birth in the open window, by the mutator: the one the window is for. */
static bool ord_window_birth(void)
{
	return current == ord.mutator && atomic_read(&ord.stage) == ORD_OPEN;
}

/*
 * Start: at the moment every CPU sees the barrier on and births are still
 * white, the mutator allocates Y, stores X into it and unpins X.
 */
static void ord_start_hook(enum tcmk_gc_test_point point, const void *obj)
{
	if (point == TCMK_GC_TEST_BARRIER_ON)
		ord_open_window(ORD_DONE);
}

static int ord_start_mutator(void *unused)
{
	if (ord_prime()) {
		ord.y = tcmk_gc_alloc(sizeof(*ord.y), &mnode_type, GFP_ATOMIC);
		if (ord.y)
			tcmk_gc_write((void **)&ord.y->slot[0], ord.x);
	}
	tcmk_gc_unpin(ord.x);
	atomic_set(&ord.stage, ORD_DONE);
	complete(&ord.mutated);
	return 0;
}

static int ord_collector(void *unused)
{
	tcmk_gc_collect();
	tcmk_gc_collect();
	complete(&ord.collected);
	return 0;
}

/* Run @mutator on one CPU and two cycles on another; wait for both. */
static void ord_run(struct kunit *test, int (*mutator)(void *))
{
	struct task_struct *c, *m;
	unsigned int cpu0, cpu1;

	cpu0 = cpumask_first(cpu_online_mask);
	cpu1 = cpumask_next(cpu0, cpu_online_mask);
	if (cpu1 >= nr_cpu_ids)
		kunit_skip(test, "needs two online CPUs");
	m = kthread_create(mutator, NULL, "tcmk_ord_mut");
	KUNIT_ASSERT_FALSE(test, IS_ERR(m));
	c = kthread_create(ord_collector, NULL, "tcmk_ord_gc");
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	get_task_struct(m);
	get_task_struct(c);
	kthread_bind(m, cpu1);
	kthread_bind(c, cpu0);
	ord.mutator = m;
	init_completion(&ord.collected);
	init_completion(&ord.mutated);
	wake_up_process(m);
	wake_up_process(c);
	/* Not kthread_stop() at once: a thread stopped before it runs never does. */
	wait_for_completion(&ord.collected);
	wait_for_completion(&ord.mutated);
	kthread_stop(c);
	kthread_stop(m);
	put_task_struct(c);
	put_task_struct(m);
}

/*
 * No object is born black before every CPU sees the barrier on. Otherwise
 * Y, allocated in the window, would be black and never scanned, and X,
 * reachable only through Y, would be swept.
 */
static void births_turn_black_after_the_barrier(struct kunit *test)
{
	struct tcmk_gc_weak *ref;

	memset(&ord, 0, sizeof(ord));
	ord.x = tcmk_gc_alloc(sizeof(*ord.x), &mnode_type, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ord.x);
	ref = weak(test, ord.x);
	WRITE_ONCE(tcmk_gc_test_hook, ord_start_hook);
	ord_run(test, ord_start_mutator);
	WRITE_ONCE(tcmk_gc_test_hook, NULL);
	KUNIT_EXPECT_TRUE(test, ord.window);
	KUNIT_EXPECT_EQ(test, atomic_read(&ord.stage), ORD_DONE);
	KUNIT_EXPECT_NOT_NULL(test, ord.y);
	if (ord.y) {
		KUNIT_EXPECT_TRUE(test, alive(ref));
		KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(ord.y->slot[0]), ord.x);
		tcmk_gc_unpin(ord.y);
	}
	tcmk_gc_weak_free(ref);
}

/*
 * End: an allocation reads gc_marking on just before the first cycle turns
 * it off, and is held between that read and its mark until the second
 * cycle has cleared the mark bits (or 1 s has passed). Its late mark must
 * not survive into the second cycle: a black object there is never
 * scanned.
 */
static void ord_end_hook(enum tcmk_gc_test_point point, const void *obj)
{
	switch (point) {
	case TCMK_GC_TEST_SWEPT:
		ord_open_window(ORD_READ);
		return;
	case TCMK_GC_TEST_BIRTH:
		if (!ord_window_birth())
			return;
		atomic_set(&ord.stage, ORD_READ);
		ord_wait(ORD_CLEARED, 1000);
		return;
	case TCMK_GC_TEST_MARKS_CLEARED:
		if (atomic_read(&ord.stage) < ORD_READ)
			return;
		if (atomic_read(&ord.stage) == ORD_READ)
			atomic_set(&ord.stage, ORD_CLEARED);
		if (ord_wait(ORD_BORN, 2000))
			ord.z_marked = tcmk_gc_marked(ord.z);
		return;
	default:
		return;
	}
}

static int ord_end_mutator(void *unused)
{
	struct mnode *z;

	if (ord_prime()) {
		z = tcmk_gc_alloc(sizeof(*z), &mnode_type, GFP_ATOMIC);
		WRITE_ONCE(ord.z, z);
	}
	/* Born: mark bit set, if it was going to be. */
	atomic_set(&ord.stage, ORD_BORN);
	complete(&ord.mutated);
	return 0;
}

static void late_black_births_do_not_outlive_the_cycle(struct kunit *test)
{
	memset(&ord, 0, sizeof(ord));
	WRITE_ONCE(tcmk_gc_test_hook, ord_end_hook);
	ord_run(test, ord_end_mutator);
	WRITE_ONCE(tcmk_gc_test_hook, NULL);
	KUNIT_EXPECT_TRUE(test, ord.window);
	KUNIT_EXPECT_NOT_NULL(test, ord.z);
	KUNIT_EXPECT_FALSE(test, ord.z_marked);
	if (ord.z)
		tcmk_gc_unpin(ord.z);
}

/*
 * A birth that read gc_marking off just before it came on is white, and
 * pinned: the roots (step 3) must find it. Its allocator is held between
 * that read and the allocated bit until the collector has marked the
 * roots (or 1 s has passed): the roots must not be marked before every
 * such birth is done, or the walk over the pinned objects misses it, and
 * the object is swept while its allocator still holds it.
 */
static void ord_birth_hook(enum tcmk_gc_test_point point, const void *obj)
{
	switch (point) {
	case TCMK_GC_TEST_BARRIER_ON:
		/*
		 * The mutator's stash first: the window is for one birth.
		 * Held until the birth has read gc_marking, still off.
		 */
		ord_open_window(ORD_READ);
		return;
	case TCMK_GC_TEST_BIRTH:
		if (!ord_window_birth())
			return;
		ord.zobj = obj;
		atomic_set(&ord.stage, ORD_READ);
		ord_wait(ORD_ROOTS, 1000);
		return;
	case TCMK_GC_TEST_ROOTS_MARKED:
		if (atomic_read(&ord.stage) == ORD_READ)
			atomic_set(&ord.stage, ORD_ROOTS);
		return;
	default:
		return;
	}
}

static int ord_birth_mutator(void *unused)
{
	struct mnode *z = NULL;

	if (ord_prime()) {
		/* Born pinned, and kept so. */
		z = tcmk_gc_alloc(sizeof(*z), &mnode_type, GFP_ATOMIC);
		if (z)
			ord.zref = tcmk_gc_weak_new(z, GFP_ATOMIC);
		WRITE_ONCE(ord.z, z);
	}
	atomic_set(&ord.stage, ORD_BORN);
	complete(&ord.mutated);
	return 0;
}

static void white_births_are_done_before_the_roots(struct kunit *test)
{
	void *got;

	memset(&ord, 0, sizeof(ord));
	WRITE_ONCE(tcmk_gc_test_hook, ord_birth_hook);
	ord_run(test, ord_birth_mutator);
	WRITE_ONCE(tcmk_gc_test_hook, NULL);
	KUNIT_EXPECT_TRUE(test, ord.window);
	KUNIT_ASSERT_NOT_NULL(test, ord.z);
	KUNIT_ASSERT_NOT_NULL(test, ord.zref);
	/* The birth held in the window was this one. */
	KUNIT_EXPECT_PTR_EQ(test, ord.zobj, (const void *)ord.z);
	/* Pinned all along: two cycles later it is still there. */
	got = tcmk_gc_weak_get(ord.zref);
	KUNIT_EXPECT_PTR_EQ(test, got, (void *)ord.z);
	if (got) {
		tcmk_gc_unpin(got);
		tcmk_gc_unpin(ord.z);
	}
	tcmk_gc_weak_free(ord.zref);
}

/* Collected objects have no memory of the DMA zones either. */
static void gc_dma_zones_are_refused(struct kunit *test)
{
	static const gfp_t zones[] = { __GFP_DMA, __GFP_DMA32 };
	static const size_t sizes[] = { 64, TCMK_MAX_SMALL_SIZE + 1 };
	unsigned int z, i;
	void *obj;

	for (z = 0; z < ARRAY_SIZE(zones); z++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			/* The first fills the class's stash, the second hits it. */
			gc_new(test, sizes[i], NULL, NULL);
			obj = tcmk_gc_alloc(sizes[i], NULL, GFP_KERNEL | zones[z]);
			KUNIT_EXPECT_NULL_MSG(test, obj, "size %zu, gfp %pGg",
					      sizes[i], &zones[z]);
			if (obj)
				tcmk_gc_unpin(obj);
			obj = tcmk_gc_alloc(sizes[i], &node_type, GFP_KERNEL | zones[z]);
			KUNIT_EXPECT_NULL_MSG(test, obj, "typed, size %zu, gfp %pGg",
					      sizes[i], &zones[z]);
			if (obj)
				tcmk_gc_unpin(obj);
		}
	}
}

/*
 * A type, once it has no objects, may be freed and another allocated at the
 * same address, with another layout. A CPU that checked the first must
 * check the second: its layout may be wrong where the first's was right.
 * Each case changes the type in place, as a free and an allocation at the
 * same address would.
 */
static const u16 retype_offsets[] = { 0, 8, 16 };

static const struct tcmk_gc_type retype_good = {
	.name = "good", .size = 16, .ptr_offsets = retype_offsets, .nr_ptrs = 2,
};

static const u16 retype_odd[] = { 4 };

static const struct tcmk_gc_type retype_bad[] = {
	/* Smaller: the second offset now lies outside. */
	{ .name = "smaller", .size = 8, .ptr_offsets = retype_offsets, .nr_ptrs = 2 },
	/* Other offsets, one of them misaligned. */
	{ .name = "misaligned", .size = 16, .ptr_offsets = retype_odd, .nr_ptrs = 1 },
	/* One pointer more, past the end. */
	{ .name = "longer", .size = 16, .ptr_offsets = retype_offsets, .nr_ptrs = 3 },
};

struct retype_ctx {
	struct tcmk_gc_type *type;
	const struct tcmk_gc_type *next;
	struct tcmk_gc_weak *ref;
	void *obj;
	bool failed;
};

/* On the CPU under test: an allocation of the type, made to fail. */
static void alloc_failing(void *arg)
{
	struct retype_ctx *rc = arg;

	/* Above a chunk, with page allocations failing: no object, no pages. */
	rc->failed = !tcmk_gc_alloc(TCMK_MAX_ALLOC_SIZE, rc->type, GFP_KERNEL);
}

/* On the CPU under test: one object of the type, garbage at once. */
static void alloc_garbage_of_type(void *arg)
{
	struct retype_ctx *rc = arg;
	void *obj = tcmk_gc_alloc(2 * sizeof(void *), rc->type, GFP_KERNEL);

	rc->failed = !obj;
	if (!obj)
		return;
	rc->ref = tcmk_gc_weak_new(obj, GFP_KERNEL);
	rc->failed = !rc->ref;
	tcmk_gc_unpin(obj);
}

/* On the CPU under test: an object of what is now at the type's address. */
static void alloc_retyped(void *arg)
{
	struct retype_ctx *rc = arg;

	rc->obj = tcmk_gc_alloc(2 * sizeof(void *), rc->type, GFP_KERNEL);
}

/*
 * The second allocation, of the type in its new layout, is refused; an
 * object it made anyway gets its old layout back before anything scans it.
 */
static void expect_retype_refused(struct kunit *test, unsigned int cpu,
				  struct retype_ctx *rc)
{
	long bad = atomic_long_read(&tcmk_gc_bad_calls);

	*rc->type = *rc->next;
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(cpu, alloc_retyped, rc), 0);
	KUNIT_EXPECT_NULL_MSG(test, rc->obj, "type %s trusted", rc->next->name);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&tcmk_gc_bad_calls), bad + 1);
	*rc->type = retype_good;
	if (rc->obj)
		tcmk_gc_unpin(rc->obj);
	tcmk_gc_collect();
}

/* An allocation that failed left no object, and no trust in its type. */
static void type_of_a_failed_allocation_is_checked_again(struct kunit *test)
{
	struct tcmk_gc_type *type = kunit_kzalloc(test, sizeof(*type), GFP_KERNEL);
	unsigned int cpu = cpumask_first(cpu_online_mask), i;
	struct retype_ctx rc = { .type = type };

	KUNIT_ASSERT_NOT_NULL(test, type);
	for (i = 0; i < ARRAY_SIZE(retype_bad); i++) {
		*type = retype_good;
		rc.next = &retype_bad[i];
		tcmk_test_fail_next(test, TCMK_TEST_FAIL_PAGE, TCMK_TEST_PAGE_FAILS);
		KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(cpu, alloc_failing, &rc), 0);
		tcmk_test_fail_off(TCMK_TEST_FAIL_PAGE);
		KUNIT_EXPECT_TRUE(test, rc.failed);
		expect_retype_refused(test, cpu, &rc);
	}
}

/*
 * The type of objects that the collector has freed since: the cycle that
 * freed them made every CPU forget the types it had checked.
 */
static void type_of_collected_objects_is_checked_again(struct kunit *test)
{
	struct tcmk_gc_type *type = kunit_kzalloc(test, sizeof(*type), GFP_KERNEL);
	unsigned int cpu = cpumask_first(cpu_online_mask), i;
	struct retype_ctx rc = { .type = type };

	KUNIT_ASSERT_NOT_NULL(test, type);
	for (i = 0; i < ARRAY_SIZE(retype_bad); i++) {
		*type = retype_good;
		rc.next = &retype_bad[i];
		KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(cpu, alloc_garbage_of_type, &rc), 0);
		KUNIT_ASSERT_FALSE(test, rc.failed);
		tcmk_gc_collect();
		KUNIT_EXPECT_FALSE(test, alive(rc.ref));
		tcmk_gc_weak_free(rc.ref);
		expect_retype_refused(test, cpu, &rc);
	}
}

static struct kunit_case tcmk_gc_cases[] = {
	KUNIT_CASE(garbage_is_freed),
	KUNIT_CASE(new_objects_are_zeroed_and_pinned),
	KUNIT_CASE(roots_keep_what_they_reach),
	KUNIT_CASE(pins_nest),
	KUNIT_CASE(tcmk_free_refuses_collected),
	KUNIT_CASE(cycles_and_self_loops),
	KUNIT_CASE(diamonds_and_wide_fanout),
	KUNIT_CASE(precise_ignores_other_words),
	KUNIT_CASE(conservative_interior_and_junk),
	KUNIT_CASE(every_size_class),
	KUNIT_CASE(grey_stack_overflow_rescans),
	KUNIT_CASE(alloc_failure_during_cycles),
	KUNIT_CASE(many_cycles_leave_nothing),
	KUNIT_CASE(mutators_and_collector),
	KUNIT_CASE(barrier_keeps_a_moved_pointer),
	KUNIT_CASE(births_turn_black_after_the_barrier),
	KUNIT_CASE(late_black_births_do_not_outlive_the_cycle),
	KUNIT_CASE(white_births_are_done_before_the_roots),
	KUNIT_CASE(read_sections_hold_back_the_sweep),
	KUNIT_CASE(assists_scan_when_marking_falls_behind),
	KUNIT_CASE(pacer_sets_the_goal_and_starts_cycles),
	KUNIT_CASE(pacer_waits_for_allocation),
	KUNIT_CASE(notifier_follows_every_cycle),
	KUNIT_CASE(finalizers_run_once),
	KUNIT_CASE(finalizer_resurrection_is_reported),
	KUNIT_CASE(finalizable_cycle_is_no_resurrection),
	KUNIT_CASE(finalizable_cycle_with_a_finalizer_pending),
	KUNIT_CASE(chain_of_a_million),
	KUNIT_CASE(stashes_go_back),
	KUNIT_CASE(weak_refs_are_cleared_a_batch_at_a_time),
	KUNIT_CASE(spans_are_walked_a_batch_at_a_time),
	KUNIT_CASE(weak_refs_change_while_they_are_cleared),
	KUNIT_CASE(bad_types_are_refused),
	KUNIT_CASE(type_of_a_failed_allocation_is_checked_again),
	KUNIT_CASE(type_of_collected_objects_is_checked_again),
	KUNIT_CASE(gc_dma_zones_are_refused),
	{}
};

static struct kunit_suite tcmk_gc_suite = {
	.name = "tcmk_gc",
	.init = gc_test_init,
	.exit = gc_test_exit,
	.test_cases = tcmk_gc_cases,
};

kunit_test_suites(&tcmk_gc_suite);
