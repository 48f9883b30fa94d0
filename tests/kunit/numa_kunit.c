// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcmk on NUMA machines: every object a CPU is handed lies
 * on the CPU's node, however the objects were freed before, and a CPU's
 * caches never hold another node's; collected objects too, and a collection
 * gives their pages back to their node's page heap. They need two CPUs
 * whose memory comes from two nodes ('make check' boots the debug kernels
 * on two nodes); with one node they skip.
 */
#include "tcmk_test.h"

/* Sizes of small and large objects, 64 B to 64 KiB, as the scenario asks. */
static const size_t numa_sizes[] = { 64, 256, 1024, 4096, 16384, 65536 };
#define NUMA_PER_SIZE	200
#define NUMA_OBJS	(ARRAY_SIZE(numa_sizes) * NUMA_PER_SIZE)

/**
 * struct numa_run - what a step on one CPU did.
 * @objs:	the objects, NUMA_OBJS of them.
 * @bulk:	allocate with tcmk_alloc_bulk() rather than tcmk_alloc().
 * @failed:	allocations that failed.
 * @remote:	objects handed out that lie on another node than the CPU's.
 * @foreign:	tcmk_cpucache_foreign() on the CPU after the step.
 */
struct numa_run {
	void **objs;
	bool bulk;
	unsigned int failed;
	unsigned int remote;
	unsigned long foreign;
};

static void numa_alloc(void *data)
{
	struct numa_run *r = data;
	int node = tcmk_mem_node(numa_node_id());
	unsigned int i, j, k = 0;

	for (i = 0; i < ARRAY_SIZE(numa_sizes); i++) {
		if (r->bulk) {
			if (!tcmk_alloc_bulk(numa_sizes[i], GFP_KERNEL,
					     NUMA_PER_SIZE, r->objs + k)) {
				memset(r->objs + k, 0, NUMA_PER_SIZE * sizeof(void *));
				r->failed += NUMA_PER_SIZE;
			}
			k += NUMA_PER_SIZE;
			continue;
		}
		for (j = 0; j < NUMA_PER_SIZE; j++, k++) {
			r->objs[k] = tcmk_alloc(numa_sizes[i], GFP_KERNEL);
			r->failed += !r->objs[k];
		}
	}
	for (k = 0; k < NUMA_OBJS; k++)
		if (r->objs[k] && tcmk_addr_node(r->objs[k]) != node)
			r->remote++;
	r->foreign = tcmk_cpucache_foreign();
}

static void numa_free(void *data)
{
	struct numa_run *r = data;
	unsigned int k;

	for (k = 0; k < NUMA_OBJS; k++) {
		tcmk_free(r->objs[k]);
		r->objs[k] = NULL;
	}
	r->foreign = tcmk_cpucache_foreign();
}

/* Two online CPUs whose memory comes from two nodes, or a skip. */
static void two_nodes(struct kunit *test, unsigned int *a, unsigned int *b)
{
	unsigned int i, j;

	for_each_online_cpu(i) {
		for_each_online_cpu(j) {
			if (tcmk_mem_node(cpu_to_node(i)) !=
			    tcmk_mem_node(cpu_to_node(j))) {
				*a = i;
				*b = j;
				return;
			}
		}
	}
	kunit_skip(test, "needs online CPUs of two nodes with memory");
}

static void numa_step(struct kunit *test, unsigned int cpu,
		      void (*fn)(void *), struct numa_run *r, const char *what)
{
	r->remote = 0;
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(cpu, fn, r), 0);
	KUNIT_EXPECT_EQ_MSG(test, r->failed, 0U, "%s on CPU %u", what, cpu);
	KUNIT_EXPECT_EQ_MSG(test, r->remote, 0U,
			    "%s on CPU %u: objects of another node", what, cpu);
	KUNIT_EXPECT_EQ_MSG(test, r->foreign, 0UL,
			    "%s on CPU %u: another node's objects cached", what, cpu);
}

static struct numa_run *numa_run_new(struct kunit *test)
{
	struct numa_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->objs = kunit_kcalloc(test, NUMA_OBJS, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->objs);
	return r;
}

/* Each CPU's objects come from its own node, in both directions. */
static void objects_come_from_the_cpus_node(struct kunit *test)
{
	struct numa_run *r = numa_run_new(test);
	unsigned int a, b;

	two_nodes(test, &a, &b);
	numa_step(test, a, numa_alloc, r, "alloc");
	numa_step(test, a, numa_free, r, "free");
	numa_step(test, b, numa_alloc, r, "alloc");
	numa_step(test, b, numa_free, r, "free");
}

/*
 * The scenario of the issue: one CPU allocates, a CPU of the other node
 * frees, back and forth. The frees are remote every time, and every object
 * handed out next is still of the allocating CPU's node.
 */
static void cross_node_frees_go_home(struct kunit *test)
{
	struct numa_run *r = numa_run_new(test);
	unsigned int a, b, round;

	two_nodes(test, &a, &b);
	for (round = 0; round < 5; round++) {
		numa_step(test, a, numa_alloc, r, "alloc");
		numa_step(test, b, numa_free, r, "remote free");
		numa_step(test, b, numa_alloc, r, "alloc");
		numa_step(test, a, numa_free, r, "remote free");
	}
	for (round = 0; round < TCMK_NR_CLASSES; round++)
		tcmk_test_expect_conserved(test, round, 0);
}

/* tcmk_alloc_bulk() fills from the CPU's node too. */
static void bulk_objects_come_from_the_cpus_node(struct kunit *test)
{
	struct numa_run *r = numa_run_new(test);
	unsigned int a, b, round;

	two_nodes(test, &a, &b);
	r->bulk = true;
	for (round = 0; round < 3; round++) {
		numa_step(test, a, numa_alloc, r, "bulk alloc");
		numa_step(test, b, numa_free, r, "remote free");
		numa_step(test, b, numa_alloc, r, "bulk alloc");
		numa_step(test, a, numa_free, r, "remote free");
	}
}

/*
 * tcmk_alloc_node() places each object on the node asked for, from a CPU
 * of that node and from a CPU of another, with __GFP_THISNODE or without.
 */
struct node_run {
	unsigned int misplaced;
	unsigned int failed;
	unsigned int tried;
};

static void alloc_each_node(void *data)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_KERNEL | __GFP_THISNODE,
				      GFP_NOWAIT | __GFP_ZERO };
	struct node_run *r = data;
	unsigned int i, g, k;
	void *objs[8];
	int nid;

	for_each_node_state(nid, N_MEMORY) {
		for (g = 0; g < ARRAY_SIZE(gfps); g++) {
			for (i = 0; i < ARRAY_SIZE(numa_sizes); i++) {
				for (k = 0; k < ARRAY_SIZE(objs); k++) {
					objs[k] = tcmk_alloc_node(numa_sizes[i],
								  gfps[g], nid);
					r->tried++;
					if (!objs[k])
						r->failed++;
					else if (tcmk_addr_node(objs[k]) != nid)
						r->misplaced++;
				}
				for (k = 0; k < ARRAY_SIZE(objs); k++)
					tcmk_free(objs[k]);
				/* The bulk form, all or nothing. */
				r->tried++;
				if (tcmk_alloc_bulk_node(numa_sizes[i], gfps[g], nid,
							 ARRAY_SIZE(objs), objs) !=
				    ARRAY_SIZE(objs)) {
					r->failed++;
					continue;
				}
				for (k = 0; k < ARRAY_SIZE(objs); k++)
					r->misplaced += tcmk_addr_node(objs[k]) != nid;
				tcmk_free_bulk(ARRAY_SIZE(objs), objs);
			}
		}
	}
}

static void alloc_node_places_exactly(struct kunit *test)
{
	struct node_run r = {};
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(cpu, alloc_each_node, &r), 0);
		KUNIT_EXPECT_EQ_MSG(test, r.failed, 0U, "from CPU %u", cpu);
		KUNIT_EXPECT_EQ_MSG(test, r.misplaced, 0U, "from CPU %u", cpu);
		KUNIT_EXPECT_EQ(test, tcmk_cpucache_foreign(), 0UL);
	}
	KUNIT_EXPECT_GT(test, r.tried, 0U);
	for (cpu = 0; cpu < TCMK_NR_CLASSES; cpu++)
		tcmk_test_expect_conserved(test, cpu, 0);
}

/*
 * A node that is not one fails; NUMA_NO_NODE is the caller's. A possible
 * node without memory fails with __GFP_THISNODE and is served by the
 * nearest node with memory without it.
 */
static void alloc_node_bad_and_memoryless_nodes(struct kunit *test)
{
	void *obj;
	int nid;

	KUNIT_EXPECT_NULL(test, tcmk_alloc_node(64, GFP_KERNEL, nr_node_ids));
	KUNIT_EXPECT_NULL(test, tcmk_alloc_node(64, GFP_KERNEL, -2));
	obj = tcmk_alloc_node(64, GFP_KERNEL, NUMA_NO_NODE);
	KUNIT_EXPECT_NOT_NULL(test, obj);
	tcmk_free(obj);
	for_each_node(nid) {
		if (node_state(nid, N_MEMORY))
			continue;
		KUNIT_EXPECT_NULL(test, tcmk_alloc_node(64, GFP_KERNEL | __GFP_THISNODE, nid));
		KUNIT_EXPECT_NULL(test, tcmk_alloc_node(65536, GFP_KERNEL | __GFP_THISNODE, nid));
		KUNIT_EXPECT_EQ(test, tcmk_alloc_bulk_node(64, GFP_KERNEL | __GFP_THISNODE,
							   nid, 1, &obj), 0);
		obj = tcmk_alloc_node(64, GFP_KERNEL, nid);
		KUNIT_EXPECT_NOT_NULL(test, obj);
		if (obj)
			KUNIT_EXPECT_EQ(test, tcmk_addr_node(obj), tcmk_mem_node(nid));
		tcmk_free(obj);
	}
}

/*
 * A CPU of a node without memory allocates from the nearest node with
 * memory, and caches only that node's objects ('make check' boots debug 6.1
 * with such a node).
 */
static void memoryless_nodes_cpus_allocate(struct kunit *test)
{
	struct numa_run *r = numa_run_new(test);
	unsigned int cpu, tested = 0;

	for_each_online_cpu(cpu) {
		if (node_state(cpu_to_node(cpu), N_MEMORY))
			continue;
		KUNIT_EXPECT_NE(test, tcmk_mem_node(cpu_to_node(cpu)), cpu_to_node(cpu));
		numa_step(test, cpu, numa_alloc, r, "alloc on a memoryless node");
		numa_step(test, cpu, numa_free, r, "free on a memoryless node");
		r->bulk = true;
		numa_step(test, cpu, numa_alloc, r, "bulk alloc on a memoryless node");
		numa_step(test, cpu, numa_free, r, "free on a memoryless node");
		r->bulk = false;
		tested++;
	}
	if (!tested)
		kunit_skip(test, "no online CPU of a node without memory");
}

/*
 * Collected objects: from the CPU's stash on its node, from tcmk_gc_alloc()
 * and from tcmk_gc_alloc_node() alike. Each object a run allocates stays
 * pinned until the test has looked at it; then a collection must free them
 * all and give their pages back.
 */
static const size_t gc_sizes[] = { 64, 1024, 16384, 65536 };
#define GC_PER_SIZE	8
#define GC_OBJS		(ARRAY_SIZE(gc_sizes) * GC_PER_SIZE)

/**
 * struct gc_run - collected objects a step on one CPU allocated.
 * @objs:	the objects, pinned; @n of them.
 * @cap:	room in @objs.
 * @n:		objects allocated.
 * @node:	with @use_node, the node asked for, or NUMA_NO_NODE.
 * @use_node:	allocate with tcmk_gc_alloc_node() rather than tcmk_gc_alloc().
 * @gfp:	the flags.
 * @want:	the node each object must lie on; -1: the CPU's.
 * @failed:	allocations that failed.
 * @misplaced:	objects on another node than @want.
 */
struct gc_run {
	void **objs;
	unsigned int cap;
	unsigned int n;
	int node;
	bool use_node;
	gfp_t gfp;
	int want;
	unsigned int failed;
	unsigned int misplaced;
};

static void gc_alloc_step(void *data)
{
	struct gc_run *r = data;
	int want = r->want < 0 ? tcmk_mem_node(numa_node_id()) : r->want;
	unsigned int i, j;
	void *obj;

	for (i = 0; i < ARRAY_SIZE(gc_sizes); i++) {
		for (j = 0; j < GC_PER_SIZE && r->n < r->cap; j++) {
			obj = r->use_node ?
			      tcmk_gc_alloc_node(gc_sizes[i], NULL, r->gfp, r->node) :
			      tcmk_gc_alloc(gc_sizes[i], NULL, r->gfp);
			if (!obj) {
				r->failed++;
				continue;
			}
			r->misplaced += tcmk_addr_node(obj) != want;
			r->objs[r->n++] = obj;
		}
	}
}

static struct gc_run *gc_run_new(struct kunit *test, unsigned int cap)
{
	struct gc_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->objs = kunit_kcalloc(test, cap, sizeof(void *), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->objs);
	r->cap = cap;
	r->gfp = GFP_KERNEL;
	r->want = -1;
	return r;
}

static void gc_step(struct kunit *test, unsigned int cpu, struct gc_run *r,
		    const char *what)
{
	r->failed = 0;
	r->misplaced = 0;
	KUNIT_ASSERT_EQ(test, tcmk_test_run_on_cpu(cpu, gc_alloc_step, r), 0);
	KUNIT_EXPECT_EQ_MSG(test, r->failed, 0U, "%s on CPU %u", what, cpu);
	KUNIT_EXPECT_EQ_MSG(test, r->misplaced, 0U,
			    "%s on CPU %u: objects on another node", what, cpu);
}

/*
 * Unpin what @r holds and collect: every object freed, the collected heap
 * back to @base, and, released, no node's page heap holds a page.
 */
static void gc_collect_all(struct kunit *test, struct gc_run *r,
			   const struct tcmk_gc_stats *base)
{
	struct tcmk_gc_stats st;
	unsigned long held, free_pages;
	unsigned int i;
	int nid;

	for (i = 0; i < r->n; i++)
		tcmk_gc_unpin(r->objs[i]);
	tcmk_gc_collect();
	tcmk_gc_get_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, base->heap_objects);
	KUNIT_EXPECT_EQ(test, st.heap_bytes, base->heap_bytes);
	KUNIT_EXPECT_GE(test, st.freed_objects_total,
			base->freed_objects_total + r->n);
	r->n = 0;
	tcmk_test_quiesce();
	for_each_node_state(nid, N_MEMORY) {
		tcmk_pageheap_node_counts(nid, &held, &free_pages);
		KUNIT_EXPECT_EQ_MSG(test, held, 0UL, "node %d", nid);
	}
}

/*
 * Each CPU's collected objects lie on its node, though a CPU of the other
 * node allocated first and left spans with free objects on its own.
 */
static void gc_objects_come_from_the_cpus_node(struct kunit *test)
{
	struct gc_run *r = gc_run_new(test, 4 * GC_OBJS);
	struct tcmk_gc_stats base;
	unsigned int a, b;

	two_nodes(test, &a, &b);
	tcmk_gc_collect();
	tcmk_gc_get_stats(&base);
	gc_step(test, a, r, "gc alloc");
	gc_step(test, b, r, "gc alloc");
	gc_step(test, a, r, "gc alloc");
	gc_step(test, b, r, "gc alloc");
	KUNIT_EXPECT_EQ(test, r->n, 4 * (unsigned int)GC_OBJS);
	gc_collect_all(test, r, &base);
}

/*
 * tcmk_gc_alloc_node() places each collected object on the node asked for,
 * from a CPU of that node and from a CPU of another, with __GFP_THISNODE or
 * without, and NUMA_NO_NODE on the CPU's; a collection frees them all.
 */
static void gc_alloc_node_places_exactly(struct kunit *test)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_KERNEL | __GFP_THISNODE,
				      GFP_NOWAIT };
	struct gc_run *r = gc_run_new(test, GC_OBJS);
	struct tcmk_gc_stats base;
	unsigned int cpu, g, tried = 0;
	int nid;

	tcmk_gc_collect();
	tcmk_gc_get_stats(&base);
	r->use_node = true;
	for_each_online_cpu(cpu) {
		for (g = 0; g < ARRAY_SIZE(gfps); g++) {
			r->gfp = gfps[g];
			for_each_node_state(nid, N_MEMORY) {
				r->node = nid;
				r->want = nid;
				gc_step(test, cpu, r, "gc alloc on a node");
				tried += r->n;
				gc_collect_all(test, r, &base);
			}
			r->node = NUMA_NO_NODE;
			r->want = -1;
			gc_step(test, cpu, r, "gc alloc on NUMA_NO_NODE");
			tried += r->n;
			gc_collect_all(test, r, &base);
		}
	}
	KUNIT_EXPECT_GT(test, tried, 0U);
}

/*
 * A node that is not one fails; a possible node without memory fails with
 * __GFP_THISNODE and is served by the nearest node with memory without it.
 */
static void gc_alloc_node_bad_and_memoryless_nodes(struct kunit *test)
{
	struct tcmk_gc_stats base, st;
	unsigned int tested = 0;
	void *obj;
	int nid;

	tcmk_gc_collect();
	tcmk_gc_get_stats(&base);
	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc_node(64, NULL, GFP_KERNEL, nr_node_ids));
	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc_node(64, NULL, GFP_KERNEL, -2));
	KUNIT_EXPECT_NULL(test, tcmk_gc_alloc_node(65536, NULL, GFP_KERNEL,
						   MAX_NUMNODES));
	for_each_node(nid) {
		if (node_state(nid, N_MEMORY))
			continue;
		KUNIT_EXPECT_NULL(test, tcmk_gc_alloc_node(64, NULL,
							   GFP_KERNEL | __GFP_THISNODE, nid));
		KUNIT_EXPECT_NULL(test, tcmk_gc_alloc_node(65536, NULL,
							   GFP_KERNEL | __GFP_THISNODE, nid));
		obj = tcmk_gc_alloc_node(64, NULL, GFP_KERNEL, nid);
		KUNIT_EXPECT_NOT_NULL(test, obj);
		if (obj) {
			KUNIT_EXPECT_EQ(test, tcmk_addr_node(obj), tcmk_mem_node(nid));
			tcmk_gc_unpin(obj);
		}
		obj = tcmk_gc_alloc_node(65536, NULL, GFP_KERNEL, nid);
		KUNIT_EXPECT_NOT_NULL(test, obj);
		if (obj) {
			KUNIT_EXPECT_EQ(test, tcmk_addr_node(obj), tcmk_mem_node(nid));
			tcmk_gc_unpin(obj);
		}
		tested++;
	}
	/* Nothing but what was unpinned was allocated, and it all goes. */
	tcmk_gc_collect();
	tcmk_gc_get_stats(&st);
	KUNIT_EXPECT_EQ(test, st.heap_objects, base.heap_objects);
	KUNIT_EXPECT_EQ(test, st.freed_objects_total,
			base.freed_objects_total + 2 * tested);
	if (!tested)
		kunit_skip(test, "no possible node without memory");
}

/* A CPU of a node without memory takes collected objects from the nearest. */
static void gc_memoryless_nodes_cpus_allocate(struct kunit *test)
{
	struct gc_run *r = gc_run_new(test, 2 * GC_OBJS);
	struct tcmk_gc_stats base;
	unsigned int cpu, tested = 0;

	tcmk_gc_collect();
	tcmk_gc_get_stats(&base);
	for_each_online_cpu(cpu) {
		if (node_state(cpu_to_node(cpu), N_MEMORY))
			continue;
		r->use_node = false;
		gc_step(test, cpu, r, "gc alloc on a memoryless node");
		r->use_node = true;
		r->node = cpu_to_node(cpu);
		gc_step(test, cpu, r, "gc alloc_node of a memoryless node");
		gc_collect_all(test, r, &base);
		tested++;
	}
	if (!tested)
		kunit_skip(test, "no online CPU of a node without memory");
}

static struct kunit_case tcmk_numa_cases[] = {
	KUNIT_CASE(objects_come_from_the_cpus_node),
	/* 3 s on debug 7.3, under emulation: KUnit asks that it be marked. */
	KUNIT_CASE_SLOW(cross_node_frees_go_home),
	KUNIT_CASE(bulk_objects_come_from_the_cpus_node),
	KUNIT_CASE(alloc_node_places_exactly),
	KUNIT_CASE(alloc_node_bad_and_memoryless_nodes),
	KUNIT_CASE(memoryless_nodes_cpus_allocate),
	KUNIT_CASE(gc_objects_come_from_the_cpus_node),
	KUNIT_CASE(gc_alloc_node_places_exactly),
	KUNIT_CASE(gc_alloc_node_bad_and_memoryless_nodes),
	KUNIT_CASE(gc_memoryless_nodes_cpus_allocate),
	{}
};

static struct kunit_suite tcmk_numa_suite = {
	.name = "tcmk_numa",
	/* Sampled objects are outside their class's spans: see conserved. */
	.suite_init = tcmk_test_sampling_off,
	.suite_exit = tcmk_test_sampling_restore,
	.test_cases = tcmk_numa_cases,
};

kunit_test_suites(&tcmk_numa_suite);
