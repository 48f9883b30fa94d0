// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: tcmk under kmemleak.
 *
 * Run as root with tcmk.ko and tcmk_harness.ko loaded and debugfs mounted.
 * On a kernel with CONFIG_DEBUG_KMEMLEAK, /dev/tcmk plants a tcmk object
 * nothing points to and two kmalloc() objects that only tcmk's memory points
 * to (one from a live tcmk object, one from a rooted collected object), and
 * the test reads /sys/kernel/debug/kmemleak after a scan: the lost object
 * must be the one report there, with its allocation stack, and once freed
 * there must be none. Run last of tcmk's kselftests, it so checks that
 * nothing the kernel, the KUnit suites and the other kselftests did since
 * boot left a leak behind either. On other kernels TCMK_IOC_KMEMLEAK must
 * refuse with EOPNOTSUPP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcmk.h>

#include "kselftest_harness.h"

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#define NO_DEVICE	TCMK_DEVICE " missing: is tcmk_harness.ko loaded?"
/* kmemleak reports no object younger than this (MSECS_MIN_AGE), in s. */
#define MIN_AGE		5
/*
 * Scans to wait for the lost object: a stale copy of its address left on a
 * stack keeps it referenced until the stack is written over.
 */
#define SCANS		5
#define REPORT_MAX	(1 << 20)
/*
 * A scan reads every object kmemleak knows and all of the guest's struct
 * pages: seconds each on a debug kernel under emulation, more than the
 * harness's default 30 s for the test.
 */
#define SCAN_TIMEOUT	300

static int plant(int dev, unsigned int op)
{
	struct tcmk_ioc_kmemleak arg = { .op = op };

	return ioctl(dev, TCMK_IOC_KMEMLEAK, &arg) ? -errno : 0;
}

/* Ask kmemleak for a scan now: 0 or -errno. */
static int scan(void)
{
	int fd = open(KMEMLEAK, O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "scan", 4) != 4)
		ret = -errno;
	close(fd);
	return ret;
}

/* The report, NUL-terminated, in a buffer the caller frees; NULL on error. */
static char *report(void)
{
	char *buf = malloc(REPORT_MAX + 1);
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(KMEMLEAK, O_RDONLY);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while (len < REPORT_MAX && (n = read(fd, buf + len, REPORT_MAX - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

#define RECORD	"unreferenced object "

/*
 * Reports in @rep whose text contains @what (all of them if NULL); the
 * first such is returned in *@first, up to the next report, if @first.
 */
static int count(const char *rep, const char *what, char *first, size_t size)
{
	const char *r = strstr(rep, RECORD), *next;
	int n = 0;

	while (r) {
		size_t len;

		next = strstr(r + 1, RECORD);
		len = next ? (size_t)(next - r) : strlen(r);
		if (!what || memmem(r, len, what, strlen(what))) {
			if (!n && first && size) {
				len = len < size ? len : size - 1;
				memcpy(first, r, len);
				first[len] = '\0';
			}
			n++;
		}
		r = next;
	}
	return n;
}

FIXTURE(kmemleak) {
	int dev;
	bool set;
};

FIXTURE_SETUP(kmemleak)
{
	self->set = false;
	self->dev = open(TCMK_DEVICE, O_RDWR);
	ASSERT_GE(self->dev, 0) TH_LOG(NO_DEVICE);
	/* What a test stopped by its timeout left planted. */
	plant(self->dev, TCMK_KMEMLEAK_REMOVE);
	self->set = true;
}

FIXTURE_TEARDOWN(kmemleak)
{
	if (self->set) {
		plant(self->dev, TCMK_KMEMLEAK_REMOVE);
		close(self->dev);
	}
}

/* The lost object is reported, with its stack; nothing else is, ever. */
TEST_F_TIMEOUT(kmemleak, reports_the_lost_object_only, SCAN_TIMEOUT)
{
	char first[2048], other[2048];
	int i, lost = 0, all = 0;
	char *rep = NULL;

	if (access(KMEMLEAK, F_OK))
		SKIP(return, "no %s: the kernel lacks CONFIG_DEBUG_KMEMLEAK (or debugfs is not mounted)",
		     KMEMLEAK);
	if (!self->set)
		return;
	ASSERT_EQ(0, plant(self->dev, TCMK_KMEMLEAK_PLANT));
	sleep(MIN_AGE + 1);
	for (i = 0; i < SCANS && !lost; i++) {
		if (i)
			sleep(1);
		ASSERT_EQ(0, scan());
		free(rep);
		rep = report();
		ASSERT_NE(NULL, rep);
		lost = count(rep, "harness_kmemleak_lost", first, sizeof(first));
	}
	ASSERT_EQ(1, lost) TH_LOG("the lost object was not reported in %d scans", SCANS);
	/*
	 * Its backtrace names the module that allocated it. Whether tcmk's
	 * own frames show above depends on how many kmemleak skips, which
	 * differs between kernels (6.1 skips them, 7.3 shows one).
	 */
	EXPECT_NE(NULL, strstr(first, "harness_kmemleak_lost+"))
		TH_LOG("%s", first);
	EXPECT_NE(NULL, strstr(first, "[tcmk_harness]")) TH_LOG("%s", first);
	/* What only a tcmk object or a collected object points to is not. */
	EXPECT_EQ(0, count(rep, "harness_kmemleak_kept", other, sizeof(other)))
		TH_LOG("%s", other);
	all = count(rep, NULL, NULL, 0);
	if (all != 1) {
		count(rep, NULL, other, sizeof(other));
		if (!strcmp(other, first))
			count(strstr(rep, first) + 1, NULL, other, sizeof(other));
	}
	EXPECT_EQ(1, all) TH_LOG("other reports, the first:\n%s", other);

	/* Freed, it is gone from the report, and nothing else is there. */
	ASSERT_EQ(0, plant(self->dev, TCMK_KMEMLEAK_REMOVE));
	ASSERT_EQ(0, scan());
	free(rep);
	rep = report();
	ASSERT_NE(NULL, rep);
	EXPECT_EQ(0, count(rep, "harness_kmemleak_lost", NULL, 0));
	EXPECT_EQ(0, count(rep, NULL, other, sizeof(other))) TH_LOG("%s", other);
	free(rep);
}

/* The ioctl's contract, with and without kmemleak. */
TEST_F(kmemleak, ioctl_errors)
{
	struct tcmk_ioc_kmemleak arg = { .op = TCMK_KMEMLEAK_PLANT };

	if (!self->set)
		return;
	arg.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->dev, TCMK_IOC_KMEMLEAK, &arg));
	EXPECT_EQ(EINVAL, errno);
	arg.reserved[1] = 0;
	arg.pad = 1;
	EXPECT_EQ(-1, ioctl(self->dev, TCMK_IOC_KMEMLEAK, &arg));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, plant(self->dev, 3));
	EXPECT_EQ(-EINVAL, plant(self->dev, 0));
	if (access(KMEMLEAK, F_OK)) {
		EXPECT_EQ(-EOPNOTSUPP, plant(self->dev, TCMK_KMEMLEAK_PLANT));
		EXPECT_EQ(-EOPNOTSUPP, plant(self->dev, TCMK_KMEMLEAK_REMOVE));
		return;
	}
	EXPECT_EQ(-ENOENT, plant(self->dev, TCMK_KMEMLEAK_REMOVE));
	ASSERT_EQ(0, plant(self->dev, TCMK_KMEMLEAK_PLANT));
	EXPECT_EQ(-EBUSY, plant(self->dev, TCMK_KMEMLEAK_PLANT));
	EXPECT_EQ(0, plant(self->dev, TCMK_KMEMLEAK_REMOVE));
	EXPECT_EQ(-ENOENT, plant(self->dev, TCMK_KMEMLEAK_REMOVE));
}

TEST_HARNESS_MAIN
