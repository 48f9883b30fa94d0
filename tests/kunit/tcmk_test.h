/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by tcmk's KUnit suites (tests/kunit/helpers.c).
 */
#ifndef _TCMK_TEST_H
#define _TCMK_TEST_H

#include <kunit/test.h>
#include <linux/tcmk.h>

#include "tcmk.h"

/*
 * The node the suites that drive the shared layers and the page heap
 * directly name: one with memory, the same for every call, whichever CPU
 * the test runs on.
 */
#define TCMK_TEST_NODE	first_memory_node

/*
 * Page failures that make an allocation through tcmk's API fail: one per
 * node with memory, for each falls back to the next, as the page allocator
 * does.
 */
#define TCMK_TEST_PAGE_FAILS	((int)num_node_state(N_MEMORY))

/*
 * A case KUnit reports as slow (6.6 on); before, KUnit knew no speeds, and
 * it runs as any other.
 */
#ifndef KUNIT_CASE_SLOW
#define KUNIT_CASE_SLOW(test_name)	KUNIT_CASE(test_name)
#endif

int tcmk_test_pin(struct kunit *test);
void tcmk_test_quiesce(void);
unsigned long tcmk_test_pages_held(void);
unsigned long tcmk_test_pages_free(void);
void tcmk_test_expect_conserved(struct kunit *test, unsigned int cls,
				unsigned long held_outside);
int tcmk_test_run_on_cpu(unsigned int cpu, void (*fn)(void *), void *data);
int tcmk_test_cpu_down(unsigned int cpu);
int tcmk_test_cpu_up(unsigned int cpu);
int tcmk_test_sampling_off(struct kunit_suite *suite);
void tcmk_test_sampling_restore(struct kunit_suite *suite);
void tcmk_test_fill(void *obj, size_t size);
bool tcmk_test_check(const void *obj, size_t size);

/* tcmk's fault attributes (module/fail.c): fail_alloc and fail_page. */
enum tcmk_test_fail { TCMK_TEST_FAIL_ALLOC, TCMK_TEST_FAIL_PAGE };
void tcmk_test_fail_next(struct kunit *test, enum tcmk_test_fail which,
			 int times);
void tcmk_test_fail_off(enum tcmk_test_fail which);
int tcmk_test_fail_left(enum tcmk_test_fail which);

#endif /* _TCMK_TEST_H */
