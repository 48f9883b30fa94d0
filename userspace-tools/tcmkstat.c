// SPDX-License-Identifier: GPL-2.0
/*
 * tcmkstat: a slabtop-style view of tcmk's statistics in /sys/kernel/tcmk.
 *
 * Every value is read from sysfs, one file each, and nothing here knows the
 * size-class table: a report is a snapshot of the tree (struct snapshot), the
 * derived columns are computed from it (struct row), and watch mode keeps the
 * previous snapshot to turn counters into rates. The collector's state, in
 * gc/, is shown when the tree has that directory (a tcmk with the collector).
 * With --profile it shows instead the top call sites of the heap profile,
 * from debugfs's allocinfo (struct profile).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_ROOT	"/sys/kernel/tcmk"
#define DEFAULT_ALLOCINFO "/sys/kernel/debug/tcmk/allocinfo"
#define DEFAULT_TOP	20
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
/* A sysfs file holds at most a page; a value line is far shorter. */
#define VALUE_MAX	4096
/*
 * objects_cached_cpu lists CPUs: a page of them, which tcmkstat reads
 * whole up to the largest page of the common architectures, 64 KiB.
 */
#define LIST_MAX	(64 << 10)
#define VERSION_MAX	64
#define MAX_DELAY	86400.0
#define DEFAULT_WIDTH	80
#define MAX_WIDTH	1000
/* Bars view: "  SIZE  UTIL% [" before the bar and "]" after it. */
#define BAR_PREFIX	15
#define BAR_MIN		10

/* Exit codes: a tree that cannot be read, and a command line not understood. */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

static const char *prog = "tcmkstat";

/* The global files of the tree: the counters of module/stats_list.h. */
enum total {
#define TCMK_STAT(name)	T_##name,
#include "../module/stats_list.h"
	NR_TOTALS
};

static const char *const total_names[] = {
#define TCMK_STAT(name)							\
	[T_##name] = #name,
#include "../module/stats_list.h"
};

/*
 * The files of gc/ that tcmkstat shows, the collector's state, in the order
 * of the ABI document: a choice, and so not stats_list.h's list.
 */
enum gc_field {
	G_ENABLED,
	G_CYCLES,
	G_HEAP_BYTES,
	G_HEAP_OBJECTS,
	G_MARKED_LAST,
	G_FREED_OBJECTS,
	G_FREED_BYTES,
	G_ROOTS,
	G_PINNED,
	G_WEAK_REFS,
	G_OVERFLOWS,
	G_LAST_CYCLE_NS,
	G_LAST_MARK_NS,
	G_LAST_SWEEP_NS,
	G_PAUSE_MAX_NS,
	G_PAUSE_TOTAL_NS,
	G_SECTION_MAX_NS,
	G_BAD_CALLS,
	NR_GC_FIELDS
};

static const char *const gc_names[] = {
	[G_ENABLED] = "enabled",
	[G_CYCLES] = "cycles",
	[G_HEAP_BYTES] = "heap_bytes",
	[G_HEAP_OBJECTS] = "heap_objects",
	[G_MARKED_LAST] = "marked_bytes_last",
	[G_FREED_OBJECTS] = "freed_objects_total",
	[G_FREED_BYTES] = "freed_bytes_total",
	[G_ROOTS] = "roots",
	[G_PINNED] = "pinned",
	[G_WEAK_REFS] = "weak_refs",
	[G_OVERFLOWS] = "overflows_total",
	[G_LAST_CYCLE_NS] = "last_cycle_ns",
	[G_LAST_MARK_NS] = "last_mark_ns",
	[G_LAST_SWEEP_NS] = "last_sweep_ns",
	[G_PAUSE_MAX_NS] = "pause_max_ns",
	[G_PAUSE_TOTAL_NS] = "pause_total_ns",
	[G_SECTION_MAX_NS] = "section_max_ns",
	[G_BAD_CALLS] = "bad_calls_total",
};
_Static_assert(ARRAY_SIZE(gc_names) == NR_GC_FIELDS, "a gc field without a name");

/*
 * The files of one classes/<size>/ directory: the class figures of
 * module/stats_list.h, in its order. objects_cached_cpu is
 * "SUM C<cpu>=<n>...": see struct cpu_count.
 */
enum class_field {
#define TCMK_CLASS_INFO(file, ...)	C_##file,
#define TCMK_CLASS_STAT(file, ...)	C_##file,
#define TCMK_CLASS_CPU_STAT(file, ...) C_##file,
#include "../module/stats_list.h"
	NR_CLASS_FIELDS
};

static const char *const class_names[] = {
#define TCMK_CLASS_INFO(file, ...)					\
	[C_##file] = #file,
#define TCMK_CLASS_STAT(file, ...)					\
	[C_##file] = #file,
#define TCMK_CLASS_CPU_STAT(file, ...)				\
	[C_##file] = #file,
#include "../module/stats_list.h"
};

/* One entry of the per-CPU breakdown of objects_cached_cpu. */
struct cpu_count {
	unsigned int cpu;
	uint64_t objects;
};

/*
 * @by_cpu_complete: 0 if CPUs holding objects are missing from @by_cpu: the
 * file said so (" ..."), or, from an older tcmk, was cut at a page.
 */
struct tcmk_class {
	uint64_t v[NR_CLASS_FIELDS];
	struct cpu_count *by_cpu;
	size_t nr_cpus;
	int by_cpu_complete;
};

/**
 * struct snapshot - the tree as read at one moment.
 * @when:	CLOCK_MONOTONIC time the reading started, for rates.
 * @has_gc:	the tree has gc/, and @gc holds its values.
 * @classes:	sorted by size.
 */
struct snapshot {
	char version[VERSION_MAX];
	uint64_t t[NR_TOTALS];
	int has_gc;
	uint64_t gc[NR_GC_FIELDS];
	struct tcmk_class *classes;
	size_t nr_classes;
	struct timespec when;
};

enum sort_key {
	SORT_SIZE, SORT_USE, SORT_CACHED, SORT_SPANS, SORT_PAGES, SORT_UTIL,
	SORT_ALLOCS, SORT_FREES, SORT_FAST, NR_SORT_KEYS
};

static const char *const sort_names[] = {
	[SORT_SIZE] = "size", [SORT_USE] = "use", [SORT_CACHED] = "cached",
	[SORT_SPANS] = "spans", [SORT_PAGES] = "pages", [SORT_UTIL] = "util",
	[SORT_ALLOCS] = "allocs", [SORT_FREES] = "frees", [SORT_FAST] = "fast",
};
_Static_assert(ARRAY_SIZE(sort_names) == NR_SORT_KEYS, "a sort key without a name");

/**
 * struct row - one class with the columns derived from it.
 * @prev:	the same class in the previous snapshot (watch mode), or NULL.
 * @cached:	free objects in the CPUs' caches, the transfer cache and spans.
 * @capacity:	objects the class's spans hold: spans * objects_per_span.
 * @fast_pct:	allocations served without a refill; 0 without allocations.
 * @key:	the sort key's value.
 */
struct row {
	const struct tcmk_class *c;
	const struct tcmk_class *prev;
	uint64_t cached, pages, capacity;
	double util_pct, fast_pct, alloc_rate, free_rate;
	double key;
};

/**
 * struct opts - the command line.
 * @delay:	seconds between reports; 0 for a single report.
 * @count:	reports to print; 0 for no limit.
 */
struct opts {
	const char *root;
	const char *allocinfo;
	enum sort_key sort;
	int all, json, bars;
	long profile;
	int nodes;
	int caches;
	double delay;
	long count;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [OPTION]...\n"
		"Show tcmk's statistics and size classes from sysfs, like slabtop.\n"
		"\n"
		"Options:\n"
		"  -o, --once          print one report and exit (the default)\n"
		"  -d, --delay SECONDS watch: a report every SECONDS (fractions allowed,\n"
		"                      at most 86400), with allocs/s and frees/s over the\n"
		"                      last interval; the screen is cleared between\n"
		"                      reports when the output is a terminal\n"
		"  -n, --count N       stop after N reports (with no --delay: every 2 s)\n"
		"  -s, --sort KEY      order the classes by KEY: size (ascending, the\n"
		"                      default), use, cached, spans, pages, util, allocs,\n"
		"                      frees or fast (all descending)\n"
		"  -a, --all           show every class, also those with no spans that\n"
		"                      never allocated\n"
		"  -b, --bars          one bar per class instead of the table: '#' objects\n"
		"                      in use, '+' free in the CPU and transfer caches, '.'\n"
		"                      free in the spans; the bar is the class's spans,\n"
		"                      scaled to $COLUMNS or the terminal (default 80)\n"
		"  -j, --json          print JSON for scripts: the totals and every class,\n"
		"                      with the derived fields (one document per report);\n"
		"                      objects_cached_cpu_by_cpu_complete is 0 where the\n"
		"                      per-CPU list left CPUs out (hundreds of CPUs)\n"
		"  -r, --root DIR      read the tree at DIR instead of %s\n"
		"  -p, --profile[=N]   show the N call sites (default %d) that hold the\n"
		"                      most memory by the heap profile's estimate, from\n"
		"                      allocinfo (root only), instead of the classes;\n"
		"                      with --delay and --count as well, and --json\n"
		"      --allocinfo FILE  read FILE instead of %s\n"
		"  -N, --nodes         show each NUMA node's figures instead of the\n"
		"                      classes (nodes/node<N>/ in the tree); with --json,\n"
		"                      --delay and --count as well\n"
		"  -C, --caches        show each named cache (caches/<name>/ in the tree)\n"
		"                      instead of the classes; with --json, --delay and\n"
		"                      --count as well\n"
		"  -h, --help          show this help and exit\n"
		"\n"
		"Header: bytes in use, cached (free in CPU caches, transfer caches and\n"
		"central spans), free in the page heap, held from and released to the\n"
		"kernel; allocations with the fast-path hit %% (alloc_fastpath /\n"
		"alloc_total), frees, large objects and refused (bad) frees. With the\n"
		"collector (a gc/ directory in the tree), two 'gc' lines: on or off,\n"
		"collections, the collected heap (bytes and objects), bytes marked by the\n"
		"last collection, objects and bytes freed; roots, pinned objects, weak\n"
		"references, grey-list overflows, calls refused as misuse, the last\n"
		"collection's duration (mark and sweep), the longest and total\n"
		"pauses (two per collection, while it turns marking on and off) and the\n"
		"longest section (a spinlock held or interrupts off, pauses included).\n"
		"\n"
		"Columns:\n"
		"  SIZE     object size of the class in bytes\n"
		"  INUSE    objects allocated and not freed\n"
		"  CACHED   free objects in CPU caches + transfer cache + central spans\n"
		"  SPANS    spans the class holds\n"
		"  PAGES    spans * pages_per_span\n"
		"  UTIL%%    INUSE / (spans * objects_per_span)\n"
		"  FAST%%    allocations without a refill: 1 - refills / allocs\n"
		"  ALLOCS   objects allocated (since load or reset_stats)\n"
		"  FREES    objects freed\n"
		"  ALLOC/s  FREE/s  (watch mode) allocs and frees per second over the\n"
		"           last interval\n"
		"\n"
		"Nodes (--nodes), per node with memory, in bytes:\n"
		"  NODE     the node\n"
		"  HELD     pages of its page heap taken from the kernel\n"
		"  INUSE    its small objects in use\n"
		"  CPU      free objects in the caches of its CPUs\n"
		"  XFER     free objects in its transfer caches\n"
		"  CENTRAL  free objects in its spans\n"
		"  HEAPFREE free pages of its page heap\n"
		"\n"
		"Caches (--caches), per named cache, by name:\n"
		"  NAME     the cache's name\n"
		"  OBJSIZE  bytes per object asked for\n"
		"  STRIDE   bytes each object takes\n"
		"  KIND     merged (shares a size class) or own (spans of its own)\n"
		"  INUSE    objects allocated through it and not freed\n"
		"  CPU      free objects the CPUs keep (own)\n"
		"  FREE     free objects in its spans (own)\n"
		"  SPANS    its spans (own)\n"
		"  HELD     bytes of its spans, those waiting for RCU included\n"
		"  ALLOCS   objects allocated since it was made\n"
		"  FREES    objects freed\n"
		"\n"
		"Profile (--profile): the rate of sampling (sample_bytes) and the samples\n"
		"live, taken and dropped; then per call site, by bytes:\n"
		"  BYTES    estimated bytes the call site holds now\n"
		"  OBJECTS  estimated objects\n"
		"  SITE     function+offset/size [module] of the call\n"
		"\n"
		"Exit status: 0 success, 1 the tree could not be read, 2 a command line\n"
		"not understood.\n",
		prog, DEFAULT_ROOT, DEFAULT_TOP, DEFAULT_ALLOCINFO);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage(stderr);
	return EXIT_USAGE;
}

/*
 * Read @path, a one-line file, into @buf without its newline; *@cut (if not
 * NULL) is set when the line has no newline and fills a page, as sysfs cuts
 * what does not fit. Returns 0, or -errno after saying what went wrong
 * (-EINVAL: not one line with a value).
 */
static int read_line(const char *path, char *buf, size_t len, int *cut)
{
	size_t n = 0;
	ssize_t r;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(err));
		return -err;
	}
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(err));
			close(fd);
			return -err;
		}
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	if (cut)
		*cut = n && buf[n - 1] != '\n' && n + 1 >= (size_t)sysconf(_SC_PAGESIZE);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (!n || strchr(buf, '\n') || n == len - 1) {
		fprintf(stderr, "%s: %s: malformed: not one line with a value\n",
			prog, path);
		return -EINVAL;
	}
	return 0;
}

static int read_value(const char *path, char *buf, size_t len)
{
	return read_line(path, buf, len, NULL);
}

/* A decimal number at *s; moves *s past it. Unlike strtoull, no sign. */
static int parse_u64(const char **s, uint64_t *val)
{
	char *end;

	if (**s < '0' || **s > '9')
		return -1;
	errno = 0;
	*val = strtoull(*s, &end, 10);
	if (errno)
		return -1;
	*s = end;
	return 0;
}

static int read_u64(const char *path, uint64_t *val)
{
	char buf[VALUE_MAX];
	const char *s = buf;

	if (read_value(path, buf, sizeof(buf)))
		return -1;
	if (parse_u64(&s, val) || *s) {
		fprintf(stderr, "%s: %s: malformed: '%s' is not a number\n",
			prog, path, buf);
		return -1;
	}
	return 0;
}

/*
 * Array @arr, of *@cap elements of @size bytes, all in use: reallocated
 * with twice as many (@first if it has none yet), *@cap updated. Return:
 * the new array, or NULL (with a message) for want of memory, @arr kept.
 */
static void *grow(void *arr, size_t *cap, size_t size, size_t first)
{
	size_t n = *cap ? 2 * *cap : first;
	void *p = realloc(arr, n * size);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return NULL;
	}
	*cap = n;
	return p;
}

/*
 * objects_cached_cpu: "SUM", then " C<cpu>=<n>" for each CPU holding any,
 * then " ..." if CPUs that hold some were left out. Older tcmks cut a list
 * longer than a page anywhere, without its newline: what follows the last
 * space may be part of a record, and is dropped.
 */
static int read_cached_cpu(const char *path, struct tcmk_class *c)
{
	char *buf = malloc(LIST_MAX), *end;
	const char *s = buf;
	uint64_t cpu;
	size_t cap = 0;
	int cut;

	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return -1;
	}
	if (read_line(path, buf, LIST_MAX, &cut)) {
		free(buf);
		return -1;
	}
	c->by_cpu_complete = 1;
	end = buf + strlen(buf);
	if (cut) {
		end = strrchr(buf, ' ');
		if (!end)
			goto malformed;
		c->by_cpu_complete = 0;
	} else if (end - buf >= 4 && !strcmp(end - 4, " ...")) {
		end -= 4;
		c->by_cpu_complete = 0;
	}
	*end = '\0';
	if (parse_u64(&s, &c->v[C_objects_cached_cpu]))
		goto malformed;
	while (*s) {
		struct cpu_count *e;

		if (s[0] != ' ' || s[1] != 'C')
			goto malformed;
		s += 2;
		if (parse_u64(&s, &cpu) || cpu > UINT_MAX || *s++ != '=')
			goto malformed;
		if (c->nr_cpus == cap) {
			e = grow(c->by_cpu, &cap, sizeof(*e), 8);
			if (!e) {
				free(buf);
				return -1;
			}
			c->by_cpu = e;
		}
		e = &c->by_cpu[c->nr_cpus];
		e->cpu = cpu;
		if (parse_u64(&s, &e->objects))
			goto malformed;
		c->nr_cpus++;
	}
	free(buf);
	return 0;
malformed:
	fprintf(stderr, "%s: %s: malformed: '%.200s' is not 'SUM C<cpu>=<n>...'\n",
		prog, path, buf);
	free(buf);
	return -1;
}

static int join(char *out, size_t len, const char *dir, const char *name)
{
	if (snprintf(out, len, "%s/%s", dir, name) < (int)len)
		return 0;
	fprintf(stderr, "%s: %s/%s: %s\n", prog, dir, name, strerror(ENAMETOOLONG));
	return -1;
}

/* Read classes/<name>/; the directory's name must be the class's size. */
static int read_class(const char *dir, const char *name, struct tcmk_class *c)
{
	char cdir[PATH_MAX], path[PATH_MAX];
	const char *s = name;
	uint64_t size;
	int f;

	if (join(cdir, sizeof(cdir), dir, name))
		return -1;
	if (parse_u64(&s, &size) || *s) {
		fprintf(stderr, "%s: %s: malformed: not a class size\n", prog, cdir);
		return -1;
	}
	for (f = 0; f < NR_CLASS_FIELDS; f++) {
		if (join(path, sizeof(path), cdir, class_names[f]))
			return -1;
		if (f == C_objects_cached_cpu ? read_cached_cpu(path, c) :
		    read_u64(path, &c->v[f]))
			return -1;
	}
	if (c->v[C_size] != size) {
		fprintf(stderr, "%s: %s/size: malformed: %" PRIu64
			" is not the directory's size\n", prog, cdir, c->v[C_size]);
		return -1;
	}
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	const struct tcmk_class *x = a, *y = b;

	return (x->v[C_size] > y->v[C_size]) - (x->v[C_size] < y->v[C_size]);
}

static int read_classes(const char *root, struct snapshot *s)
{
	char dir[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	if (join(dir, sizeof(dir), root, "classes"))
		return -1;
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	while ((errno = 0, de = readdir(d))) {
		struct tcmk_class *c;

		if (de->d_name[0] == '.')
			continue;
		if (s->nr_classes == cap) {
			c = grow(s->classes, &cap, sizeof(*c), 64);
			if (!c) {
				closedir(d);
				return -1;
			}
			s->classes = c;
		}
		c = &s->classes[s->nr_classes++];
		memset(c, 0, sizeof(*c));
		if (read_class(dir, de->d_name, c)) {
			closedir(d);
			return -1;
		}
	}
	if (errno) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);
	qsort(s->classes, s->nr_classes, sizeof(*s->classes), cmp_size);
	return 0;
}

static void free_snapshot(struct snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nr_classes; i++)
		free(s->classes[i].by_cpu);
	free(s->classes);
	memset(s, 0, sizeof(*s));
}

/* gc/, if the tree has it: a tcmk without the collector has none. */
static int read_gc(const char *root, struct snapshot *s)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct stat st;
	int f;

	if (join(dir, sizeof(dir), root, "gc"))
		return -1;
	if (stat(dir, &st)) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	for (f = 0; f < NR_GC_FIELDS; f++) {
		if (join(path, sizeof(path), dir, gc_names[f]) ||
		    read_u64(path, &s->gc[f]))
			return -1;
	}
	s->has_gc = 1;
	return 0;
}

static int read_snapshot(const char *root, struct snapshot *s)
{
	char path[PATH_MAX];
	int t, err;

	free_snapshot(s);
	clock_gettime(CLOCK_MONOTONIC, &s->when);
	if (join(path, sizeof(path), root, "version"))
		return -1;
	err = read_value(path, s->version, sizeof(s->version));
	if (err) {
		if (err != -ENOENT)
			return -1;
		if (!strcmp(root, DEFAULT_ROOT))
			fprintf(stderr, "%s: is tcmk.ko loaded? (modprobe tcmk)\n", prog);
		else
			fprintf(stderr, "%s: is %s a tcmk sysfs tree?\n", prog, root);
		return -1;
	}
	for (t = 0; t < NR_TOTALS; t++) {
		if (join(path, sizeof(path), root, total_names[t]) ||
		    read_u64(path, &s->t[t]))
			return -1;
	}
	if (read_gc(root, s))
		return -1;
	return read_classes(root, s);
}

static uint64_t delta(uint64_t now, uint64_t then)
{
	/* A counter below its old value was reset (reset_stats) in between. */
	return now >= then ? now - then : now;
}

static double seconds_between(const struct snapshot *now,
			      const struct snapshot *then)
{
	return (now->when.tv_sec - then->when.tv_sec) +
	       (now->when.tv_nsec - then->when.tv_nsec) / 1e9;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * part / whole : 0;
}

static double sort_value(const struct row *r, enum sort_key key)
{
	switch (key) {
	case SORT_USE:
		return r->c->v[C_objects_in_use];
	case SORT_CACHED:
		return r->cached;
	case SORT_SPANS:
		return r->c->v[C_spans];
	case SORT_PAGES:
		return r->pages;
	case SORT_UTIL:
		return r->util_pct;
	case SORT_ALLOCS:
		return r->c->v[C_alloc_total];
	case SORT_FREES:
		return r->c->v[C_free_total];
	case SORT_FAST:
		return r->fast_pct;
	default:
		/* Size ascends: sort by its negative, as the others descend. */
		return -(double)r->c->v[C_size];
	}
}

static void derive(struct row *r, const struct tcmk_class *c,
		   const struct tcmk_class *prev, double interval,
		   enum sort_key key)
{
	const uint64_t *v = c->v;
	uint64_t misses = v[C_refills] < v[C_alloc_total] ? v[C_refills] :
			  v[C_alloc_total];

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->prev = prev;
	r->cached = v[C_objects_cached_cpu] + v[C_objects_in_transfer] +
		    v[C_objects_free_central];
	r->pages = v[C_spans] * v[C_pages_per_span];
	r->capacity = v[C_spans] * v[C_objects_per_span];
	r->util_pct = pct(v[C_objects_in_use], r->capacity);
	r->fast_pct = v[C_alloc_total] ? 100.0 - pct(misses, v[C_alloc_total]) : 0;
	if (prev && interval > 0) {
		r->alloc_rate = delta(v[C_alloc_total], prev->v[C_alloc_total]) / interval;
		r->free_rate = delta(v[C_free_total], prev->v[C_free_total]) / interval;
	}
	r->key = sort_value(r, key);
}

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return cmp_size(x->c, y->c);
}

/*
 * The rows of @s in display order; @prev (may be NULL) is the snapshot before.
 * Classes are the same while tcmk stays loaded, so they match by position.
 */
static struct row *make_rows(const struct snapshot *s,
			     const struct snapshot *prev, enum sort_key key)
{
	struct row *rows = calloc(s->nr_classes ? s->nr_classes : 1, sizeof(*rows));
	double interval = prev ? seconds_between(s, prev) : 0;
	size_t i;

	if (!rows) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return NULL;
	}
	for (i = 0; i < s->nr_classes; i++) {
		const struct tcmk_class *p = NULL;

		if (prev && i < prev->nr_classes &&
		    prev->classes[i].v[C_size] == s->classes[i].v[C_size])
			p = &prev->classes[i];
		derive(&rows[i], &s->classes[i], p, interval, key);
	}
	qsort(rows, s->nr_classes, sizeof(*rows), cmp_row);
	return rows;
}

/* A class worth a line: it holds spans or has allocated. */
static int shown(const struct row *r, const struct opts *o)
{
	return o->all || r->c->v[C_spans] || r->c->v[C_alloc_total];
}

/* Bytes in a short human form: 512B, 77.0K, 2.0M, 1.5G. */
static const char *human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double v = bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 "B", bytes);
		return buf;
	}
	while (v >= 1024 && u < (int)sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

/* Nanoseconds in a short human form: 850ns, 12.5us, 1.2ms, 3.0s. */
static const char *human_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1fms", ns / 1e6);
	else
		snprintf(buf, len, "%.1fs", ns / 1e9);
	return buf;
}

static void print_gc(const struct snapshot *s)
{
	const uint64_t *g = s->gc;
	char a[16], b[16], c[16], d[16], e[16];

	printf("gc %s: %" PRIu64 " cycles, heap %s in %" PRIu64
	       " objects, marked %s last cycle, freed %" PRIu64 " objects (%s)\n",
	       g[G_ENABLED] ? "on" : "off", g[G_CYCLES],
	       human(g[G_HEAP_BYTES], a, sizeof(a)), g[G_HEAP_OBJECTS],
	       human(g[G_MARKED_LAST], b, sizeof(b)), g[G_FREED_OBJECTS],
	       human(g[G_FREED_BYTES], c, sizeof(c)));
	printf("gc roots %" PRIu64 ", pinned %" PRIu64 ", weak refs %" PRIu64
	       ", overflows %" PRIu64 ", refused calls %" PRIu64 "; last cycle %s",
	       g[G_ROOTS], g[G_PINNED], g[G_WEAK_REFS], g[G_OVERFLOWS],
	       g[G_BAD_CALLS], human_ns(g[G_LAST_CYCLE_NS], a, sizeof(a)));
	printf(" (mark %s, sweep %s), pause max %s, total %s, section max %s\n",
	       human_ns(g[G_LAST_MARK_NS], a, sizeof(a)),
	       human_ns(g[G_LAST_SWEEP_NS], b, sizeof(b)),
	       human_ns(g[G_PAUSE_MAX_NS], c, sizeof(c)),
	       human_ns(g[G_PAUSE_TOTAL_NS], d, sizeof(d)),
	       human_ns(g[G_SECTION_MAX_NS], e, sizeof(e)));
}

static double alloc_fast_pct(const struct snapshot *s)
{
	return pct(s->t[T_alloc_fastpath], s->t[T_alloc_total]);
}

static uint64_t bytes_cached(const struct snapshot *s)
{
	return s->t[T_bytes_cached_cpu] + s->t[T_bytes_cached_transfer] +
	       s->t[T_bytes_cached_central];
}

static void print_header(const struct snapshot *s, const struct snapshot *prev,
			 size_t nr_shown)
{
	const uint64_t *t = s->t;
	char a[16], b[16], c[16], d[16];

	printf("tcmk %s: in use %s, held %s, released %s, free in page heap %s\n",
	       s->version, human(t[T_bytes_in_use], a, sizeof(a)),
	       human(t[T_bytes_held], b, sizeof(b)),
	       human(t[T_bytes_released_total], c, sizeof(c)),
	       human(t[T_bytes_free_page_heap], d, sizeof(d)));
	printf("cached %s: cpu %s, transfer %s, central %s\n",
	       human(bytes_cached(s), a, sizeof(a)),
	       human(t[T_bytes_cached_cpu], b, sizeof(b)),
	       human(t[T_bytes_cached_transfer], c, sizeof(c)),
	       human(t[T_bytes_cached_central], d, sizeof(d)));
	printf("allocs %" PRIu64 " (fast path %.1f%%), frees %" PRIu64
	       ", large allocs %" PRIu64 " frees %" PRIu64 ", refused frees %" PRIu64 "\n",
	       t[T_alloc_total], alloc_fast_pct(s), t[T_free_total],
	       t[T_large_alloc_total], t[T_large_free_total], t[T_bad_free_total]);
	if (prev) {
		double sec = seconds_between(s, prev);

		printf("last %.1f s: %.1f allocs/s, %.1f frees/s\n", sec,
		       sec > 0 ? delta(t[T_alloc_total], prev->t[T_alloc_total]) / sec : 0,
		       sec > 0 ? delta(t[T_free_total], prev->t[T_free_total]) / sec : 0);
	}
	if (s->has_gc)
		print_gc(s);
	printf("classes: %zu shown of %zu%s\n\n", nr_shown, s->nr_classes,
	       nr_shown < s->nr_classes ? " (-a shows all)" : "");
}

static void print_table(const struct row *rows, size_t n, int watch,
			const struct opts *o)
{
	size_t i;

	printf("%6s %8s %8s %6s %7s %6s %6s %10s %10s", "SIZE", "INUSE",
	       "CACHED", "SPANS", "PAGES", "UTIL%", "FAST%", "ALLOCS", "FREES");
	printf(watch ? " %9s %9s\n" : "\n", "ALLOC/s", "FREE/s");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const uint64_t *v = r->c->v;

		if (!shown(r, o))
			continue;
		printf("%6" PRIu64 " %8" PRIu64 " %8" PRIu64 " %6" PRIu64 " %7" PRIu64
		       " %6.1f %6.1f %10" PRIu64 " %10" PRIu64, v[C_size],
		       v[C_objects_in_use], r->cached, v[C_spans], r->pages,
		       r->util_pct, r->fast_pct, v[C_alloc_total], v[C_free_total]);
		if (watch && r->prev)
			printf(" %9.1f %9.1f", r->alloc_rate, r->free_rate);
		else if (watch)
			printf(" %9s %9s", "-", "-");
		putchar('\n');
	}
}

/* Columns of the output: $COLUMNS, else the terminal's, else 80. */
static int output_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long cols;

	if (env && *env) {
		errno = 0;
		cols = strtol(env, &end, 10);
		if (!errno && !*end && cols > 0)
			return cols < MAX_WIDTH ? cols : MAX_WIDTH;
	}
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) &&
	    ws.ws_col > 0)
		return ws.ws_col < MAX_WIDTH ? ws.ws_col : MAX_WIDTH;
	return DEFAULT_WIDTH;
}

/* Cells of a @width bar that the first @part of @whole objects fill. */
static int cells(uint64_t part, uint64_t whole, int width)
{
	return whole ? (int)((double)part * width / whole + 0.5) : 0;
}

static void print_bars(const struct row *rows, size_t n, const struct opts *o)
{
	int width = output_width() - BAR_PREFIX - 1, k;
	size_t i;

	if (width < BAR_MIN)
		width = BAR_MIN;
	printf("%6s %6s  # in use, + free in CPU and transfer caches, . free in spans\n",
	       "SIZE", "UTIL%");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const uint64_t *v = r->c->v;
		uint64_t used = v[C_objects_in_use];
		uint64_t cached = used + v[C_objects_cached_cpu] +
				  v[C_objects_in_transfer];
		uint64_t all = cached + v[C_objects_free_central];
		/* Counters read while tcmk works may overrun the spans a little. */
		uint64_t whole = all > r->capacity ? all : r->capacity;
		int e_used = cells(used, whole, width);
		int e_cached = cells(cached, whole, width);
		int e_all = cells(all, whole, width);

		if (!shown(r, o))
			continue;
		printf("%6" PRIu64 " %5.1f%% [", v[C_size], r->util_pct);
		for (k = 0; k < width; k++)
			putchar(k < e_used ? '#' : k < e_cached ? '+' :
				k < e_all ? '.' : ' ');
		printf("]\n");
	}
}

/* @s as a JSON string: the version file is the only text in the tree. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct snapshot *s, const struct snapshot *prev,
		       const struct row *rows, size_t n)
{
	double sec = prev ? seconds_between(s, prev) : 0;
	size_t i, k;
	int f;

	printf("{\"version\": ");
	json_string(s->version);
	printf(",\n \"totals\": {");
	for (f = 0; f < NR_TOTALS; f++)
		printf("\"%s\": %" PRIu64 ", ", total_names[f], s->t[f]);
	printf("\"bytes_cached\": %" PRIu64 ", \"alloc_fast_pct\": %.2f, \"classes\": %zu",
	       bytes_cached(s), alloc_fast_pct(s), s->nr_classes);
	if (prev)
		printf(", \"interval_seconds\": %.3f, \"alloc_rate\": %.1f, \"free_rate\": %.1f",
		       sec, sec > 0 ? delta(s->t[T_alloc_total], prev->t[T_alloc_total]) / sec : 0,
		       sec > 0 ? delta(s->t[T_free_total], prev->t[T_free_total]) / sec : 0);
	if (s->has_gc) {
		printf("},\n \"gc\": {");
		for (f = 0; f < NR_GC_FIELDS; f++)
			printf("%s\"%s\": %" PRIu64, f ? ", " : "", gc_names[f],
			       s->gc[f]);
	}
	printf("},\n \"classes\": [");
	for (i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		const struct tcmk_class *c = r->c;

		printf("%s\n  {", i ? "," : "");
		for (f = 0; f < NR_CLASS_FIELDS; f++)
			printf("\"%s\": %" PRIu64 ", ", class_names[f], c->v[f]);
		printf("\"objects_cached_cpu_by_cpu\": [");
		for (k = 0; k < c->nr_cpus; k++)
			printf("%s{\"cpu\": %u, \"objects\": %" PRIu64 "}", k ? ", " : "",
			       c->by_cpu[k].cpu, c->by_cpu[k].objects);
		printf("], \"objects_cached_cpu_by_cpu_complete\": %d",
		       c->by_cpu_complete);
		printf(", \"objects_cached\": %" PRIu64 ", \"pages\": %" PRIu64
		       ", \"capacity\": %" PRIu64 ", \"util_pct\": %.2f, \"fast_pct\": %.2f",
		       r->cached, r->pages, r->capacity, r->util_pct, r->fast_pct);
		if (prev)
			printf(", \"alloc_rate\": %.1f, \"free_rate\": %.1f",
			       r->alloc_rate, r->free_rate);
		putchar('}');
	}
	printf("\n]}\n");
}

static int report(const struct snapshot *s, const struct snapshot *prev,
		  const struct opts *o)
{
	struct row *rows = make_rows(s, prev, o->sort);
	size_t i, nr_shown = 0;

	if (!rows)
		return -1;
	if (o->json) {
		print_json(s, prev, rows, s->nr_classes);
	} else {
		for (i = 0; i < s->nr_classes; i++)
			nr_shown += shown(&rows[i], o);
		print_header(s, prev, nr_shown);
		if (o->bars)
			print_bars(rows, s->nr_classes, o);
		else
			print_table(rows, s->nr_classes, o->delay > 0, o);
	}
	free(rows);
	return 0;
}

static void sleep_seconds(double sec)
{
	struct timespec ts = {
		.tv_sec = (time_t)sec,
		.tv_nsec = (long)((sec - (time_t)sec) * 1e9),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/**
 * struct profile - what allocinfo says: its header and its lines.
 * @rate:	sample_bytes.
 * @live:	samples of objects still allocated.
 * @taken:	samples taken since load.
 * @dropped:	samples lost for want of memory.
 * @site:	per call site, its estimated bytes and objects and its name,
 *		sorted by bytes as the file is.
 */
struct profile {
	uint64_t rate, live, taken, dropped;
	size_t n, cap;
	struct site {
		uint64_t bytes, objects;
		char name[256];
	} *site;
};

/* Read @path, allocinfo's format, into @p. 0, or -1 after saying why. */
static int read_profile(const char *path, struct profile *p)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int ok;

	p->n = 0;
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	ok = fgets(line, sizeof(line), f) &&
	     sscanf(line, "allocinfo - tcmk heap profile, version: 1.0, sample_bytes: %" SCNu64,
		    &p->rate) == 1 &&
	     fgets(line, sizeof(line), f) &&
	     sscanf(line, "# estimates scaled from %" SCNu64 " live samples (%" SCNu64
		    " taken, %" SCNu64 " dropped)", &p->live, &p->taken, &p->dropped) == 3;
	while (ok && fgets(line, sizeof(line), f)) {
		struct site *s;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (p->n == p->cap) {
			s = grow(p->site, &p->cap, sizeof(*p->site), 64);
			if (!s) {
				fclose(f);
				return -1;
			}
			p->site = s;
		}
		s = &p->site[p->n];
		if (sscanf(line, "%" SCNu64 " %" SCNu64 " %255[^\n]", &s->bytes,
			   &s->objects, s->name) != 3)
			ok = 0;
		else
			p->n++;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		ok = -1;
	} else if (!ok) {
		fprintf(stderr, "%s: %s: %s\n", prog, path,
			"not in allocinfo's format");
	}
	fclose(f);
	return ok > 0 ? 0 : -1;
}

static void print_profile(const struct profile *p, const struct opts *o)
{
	size_t i, n = p->n < (size_t)o->profile ? p->n : (size_t)o->profile;
	char buf[32];

	if (o->json) {
		printf("{\"sample_bytes\": %" PRIu64 ", \"live_samples\": %" PRIu64
		       ", \"samples_taken\": %" PRIu64 ", \"samples_dropped\": %" PRIu64
		       ", \"sites\": [", p->rate, p->live, p->taken, p->dropped);
		for (i = 0; i < n; i++) {
			printf("%s\n{\"bytes\": %" PRIu64 ", \"objects\": %" PRIu64
			       ", \"site\": ", i ? "," : "", p->site[i].bytes,
			       p->site[i].objects);
			json_string(p->site[i].name);
			putchar('}');
		}
		printf("\n]}\n");
		return;
	}
	printf("heap profile: a sample every %" PRIu64 " bytes on average%s; %" PRIu64
	       " live samples (%" PRIu64 " taken, %" PRIu64 " dropped); %zu call sites\n",
	       p->rate, p->rate ? "" : " (off)", p->live, p->taken, p->dropped, p->n);
	printf("%9s %10s  %s\n", "BYTES", "OBJECTS", "SITE");
	for (i = 0; i < n; i++)
		printf("%9s %10" PRIu64 "  %s\n",
		       human(p->site[i].bytes, buf, sizeof(buf)),
		       p->site[i].objects, p->site[i].name);
}

/*
 * A report that watch() repeats: @read takes the figures of round @round
 * into @data, @print prints them; each returns 0, or non-zero with the
 * error printed.
 */
struct watched {
	int (*read)(const struct opts *o, const struct watched *w);
	int (*print)(const struct opts *o, const struct watched *w);
	void *data;
	long round;
};

/*
 * @o->count rounds of @w (0: until killed), @o->delay seconds apart; on a
 * terminal each replaces the last on the screen. The exit status.
 */
static int watch(const struct opts *o, struct watched *w)
{
	int tty = isatty(STDOUT_FILENO);

	for (w->round = 0; !o->count || w->round < o->count; w->round++) {
		if (w->round)
			sleep_seconds(o->delay);
		if (w->read(o, w))
			return EXIT_FAIL;
		if (w->round && !o->json)
			fputs(tty ? "\033[H\033[2J" : "\n", stdout);
		else if (!w->round && o->delay > 0 && tty && !o->json)
			fputs("\033[H\033[2J", stdout);
		if (w->print(o, w))
			return EXIT_FAIL;
		if (fflush(stdout)) {
			fprintf(stderr, "%s: stdout: %s\n", prog, strerror(errno));
			return EXIT_FAIL;
		}
	}
	return 0;
}

static int profile_read(const struct opts *o, const struct watched *w)
{
	return read_profile(o->allocinfo, w->data);
}

static int profile_print(const struct opts *o, const struct watched *w)
{
	print_profile(w->data, o);
	return 0;
}

/* --profile: the reports @o asks for, from allocinfo; the exit status. */
static int run_profile(const struct opts *o)
{
	struct profile p = { 0 };
	struct watched w = { profile_read, profile_print, &p, 0 };
	int ret = watch(o, &w);

	free(p.site);
	return ret;
}

/* Two snapshots, the newest at round % 2: rates come from the difference. */
static int snapshot_read(const struct opts *o, const struct watched *w)
{
	struct snapshot *snap = w->data;

	return read_snapshot(o->root, &snap[w->round % 2]);
}

static int snapshot_print(const struct opts *o, const struct watched *w)
{
	struct snapshot *snap = w->data;

	return report(&snap[w->round % 2],
		      w->round ? &snap[(w->round + 1) % 2] : NULL, o);
}

/* Print the reports @o asks for; the exit status. */
static int run(const struct opts *o)
{
	struct snapshot snap[2] = { 0 };
	struct watched w = { snapshot_read, snapshot_print, snap, 0 };
	int ret = watch(o, &w);

	free_snapshot(&snap[0]);
	free_snapshot(&snap[1]);
	return ret;
}

/* A node's files, nodes/node<N>/, in the order of the table's columns. */
static const char *const node_files[] = {
	"bytes_held", "bytes_in_use", "bytes_cached_cpu",
	"bytes_cached_transfer", "bytes_cached_central", "bytes_free_page_heap",
};
#define NR_NODE_FILES	ARRAY_SIZE(node_files)

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The figures of every node, by node id; at most MAX_NODES of them. */
#define MAX_NODES	1024
struct nodes {
	int n;
	int ids[MAX_NODES];
	uint64_t v[MAX_NODES][NR_NODE_FILES];
};

/* Read every node's files into @w->data; 0, or non-zero with the error printed. */
static int nodes_read(const struct opts *o, const struct watched *w)
{
	char dir[PATH_MAX], sub[PATH_MAX], path[PATH_MAX], name[32];
	struct nodes *nodes = w->data;
	struct dirent *e;
	int i, id;
	size_t f;
	DIR *d;

	if (join(dir, sizeof(dir), o->root, "nodes"))
		return EXIT_FAIL;
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return EXIT_FAIL;
	}
	nodes->n = 0;
	while ((e = readdir(d)) && nodes->n < MAX_NODES)
		if (sscanf(e->d_name, "node%d", &id) == 1 && id >= 0)
			nodes->ids[nodes->n++] = id;
	closedir(d);
	qsort(nodes->ids, nodes->n, sizeof(nodes->ids[0]), cmp_int);
	for (i = 0; i < nodes->n; i++) {
		snprintf(name, sizeof(name), "node%d", nodes->ids[i]);
		if (join(sub, sizeof(sub), dir, name))
			return EXIT_FAIL;
		for (f = 0; f < NR_NODE_FILES; f++)
			if (join(path, sizeof(path), sub, node_files[f]) ||
			    read_u64(path, &nodes->v[i][f]))
				return EXIT_FAIL;
	}
	return 0;
}

/* The table, or JSON, of what nodes_read() read. */
static int nodes_print(const struct opts *o, const struct watched *w)
{
	const struct nodes *nodes = w->data;
	char h[NR_NODE_FILES][16];
	size_t f;
	int i;

	if (o->json)
		printf("{\"nodes\": [");
	else
		printf("%4s %9s %9s %9s %9s %9s %9s\n", "NODE", "HELD", "INUSE",
		       "CPU", "XFER", "CENTRAL", "HEAPFREE");
	for (i = 0; i < nodes->n; i++) {
		if (o->json) {
			printf("%s\n {\"node\": %d", i ? "," : "", nodes->ids[i]);
			for (f = 0; f < NR_NODE_FILES; f++)
				printf(", \"%s\": %" PRIu64, node_files[f],
				       nodes->v[i][f]);
			printf("}");
			continue;
		}
		for (f = 0; f < NR_NODE_FILES; f++)
			human(nodes->v[i][f], h[f], sizeof(h[f]));
		printf("%4d %9s %9s %9s %9s %9s %9s\n", nodes->ids[i], h[0],
		       h[1], h[2], h[3], h[4], h[5]);
	}
	if (o->json)
		printf("\n]}\n");
	return 0;
}

/* --nodes: the reports @o asks for; the exit status. */
static int run_nodes(const struct opts *o)
{
	struct nodes *nodes = calloc(1, sizeof(*nodes));
	struct watched w = { nodes_read, nodes_print, nodes, 0 };
	int ret;

	if (!nodes) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		return EXIT_FAIL;
	}
	ret = watch(o, &w);
	free(nodes);
	return ret;
}

/*
 * A named cache's files, caches/<name>/, in the order of the table's
 * columns; objects_cached_cpu is read for its sum, the number it starts
 * with.
 */
static const char *const cache_files[] = {
	"object_size", "stride", "merged", "objects_in_use",
	"objects_cached_cpu", "objects_free", "spans", "bytes_held",
	"alloc_total", "free_total",
};
#define NR_CACHE_FILES	ARRAY_SIZE(cache_files)
#define CACHE_CPU_FILE	4
#define CACHE_NAME_MAX	64

struct cache_row {
	char name[CACHE_NAME_MAX + 1];
	uint64_t v[NR_CACHE_FILES];
};

struct caches {
	size_t n, cap;
	struct cache_row *rows;
};

static int cmp_cache(const void *a, const void *b)
{
	return strcmp(((const struct cache_row *)a)->name,
		      ((const struct cache_row *)b)->name);
}

/* The number a file starts with: the sum of a per-CPU list. */
static int read_sum(const char *path, uint64_t *val)
{
	char buf[VALUE_MAX];
	const char *s = buf;

	if (read_value(path, buf, sizeof(buf)))
		return -1;
	if (parse_u64(&s, val) || (*s && *s != ' ')) {
		fprintf(stderr, "%s: %s: malformed: '%s' does not start with a number\n",
			prog, path, buf);
		return -1;
	}
	return 0;
}

/*
 * Read every cache's files into @w->data; 0, or non-zero with the error
 * printed. A cache destroyed while it is read is left out.
 */
static int caches_read(const struct opts *o, const struct watched *w)
{
	char dir[PATH_MAX], sub[PATH_MAX], path[PATH_MAX];
	struct caches *caches = w->data;
	struct dirent *e;
	size_t f;
	DIR *d;

	if (join(dir, sizeof(dir), o->root, "caches"))
		return EXIT_FAIL;
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return EXIT_FAIL;
	}
	caches->n = 0;
	while ((e = readdir(d))) {
		struct cache_row *row;
		int gone = 0;

		if (e->d_name[0] == '.' || strlen(e->d_name) > CACHE_NAME_MAX)
			continue;
		if (caches->n == caches->cap) {
			size_t cap = caches->cap ? 2 * caches->cap : 16;
			struct cache_row *rows = realloc(caches->rows, cap * sizeof(*rows));

			if (!rows) {
				fprintf(stderr, "%s: %s\n", prog, strerror(errno));
				closedir(d);
				return EXIT_FAIL;
			}
			caches->rows = rows;
			caches->cap = cap;
		}
		row = &caches->rows[caches->n];
		snprintf(row->name, sizeof(row->name), "%s", e->d_name);
		if (join(sub, sizeof(sub), dir, e->d_name)) {
			closedir(d);
			return EXIT_FAIL;
		}
		for (f = 0; f < NR_CACHE_FILES; f++) {
			if (join(path, sizeof(path), sub, cache_files[f])) {
				closedir(d);
				return EXIT_FAIL;
			}
			if (!f && access(path, F_OK) && errno == ENOENT) {
				gone = 1;
				break;
			}
			if (f == CACHE_CPU_FILE ? read_sum(path, &row->v[f]) :
						  read_u64(path, &row->v[f])) {
				closedir(d);
				return EXIT_FAIL;
			}
		}
		if (!gone)
			caches->n++;
	}
	closedir(d);
	qsort(caches->rows, caches->n, sizeof(*caches->rows), cmp_cache);
	return 0;
}

/* The table, or JSON, of what caches_read() read. */
static int caches_print(const struct opts *o, const struct watched *w)
{
	const struct caches *caches = w->data;
	char held[16];
	size_t i, f;

	if (o->json)
		printf("{\"caches\": [");
	else
		printf("%-24s %7s %7s %-7s %9s %7s %7s %6s %9s %10s %10s\n", "NAME",
		       "OBJSIZE", "STRIDE", "KIND", "INUSE", "CPU", "FREE",
		       "SPANS", "HELD", "ALLOCS", "FREES");
	for (i = 0; i < caches->n; i++) {
		const struct cache_row *r = &caches->rows[i];

		if (o->json) {
			printf("%s\n {\"name\": ", i ? "," : "");
			json_string(r->name);
			for (f = 0; f < NR_CACHE_FILES; f++)
				printf(", \"%s\": %" PRIu64, cache_files[f], r->v[f]);
			printf("}");
			continue;
		}
		printf("%-24s %7" PRIu64 " %7" PRIu64 " %-7s %9" PRIu64 " %7" PRIu64
		       " %7" PRIu64 " %6" PRIu64 " %9s %10" PRIu64 " %10" PRIu64 "\n",
		       r->name, r->v[0], r->v[1], r->v[2] ? "merged" : "own",
		       r->v[3], r->v[4], r->v[5], r->v[6],
		       human(r->v[7], held, sizeof(held)), r->v[8], r->v[9]);
	}
	if (o->json)
		printf("\n]}\n");
	return 0;
}

/* --caches: the reports @o asks for; the exit status. */
static int run_caches(const struct opts *o)
{
	struct caches caches = { 0 };
	struct watched w = { caches_read, caches_print, &caches, 0 };
	int ret = watch(o, &w);

	free(caches.rows);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "delay", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "bars", no_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "profile", optional_argument, NULL, 'p' },
		{ "allocinfo", required_argument, NULL, 'A' },
		{ "nodes", no_argument, NULL, 'N' },
		{ "caches", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = {
		.root = DEFAULT_ROOT, .allocinfo = DEFAULT_ALLOCINFO,
		.sort = SORT_SIZE, .count = 1,
	};
	int once = 0, opt, k, count_set = 0;
	char *end;

	while ((opt = getopt_long(argc, argv, "od:n:s:abjr:p::NCh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			once = 1;
			break;
		case 'd':
			errno = 0;
			o.delay = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o.delay > 0) ||
			    o.delay > MAX_DELAY)
				return usage_error("bad delay '%s': seconds above 0, at most 86400",
						   optarg);
			break;
		case 'n':
			errno = 0;
			o.count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.count < 1)
				return usage_error("bad count '%s': a whole number above 0",
						   optarg);
			count_set = 1;
			break;
		case 's':
			for (k = 0; k < NR_SORT_KEYS; k++)
				if (!strcmp(optarg, sort_names[k]))
					break;
			if (k == NR_SORT_KEYS)
				return usage_error("unknown sort key '%s'", optarg);
			o.sort = k;
			break;
		case 'a':
			o.all = 1;
			break;
		case 'b':
			o.bars = 1;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'r':
			o.root = optarg;
			break;
		case 'p':
			o.profile = DEFAULT_TOP;
			if (!optarg)
				break;
			errno = 0;
			o.profile = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o.profile < 1)
				return usage_error("bad number of call sites '%s': a whole number above 0",
						   optarg);
			break;
		case 'A':
			o.allocinfo = optarg;
			break;
		case 'N':
			o.nodes = 1;
			break;
		case 'C':
			o.caches = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o.json && o.bars)
		return usage_error("%s", "--json and --bars do not go together");
	if (once && (o.delay > 0 || (count_set && o.count > 1)))
		return usage_error("%s", "--once does not go with --delay or --count");
	/* --delay alone watches until interrupted; --count alone every 2 s. */
	if (o.delay > 0 && !count_set)
		o.count = 0;
	if (count_set && o.count > 1 && !(o.delay > 0))
		o.delay = 2;
	if (o.profile && o.bars)
		return usage_error("%s", "--profile and --bars do not go together");
	if (o.nodes && (o.bars || o.profile))
		return usage_error("%s", "--nodes goes with neither --bars nor --profile");
	if (o.caches && (o.bars || o.profile || o.nodes))
		return usage_error("%s", "--caches goes with none of --bars, --profile and --nodes");
	if (o.nodes)
		return run_nodes(&o);
	if (o.caches)
		return run_caches(&o);
	if (o.profile)
		return run_profile(&o);
	return run(&o);
}
