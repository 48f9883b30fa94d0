/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk debug mode (debug.c): what the slow paths, sysfs and the tests call.
 */
#ifndef _TCMK_DEBUG_H
#define _TCMK_DEBUG_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/types.h>

/* The letters of debug=, as bits: F, Z, P, U in that order. */
#define TCMK_DEBUG_F		BIT(0)
#define TCMK_DEBUG_Z		BIT(1)
#define TCMK_DEBUG_P		BIT(2)
#define TCMK_DEBUG_U		BIT(3)
#define TCMK_DEBUG_NR_LETTERS	4

enum tcmk_debug_error {
	TCMK_DEBUG_REDZONE,
	TCMK_DEBUG_POISON,
	TCMK_DEBUG_DOUBLE_FREE,
	TCMK_DEBUG_INVALID_FREE,
	TCMK_DEBUG_NR_ERRORS,
};

extern unsigned int tcmk_debug_flags;
extern atomic_long_t tcmk_debug_errors[TCMK_DEBUG_NR_ERRORS];
extern const char *const tcmk_debug_error_names[TCMK_DEBUG_NR_ERRORS];

/* Whether debug mode is on: for the slow paths only, never the fast ones. */
static inline bool tcmk_debug(void)
{
	return unlikely(READ_ONCE(tcmk_debug_flags));
}

void *tcmk_debug_alloc(size_t size, gfp_t gfp, unsigned long caller,
		       unsigned int *clsp);
bool tcmk_debug_free(unsigned int cls, void *obj);
void tcmk_debug_bad_free(const void *ptr, bool twice, const char *why);
size_t tcmk_debug_usable_size(unsigned int cls, const void *obj);
void tcmk_debug_validate(void);
void tcmk_debug_letters(char *buf);
int __init tcmk_debug_init(void);

#endif /* _TCMK_DEBUG_H */
