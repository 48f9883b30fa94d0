// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: tcmk's trace events (the "tcmk" system in tracefs).
 *
 * Run as root with tcmk.ko and tcmk_harness.ko loaded, on a kernel with
 * CONFIG_EVENT_TRACING. Enables events through tracefs (mounted at
 * /sys/kernel/tracing if it is not there yet), makes /dev/tcmk allocate and
 * free known objects, and checks the records the trace file shows: one
 * tcmk:alloc per object with the size asked for and the size tcmk gave, a
 * tcmk:free with the same (hashed) pointer, the harness's functions as call
 * sites; refills and flushes of a CPU's cache; the page heap growing and
 * letting pages go; a collector cycle's steps. Each test leaves the events
 * off and the buffer empty.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/tcmk.h>

#include "kselftest_harness.h"

#define NO_DEVICE	TCMK_DEVICE " missing: is tcmk_harness.ko loaded?"
#define NOBJS		64
#define OBJ_SIZE	100
/* Above the page heap's 2 MiB chunks: pages of its own, in and out. */
#define DIRECT_SIZE	(3UL << 20)

static const char *const events[] = {
	"alloc", "free", "cache_refill", "cache_flush", "heap_grow",
	"heap_release", "gc_start", "gc_phase", "gc_pause", "gc_end",
};

/* The tracefs directory, mounted if need be; NULL if there is none. */
static const char *tracefs(void)
{
	struct stat st;

	if (!stat("/sys/kernel/tracing/trace", &st))
		return "/sys/kernel/tracing";
	if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return "/sys/kernel/tracing";
	if (!stat("/sys/kernel/debug/tracing/trace", &st))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

/* Write @val to @dir/@file: 0 or -errno. */
static int put(const char *dir, const char *file, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -errno;
}

/* The first line of @dir/@file, without its newline: 0 or -errno. */
static int get(const char *dir, const char *file, char *val, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, val, len - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	val[n] = '\0';
	val[strcspn(val, "\n")] = '\0';
	return 0;
}

/* The whole of @dir/trace, NUL-terminated (malloc()ed), or NULL. */
static char *read_trace(const char *dir)
{
	size_t len = 0, cap = 1 << 16;
	char path[256], *buf = malloc(cap);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *more = realloc(buf, cap *= 2);

			if (!more) {
				free(buf);
				close(fd);
				return NULL;
			}
			buf = more;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The value of "@key=" in @line (up to a space), copied to @out. */
static bool field(const char *line, const char *key, char *out, size_t size)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	n = strcspn(p, " ");
	if (n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* Lines of @trace of event @name ("tcmk:" is not in the text: "name:"). */
static char *next_event(char **pos, const char *name)
{
	char pat[32], *line, *end;

	snprintf(pat, sizeof(pat), " %s: ", name);
	while (**pos) {
		line = *pos;
		end = strchr(line, '\n');
		if (end) {
			*end = '\0';
			*pos = end + 1;
		} else {
			*pos = line + strlen(line);
		}
		if (line[0] != '#' && strstr(line, pat))
			return line;
	}
	return NULL;
}

/*
 * Whether a record's call site is a function of the harness's: %pS names it
 * "harness_...+0x../0x.. [tcmk_harness]", harness_alloc() or harness_free()
 * or the ioctl handler the compiler put them in.
 */
static bool from_harness(const char *line)
{
	char val[64];

	return field(line, "call_site", val, sizeof(val)) &&
	       !strncmp(val, "harness_", 8) && strstr(line, " [tcmk_harness] ");
}

FIXTURE(trace) {
	const char *dir;
	int fd;
	char record_cmd[8];
};

FIXTURE_SETUP(trace)
{
	char path[256];
	struct stat st;
	unsigned int i;

	self->fd = -1;
	self->record_cmd[0] = '\0';
	self->dir = tracefs();
	if (!self->dir)
		SKIP(return, "no tracefs: the kernel lacks CONFIG_TRACING");
	snprintf(path, sizeof(path), "%s/events/tcmk/alloc", self->dir);
	if (stat(path, &st))
		SKIP(return, "no tcmk events in %s/events: tcmk.ko not loaded, or no CONFIG_EVENT_TRACING",
		     self->dir);
	self->fd = open(TCMK_DEVICE, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, NO_DEVICE);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", TCMK_DEVICE, strerror(errno));
	/*
	 * With record-cmd on, enabling an event also hooks the scheduler's
	 * tracepoints to record task names, which patches __schedule() and
	 * the wakeup paths, code that runs with interrupts off, on every
	 * enable and disable. The tests need no task names: only tcmk's own
	 * call sites are patched, far fewer live-patched sites on a guest
	 * whose vCPUs are emulated (TCG).
	 */
	if (get(self->dir, "options/record-cmd", self->record_cmd,
		sizeof(self->record_cmd)))
		self->record_cmd[0] = '\0';
	if (self->record_cmd[0])
		ASSERT_EQ(0, put(self->dir, "options/record-cmd", "0"));
	ASSERT_EQ(0, put(self->dir, "tracing_on", "0"));
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), "events/tcmk/%s/enable", events[i]);
		ASSERT_EQ(0, put(self->dir, path, "0")) TH_LOG("%s", path);
	}
	ASSERT_EQ(0, put(self->dir, "trace", ""));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->fd >= 0)
		close(self->fd);
	if (!self->dir)
		return;
	put(self->dir, "tracing_on", "0");
	put(self->dir, "events/tcmk/enable", "0");
	put(self->dir, "trace", "");
	put(self->dir, "tracing_on", "1");
	if (self->record_cmd[0])
		put(self->dir, "options/record-cmd", self->record_cmd);
}

static void enable_event(struct __test_metadata *_metadata, const char *dir,
			 const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "events/tcmk/%s/enable", name);
	ASSERT_EQ(0, put(dir, path, "1")) TH_LOG("%s/%s", dir, path);
}

static int ioc_alloc(int fd, uint64_t size, uint32_t count, uint32_t *handles)
{
	struct tcmk_ioc_alloc a = {
		.size = size, .count = count, .handles = (uintptr_t)handles,
	};

	return ioctl(fd, TCMK_IOC_ALLOC, &a) ? -errno : 0;
}

static int ioc_free(int fd, uint32_t handle)
{
	struct tcmk_ioc_object o = { .handle = handle };

	return ioctl(fd, TCMK_IOC_FREE, &o) ? -errno : 0;
}

/* tcmk's usable size of the object of @handle. */
static uint64_t ioc_size(struct __test_metadata *_metadata, int fd,
			 uint32_t handle)
{
	struct tcmk_ioc_object o = { .handle = handle };

	EXPECT_EQ(0, ioctl(fd, TCMK_IOC_SIZE, &o));
	return o.size;
}

/*
 * Every object the harness allocates has a tcmk:alloc record (call site in
 * the harness, the size asked for, the size tcmk gave), and a tcmk:free
 * record from the harness with the same pointer, which is hashed.
 */
TEST_F(trace, alloc_free_records)
{
	char ptrs[NOBJS][32], val[64], *buf, *pos, *line;
	unsigned int nalloc = 0, nfree = 0, i;
	bool freed[NOBJS] = { false };
	uint32_t handles[NOBJS];
	char want_alloc[32], first[256] = "none";
	uint64_t usable;

	enable_event(_metadata, self->dir, "alloc");
	enable_event(_metadata, self->dir, "free");
	ASSERT_EQ(0, put(self->dir, "tracing_on", "1"));
	ASSERT_EQ(0, ioc_alloc(self->fd, OBJ_SIZE, NOBJS, handles));
	usable = ioc_size(_metadata, self->fd, handles[0]);
	for (i = 0; i < NOBJS; i++)
		ASSERT_EQ(0, ioc_free(self->fd, handles[i]));
	ASSERT_EQ(0, put(self->dir, "tracing_on", "0"));
	ASSERT_LE(OBJ_SIZE, usable);
	snprintf(want_alloc, sizeof(want_alloc), "%llu", (unsigned long long)usable);

	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "alloc"))) {
		if (!strcmp(first, "none"))
			snprintf(first, sizeof(first), "%s", line);
		if (!from_harness(line))
			continue;
		ASSERT_TRUE(field(line, "bytes_req", val, sizeof(val))) TH_LOG("%s", line);
		if (strcmp(val, "100"))
			continue;
		ASSERT_TRUE(field(line, "bytes_alloc", val, sizeof(val))) TH_LOG("%s", line);
		EXPECT_STREQ(want_alloc, val) TH_LOG("%s", line);
		ASSERT_LT(nalloc, NOBJS) TH_LOG("more alloc records than objects: %s", line);
		ASSERT_TRUE(field(line, "ptr", ptrs[nalloc], sizeof(ptrs[0])));
		/* %p hashes: a raw direct-map address would start ffff. */
		EXPECT_NE(0, strncmp(ptrs[nalloc], "ffff", 4)) TH_LOG("%s", line);
		nalloc++;
	}
	EXPECT_EQ(NOBJS, nalloc) TH_LOG("first alloc record: %s", first);

	/* The records' text was cut into lines: read it again. */
	free(buf);
	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	/*
	 * The harness frees the record of each handle too, from the same
	 * function (its named cache tcmk_harness_obj): only the frees of the
	 * objects allocated above count.
	 */
	while ((line = next_event(&pos, "free"))) {
		if (!from_harness(line))
			continue;
		ASSERT_TRUE(field(line, "ptr", val, sizeof(val))) TH_LOG("%s", line);
		for (i = 0; i < nalloc; i++)
			if (!freed[i] && !strcmp(ptrs[i], val)) {
				freed[i] = true;
				nfree++;
				break;
			}
	}
	free(buf);
	EXPECT_EQ(NOBJS, nfree);
	for (i = 0; i < nalloc; i++)
		EXPECT_TRUE(freed[i]) TH_LOG("no free record for ptr=%s", ptrs[i]);
}

/*
 * After a drain, the first allocations refill the CPU's stack of their
 * class; the next drain flushes the objects freed onto it.
 */
TEST_F(trace, cache_refill_flush)
{
	unsigned int refills = 0, flushes = 0, i;
	char want[32], val[64], *buf, *pos, *line;
	uint32_t handles[NOBJS];
	uint64_t usable;

	ASSERT_EQ(0, put("/sys/kernel/tcmk", "drain", "1"));
	enable_event(_metadata, self->dir, "cache_refill");
	enable_event(_metadata, self->dir, "cache_flush");
	ASSERT_EQ(0, put(self->dir, "tracing_on", "1"));
	ASSERT_EQ(0, ioc_alloc(self->fd, OBJ_SIZE, NOBJS, handles));
	usable = ioc_size(_metadata, self->fd, handles[0]);
	for (i = 0; i < NOBJS; i++)
		ASSERT_EQ(0, ioc_free(self->fd, handles[i]));
	ASSERT_EQ(0, put("/sys/kernel/tcmk", "drain", "1"));
	ASSERT_EQ(0, put(self->dir, "tracing_on", "0"));
	snprintf(want, sizeof(want), "%llu", (unsigned long long)usable);

	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "cache_refill")))
		if (field(line, "size", val, sizeof(val)) && !strcmp(val, want))
			refills++;
	free(buf);
	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "cache_flush"))) {
		if (!field(line, "size", val, sizeof(val)) || strcmp(val, want))
			continue;
		ASSERT_TRUE(field(line, "objs", val, sizeof(val))) TH_LOG("%s", line);
		EXPECT_LT(0, atoi(val)) TH_LOG("%s", line);
		flushes++;
	}
	free(buf);
	EXPECT_LE(1, refills) TH_LOG("no cache_refill of size=%s", want);
	EXPECT_LE(1, flushes) TH_LOG("no cache_flush of size=%s", want);
}

/* An object above the chunk size: the page heap takes and gives back its pages. */
TEST_F(trace, heap_grow_release)
{
	unsigned int grows = 0, releases = 0;
	char want[32], val[64], *buf, *pos, *line;
	uint32_t handle;

	snprintf(want, sizeof(want), "%lu", DIRECT_SIZE / 4096);
	enable_event(_metadata, self->dir, "heap_grow");
	enable_event(_metadata, self->dir, "heap_release");
	ASSERT_EQ(0, put(self->dir, "tracing_on", "1"));
	ASSERT_EQ(0, ioc_alloc(self->fd, DIRECT_SIZE, 1, &handle));
	ASSERT_EQ(0, ioc_free(self->fd, handle));
	ASSERT_EQ(0, put(self->dir, "tracing_on", "0"));

	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "heap_grow")))
		if (field(line, "pages", val, sizeof(val)) && !strcmp(val, want) &&
		    field(line, "kind", val, sizeof(val)) && !strcmp(val, "direct"))
			grows++;
	free(buf);
	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "heap_release")))
		if (field(line, "pages", val, sizeof(val)) && !strcmp(val, want) &&
		    field(line, "kind", val, sizeof(val)) && !strcmp(val, "direct"))
			releases++;
	free(buf);
	EXPECT_EQ(1, grows);
	EXPECT_EQ(1, releases);
}

/* A collection shows its start, its steps in order, its two pauses and its end. */
TEST_F(trace, gc_cycle)
{
	static const char *const phases[] = {
		"clear", "mark_on", "roots", "mark", "weak", "sweep",
	};
	unsigned int starts = 0, ends = 0, pauses = 0, next = 0;
	struct tcmk_ioc_gc_collect c = { 0 };
	char val[64], *buf, *pos, *line;

	enable_event(_metadata, self->dir, "gc_start");
	enable_event(_metadata, self->dir, "gc_phase");
	enable_event(_metadata, self->dir, "gc_pause");
	enable_event(_metadata, self->dir, "gc_end");
	ASSERT_EQ(0, put(self->dir, "tracing_on", "1"));
	ASSERT_EQ(0, ioctl(self->fd, TCMK_IOC_GC_COLLECT, &c)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, put(self->dir, "tracing_on", "0"));

	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "gc_start"))) {
		if (field(line, "trigger", val, sizeof(val)))
			EXPECT_STREQ("explicit", val);
		starts++;
	}
	free(buf);
	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "gc_phase"))) {
		ASSERT_TRUE(field(line, "phase", val, sizeof(val))) TH_LOG("%s", line);
		if (next < 6 && !strcmp(val, phases[next]))
			next++;
	}
	free(buf);
	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "gc_pause")))
		pauses++;
	free(buf);
	buf = read_trace(self->dir);
	ASSERT_NE(NULL, buf);
	pos = buf;
	while ((line = next_event(&pos, "gc_end")))
		ends++;
	free(buf);
	EXPECT_EQ(1, starts);
	EXPECT_EQ(6, next) TH_LOG("steps seen in order: %u of 6", next);
	EXPECT_EQ(2, pauses);
	EXPECT_EQ(1, ends);
}

TEST_HARNESS_MAIN
