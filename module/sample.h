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
 * @handle:	the stack in the kernel's stack depot, from the call site up;
 *		0 if the depot could not keep it: then the bucket holds the
 *		samples of @caller whose stacks are unknown.
 * @live:	samples of this stack not yet freed (each holds a record and a
 *		span: far fewer than 2^32).
 * @caller:	the call site, the caller of tcmk's API: the stack's first
 *		frame.
 * @alloc_objects: estimated objects allocated here since load (scaled,
 *		fixed-point: TCMK_SAMPLE_SHIFT).
 * @alloc_bytes: estimated bytes allocated, the same way.
 * @inuse_objects: estimated objects allocated here and not yet freed.
 * @inuse_bytes: estimated bytes of those.
 *
 * A bucket is keyed by @handle and @caller: the depot gives one handle per
 * distinct stack, and every stack it keeps for tcmk starts at its call site.
 * tcmk_sample_frames() gives a bucket's frames.
 *
 * Buckets are never freed before unload, so that the readers of the
 * profile (allocinfo, heap_profile) walk the list of all with no lock:
 * @next, @handle and @caller are written before the bucket is published,
 * with smp_store_release(), and never again. The counts are written under
 * tcmk_sample_lock and read with READ_ONCE() by the readers, each count on
 * its own: a reader's figures are not a snapshot.
 */
struct tcmk_sample_bucket {
	struct tcmk_sample_bucket *hnext;
	struct tcmk_sample_bucket *next;
	u32 handle;
	u32 live;
	unsigned long caller;
	u64 alloc_objects;
	u64 alloc_bytes;
	u64 inuse_objects;
	u64 inuse_bytes;
};

/* The newest bucket; the list of all runs through @next. */
struct tcmk_sample_bucket *tcmk_sample_buckets(void);
unsigned int tcmk_sample_frames(const struct tcmk_sample_bucket *b,
				const unsigned long **frames);
unsigned long tcmk_sample_rate(void);

/* pprof.c */
struct dentry;
void tcmk_pprof_debugfs_init(struct dentry *dir);

#endif /* _TCMK_SAMPLE_H */
