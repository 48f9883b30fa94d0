// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: tcmkstat, the slabtop-style view of /sys/kernel/tcmk.
 *
 * Most tests feed tcmkstat a fixture tree in /tmp through --root, with values
 * chosen so that every derived column is exact; the last ones read the live
 * tree (tcmk.ko loaded) and compare tcmkstat's JSON with the sysfs files.
 * Runs the tcmkstat binary named by $TCMKSTAT, else the one installed beside
 * this test; skips when there is none.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/tcmk.h>

#include "kselftest_harness.h"
#include "run_tool.h"

#define SYSFS_DIR	"/sys/kernel/tcmk"
#define TCMK_DEVICE	"/dev/tcmk"
static const char *tcmkstat_path(void)
{
	return tool_path("TCMKSTAT", "tcmkstat");
}

/* Run tcmkstat with @args (NULL-terminated); @columns sets $COLUMNS if not NULL. */
static void run(struct tool_result *r, const char *columns, const char *const *args)
{
	run_tool(r, tcmkstat_path(), NULL, columns, args);
}

#define RUN(r, ...) run((r), NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define RUN_COLS(r, cols, ...) \
	run((r), (cols), (const char *const[]){ __VA_ARGS__, NULL })

/*
 * The fixture. Each class is consistent when idle (spans * objects_per_span =
 * in use + cached in CPUs + in transfer + free in spans), and the derived
 * values are exact: 16 B is 62.5% used with a 95% hit rate, and so on.
 */
static const char *const fx_totals[][2] = {
	{ "version", "0.1.0-fixture" },
	{ "bytes_in_use", "160768" },		/* 157.0K */
	{ "bytes_cached_cpu", "5248" },
	{ "bytes_cached_transfer", "1024" },
	{ "bytes_cached_central", "33664" },	/* cached 39936 = 39.0K */
	{ "bytes_free_page_heap", "1048576" },
	{ "bytes_held", "4194304" },
	{ "bytes_released_total", "2097152" },
	{ "alloc_total", "2560" },
	{ "free_total", "1736" },
	{ "alloc_fastpath", "2304" },		/* 90% */
	{ "alloc_slowpath", "256" },
	{ "free_fastpath", "1700" },
	{ "free_slowpath", "36" },
	{ "large_alloc_total", "3" },
	{ "large_free_total", "1" },
	{ "bad_free_total", "2" },
};

static const char *const fx_class_files[] = {
	"size", "pages_per_span", "objects_per_span", "batch", "spans",
	"objects_in_use", "objects_cached_cpu", "objects_cpu_capacity",
	"objects_in_transfer", "objects_free_central", "alloc_total",
	"free_total", "refills", "flushes",
};

static const char *const fx_classes[][14] = {
	{ "16", "1", "256", "32", "4", "640", "200 C0=120 C1=80", "256", "64",
	  "120", "2000", "1360", "100", "40" },
	{ "64", "1", "64", "32", "10", "160", "32 C1=32", "64", "0", "448",
	  "500", "340", "125", "10" },
	/* Everything freed and the span given back: no spans, but allocs. */
	{ "128", "1", "32", "32", "0", "0", "0", "0", "0", "0",
	  "10", "10", "1", "1" },
	{ "3072", "3", "4", "10", "5", "19", "0", "4", "0", "1",
	  "40", "21", "40", "0" },
	/* Never used: hidden without --all. */
	{ "32768", "8", "1", "2", "0", "0", "0", "0", "0", "0",
	  "0", "0", "0", "0" },
};

/* The collector's gc/, added to the fixture by the tests that want it. */
static const char *const fx_gc[][2] = {
	{ "enabled", "1" },
	{ "cycles", "12" },
	{ "heap_bytes", "1572864" },		/* 1.5M */
	{ "heap_objects", "340" },
	{ "marked_bytes_last", "819200" },	/* 800.0K */
	{ "freed_objects_total", "1000" },
	{ "freed_bytes_total", "3565158" },	/* 3.4M */
	{ "roots", "3" },
	{ "pinned", "2" },
	{ "weak_refs", "40" },
	{ "overflows_total", "0" },
	{ "last_cycle_ns", "1200000" },		/* 1.2ms */
	{ "last_mark_ns", "900000" },		/* 900.0us */
	{ "last_sweep_ns", "300000" },
	{ "pause_max_ns", "1200000" },
	{ "pause_total_ns", "30100000" },	/* 30.1ms */
	{ "section_max_ns", "85000" },		/* 85.0us */
	{ "bad_calls_total", "5" },
};

static const char fx_gc_lines[] =
	"gc on: 12 cycles, heap 1.5M in 340 objects, marked 800.0K last cycle, freed 1000 objects (3.4M)\n"
	"gc roots 3, pinned 2, weak refs 40, overflows 0, refused calls 5; last cycle 1.2ms (mark 900.0us, sweep 300.0us), pause max 1.2ms, total 30.1ms, section max 85.0us\n";

static int put(const char *dir, const char *name, const char *value)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", value);
	return fclose(f);
}

static int make_tree(char dir[64])
{
	char cdir[512];
	size_t i, k;

	snprintf(dir, 64, "%s", "/tmp/tcmkstat_test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	for (i = 0; i < ARRAY_SIZE(fx_totals); i++)
		if (put(dir, fx_totals[i][0], fx_totals[i][1]))
			return -1;
	snprintf(cdir, sizeof(cdir), "%s/classes", dir);
	if (mkdir(cdir, 0755))
		return -1;
	for (i = 0; i < ARRAY_SIZE(fx_classes); i++) {
		snprintf(cdir, sizeof(cdir), "%s/classes/%s", dir, fx_classes[i][0]);
		if (mkdir(cdir, 0755))
			return -1;
		for (k = 0; k < ARRAY_SIZE(fx_class_files); k++)
			if (put(cdir, fx_class_files[k], fx_classes[i][k]))
				return -1;
	}
	return 0;
}

static int add_gc(const char *dir)
{
	char gdir[512];
	size_t i;

	snprintf(gdir, sizeof(gdir), "%s/gc", dir);
	if (mkdir(gdir, 0755))
		return -1;
	for (i = 0; i < ARRAY_SIZE(fx_gc); i++)
		if (put(gdir, fx_gc[i][0], fx_gc[i][1]))
			return -1;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	return remove(path);
}

FIXTURE(tree) {
	char dir[64];
	char path[512];
};

FIXTURE_SETUP(tree)
{
	if (access(tcmkstat_path(), X_OK))
		SKIP(return, "no tcmkstat (set TCMKSTAT)");
	ASSERT_EQ(0, make_tree(self->dir)) TH_LOG("fixture: %s", strerror(errno));
}

FIXTURE_TEARDOWN(tree)
{
	if (self->dir[0])
		nftw(self->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The number after "KEY": on the line at @from; 0 if the key is there. */
static int json_num(const char *from, const char *key, double *val)
{
	const char *eol = strchrnul(from, '\n'), *p;
	char pat[64];
	char *end;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(from, pat);
	if (!p || p > eol)
		return -1;
	*val = strtod(p + strlen(pat), &end);
	return end == p + strlen(pat) ? -1 : 0;
}

/* The line of class @size in tcmkstat's JSON, or NULL. */
static const char *json_class(const char *out, const char *size)
{
	char pat[32];

	snprintf(pat, sizeof(pat), "{\"size\": %s,", size);
	return strstr(out, pat);
}

/*
 * A small JSON checker: is @p->s one valid JSON document whose values are all
 * numbers, except the string "version"? Counts the numbers it sees.
 */
struct json {
	const char *s;
	int numbers;
	int non_numeric;
};

static void ws(struct json *j)
{
	while (*j->s == ' ' || *j->s == '\n' || *j->s == '\t' || *j->s == '\r')
		j->s++;
}

static int json_string_token(struct json *j, char *buf, size_t len)
{
	size_t n = 0;

	if (*j->s++ != '"')
		return -1;
	for (; *j->s != '"'; j->s++) {
		if (!*j->s || (unsigned char)*j->s < 0x20)
			return -1;
		if (*j->s == '\\' && !*++j->s)
			return -1;
		if (n + 1 < len)
			buf[n++] = *j->s;
	}
	j->s++;
	buf[n] = '\0';
	return 0;
}

static int json_value(struct json *j, const char *key)
{
	char name[64];
	char *end;

	ws(j);
	switch (*j->s) {
	case '{':
		j->s++;
		ws(j);
		if (*j->s == '}')
			return j->s++, 0;
		for (;;) {
			ws(j);
			if (json_string_token(j, name, sizeof(name)))
				return -1;
			ws(j);
			if (*j->s++ != ':' || json_value(j, name))
				return -1;
			ws(j);
			if (*j->s == '}')
				return j->s++, 0;
			if (*j->s++ != ',')
				return -1;
		}
	case '[':
		j->s++;
		ws(j);
		if (*j->s == ']')
			return j->s++, 0;
		for (;;) {
			if (json_value(j, key))
				return -1;
			ws(j);
			if (*j->s == ']')
				return j->s++, 0;
			if (*j->s++ != ',')
				return -1;
		}
	case '"':
		if (strcmp(key, "version"))
			j->non_numeric++;
		return json_string_token(j, name, sizeof(name));
	default:
		if (*j->s != '-' && (*j->s < '0' || *j->s > '9')) {
			j->non_numeric++;
			return -1;
		}
		strtod(j->s, &end);
		if (end == j->s)
			return -1;
		j->s = end;
		j->numbers++;
		return 0;
	}
}

/* The first words of the table's rows (the SIZE column), space-separated. */
static void table_sizes(const char *out, char *buf, size_t len)
{
	const char *p = strstr(out, "\n  SIZE ");
	size_t n = 0;

	buf[0] = '\0';
	if (!p)
		return;
	p = strchr(p + 1, '\n');
	while (p && p[1]) {
		unsigned long size;
		char *end;

		size = strtoul(p + 1, &end, 10);
		if (end == p + 1)
			break;
		n += snprintf(buf + n, len - n, "%s%lu", n ? " " : "", size);
		p = strchr(end, '\n');
	}
}

/* The row of class @size in the table, split into words. */
static int table_row(const char *out, const char *size, char words[][16], int max)
{
	char pat[32], line[256];
	const char *p, *w;
	int n = 0;

	snprintf(pat, sizeof(pat), "\n%6s ", size);
	p = strstr(out, pat);
	if (!p)
		return 0;
	snprintf(line, sizeof(line), "%.*s", (int)(strchrnul(p + 1, '\n') - p - 1), p + 1);
	for (w = strtok(line, " "); w && n < max; w = strtok(NULL, " "))
		snprintf(words[n++], 16, "%s", w);
	return n;
}

TEST(help_lists_every_option_and_column)
{
	static const char * const words[] = {
		"--once", "--delay", "--count", "--sort", "--all", "--bars",
		"--json", "--root", "--profile", "--allocinfo", "--help", "-o,",
		"-d,", "-n,", "-s,", "-a,", "-b,", "-j,", "-r,", "-p,", "-h,",
		"BYTES", "OBJECTS", "SITE", "size", "use", "cached", "spans",
		"pages", "util", "allocs", "frees", "fast", "SIZE", "INUSE",
		"CACHED", "SPANS", "PAGES", "UTIL%", "FAST%", "ALLOCS", "FREES",
		"ALLOC/s", "FREE/s", "COLUMNS", "--nodes", "-N,", "NODE", "HELD",
		"XFER", "CENTRAL", "HEAPFREE", "--caches", "-C,", "NAME",
		"OBJSIZE", "STRIDE", "KIND", "CPU", "FREE",
	};
	struct tool_result r;

	if (access(tcmkstat_path(), X_OK))
		SKIP(return, "no tcmkstat (set TCMKSTAT)");
	RUN(&r, "--help");
	ASSERT_EQ(0, r.status);
	EXPECT_EQ(0, words_missing(r.out, words, ARRAY_SIZE(words)));
}

TEST_F(tree, json_is_valid_and_numeric)
{
	struct json j;
	struct tool_result r;

	RUN(&r, "--root", self->dir, "--json");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	j = (struct json){ .s = r.out };
	ASSERT_EQ(0, json_value(&j, "")) TH_LOG("JSON breaks at: %.40s", j.s);
	ws(&j);
	EXPECT_EQ('\0', *j.s) TH_LOG("after the document: %.40s", j.s);
	EXPECT_EQ(0, j.non_numeric);
	/*
	 * 16 totals + 3 derived, 5 classes of 14 + 6 derived (the per-CPU
	 * list's completeness among them), 3 per-CPU pairs.
	 */
	EXPECT_EQ(16 + 3 + 5 * 20 + 3 * 2, j.numbers);
	EXPECT_NE(NULL, strstr(r.out, "\"version\": \"0.1.0-fixture\""));
}

TEST_F(tree, json_has_exact_derived_values)
{
	static const struct {
		const char *size, *key;
		double val;
	} want[] = {
		{ "16", "util_pct", 62.5 }, { "16", "fast_pct", 95 },
		{ "16", "pages", 4 }, { "16", "capacity", 1024 },
		{ "16", "objects_cached", 384 }, { "16", "objects_cached_cpu", 200 },
		{ "16", "objects_cpu_capacity", 256 }, { "3072", "objects_cpu_capacity", 4 },
		{ "64", "util_pct", 25 }, { "64", "fast_pct", 75 },
		{ "64", "pages", 10 }, { "64", "objects_cached", 480 },
		{ "128", "util_pct", 0 }, { "128", "fast_pct", 90 },
		{ "128", "pages", 0 },
		{ "3072", "util_pct", 95 }, { "3072", "fast_pct", 0 },
		{ "3072", "pages", 15 }, { "3072", "objects_cached", 1 },
		{ "32768", "alloc_total", 0 }, { "32768", "fast_pct", 0 },
	};
	const char *totals, *c;
	struct tool_result r;
	unsigned int i;
	double v;

	RUN(&r, "--root", self->dir, "--json");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		c = json_class(r.out, want[i].size);
		ASSERT_NE(NULL, c) TH_LOG("class %s missing", want[i].size);
		ASSERT_EQ(0, json_num(c, want[i].key, &v))
			TH_LOG("class %s: no %s", want[i].size, want[i].key);
		EXPECT_EQ(want[i].val, v)
			TH_LOG("class %s: %s is %g", want[i].size, want[i].key, v);
	}
	c = json_class(r.out, "16");
	EXPECT_NE(NULL, strstr(c, "\"objects_cached_cpu_by_cpu\": [{\"cpu\": 0, \"objects\": 120}, {\"cpu\": 1, \"objects\": 80}]"));
	totals = strstr(r.out, "\"totals\"");
	ASSERT_NE(NULL, totals);
	ASSERT_EQ(0, json_num(totals, "alloc_fast_pct", &v));
	EXPECT_EQ(90, v);
	ASSERT_EQ(0, json_num(totals, "bytes_cached", &v));
	EXPECT_EQ(39936, v);
	ASSERT_EQ(0, json_num(totals, "bad_free_total", &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, json_num(totals, "classes", &v));
	EXPECT_EQ(5, v);
}

TEST_F(tree, table_shows_header_and_derived_columns)
{
	static const char * const row16[] = {
		"16", "640", "384", "4", "4", "62.5", "95.0", "2000", "1360",
	};
	char words[12][16];
	struct tool_result r;
	unsigned int i;

	RUN(&r, "--root", self->dir);
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "tcmk 0.1.0-fixture: in use 157.0K, held 4.0M, released 2.0M, free in page heap 1.0M\n"));
	EXPECT_NE(NULL, strstr(r.out, "cached 39.0K: cpu 5.1K, transfer 1.0K, central 32.9K\n"));
	EXPECT_NE(NULL, strstr(r.out, "allocs 2560 (fast path 90.0%), frees 1736, large allocs 3 frees 1, refused frees 2\n"));
	EXPECT_NE(NULL, strstr(r.out, "classes: 4 shown of 5 (-a shows all)\n"));
	ASSERT_EQ(ARRAY_SIZE(row16), table_row(r.out, "16", words, 12));
	for (i = 0; i < ARRAY_SIZE(row16); i++)
		EXPECT_STREQ(row16[i], words[i]);
	EXPECT_EQ(0, table_row(r.out, "32768", words, 12));
	EXPECT_EQ(NULL, strchr(r.out, '\033'));

	RUN(&r, "--root", self->dir, "-a");
	ASSERT_EQ(0, r.status);
	EXPECT_EQ(9, table_row(r.out, "32768", words, 12));
	EXPECT_NE(NULL, strstr(r.out, "classes: 5 shown of 5\n"));
}

TEST_F(tree, sort_keys_order_the_rows)
{
	static const char * const want[][2] = {
		{ "size", "16 64 128 3072" },
		{ "use", "16 64 3072 128" },
		{ "cached", "64 16 3072 128" },
		{ "spans", "64 3072 16 128" },
		{ "pages", "3072 64 16 128" },
		{ "util", "3072 16 64 128" },
		{ "allocs", "16 64 3072 128" },
		{ "frees", "16 64 3072 128" },
		{ "fast", "16 128 64 3072" },
	};
	struct tool_result r;
	unsigned int i;
	char got[128];

	RUN(&r, "--root", self->dir);
	table_sizes(r.out, got, sizeof(got));
	EXPECT_STREQ(want[0][1], got);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		RUN(&r, "--root", self->dir, "--sort", want[i][0]);
		ASSERT_EQ(0, r.status) TH_LOG("--sort %s: %s", want[i][0], r.err);
		table_sizes(r.out, got, sizeof(got));
		EXPECT_STREQ(want[i][1], got) TH_LOG("--sort %s", want[i][0]);
	}
	/* The JSON follows the same order and keeps the hidden classes. */
	RUN(&r, "--root", self->dir, "-s", "pages", "--json");
	ASSERT_EQ(0, r.status);
	EXPECT_TRUE(json_class(r.out, "3072") < json_class(r.out, "64"));
	EXPECT_TRUE(json_class(r.out, "64") < json_class(r.out, "16"));
	EXPECT_NE(NULL, json_class(r.out, "32768"));
}

TEST_F(tree, bars_fill_the_width)
{
	static const char * const lines[] = {
		"    16  62.5% [###############++++++...]\n",
		"    64  25.0% [######+.................]\n",
		"   128   0.0% [                        ]\n",
		"  3072  95.0% [#######################.]\n",
	};
	const char *line;
	struct tool_result r;
	unsigned int i;

	RUN_COLS(&r, "40", "--root", self->dir, "--bars");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	for (i = 0; i < ARRAY_SIZE(lines); i++)
		EXPECT_NE(NULL, strstr(r.out, lines[i])) TH_LOG("line %u missing", i);
	EXPECT_EQ(NULL, strstr(r.out, " 32768 "));

	/* Without COLUMNS or a terminal: 80 columns. */
	RUN(&r, "--root", self->dir, "-b", "-s", "util");
	ASSERT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\n  3072  95.0% [")) TH_LOG("%s", r.out);
	line = strstr(r.out, "\n  3072 ");
	ASSERT_NE(NULL, line);
	EXPECT_EQ(80, (int)(strchrnul(line + 1, '\n') - line - 1));
}

TEST_F(tree, watch_reports_rates)
{
	struct tool_result r;
	const char *p;
	int n = 0;

	RUN(&r, "--root", self->dir, "--delay", "0.1", "--count", "3");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	for (p = r.out; (p = strstr(p, "tcmk 0.1.0-fixture:")); p++)
		n++;
	EXPECT_EQ(3, n);
	EXPECT_NE(NULL, strstr(r.out, "ALLOC/s"));
	/* Nothing changes in the fixture: every interval shows 0 per second. */
	EXPECT_NE(NULL, strstr(r.out, " 0.0 allocs/s, 0.0 frees/s\n"));
	/* Not a terminal: no escape sequences. */
	EXPECT_EQ(NULL, strchr(r.out, '\033'));

	RUN(&r, "--root", self->dir, "--json", "-d", "0.05", "-n", "2");
	ASSERT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\"alloc_rate\": 0.0"));
}

TEST_F(tree, bad_options_exit_2_with_usage)
{
	static const char * const bad[][3] = {
		{ "--sort", "colour", "unknown sort key 'colour'" },
		{ "--delay", "0", "bad delay '0'" },
		{ "--delay", "-1", "bad delay '-1'" },
		{ "--delay", "soon", "bad delay 'soon'" },
		{ "-d", "1x", "bad delay '1x'" },
		{ "--count", "0", "bad count '0'" },
		{ "-n", "many", "bad count 'many'" },
		{ "--bogus", NULL, "Usage:" },
	};
	struct tool_result r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (bad[i][1])
			RUN(&r, "--root", self->dir, bad[i][0], bad[i][1]);
		else
			RUN(&r, "--root", self->dir, bad[i][0]);
		EXPECT_EQ(2, r.status) TH_LOG("%s %s", bad[i][0], bad[i][1]);
		EXPECT_NE(NULL, strstr(r.err, bad[i][2])) TH_LOG("stderr: %s", r.err);
		EXPECT_NE(NULL, strstr(r.err, "Usage:"));
		EXPECT_EQ('\0', r.out[0]);
	}
	RUN(&r, "--root", self->dir, "--json", "--bars");
	EXPECT_EQ(2, r.status);
	RUN(&r, "--root", self->dir, "--once", "--delay", "1");
	EXPECT_EQ(2, r.status);
}

/* An allocinfo in the kernel's format, with two call sites. */
static const char fx_allocinfo[] =
	"allocinfo - tcmk heap profile, version: 1.0, sample_bytes: 65536\n"
	"# estimates scaled from 300 live samples (400 taken, 2 dropped)\n"
	"#        <bytes>  <objects> <call site>\n"
	"        16777216       4096 harness_alloc+0x80/0x1e0 [tcmk_harness]\n"
	"            8192          2 \"odd\"_site+0x1/0x2\n";

/*
 * --profile: the header's figures and the sites, in allocinfo's order, at
 * most N of them; in JSON too, with the site's name escaped; watch mode
 * prints one report per interval; a file not in the format is named.
 */
TEST_F(tree, profile_shows_top_call_sites)
{
	struct tool_result r;
	double v;
	const char *p;
	int n = 0;

	ASSERT_EQ(0, put(self->dir, "allocinfo", fx_allocinfo));
	snprintf(self->path, sizeof(self->path), "%s/allocinfo", self->dir);
	RUN(&r, "--profile", "--allocinfo", self->path);
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "a sample every 65536 bytes on average; 300 live samples (400 taken, 2 dropped); 2 call sites\n"))
		TH_LOG("%s", r.out);
	p = strstr(r.out, "16.0M       4096  harness_alloc+0x80/0x1e0 [tcmk_harness]\n");
	EXPECT_NE(NULL, p) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, p ? strstr(p, "8.0K          2  \"odd\"_site+0x1/0x2\n") : NULL);

	RUN(&r, "--profile=1", "--json", "--allocinfo", self->path);
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_EQ(0, json_num(r.out, "sample_bytes", &v));
	EXPECT_EQ(65536, v);
	EXPECT_EQ(0, json_num(r.out, "samples_dropped", &v));
	EXPECT_EQ(2, v);
	EXPECT_NE(NULL, strstr(r.out, "{\"bytes\": 16777216, \"objects\": 4096, \"site\": \"harness_alloc+0x80/0x1e0 [tcmk_harness]\"}"))
		TH_LOG("%s", r.out);
	EXPECT_EQ(NULL, strstr(r.out, "odd"));

	RUN(&r, "-p", "--allocinfo", self->path, "--json", "-p5");
	ASSERT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "\"site\": \"\\\"odd\\\"_site+0x1/0x2\"}")) TH_LOG("%s", r.out);

	RUN(&r, "--profile", "--allocinfo", self->path, "--delay", "0.05", "--count", "2");
	ASSERT_EQ(0, r.status);
	for (p = r.out; (p = strstr(p, "heap profile:")); p++)
		n++;
	EXPECT_EQ(2, n);

	ASSERT_EQ(0, put(self->dir, "allocinfo", "something else\n"));
	RUN(&r, "--profile", "--allocinfo", self->path);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not in allocinfo's format")) TH_LOG("stderr: %s", r.err);
	RUN(&r, "--profile=0", "--allocinfo", self->path);
	EXPECT_EQ(2, r.status);
}

/*
 * --caches on a made-up tree: caches sorted by name, their kinds, the sum
 * of a per-CPU list, a name JSON must escape, and a malformed file named.
 */
TEST_F(tree, caches_table_and_json)
{
	static const char *const files[] = {
		"object_size", "stride", "merged", "objects_in_use",
		"objects_cached_cpu", "objects_free", "spans", "bytes_held",
		"alloc_total", "free_total",
	};
	static const char *const vals[][10] = {
		{ "100", "112", "0", "30", "5 C0=2 C1=3", "1", "1", "4096", "40", "10" },
		{ "16", "16", "1", "7", "0", "0", "0", "0", "9", "2" },
	};
	static const char *const names[] = { "zeta_cache", "al\"pha" };
	char cdir[600], words[12][16];
	struct tool_result r;
	const char *a, *z;
	size_t c, f;
	double v;

	snprintf(cdir, sizeof(cdir), "%s/caches", self->dir);
	ASSERT_EQ(0, mkdir(cdir, 0755));
	for (c = 0; c < ARRAY_SIZE(names); c++) {
		snprintf(cdir, sizeof(cdir), "%s/caches/%s", self->dir, names[c]);
		ASSERT_EQ(0, mkdir(cdir, 0755));
		for (f = 0; f < ARRAY_SIZE(files); f++)
			ASSERT_EQ(0, put(cdir, files[f], vals[c][f]));
	}
	RUN(&r, "--root", self->dir, "--caches");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	a = strstr(r.out, "\nal\"pha ");
	z = strstr(r.out, "\nzeta_cache ");
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	ASSERT_NE(NULL, z) TH_LOG("%s", r.out);
	EXPECT_LT(a, z) TH_LOG("not sorted by name");
	ASSERT_EQ(11, table_row(r.out, "zeta_cache", words, 12));
	EXPECT_STREQ("own", words[3]);
	EXPECT_STREQ("30", words[4]);
	EXPECT_STREQ("5", words[5]);
	EXPECT_STREQ("4.0K", words[8]);
	EXPECT_NE(NULL, strstr(a, " merged "));

	RUN(&r, "--root", self->dir, "--caches", "--json");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_EQ(0, strncmp(r.out, "{\"caches\": [", 12));
	a = strstr(r.out, "{\"name\": \"al\\\"pha\"");
	ASSERT_NE(NULL, a) TH_LOG("%s", r.out);
	ASSERT_EQ(0, json_num(a, "objects_in_use", &v));
	EXPECT_EQ(7, v);
	z = strstr(r.out, "{\"name\": \"zeta_cache\"");
	ASSERT_NE(NULL, z);
	ASSERT_EQ(0, json_num(z, "objects_cached_cpu", &v));
	EXPECT_EQ(5, v);

	snprintf(cdir, sizeof(cdir), "%s/caches/zeta_cache", self->dir);
	ASSERT_EQ(0, put(cdir, "spans", "many"));
	RUN(&r, "--root", self->dir, "--caches");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "zeta_cache/spans: malformed")) TH_LOG("stderr: %s", r.err);

	RUN(&r, "--caches", "--nodes");
	EXPECT_EQ(2, r.status);
}

TEST_F(tree, missing_file_is_named)
{
	struct tool_result r;
	char want[600];

	snprintf(self->path, sizeof(self->path), "%s/classes/64/spans", self->dir);
	ASSERT_EQ(0, unlink(self->path));
	RUN(&r, "--root", self->dir);
	EXPECT_EQ(1, r.status);
	snprintf(want, sizeof(want), "tcmkstat: %s: No such file or directory\n",
		 self->path);
	EXPECT_NE(NULL, strstr(r.err, want)) TH_LOG("stderr: %s", r.err);

	snprintf(self->path, sizeof(self->path), "%s/version", self->dir);
	ASSERT_EQ(0, unlink(self->path));
	RUN(&r, "--root", self->dir, "--json");
	EXPECT_EQ(1, r.status);
	snprintf(want, sizeof(want), "tcmkstat: %s: No such file or directory\n",
		 self->path);
	EXPECT_NE(NULL, strstr(r.err, want)) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "a tcmk sysfs tree?"));
	EXPECT_EQ('\0', r.out[0]);
}

TEST_F(tree, malformed_files_are_named)
{
	static const char * const bad[][2] = {
		{ "classes/16/objects_cached_cpu", "200 C0=120 C1" },
		{ "classes/16/objects_cached_cpu", "200 CPU0=120" },
		{ "classes/16/objects_cached_cpu", "C0=120" },
		{ "classes/64/objects_in_use", "12abc" },
		{ "classes/64/objects_in_use", "-5" },
		{ "classes/64/objects_in_use", "" },
		{ "alloc_total", "99999999999999999999999" },
		{ "classes/64/size", "65" },
	};
	struct tool_result r;
	unsigned int i;
	char want[600];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (i) {
			nftw(self->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			ASSERT_EQ(0, make_tree(self->dir));
		}
		ASSERT_EQ(0, put(self->dir, bad[i][0], bad[i][1]));
		RUN(&r, "--root", self->dir);
		EXPECT_EQ(1, r.status) TH_LOG("%s '%s'", bad[i][0], bad[i][1]);
		snprintf(want, sizeof(want), "tcmkstat: %s/%s: malformed", self->dir,
			 bad[i][0]);
		EXPECT_NE(NULL, strstr(r.err, want)) TH_LOG("stderr: %s", r.err);
	}
}

/* Write @value to @dir/@name as it is, with no newline added. */
static int put_raw(const char *dir, const char *name, const char *value)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(value, f);
	return fclose(f);
}

/* "SUM C0=1 C1=1 ..." for @nr CPUs holding one object each. */
static char *cpu_list(unsigned int nr)
{
	char *buf = malloc(16 * nr + 32);
	size_t n;
	unsigned int i;

	if (!buf)
		return NULL;
	n = sprintf(buf, "%u", nr);
	for (i = 0; i < nr; i++)
		n += sprintf(buf + n, " C%u=1", i);
	return buf;
}

/* The class's JSON names @nr CPUs, the last @last, and says if that is all. */
static void expect_by_cpu(struct __test_metadata *_metadata, const char *out,
			  unsigned int nr, unsigned int last, int complete)
{
	const char *c = json_class(out, "16"), *list, *end;
	char want[128];
	unsigned int n = 0;
	double v;

	ASSERT_NE(NULL, c);
	list = strstr(c, "\"objects_cached_cpu_by_cpu\": [");
	ASSERT_NE(NULL, list);
	end = strchr(list, ']');
	ASSERT_NE(NULL, end);
	for (c = list; (c = strstr(c, "{\"cpu\": ")) && c < end; c++)
		n++;
	EXPECT_EQ(nr, n);
	snprintf(want, sizeof(want), "{\"cpu\": %u, \"objects\": 1}]", last);
	EXPECT_EQ(0, strncmp(end - strlen(want) + 1, want, strlen(want)))
		TH_LOG("the list ends '%.60s'", end - 40);
	ASSERT_EQ(0, json_num(list, "objects_cached_cpu_by_cpu_complete", &v));
	EXPECT_EQ(complete, v);
}

/*
 * Hundreds of CPUs: tcmk lists those that fit in a page and ends the line
 * with " ..."; older tcmks cut the line at 4,095 bytes, anywhere in a
 * record, without its newline. tcmkstat reads both, and says the list is
 * not complete; a list longer than a page is read whole.
 */
TEST_F(tree, long_cpu_lists_are_read)
{
	char *list = cpu_list(1000), *p;
	struct tool_result r;
	unsigned int spaces = 0;

	ASSERT_NE(NULL, list);
	snprintf(self->path, sizeof(self->path), "%s/classes/16", self->dir);

	ASSERT_EQ(0, put(self->path, "objects_cached_cpu", "1000 C0=1 C1=1 C7=1 ..."));
	RUN(&r, "--root", self->dir, "--json");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	expect_by_cpu(_metadata, r.out, 3, 7, 0);

	/* As the kernel cut it: the first 4,095 bytes. */
	list[4095] = '\0';
	for (p = list; *p; p++)
		spaces += *p == ' ';
	ASSERT_EQ(0, put_raw(self->path, "objects_cached_cpu", list));
	RUN(&r, "--root", self->dir, "--json");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	/* Every record a space follows is whole; the last one may not be. */
	expect_by_cpu(_metadata, r.out, spaces - 1, spaces - 2, 0);
	free(list);

	list = cpu_list(1000);
	ASSERT_NE(NULL, list);
	ASSERT_EQ(0, put(self->path, "objects_cached_cpu", list));
	RUN(&r, "--root", self->dir, "--json");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	expect_by_cpu(_metadata, r.out, 1000, 999, 1);
	RUN(&r, "--root", self->dir);
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	free(list);
}

/* Without gc/, as from a tcmk without the collector, there is no gc section. */
TEST_F(tree, gc_section_only_with_gc_dir)
{
	const char *allocs, *gc, *classes;
	struct tool_result r;
	struct json j;
	double v;
	size_t i;

	RUN(&r, "--root", self->dir);
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_EQ(NULL, strstr(r.out, "\ngc "));
	RUN(&r, "--root", self->dir, "--json");
	ASSERT_EQ(0, r.status);
	EXPECT_EQ(NULL, strstr(r.out, "\"gc\""));

	ASSERT_EQ(0, add_gc(self->dir));
	RUN(&r, "--root", self->dir);
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	gc = strstr(r.out, fx_gc_lines);
	ASSERT_NE(NULL, gc) TH_LOG("stdout: %s", r.out);
	/* Between the allocator's totals and the classes. */
	allocs = strstr(r.out, "\nallocs ");
	classes = strstr(r.out, "\nclasses: ");
	EXPECT_TRUE(allocs && allocs < gc && gc < classes);
	RUN_COLS(&r, "60", "--root", self->dir, "--bars");
	ASSERT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, fx_gc_lines));

	RUN(&r, "--root", self->dir, "--json");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	j = (struct json){ .s = r.out };
	ASSERT_EQ(0, json_value(&j, "")) TH_LOG("JSON breaks at: %.40s", j.s);
	EXPECT_EQ(0, j.non_numeric);
	EXPECT_EQ(16 + 3 + 18 + 5 * 20 + 3 * 2, j.numbers);
	gc = strstr(r.out, "\"gc\": {");
	ASSERT_NE(NULL, gc);
	for (i = 0; i < ARRAY_SIZE(fx_gc); i++) {
		ASSERT_EQ(0, json_num(gc, fx_gc[i][0], &v)) TH_LOG("%s", fx_gc[i][0]);
		EXPECT_EQ(strtod(fx_gc[i][1], NULL), v) TH_LOG("%s", fx_gc[i][0]);
	}

	ASSERT_EQ(0, put(self->dir, "gc/enabled", "0"));
	RUN(&r, "--root", self->dir);
	EXPECT_NE(NULL, strstr(r.out, "\ngc off: 12 cycles, "));
}

TEST_F(tree, gc_missing_or_malformed_file_is_named)
{
	struct tool_result r;
	char want[600];

	ASSERT_EQ(0, add_gc(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/gc/weak_refs", self->dir);
	ASSERT_EQ(0, unlink(self->path));
	RUN(&r, "--root", self->dir);
	EXPECT_EQ(1, r.status);
	snprintf(want, sizeof(want), "tcmkstat: %s: No such file or directory\n",
		 self->path);
	EXPECT_NE(NULL, strstr(r.err, want)) TH_LOG("stderr: %s", r.err);

	ASSERT_EQ(0, put(self->dir, "gc/weak_refs", "40"));
	ASSERT_EQ(0, put(self->dir, "gc/pause_max_ns", "1.2ms"));
	RUN(&r, "--root", self->dir, "--json");
	EXPECT_EQ(1, r.status);
	snprintf(want, sizeof(want), "tcmkstat: %s/gc/pause_max_ns: malformed",
		 self->dir);
	EXPECT_NE(NULL, strstr(r.err, want)) TH_LOG("stderr: %s", r.err);
	EXPECT_EQ('\0', r.out[0]);
}

/* The global files tcmkstat reports, as its JSON names them. */
static const char *const live_totals[] = {
	"bytes_in_use", "bytes_cached_cpu", "bytes_cached_transfer",
	"bytes_cached_central", "bytes_free_page_heap", "bytes_held",
	"bytes_released_total", "alloc_total", "free_total", "alloc_fastpath",
	"alloc_slowpath", "free_fastpath", "free_slowpath", "large_alloc_total",
	"large_free_total", "bad_free_total",
};

static int read_sysfs(const char *name, unsigned long long *val)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), SYSFS_DIR "/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%llu", val) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int read_all(unsigned long long *vals)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(live_totals); i++)
		if (read_sysfs(live_totals[i], &vals[i]))
			return -1;
	return 0;
}

static int count_classes(void)
{
	DIR *d = opendir(SYSFS_DIR "/classes");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * Live objects through /dev/tcmk, if the harness is there, so that a class
 * has something to show; returns the open device or -1. Closing it frees them.
 */
static int hold_objects(__u64 size, __u32 count)
{
	__u32 handles[16];
	struct tcmk_ioc_alloc a = {
		.size = size, .count = count,
		.handles = (__u64)(unsigned long)handles,
	};
	int fd = open(TCMK_DEVICE, O_RDWR);

	if (fd < 0)
		return -1;
	if (ioctl(fd, TCMK_IOC_ALLOC, &a)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST(live_json_totals_match_sysfs)
{
	unsigned long long before[ARRAY_SIZE(live_totals)];
	unsigned long long after[ARRAY_SIZE(live_totals)];
	const char *totals, *c;
	struct tool_result r;
	int tries, fd;
	unsigned int i;
	double v;

	if (access(tcmkstat_path(), X_OK))
		SKIP(return, "no tcmkstat (set TCMKSTAT)");
	if (access(SYSFS_DIR "/version", R_OK))
		SKIP(return, SYSFS_DIR " missing: is tcmk.ko loaded?");
	fd = hold_objects(100, 16);

	/* Counters may move under us: retry until the tree held still. */
	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, read_all(before));
		RUN(&r, "--json");
		ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
		ASSERT_EQ(0, read_all(after));
		if (!memcmp(before, after, sizeof(before)))
			break;
	}
	ASSERT_LT(tries, 5) TH_LOG("tcmk never stood still");
	totals = strstr(r.out, "\"totals\"");
	ASSERT_NE(NULL, totals);
	for (i = 0; i < ARRAY_SIZE(live_totals); i++) {
		ASSERT_EQ(0, json_num(totals, live_totals[i], &v)) TH_LOG("%s", live_totals[i]);
		EXPECT_EQ((double)before[i], v) TH_LOG("%s", live_totals[i]);
	}
	ASSERT_EQ(0, json_num(totals, "bytes_cached", &v));
	EXPECT_EQ((double)(before[1] + before[2] + before[3]), v);
	ASSERT_EQ(0, json_num(totals, "classes", &v));
	EXPECT_EQ(count_classes(), (int)v);
	if (fd >= 0) {
		/* 100 bytes round up to the 112-byte class. */
		c = json_class(r.out, "112");
		ASSERT_NE(NULL, c);
		ASSERT_EQ(0, json_num(c, "objects_in_use", &v));
		EXPECT_LE(16, v);
		ASSERT_EQ(0, json_num(c, "spans", &v));
		EXPECT_LE(1, v);
		close(fd);
	}
}

/*
 * --nodes: one entry per nodes/node<N>/ directory, each node's bytes held
 * as its sysfs file says while tcmk stands still, and the nodes' held bytes
 * within the total held (large objects above 2 MiB are no node's).
 */
TEST(live_nodes_match_sysfs)
{
	unsigned long long held[64], again[64], total, sum;
	char name[64], key[32];
	const char *p, *node;
	struct tool_result r;
	int ids[64], n = 0, i, tries, id;
	struct dirent *de;
	double v;
	DIR *d;

	if (access(tcmkstat_path(), X_OK))
		SKIP(return, "no tcmkstat (set TCMKSTAT)");
	d = opendir(SYSFS_DIR "/nodes");
	if (!d)
		SKIP(return, SYSFS_DIR "/nodes missing: is tcmk.ko loaded?");
	while ((de = readdir(d)) && n < 64)
		if (sscanf(de->d_name, "node%d", &id) == 1)
			ids[n++] = id;
	closedir(d);
	ASSERT_LE(1, n);
	for (tries = 0; tries < 5; tries++) {
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "nodes/node%d/bytes_held", ids[i]);
			ASSERT_EQ(0, read_sysfs(name, &held[i]));
		}
		RUN(&r, "--nodes", "--json");
		ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "nodes/node%d/bytes_held", ids[i]);
			ASSERT_EQ(0, read_sysfs(name, &again[i]));
		}
		if (!memcmp(held, again, n * sizeof(held[0])))
			break;
	}
	ASSERT_LT(tries, 5) TH_LOG("tcmk never stood still");
	ASSERT_EQ(0, read_sysfs("bytes_held", &total));
	sum = 0;
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "\"node\": %d,", ids[i]);
		node = strstr(r.out, key);
		ASSERT_NE(NULL, node) TH_LOG("node %d missing: %s", ids[i], r.out);
		ASSERT_EQ(0, json_num(node, "bytes_held", &v));
		EXPECT_EQ((double)held[i], v) TH_LOG("node %d", ids[i]);
		sum += held[i];
	}
	EXPECT_LE(sum, total);
	/* Exactly the nodes of the tree, no more. */
	for (i = 0, p = r.out; (p = strstr(p, "\"node\": ")); p++)
		i++;
	EXPECT_EQ(n, i);
	RUN(&r, "--nodes");
	ASSERT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "HEAPFREE"));
}

/*
 * --caches reads caches/<name>/: the harness's cache, tcmk_harness_obj, holds
 * one record per handle, so holding objects through /dev/tcmk shows in its
 * row exactly as in sysfs; a cache's table row names its kind.
 */
TEST(live_caches_match_sysfs)
{
	unsigned long long in_use, again, size;
	const char *row;
	struct tool_result r;
	int fd, tries;
	double v;

	if (access(tcmkstat_path(), X_OK))
		SKIP(return, "no tcmkstat (set TCMKSTAT)");
	fd = hold_objects(64, 9);
	if (fd < 0)
		SKIP(return, "no %s: tcmk_harness.ko is not loaded", TCMK_DEVICE);
	for (tries = 0; tries < 5; tries++) {
		ASSERT_EQ(0, read_sysfs("caches/tcmk_harness_obj/objects_in_use", &in_use));
		RUN(&r, "--caches", "--json");
		ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
		ASSERT_EQ(0, read_sysfs("caches/tcmk_harness_obj/objects_in_use", &again));
		if (in_use == again)
			break;
	}
	ASSERT_LT(tries, 5) TH_LOG("the harness's cache never stood still");
	EXPECT_LE(9, in_use);
	ASSERT_EQ(0, read_sysfs("caches/tcmk_harness_obj/object_size", &size));
	row = strstr(r.out, "{\"name\": \"tcmk_harness_obj\"");
	ASSERT_NE(NULL, row) TH_LOG("no row for the harness's cache: %s", r.out);
	ASSERT_EQ(0, json_num(row, "objects_in_use", &v));
	EXPECT_EQ((double)in_use, v);
	ASSERT_EQ(0, json_num(row, "object_size", &v));
	EXPECT_EQ((double)size, v);
	ASSERT_EQ(0, json_num(row, "merged", &v));
	EXPECT_EQ(1, v);

	RUN(&r, "-C");
	ASSERT_EQ(0, r.status);
	row = strstr(r.out, "\ntcmk_harness_obj ");
	ASSERT_NE(NULL, row) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(row, " merged ")) TH_LOG("%s", r.out);
	EXPECT_EQ(0, strncmp(r.out, "NAME ", 5));
	close(fd);
	/* The records went with the file. */
	ASSERT_EQ(0, read_sysfs("caches/tcmk_harness_obj/objects_in_use", &again));
	EXPECT_EQ(in_use - 9, again);
}

/*
 * tcmkstat watches sysfs while a STRESS run churns tcmk on every CPU: both
 * finish cleanly, every report is whole, and the rates show the churn.
 *
 * A report with -a opens every file of every class. On a debug kernel
 * (KASAN, lockdep) one takes over a second, the first of a boot several:
 * four reports, and a timeout of its own rather than the harness's 30 s.
 */
FIXTURE(watch) {};
FIXTURE_SETUP(watch) {}
FIXTURE_TEARDOWN(watch) {}

TEST_F_TIMEOUT(watch, while_stress_runs, 300)
{
	struct tcmk_ioc_stress st = {
		.threads_per_cpu = 2, .cross_cpu_pct = 25,
		.duration_ns = 3000000000ULL, .min_size = 8, .max_size = 65536,
		.seed = 11,
	};
	int fd = open(TCMK_DEVICE, O_RDWR), status;
	pid_t pid;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, TCMK_DEVICE " missing: is tcmk_harness.ko loaded?");
	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct tool_result *r = malloc(sizeof(*r));
		const char *p;
		int n = 0;

		if (!r)
			_exit(10);
		run(r, NULL, (const char *const[]){ "-a", "-d", "0.5", "-n", "4", NULL });
		if (r->status)
			_exit(11);
		for (p = r->out; (p = strstr(p, "\ntcmk ")); p++)
			n++;
		/* Four reports: the first opens the output, three follow a newline. */
		if (n != 3 || strncmp(r->out, "tcmk ", 5))
			_exit(12);
		/* Some interval saw the churn (later ones may follow the run's end). */
		for (p = r->out; (p = strstr(p, "last ")); p++) {
			double secs, rate;

			if (sscanf(p, "last %lf s: %lf allocs/s", &secs, &rate) == 2 && rate > 0)
				_exit(0);
		}
		_exit(13);
	}
	EXPECT_EQ(0, ioctl(fd, TCMK_IOC_STRESS, &st)) TH_LOG("STRESS: %s", strerror(errno));
	EXPECT_EQ(0, st.errors);
	EXPECT_LT(0, st.ops);
	close(fd);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("tcmkstat check %d failed", WEXITSTATUS(status));
}

/* The collector's files, if tcmk has them, as tcmkstat's JSON shows them. */
TEST(live_gc_matches_sysfs)
{
	unsigned long long before[ARRAY_SIZE(fx_gc)], after[ARRAY_SIZE(fx_gc)];
	char name[64];
	const char *gc;
	struct tool_result r;
	unsigned int i;
	int tries;
	double v;

	if (access(tcmkstat_path(), X_OK))
		SKIP(return, "no tcmkstat (set TCMKSTAT)");
	if (access(SYSFS_DIR "/gc", R_OK))
		SKIP(return, SYSFS_DIR "/gc missing: a tcmk without the collector?");
	for (tries = 0; tries < 5; tries++) {
		for (i = 0; i < ARRAY_SIZE(fx_gc); i++) {
			snprintf(name, sizeof(name), "gc/%s", fx_gc[i][0]);
			ASSERT_EQ(0, read_sysfs(name, &before[i])) TH_LOG("%s", name);
		}
		RUN(&r, "--json");
		ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
		for (i = 0; i < ARRAY_SIZE(fx_gc); i++) {
			snprintf(name, sizeof(name), "gc/%s", fx_gc[i][0]);
			ASSERT_EQ(0, read_sysfs(name, &after[i])) TH_LOG("%s", name);
		}
		if (!memcmp(before, after, sizeof(before)))
			break;
	}
	ASSERT_LT(tries, 5) TH_LOG("the collector never stood still");
	gc = strstr(r.out, "\"gc\": {");
	ASSERT_NE(NULL, gc);
	for (i = 0; i < ARRAY_SIZE(fx_gc); i++) {
		ASSERT_EQ(0, json_num(gc, fx_gc[i][0], &v)) TH_LOG("%s", fx_gc[i][0]);
		EXPECT_EQ((double)before[i], v) TH_LOG("%s", fx_gc[i][0]);
	}
	RUN(&r, "--once");
	ASSERT_EQ(0, r.status);
	EXPECT_TRUE(strstr(r.out, "\ngc on: ") || strstr(r.out, "\ngc off: "))
		TH_LOG("stdout: %s", r.out);
}

TEST(live_table_and_bars)
{
	struct tool_result r;

	if (access(tcmkstat_path(), X_OK))
		SKIP(return, "no tcmkstat (set TCMKSTAT)");
	if (access(SYSFS_DIR "/version", R_OK))
		SKIP(return, SYSFS_DIR " missing: is tcmk.ko loaded?");
	RUN(&r, "-a");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "\n     8 ")) TH_LOG("%s", r.out);
	EXPECT_NE(NULL, strstr(r.out, "\n 32768 "));
	RUN(&r, "--bars", "--all", "--sort", "util");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	RUN(&r, "-d", "0.1", "-n", "2", "-s", "allocs");
	ASSERT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
}

TEST_HARNESS_MAIN
