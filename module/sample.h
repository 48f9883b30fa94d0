/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk heap profiles: what the sampler and its records (sample.c) share with
 * the profile's encoder (pprof.c). Only those two include this; the rest of
 * tcmk sees the calls declared in tcmk.h.
 */
#ifndef _TCMK_SAMPLE_H
#define _TCMK_SAMPLE_H

#include <linux/list.h>
#include <linux/types.h>

/*
 * Estimates are fixed-point numbers with this many fractional bits: the
 * kernel has no floating point, and a sample of an 8-byte object at the
 * default rate stands for 65536 objects, of a 1 MiB one for about one.
 */
#define TCMK_SAMPLE_SHIFT	16

/**
 * struct tcmk_sample_bucket - the samples taken at one stack, as Go's
 * runtime keeps a bucket per stack for its heap profile.
 * @hnext:	next bucket of the same hash chain.
 * @next:	next bucket on the list of all, newest first.
 * @hash:	hash of @stack.
 * @depth:	frames in @stack.
 * @alloc_objects: estimated objects allocated here since load (scaled,
 *		fixed-point: TCMK_SAMPLE_SHIFT).
 * @alloc_bytes: estimated bytes allocated, the same way.
 * @inuse_objects: estimated objects allocated here and not yet freed.
 * @inuse_bytes: estimated bytes of those.
 * @live:	samples of this stack not yet freed.
 * @stack:	return addresses, @stack[0] the call site: the caller of
 *		tcmk's API.
 *
 * Buckets are never freed before unload, so that the readers of the
 * profile (allocinfo, heap_profile) walk the list of all with no lock:
 * @next, @hash, @depth and @stack are written before the bucket is
 * published, with smp_store_release(), and never again. The counts are
 * written under tcmk_sample_lock and read with READ_ONCE() by the readers,
 * each count on its own: a reader's figures are not a snapshot.
 */
struct tcmk_sample_bucket {
	struct tcmk_sample_bucket *hnext;
	struct tcmk_sample_bucket *next;
	u32 hash;
	u32 depth;
	u64 alloc_objects;
	u64 alloc_bytes;
	u64 inuse_objects;
	u64 inuse_bytes;
	unsigned long live;
	unsigned long stack[];
};

/* The newest bucket; the list of all runs through @next. */
struct tcmk_sample_bucket *tcmk_sample_buckets(void);
unsigned long tcmk_sample_rate(void);

/* pprof.c */
struct dentry;
void tcmk_pprof_debugfs_init(struct dentry *dir);

#endif /* _TCMK_SAMPLE_H */
