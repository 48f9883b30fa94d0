// SPDX-License-Identifier: GPL-2.0
/*
 * tcmkstat: show tcmk's size classes and statistics from /sys/kernel/tcmk.
 *
 * Every value is read from sysfs, one file each; nothing here knows the table.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_ROOT	"/sys/kernel/tcmk"
#define PAGE_BYTES	4096UL

struct tcmk_class {
	unsigned long size;
	unsigned long pages_per_span;
	unsigned long objects_per_span;
	unsigned long batch;
};

struct tcmk_snapshot {
	char version[32];
	struct tcmk_class *classes;
	size_t nr_classes;
};

static const char *prog = "tcmkstat";

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [OPTION]...\n"
		"Show tcmk's size classes from sysfs.\n"
		"\n"
		"  -o, --once         print one report and exit (the default)\n"
		"  -j, --json         print the report as JSON\n"
		"  -r, --root DIR     read the tree at DIR instead of %s\n"
		"  -h, --help         show this help and exit\n"
		"\n"
		"Columns: SIZE object size in bytes, PAGES pages per span, OBJS objects\n"
		"per span, BATCH objects moved per refill or flush, TAIL%% bytes of a\n"
		"span left over after its last object.\n",
		prog, DEFAULT_ROOT);
}

/* Read the first line of a file into buf, without its newline. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (!fgets(buf, len, f)) {
		fprintf(stderr, "%s: %s: empty\n", prog, path);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int read_ulong(const char *dir, const char *file, unsigned long *val)
{
	char path[PATH_MAX], buf[64], *end;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	errno = 0;
	*val = strtoul(buf, &end, 10);
	if (errno || end == buf || *end) {
		fprintf(stderr, "%s: %s: not a number: '%s'\n", prog, path, buf);
		return -1;
	}
	return 0;
}

static int cmp_class(const void *a, const void *b)
{
	const struct tcmk_class *x = a, *y = b;

	return (x->size > y->size) - (x->size < y->size);
}

static int read_classes(const char *root, struct tcmk_snapshot *s)
{
	char dir[PATH_MAX], cdir[PATH_MAX];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/classes", root);
	d = opendir(dir);
	if (!d) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		struct tcmk_class *c;

		if (de->d_name[0] == '.')
			continue;
		if (s->nr_classes == cap) {
			cap = cap ? 2 * cap : 64;
			c = realloc(s->classes, cap * sizeof(*c));
			if (!c) {
				fprintf(stderr, "%s: out of memory\n", prog);
				closedir(d);
				return -1;
			}
			s->classes = c;
		}
		c = &s->classes[s->nr_classes];
		if (snprintf(cdir, sizeof(cdir), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(cdir)) {
			fprintf(stderr, "%s: %s/%s: path too long\n", prog, dir,
				de->d_name);
			closedir(d);
			return -1;
		}
		if (read_ulong(cdir, "size", &c->size) ||
		    read_ulong(cdir, "pages_per_span", &c->pages_per_span) ||
		    read_ulong(cdir, "objects_per_span", &c->objects_per_span) ||
		    read_ulong(cdir, "batch", &c->batch)) {
			closedir(d);
			return -1;
		}
		s->nr_classes++;
	}
	closedir(d);
	qsort(s->classes, s->nr_classes, sizeof(*s->classes), cmp_class);
	return 0;
}

static int read_snapshot(const char *root, struct tcmk_snapshot *s)
{
	char path[PATH_MAX];

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/version", root);
	if (read_line(path, s->version, sizeof(s->version))) {
		fprintf(stderr, "%s: is tcmk.ko loaded?\n", prog);
		return -1;
	}
	return read_classes(root, s);
}

static double tail_pct(const struct tcmk_class *c)
{
	unsigned long bytes = c->pages_per_span * PAGE_BYTES;

	return bytes ? 100.0 * (bytes - c->objects_per_span * c->size) / bytes : 0;
}

static void print_table(const struct tcmk_snapshot *s)
{
	size_t i;

	printf("tcmk %s: %zu size classes\n\n", s->version, s->nr_classes);
	printf("%6s %5s %5s %5s %6s\n", "SIZE", "PAGES", "OBJS", "BATCH", "TAIL%");
	for (i = 0; i < s->nr_classes; i++) {
		const struct tcmk_class *c = &s->classes[i];

		printf("%6lu %5lu %5lu %5lu %6.1f\n", c->size, c->pages_per_span,
		       c->objects_per_span, c->batch, tail_pct(c));
	}
}

static void print_json(const struct tcmk_snapshot *s)
{
	size_t i;

	printf("{\"version\": \"%s\", \"classes\": [", s->version);
	for (i = 0; i < s->nr_classes; i++) {
		const struct tcmk_class *c = &s->classes[i];

		printf("%s\n  {\"size\": %lu, \"pages_per_span\": %lu, ",
		       i ? "," : "", c->size, c->pages_per_span);
		printf("\"objects_per_span\": %lu, \"batch\": %lu}",
		       c->objects_per_span, c->batch);
	}
	printf("\n]}\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = DEFAULT_ROOT;
	struct tcmk_snapshot snap;
	int json = 0, opt;

	while ((opt = getopt_long(argc, argv, "ojr:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			break;
		case 'j':
			json = 1;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}

	if (read_snapshot(root, &snap))
		return 1;
	if (json)
		print_json(&snap);
	else
		print_table(&snap);
	free(snap.classes);
	return 0;
}
