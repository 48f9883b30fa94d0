// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: tcmkctl, the shell front end of /dev/tcmk, as scripts use it.
 *
 * Runs the tcmkctl binary named by $TCMKCTL, else the one installed beside
 * this test; skips when there is none or /dev/tcmk is missing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "run_tool.h"

#define TCMK_DEVICE	"/dev/tcmk"

static const char *tcmkctl_path(void)
{
	return tool_path("TCMKCTL", "tcmkctl");
}

/* Why the test cannot run (no tcmkctl, or no device when @dev), or NULL. */
static const char *unavailable(int dev)
{
	if (access(tcmkctl_path(), X_OK))
		return "no tcmkctl (set TCMKCTL)";
	if (dev && access(TCMK_DEVICE, F_OK))
		return TCMK_DEVICE " missing: is tcmk_harness.ko loaded?";
	return NULL;
}

#define GC_ENABLED	"/sys/kernel/tcmk/gc/enabled"

/* Why the collector cannot be driven, or NULL; enables it if it is off. */
static const char *no_collector(void)
{
	char buf[8] = "";
	FILE *f;

	if (unavailable(1))
		return unavailable(1);
	f = fopen(GC_ENABLED, "r+");
	if (!f)
		return GC_ENABLED " missing: a tcmk without the collector?";
	if (!fgets(buf, sizeof(buf), f) || buf[0] != '1') {
		rewind(f);
		fputs("1\n", f);
	}
	fclose(f);
	return NULL;
}

#define RUN(r, input, ...) \
	run_tool((r), tcmkctl_path(), (input), NULL, (const char *const[]){ __VA_ARGS__, NULL })

TEST(help_lists_every_command_and_option)
{
	static const char * const words[] = {
		"alloc", "free", "fill", "check", "size", "stats", "stress",
		"drain", "release", "run", "--device", "--zero", "--atomic",
		"--json", "--threads", "--duration", "--ops", "--min", "--max",
		"--cross", "--seed", "--help", "gc-alloc", "gc-link", "gc-root",
		"gc-unroot", "gc-pin", "gc-unpin", "gc-collect", "gc-alive",
		"gc-stats", "--conservative", "--pinned", "--check",
	};
	struct tool_result r;

	if (unavailable(0))
		SKIP(return, "%s", unavailable(0));
	RUN(&r, NULL, "--help");
	ASSERT_EQ(0, r.status);
	EXPECT_EQ(0, words_missing(r.out, words, ARRAY_SIZE(words)));
}

TEST(script_round_trip)
{
	struct tool_result r;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	RUN(&r, NULL, "run", "alloc 100 3; fill 1-3 9; check 1-3 9; size 2; free 1-3");
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "1 2 3\n"));
	EXPECT_NE(NULL, strstr(r.out, "3 ok\n"));
	EXPECT_NE(NULL, strstr(r.out, "2 usable "));
	EXPECT_NE(NULL, strstr(r.out, " requested 100\n"));
}

TEST(check_with_another_seed_fails)
{
	struct tool_result r;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	RUN(&r, NULL, "run", "alloc 64; fill 1 1; check 1 2; free 1");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.out, "1 bad "));
	/* The script stops at the failed check. */
	EXPECT_NE(NULL, strstr(r.err, "stopped at command 3"));
}

TEST(commands_from_stdin)
{
	struct tool_result r;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	RUN(&r, "# zeroed objects\nalloc 8 2 --zero\ncheck 1-2 0\nfree 1-2\n", "-");
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "2 ok\n"));
}

/* Each invocation has its own file: handles do not outlive it. */
TEST(handles_die_with_the_process)
{
	struct tool_result r;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	RUN(&r, NULL, "alloc", "64");
	EXPECT_EQ(0, r.status);
	RUN(&r, NULL, "free", "1");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, TCMK_DEVICE));
	EXPECT_NE(NULL, strstr(r.err, strerror(ENOENT)));
}

TEST(stats_as_lines_and_json)
{
	struct tool_result r;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	RUN(&r, NULL, "stats");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "bytes_in_use ", 13));
	EXPECT_NE(NULL, strstr(r.out, "\nbad_free_total "));
	RUN(&r, NULL, "stats", "--json");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ('{', r.out[0]);
	EXPECT_NE(NULL, strstr(r.out, "\"alloc_total\": "));
	EXPECT_NE(NULL, strstr(r.out, "}\n"));
}

TEST(short_stress)
{
	struct tool_result r;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	RUN(&r, NULL, "stress", "--duration", "0.3", "--max", "4K", "--cross", "50");
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "\nerrors 0\n"));
	EXPECT_NE(NULL, strstr(r.out, "\nfailed 0\n"));
	EXPECT_NE(NULL, strstr(r.out, "ops_per_sec "));
}

TEST(bad_usage_exits_2)
{
	struct tool_result r;

	if (unavailable(0))
		SKIP(return, "%s", unavailable(0));
	RUN(&r, NULL, "bogus");
	EXPECT_EQ(2, r.status);
	RUN(&r, NULL, "alloc");
	EXPECT_EQ(2, r.status);
	RUN(&r, NULL, "stress", "--threads");
	EXPECT_EQ(2, r.status);
	RUN(&r, NULL, "run", "alloc 8; run x");
	EXPECT_EQ(2, r.status);
}

/* drain and release write 1 to the sysfs actions; drained, no CPU caches anything. */
TEST(drain_and_release)
{
	char buf[64] = "";
	struct tool_result r;
	FILE *f;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	RUN(&r, NULL, "drain");
	EXPECT_EQ(0, r.status) TH_LOG("drain: %s", r.err);
	f = fopen("/sys/kernel/tcmk/bytes_cached_cpu", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	EXPECT_STREQ("0\n", buf);
	RUN(&r, NULL, "release");
	EXPECT_EQ(0, r.status) TH_LOG("release: %s", r.err);
}

/* A root keeps what it reaches; the rest dies, and its handle says so. */
TEST(gc_script_roots_links_and_collects)
{
	struct tool_result r;

	if (no_collector())
		SKIP(return, "%s", no_collector());
	RUN(&r, NULL, "run",
	    "gc-alloc 2 100 3; gc-alloc 0 40K 1 --conservative; gc-root 1;"
	    "gc-link 1 0 2; gc-link 2 0 1; gc-link 1 1 none; gc-link 3 0 4;"
	    "gc-collect; gc-alive 1-4 --check");
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "1 2 3\n4\n"));
	EXPECT_NE(NULL, strstr(r.out, "\ncycles "));
	EXPECT_NE(NULL, strstr(r.out, "\nfreed_objects "));
	EXPECT_NE(NULL, strstr(r.out, "1 alive\n2 alive\n3 dead\n4 dead\ncorrupt 0\n"))
		TH_LOG("stdout: %s", r.out);

	/* A dead handle answers ESTALE, and the script stops there. */
	RUN(&r, NULL, "run", "gc-alloc 1 8; gc-collect; gc-link 1 0 none; gc-stats");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, strerror(ESTALE))) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.err, "stopped at command 3"));
}

TEST(gc_pins_nest_per_file)
{
	struct tool_result r;

	if (no_collector())
		SKIP(return, "%s", no_collector());
	RUN(&r, "gc-alloc 1 16 --pinned\ngc-pin 1\ngc-unpin 1\ngc-unpin 1\n"
	    "gc-collect\ngc-alive 1\n", "-");
	EXPECT_EQ(0, r.status) TH_LOG("stderr: %s", r.err);
	EXPECT_NE(NULL, strstr(r.out, "1 pins 2\n1 pins 1\n1 pins 0\n"));
	EXPECT_NE(NULL, strstr(r.out, "1 dead\n"));
	RUN(&r, NULL, "run", "gc-alloc 1 16 --pinned; gc-unpin 1; gc-unpin 1");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, strerror(EINVAL))) TH_LOG("stderr: %s", r.err);
	RUN(&r, NULL, "run", "gc-alloc 1 16 --pinned; gc-root 1; gc-unroot 1; gc-unroot 1");
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, "stopped at command 4"));
}

TEST(gc_stats_as_lines_and_json)
{
	struct tool_result r;

	if (no_collector())
		SKIP(return, "%s", no_collector());
	RUN(&r, NULL, "gc-stats");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "enabled 1\ncycles ", strlen("enabled 1\ncycles ")));
	EXPECT_NE(NULL, strstr(r.out, "\npause_total_ns "));
	EXPECT_NE(NULL, strstr(r.out, "\nbad_calls_total "));
	EXPECT_NE(NULL, strstr(r.out, "\nheap_goal "));
	EXPECT_NE(NULL, strstr(r.out, "\nmark_workers "));
	RUN(&r, NULL, "gc-stats", "--json");
	EXPECT_EQ(0, r.status);
	EXPECT_EQ(0, strncmp(r.out, "{\"enabled\": 1,", strlen("{\"enabled\": 1,")));
	EXPECT_NE(NULL, strstr(r.out, "\"weak_refs\": "));
	EXPECT_NE(NULL, strstr(r.out, "\"assist_bytes_total\": "));
}

TEST(gc_bad_usage_exits_2)
{
	static const char *const bad[] = {
		"gc-alloc", "gc-alloc 1", "gc-alloc x 8", "gc-alloc 65 8",
		"gc-alloc 1 8 1 2", "gc-alloc 1 8 --bogus", "gc-link 1 0",
		"gc-link 0 0 1", "gc-link 1 x 2", "gc-link 1 64 2",
		"gc-link 1 0 nowhere", "gc-root", "gc-pin 1-x", "gc-alive",
		"gc-collect now", "gc-stats --yaml",
	};
	struct tool_result r;
	unsigned int i;

	if (unavailable(1))
		SKIP(return, "%s", unavailable(1));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		RUN(&r, NULL, "run", bad[i]);
		EXPECT_EQ(2, r.status) TH_LOG("'%s': %s", bad[i], r.err);
	}
}

TEST_HARNESS_MAIN
