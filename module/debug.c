// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk debug mode, in the style of slub_debug: red zones, poisoning, checks
 * of every free, and who allocated and freed an object.
 *
 * The letters of the module parameter debug= turn it on at load, and only
 * at load: F (sanity checks of every free), Z (red zones), P (poisoning), U
 * (allocation and free tracking). In debug mode every per-CPU stack keeps a
 * capacity of 0 (see cache_grow() in cpucache.c), so every tcmk_alloc()
 * misses into tcmk_alloc_slow() and every tcmk_free() finds its stack full
 * and goes to tcmk_free_slow(): the hooks live in those slow paths only, and
 * the fast paths are the same instructions whether debug mode is on or not.
 * In debug mode the slow paths take one object from the class's shared
 * layers and give it straight back there, never through a CPU's stack.
 *
 * An object of @size bytes is laid out in the class of @size + a red zone +
 * struct tcmk_debug_meta:
 *
 *   [0, size)            the caller's bytes; poisoned while free, but for the
 *                        first word, the span's free list link
 *   [size, meta)         red zone, 0xcc while allocated (Z)
 *   [meta, class size)   struct tcmk_debug_meta
 *
 * The state word of the metadata says whether the object is allocated or
 * free; anything else means it has never been allocated since its span was
 * made. It is the magic value xor the object's address, so that a stale
 * word left by another class in recycled pages is not taken for a state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kmemleak.h>
#include <linux/module.h>
#include <linux/poison.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include "debug.h"
#include "pageheap.h"
#include "tcmk.h"

static char *debug_letters = "";
module_param_named(debug, debug_letters, charp, 0400);
MODULE_PARM_DESC(debug, "Debug mode, slub_debug's letters: F checks, Z red zones, P poisoning, U tracking (default off)");

/* The letters in force, TCMK_DEBUG_*; 0 is off. Set once, at load. */
unsigned int tcmk_debug_flags __read_mostly;
TCMK_EXPORT_FOR_TESTS(tcmk_debug_flags);

/* Errors found since load, by enum tcmk_debug_error. */
atomic_long_t tcmk_debug_errors[TCMK_DEBUG_NR_ERRORS];
TCMK_EXPORT_FOR_TESTS(tcmk_debug_errors);

const char *const tcmk_debug_error_names[TCMK_DEBUG_NR_ERRORS] = {
	[TCMK_DEBUG_REDZONE]		= "redzone",
	[TCMK_DEBUG_POISON]		= "poison",
	[TCMK_DEBUG_DOUBLE_FREE]	= "double_free",
	[TCMK_DEBUG_INVALID_FREE]	= "invalid_free",
};
static_assert(ARRAY_SIZE(tcmk_debug_error_names) == TCMK_DEBUG_NR_ERRORS);

/*
 * Serialises what debug mode reads and writes in objects: the state and
 * tracks of an object as it is allocated or freed, its poison as it is
 * written, and tcmk_debug_validate()'s walk, which must not see an object
 * between its state and its poison. Taken with interrupts disabled (frees
 * come from hardirq context); never held with a transfer or central lock;
 * validate takes tcmk_pageheap_lock under it. Debug mode is slow by choice:
 * one lock for all classes is what keeps it simple.
 */
static DEFINE_RAW_SPINLOCK(tcmk_debug_lock);

#define TCMK_DEBUG_ALLOCATED	0x6b6d6374616c6c6fUL
#define TCMK_DEBUG_FREE		0x6b6d637466726565UL
#define TCMK_DEBUG_REDZONE_LEN	8
#define TCMK_DEBUG_STACK_DEPTH	16

/**
 * struct tcmk_debug_track - who last allocated or freed an object (U), as
 * SLUB's struct track.
 * @when:	jiffies then.
 * @handle:	the stack trace, in the stack depot; 0 if none.
 * @cpu:	the CPU it ran on.
 * @pid:	the task's pid.
 */
struct tcmk_debug_track {
	unsigned long when;
	u32 handle;
	int cpu;
	int pid;
};

/**
 * struct tcmk_debug_meta - what debug mode keeps at the end of an object.
 * @state:	TCMK_DEBUG_ALLOCATED or TCMK_DEBUG_FREE, xor the object's
 *		address; anything else: never allocated.
 * @size:	the size the object was allocated for.
 * @alloc:	the last allocation (U).
 * @free:	the last free (U).
 */
struct tcmk_debug_meta {
	unsigned long state;
	size_t size;
	struct tcmk_debug_track alloc;
	struct tcmk_debug_track free;
};

static size_t debug_overhead(void)
{
	return (tcmk_debug_flags & TCMK_DEBUG_Z ? TCMK_DEBUG_REDZONE_LEN : 0) +
	       sizeof(struct tcmk_debug_meta);
}

static struct tcmk_debug_meta *meta_of(unsigned int cls, void *obj)
{
	return obj + tcmk_classes[cls].size - sizeof(struct tcmk_debug_meta);
}

static unsigned long state_of(const struct tcmk_debug_meta *meta,
			      const void *obj)
{
	return READ_ONCE(meta->state) ^ (unsigned long)obj;
}

/*
 * The caller's stack, in the stack depot: before tcmk_debug_lock is taken,
 * for the depot may take locks of its own and allocate, which a raw
 * spinlock must not be held across. 0 without U.
 */
static u32 save_stack(void)
{
	unsigned long entries[TCMK_DEBUG_STACK_DEPTH];
	unsigned int n;

	if (!(tcmk_debug_flags & TCMK_DEBUG_U))
		return 0;
	n = stack_trace_save(entries, ARRAY_SIZE(entries), 1);
	return tcmk_stack_save(entries, n);
}

static void set_track(struct tcmk_debug_track *t, u32 handle)
{
	t->handle = handle;
	t->when = jiffies;
	t->cpu = raw_smp_processor_id();
	t->pid = current->pid;
}

static void print_track(const char *what, const struct tcmk_debug_track *t)
{
	if (!t->when)
		return;
	pr_err("%s by pid %d on cpu %d %lu jiffies ago:\n", what, t->pid,
	       t->cpu, jiffies - t->when);
	if (t->handle)
		tcmk_stack_print(t->handle);
}

/*
 * One report per error: the first line names it (the format the tests and
 * users grep for), then with U the object's last allocation and free.
 * Objects are printed with %p: hashed, never the raw address.
 */
static __printf(5, 6) void report(enum tcmk_debug_error err, unsigned int cls,
				  const void *obj,
				  const struct tcmk_debug_meta *meta,
				  const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	atomic_long_inc(&tcmk_debug_errors[err]);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (cls < TCMK_NR_CLASSES)
		pr_err("%u-byte object %p: %pV\n", tcmk_classes[cls].size, obj,
		       &vaf);
	else
		pr_err("object %p: %pV\n", obj, &vaf);
	va_end(args);
	if (meta && (tcmk_debug_flags & TCMK_DEBUG_U)) {
		print_track("Allocated", &meta->alloc);
		print_track("Freed", &meta->free);
	}
}

/* The first byte of [@from, @to) of @obj that is not @val, or @to. */
static size_t first_not(const void *obj, size_t from, size_t to, u8 val)
{
	const u8 *p = obj;

	for (; from < to; from++)
		if (p[from] != val)
			return from;
	return to;
}

static size_t meta_offset(unsigned int cls)
{
	return tcmk_classes[cls].size - sizeof(struct tcmk_debug_meta);
}

/* Z: the red zone of an allocated object; reported and restored. */
static void check_redzone(unsigned int cls, void *obj,
			  struct tcmk_debug_meta *meta)
{
	size_t end = meta_offset(cls), size = meta->size, bad;

	if (size > end)
		return;
	bad = first_not(obj, size, end, SLUB_RED_ACTIVE);
	if (bad == end)
		return;
	report(TCMK_DEBUG_REDZONE, cls, obj, meta,
	       "Redzone overwritten at offset %zu (0x%02x instead of 0x%02x)",
	       bad, ((u8 *)obj)[bad], SLUB_RED_ACTIVE);
	memset(obj + size, SLUB_RED_ACTIVE, end - size);
}

/*
 * P: what a free object holds, [0, size) but its first word (the span's
 * free list link): POISON_FREE and the last byte POISON_END.
 */
static void poison(void *obj, size_t size)
{
	if (size <= sizeof(void *))
		return;
	memset(obj + sizeof(void *), POISON_FREE, size - 1 - sizeof(void *));
	((u8 *)obj)[size - 1] = POISON_END;
}

/* P: the poison of a free object; reported and written again. */
static void check_poison(unsigned int cls, void *obj,
			 struct tcmk_debug_meta *meta)
{
	size_t size = meta->size, bad;
	u8 want = POISON_FREE;

	if (size <= sizeof(void *) || size > meta_offset(cls))
		return;
	bad = first_not(obj, sizeof(void *), size - 1, POISON_FREE);
	if (bad == size - 1 && ((u8 *)obj)[bad] == POISON_END)
		return;
	if (bad == size - 1)
		want = POISON_END;
	report(TCMK_DEBUG_POISON, cls, obj, meta,
	       "Poison overwritten at offset %zu (0x%02x instead of 0x%02x)",
	       bad, ((u8 *)obj)[bad], want);
	poison(obj, size);
}

/**
 * tcmk_debug_alloc() - allocate in debug mode.
 * @size:	the size asked for, 1 to TCMK_MAX_ALLOC_SIZE.
 * @gfp:	the caller's flags, already checked for refused ones.
 * @caller:	the address the caller of tcmk's API returns to.
 * @clsp:	where to say which class the object is of (TCMK_NR_CLASSES:
 *		a large object, which the large objects' counters count).
 *
 * Context: as tcmk_alloc().
 * Return: the object, or NULL.
 */
void *tcmk_debug_alloc(size_t size, gfp_t gfp, unsigned long caller,
		       unsigned int *clsp)
{
	struct tcmk_debug_meta *meta;
	unsigned long flags;
	unsigned int cls;
	u32 stack;
	void *obj;

	/* Z and P need room behind the object: a large one has none. */
	*clsp = TCMK_NR_CLASSES;
	if (size > TCMK_MAX_SMALL_SIZE - debug_overhead())
		return tcmk_large_alloc(size, gfp, caller);
	might_alloc(gfp);
	cls = tcmk_size_class(size + debug_overhead());
	*clsp = cls;
	if (!tcmk_central_remove_near(tcmk_local_node(), cls, &obj, 1, gfp))
		return NULL;
	meta = meta_of(cls, obj);
	stack = save_stack();

	raw_spin_lock_irqsave(&tcmk_debug_lock, flags);
	if (state_of(meta, obj) == TCMK_DEBUG_FREE) {
		if (tcmk_debug_flags & TCMK_DEBUG_P)
			check_poison(cls, obj, meta);
	} else {
		/*
		 * First allocation: whatever the pages held before is no
		 * free track, and a stale stack handle must never be printed.
		 */
		memset(&meta->free, 0, sizeof(meta->free));
	}
	meta->size = size;
	if (tcmk_debug_flags & TCMK_DEBUG_Z)
		memset(obj + size, SLUB_RED_ACTIVE, meta_offset(cls) - size);
	if (tcmk_debug_flags & TCMK_DEBUG_U)
		set_track(&meta->alloc, stack);
	WRITE_ONCE(meta->state, TCMK_DEBUG_ALLOCATED ^ (unsigned long)obj);
	raw_spin_unlock_irqrestore(&tcmk_debug_lock, flags);

	if (tcmk_want_zero(gfp))
		memset(obj, 0, size);
	return obj;
}

/**
 * tcmk_debug_free() - free the start of an object of a small span in debug
 * mode: refused and reported if it is not allocated.
 * @cls:	the span's class.
 * @obj:	the object.
 *
 * Context: as tcmk_free().
 * Return: true if the object was freed, false if the free was refused.
 */
bool tcmk_debug_free(unsigned int cls, void *obj)
{
	struct tcmk_debug_meta *meta = meta_of(cls, obj);
	unsigned long flags, state;
	u32 stack = save_stack();

	raw_spin_lock_irqsave(&tcmk_debug_lock, flags);
	state = state_of(meta, obj);
	if (state == TCMK_DEBUG_FREE) {
		report(TCMK_DEBUG_DOUBLE_FREE, cls, obj, meta,
		       "double free, refused");
		raw_spin_unlock_irqrestore(&tcmk_debug_lock, flags);
		return false;
	}
	if (state != TCMK_DEBUG_ALLOCATED) {
		report(TCMK_DEBUG_INVALID_FREE, cls, obj, NULL,
		       "invalid free of an object never allocated, refused");
		raw_spin_unlock_irqrestore(&tcmk_debug_lock, flags);
		return false;
	}
	if (tcmk_debug_flags & TCMK_DEBUG_Z)
		check_redzone(cls, obj, meta);
	if (tcmk_debug_flags & TCMK_DEBUG_U)
		set_track(&meta->free, stack);
	if (tcmk_debug_flags & TCMK_DEBUG_P)
		poison(obj, meta->size);
	WRITE_ONCE(meta->state, TCMK_DEBUG_FREE ^ (unsigned long)obj);
	raw_spin_unlock_irqrestore(&tcmk_debug_lock, flags);

	/*
	 * kmemleak forgets it before another CPU can have it (hooks.h); an
	 * object it was never told of (a bulk allocation undone) it ignores.
	 */
	kmemleak_free(obj);
	tcmk_central_insert(tcmk_addr_node(obj), cls, &obj, 1);
	return true;
}

/**
 * tcmk_debug_bad_free() - report a free the fast path's tests refused.
 * @ptr:	the pointer.
 * @twice:	it was freed twice, not a pointer tcmk never handed out.
 * @why:	what was wrong with it.
 *
 * Context: any but NMI.
 */
void tcmk_debug_bad_free(const void *ptr, bool twice, const char *why)
{
	report(twice ? TCMK_DEBUG_DOUBLE_FREE : TCMK_DEBUG_INVALID_FREE,
	       TCMK_NR_CLASSES, ptr, NULL, "%s (%s), refused",
	       twice ? "double free" : "invalid free", why);
}

/**
 * tcmk_debug_usable_size() - the size an object of a small span was
 * allocated for.
 * @cls:	the span's class.
 * @obj:	the object.
 *
 * Return: that size.
 */
size_t tcmk_debug_usable_size(unsigned int cls, const void *obj)
{
	return READ_ONCE(meta_of(cls, (void *)obj)->size);
}

/* Every object of @span handed out since the span was made. */
static void validate_span(struct tcmk_span *span)
{
	unsigned int cls = span->cls, size = tcmk_classes[cls].size, i, carved;

	/*
	 * Guarded by the central lock, not held here: a span only carves more,
	 * and an object just carved has no state yet, which the walk skips.
	 */
	carved = data_race(READ_ONCE(span->carved));

	for (i = 0; i < carved; i++) {
		void *obj = span->base + (unsigned long)i * size;
		struct tcmk_debug_meta *meta = meta_of(cls, obj);
		unsigned long state = state_of(meta, obj);

		if (state == TCMK_DEBUG_ALLOCATED &&
		    (tcmk_debug_flags & TCMK_DEBUG_Z))
			check_redzone(cls, obj, meta);
		else if (state == TCMK_DEBUG_FREE &&
			 (tcmk_debug_flags & TCMK_DEBUG_P))
			check_poison(cls, obj, meta);
	}
}

/**
 * tcmk_debug_validate() - check every object of every small span now.
 *
 * Walks the page map, which reaches every span in use, full ones included,
 * though they are on no list. Under tcmk_pageheap_lock no span can go back
 * to the page heap, and no table or leaf of the page map can change; under
 * tcmk_debug_lock no object is half allocated or half freed.
 *
 * Context: process context; interrupts are off for the walk.
 */
void tcmk_debug_validate(void)
{
	const struct tcmk_pagemap *pm;
	unsigned long flags, r, e;

	if (!tcmk_debug_flags)
		return;
	raw_spin_lock_irqsave(&tcmk_debug_lock, flags);
	raw_spin_lock(&tcmk_pageheap_lock);
	pm = tcmk_pagemap;
	for (r = 0; r < pm->nr; r++) {
		const struct tcmk_pagemap_leaf *leaf = pm->leaves[r];

		if (leaf == &tcmk_pagemap_empty_leaf)
			continue;
		for (e = 0; e < TCMK_PAGEMAP_LEAF_ENTRIES; e++) {
			void *page = (void *)(PAGE_OFFSET +
					      (r << TCMK_REGION_SHIFT) +
					      (e << PAGE_SHIFT));
			struct tcmk_span *span = tcmk_pagemap_owner(page,
							TCMK_PAGEMAP_SPAN);

			if (span && span->base == page &&
			    span->state == TCMK_SPAN_SMALL)
				validate_span(span);
		}
	}
	raw_spin_unlock(&tcmk_pageheap_lock);
	raw_spin_unlock_irqrestore(&tcmk_debug_lock, flags);
}
TCMK_EXPORT_FOR_TESTS(tcmk_debug_validate);

/**
 * tcmk_debug_letters() - the letters of debug mode in force.
 * @buf:	at least TCMK_DEBUG_NR_LETTERS + 1 bytes.
 */
void tcmk_debug_letters(char *buf)
{
	static const char letters[] = "FZPU";
	unsigned int i;

	for (i = 0; i < TCMK_DEBUG_NR_LETTERS; i++)
		if (tcmk_debug_flags & BIT(i))
			*buf++ = letters[i];
	*buf = '\0';
}

/**
 * tcmk_debug_init() - read debug= and get ready for it.
 *
 * Context: module init, may sleep.
 * Return: 0, or -EINVAL for a letter tcmk does not know (named in the log).
 */
int __init tcmk_debug_init(void)
{
	static const char letters[] = "FZPU";
	unsigned int flags = 0;
	const char *p, *hit;

	for (p = debug_letters; p && *p; p++) {
		hit = strchr(letters, *p);
		if (!hit) {
			pr_err("debug=%s: unknown letter '%c' (F, Z, P and U are known)\n",
			       debug_letters, *p);
			return -EINVAL;
		}
		flags |= BIT(hit - letters);
	}
	if ((flags & TCMK_DEBUG_U) && !tcmk_stack_depot_init()) {
		pr_err("debug=%s: U needs the kernel's stack depot (CONFIG_STACKDEPOT)\n",
		       debug_letters);
		return -EINVAL;
	}
	tcmk_debug_flags = flags;
	if (flags)
		pr_info("debug mode on: %s\n", debug_letters);
	return 0;
}
