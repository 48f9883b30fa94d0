// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk debugfs report: /sys/kernel/debug/tcmk/report, a page for people in the
 * spirit of TCMalloc's statistics page: totals, one line per size class, and
 * the page heap's free runs. sysfs has the same figures one value per file,
 * for programs. The fault injection directories beside it are fail.c's.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/tcmk.h>

#include "gc.h"
#include "tcmk.h"

static struct dentry *tcmk_debugfs_dir;

static void report_totals(struct seq_file *m)
{
	struct tcmk_stats st;

	tcmk_get_stats(&st);
	seq_printf(m, "tcmk %s\n", TCMK_VERSION);
	seq_printf(m, "%14llu bytes in use by objects\n", st.bytes_in_use);
	seq_printf(m, "%14llu bytes free in per-CPU caches\n", st.bytes_cached_cpu);
	seq_printf(m, "%14llu bytes free in transfer caches\n", st.bytes_cached_transfer);
	seq_printf(m, "%14llu bytes free in central spans\n", st.bytes_cached_central);
	seq_printf(m, "%14llu bytes free in the page heap\n", st.bytes_free_page_heap);
	seq_printf(m, "%14llu bytes held from the page allocator\n", st.bytes_held);
	seq_printf(m, "%14llu bytes given back since load\n", st.bytes_released_total);
	seq_printf(m, "%14llu allocations (%llu from a CPU's cache alone)\n",
		   st.alloc_total, st.alloc_fastpath);
	seq_printf(m, "%14llu frees (%llu to a CPU's cache alone)\n",
		   st.free_total, st.free_fastpath);
	seq_printf(m, "%14llu large objects allocated, %llu freed\n",
		   st.large_alloc_total, st.large_free_total);
	seq_printf(m, "%14llu frees refused\n\n", st.bad_free_total);
}

static void report_classes(struct seq_file *m)
{
	unsigned int cls;

	seq_printf(m, "%6s %5s %6s %9s %7s %8s %8s %6s %10s %10s %8s %8s\n",
		   "size", "pages", "spans", "in_use", "cpu", "transfer", "central",
		   "util%", "allocs", "frees", "refills", "flushes");
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++) {
		const struct tcmk_class_info *ci = &tcmk_classes[cls];
		struct tcmk_class_stats cs;
		unsigned long slots;

		tcmk_class_stats(cls, &cs);
		if (!cs.spans && !cs.allocs && !cs.cached_cpu && !cs.transfer)
			continue;
		slots = cs.spans * ci->objects;
		seq_printf(m, "%6u %5u %6lu %9lu %7lu %8lu %8lu %6lu %10lu %10lu %8lu %8lu\n",
			   ci->size, ci->pages, cs.spans, cs.in_use, cs.cached_cpu,
			   cs.transfer, cs.free_central,
			   slots ? 100 * cs.in_use / slots : 0, cs.allocs,
			   cs.frees, cs.refills, cs.flushes);
	}
	seq_putc(m, '\n');
}

/* The collector: its totals, then its spans by class. */
static void report_gc(struct seq_file *m)
{
	unsigned long spans, objs;
	struct tcmk_gc_stats st;
	unsigned int cls;

	tcmk_gc_get_stats(&st);
	seq_printf(m, "collector: %s, %llu cycles; heap %llu objects, %llu bytes; last cycle marked %llu bytes\n",
		   st.enabled ? "enabled" : "disabled", st.cycles,
		   st.heap_objects, st.heap_bytes, st.marked_bytes_last);
	seq_printf(m, "  freed %llu objects, %llu bytes; %llu roots, %llu pinned, %llu weak references\n",
		   st.freed_objects_total, st.freed_bytes_total, st.roots,
		   st.pinned, st.weak_refs);
	seq_printf(m, "  last cycle %llu ns (mark %llu, sweep %llu); pauses max %llu ns, total %llu ns; sections max %llu ns\n",
		   st.last_cycle_ns, st.last_mark_ns, st.last_sweep_ns,
		   st.pause_max_ns, st.pause_total_ns, st.section_max_ns);
	seq_printf(m, "  %llu grey-stack overflows, %llu refused calls\n",
		   st.overflows_total, st.bad_calls_total);
	seq_printf(m, "  %8s %6s %9s\n", "size", "spans", "objects");
	for (cls = 0; cls <= TCMK_NR_CLASSES; cls++) {
		tcmk_gc_class_counts(cls, &spans, &objs);
		if (!spans)
			continue;
		if (cls < TCMK_NR_CLASSES)
			seq_printf(m, "  %8u %6lu %9lu\n", tcmk_classes[cls].size,
				   spans, objs);
		else
			seq_printf(m, "  %8s %6lu %9lu\n", "large", spans, objs);
	}
	seq_putc(m, '\n');
}

static int report_show(struct seq_file *m, void *unused)
{
	report_totals(m);
	report_classes(m);
	report_gc(m);
	tcmk_pageheap_report(m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(report);

void __init tcmk_debugfs_init(void)
{
	/* debugfs is optional: without it, tcmk works and sysfs says the same. */
	tcmk_debugfs_dir = debugfs_create_dir("tcmk", NULL);
	debugfs_create_file("report", 0400, tcmk_debugfs_dir, NULL, &report_fops);
	tcmk_fail_debugfs_init(tcmk_debugfs_dir);
	tcmk_sample_debugfs_init(tcmk_debugfs_dir);
}

void tcmk_debugfs_exit(void)
{
	debugfs_remove_recursive(tcmk_debugfs_dir);
	tcmk_fail_debugfs_exit();
}
