/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcmk test harness: the ioctl interface of /dev/tcmk (tcmk_harness.ko).
 *
 * The harness lets root drive tcmk from userspace for tests and demos.
 * Userspace never sees a kernel address: objects are named by handles, small
 * positive integers valid only in the open file that made them, and no
 * command reveals a byte of memory userspace did not write (a new object
 * reads as zeroes). Closing the file frees every object it still holds.
 *
 * Every structure has fixed-size fields, explicit padding and reserved fields
 * that must be zero (-EINVAL otherwise), so that later versions can give them
 * a meaning; new operations get new command numbers. Fields marked out only
 * are ignored on input. Errors:
 *   -ENOTTY	unknown command
 *   -EFAULT	a bad user pointer
 *   -EINVAL	a reserved field not zero, unknown flags, a size, count or slot
 *		out of range; GC_ROOT remove of an object this file has not
 *		rooted, GC_UNPIN of one it holds no pin on
 *   -ENOENT	no object with that handle in this file
 *   -ESTALE	the collector has freed the object a GC handle names, and the
 *		command needs it alive
 *   -EEXIST	GC_ROOT add of an object this file has rooted already
 *   -ENOMEM	tcmk could not allocate (nothing is left allocated)
 *   -ENOSPC	the file holds TCMK_IOC_MAX_HANDLES objects (or GC objects)
 *		already, or TCMK_GC_MAX_PINS pins on one object
 *   -EINTR	a stress run was interrupted by a signal (results so far are
 *		still reported)
 *   -EIO	an object allocated with TCMK_ALLOC_ZERO was not zeroed: a bug
 *		in tcmk (nothing is left allocated)
 */
#ifndef _UAPI_LINUX_TCMK_H
#define _UAPI_LINUX_TCMK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define TCMK_DEVICE		"/dev/tcmk"
#define TCMK_IOC_MAGIC		0xB8

/* Largest object, as tcmk_alloc() serves (4 MiB). */
#define TCMK_IOC_MAX_SIZE	(4ULL << 20)
/* Most objects one TCMK_IOC_ALLOC call makes. */
#define TCMK_IOC_MAX_COUNT	4096
/* Most objects one open file holds at once. */
#define TCMK_IOC_MAX_HANDLES	(1U << 20)

/* Flags of struct tcmk_ioc_alloc. */
#define TCMK_ALLOC_ZERO		(1U << 0)	/* tcmk zeroes (__GFP_ZERO) */
#define TCMK_ALLOC_ATOMIC	(1U << 1)	/* GFP_ATOMIC instead of GFP_KERNEL */
#define TCMK_ALLOC_FLAGS	(TCMK_ALLOC_ZERO | TCMK_ALLOC_ATOMIC)

/**
 * struct tcmk_ioc_alloc - allocate @count objects of @size bytes.
 * @size:	in: bytes per object, 1 to TCMK_IOC_MAX_SIZE.
 * @count:	in: objects, 1 to TCMK_IOC_MAX_COUNT.
 * @flags:	in: TCMK_ALLOC_* flags.
 * @handles:	in: user address of a __u32 array of @count entries, where the
 *		new handles are written.
 * @reserved:	must be zero.
 *
 * All or nothing: on any error no object is left allocated.
 *
 * A new object reads as zeroes, whatever it held before. With
 * TCMK_ALLOC_ZERO tcmk zeroes it (__GFP_ZERO) and the harness checks that
 * it did (-EIO if not); without, the harness zeroes it, so that tcmk's own
 * zeroing (init_on_alloc) is not what keeps old bytes from userspace.
 */
struct tcmk_ioc_alloc {
	__u64 size;
	__u32 count;
	__u32 flags;
	__u64 handles;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_object - one object: TCMK_IOC_FREE and TCMK_IOC_SIZE.
 * @handle:	in: the object.
 * @pad:	must be zero.
 * @size:	out (TCMK_IOC_SIZE): the usable size tcmk reports.
 * @requested:	out (TCMK_IOC_SIZE): the size asked for at allocation.
 * @node:	out (TCMK_IOC_SIZE): the NUMA node of the object's memory.
 * @pad2:	must be zero.
 * @reserved:	must be zero.
 */
struct tcmk_ioc_object {
	__u32 handle;
	__u32 pad;
	__u64 size;
	__u64 requested;
	__u32 node;
	__u32 pad2;
	__u64 reserved;
};

/**
 * struct tcmk_ioc_pattern - TCMK_IOC_FILL and TCMK_IOC_CHECK.
 * @handle:	in: the object.
 * @pad:	must be zero.
 * @seed:	in: the pattern's seed; the same seed gives the same bytes.
 * @bad_bytes:	out (CHECK): bytes of the requested size that differ from
 *		the pattern; 0 when the object is intact.
 * @first_bad:	out (CHECK): offset of the first such byte, if any.
 * @reserved:	must be zero.
 *
 * FILL writes a pattern derived from @seed over the object's requested size;
 * CHECK compares the object against it, in the kernel. Byte i of the pattern
 * is byte i % 8, least significant first, of splitmix64's output for
 * @seed + (i / 8 + 1) * 0x9e3779b97f4a7c15, so tests can recompute it; seed 0
 * is all zeroes, so CHECK with seed 0 tells whether an object is zeroed.
 */
struct tcmk_ioc_pattern {
	__u32 handle;
	__u32 pad;
	__u64 seed;
	__u64 bad_bytes;
	__u64 first_bad;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_stats - TCMK_IOC_STATS: tcmk's global counters, as
 * struct tcmk_stats in <linux/tcmk.h> describes them.
 * @bytes_in_use: bytes of objects handed out and not freed (each counted at
 *		its usable size).
 * @bytes_cached_cpu: bytes of free objects in the per-CPU caches.
 * @bytes_cached_transfer: bytes of free objects in the transfer caches.
 * @bytes_cached_central: bytes of free objects in the central lists' spans.
 * @bytes_free_page_heap: bytes of free pages in the page heap.
 * @bytes_held:	bytes of pages taken from the buddy allocator.
 * @bytes_released_total: bytes given back to the buddy allocator since load.
 * @alloc_total: objects allocated since load.
 * @free_total:	objects freed since load.
 * @alloc_fastpath: allocations served by a CPU's cache alone.
 * @alloc_slowpath: allocations that refilled a cache, and large ones.
 * @free_fastpath: frees kept by a CPU's cache alone.
 * @free_slowpath: frees that flushed a cache, and large ones.
 * @large_alloc_total: objects above the largest size class allocated.
 * @large_free_total: such objects freed.
 * @bad_free_total: pointers tcmk_free() refused.
 * @reserved:	must be zero on input; zero on output.
 */
struct tcmk_ioc_stats {
	__u64 bytes_in_use;
	__u64 bytes_cached_cpu;
	__u64 bytes_cached_transfer;
	__u64 bytes_cached_central;
	__u64 bytes_free_page_heap;
	__u64 bytes_held;
	__u64 bytes_released_total;
	__u64 alloc_total;
	__u64 free_total;
	__u64 alloc_fastpath;
	__u64 alloc_slowpath;
	__u64 free_fastpath;
	__u64 free_slowpath;
	__u64 large_alloc_total;
	__u64 large_free_total;
	__u64 bad_free_total;
	__u64 reserved[8];
};

/* Most threads per CPU and longest run of TCMK_IOC_STRESS. */
#define TCMK_STRESS_MAX_THREADS	8
#define TCMK_STRESS_MAX_NS	(60ULL * 1000 * 1000 * 1000)

/**
 * struct tcmk_ioc_stress - TCMK_IOC_STRESS: kernel threads on every online CPU
 * allocate and free objects of random sizes, fill each with a pattern of its
 * own and check it before freeing.
 * @threads_per_cpu: in: 1 to TCMK_STRESS_MAX_THREADS.
 * @cross_cpu_pct: in: percent (0 to 100) of objects handed to another
 *		thread to free.
 * @duration_ns: in: how long to run, at most TCMK_STRESS_MAX_NS; 0 runs
 *		@ops operations per thread instead.
 * @ops:	in: operations per thread when @duration_ns is 0 (1 to
 *		2^32), else 0; out: operations done by all threads. An
 *		operation is one object allocated, filled, checked and freed.
 * @min_size:	in: smallest object, at least 1.
 * @max_size:	in: largest object, at least @min_size, at most
 *		TCMK_IOC_MAX_SIZE.
 * @seed:	in: seed of the threads' random choices.
 * @errors:	out: corrupted objects found plus failed allocations.
 * @elapsed_ns:	out: wall time of the run.
 * @failed:	out: failed allocations (counted in @errors too): under
 *		fault injection, the only errors there should be. The
 *		threads fail as their caller would: they take its
 *		/proc/<pid>/make-it-fail (fault injection's task-filter).
 * @reserved:	must be zero.
 *
 * Every object is freed before the call returns. A signal ends the run
 * early with -EINTR; @ops, @errors, @elapsed_ns and @failed are still
 * written back.
 */
struct tcmk_ioc_stress {
	__u32 threads_per_cpu;
	__u32 cross_cpu_pct;
	__u64 duration_ns;
	__u64 ops;
	__u64 min_size;
	__u64 max_size;
	__u64 seed;
	__u64 errors;
	__u64 elapsed_ns;
	__u64 failed;
	__u64 reserved[3];
};

#define TCMK_IOC_ALLOC	_IOWR(TCMK_IOC_MAGIC, 1, struct tcmk_ioc_alloc)
#define TCMK_IOC_FREE	_IOW(TCMK_IOC_MAGIC, 2, struct tcmk_ioc_object)
#define TCMK_IOC_FILL	_IOW(TCMK_IOC_MAGIC, 3, struct tcmk_ioc_pattern)
#define TCMK_IOC_CHECK	_IOWR(TCMK_IOC_MAGIC, 4, struct tcmk_ioc_pattern)
#define TCMK_IOC_SIZE	_IOWR(TCMK_IOC_MAGIC, 5, struct tcmk_ioc_object)
#define TCMK_IOC_STATS	_IOWR(TCMK_IOC_MAGIC, 6, struct tcmk_ioc_stats)
#define TCMK_IOC_STRESS	_IOWR(TCMK_IOC_MAGIC, 7, struct tcmk_ioc_stress)

/*
 * The collector (TCMK_IOC_GC_*): the harness allocates collected objects
 * (tcmk_gc_alloc()), links, roots and pins them, and asks which are still
 * alive after a collection.
 *
 * A collected object is named by a GC handle. GC handles are numbered apart
 * from the handles of TCMK_IOC_ALLOC (both from 1, in the same open file):
 * a plain command never takes a GC handle, nor a GC command a plain one.
 * A GC handle does not keep its object alive: it holds a weak reference, so
 * once the collector frees the object the handle is dead, and every command
 * but GC_ALIVE (which reports it dead) answers -ESTALE. A handle stays
 * valid, alive or dead, until the file is closed.
 *
 * An object is nslots pointer slots (8 bytes each, NULL when new), then
 * payload bytes the harness fills with words that cannot be kernel
 * addresses, so that only the slots hold pointers. A precise object's type
 * names its slots; a conservative one (TCMK_GC_CONSERVATIVE) has no type and
 * the collector scans all its words. A new object is garbage, and the next
 * collection frees it, unless it is rooted, pinned or linked from a reachable
 * object first (or allocated with TCMK_GC_PINNED).
 *
 * Roots and pins belong to the file: closing it removes its roots, drops its
 * pins and frees its weak references, and what no longer reaches a root is
 * freed by the next collection. Only objects of one file can be linked to
 * each other, so after the close everything the file made is garbage.
 */

/* Most pointer slots of a GC object. */
#define TCMK_GC_MAX_SLOTS	64
/* Most handles one TCMK_IOC_GC_ALIVE call asks about. */
#define TCMK_GC_MAX_ALIVE	4096
/*
 * Most pins one open file holds on one object: a file can only name its own
 * objects, so userspace cannot run a collector's pin count up without bound.
 */
#define TCMK_GC_MAX_PINS	1024

/* Flags of struct tcmk_ioc_gc_alloc. */
#define TCMK_GC_CONSERVATIVE	(1U << 0)	/* no type: scan every word */
#define TCMK_GC_PINNED		(1U << 1)	/* keep the new object pinned */
#define TCMK_GC_ALLOC_FLAGS	(TCMK_GC_CONSERVATIVE | TCMK_GC_PINNED)

/**
 * struct tcmk_ioc_gc_alloc - TCMK_IOC_GC_ALLOC: one collected object.
 * @nslots:	in: pointer slots, 0 to TCMK_GC_MAX_SLOTS.
 * @flags:	in: TCMK_GC_* allocation flags. TCMK_GC_PINNED keeps the pin
 *		the object is born with as one of this file's pins (as if
 *		GC_PIN followed), so that no collection can free it first.
 * @payload:	in: bytes after the slots; 8 * @nslots + @payload is 1 to
 *		TCMK_IOC_MAX_SIZE.
 * @handle:	out: the object's GC handle.
 * @pad:	must be zero.
 * @reserved:	must be zero.
 *
 * A failed call leaves at most an unreachable object, which the next
 * collection frees.
 */
struct tcmk_ioc_gc_alloc {
	__u32 nslots;
	__u32 flags;
	__u64 payload;
	__u32 handle;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_gc_link - TCMK_IOC_GC_LINK: store a pointer in a slot.
 * @src:	in: the object whose slot is written.
 * @slot:	in: the slot, below the object's nslots.
 * @dst:	in: the object to point to, or 0 to store NULL.
 * @pad:	must be zero.
 * @reserved:	must be zero.
 *
 * Both objects must be alive (-ESTALE otherwise). @dst may be @src.
 */
struct tcmk_ioc_gc_link {
	__u32 src;
	__u32 slot;
	__u32 dst;
	__u32 pad;
	__u64 reserved[2];
};

/* Operations of struct tcmk_ioc_gc_root. */
#define TCMK_GC_ROOT_ADD	1
#define TCMK_GC_ROOT_DEL	2

/**
 * struct tcmk_ioc_gc_root - TCMK_IOC_GC_ROOT: make an object a root of
 * this file (a registered root slot holding it), or stop.
 * @handle:	in: the object.
 * @op:		in: TCMK_GC_ROOT_ADD (-ESTALE if it is dead, -EEXIST if this
 *		file has rooted it already) or TCMK_GC_ROOT_DEL (-EINVAL if
 *		this file has not).
 * @reserved:	must be zero.
 */
struct tcmk_ioc_gc_root {
	__u32 handle;
	__u32 op;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_gc_pin - TCMK_IOC_GC_PIN and TCMK_IOC_GC_UNPIN.
 * @handle:	in: the object; it must be alive.
 * @pad:	must be zero.
 * @pins:	out: pins this file holds on the object after the call.
 * @reserved:	must be zero.
 *
 * Pins nest. UNPIN drops one of this file's pins: -EINVAL if it holds none
 * (pins taken by others are not this file's to drop).
 */
struct tcmk_ioc_gc_pin {
	__u32 handle;
	__u32 pad;
	__u64 pins;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_gc_collect - TCMK_IOC_GC_COLLECT: run a full collection
 * (tcmk_gc_collect()) and wait for it.
 * @cycles:	out: collections completed since tcmk was loaded, after this
 *		one; unchanged if the collector is disabled (sysfs gc/enabled).
 * @freed_objects: out: objects freed while the call ran.
 * @freed_bytes: out: their bytes, at their size class.
 * @reserved:	must be zero.
 *
 * The freed counts are the difference of the collector's totals around the
 * call: exact unless another collection ran at the same time.
 */
struct tcmk_ioc_gc_collect {
	__u64 cycles;
	__u64 freed_objects;
	__u64 freed_bytes;
	__u64 reserved[4];
};

/* Flags of struct tcmk_ioc_gc_alive. */
#define TCMK_GC_ALIVE_CHECK	(1U << 0)	/* also check the live objects */
#define TCMK_GC_ALIVE_FLAGS	TCMK_GC_ALIVE_CHECK

/**
 * struct tcmk_ioc_gc_alive - TCMK_IOC_GC_ALIVE: which objects are alive.
 * @handles:	in: user address of a __u32 array of @count GC handles
 *		(repeats allowed; an unknown one fails the call, -ENOENT).
 * @bitmap:	in: user address of (@count + 63) / 64 __u64 words; bit i % 64
 *		of word i / 64 is set if the object of handles[i] is alive.
 * @count:	in: handles, 1 to TCMK_GC_MAX_ALIVE.
 * @flags:	in: TCMK_GC_ALIVE_CHECK checks that each live object still
 *		holds what the harness wrote: its payload's words, and in each
 *		slot the object last linked there (or NULL).
 * @alive:	out: bits set.
 * @corrupt:	out (TCMK_GC_ALIVE_CHECK): live objects that failed the check.
 * @reserved:	must be zero.
 */
struct tcmk_ioc_gc_alive {
	__u64 handles;
	__u64 bitmap;
	__u32 count;
	__u32 flags;
	__u32 alive;
	__u32 corrupt;
	__u64 reserved[2];
};

/**
 * struct tcmk_ioc_gc_stats - TCMK_IOC_GC_STATS: the collector's state and
 * counters, as struct tcmk_gc_stats in <linux/tcmk.h> describes them.
 * @enabled:	1 if collections run.
 * @cycles:	collections completed since load.
 * @heap_bytes:	bytes of collected objects allocated and not yet swept, at
 *		their size class.
 * @heap_objects: such objects.
 * @marked_bytes_last: bytes found reachable by the last collection.
 * @freed_objects_total: objects swept since load.
 * @freed_bytes_total: their bytes.
 * @roots:	registered root slots.
 * @pinned:	objects with at least one pin.
 * @weak_refs:	weak references in existence.
 * @overflows_total: objects the grey list had no room for, since load; each
 *		was marked and its span rescanned.
 * @last_cycle_ns: duration of the last collection.
 * @last_mark_ns: of its marking.
 * @last_sweep_ns: of its sweeping.
 * @pause_max_ns: longest pause: a collection pauses twice, to turn marking on
 *		and to end it, and mutators that shade an object or read a weak
 *		reference meanwhile wait; nothing else stops.
 * @pause_total_ns: sum of the pauses.
 * @bad_calls_total: calls refused as misuse (unpinning an object that is not
 *		pinned, a pointer that is not a live collected object, an
 *		invalid type, a finalizer that made its object reachable
 *		again), each also logged.
 * @finalizers_run_total: finalizers run since load.
 * @heap_goal:	the pacer's goal: a cycle starts in the background when
 *		@heap_bytes reaches it (all ones: never).
 * @cycles_paced: of @cycles, those the pacer started.
 * @assist_bytes_total: bytes of objects scanned by allocating mutators helping
 *		a collection that fell behind the pacer, since load.
 * @mark_workers: threads marking now: the collector's worker and mutators
 *		assisting it.
 * @reserved:	must be zero on input; zero on output.
 */
struct tcmk_ioc_gc_stats {
	__u64 enabled;
	__u64 cycles;
	__u64 heap_bytes;
	__u64 heap_objects;
	__u64 marked_bytes_last;
	__u64 freed_objects_total;
	__u64 freed_bytes_total;
	__u64 roots;
	__u64 pinned;
	__u64 weak_refs;
	__u64 overflows_total;
	__u64 last_cycle_ns;
	__u64 last_mark_ns;
	__u64 last_sweep_ns;
	__u64 pause_max_ns;
	__u64 pause_total_ns;
	__u64 bad_calls_total;
	__u64 finalizers_run_total;
	__u64 heap_goal;
	__u64 cycles_paced;
	__u64 assist_bytes_total;
	__u64 mark_workers;
	__u64 reserved[2];
};

#define TCMK_IOC_GC_ALLOC	_IOWR(TCMK_IOC_MAGIC, 8, struct tcmk_ioc_gc_alloc)
#define TCMK_IOC_GC_LINK	_IOW(TCMK_IOC_MAGIC, 9, struct tcmk_ioc_gc_link)
#define TCMK_IOC_GC_ROOT	_IOW(TCMK_IOC_MAGIC, 10, struct tcmk_ioc_gc_root)
#define TCMK_IOC_GC_PIN		_IOWR(TCMK_IOC_MAGIC, 11, struct tcmk_ioc_gc_pin)
#define TCMK_IOC_GC_UNPIN	_IOWR(TCMK_IOC_MAGIC, 12, struct tcmk_ioc_gc_pin)
#define TCMK_IOC_GC_COLLECT	_IOWR(TCMK_IOC_MAGIC, 13, struct tcmk_ioc_gc_collect)
#define TCMK_IOC_GC_ALIVE	_IOWR(TCMK_IOC_MAGIC, 14, struct tcmk_ioc_gc_alive)
#define TCMK_IOC_GC_STATS	_IOWR(TCMK_IOC_MAGIC, 15, struct tcmk_ioc_gc_stats)

/*
 * kmemleak (TCMK_IOC_KMEMLEAK): objects planted for a test that kmemleak
 * reports a tcmk object nothing points to, and nothing that a live tcmk
 * object or a reachable collected object points to.
 */
#define TCMK_KMEMLEAK_PLANT	1
#define TCMK_KMEMLEAK_REMOVE	2

/**
 * struct tcmk_ioc_kmemleak - TCMK_IOC_KMEMLEAK: plant the objects, or free
 * them. They belong to the module, not to the open file, and only one set
 * exists at a time.
 * @op:		TCMK_KMEMLEAK_PLANT: allocate, in harness_kmemleak_lost(), a
 *		tcmk object nothing points to (kmemleak must report it, with
 *		that function in its backtrace), and, in
 *		harness_kmemleak_kept(), two kmalloc() objects, one pointed to
 *		only by a live tcmk object and one only by a rooted collected
 *		object (kmemleak must not report them). -EBUSY if planted.
 *		TCMK_KMEMLEAK_REMOVE: free all of them; -ENOENT if none.
 *		-EOPNOTSUPP for both on a kernel without CONFIG_DEBUG_KMEMLEAK.
 * @pad:	zero.
 * @reserved:	zero.
 */
struct tcmk_ioc_kmemleak {
	__u32 op;
	__u32 pad;
	__u64 reserved[2];
};

#define TCMK_IOC_KMEMLEAK	_IOW(TCMK_IOC_MAGIC, 16, struct tcmk_ioc_kmemleak)

#endif /* _UAPI_LINUX_TCMK_H */
