// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk_bench's "numa" suite, on a guest with two nodes: of the objects a CPU
 * is handed, the share that lies on the CPU's own node, for tcmk and for
 * kmalloc. Under emulation remote memory is no slower, so locality is the
 * figure, not time.
 *
 *   numa_prodcons  a CPU of one node allocates objects of 64 B to 64 KiB,
 *                  a CPU of the other frees them, then the other way round,
 *                  round after round: every free is remote.
 *   numa_mix       each CPU alone replaces random objects of a random size
 *                  mix, its frees local.
 *
 * One line per allocator and scenario:
 *   BENCH scenario=numa_prodcons alloc=tcmk local=N total=N
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/tcmk.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "tcmk_bench.h"

#define NUMA_OBJS	3000
#define NUMA_ROUNDS	20
#define NUMA_MIX_SLOTS	1024
#define NUMA_MIX_STEPS	20000

static const size_t numa_sizes[] = { 64, 256, 1024, 4096, 16384, 65536 };

/**
 * struct numa_step - one step of a scenario, on one CPU.
 * @tcmk:	tcmk's allocator, or kmalloc.
 * @objs:	the objects, NUMA_OBJS (or NUMA_MIX_SLOTS) of them.
 * @seed:	the mix's random state.
 * @local:	objects handed out that lay on the CPU's node.
 * @total:	objects handed out.
 * @failed:	allocations that failed.
 */
struct numa_step {
	bool tcmk;
	void **objs;
	u64 seed;
	unsigned long local;
	unsigned long total;
	unsigned long failed;
};

static void *numa_alloc(struct numa_step *st, size_t size)
{
	void *p = st->tcmk ? tcmk_alloc(size, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);

	if (!p) {
		st->failed++;
		return NULL;
	}
	st->total++;
	/* Both hand out direct-map addresses for these sizes. */
	st->local += page_to_nid(virt_to_page(p)) == numa_node_id();
	return p;
}

static void numa_free(struct numa_step *st, void *p)
{
	if (st->tcmk)
		tcmk_free(p);
	else
		kfree(p);
}

static long numa_alloc_fn(void *arg)
{
	struct numa_step *st = arg;
	unsigned int i;

	for (i = 0; i < NUMA_OBJS; i++)
		st->objs[i] = numa_alloc(st, numa_sizes[i % ARRAY_SIZE(numa_sizes)]);
	return 0;
}

static long numa_free_fn(void *arg)
{
	struct numa_step *st = arg;
	unsigned int i;

	for (i = 0; i < NUMA_OBJS; i++) {
		numa_free(st, st->objs[i]);
		st->objs[i] = NULL;
	}
	return 0;
}

/* Sizes from 8 B to 64 KiB, small ones most often (a log-uniform draw). */
static size_t numa_mix_size(u64 *state)
{
	unsigned int shift = 3 + bench_rand(state) % 14;

	return (1UL << shift) - bench_rand(state) % (1UL << (shift - 1));
}

static long numa_mix_fn(void *arg)
{
	struct numa_step *st = arg;
	unsigned int i, j;

	for (i = 0; i < NUMA_MIX_SLOTS; i++)
		st->objs[i] = numa_alloc(st, numa_mix_size(&st->seed));
	for (i = 0; i < NUMA_MIX_STEPS; i++) {
		j = bench_rand(&st->seed) % NUMA_MIX_SLOTS;
		numa_free(st, st->objs[j]);
		st->objs[j] = numa_alloc(st, numa_mix_size(&st->seed));
	}
	for (i = 0; i < NUMA_MIX_SLOTS; i++) {
		numa_free(st, st->objs[i]);
		st->objs[i] = NULL;
	}
	return 0;
}

static void numa_print(const char *scenario, const struct numa_step *st)
{
	pr_info("BENCH scenario=%s alloc=%s local=%lu total=%lu failed=%lu\n",
		scenario, st->tcmk ? "tcmk" : "kmalloc", st->local, st->total,
		st->failed);
}

int bench_numa(void)
{
	struct numa_step st;
	unsigned int a, b = nr_cpu_ids, r, kind;
	int err = 0;

	a = cpumask_first(cpu_online_mask);
	for_each_online_cpu(r) {
		if (cpu_to_node(r) != cpu_to_node(a)) {
			b = r;
			break;
		}
	}
	if (b >= nr_cpu_ids) {
		pr_info("BENCH scenario=numa_skip reason=one_node\n");
		return 0;
	}
	st.objs = vcalloc(max(NUMA_OBJS, NUMA_MIX_SLOTS), sizeof(void *));
	if (!st.objs)
		return -ENOMEM;
	for (kind = 0; kind < 2; kind++) {
		st.tcmk = !kind;
		st.local = st.total = st.failed = 0;
		for (r = 0; r < NUMA_ROUNDS; r++) {
			work_on_cpu(a, numa_alloc_fn, &st);
			work_on_cpu(b, numa_free_fn, &st);
			work_on_cpu(b, numa_alloc_fn, &st);
			work_on_cpu(a, numa_free_fn, &st);
		}
		numa_print("numa_prodcons", &st);
		if (st.failed)
			err = -ENOMEM;

		st.local = st.total = st.failed = 0;
		st.seed = 0x9e3779b97f4a7c15ULL;
		work_on_cpu(a, numa_mix_fn, &st);
		work_on_cpu(b, numa_mix_fn, &st);
		numa_print("numa_mix", &st);
		if (st.failed)
			err = -ENOMEM;
	}
	vfree(st.objs);
	return err;
}
