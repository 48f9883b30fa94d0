/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk: where the kernels tcmk builds for differ, and nowhere else.
 *
 * tcmk builds from one tree for every kernel from Linux 6.1 to 7.3 (Kbuild
 * refuses any other, naming it). The code is written against the newest
 * interfaces; this header gives older kernels the same names, so that no
 * layer tests a kernel version. Where the kernel itself defines a name when
 * it has the feature, the test is for that name; otherwise for the version
 * that brought the change, named beside it.
 */
#ifndef _TCMK_COMPAT_H
#define _TCMK_COMPAT_H

#include <linux/dcache.h>
#include <linux/fault-inject.h>
#include <linux/hrtimer.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <linux/workqueue.h>

/*
 * The size classes, spans and the page map are laid out for 4 KiB pages
 * (module/mksizeclasses.c); another page size would need another table.
 */
#if PAGE_SHIFT != 12
#error "tcmk needs 4 KiB pages (CONFIG_PAGE_SIZE_4KB / PAGE_SHIFT 12)"
#endif

/*
 * Symbol namespaces: from 6.13 EXPORT_SYMBOL_NS_GPL() and MODULE_IMPORT_NS()
 * take a string literal; before, a bare name that they stringify.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define TCMK_NS_INTERNAL	"TCMK_INTERNAL"
#else
#define TCMK_NS_INTERNAL	TCMK_INTERNAL
#endif

/*
 * lockdep_assert_cpus_held() is exported to modules from about 6.14 (7.3
 * exports it; 6.1 and 6.12 do not). Before 7.0 tcmk checks nothing rather
 * than guess the release.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
#define tcmk_lockdep_assert_cpus_held()	do { } while (0)
#else
#define tcmk_lockdep_assert_cpus_held()	lockdep_assert_cpus_held()
#endif

/*
 * Shrinkers: since 6.7 the kernel allocates them (shrinker_alloc(),
 * shrinker_register(), shrinker_free()); before, the caller embedded one and
 * registered it. Either way tcmk holds a pointer.
 */
static inline struct shrinker *
tcmk_shrinker_create(const char *name, unsigned int flags,
		     unsigned long (*count)(struct shrinker *, struct shrink_control *),
		     unsigned long (*scan)(struct shrinker *, struct shrink_control *))
{
	struct shrinker *s;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	s = shrinker_alloc(flags, "%s", name);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	s->flags = flags;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
#endif
	return s;
}

static inline void tcmk_shrinker_destroy(struct shrinker *s)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(s);
#endif
}

/*
 * Since 6.17 a workqueue says whether it is per-CPU (WQ_PERCPU) or unbound;
 * one that says neither is made per-CPU with a warning. Before, per-CPU was
 * what saying nothing meant.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
#define WQ_PERCPU	0
#endif

/*
 * MPOL_WEIGHTED_INTERLEAVE came in 6.9. Before, no policy has the mode that
 * stands in for it: MPOL_MAX is past the last.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 9, 0)
#define TCMK_MPOL_WEIGHTED_INTERLEAVE	MPOL_WEIGHTED_INTERLEAVE
#else
#define TCMK_MPOL_WEIGHTED_INTERLEAVE	MPOL_MAX
#endif

/* hrtimer_setup() sets the callback with the clock and mode since 6.13. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
static inline void hrtimer_setup(struct hrtimer *timer,
				 enum hrtimer_restart (*function)(struct hrtimer *),
				 clockid_t clock_id, enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock_id, mode);
	timer->function = function;
}
#endif

/*
 * kmalloc_obj() and kzalloc_obj() (7.0) size the allocation from the type
 * they return. tcmk always passes the flags.
 */
#ifndef kmalloc_obj
#define kmalloc_obj(VAR_OR_TYPE, GFP) \
	kmalloc(sizeof(VAR_OR_TYPE), GFP)
#endif
#ifndef kzalloc_obj
#define kzalloc_obj(VAR_OR_TYPE, GFP) \
	kzalloc(sizeof(VAR_OR_TYPE), GFP)
#endif

/*
 * A kmem_cache SLUB must not merge with another: SLAB_NO_MERGE since 6.5.
 * Before, SLAB_NOLEAKTRACE, which only matters with kmemleak and keeps a
 * cache from being merged; not where SLAB_NO_MERGE exists, for since 7.0
 * SLUB gives SLAB_NOLEAKTRACE caches no per-CPU sheaves.
 */
#ifdef SLAB_NO_MERGE
#define TCMK_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define TCMK_SLAB_NO_MERGE	SLAB_NOLEAKTRACE
#endif

/* from_timer() became timer_container_of() in 6.16. */
#ifndef timer_container_of
#define timer_container_of(var, callback_timer, timer_fieldname) \
	from_timer(var, callback_timer, timer_fieldname)
#endif

/*
 * Until 7.x, fault_create_debugfs_attr() kept a reference to the directory
 * it made, in attr->dname, for its owner to drop; since, attr->dname holds
 * the name (FAULT_ATTR_DNAME_LEN bytes) and nothing is kept.
 */
#ifdef CONFIG_FAULT_INJECTION
static inline void tcmk_fault_attr_put(struct fault_attr *attr)
{
#ifndef FAULT_ATTR_DNAME_LEN
	dput(attr->dname);
	attr->dname = NULL;
#endif
}
#endif

/*
 * The stack depot, for debug mode's U and the heap profile's stacks: in
 * every kernel tcmk supports, but only where CONFIG_STACKDEPOT is on
 * (Debian's kernels and the test kernels have it: something else selects
 * it, a user cannot). Without it, tcmk_stack_depot_init() fails: U refuses
 * the load, and the profile keeps each sample's call site alone (sample.c).
 * A handle is a u32, depot_stack_handle_t on every kernel that has one; 0
 * means no stack.
 */
#ifdef CONFIG_STACKDEPOT
#include <linux/stackdepot.h>
/*
 * Before a module may save a stack, unless the kernel set the depot up at
 * boot (CONFIG_STACKDEPOT_ALWAYS_INIT): process context, may sleep. Fails if
 * the depot cannot allocate its table; true if it was turned off at boot
 * (stack_depot_disable=on), for then saving gives 0 and is harmless.
 */
static inline bool tcmk_stack_depot_init(void)
{
	return !stack_depot_init();
}

/*
 * Save @n @entries in the depot. With @can_alloc, the depot may take new
 * pages with @gfp when its own run out; without, it never calls the page
 * allocator, and saves a stack it has not seen only if its current pages
 * have room. Since 6.8 stack_depot_save_flags() says so with
 * STACK_DEPOT_FLAG_CAN_ALLOC; before, __stack_depot_save() with a bool. No
 * reference is taken (STACK_DEPOT_FLAG_GET): the stack stays in the depot
 * for good. Return: the handle, or 0 if the depot had no room.
 */
static inline u32 tcmk_stack_depot_save(unsigned long *entries, unsigned int n,
					gfp_t gfp, bool can_alloc)
{
#ifdef STACK_DEPOT_FLAG_CAN_ALLOC
	return stack_depot_save_flags(entries, n, gfp,
				      can_alloc ? STACK_DEPOT_FLAG_CAN_ALLOC : 0);
#else
	return __stack_depot_save(entries, n, 0, gfp, can_alloc);
#endif
}

/*
 * Any context: never waits for memory, and in hardirq context never calls
 * the page allocator, which tcmk does not call there (tcmk.h); may record
 * nothing.
 */
static inline u32 tcmk_stack_save(unsigned long *entries, unsigned int n)
{
	return tcmk_stack_depot_save(entries, n, GFP_NOWAIT | __GFP_NOWARN,
				     !in_hardirq());
}

/* The frames of @handle, not 0: never freed, read with no lock. */
static inline unsigned int tcmk_stack_fetch(u32 handle, unsigned long **entries)
{
	return stack_depot_fetch(handle, entries);
}

static inline void tcmk_stack_print(u32 handle)
{
	stack_depot_print(handle);
}
#else
static inline bool tcmk_stack_depot_init(void)
{
	return false;
}

static inline u32 tcmk_stack_save(unsigned long *entries, unsigned int n)
{
	return 0;
}

static inline u32 tcmk_stack_depot_save(unsigned long *entries, unsigned int n,
					gfp_t gfp, bool can_alloc)
{
	return 0;
}

static inline unsigned int tcmk_stack_fetch(u32 handle, unsigned long **entries)
{
	*entries = NULL;
	return 0;
}

static inline void tcmk_stack_print(u32 handle)
{
}
#endif

#endif /* _TCMK_COMPAT_H */
