// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by tcmk's KUnit suites, and the test module's information.
 */
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/tcmk.h>

#include "tcmk_test.h"

#ifdef CONFIG_FAULT_INJECTION
static struct tcmk_fail *fail_attr(enum tcmk_test_fail which)
{
	return which == TCMK_TEST_FAIL_PAGE ? &tcmk_fail_page : &tcmk_fail_alloc;
}

/*
 * Fail the next @times calls that ask @which (-1: every call until turned
 * off), from any task and with any flags but __GFP_NOFAIL, without a word
 * in the log.
 */
void tcmk_test_fail_next(struct kunit *test, enum tcmk_test_fail which,
			 int times)
{
	struct tcmk_fail *f = fail_attr(which);

	WRITE_ONCE(f->attr.probability, 0);
	f->attr.interval = 1;
	atomic_set(&f->attr.space, 0);
	f->attr.verbose = 0;
	f->attr.task_filter = false;
	f->ignore_gfp_reclaim = false;
	atomic_set(&f->attr.times, times);
	WRITE_ONCE(f->attr.probability, 100);
}

/* Back to the defaults, which fail nothing. */
void tcmk_test_fail_off(enum tcmk_test_fail which)
{
	struct tcmk_fail *f = fail_attr(which);

	WRITE_ONCE(f->attr.probability, 0);
	atomic_set(&f->attr.times, 1);
	f->attr.verbose = 2;
	f->ignore_gfp_reclaim = true;
}

/* Failures left of those tcmk_test_fail_next() asked for. */
int tcmk_test_fail_left(enum tcmk_test_fail which)
{
	return atomic_read(&fail_attr(which)->attr.times);
}
#else
void tcmk_test_fail_next(struct kunit *test, enum tcmk_test_fail which,
			 int times)
{
	kunit_skip(test, "failing allocations needs CONFIG_FAULT_INJECTION");
}

void tcmk_test_fail_off(enum tcmk_test_fail which)
{
}

int tcmk_test_fail_left(enum tcmk_test_fail which)
{
	return 0;
}
#endif

/* Drain every CPU and release what can be released: tcmk holds only live objects. */
void tcmk_test_quiesce(void)
{
	tcmk_drain();
	tcmk_release();
}

unsigned long tcmk_test_pages_held(void)
{
	unsigned long held, free_pages, released;

	tcmk_pageheap_counts(&held, &free_pages, &released);
	return held;
}

unsigned long tcmk_test_pages_free(void)
{
	unsigned long held, free_pages, released;

	tcmk_pageheap_counts(&held, &free_pages, &released);
	return free_pages;
}

/*
 * Every object of a class's spans is somewhere: in use, in a CPU's cache, in
 * the transfer cache, or free in its span. @held_outside counts objects the
 * test took from the central layer directly, which no CPU counted.
 */
void tcmk_test_expect_conserved(struct kunit *test, unsigned int cls,
				unsigned long held_outside)
{
	struct tcmk_central_counts cen;
	struct tcmk_cpu_counts cpu;

	tcmk_cpu_counts(cls, -1, &cpu);
	tcmk_central_counts(cls, NUMA_NO_NODE, &cen);
	KUNIT_EXPECT_EQ_MSG(test, cen.spans * tcmk_classes[cls].objects,
			    (cpu.allocs - cpu.frees) + held_outside + cpu.cached +
			    cen.transfer + cen.free,
			    "class %u: %lu allocs %lu frees %lu cpu %lu transfer %lu free",
			    tcmk_classes[cls].size, cpu.allocs, cpu.frees,
			    cpu.cached, cen.transfer, cen.free);
}

struct on_cpu {
	void (*fn)(void *data);
	void *data;
	struct completion done;
};

static int on_cpu_thread(void *arg)
{
	struct on_cpu *o = arg;

	o->fn(o->data);
	complete(&o->done);
	/* Stay until kthread_stop(), which must not find the task gone. */
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/* Run @fn(@data) in a kthread bound to @cpu and wait for it to return. */
/*
 * Keep the test's thread on the first online CPU, for the suites that count
 * pages and objects exactly: on a machine with several nodes a thread that
 * moved would take its objects from another node's heap and caches. The
 * first CPU, for the suites take others offline and never that one. A
 * suite's .init, or called first from it.
 */
int tcmk_test_pin(struct kunit *test)
{
	return set_cpus_allowed_ptr(current, cpumask_of(cpumask_first(cpu_online_mask)));
}

int tcmk_test_run_on_cpu(unsigned int cpu, void (*fn)(void *), void *data)
{
	struct on_cpu o = { .fn = fn, .data = data };
	struct task_struct *t;

	init_completion(&o.done);
	t = kthread_create_on_cpu(on_cpu_thread, &o, cpu, "tcmk_test/%u");
	if (IS_ERR(t))
		return PTR_ERR(t);
	wake_up_process(t);
	wait_for_completion(&o.done);
	kthread_stop(t);
	return 0;
}

/*
 * CPU hotplug for suites that cannot include <linux/cpu.h> (its struct node
 * is a name they use).
 */
int tcmk_test_cpu_down(unsigned int cpu)
{
	return remove_cpu(cpu);
}

int tcmk_test_cpu_up(unsigned int cpu)
{
	return add_cpu(cpu);
}

/*
 * A pattern derived from the object's address and size: its first word holds
 * the address, its last the address mixed with the size, every byte between
 * a value made from both. An object handed out twice, or written by someone
 * else, fails tcmk_test_check().
 */
static u8 pattern_byte(const void *obj, size_t size)
{
	return (u8)(((unsigned long)obj >> 4) ^ size ^ 0x5a);
}

void tcmk_test_fill(void *obj, size_t size)
{
	unsigned long tag = (unsigned long)obj;

	memset(obj, pattern_byte(obj, size), size);
	if (size >= 2 * sizeof(tag)) {
		memcpy(obj, &tag, sizeof(tag));
		tag ^= size;
		memcpy(obj + size - sizeof(tag), &tag, sizeof(tag));
	}
}

bool tcmk_test_check(const void *obj, size_t size)
{
	unsigned long tag = (unsigned long)obj, word;

	if (size < 2 * sizeof(tag))
		return !memchr_inv(obj, pattern_byte(obj, size), size);
	memcpy(&word, obj, sizeof(word));
	if (word != tag)
		return false;
	memcpy(&word, obj + size - sizeof(word), sizeof(word));
	if (word != (tag ^ size))
		return false;
	return !memchr_inv(obj + sizeof(tag), pattern_byte(obj, size),
			   size - 2 * sizeof(tag));
}

MODULE_DESCRIPTION("KUnit tests for tcmk");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(TCMK_NS_INTERNAL);
MODULE_INFO(test, "Y");

/* The rate tcmk_test_sampling_off() found. */
static unsigned long tcmk_test_saved_rate;

/*
 * Heap profile sampling off for a suite whose cases count what a CPU's
 * cache holds or which object comes back: a sampled object comes from a
 * span of its own, not from the cache, whenever a CPU's countdown runs out.
 */
int tcmk_test_sampling_off(struct kunit_suite *suite)
{
	tcmk_test_saved_rate = tcmk_sample_rate();
	return tcmk_sample_set_rate(0);
}

void tcmk_test_sampling_restore(struct kunit_suite *suite)
{
	tcmk_sample_set_rate(tcmk_test_saved_rate);
}
