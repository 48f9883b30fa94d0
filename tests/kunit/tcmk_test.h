/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by tcmk's KUnit suites (tests/kunit/helpers.c).
 */
#ifndef _TCMK_TEST_H
#define _TCMK_TEST_H

#include <kunit/test.h>
#include <linux/tcmk.h>

#include "tcmk.h"

void tcmk_test_quiesce(void);
unsigned long tcmk_test_pages_held(void);
unsigned long tcmk_test_pages_free(void);
void tcmk_test_expect_conserved(struct kunit *test, unsigned int cls,
				unsigned long held_outside);
int tcmk_test_run_on_cpu(unsigned int cpu, void (*fn)(void *), void *data);
int tcmk_test_cpu_down(unsigned int cpu);
int tcmk_test_cpu_up(unsigned int cpu);
void tcmk_test_fill(void *obj, size_t size);
bool tcmk_test_check(const void *obj, size_t size);

#endif /* _TCMK_TEST_H */
