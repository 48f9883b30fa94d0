/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcmk test harness: the ioctl interface of /dev/tcmk (tcmk_harness.ko).
 *
 * The harness lets root drive tcmk from userspace for tests and demos.
 * Userspace never sees a kernel address: objects are named by handles, small
 * positive integers valid only in the open file that made them. Closing the
 * file frees every object it still holds.
 *
 * Every structure has fixed-size fields, explicit padding and reserved fields
 * that must be zero (-EINVAL otherwise), so that later versions can give them
 * a meaning; new operations get new command numbers. Fields marked out only
 * are ignored on input. Errors:
 *   -ENOTTY	unknown command
 *   -EFAULT	a bad user pointer
 *   -EINVAL	a reserved field not zero, unknown flags, a size or count out
 *		of range
 *   -ENOENT	no object with that handle in this file
 *   -ENOMEM	tcmk could not allocate (nothing is left allocated)
 *   -ENOSPC	the file holds TCMK_IOC_MAX_HANDLES objects already
 *   -EINTR	a stress run was interrupted by a signal (results so far are
 *		still reported)
 */
#ifndef _UAPI_LINUX_TCMK_H
#define _UAPI_LINUX_TCMK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TCMK_DEVICE		"/dev/tcmk"
#define TCMK_IOC_MAGIC		0xB8

/* Largest object, as tcmk_alloc() serves (4 MiB). */
#define TCMK_IOC_MAX_SIZE	(4ULL << 20)
/* Most objects one TCMK_IOC_ALLOC call makes. */
#define TCMK_IOC_MAX_COUNT	4096
/* Most objects one open file holds at once. */
#define TCMK_IOC_MAX_HANDLES	(1U << 20)

/* Flags of struct tcmk_ioc_alloc. */
#define TCMK_ALLOC_ZERO		(1U << 0)	/* __GFP_ZERO */
#define TCMK_ALLOC_ATOMIC	(1U << 1)	/* GFP_ATOMIC instead of GFP_KERNEL */
#define TCMK_ALLOC_FLAGS	(TCMK_ALLOC_ZERO | TCMK_ALLOC_ATOMIC)

/**
 * struct tcmk_ioc_alloc - allocate @count objects of @size bytes.
 * @size:	in: bytes per object, 1 to TCMK_IOC_MAX_SIZE.
 * @count:	in: objects, 1 to TCMK_IOC_MAX_COUNT.
 * @flags:	in: TCMK_ALLOC_* flags.
 * @handles:	in: user address of a __u32 array of @count entries, where the
 *		new handles are written.
 * @reserved:	must be zero.
 *
 * All or nothing: on any error no object is left allocated.
 */
struct tcmk_ioc_alloc {
	__u64 size;
	__u32 count;
	__u32 flags;
	__u64 handles;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_object - one object: TCMK_IOC_FREE and TCMK_IOC_SIZE.
 * @handle:	in: the object.
 * @pad:	must be zero.
 * @size:	out (TCMK_IOC_SIZE): the usable size tcmk reports.
 * @requested:	out (TCMK_IOC_SIZE): the size asked for at allocation.
 * @reserved:	must be zero.
 */
struct tcmk_ioc_object {
	__u32 handle;
	__u32 pad;
	__u64 size;
	__u64 requested;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_pattern - TCMK_IOC_FILL and TCMK_IOC_CHECK.
 * @handle:	in: the object.
 * @pad:	must be zero.
 * @seed:	in: the pattern's seed; the same seed gives the same bytes.
 * @bad_bytes:	out (CHECK): bytes of the requested size that differ from
 *		the pattern; 0 when the object is intact.
 * @first_bad:	out (CHECK): offset of the first such byte, if any.
 * @reserved:	must be zero.
 *
 * FILL writes a pattern derived from @seed over the object's requested size;
 * CHECK compares the object against it, in the kernel. Byte i of the pattern
 * is byte i % 8, least significant first, of splitmix64's output for
 * @seed + (i / 8 + 1) * 0x9e3779b97f4a7c15, so tests can recompute it; seed 0
 * is all zeroes, so CHECK with seed 0 tells whether an object is zeroed.
 */
struct tcmk_ioc_pattern {
	__u32 handle;
	__u32 pad;
	__u64 seed;
	__u64 bad_bytes;
	__u64 first_bad;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_stats - TCMK_IOC_STATS: tcmk's global counters, as
 * struct tcmk_stats in <linux/tcmk.h> describes them.
 * @reserved:	must be zero on input; zero on output.
 */
struct tcmk_ioc_stats {
	__u64 bytes_in_use;
	__u64 bytes_cached_cpu;
	__u64 bytes_cached_transfer;
	__u64 bytes_cached_central;
	__u64 bytes_free_page_heap;
	__u64 bytes_held;
	__u64 bytes_released_total;
	__u64 alloc_total;
	__u64 free_total;
	__u64 alloc_fastpath;
	__u64 alloc_slowpath;
	__u64 free_fastpath;
	__u64 free_slowpath;
	__u64 large_alloc_total;
	__u64 large_free_total;
	__u64 bad_free_total;
	__u64 reserved[8];
};

/* Most threads per CPU and longest run of TCMK_IOC_STRESS. */
#define TCMK_STRESS_MAX_THREADS	8
#define TCMK_STRESS_MAX_NS	(60ULL * 1000 * 1000 * 1000)

/**
 * struct tcmk_ioc_stress - TCMK_IOC_STRESS: kernel threads on every online CPU
 * allocate and free objects of random sizes, fill each with a pattern derived
 * from its address and check it before freeing.
 * @threads_per_cpu: in: 1 to TCMK_STRESS_MAX_THREADS.
 * @cross_cpu_pct: in: percent (0 to 100) of objects handed to another
 *		thread to free.
 * @duration_ns: in: how long to run, at most TCMK_STRESS_MAX_NS; 0 runs
 *		@ops operations per thread instead.
 * @ops:	in: operations per thread when @duration_ns is 0 (1 to
 *		2^32), else 0; out: operations done by all threads. An
 *		operation is one object allocated, filled, checked and freed.
 * @min_size:	in: smallest object, at least 1.
 * @max_size:	in: largest object, at least @min_size, at most
 *		TCMK_IOC_MAX_SIZE.
 * @seed:	in: seed of the threads' random choices.
 * @errors:	out: corrupted objects found plus failed allocations.
 * @elapsed_ns:	out: wall time of the run.
 * @reserved:	must be zero.
 *
 * Every object is freed before the call returns. A signal ends the run
 * early with -EINTR; @ops, @errors and @elapsed_ns are still written back.
 */
struct tcmk_ioc_stress {
	__u32 threads_per_cpu;
	__u32 cross_cpu_pct;
	__u64 duration_ns;
	__u64 ops;
	__u64 min_size;
	__u64 max_size;
	__u64 seed;
	__u64 errors;
	__u64 elapsed_ns;
	__u64 reserved[4];
};

#define TCMK_IOC_ALLOC	_IOWR(TCMK_IOC_MAGIC, 1, struct tcmk_ioc_alloc)
#define TCMK_IOC_FREE	_IOW(TCMK_IOC_MAGIC, 2, struct tcmk_ioc_object)
#define TCMK_IOC_FILL	_IOW(TCMK_IOC_MAGIC, 3, struct tcmk_ioc_pattern)
#define TCMK_IOC_CHECK	_IOWR(TCMK_IOC_MAGIC, 4, struct tcmk_ioc_pattern)
#define TCMK_IOC_SIZE	_IOWR(TCMK_IOC_MAGIC, 5, struct tcmk_ioc_object)
#define TCMK_IOC_STATS	_IOWR(TCMK_IOC_MAGIC, 6, struct tcmk_ioc_stats)
#define TCMK_IOC_STRESS	_IOWR(TCMK_IOC_MAGIC, 7, struct tcmk_ioc_stress)

#endif /* _UAPI_LINUX_TCMK_H */
