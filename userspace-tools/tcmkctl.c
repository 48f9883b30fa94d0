// SPDX-License-Identifier: GPL-2.0
/*
 * tcmkctl: drive tcmk's test harness (/dev/tcmk, tcmk_harness.ko) from a shell.
 *
 * Objects are named by handles that live as long as the open file, so one
 * invocation cannot free what another allocated: 'run' and '-' execute a list
 * of commands on one open file.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/tcmk.h>

#define SYSFS_DIR	"/sys/kernel/tcmk"
#define MAX_WORDS	64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Exit codes: a failed operation or check, and a command line not understood. */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

static const char *prog = "tcmkctl";

/**
 * struct ctl - what the commands of one invocation share.
 * @device:	path of the harness device.
 * @fd:		the device, opened at the first command that needs it; -1
 *		until then. Handles are valid only in this file.
 */
struct ctl {
	const char *device;
	int fd;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--device PATH] COMMAND [ARG]...\n"
		"       %s [--device PATH] run 'COMMAND; COMMAND; ...'\n"
		"       %s [--device PATH] -     (commands from stdin)\n"
		"Drive tcmk's test harness, %s (tcmk_harness.ko; root only).\n"
		"\n"
		"Commands:\n"
		"  alloc SIZE [COUNT] [--zero] [--atomic]\n"
		"                     allocate COUNT (default 1) objects of SIZE bytes and\n"
		"                     print their handles. New objects read as zeroes: the\n"
		"                     harness zeroes them, or with --zero tcmk does\n"
		"                     (__GFP_ZERO) and the harness checks it; --atomic\n"
		"                     allocates with GFP_ATOMIC\n"
		"  free HANDLE...     free objects\n"
		"  fill HANDLE SEED   write the pattern of SEED over the objects\n"
		"  check HANDLE SEED  compare the objects with the pattern of SEED (in the\n"
		"                     kernel); exit 1 if any byte differs. Seed 0 is the\n"
		"                     all-zero pattern: 'check H 0' tells whether H is\n"
		"                     still zeroed\n"
		"  size HANDLE        print the usable and the requested size\n"
		"  stats [--json]     print tcmk's counters, one 'key value' per line\n"
		"  stress [--threads N] [--duration SEC | --ops N] [--min SIZE] [--max SIZE]\n"
		"         [--cross PCT] [--seed N]\n"
		"                     kernel threads on every online CPU (N each, default 1)\n"
		"                     allocate, fill, check and free objects of SIZE bytes\n"
		"                     (default 1 to 32K) for SEC seconds (default 1) or N\n"
		"                     operations per thread, handing PCT%% (default 25) of\n"
		"                     them to a thread on another CPU to free; prints ops,\n"
		"                     errors, failed (allocations that failed, counted in\n"
		"                     errors), elapsed_ns and ops_per_sec; exit 1 on errors\n"
		"  drain              write 1 to %s/drain (empty every CPU's cache)\n"
		"  release            write 1 to %s/release (give free pages back)\n"
		"\n"
		"Collector commands (GC handles are numbered apart from alloc's):\n"
		"  gc-alloc SLOTS PAYLOAD [COUNT] [--conservative] [--pinned]\n"
		"                     allocate COUNT (default 1) collected objects of SLOTS\n"
		"                     pointer slots and PAYLOAD more bytes; print their GC\n"
		"                     handles. --conservative: no type, every word scanned;\n"
		"                     --pinned: keep them pinned. Otherwise a new object is\n"
		"                     garbage until rooted, pinned or linked\n"
		"  gc-link SRC SLOT DST\n"
		"                     store object DST (0 or 'none': NULL) in slot SLOT of SRC\n"
		"  gc-root HANDLE...  make objects roots of this file\n"
		"  gc-unroot HANDLE...\n"
		"                     remove those roots\n"
		"  gc-pin HANDLE...   pin objects; print the pins this file holds on each\n"
		"  gc-unpin HANDLE... drop one of this file's pins on each\n"
		"  gc-collect         run a collection; print cycles, freed_objects and\n"
		"                     freed_bytes\n"
		"  gc-alive HANDLE... [--check]\n"
		"                     print 'H alive' or 'H dead' for each object; --check\n"
		"                     also checks that the live ones hold what was written\n"
		"                     (payload and links), prints 'corrupt N' and exits 1\n"
		"                     if N is not 0\n"
		"  gc-stats [--json]  print the collector's counters\n"
		"  run SCRIPT         run the commands in SCRIPT, separated by ';' or\n"
		"                     newlines, on one open file; stop at the first failure\n"
		"  -                  the same, reading commands from stdin and running\n"
		"                     each line as soon as it is read\n"
		"\n"
		"Options:\n"
		"  -d, --device PATH  the harness device (default %s)\n"
		"  -h, --help         show this help and exit\n"
		"\n"
		"Handles live only as long as the open file: every tcmkctl invocation opens\n"
		"the device afresh, and closing it frees what it still holds (and drops\n"
		"its roots and pins, so that the next collection frees its collected\n"
		"objects). Allocate and use objects in one 'run' or '-'. In a fresh file\n"
		"the harness numbers handles from 1 in allocation order, reusing the\n"
		"lowest free number. HANDLE may be a range, as in 'free 1-10'. SIZE and\n"
		"PAYLOAD take a K or M suffix (KiB, MiB). SEED and N are decimal or 0x\n"
		"hexadecimal.\n"
		"\n"
		"Examples:\n"
		"  %s run 'alloc 64 10; fill 1-10 7; check 1-10 7; size 1; free 1-10'\n"
		"  %s run 'gc-alloc 1 64 3; gc-root 1; gc-link 1 0 2; gc-collect; gc-alive 1-3'\n"
		"\n"
		"Exit status: 0 success, 1 a command failed or found bad bytes, stress\n"
		"errors or corrupt objects, 2 a command line not understood.\n",
		prog, prog, prog, TCMK_DEVICE, SYSFS_DIR, SYSFS_DIR, TCMK_DEVICE,
		prog, prog);
}

static int open_device(struct ctl *c)
{
	if (c->fd >= 0)
		return 0;
	c->fd = open(c->device, O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		int err = errno;

		fprintf(stderr, "%s: %s: %s%s\n", prog, c->device, strerror(err),
			err == ENOENT ? " (is tcmk_harness.ko loaded?)" :
			err == EACCES || err == EPERM ? " (root only)" : "");
		return -1;
	}
	return 0;
}

/* An ioctl on the device; on failure say which command and why. */
static int do_ioctl(struct ctl *c, unsigned long cmd, void *arg,
		    const char *what)
{
	if (ioctl(c->fd, cmd, arg) == 0)
		return 0;
	fprintf(stderr, "%s: %s: %s: %s\n", prog, c->device, what,
		strerror(errno));
	return -1;
}

/* An unsigned number, decimal or 0x hex, with an optional K or M suffix. */
static int parse_u64(const char *s, uint64_t *val, int suffix, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno)
		goto bad;
	if (suffix && (*end == 'K' || *end == 'k')) {
		v <<= 10;
		end++;
	} else if (suffix && (*end == 'M' || *end == 'm')) {
		v <<= 20;
		end++;
	}
	if (*end)
		goto bad;
	*val = v;
	return 0;
bad:
	fprintf(stderr, "%s: %s: not a number: '%s'\n", prog, what, s);
	return -1;
}

/* A handle or a range of handles, "N" or "N-M". */
static int parse_handles(const char *s, uint32_t *first, uint32_t *last)
{
	char buf[64], *dash;
	uint64_t a, b;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		goto bad;
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_u64(buf, &a, 0, "handle"))
		return -1;
	b = a;
	if (dash && parse_u64(dash + 1, &b, 0, "handle"))
		return -1;
	if (a > UINT32_MAX || b > UINT32_MAX || b < a)
		goto bad;
	*first = a;
	*last = b;
	return 0;
bad:
	fprintf(stderr, "%s: not a handle or range of handles: '%s'\n", prog, s);
	return -1;
}

static int cmd_alloc(struct ctl *c, int argc, char **argv)
{
	struct tcmk_ioc_alloc arg = { 0 };
	uint64_t size, count = 1;
	int i, pos = 0, ret;
	uint32_t *handles;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--zero")) {
			arg.flags |= TCMK_ALLOC_ZERO;
		} else if (!strcmp(argv[i], "--atomic")) {
			arg.flags |= TCMK_ALLOC_ATOMIC;
		} else if (pos == 0) {
			if (parse_u64(argv[i], &size, 1, "alloc SIZE"))
				return EXIT_USAGE;
			pos++;
		} else if (pos == 1) {
			if (parse_u64(argv[i], &count, 0, "alloc COUNT"))
				return EXIT_USAGE;
			pos++;
		} else {
			fprintf(stderr, "%s: alloc: unexpected '%s'\n", prog, argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!pos) {
		fprintf(stderr, "%s: alloc: SIZE missing\n", prog);
		return EXIT_USAGE;
	}
	if (count > TCMK_IOC_MAX_COUNT) {
		fprintf(stderr, "%s: alloc: at most %d objects at once\n", prog,
			TCMK_IOC_MAX_COUNT);
		return EXIT_USAGE;
	}
	handles = calloc(count ? count : 1, sizeof(*handles));
	if (!handles) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_FAIL;
	}
	arg.size = size;
	arg.count = count;
	arg.handles = (uintptr_t)handles;
	ret = do_ioctl(c, TCMK_IOC_ALLOC, &arg, "alloc") ? EXIT_FAIL : 0;
	for (i = 0; !ret && i < (int)count; i++)
		printf("%s%" PRIu32, i ? " " : "", handles[i]);
	if (!ret)
		printf("\n");
	free(handles);
	return ret;
}

static int cmd_free(struct ctl *c, int argc, char **argv)
{
	uint32_t first, last;
	uint64_t h;
	int i;

	if (argc < 2) {
		fprintf(stderr, "%s: free: HANDLE missing\n", prog);
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (parse_handles(argv[i], &first, &last))
			return EXIT_USAGE;
		for (h = first; h <= last; h++) {
			struct tcmk_ioc_object arg = { .handle = h };
			char what[48];

			snprintf(what, sizeof(what), "free %" PRIu64, h);
			if (do_ioctl(c, TCMK_IOC_FREE, &arg, what))
				return EXIT_FAIL;
		}
	}
	return 0;
}

/* fill and check: HANDLE SEED. */
static int cmd_pattern(struct ctl *c, int argc, char **argv, int check)
{
	uint32_t first, last;
	uint64_t seed, h;
	int ret = 0;

	if (argc != 3) {
		fprintf(stderr, "%s: %s: want HANDLE SEED\n", prog, argv[0]);
		return EXIT_USAGE;
	}
	if (parse_handles(argv[1], &first, &last) ||
	    parse_u64(argv[2], &seed, 0, "SEED"))
		return EXIT_USAGE;
	for (h = first; h <= last; h++) {
		struct tcmk_ioc_pattern arg = { .handle = h, .seed = seed };
		char what[48];

		snprintf(what, sizeof(what), "%s %" PRIu64, argv[0], h);
		if (do_ioctl(c, check ? TCMK_IOC_CHECK : TCMK_IOC_FILL, &arg,
			     what))
			return EXIT_FAIL;
		if (!check)
			continue;
		if (arg.bad_bytes) {
			printf("%" PRIu64 " bad %llu first_bad %llu\n", h,
			       (unsigned long long)arg.bad_bytes,
			       (unsigned long long)arg.first_bad);
			ret = EXIT_FAIL;
		} else {
			printf("%" PRIu64 " ok\n", h);
		}
	}
	return ret;
}

static int cmd_size(struct ctl *c, int argc, char **argv)
{
	uint32_t first, last;
	uint64_t h;

	if (argc != 2) {
		fprintf(stderr, "%s: size: want HANDLE\n", prog);
		return EXIT_USAGE;
	}
	if (parse_handles(argv[1], &first, &last))
		return EXIT_USAGE;
	for (h = first; h <= last; h++) {
		struct tcmk_ioc_object arg = { .handle = h };
		char what[48];

		snprintf(what, sizeof(what), "size %" PRIu64, h);
		if (do_ioctl(c, TCMK_IOC_SIZE, &arg, what))
			return EXIT_FAIL;
		printf("%" PRIu64 " usable %llu requested %llu\n", h,
		       (unsigned long long)arg.size,
		       (unsigned long long)arg.requested);
	}
	return 0;
}

/* One counter of stats or gc-stats. */
struct stat_row {
	const char *name;
	__u64 val;
};

/* "key value" lines, or one JSON object. */
static void print_rows(const struct stat_row *rows, size_t n, int json)
{
	size_t r;

	for (r = 0; r < n; r++) {
		if (json)
			printf("%s\"%s\": %llu", r ? ",\n " : "{", rows[r].name,
			       (unsigned long long)rows[r].val);
		else
			printf("%s %llu\n", rows[r].name,
			       (unsigned long long)rows[r].val);
	}
	if (json)
		printf("}\n");
}

/* The counters of module/stats_list.h, in its order. */
static void print_stats(const struct tcmk_ioc_stats *st, int json)
{
	const struct stat_row rows[] = {
#define TCMK_STAT(name)	{ #name, st->name },
#include "../module/stats_list.h"
	};

	print_rows(rows, ARRAY_SIZE(rows), json);
}

static void print_gc_stats(const struct tcmk_ioc_gc_stats *st, int json)
{
	const struct stat_row rows[] = {
		{ "enabled", st->enabled },
#define TCMK_GC_STAT(name)	{ #name, st->name },
#include "../module/stats_list.h"
	};

	print_rows(rows, ARRAY_SIZE(rows), json);
}

/* stats and gc-stats: [--json]. */
static int cmd_stats(struct ctl *c, int argc, char **argv, int gc)
{
	struct tcmk_ioc_gc_stats gst = { 0 };
	struct tcmk_ioc_stats st = { 0 };
	int json = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json")) {
			fprintf(stderr, "%s: %s: unexpected '%s'\n", prog, argv[0],
				argv[i]);
			return EXIT_USAGE;
		}
		json = 1;
	}
	if (gc) {
		if (do_ioctl(c, TCMK_IOC_GC_STATS, &gst, argv[0]))
			return EXIT_FAIL;
		print_gc_stats(&gst, json);
	} else {
		if (do_ioctl(c, TCMK_IOC_STATS, &st, argv[0]))
			return EXIT_FAIL;
		print_stats(&st, json);
	}
	return 0;
}

/* Seconds, possibly fractional, as nanoseconds. */
static int parse_seconds(const char *s, __u64 *ns)
{
	char *end;
	double sec;

	errno = 0;
	sec = strtod(s, &end);
	if (errno || end == s || *end || !(sec > 0) ||
	    sec * 1e9 > (double)TCMK_STRESS_MAX_NS) {
		fprintf(stderr, "%s: stress --duration: want seconds, more than 0 and at most %llu: '%s'\n",
			prog, TCMK_STRESS_MAX_NS / 1000000000ULL, s);
		return -1;
	}
	*ns = (uint64_t)(sec * 1e9);
	if (!*ns)
		*ns = 1;
	return 0;
}

static int cmd_stress(struct ctl *c, int argc, char **argv)
{
	struct tcmk_ioc_stress arg = {
		.threads_per_cpu = 1,
		.cross_cpu_pct = 25,
		.duration_ns = 1000000000ULL,
		.min_size = 1,
		.max_size = 32 << 10,
		.seed = 1,
	};
	uint64_t v;
	int i, ret;

	for (i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = argv[i + 1];

		if (!val) {
			fprintf(stderr, "%s: stress: %s wants a value\n", prog, opt);
			return EXIT_USAGE;
		}
		i++;
		if (!strcmp(opt, "--duration")) {
			if (parse_seconds(val, &arg.duration_ns))
				return EXIT_USAGE;
			arg.ops = 0;
			continue;
		}
		if (parse_u64(val, &v, !strcmp(opt, "--min") || !strcmp(opt, "--max"),
			      opt))
			return EXIT_USAGE;
		if (!strcmp(opt, "--threads") && v <= UINT32_MAX) {
			arg.threads_per_cpu = v;
		} else if (!strcmp(opt, "--ops")) {
			arg.ops = v;
			arg.duration_ns = 0;
		} else if (!strcmp(opt, "--min")) {
			arg.min_size = v;
		} else if (!strcmp(opt, "--max")) {
			arg.max_size = v;
		} else if (!strcmp(opt, "--cross") && v <= UINT32_MAX) {
			arg.cross_cpu_pct = v;
		} else if (!strcmp(opt, "--seed")) {
			arg.seed = v;
		} else {
			fprintf(stderr, "%s: stress: unknown option or value '%s %s'\n",
				prog, opt, val);
			return EXIT_USAGE;
		}
	}

	ret = ioctl(c->fd, TCMK_IOC_STRESS, &arg);
	if (ret && errno != EINTR) {
		fprintf(stderr, "%s: %s: stress: %s\n", prog, c->device,
			strerror(errno));
		return EXIT_FAIL;
	}
	printf("ops %llu\nerrors %llu\nfailed %llu\nelapsed_ns %llu\nops_per_sec %.0f\n",
	       (unsigned long long)arg.ops, (unsigned long long)arg.errors,
	       (unsigned long long)arg.failed,
	       (unsigned long long)arg.elapsed_ns,
	       arg.elapsed_ns ? arg.ops * 1e9 / arg.elapsed_ns : 0.0);
	if (ret) {
		fprintf(stderr, "%s: %s: stress: %s (results so far above)\n",
			prog, c->device, strerror(EINTR));
		return EXIT_FAIL;
	}
	return arg.errors ? EXIT_FAIL : 0;
}

/* A GC handle, or with @none_ok 'none' (and 0) for no object. */
static int parse_gc_handle(const char *s, uint32_t *h, int none_ok)
{
	uint64_t v;

	if (none_ok && !strcmp(s, "none")) {
		*h = 0;
		return 0;
	}
	if (parse_u64(s, &v, 0, "handle"))
		return -1;
	if (v > UINT32_MAX || (!v && !none_ok)) {
		fprintf(stderr, "%s: not a handle: '%s'\n", prog, s);
		return -1;
	}
	*h = v;
	return 0;
}

static int cmd_gc_alloc(struct ctl *c, int argc, char **argv)
{
	struct tcmk_ioc_gc_alloc arg = { 0 };
	uint64_t nums[3] = { 0, 0, 1 }, n;
	int i, pos = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--conservative")) {
			arg.flags |= TCMK_GC_CONSERVATIVE;
		} else if (!strcmp(argv[i], "--pinned")) {
			arg.flags |= TCMK_GC_PINNED;
		} else if (pos < 3) {
			static const char *const what[] = {
				"gc-alloc SLOTS", "gc-alloc PAYLOAD", "gc-alloc COUNT",
			};

			if (parse_u64(argv[i], &nums[pos], pos == 1, what[pos]))
				return EXIT_USAGE;
			pos++;
		} else {
			fprintf(stderr, "%s: gc-alloc: unexpected '%s'\n", prog, argv[i]);
			return EXIT_USAGE;
		}
	}
	if (pos < 2) {
		fprintf(stderr, "%s: gc-alloc: want SLOTS PAYLOAD [COUNT]\n", prog);
		return EXIT_USAGE;
	}
	if (nums[0] > TCMK_GC_MAX_SLOTS || nums[2] > TCMK_IOC_MAX_COUNT) {
		fprintf(stderr, "%s: gc-alloc: at most %d slots and %d objects at once\n",
			prog, TCMK_GC_MAX_SLOTS, TCMK_IOC_MAX_COUNT);
		return EXIT_USAGE;
	}
	for (n = 0; n < nums[2]; n++) {
		arg.nslots = nums[0];
		arg.payload = nums[1];
		arg.handle = 0;
		if (do_ioctl(c, TCMK_IOC_GC_ALLOC, &arg, "gc-alloc")) {
			if (n)
				printf("\n");
			return EXIT_FAIL;
		}
		printf("%s%" PRIu32, n ? " " : "", arg.handle);
	}
	printf("\n");
	return 0;
}

static int cmd_gc_link(struct ctl *c, int argc, char **argv)
{
	struct tcmk_ioc_gc_link arg = { 0 };
	char what[64];
	uint64_t slot;

	if (argc != 4) {
		fprintf(stderr, "%s: gc-link: want SRC SLOT DST\n", prog);
		return EXIT_USAGE;
	}
	if (parse_gc_handle(argv[1], &arg.src, 0) ||
	    parse_u64(argv[2], &slot, 0, "gc-link SLOT") ||
	    parse_gc_handle(argv[3], &arg.dst, 1))
		return EXIT_USAGE;
	if (slot >= TCMK_GC_MAX_SLOTS) {
		fprintf(stderr, "%s: gc-link: slots go from 0 to %d\n", prog,
			TCMK_GC_MAX_SLOTS - 1);
		return EXIT_USAGE;
	}
	arg.slot = slot;
	snprintf(what, sizeof(what), "gc-link %" PRIu32 " %" PRIu32 " %" PRIu32,
		 arg.src, arg.slot, arg.dst);
	return do_ioctl(c, TCMK_IOC_GC_LINK, &arg, what) ? EXIT_FAIL : 0;
}

/* gc-root, gc-unroot, gc-pin and gc-unpin: HANDLE... */
static int cmd_gc_each(struct ctl *c, int argc, char **argv)
{
	const char *cmd = argv[0];
	uint32_t first, last;
	uint64_t h;
	int i;

	if (argc < 2) {
		fprintf(stderr, "%s: %s: HANDLE missing\n", prog, cmd);
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (parse_handles(argv[i], &first, &last))
			return EXIT_USAGE;
		for (h = first; h <= last; h++) {
			struct tcmk_ioc_gc_root root = {
				.handle = h,
				.op = strcmp(cmd, "gc-root") ? TCMK_GC_ROOT_DEL :
							       TCMK_GC_ROOT_ADD,
			};
			struct tcmk_ioc_gc_pin pin = { .handle = h };
			int is_pin = !strcmp(cmd, "gc-pin");
			char what[48];

			snprintf(what, sizeof(what), "%s %" PRIu64, cmd, h);
			if (!strcmp(cmd, "gc-root") || !strcmp(cmd, "gc-unroot")) {
				if (do_ioctl(c, TCMK_IOC_GC_ROOT, &root, what))
					return EXIT_FAIL;
				continue;
			}
			if (do_ioctl(c, is_pin ? TCMK_IOC_GC_PIN : TCMK_IOC_GC_UNPIN,
				     &pin, what))
				return EXIT_FAIL;
			printf("%" PRIu64 " pins %llu\n", h,
			       (unsigned long long)pin.pins);
		}
	}
	return 0;
}

static int cmd_gc_collect(struct ctl *c, int argc, char **argv)
{
	struct tcmk_ioc_gc_collect arg = { 0 };

	if (argc > 1) {
		fprintf(stderr, "%s: %s takes no arguments\n", prog, argv[0]);
		return EXIT_USAGE;
	}
	if (do_ioctl(c, TCMK_IOC_GC_COLLECT, &arg, "gc-collect"))
		return EXIT_FAIL;
	printf("cycles %llu\nfreed_objects %llu\nfreed_bytes %llu\n",
	       (unsigned long long)arg.cycles,
	       (unsigned long long)arg.freed_objects,
	       (unsigned long long)arg.freed_bytes);
	return 0;
}

/* GC_ALIVE for @n handles, TCMK_GC_MAX_ALIVE at a time; adds up corrupt. */
static int gc_alive_print(struct ctl *c, const uint32_t *handles, size_t n,
			  uint32_t flags, uint64_t *corrupt)
{
	uint64_t bitmap[(TCMK_GC_MAX_ALIVE + 63) / 64];
	size_t done, i, k;

	for (done = 0; done < n; done += k) {
		struct tcmk_ioc_gc_alive arg = {
			.handles = (uintptr_t)(handles + done),
			.bitmap = (uintptr_t)bitmap,
			.flags = flags,
		};

		k = n - done < TCMK_GC_MAX_ALIVE ? n - done : TCMK_GC_MAX_ALIVE;
		arg.count = k;
		if (do_ioctl(c, TCMK_IOC_GC_ALIVE, &arg, "gc-alive"))
			return -1;
		for (i = 0; i < k; i++)
			printf("%" PRIu32 " %s\n", handles[done + i],
			       bitmap[i / 64] >> (i % 64) & 1 ? "alive" : "dead");
		*corrupt += arg.corrupt;
	}
	return 0;
}

static int cmd_gc_alive(struct ctl *c, int argc, char **argv)
{
	uint32_t *handles = NULL, first, last, flags = 0;
	size_t n = 0, cap = 0;
	uint64_t h, corrupt = 0;
	int i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check")) {
			flags |= TCMK_GC_ALIVE_CHECK;
			continue;
		}
		if (parse_handles(argv[i], &first, &last)) {
			free(handles);
			return EXIT_USAGE;
		}
		for (h = first; h <= last; h++) {
			if (n == TCMK_IOC_MAX_HANDLES) {
				fprintf(stderr, "%s: gc-alive: more than %u handles\n",
					prog, TCMK_IOC_MAX_HANDLES);
				free(handles);
				return EXIT_USAGE;
			}
			if (n == cap) {
				uint32_t *more;

				cap = cap ? 2 * cap : 64;
				more = realloc(handles, cap * sizeof(*handles));
				if (!more) {
					fprintf(stderr, "%s: out of memory\n", prog);
					free(handles);
					return EXIT_FAIL;
				}
				handles = more;
			}
			handles[n++] = h;
		}
	}
	if (!n) {
		fprintf(stderr, "%s: gc-alive: HANDLE missing\n", prog);
		return EXIT_USAGE;
	}
	if (gc_alive_print(c, handles, n, flags, &corrupt))
		ret = EXIT_FAIL;
	else if (flags & TCMK_GC_ALIVE_CHECK)
		printf("corrupt %llu\n", (unsigned long long)corrupt);
	if (corrupt)
		ret = EXIT_FAIL;
	free(handles);
	return ret;
}

static int cmd_fill(struct ctl *c, int argc, char **argv)
{
	return cmd_pattern(c, argc, argv, 0);
}

static int cmd_check(struct ctl *c, int argc, char **argv)
{
	return cmd_pattern(c, argc, argv, 1);
}

static int cmd_plain_stats(struct ctl *c, int argc, char **argv)
{
	return cmd_stats(c, argc, argv, 0);
}

static int cmd_gc_stats(struct ctl *c, int argc, char **argv)
{
	return cmd_stats(c, argc, argv, 1);
}

/* drain and release: write 1 to the sysfs file of that name. */
static int cmd_sysfs(const char *name)
{
	char path[128];
	int fd, err;

	snprintf(path, sizeof(path), SYSFS_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		fprintf(stderr, "%s: %s: %s%s\n", prog, path, strerror(err),
			err == ENOENT ? " (is tcmk.ko loaded, and a version with this file?)" : "");
		return EXIT_FAIL;
	}
	if (write(fd, "1\n", 2) != 2) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	if (close(fd)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

/* One command, argv[0] its name. */
static int run_command(struct ctl *c, int argc, char **argv)
{
	const char *cmd = argv[0];

	if (!strcmp(cmd, "drain") || !strcmp(cmd, "release")) {
		if (argc > 1) {
			fprintf(stderr, "%s: %s takes no arguments\n", prog, cmd);
			return EXIT_USAGE;
		}
		return cmd_sysfs(cmd);
	}
	static const struct {
		const char *name;
		int (*fn)(struct ctl *c, int argc, char **argv);
	} cmds[] = {
		{ "alloc", cmd_alloc }, { "free", cmd_free },
		{ "fill", cmd_fill }, { "check", cmd_check },
		{ "size", cmd_size }, { "stats", cmd_plain_stats },
		{ "stress", cmd_stress },
		{ "gc-alloc", cmd_gc_alloc }, { "gc-link", cmd_gc_link },
		{ "gc-root", cmd_gc_each }, { "gc-unroot", cmd_gc_each },
		{ "gc-pin", cmd_gc_each }, { "gc-unpin", cmd_gc_each },
		{ "gc-collect", cmd_gc_collect }, { "gc-alive", cmd_gc_alive },
		{ "gc-stats", cmd_gc_stats },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(cmd, cmds[i].name))
			continue;
		if (open_device(c))
			return EXIT_FAIL;
		return cmds[i].fn(c, argc, argv);
	}
	fprintf(stderr, "%s: unknown command '%s' (see %s --help)\n", prog, cmd,
		prog);
	return EXIT_USAGE;
}

/*
 * Run a script: commands separated by ';' or newlines, words by blanks, '#'
 * to the end of a line a comment. Stops at the first command that fails.
 * @n counts the commands run so far, across calls.
 */
static int run_script(struct ctl *c, char *script, int *n)
{
	char *argv[MAX_WORDS + 1], *p = script, *line, *save, *w;
	int argc, ret;

	while (p) {
		line = p;
		p = line + strcspn(line, ";\n");
		if (*p == '\n' || *p == ';')
			*p++ = '\0';
		else
			p = NULL;
		line[strcspn(line, "#")] = '\0';

		argc = 0;
		for (w = strtok_r(line, " \t\r", &save); w;
		     w = strtok_r(NULL, " \t\r", &save)) {
			if (argc == MAX_WORDS) {
				fprintf(stderr, "%s: run: command %d has more than %d words\n",
					prog, *n + 1, MAX_WORDS);
				return EXIT_USAGE;
			}
			argv[argc++] = w;
		}
		if (!argc)
			continue;
		argv[argc] = NULL;
		++*n;
		if (!strcmp(argv[0], "run") || !strcmp(argv[0], "-")) {
			fprintf(stderr, "%s: run: command %d: '%s' cannot be nested\n",
				prog, *n, argv[0]);
			return EXIT_USAGE;
		}
		ret = run_command(c, argc, argv);
		fflush(stdout);
		if (ret) {
			fprintf(stderr, "%s: run: stopped at command %d (%s)\n",
				prog, *n, argv[0]);
			return ret;
		}
	}
	return 0;
}

/* '-': run each line of stdin as it comes, so that a session can be typed. */
static int run_stdin(struct ctl *c)
{
	size_t cap = 0;
	char *line = NULL;
	int n = 0, ret = 0;

	while (!ret && getline(&line, &cap, stdin) >= 0)
		ret = run_script(c, line, &n);
	if (!ret && ferror(stdin)) {
		fprintf(stderr, "%s: stdin: %s\n", prog, strerror(errno));
		ret = EXIT_FAIL;
	}
	free(line);
	return ret;
}

int main(int argc, char **argv)
{
	struct ctl c = { .device = TCMK_DEVICE, .fd = -1 };
	int i = 1, n = 0, ret;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if ((!strcmp(argv[i], "-d") || !strcmp(argv[i], "--device")) &&
		    i + 1 < argc) {
			c.device = argv[++i];
			continue;
		}
		fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (i == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}

	if (!strcmp(argv[i], "run")) {
		if (i + 2 != argc) {
			fprintf(stderr, "%s: run wants one SCRIPT argument (quote it)\n",
				prog);
			return EXIT_USAGE;
		}
		ret = run_script(&c, argv[i + 1], &n);
	} else if (!strcmp(argv[i], "-")) {
		if (i + 1 != argc) {
			fprintf(stderr, "%s: '-' takes no arguments\n", prog);
			return EXIT_USAGE;
		}
		ret = run_stdin(&c);
	} else {
		ret = run_command(&c, argc - i, argv + i);
	}
	if (c.fd >= 0)
		close(c.fd);
	return ret;
}
