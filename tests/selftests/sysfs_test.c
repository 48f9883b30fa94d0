// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: /sys/kernel/tcmk/ matches tcmk's size-class table.
 *
 * Run as root with tcmk.ko loaded. The expected values come from the same
 * generated header the module is built from (module/sizeclasses.h); the span
 * rules are also checked from the sysfs values alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sizeclasses.h"

#define TCMK_SYSFS	"/sys/kernel/tcmk"
#define PAGE_BYTES	4096UL

struct expected_class {
	unsigned long size, pages, objects, batch;
};

#define EXPECTED(cls, sz, pg, objs, bat, magic) { sz, pg, objs, bat },
static const struct expected_class expected[] = {
	TCMK_SIZE_CLASSES(EXPECTED)
};

/* Read a file holding one unsigned decimal value and a newline. */
static int read_ulong(const char *path, unsigned long *val)
{
	char buf[64], *end;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	errno = 0;
	*val = strtoul(buf, &end, 10);
	if (errno || end == buf || strcmp(end, "\n"))
		return -EINVAL;
	return 0;
}

static int read_class(unsigned long size, const char *file, unsigned long *val)
{
	char path[256];

	snprintf(path, sizeof(path), TCMK_SYSFS "/classes/%lu/%s", size, file);
	return read_ulong(path, val);
}

TEST(version_is_one_line)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(TCMK_SYSFS "/version", O_RDONLY);
	ASSERT_GE(fd, 0) TH_LOG("open %s/version: %s (is tcmk.ko loaded?)",
				TCMK_SYSFS, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_GT(n, 1);
	buf[n] = '\0';
	EXPECT_EQ('\n', buf[n - 1]);
	EXPECT_EQ(NULL, strchr(buf, ' '));
	EXPECT_EQ(n - 1, (ssize_t)strcspn(buf, "\n"));
}

TEST(one_directory_per_class)
{
	unsigned long seen = 0;
	struct dirent *de;
	DIR *dir;

	dir = opendir(TCMK_SYSFS "/classes");
	ASSERT_NE(NULL, dir) TH_LOG("opendir: %s", strerror(errno));
	while ((de = readdir(dir))) {
		unsigned long size, i;
		char *end;

		if (de->d_name[0] == '.')
			continue;
		size = strtoul(de->d_name, &end, 10);
		EXPECT_EQ('\0', *end) TH_LOG("stray entry %s", de->d_name);
		for (i = 0; i < TCMK_NR_CLASSES; i++)
			if (expected[i].size == size)
				break;
		EXPECT_LT(i, TCMK_NR_CLASSES) TH_LOG("no class of %lu bytes", size);
		seen++;
	}
	closedir(dir);
	EXPECT_EQ(TCMK_NR_CLASSES, seen);
}

TEST(class_files_match_table)
{
	static const char * const files[] = {
		"size", "pages_per_span", "objects_per_span", "batch",
	};
	unsigned long i, f;

	for (i = 0; i < TCMK_NR_CLASSES; i++) {
		const unsigned long want[] = {
			expected[i].size, expected[i].pages,
			expected[i].objects, expected[i].batch,
		};

		for (f = 0; f < ARRAY_SIZE(files); f++) {
			unsigned long val = 0;

			ASSERT_EQ(0, read_class(expected[i].size, files[f], &val))
				TH_LOG("class %lu: %s unreadable", expected[i].size, files[f]);
			EXPECT_EQ(want[f], val)
				TH_LOG("class %lu: %s", expected[i].size, files[f]);
		}
	}
}

/* Go's rule, from what sysfs says alone: smallest span with a tail of at most 1/8. */
TEST(spans_follow_the_rule)
{
	unsigned long i;

	for (i = 0; i < TCMK_NR_CLASSES; i++) {
		unsigned long size, pages, objects, bytes;

		ASSERT_EQ(0, read_class(expected[i].size, "size", &size));
		ASSERT_EQ(0, read_class(size, "pages_per_span", &pages));
		ASSERT_EQ(0, read_class(size, "objects_per_span", &objects));
		bytes = pages * PAGE_BYTES;
		EXPECT_EQ(bytes / size, objects) TH_LOG("class %lu", size);
		EXPECT_LE(bytes % size, bytes / 8) TH_LOG("class %lu", size);
		if (pages > 1)
			EXPECT_GT((bytes - PAGE_BYTES) % size, (bytes - PAGE_BYTES) / 8)
				TH_LOG("class %lu: a smaller span would do", size);
	}
}

TEST(statistics_read_only)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(TCMK_SYSFS "/classes/8/size", &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	ASSERT_EQ(0, stat(TCMK_SYSFS "/version", &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
	/* Even root cannot open a file that has no store method for writing. */
	fd = open(TCMK_SYSFS "/classes/8/size", O_WRONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EACCES, errno);
	if (fd >= 0)
		close(fd);
}

TEST_HARNESS_MAIN
