/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk_bench: the suites kept in files of their own.
 */
#ifndef _TCMK_BENCH_H
#define _TCMK_BENCH_H

/* gc_bench.c: the collector's suite, "gc". */
int bench_gc(void);

#endif /* _TCMK_BENCH_H */
