/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk's statistics, one line each, so that the places that list them all
 * are generated from one list, as arch/x86's kvm-x86-ops.h lists KVM's
 * operations:
 *
 *   TCMK_STAT(name)	a counter of struct tcmk_stats (<linux/tcmk.h>) and of
 *			struct tcmk_ioc_stats (<uapi/linux/tcmk.h>), and a
 *			file of /sys/kernel/tcmk/.
 *   TCMK_GC_STAT(name)	a value of struct tcmk_gc_stats and of struct
 *			tcmk_ioc_gc_stats, and a file of /sys/kernel/tcmk/gc/.
 *			Both structures start with @enabled, which is not
 *			here: its file is a knob, written as well as read.
 *
 * The order is the structures': harness.c checks at build time that each
 * line's field is at its place in all four, and that they hold nothing else
 * before their reserved words or their fields that the ioctl does not
 * report. It is also the order of tcmkctl's output. The structures are
 * written out, because their kernel-doc says what each field means.
 *
 * A size class's figures, the files of /sys/kernel/tcmk/classes/<size>/,
 * each named @file there and @field in its structure:
 *
 *   TCMK_CLASS_INFO(file, field)	a field of the class's line of the
 *			size-class table, struct tcmk_class_info (tcmk.h).
 *   TCMK_CLASS_STAT(file, field)	a field of struct tcmk_class_stats
 *			(tcmk.h).
 *   TCMK_CLASS_CPU_STAT(file, field)	the same, whose file adds each
 *			CPU's share: "SUM C<cpu>=<n>...".
 *
 * Their order is the files' in the directory, the columns' of tcmkstat's
 * JSON, and struct tcmk_class_stats's: stats.c checks at build time that
 * the class statistics are that structure's fields, all of them, in order.
 *
 * A user defines the macros it needs and includes this file, which has no
 * include guard and undefines them all at its end; a macro left undefined
 * lists nothing. Plain C with no includes: tcmkctl and tcmkstat use it too.
 */
#ifndef TCMK_STAT
#define TCMK_STAT(name)
#endif
#ifndef TCMK_GC_STAT
#define TCMK_GC_STAT(name)
#endif
#ifndef TCMK_CLASS_INFO
#define TCMK_CLASS_INFO(file, field)
#endif
#ifndef TCMK_CLASS_STAT
#define TCMK_CLASS_STAT(file, field)
#endif
#ifndef TCMK_CLASS_CPU_STAT
#define TCMK_CLASS_CPU_STAT(file, field)
#endif

TCMK_STAT(bytes_in_use)
TCMK_STAT(bytes_cached_cpu)
TCMK_STAT(bytes_cached_transfer)
TCMK_STAT(bytes_cached_central)
TCMK_STAT(bytes_free_page_heap)
TCMK_STAT(bytes_held)
TCMK_STAT(bytes_released_total)
TCMK_STAT(alloc_total)
TCMK_STAT(free_total)
TCMK_STAT(alloc_fastpath)
TCMK_STAT(alloc_slowpath)
TCMK_STAT(free_fastpath)
TCMK_STAT(free_slowpath)
TCMK_STAT(large_alloc_total)
TCMK_STAT(large_free_total)
TCMK_STAT(bad_free_total)

TCMK_GC_STAT(cycles)
TCMK_GC_STAT(heap_bytes)
TCMK_GC_STAT(heap_objects)
TCMK_GC_STAT(marked_bytes_last)
TCMK_GC_STAT(freed_objects_total)
TCMK_GC_STAT(freed_bytes_total)
TCMK_GC_STAT(roots)
TCMK_GC_STAT(pinned)
TCMK_GC_STAT(weak_refs)
TCMK_GC_STAT(overflows_total)
TCMK_GC_STAT(last_cycle_ns)
TCMK_GC_STAT(last_mark_ns)
TCMK_GC_STAT(last_sweep_ns)
TCMK_GC_STAT(pause_max_ns)
TCMK_GC_STAT(pause_total_ns)
TCMK_GC_STAT(bad_calls_total)
TCMK_GC_STAT(finalizers_run_total)
TCMK_GC_STAT(heap_goal)
TCMK_GC_STAT(cycles_paced)
TCMK_GC_STAT(assist_bytes_total)
TCMK_GC_STAT(mark_workers)

TCMK_CLASS_INFO(size, size)
TCMK_CLASS_INFO(pages_per_span, pages)
TCMK_CLASS_INFO(objects_per_span, objects)
TCMK_CLASS_INFO(batch, batch)
TCMK_CLASS_STAT(spans, spans)
TCMK_CLASS_STAT(objects_in_use, in_use)
TCMK_CLASS_CPU_STAT(objects_cached_cpu, cached_cpu)
TCMK_CLASS_STAT(objects_cpu_capacity, cpu_capacity)
TCMK_CLASS_STAT(objects_in_transfer, transfer)
TCMK_CLASS_STAT(objects_free_central, free_central)
TCMK_CLASS_STAT(alloc_total, allocs)
TCMK_CLASS_STAT(free_total, frees)
TCMK_CLASS_STAT(refills, refills)
TCMK_CLASS_STAT(flushes, flushes)

#undef TCMK_STAT
#undef TCMK_GC_STAT
#undef TCMK_CLASS_INFO
#undef TCMK_CLASS_STAT
#undef TCMK_CLASS_CPU_STAT
