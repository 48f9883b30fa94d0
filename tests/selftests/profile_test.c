// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: tcmk's heap profile. The knob /sys/kernel/tcmk/sample_bytes,
 * and the two files that read the profile, /sys/kernel/debug/tcmk/allocinfo
 * (one line per call site, sorted by bytes) and heap_profile (pprof's
 * profile.proto, walked here as a protobuf message).
 *
 * Run as root with tcmk.ko and tcmk_harness.ko loaded and debugfs mounted.
 * A known call site, the harness's allocation ioctl (harness_alloc() in
 * module/harness.c), is made to hold 16 MiB. The profile it gives is also
 * printed, base64 between "TCMK-PPROF-BEGIN" and "TCMK-PPROF-END" lines,
 * for 'make check' to read with `go tool pprof` on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/tcmk.h>

#include "kselftest_harness.h"

#define SAMPLE_BYTES	"/sys/kernel/tcmk/sample_bytes"
#define ALLOCINFO	"/sys/kernel/debug/tcmk/allocinfo"
#define HEAP_PROFILE	"/sys/kernel/debug/tcmk/heap_profile"
#define DEFAULT_RATE	524288UL
#define MAX_RATE	(1UL << 30)

/* What the harness holds: 4096 objects of 4 KiB, 16 MiB, at one call site. */
#define HOLD_COUNT	4096
#define HOLD_SIZE	4096
#define HOLD_SITE	"harness_alloc"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long read_rate(void)
{
	char buf[64] = "";
	int fd = open(SAMPLE_BYTES, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -EIO;
}

static int set_rate(unsigned long rate)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", rate);
	return write_str(SAMPLE_BYTES, buf);
}

/* A whole file, NUL-terminated; its length in *@len. NULL on error. */
static char *read_all(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY);
	ssize_t r;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += r;
		if (n == cap) {
			char *more = realloc(buf, 2 * cap + 1);

			if (!more)
				break;
			buf = more;
			cap *= 2;
		}
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Hold HOLD_COUNT objects through a new handle on /dev/tcmk: the fd. */
static int hold(void)
{
	static __u32 handles[HOLD_COUNT];
	struct tcmk_ioc_alloc a = {
		.size = HOLD_SIZE, .count = HOLD_COUNT,
		.handles = (unsigned long)handles,
	};
	int fd = open("/dev/tcmk", O_RDWR);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, TCMK_IOC_ALLOC, &a)) {
		close(fd);
		return -errno;
	}
	return fd;
}

FIXTURE(profile) {
	long rate;
};

FIXTURE_SETUP(profile)
{
	struct stat st;

	if (stat(SAMPLE_BYTES, &st))
		SKIP(return, "tcmk.ko is not loaded");
	if (stat(ALLOCINFO, &st))
		SKIP(return, "no %s: debugfs not mounted", ALLOCINFO);
	self->rate = read_rate();
	ASSERT_GE(self->rate, 0);
}

FIXTURE_TEARDOWN(profile)
{
	if (self->rate >= 0)
		set_rate(self->rate);
}

/* Root's only, 0600; 524288 at load; out-of-range and garbage refused. */
TEST_F(profile, sample_bytes_knob)
{
	static const char *const bad[] = { "abc", "-1", "1073741825", "12x", "0x" };
	struct stat st;
	unsigned int i;

	ASSERT_EQ(stat(SAMPLE_BYTES, &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600);
	EXPECT_EQ(self->rate, DEFAULT_RATE) {
		TH_LOG("sample_bytes was changed before this test");
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(write_str(SAMPLE_BYTES, bad[i]), -EINVAL) {
			TH_LOG("writing \"%s\"", bad[i]);
		}
	}
	EXPECT_EQ(read_rate(), self->rate);
	ASSERT_EQ(set_rate(0), 0);
	EXPECT_EQ(read_rate(), 0);
	ASSERT_EQ(set_rate(MAX_RATE), 0);
	EXPECT_EQ(read_rate(), (long)MAX_RATE);
	ASSERT_EQ(set_rate(65536), 0);
	EXPECT_EQ(read_rate(), 65536);
}

/* The estimate allocinfo gives for HOLD_SITE; -1 if it has no line. */
static long long site_bytes(const char *text, int *sorted, int *lines)
{
	unsigned long long bytes, objs, prev = ~0ULL;
	const char *line = text;
	long long found = -1;
	char site[512];

	*sorted = 1;
	*lines = 0;
	while ((line = strchr(line, '\n'))) {
		line++;
		if (*line == '#' || !*line)
			continue;
		if (sscanf(line, "%llu %llu %511s", &bytes, &objs, site) != 3)
			return -2;
		(*lines)++;
		if (bytes > prev)
			*sorted = 0;
		prev = bytes;
		if (!strncmp(site, HOLD_SITE "+", strlen(HOLD_SITE) + 1))
			found = found < 0 ? (long long)bytes : found + bytes;
	}
	return found;
}

/*
 * A header that states the rate, then lines of bytes, objects and call
 * site, sorted by bytes; the site holding 16 MiB shows about that much
 * while it holds it, and not at all once it has freed it.
 */
TEST_F(profile, allocinfo_shows_the_holding_site)
{
	const char *line;
	char header[128];
	int sorted, lines, fd, n;
	long long bytes;
	struct stat st;
	size_t len;
	char *text;

	ASSERT_EQ(stat(ALLOCINFO, &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0400);
	ASSERT_EQ(set_rate(65536), 0);
	fd = hold();
	ASSERT_GE(fd, 0);
	text = read_all(ALLOCINFO, &len);
	ASSERT_NE(text, NULL);
	snprintf(header, sizeof(header),
		 "allocinfo - tcmk heap profile, version: 1.0, sample_bytes: %d\n",
		 65536);
	EXPECT_EQ(strncmp(text, header, strlen(header)), 0) {
		TH_LOG("header: %.100s", text);
	}
	/*
	 * The head of what a reader sees, in the log (TH_LOG: stderr, which
	 * the harness's child does not buffer): README quotes it.
	 */
	for (line = text, n = 0; line && *line && n < 6; n++) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);

		TH_LOG("allocinfo: %.*s", len, line);
		line = end ? end + 1 : NULL;
	}
	bytes = site_bytes(text, &sorted, &lines);
	EXPECT_TRUE(sorted);
	EXPECT_GT(lines, 0);
	/* KUnit checks the estimate to 20%; here, loosely, that it is there. */
	EXPECT_GT(bytes, (long long)HOLD_COUNT * HOLD_SIZE / 2) {
		TH_LOG("%s: %lld bytes\n%.2000s", HOLD_SITE, bytes, text);
	}
	EXPECT_LT(bytes, (long long)HOLD_COUNT * HOLD_SIZE * 2);
	free(text);

	close(fd);
	text = read_all(ALLOCINFO, &len);
	ASSERT_NE(text, NULL);
	EXPECT_EQ(site_bytes(text, &sorted, &lines), -1);
	free(text);
}

/* A protobuf varint at *@p, below @end; -1 if it runs past. */
static long long varint(const unsigned char **p, const unsigned char *end)
{
	unsigned long long v = 0;
	int shift = 0;

	while (*p < end && shift < 64) {
		unsigned char c = *(*p)++;

		v |= (unsigned long long)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return (long long)(v & ~(1ULL << 63));
		shift += 7;
	}
	return -1;
}

struct walk {
	int sample_types, samples, values_ok, strings, locations, functions;
	int has_inuse_space, has_site;
};

/*
 * One message's fields from @p to @end: varints and length-delimited
 * fields only, as profile.proto has. Counts the top-level fields of
 * interest in @w when @top. Return: 0, or -1 if the encoding is broken.
 */
static int walk(const unsigned char *p, const unsigned char *end,
		struct walk *w, int top)
{
	while (p < end) {
		long long key = varint(&p, end), len;
		int field = key >> 3;

		if (key < 0)
			return -1;
		if ((key & 7) == 0) {
			if (varint(&p, end) < 0)
				return -1;
			continue;
		}
		if ((key & 7) != 2)
			return -1;
		len = varint(&p, end);
		if (len < 0 || len > end - p)
			return -1;
		if (top && field == 2) {
			/* A sample: packed location ids (1), packed values (2). */
			const unsigned char *q = p, *qend = p + len;

			w->samples++;
			while (q < qend) {
				long long k = varint(&q, qend), l = varint(&q, qend);
				const unsigned char *v;
				int n = 0;

				if (k < 0 || (k & 7) != 2 || l < 0 || l > qend - q)
					return -1;
				for (v = q; v < q + l; n++)
					if (varint(&v, q + l) < 0)
						return -1;
				if ((k >> 3) == 2 && n == 4)
					w->values_ok++;
				q += l;
			}
		} else if (top && field == 6) {
			w->strings++;
			if (len == 11 && !memcmp(p, "inuse_space", 11))
				w->has_inuse_space = 1;
			if (len == (long long)strlen(HOLD_SITE) &&
			    !memcmp(p, HOLD_SITE, len))
				w->has_site = 1;
		} else if (top && (field == 1 || field == 4 || field == 5)) {
			struct walk inner = {};

			if (walk(p, p + len, &inner, 0))
				return -1;
			w->sample_types += field == 1;
			w->locations += field == 4;
			w->functions += field == 5;
		}
		p += len;
	}
	return 0;
}

/* The profile in base64, for the host's `go tool pprof` (see the top). */
static void print_base64(const unsigned char *p, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[80];
	size_t i, k = 0;

	printf("# TCMK-PPROF-BEGIN\n");
	for (i = 0; i < n; i += 3) {
		unsigned int v = p[i] << 16;

		v |= i + 1 < n ? p[i + 1] << 8 : 0;
		v |= i + 2 < n ? p[i + 2] : 0;
		line[k++] = tab[v >> 18];
		line[k++] = tab[(v >> 12) & 63];
		line[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		line[k++] = i + 2 < n ? tab[v & 63] : '=';
		if (k == 76 || i + 3 >= n) {
			printf("# %.*s\n", (int)k, line);
			k = 0;
		}
	}
	printf("# TCMK-PPROF-END\n");
	/* The test's process ends with _exit(): nothing buffered is lost. */
	fflush(stdout);
}

/*
 * heap_profile, while the site holds its objects: root's only, a
 * well-formed profile.proto message with Go's four sample types, samples
 * of four values each, and the holding site's function by name.
 */
TEST_F(profile, heap_profile_is_a_pprof_profile)
{
	struct walk w = {};
	struct stat st;
	size_t len;
	char *data;
	int fd;

	ASSERT_EQ(stat(HEAP_PROFILE, &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0400);
	ASSERT_EQ(set_rate(65536), 0);
	fd = hold();
	ASSERT_GE(fd, 0);
	data = read_all(HEAP_PROFILE, &len);
	close(fd);
	ASSERT_NE(data, NULL);
	ASSERT_GT(len, 0);
	ASSERT_EQ(walk((unsigned char *)data, (unsigned char *)data + len, &w, 1), 0);
	EXPECT_EQ(w.sample_types, 4);
	EXPECT_GT(w.samples, 0);
	EXPECT_EQ(w.values_ok, w.samples);
	EXPECT_GT(w.locations, 0);
	EXPECT_EQ(w.functions, w.locations);
	EXPECT_TRUE(w.has_inuse_space);
	EXPECT_TRUE(w.has_site);
	print_base64((unsigned char *)data, len);
	free(data);
}

TEST_HARNESS_MAIN
