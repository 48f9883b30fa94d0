// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk statistics: the global counters, read from each layer when asked.
 * Nothing is counted here; the layers keep their own counters.
 */
#include <linux/string.h>
#include <linux/tcmk.h>

#include "tcmk.h"

void tcmk_get_stats(struct tcmk_stats *st)
{
	unsigned long held, free_pages, released, lallocs, lfrees, lbytes;
	unsigned int cls;

	memset(st, 0, sizeof(*st));
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		u64 size = tcmk_classes[cls].size;
		struct tcmk_central_counts cen;
		struct tcmk_cpu_counts cpu;

		tcmk_cpu_counts(cls, -1, &cpu);
		tcmk_central_counts(cls, &cen);
		st->bytes_in_use += (cpu.allocs - cpu.frees) * size;
		st->bytes_cached_cpu += cpu.cached * size;
		st->bytes_cached_transfer += cen.transfer * size;
		st->bytes_cached_central += cen.free * size;
		st->alloc_total += cpu.allocs;
		st->free_total += cpu.frees;
		st->alloc_slowpath += cpu.refills;
		st->free_slowpath += cpu.flushes;
	}
	tcmk_large_counts(&lallocs, &lfrees, &lbytes);
	st->bytes_in_use += lbytes;
	st->large_alloc_total = lallocs;
	st->large_free_total = lfrees;
	st->alloc_total += lallocs;
	st->free_total += lfrees;
	st->alloc_slowpath += lallocs;
	st->free_slowpath += lfrees;
	st->alloc_fastpath = st->alloc_total - st->alloc_slowpath;
	st->free_fastpath = st->free_total - st->free_slowpath;

	tcmk_pageheap_counts(&held, &free_pages, &released);
	st->bytes_free_page_heap = (u64)free_pages << PAGE_SHIFT;
	st->bytes_held = (u64)held << PAGE_SHIFT;
	st->bytes_released_total = (u64)released << PAGE_SHIFT;
	st->bad_free_total = atomic_long_read(&tcmk_bad_frees);
}
EXPORT_SYMBOL_GPL(tcmk_get_stats);
