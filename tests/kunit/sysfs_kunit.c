// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for what tcmk's sysfs files print that is more than one
 * number: the per-CPU list of classes/<size>/objects_cached_cpu, for any
 * number of CPUs (the CPUs and their counts are made up).
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "tcmk_test.h"

/*
 * Made-up CPUs: @nr ids, CPU i holding @base + @step * i objects, or none
 * where i is a multiple of @hole.
 */
struct fake_cpus {
	unsigned int nr;
	unsigned long base;
	unsigned long step;
	unsigned int hole;
};

static unsigned long fake_count(unsigned int cpu, void *data)
{
	const struct fake_cpus *f = data;

	if (f->hole && !(cpu % f->hole))
		return 0;
	return f->base + f->step * cpu;
}

static unsigned long fake_sum(const struct fake_cpus *f)
{
	unsigned long sum = 0;
	unsigned int cpu;

	for (cpu = 0; cpu < f->nr; cpu++)
		sum += fake_count(cpu, (void *)f);
	return sum;
}

/*
 * Format the list of @f into a sysfs page and check it record by record:
 * the sum, then " C<cpu>=<n>" for CPUs in order, each whole and right,
 * then either "\n" with every CPU that has a count listed, or " ...\n"
 * with some left out. Returns how many CPUs were listed.
 */
static unsigned int check_list(struct kunit *test, const struct fake_cpus *f)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	unsigned int cpu = 0, listed = 0, id;
	unsigned long v;
	int len, n, fields;
	char *p;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = tcmk_sysfs_emit_cpu_list(buf, fake_sum(f), f->nr, fake_count,
				       (void *)f);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_ASSERT_LT(test, len, (int)PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, (int)strlen(buf), len);
	KUNIT_EXPECT_EQ_MSG(test, buf[len - 1], '\n', "no newline: ...%s",
			    buf + max(0, len - 40));

	p = buf;
	fields = sscanf(p, "%lu%n", &v, &n);
	KUNIT_ASSERT_EQ(test, fields, 1);
	KUNIT_EXPECT_EQ(test, v, fake_sum(f));
	p += n;
	while (*p == ' ' && p[1] == 'C') {
		fields = sscanf(p, " C%u=%lu%n", &id, &v, &n);
		KUNIT_ASSERT_EQ_MSG(test, fields, 2, "a record cut short: '%s'", p);
		KUNIT_ASSERT_TRUE_MSG(test, p[n] == ' ' || p[n] == '\n',
				      "a record cut short: '%s'", p);
		while (cpu < f->nr && !fake_count(cpu, (void *)f))
			cpu++;
		KUNIT_ASSERT_EQ(test, id, cpu);
		KUNIT_EXPECT_EQ(test, v, fake_count(cpu, (void *)f));
		cpu++;
		listed++;
		p += n;
	}
	while (cpu < f->nr && !fake_count(cpu, (void *)f))
		cpu++;
	if (cpu == f->nr)
		KUNIT_EXPECT_STREQ(test, p, "\n");
	else
		KUNIT_EXPECT_STREQ_MSG(test, p, " ...\n", "CPU %u on is missing", cpu);
	return listed;
}

static void cpu_list_of_a_few_cpus(struct kunit *test)
{
	struct fake_cpus f = { .nr = 4, .base = 7, .step = 1, .hole = 2 };
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, check_list(test, &f), 2U);
	tcmk_sysfs_emit_cpu_list(buf, fake_sum(&f), f.nr, fake_count, &f);
	KUNIT_EXPECT_STREQ(test, buf, "18 C1=8 C3=10\n");

	/* No CPU holds any: the sum alone. */
	f.base = 0;
	f.hole = 1;
	tcmk_sysfs_emit_cpu_list(buf, 0, f.nr, fake_count, &f);
	KUNIT_EXPECT_STREQ(test, buf, "0\n");
}

/*
 * A list that fits in a page is listed whole. 600 CPUs with one object each
 * take 4,094 bytes: "600", " C<cpu>=1" (10 of 5 bytes, 90 of 6, 500 of 7)
 * and "\n"; one CPU more does not fit.
 */
static void cpu_list_that_just_fits(struct kunit *test)
{
	struct fake_cpus f = { .nr = 600, .base = 1 };

	KUNIT_EXPECT_EQ(test, check_list(test, &f), 600U);
	f.nr = 601;
	KUNIT_EXPECT_EQ(test, check_list(test, &f), 599U);
}

/*
 * Hundreds of CPUs with large counts do not fit in a page: the list stops
 * at a whole record and says so, and the sum is still the sum of all.
 */
static void cpu_list_of_many_cpus_is_cut_at_a_record(struct kunit *test)
{
	static const struct fake_cpus many[] = {
		{ .nr = 1024, .base = 1000000, .step = 1 },
		{ .nr = 8192, .base = 123456789, .step = 7, .hole = 3 },
		{ .nr = 4096, .base = ULONG_MAX / 2, .step = 1 },
	};
	unsigned int i, listed;

	for (i = 0; i < ARRAY_SIZE(many); i++) {
		listed = check_list(test, &many[i]);
		KUNIT_EXPECT_GT(test, listed, 100U);
		KUNIT_EXPECT_LT(test, listed, many[i].nr);
	}
}

static struct kunit_case tcmk_sysfs_cases[] = {
	KUNIT_CASE(cpu_list_of_a_few_cpus),
	KUNIT_CASE(cpu_list_that_just_fits),
	KUNIT_CASE(cpu_list_of_many_cpus_is_cut_at_a_record),
	{}
};

static struct kunit_suite tcmk_sysfs_suite = {
	.name = "tcmk_sysfs",
	.test_cases = tcmk_sysfs_cases,
};

kunit_test_suites(&tcmk_sysfs_suite);
