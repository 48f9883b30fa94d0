// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: /dev/tcmk, the ioctl test harness (tcmk_harness.ko).
 *
 * Run as root with tcmk.ko and tcmk_harness.ko loaded. Checks what the
 * harness does (round trips, zeroing, handles, closing frees all), that it
 * refuses every bad argument with the errno <linux/tcmk.h> gives and leaves
 * nothing behind, that only root with CAP_SYS_ADMIN gets in, and that a short
 * STRESS run finds no errors and frees everything even when interrupted.
 *
 * The counters compared before and after are exact only while nothing else
 * uses tcmk, as in the test guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/tcmk.h>

#include "kselftest_harness.h"
#include "open_as.h"

#define NOBODY		1000	/* an ordinary user: no capabilities, owns nothing here */
#define NSEC_PER_SEC	1000000000ULL

#define NO_DEVICE	TCMK_DEVICE " missing: is tcmk_harness.ko loaded?"

/* Open the device; -1 if there is none (the caller skips), any other error fails. */
static int dev_open(struct __test_metadata *_metadata)
{
	int fd = open(TCMK_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		return -1;
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", TCMK_DEVICE, strerror(errno));
	return fd;
}

/* An ioctl's result as 0 or -errno. */
static int xioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int do_alloc(int fd, uint64_t size, uint32_t count, uint32_t flags,
		    uint32_t *handles)
{
	struct tcmk_ioc_alloc a = {
		.size = size, .count = count, .flags = flags,
		.handles = (uintptr_t)handles,
	};

	return xioctl(fd, TCMK_IOC_ALLOC, &a);
}

static int do_free(int fd, uint32_t handle)
{
	struct tcmk_ioc_object o = { .handle = handle };

	return xioctl(fd, TCMK_IOC_FREE, &o);
}

static int do_fill(int fd, uint32_t handle, uint64_t seed)
{
	struct tcmk_ioc_pattern p = { .handle = handle, .seed = seed };

	return xioctl(fd, TCMK_IOC_FILL, &p);
}

/* CHECK: -errno, or 0 with the bad byte count in *bad. */
static int do_check(int fd, uint32_t handle, uint64_t seed, uint64_t *bad,
		    uint64_t *first_bad)
{
	struct tcmk_ioc_pattern p = { .handle = handle, .seed = seed };
	int ret = xioctl(fd, TCMK_IOC_CHECK, &p);

	*bad = p.bad_bytes;
	if (first_bad)
		*first_bad = p.first_bad;
	return ret;
}

static int do_size(int fd, uint32_t handle, struct tcmk_ioc_object *o)
{
	memset(o, 0, sizeof(*o));
	o->handle = handle;
	return xioctl(fd, TCMK_IOC_SIZE, o);
}

static int do_stats(int fd, struct tcmk_ioc_stats *st)
{
	memset(st, 0, sizeof(*st));
	return xioctl(fd, TCMK_IOC_STATS, st);
}

/* The harness's pattern (see module/harness.c), recomputed here. */
static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	if (!seed)
		return 0;
	return mix(seed + (off / 8 + 1) * 0x9e3779b97f4a7c15ULL) >> (off % 8 * 8);
}

/* Bytes where the patterns of two seeds differ over @len bytes, and the first. */
static uint64_t pattern_diff(uint64_t len, uint64_t s1, uint64_t s2,
			     uint64_t *first)
{
	uint64_t off, n = 0;

	*first = 0;
	for (off = 0; off < len; off++) {
		if (pattern_byte(s1, off) == pattern_byte(s2, off))
			continue;
		if (!n)
			*first = off;
		n++;
	}
	return n;
}

/* Objects tcmk has handed out and not had back, and their bytes. */
struct live {
	uint64_t bytes, objects;
};

static struct live live_now(struct __test_metadata *_metadata, int fd)
{
	struct tcmk_ioc_stats st;
	struct live l;

	EXPECT_EQ(0, do_stats(fd, &st));
	l.bytes = st.bytes_in_use;
	l.objects = st.alloc_total - st.free_total;
	return l;
}

/*
 * tcmk's objects that holding @n objects through /dev/tcmk adds: each and
 * the record of its handle, from the harness's named cache tcmk_harness_obj.
 */
#define HELD(n)		(2 * (n))

#define EXPECT_LIVE_EQ(before, after) do {				\
	EXPECT_EQ((before).bytes, (after).bytes);			\
	EXPECT_EQ((before).objects, (after).objects);			\
} while (0)

/* One size from each range of classes, the large path and the largest. */
static const uint64_t sizes[] = {
	1, 7, 8, 9, 16, 17, 100, 128, 129, 1000, 1024, 2047, 2048, 4095, 4096,
	4097, 10000, 32767, 32768, 32769, 65536, 100000, 1 << 20,
	TCMK_IOC_MAX_SIZE - 1, TCMK_IOC_MAX_SIZE,
};

TEST(round_trip_across_classes)
{
	uint64_t bad, first, want_bad, want_first;
	struct tcmk_ioc_object o;
	uint32_t h[3];
	unsigned int i, j;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint64_t size = sizes[i];

		ASSERT_EQ(0, do_alloc(fd, size, 3, 0, h)) TH_LOG("size %llu",
								  (unsigned long long)size);
		for (j = 0; j < 3; j++) {
			uint64_t seed = size * 3 + j + 1;

			ASSERT_EQ(0, do_size(fd, h[j], &o));
			EXPECT_EQ(size, o.requested);
			EXPECT_LE(size, o.size) TH_LOG("usable size below %llu",
						       (unsigned long long)size);
			ASSERT_EQ(0, do_fill(fd, h[j], seed));
		}
		/* Filling one object must not touch its neighbours. */
		for (j = 0; j < 3; j++) {
			uint64_t seed = size * 3 + j + 1;

			ASSERT_EQ(0, do_check(fd, h[j], seed, &bad, &first));
			EXPECT_EQ(0, bad) TH_LOG("size %llu: %llu bad bytes from %llu",
						 (unsigned long long)size,
						 (unsigned long long)bad,
						 (unsigned long long)first);
		}
		/* And CHECK sees exactly the bytes where another seed differs. */
		want_bad = pattern_diff(size, size * 3 + 1, size * 3 + 2,
					&want_first);
		ASSERT_EQ(0, do_check(fd, h[0], size * 3 + 2, &bad, &first));
		EXPECT_EQ(want_bad, bad);
		EXPECT_EQ(want_first, first);
		for (j = 0; j < 3; j++)
			EXPECT_EQ(0, do_free(fd, h[j]));
	}
	close(fd);
}

/*
 * Seed 0 is the all-zero pattern. Dirty objects are freed and the same
 * number allocated again with TCMK_ALLOC_ZERO: tcmk's caches are LIFO, so
 * those are largely the dirty ones, and a missed memset fails the ALLOC
 * (the harness checks, EIO) or shows as bad bytes.
 */
TEST(zeroed_alloc_reads_back_zero)
{
	static const uint64_t zsizes[] = { 8, 64, 1000, 4096, 32768, 40000 };
	uint64_t bad, first;
	uint32_t h[32];
	unsigned int i, j;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	for (i = 0; i < ARRAY_SIZE(zsizes); i++) {
		ASSERT_EQ(0, do_alloc(fd, zsizes[i], 32, 0, h));
		for (j = 0; j < 32; j++)
			ASSERT_EQ(0, do_fill(fd, h[j], 0xdead + j));
		/* The check against zero can fail: a dirty object fails it. */
		ASSERT_EQ(0, do_check(fd, h[0], 0, &bad, NULL));
		EXPECT_EQ(pattern_diff(zsizes[i], 0xdead, 0, &first), bad);
		EXPECT_LT(0, bad);
		for (j = 0; j < 32; j++)
			ASSERT_EQ(0, do_free(fd, h[j]));

		ASSERT_EQ(0, do_alloc(fd, zsizes[i], 32, TCMK_ALLOC_ZERO, h));
		for (j = 0; j < 32; j++) {
			ASSERT_EQ(0, do_check(fd, h[j], 0, &bad, &first));
			EXPECT_EQ(0, bad) TH_LOG("size %llu: byte %llu not zero",
						 (unsigned long long)zsizes[i],
						 (unsigned long long)first);
			EXPECT_EQ(0, do_free(fd, h[j]));
		}
	}
	close(fd);
}

static const struct tcmk_ioc_stress stress_good = {
	.threads_per_cpu = 1, .cross_cpu_pct = 50, .ops = 10,
	.min_size = 1, .max_size = 4096, .seed = 1,
};

/* Write @val to /sys/kernel/tcmk/@name (drain, release). */
static int sysfs_write(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/tcmk/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

#define STALE_COUNT	2048

/*
 * Read @n objects of @size fresh from ALLOC, without TCMK_ALLOC_ZERO, against
 * seed 0: each must read as zeroes. Returns how many did not; *@linked
 * counts those whose first word also differs from the @fill pattern that
 * was written before the objects were last freed: something overwrote it
 * inside the kernel, as tcmk's free list does with a link to the next free
 * object.
 */
static unsigned int count_stale(struct __test_metadata *_metadata, int fd,
				uint64_t size, uint32_t n, uint64_t fill,
				unsigned int *linked)
{
	uint32_t *h = calloc(n, sizeof(*h));
	uint64_t bad, first, fbad, ffirst;
	unsigned int stale = 0, j;

	*linked = 0;
	if (!h)
		return n;
	if (do_alloc(fd, size, n, 0, h)) {
		free(h);
		return n;
	}
	for (j = 0; j < n; j++) {
		if (do_check(fd, h[j], 0, &bad, &first) ||
		    do_check(fd, h[j], fill, &fbad, &ffirst)) {
			stale++;
			continue;
		}
		if (bad) {
			stale++;
			*linked += fbad && ffirst < 8;
		}
	}
	for (j = 0; j < n; j++)
		do_free(fd, h[j]);
	free(h);
	return stale;
}

/*
 * Userspace never reads a byte the kernel left in memory, whatever
 * init_on_alloc is: an object from ALLOC reads as zeroes even without
 * TCMK_ALLOC_ZERO. Objects that went back to their spans hold the free
 * list's link in their first word, a kernel address, which CHECK against
 * chosen seeds reads out a byte at a time. Half the objects stay allocated,
 * so that their spans stay and the other half are threaded on free lists.
 */
TEST(new_objects_hold_nothing_stale)
{
	static const uint64_t ssizes[] = { 8, 64, 1000 };
	unsigned int i, j, stale, linked;
	uint32_t *h;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	h = calloc(2 * STALE_COUNT, sizeof(*h));
	ASSERT_NE(NULL, h);
	for (i = 0; i < ARRAY_SIZE(ssizes); i++) {
		ASSERT_EQ(0, do_alloc(fd, ssizes[i], STALE_COUNT, 0, h));
		ASSERT_EQ(0, do_alloc(fd, ssizes[i], STALE_COUNT, 0,
				      h + STALE_COUNT));
		for (j = 0; j < 2 * STALE_COUNT; j++)
			ASSERT_EQ(0, do_fill(fd, h[j], 0xfeed));
		for (j = 0; j < 2 * STALE_COUNT; j += 2)
			ASSERT_EQ(0, do_free(fd, h[j]));
		ASSERT_EQ(0, sysfs_write("drain", "1"));
		ASSERT_EQ(0, sysfs_write("release", "1"));
		stale = count_stale(_metadata, fd, ssizes[i], STALE_COUNT,
				    0xfeed, &linked);
		EXPECT_EQ(0, stale) TH_LOG("size %llu: %u of %u new objects hold old bytes, %u with a new first word (a free-list link)",
					   (unsigned long long)ssizes[i], stale,
					   STALE_COUNT, linked);
		for (j = 1; j < 2 * STALE_COUNT; j += 2)
			ASSERT_EQ(0, do_free(fd, h[j]));
	}
	free(h);
	close(fd);
}

/*
 * A STRESS run fills its objects with patterns and frees them: none of it
 * reaches userspace through the objects ALLOC hands out next.
 */
TEST(new_objects_hold_nothing_of_a_stress_run)
{
	struct tcmk_ioc_stress s = stress_good;
	unsigned int stale, linked;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	s.cross_cpu_pct = 0;
	s.ops = 4096;
	s.min_size = 64;
	s.max_size = 64;
	ASSERT_EQ(0, xioctl(fd, TCMK_IOC_STRESS, &s));
	EXPECT_EQ(0, s.errors);
	ASSERT_EQ(0, sysfs_write("drain", "1"));
	stale = count_stale(_metadata, fd, 64, STALE_COUNT, 1, &linked);
	EXPECT_EQ(0, stale) TH_LOG("%u of %u new objects hold bytes of the stress run",
				   stale, STALE_COUNT);
	close(fd);
}

TEST(atomic_alloc)
{
	uint64_t bad;
	uint32_t h[16];
	int fd, j;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, do_alloc(fd, 200, 16, TCMK_ALLOC_ATOMIC | TCMK_ALLOC_ZERO, h));
	for (j = 0; j < 16; j++) {
		ASSERT_EQ(0, do_check(fd, h[j], 0, &bad, NULL));
		EXPECT_EQ(0, bad);
	}
	close(fd);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

TEST(handles_unique_and_in_range)
{
	uint32_t *h = calloc(2 * TCMK_IOC_MAX_COUNT, sizeof(*h));
	unsigned int i, dups = 0;
	int fd;

	ASSERT_NE(NULL, h);
	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, do_alloc(fd, 16, TCMK_IOC_MAX_COUNT, 0, h));
	ASSERT_EQ(0, do_alloc(fd, 48, TCMK_IOC_MAX_COUNT, 0, h + TCMK_IOC_MAX_COUNT));
	qsort(h, 2 * TCMK_IOC_MAX_COUNT, sizeof(*h), cmp_u32);
	EXPECT_LE(1, h[0]);
	EXPECT_GE(TCMK_IOC_MAX_HANDLES, h[2 * TCMK_IOC_MAX_COUNT - 1]);
	for (i = 1; i < 2 * TCMK_IOC_MAX_COUNT; i++)
		dups += h[i - 1] == h[i];
	EXPECT_EQ(0, dups);
	close(fd);
	free(h);
}

TEST(close_frees_everything)
{
	struct live before, held, after;
	uint32_t h[100];
	int fd, watch;

	watch = dev_open(_metadata);
	if (watch < 0)
		SKIP(return, NO_DEVICE);
	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	before = live_now(_metadata, watch);
	ASSERT_EQ(0, do_alloc(fd, 64, 100, 0, h));
	ASSERT_EQ(0, do_alloc(fd, 40000, 10, 0, h));
	ASSERT_EQ(0, do_alloc(fd, TCMK_IOC_MAX_SIZE, 1, TCMK_ALLOC_ZERO, h));
	held = live_now(_metadata, watch);
	EXPECT_EQ(before.objects + HELD(111), held.objects);
	EXPECT_LE(before.bytes + 100 * 64 + 10 * 40000 + TCMK_IOC_MAX_SIZE,
		  held.bytes);
	close(fd);
	after = live_now(_metadata, watch);
	EXPECT_LIVE_EQ(before, after);
	close(watch);
}

TEST(stats_reserved_zero_and_sane)
{
	struct tcmk_ioc_stats st;
	unsigned int i;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, do_stats(fd, &st));
	for (i = 0; i < ARRAY_SIZE(st.reserved); i++)
		EXPECT_EQ(0, st.reserved[i]);
	EXPECT_LE(st.free_total, st.alloc_total);
	EXPECT_EQ(st.alloc_total, st.alloc_fastpath + st.alloc_slowpath);
	EXPECT_EQ(st.free_total, st.free_fastpath + st.free_slowpath);
	EXPECT_LE(st.large_free_total, st.large_alloc_total);
	close(fd);
}

TEST(alloc_rejects_bad_arguments)
{
	struct tcmk_ioc_alloc good, a;
	struct live before, after;
	uint32_t h[4];
	unsigned int i;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	before = live_now(_metadata, fd);
	good = (struct tcmk_ioc_alloc){ .size = 64, .count = 4,
					.handles = (uintptr_t)h };
	for (i = 0; i < ARRAY_SIZE(good.reserved); i++) {
		a = good;
		a.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	}
	a = good;
	a.flags = TCMK_ALLOC_FLAGS + 1;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	a.flags = 1U << 31;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	a = good;
	a.size = 0;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	a.size = TCMK_IOC_MAX_SIZE + 1;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	a.size = 1ULL << 63;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	a = good;
	a.count = 0;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	a.count = TCMK_IOC_MAX_COUNT + 1;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	a.count = UINT32_MAX;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_ALLOC, &a));
	after = live_now(_metadata, fd);
	EXPECT_LIVE_EQ(before, after);
	/* The file holds nothing: the lowest handle is unknown. */
	EXPECT_EQ(-ENOENT, do_free(fd, 1));
	close(fd);
}

/* A handle array the kernel cannot write: nothing may stay allocated. */
TEST(alloc_unwritable_handles_leaves_nothing)
{
	long page = sysconf(_SC_PAGESIZE);
	struct live before, after;
	struct tcmk_ioc_object o;
	char *map;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_READ));
	before = live_now(_metadata, fd);

	EXPECT_EQ(-EFAULT, do_alloc(fd, 64, 8, 0, NULL));
	EXPECT_EQ(-EFAULT, do_alloc(fd, 64, 8, 0, (uint32_t *)(map + page)));
	/* Half writable: the copy fails part way. */
	EXPECT_EQ(-EFAULT, do_alloc(fd, 100, 64, 0,
				    (uint32_t *)(map + page - 32 * 4)));
	EXPECT_EQ(-EFAULT, do_alloc(fd, 50000, 2, TCMK_ALLOC_ZERO,
				    (uint32_t *)(map + page)));
	after = live_now(_metadata, fd);
	EXPECT_LIVE_EQ(before, after);
	EXPECT_EQ(-ENOENT, do_size(fd, 1, &o));

	/* The file is still usable, and its first handle is 1 again. */
	ASSERT_EQ(0, do_alloc(fd, 64, 1, 0, (uint32_t *)map));
	EXPECT_EQ(1, *(uint32_t *)map);
	munmap(map, 2 * page);
	close(fd);
}

TEST(object_commands_reject_bad_arguments)
{
	struct tcmk_ioc_pattern p;
	struct tcmk_ioc_object o;
	uint32_t h;
	unsigned int i;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, do_alloc(fd, 64, 1, 0, &h));

	o = (struct tcmk_ioc_object){ .handle = h, .pad = 1 };
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_FREE, &o));
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_SIZE, &o));
	o = (struct tcmk_ioc_object){ .handle = h, .pad2 = 1 };
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_FREE, &o));
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_SIZE, &o));
	o = (struct tcmk_ioc_object){ .handle = h, .reserved = 1 };
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_FREE, &o));
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_SIZE, &o));
	p = (struct tcmk_ioc_pattern){ .handle = h, .pad = 1, .seed = 1 };
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_FILL, &p));
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_CHECK, &p));
	for (i = 0; i < ARRAY_SIZE(p.reserved); i++) {
		p = (struct tcmk_ioc_pattern){ .handle = h, .seed = 1 };
		p.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_FILL, &p));
		EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_CHECK, &p));
	}

	/* Unknown handles, including 0 and the largest. */
	{
		const uint32_t unknown[] = { 0, h + 1, TCMK_IOC_MAX_HANDLES,
					     TCMK_IOC_MAX_HANDLES + 1, UINT32_MAX };

		for (i = 0; i < ARRAY_SIZE(unknown); i++) {
			uint64_t bad;

			EXPECT_EQ(-ENOENT, do_free(fd, unknown[i]));
			EXPECT_EQ(-ENOENT, do_size(fd, unknown[i], &o));
			EXPECT_EQ(-ENOENT, do_fill(fd, unknown[i], 1));
			EXPECT_EQ(-ENOENT, do_check(fd, unknown[i], 1, &bad, NULL));
		}
	}

	/* The object survived all that; then a double free. */
	EXPECT_EQ(0, do_size(fd, h, &o));
	EXPECT_EQ(0, do_free(fd, h));
	EXPECT_EQ(-ENOENT, do_free(fd, h));
	EXPECT_EQ(-ENOENT, do_size(fd, h, &o));
	close(fd);
}

TEST(handles_belong_to_their_file)
{
	struct tcmk_ioc_object o;
	uint32_t h;
	int fd, other;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	other = dev_open(_metadata);
	if (other < 0)
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, do_alloc(fd, 64, 1, 0, &h));
	EXPECT_EQ(-ENOENT, do_size(other, h, &o));
	EXPECT_EQ(-ENOENT, do_free(other, h));
	EXPECT_EQ(0, do_free(fd, h));
	close(other);
	close(fd);
}

TEST(stats_rejects_reserved)
{
	struct tcmk_ioc_stats st;
	unsigned int i;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	for (i = 0; i < ARRAY_SIZE(st.reserved); i++) {
		memset(&st, 0, sizeof(st));
		st.reserved[i] = 1;
		EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_STATS, &st));
	}
	close(fd);
}

TEST(stress_rejects_bad_arguments)
{
	struct tcmk_ioc_stress s;
	unsigned int i;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
#define STRESS_EINVAL(field, value) do {				\
		s = stress_good;					\
		s.field = (value);					\
		EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_STRESS, &s))	\
			TH_LOG("%s = %llu", #field, (unsigned long long)(value)); \
	} while (0)
	STRESS_EINVAL(threads_per_cpu, 0);
	STRESS_EINVAL(threads_per_cpu, TCMK_STRESS_MAX_THREADS + 1);
	STRESS_EINVAL(cross_cpu_pct, 101);
	STRESS_EINVAL(ops, 0);
	STRESS_EINVAL(ops, (1ULL << 32) + 1);
	STRESS_EINVAL(duration_ns, 1000);		/* with ops too */
	STRESS_EINVAL(min_size, 0);
	STRESS_EINVAL(min_size, 4097);			/* above max_size */
	STRESS_EINVAL(max_size, TCMK_IOC_MAX_SIZE + 1);
	for (i = 0; i < ARRAY_SIZE(s.reserved); i++)
		STRESS_EINVAL(reserved[i], 1);
	s = stress_good;
	s.ops = 0;
	s.duration_ns = TCMK_STRESS_MAX_NS + 1;
	EXPECT_EQ(-EINVAL, xioctl(fd, TCMK_IOC_STRESS, &s));
	close(fd);
}

TEST(unknown_commands_enotty)
{
	const unsigned long cmds[] = {
		_IO(TCMK_IOC_MAGIC, 0),
		_IOWR(TCMK_IOC_MAGIC, 16, struct tcmk_ioc_stress),	/* past the last */
		_IOWR(TCMK_IOC_MAGIC, 1, uint32_t),	/* ALLOC, wrong size */
		_IOR(TCMK_IOC_MAGIC, 6, struct tcmk_ioc_stats),	/* STATS, wrong direction */
		_IOWR(TCMK_IOC_MAGIC + 1, 1, struct tcmk_ioc_alloc),
		0x5401,					/* TCGETS */
	};
	struct tcmk_ioc_stats buf;
	unsigned int i;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		memset(&buf, 0, sizeof(buf));
		EXPECT_EQ(-ENOTTY, xioctl(fd, cmds[i], &buf)) TH_LOG("cmd %#lx", cmds[i]);
	}
	close(fd);
}

/* The device is a stream of commands: it has no file position to move. */
TEST(device_is_not_seekable)
{
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	errno = 0;
	EXPECT_EQ(-1, lseek(fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	errno = 0;
	EXPECT_EQ(-1, lseek(fd, 16, SEEK_CUR));
	EXPECT_EQ(ESPIPE, errno);
	close(fd);
}

TEST(bad_pointers_efault)
{
	const unsigned long cmds[] = {
		TCMK_IOC_ALLOC, TCMK_IOC_FREE, TCMK_IOC_FILL, TCMK_IOC_CHECK,
		TCMK_IOC_SIZE, TCMK_IOC_STATS, TCMK_IOC_STRESS,
	};
	long page = sysconf(_SC_PAGESIZE);
	struct tcmk_ioc_pattern *p;
	struct tcmk_ioc_stats *st;
	unsigned int i;
	void *ro;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(-EFAULT, xioctl(fd, cmds[i], NULL));
		EXPECT_EQ(-EFAULT, xioctl(fd, cmds[i], (void *)16));
	}
	/* Results that cannot be written back. */
	ro = mmap(NULL, page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	p = ro;
	ASSERT_EQ(0, do_alloc(fd, 64, 1, 0, &p->handle));
	p->seed = 5;
	st = (void *)(p + 1);
	ASSERT_EQ(0, mprotect(ro, page, PROT_READ));
	EXPECT_EQ(0, xioctl(fd, TCMK_IOC_FILL, p));	/* writes nothing back */
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_CHECK, p));
	EXPECT_EQ(-EFAULT, xioctl(fd, TCMK_IOC_STATS, st));
	munmap(ro, page);
	close(fd);
}

TEST(device_node_root_only)
{
	struct stat st;

	if (stat(TCMK_DEVICE, &st) && errno == ENOENT)
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, stat(TCMK_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST(non_root_cannot_open)
{
	int err;

	if (access(TCMK_DEVICE, F_OK))
		SKIP(return, NO_DEVICE);
	err = open_as(NOBODY, 0);
	EXPECT_TRUE(err == EACCES || err == EPERM) TH_LOG("open as uid %d: %d", NOBODY, err);
}

TEST(root_without_cap_sys_admin_cannot_open)
{
	if (access(TCMK_DEVICE, F_OK))
		SKIP(return, NO_DEVICE);
	EXPECT_EQ(EPERM, open_as(0, 1));
	EXPECT_EQ(0, open_as(0, 0));
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

TEST(stress_timed_run_no_errors)
{
	struct tcmk_ioc_stress s = stress_good;
	struct live before, after;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	before = live_now(_metadata, fd);
	s.ops = 0;
	s.duration_ns = NSEC_PER_SEC;
	s.max_size = 64 << 10;		/* small classes and the large path */
	ASSERT_EQ(0, xioctl(fd, TCMK_IOC_STRESS, &s));
	EXPECT_EQ(0, s.errors);
	EXPECT_LT(0, s.ops);
	EXPECT_LE(NSEC_PER_SEC, s.elapsed_ns);
	EXPECT_GT(20 * NSEC_PER_SEC, s.elapsed_ns);
	after = live_now(_metadata, fd);
	EXPECT_LIVE_EQ(before, after);
	TH_LOG("%llu ops in %llu ns", (unsigned long long)s.ops,
	       (unsigned long long)s.elapsed_ns);
	close(fd);
}

TEST(stress_counted_run_does_every_op)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct tcmk_ioc_stress s = stress_good;
	struct live before, after;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	before = live_now(_metadata, fd);
	s.threads_per_cpu = 2;
	s.ops = 200;
	s.cross_cpu_pct = 100;
	s.min_size = 8;
	s.max_size = 8;
	ASSERT_EQ(0, xioctl(fd, TCMK_IOC_STRESS, &s));
	EXPECT_EQ(0, s.errors);
	EXPECT_EQ(200ULL * 2 * cpus, s.ops);
	after = live_now(_metadata, fd);
	EXPECT_LIVE_EQ(before, after);
	close(fd);
}

static void on_usr1(int sig)
{
}

/* A handled signal ends the run early with EINTR and the results so far. */
TEST(stress_interrupted_by_signal)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	struct tcmk_ioc_stress s = stress_good;
	struct live before, after;
	pid_t self = getpid(), pid;
	uint64_t t0;
	int fd;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	before = live_now(_metadata, fd);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		usleep(300 * 1000);
		kill(self, SIGUSR1);
		_exit(0);
	}
	s.ops = 0;
	s.duration_ns = TCMK_STRESS_MAX_NS;
	t0 = now_ns();
	EXPECT_EQ(-EINTR, xioctl(fd, TCMK_IOC_STRESS, &s));
	EXPECT_GT(20 * NSEC_PER_SEC, now_ns() - t0);
	EXPECT_EQ(0, s.errors);
	EXPECT_LT(0, s.ops);
	EXPECT_LT(0, s.elapsed_ns);
	waitpid(pid, NULL, 0);
	after = live_now(_metadata, fd);
	EXPECT_LIVE_EQ(before, after);
	close(fd);
}

/* A process killed in the middle of STRESS leaves nothing allocated. */
TEST(killed_during_stress_leaves_nothing)
{
	struct live before, after;
	int fd, status;
	uint64_t t0;
	pid_t pid;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	before = live_now(_metadata, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct tcmk_ioc_stress s = stress_good;

		s.ops = 0;
		s.duration_ns = TCMK_STRESS_MAX_NS;
		s.max_size = 100000;
		ioctl(fd, TCMK_IOC_STRESS, &s);
		_exit(1);
	}
	usleep(300 * 1000);
	t0 = now_ns();
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_GT(20 * NSEC_PER_SEC, now_ns() - t0);
	after = live_now(_metadata, fd);
	EXPECT_LIVE_EQ(before, after);
	close(fd);
}

/* A process killed while holding objects leaves nothing allocated. */
TEST(killed_holding_objects_leaves_nothing)
{
	struct live before, held, after;
	int fd, status, ready[2];
	pid_t pid;
	char c;

	fd = dev_open(_metadata);
	if (fd < 0)
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, pipe(ready));
	before = live_now(_metadata, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint32_t h[1000];
		int own = open(TCMK_DEVICE, O_RDWR);

		if (own < 0 || do_alloc(own, 256, 1000, 0, h) ||
		    do_alloc(own, 1 << 20, 3, 0, h))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(1);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	held = live_now(_metadata, fd);
	EXPECT_EQ(before.objects + HELD(1003), held.objects);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	after = live_now(_metadata, fd);
	EXPECT_LIVE_EQ(before, after);
	close(fd);
}

TEST_HARNESS_MAIN
