/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk: private types shared by the layers of the allocator.
 *
 * tcmk is built the way TCMalloc and the Go runtime build their allocators.
 * A request is rounded up to one of a fixed set of size classes; every class
 * has its own free lists at three levels, and memory moves between the levels
 * in batches:
 *
 *   tcmk_alloc(size, gfp)
 *     size -> class         sizeclass.c: two byte tables, no loop, no division
 *     per-CPU cache         an array of free objects per class; pop and push only
 *     transfer cache        per class, whole batches passed between CPUs
 *     central list          per class, spans with free objects
 *     page heap             runs of pages carved from alloc_pages() chunks
 *     buddy allocator
 *
 * Freeing runs the same path upwards. Objects larger than the largest class
 * (TCMK_MAX_SMALL_SIZE) are whole runs of pages from the page heap.
 *
 * A class is described by its object size and its span: the smallest number
 * of pages whose tail after the last whole object is at most 1/8 of the span
 * (module/mksizeclasses.c generates the table; see the rule there).
 *
 * Files, one per layer: sizeclass.c (the table and lookup), sysfs.c
 * (/sys/kernel/tcmk), main.c (module init and exit).
 */
#ifndef _TCMK_H
#define _TCMK_H

#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/types.h>

#include "sizeclasses.h"

#define TCMK_VERSION	"0.1.0"

/**
 * struct tcmk_class_info - one size class; read-only once the module is built.
 * @size:	object size in bytes; every request of at most @size bytes and
 *		more than the previous class's size gets this class.
 * @pages:	pages per span.
 * @objects:	objects per span: @pages * PAGE_SIZE / @size.
 * @batch:	objects moved at once between a per-CPU cache and the transfer
 *		cache.
 * @div_magic:	(offset * @div_magic) >> 32 == offset / @size for every byte
 *		offset within a span; see tcmk_obj_index().
 */
struct tcmk_class_info {
	u32 size;
	u16 pages;
	u16 objects;
	u16 batch;
	u32 div_magic;
};

extern const struct tcmk_class_info tcmk_classes[TCMK_NR_CLASSES];
extern const u8 tcmk_class_lookup_small[TCMK_LOOKUP_SMALL_MAX / 8 + 1];
extern const u8 tcmk_class_lookup_large[(TCMK_MAX_SMALL_SIZE -
					 TCMK_LOOKUP_SMALL_MAX) /
					TCMK_LOOKUP_LARGE_STEP + 1];

/**
 * tcmk_size_class() - the class of a small request.
 * @size: request size, 1 <= @size <= TCMK_MAX_SMALL_SIZE.
 *
 * Return: the index of the smallest class whose objects hold @size bytes.
 */
static __always_inline unsigned int tcmk_size_class(size_t size)
{
	if (size <= TCMK_LOOKUP_SMALL_MAX)
		return tcmk_class_lookup_small[(size + 7) >> 3];
	return tcmk_class_lookup_large[(size - TCMK_LOOKUP_SMALL_MAX +
					TCMK_LOOKUP_LARGE_STEP - 1) /
				       TCMK_LOOKUP_LARGE_STEP];
}

/**
 * tcmk_obj_index() - which object of a span holds a byte.
 * @cls:	the span's class.
 * @offset:	byte offset from the start of the span, below the span's size.
 *
 * A multiply and a shift instead of a division: this runs on every free and,
 * in the collector, on every pointer that is scanned.
 *
 * Return: the index of the object containing @offset.
 */
static __always_inline unsigned int tcmk_obj_index(unsigned int cls,
						   unsigned long offset)
{
	return (u32)(((u64)offset * tcmk_classes[cls].div_magic) >> 32);
}

/* sysfs.c */
int __init tcmk_sysfs_init(void);
void tcmk_sysfs_exit(void);

#endif /* _TCMK_H */
