// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: /sys/kernel/tcmk/ matches tcmk's size-class table.
 *
 * Run as root with tcmk.ko loaded. The expected values come from the same
 * generated header the module is built from (module/sizeclasses.h); the span
 * rules are also checked from the sysfs values alone. The ABI document
 * (Documentation/ABI/testing/sysfs-kernel-tcmk, found through $TCMK_ABI_DOC or
 * next to this binary) must describe exactly the files the module creates.
 * With tcmk_harness.ko loaded, objects are held through /dev/tcmk while the
 * accounting is checked, so that the figures are not all zero.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/tcmk.h>

#include "kselftest_harness.h"
#include "sizeclasses.h"

#define TCMK_SYSFS	"/sys/kernel/tcmk"
#define PAGE_BYTES	4096UL
/* The merged named cache that holds tcmk_harness.ko's records of handles. */
#define HARNESS_CACHE	"tcmk_harness_obj"
#define HARNESS_CACHE_DIR	TCMK_SYSFS "/caches/" HARNESS_CACHE

/* A row of the generated table; sysfs shows all but the divisor's magic. */
struct expected_class {
	unsigned long size, pages, objects, batch, magic;
};

#define EXPECTED(cls, sz, pg, objs, bat, magic) \
	[cls] = { sz, pg, objs, bat, magic },
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

static int write_str(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

static unsigned long top(const char *file)
{
	char path[256];
	unsigned long val = ~0UL;

	snprintf(path, sizeof(path), TCMK_SYSFS "/%s", file);
	if (read_ulong(path, &val))
		return ~0UL;
	return val;
}

/* Mode an ABI description asks for: "(RO)", "(RW, root)" or "(WO, root)". */
/* doc_mode() of a symbolic link, which has no mode of its own. */
#define DOC_LINK	01000000

static int doc_mode(const char *desc)
{
	if (!strncmp(desc, "(RO)", 4))
		return 0444;
	if (!strncmp(desc, "(RO, root)", 10))
		return 0400;
	if (!strncmp(desc, "(Link)", 6))
		return DOC_LINK;
	if (!strncmp(desc, "(RW, root)", 10))
		return 0600;
	if (!strncmp(desc, "(RW, root writes)", 17))
		return 0644;
	if (!strncmp(desc, "(WO, root)", 10))
		return 0200;
	return -1;
}

static char self_dir[PATH_MAX];

static FILE *open_abi_doc(void)
{
	const char *env = getenv("TCMK_ABI_DOC");
	char path[PATH_MAX + 32];

	if (env)
		return fopen(env, "r");
	snprintf(path, sizeof(path), "%s/sysfs-kernel-tcmk", self_dir);
	return fopen(path, "r");
}

/* Every file the ABI document names exists with its mode, and no other. */
TEST(abi_document_matches_tree)
{
	char line[512], what[256] = "", path[512];
	unsigned int documented = 0, found = 0;
	bool have_cache = !access(TCMK_SYSFS "/caches/" HARNESS_CACHE, F_OK);
	struct dirent *de;
	struct stat st;
	FILE *doc;
	DIR *dir;
	int pass;

	if (!have_cache)
		TH_LOG("no caches/%s (tcmk_harness.ko): caches/<name>/ not checked",
		       HARNESS_CACHE);
	doc = open_abi_doc();
	ASSERT_NE(NULL, doc) TH_LOG("no ABI document: set TCMK_ABI_DOC");
	while (fgets(line, sizeof(line), doc)) {
		char *d, *n, *c;
		int mode;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "What:", 5)) {
			snprintf(what, sizeof(what), "%s", line + 5 + strspn(line + 5, "\t "));
			continue;
		}
		d = line + strspn(line, "\t ");
		mode = doc_mode(d);
		if (mode < 0 || !what[0] || what[strlen(what) - 1] == '/')
			continue;
		/*
		 * Class files are checked in the 8-byte class's directory,
		 * node files in node 0's, which every machine has, and a
		 * cache's in the harness's cache, if it is loaded.
		 */
		d = strstr(what, "<size>");
		n = strstr(what, "<N>");
		c = strstr(what, "<name>");
		if (c && !have_cache) {
			what[0] = '\0';
			continue;
		}
		if (d)
			snprintf(path, sizeof(path), "%.*s8%s", (int)(d - what), what, d + 6);
		else if (n)
			snprintf(path, sizeof(path), "%.*s0%s", (int)(n - what), what, n + 3);
		else if (c)
			snprintf(path, sizeof(path), "%.*s%s%s", (int)(c - what), what,
				 HARNESS_CACHE, c + 6);
		else
			snprintf(path, sizeof(path), "%s", what);
		if (mode == DOC_LINK) {
			EXPECT_EQ(0, lstat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
			EXPECT_TRUE(S_ISLNK(st.st_mode)) TH_LOG("%s is not a link", path);
		} else {
			EXPECT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
			EXPECT_EQ(mode, st.st_mode & 07777) TH_LOG("%s", path);
		}
		documented++;
		what[0] = '\0';
	}
	fclose(doc);

	for (pass = 0; pass < 5 + have_cache; pass++) {
		static const char * const bases[] = {
			TCMK_SYSFS, TCMK_SYSFS "/classes/8", TCMK_SYSFS "/gc",
			TCMK_SYSFS "/debug_errors", TCMK_SYSFS "/nodes/node0",
			TCMK_SYSFS "/caches/" HARNESS_CACHE,
		};
		const char *base = bases[pass];

		dir = opendir(base);
		ASSERT_NE(NULL, dir);
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "classes") ||
			    !strcmp(de->d_name, "gc") || !strcmp(de->d_name, "nodes") ||
			    !strcmp(de->d_name, "debug_errors") ||
			    !strcmp(de->d_name, "caches"))
				continue;
			found++;
		}
		closedir(dir);
	}
	EXPECT_EQ(documented, found) TH_LOG("files in the tree and in the ABI document differ");
}

TEST(knobs_take_good_values_and_refuse_bad)
{
	unsigned long old = top("cpu_cache_bytes");

	ASSERT_NE(~0UL, old);
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/cpu_cache_bytes", "lots"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/cpu_cache_bytes", "67108865"));
	EXPECT_EQ(-ERANGE, write_str(TCMK_SYSFS "/cpu_cache_bytes", "99999999999999999999"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/cpu_cache_bytes", "65536"));
	EXPECT_EQ(65536, top("cpu_cache_bytes"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/cpu_cache_bytes", "524288"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/release_threshold", "-"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/release_threshold", "8388608"));
	EXPECT_EQ(8388608, top("release_threshold"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/release_threshold", "4194304"));
	EXPECT_EQ(1000, top("release_delay_ms"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/release_delay_ms", "60001"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/release_delay_ms", "-1"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/release_delay_ms", "0"));
	EXPECT_EQ(0, top("release_delay_ms"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/release_delay_ms", "1000"));
	/* Actions want exactly 1. */
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/drain", "2"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/release", "yes"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/reset_stats", "0"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/drain", "1"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/release", "1"));
}

/*
 * Loaded without debug=, as the kselftests run it: debug reads empty, and
 * validate takes 1 only, finds nothing and counts no error.
 */
TEST(debug_off_and_validate)
{
	static const char *const errs[] = {
		"redzone", "poison", "double_free", "invalid_free",
	};
	char buf[16], path[256];
	unsigned long n;
	unsigned int i;
	ssize_t len;
	int fd;

	fd = open(TCMK_SYSFS "/debug", O_RDONLY);
	ASSERT_LE(0, fd);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_EQ(1, len);
	EXPECT_EQ('\n', buf[0]);
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/validate", "2"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/validate", "F"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/validate", "1"));
	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		snprintf(path, sizeof(path), TCMK_SYSFS "/debug_errors/%s", errs[i]);
		ASSERT_EQ(0, read_ulong(path, &n)) TH_LOG("%s", path);
		EXPECT_EQ(0, n) TH_LOG("%s", path);
	}
}

TEST(gc_collect_and_enabled)
{
	unsigned long cycles = top("gc/cycles");

	ASSERT_NE(~0UL, cycles);
	EXPECT_EQ(1, top("gc/enabled"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/gc/collect", "2"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/gc/enabled", "2"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/gc/collect", "1"));
	EXPECT_EQ(cycles + 1, top("gc/cycles"));
	/* Disabled, a collection is a no-op; enabled again, it runs. */
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/gc/enabled", "0"));
	EXPECT_EQ(0, top("gc/enabled"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/gc/collect", "1"));
	EXPECT_EQ(cycles + 1, top("gc/cycles"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/gc/enabled", "1"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/gc/collect", "1"));
	EXPECT_EQ(cycles + 2, top("gc/cycles"));
	/* The cycle's two pauses are part of it; nobody marks when idle. */
	EXPECT_GT(top("gc/last_cycle_ns"), 0);
	EXPECT_LE(top("gc/last_mark_ns"), top("gc/last_cycle_ns"));
	EXPECT_GT(top("gc/pause_total_ns"), 0);
	EXPECT_EQ(0, top("gc/mark_workers"));
	EXPECT_NE(~0UL, top("gc/assist_bytes_total"));
}

TEST(gc_pacer_knobs)
{
	unsigned long a, b, c, d, goal, cycles;
	char buf[128];
	FILE *f;

	EXPECT_EQ(100, top("gc/percent"));
	EXPECT_EQ(0, top("gc/limit_bytes"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/gc/percent", "-2"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/gc/percent", "100001"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/gc/percent", "lots"));
	EXPECT_EQ(-EINVAL, write_str(TCMK_SYSFS "/gc/limit_bytes", "-1"));
	/* Off: no goal. The floor: 4 MiB while little is live. */
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/gc/percent", "-1"));
	EXPECT_EQ(0, read_ulong(TCMK_SYSFS "/gc/heap_goal", &goal));
	EXPECT_EQ(~0UL, goal);
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/gc/percent", "100"));
	EXPECT_GE(top("gc/heap_goal"), 4UL << 20);
	EXPECT_LT(top("gc/heap_goal"), ~0UL);

	f = fopen(TCMK_SYSFS "/gc/phase", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_TRUE(!strcmp(buf, "idle\n") || !strcmp(buf, "mark\n") ||
		    !strcmp(buf, "sweep\n")) TH_LOG("phase '%s'", buf);

	/* Four counts: two pauses for each cycle run before. */
	cycles = top("gc/cycles");
	f = fopen(TCMK_SYSFS "/gc/pauses", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(4, fscanf(f, "%lu %lu %lu %lu", &a, &b, &c, &d));
	fclose(f);
	EXPECT_GE(a + b + c + d, 2 * cycles);
}

TEST(non_root_reads_but_cannot_write)
{
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		unsigned long v;

		if (setgid(1000) || setuid(1000))
			_exit(10);
		if (read_ulong(TCMK_SYSFS "/bytes_in_use", &v))
			_exit(11);
		if (write_str(TCMK_SYSFS "/cpu_cache_bytes", "4096") != -EACCES)
			_exit(12);
		if (write_str(TCMK_SYSFS "/drain", "1") != -EACCES)
			_exit(13);
		if (open(TCMK_SYSFS "/cpu_cache_bytes", O_RDONLY) >= 0)
			_exit(14);
		if (read_ulong(TCMK_SYSFS "/gc/enabled", &v) || v != 1)
			_exit(15);
		if (write_str(TCMK_SYSFS "/gc/enabled", "0") != -EACCES)
			_exit(16);
		if (write_str(TCMK_SYSFS "/gc/collect", "1") != -EACCES)
			_exit(17);
		if (write_str(TCMK_SYSFS "/gc/percent", "50") != -EACCES)
			_exit(18);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("step %d failed", WEXITSTATUS(status));
}

/* Hold objects of several sizes through /dev/tcmk; -1 if there is no harness. */
static int hold_objects(void)
{
	static const unsigned long long sizes[] = { 8, 100, 1000, 5000, 40000, 300000 };
	__u32 handles[64];
	unsigned int i;
	int fd = open(TCMK_DEVICE, O_RDWR);

	if (fd < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct tcmk_ioc_alloc a = {
			.size = sizes[i], .count = 64 >> i,
			.handles = (unsigned long)handles,
		};

		if (ioctl(fd, TCMK_IOC_ALLOC, &a)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * caches/tcmk_harness_obj/ counts the records of the handles /dev/tcmk's
 * files hold: a merged cache, linked to the size class of its 16 bytes.
 */
TEST(harness_cache_counts_handles)
{
	struct tcmk_ioc_alloc a = { .size = 64, .count = 7 };
	unsigned long before, held, v;
	__u32 handles[7];
	char link[256];
	ssize_t n;
	int fd;

	fd = open(TCMK_DEVICE, O_RDWR);
	if (fd < 0)
		SKIP(return, "no %s: tcmk_harness.ko is not loaded", TCMK_DEVICE);
	ASSERT_EQ(0, read_ulong(HARNESS_CACHE_DIR "/merged", &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, read_ulong(HARNESS_CACHE_DIR "/object_size", &v));
	EXPECT_EQ(16, v);
	n = readlink(HARNESS_CACHE_DIR "/class", link, sizeof(link) - 1);
	ASSERT_LT(0, n) TH_LOG("class: %s", strerror(errno));
	link[n] = '\0';
	EXPECT_STREQ("../../classes/16", link);
	ASSERT_EQ(0, read_ulong(HARNESS_CACHE_DIR "/class/size", &v));
	EXPECT_EQ(16, v);
	EXPECT_EQ(0, write_str(HARNESS_CACHE_DIR "/shrink", "1"));
	EXPECT_EQ(-EINVAL, write_str(HARNESS_CACHE_DIR "/shrink", "0"));

	ASSERT_EQ(0, read_ulong(HARNESS_CACHE_DIR "/objects_in_use", &before));
	a.handles = (unsigned long)handles;
	ASSERT_EQ(0, ioctl(fd, TCMK_IOC_ALLOC, &a));
	ASSERT_EQ(0, read_ulong(HARNESS_CACHE_DIR "/objects_in_use", &held));
	EXPECT_EQ(before + 7, held);
	close(fd);
	ASSERT_EQ(0, read_ulong(HARNESS_CACHE_DIR "/objects_in_use", &v));
	EXPECT_EQ(before, v);
}

/* The ABI document's sums: what is in use, cached and free adds up. */
TEST(accounting_adds_up)
{
	unsigned long in_use_bytes = 0, live = 0, cached_cpu_bytes = 0;
	unsigned long capacity_bytes = 0;
	unsigned long i;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	unsigned long rate;
	char old[32];
	int fd;

	/*
	 * A sampled object lives in a span of its own, outside its class's
	 * spans (see objects_in_use): sampling off, so that the spans add up.
	 */
	ASSERT_EQ(0, read_ulong(TCMK_SYSFS "/sample_bytes", &rate));
	snprintf(old, sizeof(old), "%lu", rate);
	ASSERT_EQ(0, write_str(TCMK_SYSFS "/sample_bytes", "0"));
	ASSERT_EQ(0, write_str(TCMK_SYSFS "/reset_stats", "1"));
	EXPECT_EQ(0, top("alloc_total"));
	EXPECT_EQ(0, top("free_total"));
	fd = hold_objects();
	if (fd < 0)
		TH_LOG("no /dev/tcmk: checking an idle tcmk");
	for (i = 0; i < TCMK_NR_CLASSES; i++) {
		unsigned long size = expected[i].size, spans, use, cpu, xfer, cen, cap;

		ASSERT_EQ(0, read_class(size, "spans", &spans));
		ASSERT_EQ(0, read_class(size, "objects_in_use", &use));
		/* The breakdown follows the sum: read_ulong wants a bare number. */
		cpu = 0;
		{
			char path[256], buf[512];
			FILE *f;

			snprintf(path, sizeof(path), TCMK_SYSFS "/classes/%lu/objects_cached_cpu", size);
			f = fopen(path, "r");
			ASSERT_NE(NULL, f);
			ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
			fclose(f);
			cpu = strtoul(buf, NULL, 10);
		}
		ASSERT_EQ(0, read_class(size, "objects_cpu_capacity", &cap));
		/* Idle: no CPU is taking room back. */
		EXPECT_LE(cpu, cap) TH_LOG("class %lu", size);
		capacity_bytes += cap * size;
		ASSERT_EQ(0, read_class(size, "objects_in_transfer", &xfer));
		ASSERT_EQ(0, read_class(size, "objects_free_central", &cen));
		EXPECT_EQ(spans * expected[i].objects, use + cpu + xfer + cen)
			TH_LOG("class %lu", size);
		in_use_bytes += use * size;
		cached_cpu_bytes += cpu * size;
		live += use;
	}
	if (top("large_alloc_total") == top("large_free_total"))
		EXPECT_EQ(in_use_bytes, top("bytes_in_use"));
	EXPECT_LE(in_use_bytes, top("bytes_in_use"));
	EXPECT_EQ(cached_cpu_bytes, top("bytes_cached_cpu"));
	/* Each CPU's classes together have room for at most its budget. */
	ASSERT_GT(cpus, 0);
	EXPECT_LE(capacity_bytes, top("cpu_cache_bytes") * cpus);
	if (fd >= 0) {
		EXPECT_GT(live, 0);
		EXPECT_GT(top("bytes_in_use"), in_use_bytes) TH_LOG("large objects are held");
		close(fd);
		/* Closing the file freed everything: the events since the reset balance. */
		EXPECT_EQ(top("alloc_total"), top("free_total"));
	}
	EXPECT_EQ(0, top("bytes_in_use"));

	/* Drained and released, an idle tcmk caches nothing and holds no page. */
	ASSERT_EQ(0, write_str(TCMK_SYSFS "/drain", "1"));
	ASSERT_EQ(0, write_str(TCMK_SYSFS "/release", "1"));
	EXPECT_EQ(0, top("bytes_cached_cpu"));
	EXPECT_EQ(0, top("bytes_cached_transfer"));
	EXPECT_EQ(0, top("bytes_held"));
	EXPECT_EQ(0, write_str(TCMK_SYSFS "/sample_bytes", old));
}

int main(int argc, char **argv)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", argv[0]);
	snprintf(self_dir, sizeof(self_dir), "%s", dirname(tmp));
	return test_harness_run(argc, argv);
}
