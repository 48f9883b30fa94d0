// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk spans: the metadata of a run of pages, and carving a small span into
 * objects.
 *
 * A new span hands out objects from a bump pointer, so creating one touches
 * none of its memory; objects given back go on a list linked through their
 * first word and are handed out again first. The caller (the class's central
 * list) holds its lock around every call here, or has the span to itself: a
 * new span not yet on the class's lists.
 */
#include <linux/math64.h>
#include <linux/slab.h>

#include "tcmk.h"

/**
 * tcmk_span_new() - metadata for a span.
 * @gfp:	allocation flags (the caller's, already stripped for the heap).
 *
 * Context: as @gfp allows.
 * Return: a zeroed span, or NULL.
 */
struct tcmk_span *tcmk_span_new(gfp_t gfp)
{
	BUILD_BUG_ON(sizeof(struct tcmk_span) > 64);
	BUILD_BUG_ON(TCMK_SPAN_MAX_OBJECTS > U16_MAX);
	return kzalloc(sizeof(struct tcmk_span), gfp);
}

/**
 * tcmk_span_delete() - free a span's metadata; NULL is ignored.
 * @span:	the span, whose pages are no longer marked as its own.
 */
void tcmk_span_delete(struct tcmk_span *span)
{
	kfree(span);
}

/**
 * tcmk_span_init_small() - make a fresh span hold objects of class @cls.
 * @span:	a span from tcmk_pageheap_alloc() of the class's span size.
 * @cls:	size class.
 */
void tcmk_span_init_small(struct tcmk_span *span, unsigned int cls)
{
	const struct tcmk_class_info *ci = &tcmk_classes[cls];

	/* U64_MAX / size + 1 is ceil(2^64 / size) for any size but 1. */
	span->div_check = div_u64(U64_MAX, ci->size) + 1;
	span->end = ci->objects * ci->size;
	span->cls = cls;
	span->allocated = 0;
	span->carved = 0;
	span->freelist = NULL;
	span->state = TCMK_SPAN_SMALL;
}
TCMK_EXPORT_FOR_TESTS(tcmk_span_init_small);

/**
 * tcmk_span_pop() - take up to @n free objects from a small span.
 * @span:	the span.
 * @objs:	where to store them.
 * @n:		how many are wanted.
 *
 * Context: the class's central lock held, or a span nobody else can see yet.
 * Return: how many were taken (0 if the span is full).
 */
unsigned int tcmk_span_pop(struct tcmk_span *span, void **objs, unsigned int n)
{
	const struct tcmk_class_info *ci = &tcmk_classes[span->cls];
	unsigned int got = 0;

	while (got < n && span->freelist) {
		void *obj = span->freelist;

		span->freelist = *(void **)obj;
		objs[got++] = obj;
	}
	while (got < n && span->carved < ci->objects)
		objs[got++] = span->base + (unsigned long)span->carved++ * ci->size;
	span->allocated += got;
	return got;
}
