// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: where tcmk's objects lie, asked through /dev/tcmk (the node
 * TCMK_IOC_SIZE reports), under the calling task's memory policy.
 *
 * kmalloc() passes large objects to the page allocator, which places them
 * by the task's policy; tcmk does the same with its large objects. Small
 * objects come from the CPU's cache, of the CPU's node, whatever the
 * policy (Documentation/tcmk.rst, "NUMA nodes").
 *
 * Run as root with tcmk.ko and tcmk_harness.ko loaded. Every test keeps to
 * CPU 0. The policy tests skip on a machine with one node of memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/mempolicy.h>
#include <linux/tcmk.h>

#include "kselftest_harness.h"

#define NO_DEVICE	TCMK_DEVICE " missing: is tcmk_harness.ko loaded?"
#define MAX_NODES	64
#define LARGE		(64 << 10)	/* above the largest class: a large object */
#define SMALL		64
#define OBJS		8

/* The nodes with memory, from sysfs's list ("0-1,3"); their count. */
static int memory_nodes(int *nodes)
{
	FILE *f = fopen("/sys/devices/system/node/has_memory", "r");
	int n = 0, lo, hi, c;

	if (!f)
		return 1;	/* no NUMA in this kernel: one node, 0 */
	while (fscanf(f, "%d", &lo) == 1) {
		hi = lo;
		c = fgetc(f);
		if (c == '-') {
			if (fscanf(f, "%d", &hi) != 1)
				break;
			c = fgetc(f);
		}
		for (; lo <= hi && n < MAX_NODES; lo++)
			nodes[n++] = lo;
		if (c != ',')
			break;
	}
	fclose(f);
	return n;
}

/* The node of CPU 0, from the nodeN link in its sysfs directory. */
static int cpu0_node(void)
{
	char path[64];
	int nid;

	for (nid = 0; nid < MAX_NODES; nid++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/node%d", nid);
		if (!access(path, F_OK))
			return nid;
	}
	return 0;
}

static long set_policy(int mode, const int *nodes, int n)
{
	unsigned long mask = 0;
	int i;

	for (i = 0; i < n; i++)
		mask |= 1UL << nodes[i];
	return syscall(__NR_set_mempolicy, mode, n ? &mask : NULL,
		       n ? MAX_NODES + 1 : 0);
}

FIXTURE(numa) {
	int fd;
	int nodes[MAX_NODES];
	int nr_nodes;
	int home;	/* CPU 0's node */
};

FIXTURE_SETUP(numa)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	self->nr_nodes = memory_nodes(self->nodes);
	self->home = cpu0_node();
	self->fd = open(TCMK_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, NO_DEVICE);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TCMK_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(numa)
{
	set_policy(MPOL_DEFAULT, NULL, 0);
	if (self->fd >= 0)
		close(self->fd);
}

/* @count objects of @size; each one's node into @node. 0 or -errno. */
static int alloc_nodes(int fd, uint64_t size, uint32_t count, int *node)
{
	uint32_t handles[OBJS];
	struct tcmk_ioc_alloc a = {
		.size = size, .count = count, .handles = (uintptr_t)handles,
	};
	struct tcmk_ioc_object o;
	uint32_t i;

	if (ioctl(fd, TCMK_IOC_ALLOC, &a))
		return -errno;
	for (i = 0; i < count; i++) {
		memset(&o, 0, sizeof(o));
		o.handle = handles[i];
		if (ioctl(fd, TCMK_IOC_SIZE, &o))
			return -errno;
		node[i] = o.node;
		o = (struct tcmk_ioc_object){ .handle = handles[i] };
		if (ioctl(fd, TCMK_IOC_FREE, &o))
			return -errno;
	}
	return 0;
}

/* Without a policy, small and large objects lie on the CPU's node. */
TEST_F(numa, default_policy_is_local)
{
	int node[OBJS], i;

	ASSERT_EQ(0, alloc_nodes(self->fd, SMALL, OBJS, node));
	for (i = 0; i < OBJS; i++)
		EXPECT_EQ(self->home, node[i]);
	ASSERT_EQ(0, alloc_nodes(self->fd, LARGE, OBJS, node));
	for (i = 0; i < OBJS; i++)
		EXPECT_EQ(self->home, node[i]);
}

/* Bound to one node, or preferring it, large objects lie there. */
TEST_F(numa, large_objects_follow_bind_and_preferred)
{
	static const int modes[] = { MPOL_BIND, MPOL_PREFERRED };
	int node[OBJS], i, m, k;

	if (self->nr_nodes < 2)
		SKIP(return, "one node with memory");
	for (m = 0; m < 2; m++) {
		for (k = 0; k < self->nr_nodes; k++) {
			ASSERT_EQ(0, set_policy(modes[m], &self->nodes[k], 1))
				TH_LOG("set_mempolicy: %s", strerror(errno));
			ASSERT_EQ(0, alloc_nodes(self->fd, LARGE, OBJS, node));
			for (i = 0; i < OBJS; i++)
				EXPECT_EQ(self->nodes[k], node[i])
					TH_LOG("mode %d, node %d", modes[m], self->nodes[k]);
		}
	}
}

/* Interleaved over every node with memory, large objects take turns. */
TEST_F(numa, large_objects_interleave)
{
	int node[OBJS], count[MAX_NODES] = { 0 }, i, k;

	if (self->nr_nodes < 2)
		SKIP(return, "one node with memory");
	ASSERT_EQ(0, set_policy(MPOL_INTERLEAVE, self->nodes, self->nr_nodes));
	ASSERT_EQ(0, alloc_nodes(self->fd, LARGE, OBJS, node));
	for (i = 0; i < OBJS; i++) {
		ASSERT_LT(node[i], MAX_NODES);
		count[node[i]]++;
	}
	/*
	 * Round the nodes, one each, but the task's rotor is the kernel's
	 * too: a page the harness's own allocations take on the way moves
	 * it. Half of a fair share each is what a policy ignored cannot give.
	 */
	for (k = 0; k < self->nr_nodes; k++)
		EXPECT_LE(OBJS / (2 * self->nr_nodes), count[self->nodes[k]])
			TH_LOG("node %d", self->nodes[k]);
}

/* Small objects stay with the CPU's node whatever the policy says. */
TEST_F(numa, small_objects_follow_the_cpu)
{
	int node[OBJS], other, i;

	if (self->nr_nodes < 2)
		SKIP(return, "one node with memory");
	other = self->nodes[0] == self->home ? self->nodes[1] : self->nodes[0];
	ASSERT_EQ(0, set_policy(MPOL_BIND, &other, 1));
	ASSERT_EQ(0, alloc_nodes(self->fd, SMALL, OBJS, node));
	for (i = 0; i < OBJS; i++)
		EXPECT_EQ(self->home, node[i]);
}

TEST_HARNESS_MAIN
