/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk_bench: the suites kept in files of their own.
 */
#ifndef _TCMK_BENCH_H
#define _TCMK_BENCH_H

#include <linux/types.h>

/* xorshift64: a fixed seed gives every allocator the same draws. */
static inline u64 bench_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* tcmk_bench.c: one "BENCH" line of instructions (or ns) per operation. */
void print_per_op(const char *what, const char *alloc, size_t size,
		  unsigned int n, u64 ns);

/* gc_bench.c: the collector's suite, "gc", and its parts. */
int bench_gc(void);
int bench_gc_churn(void);
int bench_gc_sections(void);
int bench_gc_icount(void);

/* numa_bench.c: locality on two nodes, "numa". */
int bench_numa(void);

#endif /* _TCMK_BENCH_H */
