// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: an ioctl fuzzer for /dev/tcmk.
 *
 * Several processes at once make random calls: random command numbers,
 * random argument bytes, bad argument pointers, and valid arguments with one
 * byte changed, so the harness's checks see garbage and near misses alike.
 * Every call must succeed or fail with an errno the uapi header documents;
 * afterwards nothing may be left allocated and the counters must agree. The
 * guest's console is checked for kernel reports by 'make check'.
 *
 * Two things are kept in bounds so that the fuzzer tests the harness rather
 * than the guest's memory: an ALLOC or GC_ALLOC that could pass the checks
 * asks for at most 1 MiB, and a STRESS runs for at most a millisecond or 200
 * operations. Collected objects are garbage once their file is closed: a
 * collection at the end must free them all.
 * Command numbers the VFS handles itself for any file (FIOCLEX, FIFREEZE and
 * the like) are never sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/tcmk.h>

#include "kselftest_harness.h"

#define PROCS		4
#define CALLS		25000	/* per process: 100,000 in all */
#define REOPEN_EVERY	64	/* closing the file frees what it holds */
#define MAX_BYTES	(1 << 20)

#define GC_ENABLED	"/sys/kernel/tcmk/gc/enabled"

static const unsigned long cmds[] = {
	TCMK_IOC_ALLOC, TCMK_IOC_FREE, TCMK_IOC_FILL, TCMK_IOC_CHECK,
	TCMK_IOC_SIZE, TCMK_IOC_STATS, TCMK_IOC_STRESS,
	TCMK_IOC_GC_ALLOC, TCMK_IOC_GC_LINK, TCMK_IOC_GC_ROOT, TCMK_IOC_GC_PIN,
	TCMK_IOC_GC_UNPIN, TCMK_IOC_GC_ALIVE, TCMK_IOC_GC_STATS,
	TCMK_IOC_GC_COLLECT,
};

union arg {
	struct tcmk_ioc_alloc alloc;
	struct tcmk_ioc_object object;
	struct tcmk_ioc_pattern pattern;
	struct tcmk_ioc_stats stats;
	struct tcmk_ioc_stress stress;
	struct tcmk_ioc_gc_alloc gc_alloc;
	struct tcmk_ioc_gc_link gc_link;
	struct tcmk_ioc_gc_root gc_root;
	struct tcmk_ioc_gc_pin gc_pin;
	struct tcmk_ioc_gc_alive gc_alive;
	unsigned char raw[256];
};

/*
 * Room for what GC_ALIVE reads and writes at its largest, so that a count
 * changed by a mutation stays within the fuzzer's own arrays.
 */
static uint32_t gc_handles[TCMK_GC_MAX_ALIVE];
static uint64_t gc_bitmap[TCMK_GC_MAX_ALIVE / 64];

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fast, and each process seeds its own. */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

/* Command types the VFS serves for every file before the driver sees them. */
static int vfs_command(unsigned long cmd)
{
	switch (_IOC_TYPE(cmd)) {
	case 0x00: case 'T': case 'X': case 'f': case 0x94:
		return 1;
	}
	return 0;
}

static unsigned long pick_command(void)
{
	uint64_t r = rnd();
	unsigned long cmd;

	switch (r % 10) {
	case 0:		/* anything at all */
		do {
			cmd = (uint32_t)rnd();
		} while (vfs_command(cmd));
		return cmd;
	case 1:		/* tcmk's type, any number, size and direction */
		return _IOC(rnd() % 4, TCMK_IOC_MAGIC, rnd() % 16, rnd() % 512);
	default:
		return cmds[(r >> 8) % ARRAY_SIZE(cmds)];
	}
}

static void valid_arg(unsigned long cmd, union arg *a, uint32_t *handles)
{
	memset(a, 0, sizeof(*a));
	switch (cmd) {
	case TCMK_IOC_ALLOC:
		a->alloc.size = 1 + rnd() % (rnd() % 8 ? 4096 : TCMK_IOC_MAX_SIZE);
		a->alloc.count = 1 + rnd() % 16;
		a->alloc.flags = rnd() % 4;
		a->alloc.handles = (uintptr_t)handles;
		break;
	case TCMK_IOC_FREE:
	case TCMK_IOC_SIZE:
		a->object.handle = rnd() % 80;
		break;
	case TCMK_IOC_FILL:
	case TCMK_IOC_CHECK:
		a->pattern.handle = rnd() % 80;
		a->pattern.seed = rnd();
		break;
	case TCMK_IOC_STRESS:
		a->stress.threads_per_cpu = 1 + rnd() % 2;
		a->stress.cross_cpu_pct = rnd() % 101;
		a->stress.ops = 1 + rnd() % 200;
		a->stress.min_size = 1 + rnd() % 64;
		a->stress.max_size = a->stress.min_size + rnd() % 4096;
		a->stress.seed = rnd();
		break;
	case TCMK_IOC_GC_ALLOC:
		a->gc_alloc.nslots = rnd() % 9;
		a->gc_alloc.payload = rnd() % (rnd() % 8 ? 4096 : 65536);
		a->gc_alloc.flags = rnd() % 4;
		break;
	case TCMK_IOC_GC_LINK:
		a->gc_link.src = rnd() % 40;
		a->gc_link.slot = rnd() % 10;
		a->gc_link.dst = rnd() % 40;
		break;
	case TCMK_IOC_GC_ROOT:
		a->gc_root.handle = rnd() % 40;
		a->gc_root.op = 1 + rnd() % 2;
		break;
	case TCMK_IOC_GC_PIN:
	case TCMK_IOC_GC_UNPIN:
		a->gc_pin.handle = rnd() % 40;
		break;
	case TCMK_IOC_GC_ALIVE:
		a->gc_alive.count = 1 + rnd() % 64;
		for (unsigned int k = 0; k < a->gc_alive.count; k++)
			gc_handles[k] = 1 + rnd() % 40;
		a->gc_alive.handles = (uintptr_t)gc_handles;
		a->gc_alive.bitmap = (uintptr_t)gc_bitmap;
		a->gc_alive.flags = rnd() % 2;
		break;
	}
}

/* After mutation, keep what could pass the checks within the guest's means. */
static void bound(unsigned long cmd, union arg *a)
{
	if (cmd == TCMK_IOC_ALLOC && a->alloc.size && a->alloc.count &&
	    a->alloc.size * a->alloc.count > MAX_BYTES) {
		a->alloc.count = a->alloc.size < MAX_BYTES ? MAX_BYTES / a->alloc.size : 1;
		if (a->alloc.size > MAX_BYTES)
			a->alloc.size = MAX_BYTES;
	}
	if (cmd == TCMK_IOC_GC_ALLOC && a->gc_alloc.payload > MAX_BYTES)
		a->gc_alloc.payload = MAX_BYTES;
	if (cmd == TCMK_IOC_STRESS) {
		if (a->stress.duration_ns > 1000000)
			a->stress.duration_ns = 1000000;
		if (a->stress.ops > 200)
			a->stress.ops = 200;
		if (a->stress.max_size > 65536)
			a->stress.max_size = 65536;
		if (a->stress.threads_per_cpu > 2)
			a->stress.threads_per_cpu = 2;
	}
}

static int documented(int err)
{
	switch (err) {
	case EINVAL: case ENOENT: case ENOTTY: case EFAULT:
	case ENOMEM: case ENOSPC: case EINTR: case ESTALE: case EEXIST:
		return 1;
	}
	return 0;
}

/* One process's share; returns the number of calls that broke the contract. */
static int fuzz(unsigned int seed, void *unmapped)
{
	static uint32_t handles[TCMK_IOC_MAX_COUNT];
	unsigned int i, bad = 0, ok = 0;
	union arg a;
	int fd = -1;

	rnd_state = 0x9e3779b97f4a7c15ULL * (seed + 1);
	for (i = 0; i < CALLS; i++) {
		unsigned long cmd = pick_command();
		uint64_t r = rnd();
		void *argp = &a;
		int ret;

		if (i % REOPEN_EVERY == 0) {
			if (fd >= 0)
				close(fd);
			fd = open(TCMK_DEVICE, O_RDWR);
			if (fd < 0) {
				fprintf(stderr, "# open %s: %s\n", TCMK_DEVICE, strerror(errno));
				return -1;
			}
		}
		switch (r % 10) {
		case 0: case 1: case 2:		/* garbage */
			for (unsigned int k = 0; k < sizeof(a.raw); k++)
				a.raw[k] = rnd();
			break;
		case 3:				/* a pointer that points nowhere */
			argp = r & 0x100 ? NULL : unmapped;
			break;
		default:			/* valid, or one byte off */
			valid_arg(cmd, &a, handles);
			if (r & 0x10)
				a.raw[rnd() % (_IOC_SIZE(cmd) ?: 1) % sizeof(a.raw)] = rnd();
			break;
		}
		bound(cmd, &a);
		ret = ioctl(fd, cmd, argp);
		ok += !ret;
		if (ret && !documented(errno) && !bad++)
			fprintf(stderr, "# ioctl %#lx: %s, not a documented error\n",
				cmd, strerror(errno));
	}
	close(fd);
	fprintf(stderr, "# process %u: %u of %u calls succeeded\n", seed, ok, CALLS);
	return bad;
}

/* The allocator's and the collector's counters, after a collection. */
static void stats(int fd, struct tcmk_ioc_stats *st, struct tcmk_ioc_gc_stats *gst)
{
	struct tcmk_ioc_gc_collect c = { 0 };

	memset(st, 0, sizeof(*st));
	memset(gst, 0, sizeof(*gst));
	if (ioctl(fd, TCMK_IOC_GC_COLLECT, &c) || ioctl(fd, TCMK_IOC_GC_STATS, gst))
		memset(gst, 0xff, sizeof(*gst));
	if (ioctl(fd, TCMK_IOC_STATS, st))
		memset(st, 0xff, sizeof(*st));
}

/* The collector on, so that the collection at the end frees what was left. */
static int enable_collector(void)
{
	FILE *f = fopen(GC_ENABLED, "w");

	if (!f)
		return -1;
	fputs("1\n", f);
	return fclose(f);
}

FIXTURE(fuzz) {};
FIXTURE_SETUP(fuzz) {}
FIXTURE_TEARDOWN(fuzz) {}

/* 100,000 calls take a while under KASAN and emulation: allow 10 minutes. */
TEST_F_TIMEOUT(fuzz, random_calls_from_several_processes, 600)
{
	struct tcmk_ioc_gc_stats gc_before, gc_after;
	struct tcmk_ioc_stats before, after;
	void *unmapped;
	unsigned int p;
	int fd, failed = 0;

	fd = open(TCMK_DEVICE, O_RDWR);
	if (fd < 0 && errno == ENOENT)
		SKIP(return, TCMK_DEVICE " missing: is tcmk_harness.ko loaded?");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, enable_collector()) TH_LOG("%s: %s", GC_ENABLED, strerror(errno));
	stats(fd, &before, &gc_before);
	unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	munmap(unmapped, 4096);

	for (p = 0; p < PROCS; p++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(fuzz(p, unmapped) ? 1 : 0);
	}
	for (p = 0; p < PROCS; p++) {
		int status;

		ASSERT_LT(0, wait(&status));
		if (WIFSIGNALED(status))
			TH_LOG("a fuzzing process died of signal %d", WTERMSIG(status));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	}
	EXPECT_EQ(0, failed) TH_LOG("%d of %d processes failed", failed, PROCS);

	/* Every file was closed: whatever the calls allocated was freed. */
	stats(fd, &after, &gc_after);
	EXPECT_EQ(before.bytes_in_use, after.bytes_in_use);
	EXPECT_EQ(after.alloc_total - before.alloc_total,
		  after.free_total - before.free_total);
	EXPECT_EQ(before.bad_free_total, after.bad_free_total);
	EXPECT_LT(before.alloc_total, after.alloc_total) TH_LOG("the fuzzer never got an object");
	EXPECT_EQ(gc_before.heap_objects, gc_after.heap_objects);
	EXPECT_EQ(gc_before.roots, gc_after.roots);
	EXPECT_EQ(gc_before.pinned, gc_after.pinned);
	EXPECT_EQ(gc_before.weak_refs, gc_after.weak_refs);
	/* Whatever it was sent, the harness never misused the collector. */
	EXPECT_EQ(gc_before.bad_calls_total, gc_after.bad_calls_total);
	EXPECT_LT(gc_before.cycles, gc_after.cycles);
	close(fd);
}

TEST_HARNESS_MAIN
