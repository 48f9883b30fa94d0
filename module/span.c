// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk spans: the metadata of a run of pages. Carving a small span into
 * objects is inline in tcmk.h (tcmk_span_init_small(), tcmk_span_pop(),
 * tcmk_span_push()), for the central list runs it for every span and object
 * it moves.
 *
 * A new span hands out objects from a bump pointer, so creating one touches
 * none of its memory; objects given back go on a list linked through their
 * first word and are handed out again first. The caller (the class's central
 * list) holds its lock around each of those, or has the span to itself: a
 * new span not yet on the class's lists.
 */
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
