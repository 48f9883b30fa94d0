// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk collector: the pacer. When the collected heap has grown enough for a
 * cycle, the background worker that runs it, and how much scan work an
 * allocation owes while a cycle marks.
 */
#include <linux/export.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/tcmk.h>
#include <linux/workqueue.h>

#include "gc.h"
#include "tcmk.h"

/*
 * The pacer, after Go's GOGC: a cycle starts in the background when the
 * collected heap reaches heap_goal = marked * (1 + percent / 100), at least
 * GC_HEAP_FLOOR; percent -1 turns that off. A soft limit (limit_bytes, 0
 * for none) lowers the goal to itself when the heap nears it, but never
 * below what the last cycle found live plus 1/16, so a live heap above the
 * limit costs a cycle per sixteenth of growth rather than a cycle per
 * allocation. The goal is always above what the last cycle found live: a
 * cycle follows allocation, never only the last cycle.
 */
#define GC_HEAP_FLOOR		(4UL << 20)
int tcmk_gc_percent = 100;
TCMK_EXPORT_FOR_TESTS(tcmk_gc_percent);
unsigned long tcmk_gc_limit_bytes;
TCMK_EXPORT_FOR_TESTS(tcmk_gc_limit_bytes);
unsigned long gc_heap_goal = GC_HEAP_FLOOR;

static void gc_background(struct work_struct *work);
DECLARE_WORK(gc_work, gc_background);

/**
 * tcmk_gc_update_goal() - recompute the pacer's heap goal, after a cycle or
 * a change of percent or limit_bytes, and start a cycle if the heap is
 * already past it.
 */
void tcmk_gc_update_goal(void)
{
	u64 marked = READ_ONCE(gc_stats.marked_bytes_last);
	int percent = READ_ONCE(tcmk_gc_percent);
	unsigned long limit = READ_ONCE(tcmk_gc_limit_bytes);
	u64 goal = U64_MAX;

	if (percent >= 0)
		goal = max_t(u64, marked + div_u64(marked * percent, 100),
			     GC_HEAP_FLOOR);
	if (limit && goal > limit)
		goal = max_t(u64, limit, marked + marked / 16);
	/*
	 * With percent 0 (and at least the floor live), or a limit at or
	 * below a live heap of under 16 bytes, the goal above is what the
	 * last cycle left live: an idle heap is already there, and each cycle
	 * would start the next, each paying for expedited grace periods on
	 * every CPU. The heap must outgrow what the last cycle left first, as
	 * a program must allocate under GOGC=0 in Go.
	 */
	goal = max_t(u64, goal, marked + 1);
	WRITE_ONCE(gc_heap_goal, min_t(u64, goal, ULONG_MAX));
	if (gc_heap_bytes() >= READ_ONCE(gc_heap_goal))
		gc_trigger();
}
TCMK_EXPORT_FOR_TESTS(tcmk_gc_update_goal);

int tcmk_gc_set_percent(int percent)
{
	/* Past 100000% the goal is beyond any heap this machine can hold. */
	if (percent < -1 || percent > 100000 || gc_refuse_nmi())
		return -EINVAL;
	percent = xchg(&tcmk_gc_percent, percent);
	tcmk_gc_update_goal();
	return percent;
}
EXPORT_SYMBOL_GPL(tcmk_gc_set_percent);

/*
 * The background worker: a cycle the pacer asked for, unless the heap fell
 * back below the goal meanwhile (an explicit collection ran).
 */
static void gc_background(struct work_struct *work)
{
	if (READ_ONCE(tcmk_gc_enabled) &&
	    gc_heap_bytes() >= READ_ONCE(gc_heap_goal))
		gc_cycle(true);
}

/*
 * The debt of a mark assist (gc_assist()), sized so that marking ends
 * before the heap passes 1.125 times the goal: bytes allocated times the
 * scan work still expected (what the last cycle marked, less what this one
 * has scanned) over the room left below that bound; with no room left, as
 * much work as it can find, up to 1 MiB of scanning.
 */
unsigned long gc_assist_debt(size_t bytes)
{
	long expect = READ_ONCE(gc_stats.marked_bytes_last) -
		      atomic_long_read(&gc_stats.scan_bytes);
	unsigned long goal = READ_ONCE(gc_heap_goal);
	long room = goal + goal / 8 - gc_heap_bytes();
	unsigned long debt;

	expect = max_t(long, expect, bytes);
	if (room <= (long)bytes)
		debt = SZ_1M;
	else
		debt = min_t(u64, div64_u64((u64)bytes * expect, room), SZ_1M);
	return max_t(unsigned long, debt, bytes);
}
