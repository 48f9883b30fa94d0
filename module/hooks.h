/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What tcmk tells the kernel's debugging tools of each object it hands out
 * and takes back: the tcmk:alloc and tcmk:free events, and kmemleak.
 *
 * The fast paths call these only from copies of themselves, which they
 * take while tcmk_alloc_hooks_on()/tcmk_free_hooks_on() say so: tcmk_free()
 * a twin out of line (tcmk_free_traced()); tcmk_alloc() a second copy of
 * its fast path, inline, that counts down to the next heap profile sample,
 * and its out-of-line twin (tcmk_alloc_recorded()) only while
 * tcmk_alloc_records() says each object is to be told of, for the record
 * needs the object after the allocation. With tracing and heap profile
 * sampling off and without CONFIG_DEBUG_KMEMLEAK that test is one
 * patched-out branch (tcmk_alloc_hook, or tcmk:free's) and nothing else; a
 * kmemleak kernel always takes the copies that record, as SLUB calls
 * kmemleak on every allocation there.
 */
#ifndef _TCMK_HOOKS_H
#define _TCMK_HOOKS_H

#include <linux/kmemleak.h>
#include <linux/preempt.h>
#include <linux/tcmk.h>

#include "tcmk.h"
#include "tcmk_trace.h"

static __always_inline bool tcmk_alloc_hooks_on(void)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) ||
	       static_branch_unlikely(&tcmk_alloc_hook);
}

/* Whether each object handed out is to be told of (tcmk_hook_alloc()). */
static __always_inline bool tcmk_alloc_records(void)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || trace_alloc_enabled();
}

static __always_inline bool tcmk_free_hooks_on(void)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || trace_free_enabled();
}

/*
 * Whether kmemleak may be told of a new object here. kmemleak_alloc() takes
 * its record from the slab allocator, which may not be called in hard
 * interrupt context where lockdep checks wait contexts (a hard hrtimer, a
 * handler that is not threaded on PREEMPT_RT), though tcmk may: an object
 * allocated there is not told, so it is never reported and not scanned.
 * kmemleak_free() allocates nothing and ignores an object it was not told
 * of: frees are told from any context.
 */
static __always_inline bool tcmk_kmemleak_may_alloc(void)
{
	return IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && !in_hardirq() && !in_nmi();
}

/*
 * An object of tcmk_alloc() or tcmk_alloc_bulk() handed out to @caller.
 *
 * kmemleak scans only the memory it is told of, and tcmk's pages come from
 * alloc_pages(), which it is not told of: each object is named to it here,
 * with every byte tcmk_usable_size() grants (a caller may use them all), to
 * be reported if nothing points to it (min_count 1), as kmalloc's are.
 * Collected objects are not named one by one: gc_span_new() names their
 * spans whole.
 */
static inline void tcmk_hook_alloc(unsigned long caller, void *obj,
				   size_t size, size_t bytes, gfp_t gfp)
{
	trace_alloc(caller, obj, size, bytes, gfp);
	if (tcmk_kmemleak_may_alloc())
		kmemleak_alloc(obj, tcmk_usable_size(obj), 1, gfp);
}

/*
 * An object of tcmk_alloc() taken back from @caller. Called before the
 * object can be handed out again: kmemleak refuses to be told of an object
 * that overlaps one it knows, and stops.
 */
static inline void tcmk_hook_free(unsigned long caller, const void *obj)
{
	trace_free(caller, obj);
	kmemleak_free(obj);
}

#endif /* _TCMK_HOOKS_H */
