/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk test harness: what the files of tcmk_harness.ko share (the open
 * file's state, the patterns, the checks of reserved fields).
 */
#ifndef _TCMK_HARNESS_H
#define _TCMK_HARNESS_H

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <uapi/linux/tcmk.h>

/*
 * User-sized requests fail with -ENOMEM rather than a page allocation
 * warning in the log.
 */
#define HARNESS_GFP		(GFP_KERNEL | __GFP_NOWARN)

/**
 * struct harness_file - the state of one open file of /dev/tcmk.
 * @lock:	serialises the ioctls that use objects, so that no FREE frees an
 *		object while FILL, CHECK or SIZE reads it, and no one sees the
 *		handles of an ALLOC that may still be undone; likewise for the
 *		GC ioctls and the records in @gcobjs. Sleeps; taken in process
 *		context only, never by STRESS or GC_COLLECT.
 * @objs:	handle -> struct harness_obj; changed under @lock (the xarray's
 *		own lock only keeps its nodes consistent).
 * @gcobjs:	GC handle -> struct harness_gc_obj; changed under @lock.
 */
struct harness_file {
	struct mutex lock;
	struct xarray objs;
	struct xarray gcobjs;
};

/* One step of splitmix64: a well-mixed 64-bit value from any counter. */
static inline u64 harness_mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define HARNESS_GOLDEN		0x9e3779b97f4a7c15ULL

/* Bytes 8 * @word to 8 * @word + 7 of the pattern of @seed, as a number. */
static inline u64 pattern_word(u64 seed, u64 word)
{
	return seed ? harness_mix(seed + (word + 1) * HARNESS_GOLDEN) : 0;
}

/* Long objects give the CPU up now and then: 4 MiB under KASAN is slow. */
#define PATTERN_RESCHED_WORDS	8192

/* The pattern's words whole, as FILL, CHECK and STRESS use them. */
#define PATTERN_ALL_BITS	(~0ULL)

/* In harness.c; FILL, CHECK, STRESS and the GC payloads use them. */
void pattern_fill(void *p, size_t len, u64 seed, u64 mask);
u64 pattern_check(const void *p, size_t len, u64 seed, u64 mask,
		  u64 *first_bad);

static inline bool reserved_zero(const __u64 *r, size_t n)
{
	while (n--)
		if (*r++)
			return false;
	return true;
}

#define RESERVED_ZERO(arg)	reserved_zero((arg).reserved, ARRAY_SIZE((arg).reserved))

/* TCMK_IOC_STRESS, in harness_stress.c. */
long harness_stress(struct tcmk_ioc_stress __user *uarg);

/*
 * The GC_* ioctls, and the collector's part of closing a file and of module
 * init and exit, in harness_gc.c.
 */
long harness_gc_alloc(struct harness_file *hf,
		      struct tcmk_ioc_gc_alloc __user *uarg);
long harness_gc_link(struct harness_file *hf,
		     struct tcmk_ioc_gc_link __user *uarg);
long harness_gc_root(struct harness_file *hf,
		     struct tcmk_ioc_gc_root __user *uarg);
long harness_gc_pin(struct harness_file *hf,
		    struct tcmk_ioc_gc_pin __user *uarg, bool pin);
long harness_gc_collect(struct tcmk_ioc_gc_collect __user *uarg);
long harness_gc_alive(struct harness_file *hf,
		      struct tcmk_ioc_gc_alive __user *uarg);
long harness_gc_stats(struct tcmk_ioc_gc_stats __user *uarg);
void harness_gc_release(struct harness_file *hf);
int harness_gc_init(void);
void harness_gc_undo_init(void);
void harness_gc_exit(void);

/* TCMK_IOC_KMEMLEAK, and what is left planted at unload: harness_kmemleak.c. */
long harness_kmemleak(struct tcmk_ioc_kmemleak __user *uarg);
void harness_kmemleak_exit(void);

#endif /* _TCMK_HARNESS_H */
