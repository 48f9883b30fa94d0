// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: tcmk under fault injection. A STRESS run (/dev/tcmk) while the
 * kernel's fail_page_alloc and tcmk's fail_alloc each fail 10% of the
 * calls they may fail, for the stress threads only (task-filter; the
 * threads take the caller's make-it-fail). Allocations return NULL and
 * nothing else goes wrong: no object is corrupted, and once the run is over
 * and the caches drained the statistics are back where they were.
 *
 * Run as root with tcmk.ko and tcmk_harness.ko loaded and debugfs mounted,
 * on a kernel with CONFIG_FAULT_INJECTION, CONFIG_FAULT_INJECTION_DEBUG_FS
 * and CONFIG_FAIL_PAGE_ALLOC; elsewhere it skips, naming what is missing.
 * The statistics compared are exact only while nothing else uses tcmk, as
 * in the test guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcmk.h>

#include "kselftest_harness.h"

#define NSEC_PER_SEC	1000000000ULL
#define DEBUGFS		"/sys/kernel/debug"
#define FAIL_PAGE	DEBUGFS "/fail_page_alloc"
#define FAIL_TCMK	DEBUGFS "/tcmk/fail_alloc"
#define TCMK_SYSFS	"/sys/kernel/tcmk"
#define MAKE_IT_FAIL	"/proc/self/make-it-fail"

/* The knobs set, in the order they are set; probability, the switch, last. */
static const char *const knobs[] = {
	"interval", "times", "space", "verbose", "task-filter",
	"ignore-gfp-wait", "probability",
};
static const char *const values[] = { "1", "-1", "0", "0", "Y", "N", "10" };
#define NR_KNOBS	ARRAY_SIZE(knobs)

static int read_str(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? n : 0;
}

static int knob_path(char *path, size_t len, const char *dir, const char *knob)
{
	return snprintf(path, len, "%s/%s", dir, knob);
}

static uint64_t stat_of(struct __test_metadata *_metadata, const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), TCMK_SYSFS "/%s", name);
	EXPECT_EQ(0, read_str(path, buf, sizeof(buf))) TH_LOG("read %s", path);
	return strtoull(buf, NULL, 10);
}

struct tcmk_live {
	uint64_t bytes, objects, bad_frees;
};

/* After a drain, so that the counters of every CPU's cache are settled. */
static struct tcmk_live live_now(struct __test_metadata *_metadata)
{
	struct tcmk_live l;

	EXPECT_EQ(0, write_str(TCMK_SYSFS "/drain", "1"));
	l.bytes = stat_of(_metadata, "bytes_in_use");
	l.objects = stat_of(_metadata, "alloc_total") - stat_of(_metadata, "free_total");
	l.bad_frees = stat_of(_metadata, "bad_free_total");
	return l;
}

FIXTURE(fault) {
	char saved[2][NR_KNOBS][32];
	bool set;
	int fd;
};

static const char *const dirs[] = { FAIL_PAGE, FAIL_TCMK };

FIXTURE_SETUP(fault)
{
	char path[128];
	unsigned int d, k;

	self->set = false;
	self->fd = -1;
	if (access(MAKE_IT_FAIL, F_OK))
		SKIP(return, "no %s: the kernel lacks CONFIG_FAULT_INJECTION", MAKE_IT_FAIL);
	if (access(FAIL_PAGE, F_OK))
		SKIP(return, "no %s: the kernel lacks CONFIG_FAIL_PAGE_ALLOC or CONFIG_FAULT_INJECTION_DEBUG_FS (or debugfs is not mounted)",
		     FAIL_PAGE);
	if (access(FAIL_TCMK, F_OK))
		SKIP(return, "no %s: tcmk.ko not loaded, or the kernel lacks CONFIG_FAULT_INJECTION_DEBUG_FS",
		     FAIL_TCMK);
	self->fd = open(TCMK_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, TCMK_DEVICE " missing: is tcmk_harness.ko loaded?");
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TCMK_DEVICE, strerror(errno));

	for (d = 0; d < 2; d++) {
		for (k = 0; k < NR_KNOBS; k++) {
			knob_path(path, sizeof(path), dirs[d], knobs[k]);
			ASSERT_EQ(0, read_str(path, self->saved[d][k],
					      sizeof(self->saved[d][k])))
				TH_LOG("read %s", path);
		}
	}
	self->set = true;
	for (d = 0; d < 2; d++) {
		for (k = 0; k < NR_KNOBS; k++) {
			knob_path(path, sizeof(path), dirs[d], knobs[k]);
			ASSERT_EQ(0, write_str(path, values[k]))
				TH_LOG("write %s to %s", values[k], path);
		}
	}
}

/* Switched off first (probability), then every knob as it was. */
FIXTURE_TEARDOWN(fault)
{
	char path[128], now[32];
	unsigned int d, k;

	write_str(MAKE_IT_FAIL, "0");
	if (self->set) {
		for (d = 0; d < 2; d++) {
			knob_path(path, sizeof(path), dirs[d], "probability");
			EXPECT_EQ(0, write_str(path, "0"));
			for (k = 0; k < NR_KNOBS; k++) {
				knob_path(path, sizeof(path), dirs[d], knobs[k]);
				EXPECT_EQ(0, write_str(path, self->saved[d][k]))
					TH_LOG("restore %s", path);
				EXPECT_EQ(0, read_str(path, now, sizeof(now)));
				EXPECT_STREQ(self->saved[d][k], now)
					TH_LOG("%s not restored", path);
			}
		}
	}
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * Only the stress threads fail. The call itself allocates under the same
 * make-it-fail (its run and threads), so a run that could not start is
 * tried again.
 */
TEST_F(fault, stress_under_fail_page_alloc_and_fail_alloc)
{
	struct tcmk_ioc_stress s;
	struct tcmk_live before, after;
	int ret = -ENOMEM, tries;

	/* Skipped in setup: older harnesses run the body all the same. */
	if (!self->set)
		return;
	before = live_now(_metadata);
	for (tries = 0; ret == -ENOMEM && tries < 10; tries++) {
		memset(&s, 0, sizeof(s));
		s.threads_per_cpu = 2;
		s.cross_cpu_pct = 50;
		s.duration_ns = 3 * NSEC_PER_SEC;
		s.min_size = 1;
		s.max_size = 64 << 10;	/* small classes and the large path */
		s.seed = 20 + tries;
		ASSERT_EQ(0, write_str(MAKE_IT_FAIL, "1"));
		ret = ioctl(self->fd, TCMK_IOC_STRESS, &s) ? -errno : 0;
		ASSERT_EQ(0, write_str(MAKE_IT_FAIL, "0"));
	}
	ASSERT_EQ(0, ret) TH_LOG("STRESS: %s", strerror(-ret));
	TH_LOG("%llu ops, %llu failed allocations, %llu errors",
	       (unsigned long long)s.ops, (unsigned long long)s.failed,
	       (unsigned long long)s.errors);
	EXPECT_LT(0, s.ops);
	EXPECT_LT(0, s.failed) TH_LOG("no allocation failed: is fault injection on?");
	EXPECT_GT(s.ops, s.failed);
	EXPECT_EQ(s.failed, s.errors) TH_LOG("corrupted or undersized objects");

	after = live_now(_metadata);
	EXPECT_EQ(before.bytes, after.bytes);
	EXPECT_EQ(before.objects, after.objects);
	EXPECT_EQ(before.bad_frees, after.bad_frees);
}

/* Without make-it-fail nothing fails: the filter keeps the rest of the system out. */
TEST_F(fault, task_filter_spares_other_tasks)
{
	struct tcmk_ioc_stress s = {
		.threads_per_cpu = 1, .cross_cpu_pct = 50, .ops = 2000,
		.min_size = 1, .max_size = 4096, .seed = 7,
	};

	if (!self->set)
		return;
	ASSERT_EQ(0, ioctl(self->fd, TCMK_IOC_STRESS, &s)) TH_LOG("STRESS: %s", strerror(errno));
	EXPECT_EQ(0, s.failed);
	EXPECT_EQ(0, s.errors);
}

TEST_HARNESS_MAIN
