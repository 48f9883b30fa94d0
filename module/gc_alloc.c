// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk collector: collected spans and allocation. A span of collected
 * objects and the bitmaps beside it, each node's lists of them, the stashes
 * each CPU takes from its node's spans, and tcmk_gc_alloc() and
 * tcmk_gc_alloc_node(), which hand objects out of them (gc.c tells the
 * whole).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/export.h>
#include <linux/gfp.h>
#include <linux/kmemleak.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tcmk.h>
#include <linux/workqueue.h>

#include "gc.h"
#include "hooks.h"
#include "tcmk.h"
#include "tcmk_trace.h"

/* Most objects a CPU takes from a span at a time. */
#define GC_STASH_MAX		32

/* Bitmaps beside each span: see struct tcmk_gc_span. */
#define GC_NR_BITMAPS		6

struct tcmk_gc_node *gc_nodes[MAX_NUMNODES];

/**
 * struct gc_stash - objects a CPU has taken from one span of a class.
 * @span:	the span, of the CPU's node (tcmk_local_node()); meaningless
 *		once @next reaches @n.
 * @next:	the next object to hand out, an index into @idx.
 * @n:		objects taken.
 * @idx:	their indices in @span, lowest first.
 *
 * Only its CPU touches a stash, with interrupts off; a dead CPU's is given
 * back from another.
 */
struct gc_stash {
	struct tcmk_gc_span *span;
	unsigned int next;
	unsigned int n;
	u16 idx[GC_STASH_MAX];
};

/*
 * A CPU's stashes, and the type it last found well formed: checking every
 * pointer offset of a type on each allocation would cost more than the
 * allocation. The type is known by its address alone, which is safe because
 * a CPU remembers a type only once an object of it exists (tcmk_gc_alloc()),
 * and every cycle makes every CPU forget (gc_stashes_return()) after the
 * allocation of any object its sweep frees: such an object was white when
 * marking began, which was after it was allocated and its allocator unpinned
 * it. So by the time a type's last object is freed, and the type may be
 * freed and another allocated in its place, no CPU remembers it.
 */
struct gc_cpu_stash {
	const struct tcmk_gc_type *type_ok;
	struct gc_stash cls[TCMK_NR_CLASSES];
};

static struct gc_cpu_stash __percpu *gc_stashes;
static int gc_cpuhp_state;

/**
 * tcmk_gc_owns() - whether an address lies in a collected span.
 * @ptr:	any address.
 *
 * Lets tcmk_free() tell a collected object from a foreign pointer.
 */
bool tcmk_gc_owns(const void *ptr)
{
	return tcmk_gc_span_of(ptr);
}

/**
 * tcmk_gc_object_size() - the size of the live collected object at @ptr.
 * @ptr:	the object's start.
 *
 * Return: its size class's size (page-rounded above the largest class), or
 * 0 if @ptr is not the start of a live collected object.
 */
size_t tcmk_gc_object_size(const void *ptr)
{
	struct tcmk_gc_span *s;
	unsigned int idx;

	s = gc_live_object(ptr, &idx);
	if (!s || gc_obj(s, idx) != ptr)
		return 0;
	return s->size;
}

/*
 * A new span for @cls (and @size, for GC_LARGE) of node @nid's pages, or
 * NULL if the node has none to give; zeroed, all free. Above a chunk the
 * pages take no node (tcmk_pageheap_alloc_many()): the span's @nid says
 * where they lie, and so whose lists it goes on.
 */
static struct tcmk_gc_span *gc_span_new(unsigned int cls, size_t size,
					int nid, gfp_t gfp)
{
	unsigned int npages, nobjs, objsize, words;
	struct tcmk_gc_span *s;
	struct tcmk_span *span;

	if (cls == GC_LARGE) {
		npages = PAGE_ALIGN(size) >> PAGE_SHIFT;
		nobjs = 1;
		objsize = npages << PAGE_SHIFT;
	} else {
		npages = tcmk_classes[cls].pages;
		nobjs = tcmk_classes[cls].objects;
		objsize = tcmk_classes[cls].size;
	}
	words = BITS_TO_LONGS(nobjs);
	/* Near the pages, but it need not be on their node. */
	s = kzalloc_node(sizeof(*s) + GC_NR_BITMAPS * words * sizeof(long) +
			 nobjs * (sizeof(*s->types) + sizeof(*s->pins)),
			 gfp & ~(__GFP_ZERO | __GFP_HIGHMEM | __GFP_MOVABLE |
				 __GFP_THISNODE), nid);
	if (!s)
		return NULL;
	span = tcmk_pageheap_alloc_node(nid, npages, gfp);
	if (!span) {
		kfree(s);
		return NULL;
	}
	s->taken_bits = (unsigned long *)(s + 1);
	s->alloc_bits = s->taken_bits + words;
	s->mark_bits = s->alloc_bits + words;
	s->fin_bits = s->mark_bits + words;
	s->fin_done = s->fin_bits + words;
	s->fin_check = s->fin_done + words;
	s->types = (const struct tcmk_gc_type **)(s->fin_check + words);
	s->pins = (atomic_t *)(s->types + nobjs);
	INIT_LIST_HEAD(&s->rescan);
	INIT_LIST_HEAD(&s->sweep);
	s->span = span;
	s->base = span->base;
	s->size = objsize;
	s->nobjs = nobjs;
	s->cls = cls;
	s->nid = tcmk_addr_node(s->base);
	span->state = TCMK_SPAN_GC;
	memset(s->base, 0, (size_t)npages << PAGE_SHIFT);
	gc_poison(s->base, (size_t)nobjs * objsize);
	/*
	 * kmemleak scans the span whole (hooks.h): what collected objects
	 * point to is referenced, and the collector, not kmemleak, finds the
	 * collected objects nothing points to (min_count 0: never reported).
	 * Not from hard interrupt context: see tcmk_kmemleak_may_alloc().
	 */
	if (tcmk_kmemleak_may_alloc())
		kmemleak_alloc(s->base, (size_t)nobjs * objsize, 0, gfp);
	/* The stamp goes last: once it is there, scanning may look inside. */
	tcmk_pageheap_stamp_all(span, s, TCMK_PAGEMAP_GC);
	return s;
}

/*
 * Give an empty span's pages back; nothing may point into it any more. The
 * metadata waits for a grace period: an unpin that has just dropped an
 * object's last pin may still be lowering the span's @npinned.
 */
void gc_span_free(struct tcmk_gc_span *s)
{
	gc_unpoison(s->base, (size_t)s->span->npages << PAGE_SHIFT);
	kmemleak_free(s->base);
	tcmk_pageheap_free(s->span);
	kfree_rcu(s, rcu);
}

static bool gc_type_ok(const struct tcmk_gc_type *type, size_t size)
{
	unsigned int i;

	if (size < type->size) {
		gc_bad_call("type %s: %zu bytes asked for, the type has %zu\n",
			    type->name, size, type->size);
		return false;
	}
	if (!type->ptr_offsets)
		return true;
	for (i = 0; i < type->nr_ptrs; i++) {
		unsigned int off = type->ptr_offsets[i];

		if (!IS_ALIGNED(off, sizeof(void *)) ||
		    off + sizeof(void *) > type->size) {
			gc_bad_call("type %s: bad pointer offset %u\n",
				    type->name, off);
			return false;
		}
	}
	return true;
}

/*
 * Take up to @max free objects of @s, lowest first, into @idx (class lock
 * held). They count as taken, and as pinned for @npinned.
 */
static unsigned int gc_take(struct tcmk_gc_class *c, struct tcmk_gc_span *s,
			    u16 *idx, unsigned int max)
{
	unsigned int n = 0, w = s->hint / BITS_PER_LONG;
	unsigned int words = BITS_TO_LONGS(s->nobjs);

	lockdep_assert_held(&c->lock);
	/* A word at a time; the last word's bits past @nobjs are no objects. */
	for (; w < words && n < max; w++) {
		unsigned long free = ~s->taken_bits[w];

		if (w == words - 1 && s->nobjs % BITS_PER_LONG)
			free &= BIT(s->nobjs % BITS_PER_LONG) - 1;
		while (free && n < max) {
			unsigned int bit = __ffs(free);

			free &= free - 1;
			s->taken_bits[w] |= BIT(bit);
			idx[n++] = w * BITS_PER_LONG + bit;
		}
	}
	s->hint = n ? idx[n - 1] + 1 : s->nobjs;
	s->nalloc += n;
	s->idle = false;
	atomic_add(n, &s->npinned);
	if (s->nalloc == s->nobjs)
		list_move(&s->list, &c->full);
	return n;
}

/*
 * Make taken object @idx of @s live, pinned once, of @type; black while
 * marking. A reader that sees its allocated bit sees the rest. Interrupts
 * are off from the read of gc_marking to the mark: gc_start_marking() and
 * gc_clear_marks() rely on it (see gc_start_marking()).
 */
static __always_inline void *gc_hand_out(struct tcmk_gc_span *s,
					 unsigned int idx,
					 const struct tcmk_gc_type *type)
{
	void *obj = gc_obj(s, idx);
	bool black;

	lockdep_assert_irqs_disabled();
	black = READ_ONCE(gc_marking);
	gc_unpoison(obj, s->size);
	s->types[idx] = type;
	atomic_set(&s->pins[idx], 1);
	gc_test_hook(TCMK_GC_TEST_BIRTH, obj);
	if (black)
		set_bit(idx, s->mark_bits);
	/*
	 * Pairs with the smp_rmb() in gc_live_object(), gc_mark_word(),
	 * gc_rescan_span(), gc_find_finalizable() and gc_sweep_span().
	 */
	smp_mb__before_atomic();
	set_bit(idx, s->alloc_bits);
	return obj;
}

/* Give back the objects left in @st (any context; @st's CPU is quiet). */
static void gc_stash_return(unsigned int cls, struct gc_stash *st)
{
	struct tcmk_gc_span *s = st->span;
	unsigned int k = st->n - st->next;
	struct tcmk_gc_class *c;
	unsigned long flags;

	if (!k)
		return;
	c = gc_class(s->nid, cls);
	spin_lock_irqsave(&c->lock, flags);
	if (s->nalloc == s->nobjs)
		list_move_tail(&s->list, &c->partial);
	for (; st->next < st->n; st->next++) {
		__clear_bit(st->idx[st->next], s->taken_bits);
		s->hint = min_t(unsigned int, s->hint, st->idx[st->next]);
	}
	s->nalloc -= k;
	atomic_sub(k, &s->npinned);
	spin_unlock_irqrestore(&c->lock, flags);
}

/* Every stash of @cs back, and its type forgotten (see struct gc_cpu_stash). */
static void gc_stashes_return(struct gc_cpu_stash *cs)
{
	unsigned int cls;

	cs->type_ok = NULL;
	for (cls = 0; cls < TCMK_NR_CLASSES; cls++)
		gc_stash_return(cls, &cs->cls[cls]);
}

static DEFINE_PER_CPU(struct work_struct, gc_stash_work);

/* Interrupts off, as every other user of the CPU's stash has them. */
static void gc_stashes_return_local(struct work_struct *unused)
{
	unsigned long flags;
	u64 t0;

	local_irq_save(flags);
	t0 = ktime_get_ns();
	gc_stashes_return(this_cpu_ptr(gc_stashes));
	t0 = ktime_get_ns() - t0;
	local_irq_restore(flags);
	gc_section_done(t0, 0);
}

/*
 * Every online CPU's stashes back, from a work item on each CPU rather than
 * an IPI: the class locks are spinlock_t, which hardirq context may not take
 * (it sleeps on PREEMPT_RT, and lockdep's PROVE_RAW_LOCK_NESTING reports it
 * on every kernel that can be built for it). An offline CPU's went back when
 * it died (gc_cpu_dead()).
 */
void gc_stashes_return_all(void)
{
	unsigned int cpu;

	cpus_read_lock();
	for_each_online_cpu(cpu)
		schedule_work_on(cpu, per_cpu_ptr(&gc_stash_work, cpu));
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&gc_stash_work, cpu));
	cpus_read_unlock();
}

/* CPU hotplug: runs on another CPU once @cpu is dead. */
static int gc_cpu_dead(unsigned int cpu)
{
	gc_stashes_return(per_cpu_ptr(gc_stashes, cpu));
	return 0;
}

/* Count a new object; past the goal, start a cycle or assist the one on. */
static __always_inline void gc_account(unsigned int bytes, gfp_t gfp)
{
	long share, heap;

	this_cpu_inc(gc_pcpu.heap_objects);
	this_cpu_inc(gc_pcpu.pinned);
	share = this_cpu_add_return(gc_pcpu.heap_bytes, bytes);
	if (likely(share < GC_PCPU_BYTES))
		return;
	/* Moved, not copied: on another CPU now, the sum is still right. */
	this_cpu_sub(gc_pcpu.heap_bytes, share);
	heap = atomic_long_add_return(share, &gc_stats.heap_bytes);
	if (heap > 0 && heap >= READ_ONCE(gc_heap_goal)) {
		if (unlikely(READ_ONCE(gc_barrier)))
			gc_assist(share, gfp);
		else
			gc_trigger();
	}
}

/* A new span on its class's lists (class lock held, of the span's node). */
static void gc_span_add(struct tcmk_gc_class *c, struct tcmk_gc_span *s)
{
	lockdep_assert_held(&c->lock);
	list_add(&s->list, &c->partial);
	list_add(&s->all, &c->all);
}

/*
 * One object of node @nid's spans of @cls, under the class's lock, counted,
 * past the stash: for objects above the largest class (each span its own
 * size), and for objects of another node than the CPU's. A new span goes
 * on the lists with its first object already taken, under the same hold of
 * the lock: no other CPU can take its objects first and leave this one to
 * make another span.
 */
static void *gc_alloc_from(int nid, unsigned int cls, size_t size,
			   const struct tcmk_gc_type *type, gfp_t gfp)
{
	struct tcmk_gc_span *s = NULL;
	struct tcmk_gc_class *c;
	unsigned long flags;
	void *obj = NULL;
	u16 idx;

	/* A span above the largest class holds one object of its size only. */
	if (cls != GC_LARGE) {
		c = gc_class(nid, cls);
		spin_lock_irqsave(&c->lock, flags);
		s = list_first_entry_or_null(&c->partial, struct tcmk_gc_span,
					     list);
		/* With interrupts off: see gc_start_marking(). */
		if (s && gc_take(c, s, &idx, 1))
			obj = gc_hand_out(s, idx, type);
		spin_unlock_irqrestore(&c->lock, flags);
	}
	if (!obj) {
		s = gc_span_new(cls, size, nid, gfp);
		if (!s)
			return NULL;
		c = gc_class(s->nid, cls);
		spin_lock_irqsave(&c->lock, flags);
		gc_span_add(c, s);
		gc_take(c, s, &idx, 1);
		obj = gc_hand_out(s, idx, type);
		spin_unlock_irqrestore(&c->lock, flags);
	}
	gc_account(s->size, gfp);
	return obj;
}

/*
 * gc_alloc_from() node @nid, unless @tried, and then, unless @gfp has
 * __GFP_THISNODE, every other node with memory in turn, as the page
 * allocator falls back: one object for the caller, never a stash.
 */
static void *gc_alloc_near(int nid, bool tried, unsigned int cls,
			   size_t size, const struct tcmk_gc_type *type,
			   gfp_t gfp)
{
	void *obj;
	int m;

	if (!tried) {
		obj = gc_alloc_from(nid, cls, size, type, gfp);
		if (obj)
			return obj;
	}
	if (nr_node_ids == 1 || (gfp & __GFP_THISNODE))
		return NULL;
	for_each_node_state(m, N_MEMORY) {
		/* A node that had no memory at load has no lists. */
		if (m == nid || !gc_nodes[m])
			continue;
		obj = gc_alloc_from(m, cls, size, type, gfp);
		if (obj)
			return obj;
	}
	return NULL;
}

/*
 * An object of @cls (@size, for objects above the largest class) on @node,
 * or on the CPU's node for NUMA_NO_NODE, counted. The CPU's node fills an
 * empty stash from its spans; another node, or the CPU's once it has no
 * memory to give, serves one object past the stash (gc_alloc_near()).
 */
static noinline void *gc_alloc_slow(unsigned int cls, size_t size,
				    const struct tcmk_gc_type *type, gfp_t gfp,
				    int node)
{
	struct tcmk_gc_span *s, *fresh = NULL;
	struct tcmk_gc_class *c;
	struct gc_stash *st;
	unsigned long flags;
	void *obj = NULL;
	int nid;

	might_alloc(gfp);
	if (cls == GC_LARGE)
		return gc_alloc_near(node == NUMA_NO_NODE ? tcmk_local_node() : node,
				     false, cls, size, type, gfp);
	for (;;) {
		local_irq_save(flags);
		/* The CPU's, with interrupts off: the stash is this CPU's. */
		nid = tcmk_local_node();
		if (unlikely(fresh && fresh->nid != nid)) {
			/* Moved to another node's CPU: the span is no use here. */
			local_irq_restore(flags);
			c = gc_class(fresh->nid, cls);
			spin_lock_irqsave(&c->lock, flags);
			gc_span_add(c, fresh);
			spin_unlock_irqrestore(&c->lock, flags);
			fresh = NULL;
			continue;
		}
		if (node != NUMA_NO_NODE && node != nid) {
			local_irq_restore(flags);
			return gc_alloc_near(node, false, cls, size, type, gfp);
		}
		c = gc_class(nid, cls);
		st = &this_cpu_ptr(gc_stashes)->cls[cls];
		/* An interrupt may have filled the stash meanwhile. */
		if (fresh || st->next == st->n) {
			spin_lock(&c->lock);
			if (fresh)
				gc_span_add(c, fresh);
			fresh = NULL;
			s = list_first_entry_or_null(&c->partial,
						     struct tcmk_gc_span, list);
			if (s && st->next == st->n) {
				st->span = s;
				st->next = 0;
				st->n = gc_take(c, s, st->idx,
						min_t(unsigned int, GC_STASH_MAX,
						      tcmk_classes[cls].batch));
			}
			spin_unlock(&c->lock);
		}
		if (st->next < st->n) {
			s = st->span;
			obj = gc_hand_out(s, st->idx[st->next++], type);
		}
		local_irq_restore(flags);
		if (obj) {
			gc_account(s->size, gfp);
			return obj;
		}
		/* Pages may sleep for GFP_KERNEL: not with interrupts off. */
		fresh = gc_span_new(cls, size, nid, gfp);
		if (!fresh)
			return gc_alloc_near(nid, true, cls, size, type, gfp);
	}
}

/*
 * An allocation of a type this CPU does not remember: checked, and
 * remembered only once an object of it exists. A type remembered after an
 * allocation that failed could be freed with no cycle in between, and
 * another allocated at its address would be trusted unchecked.
 */
static noinline void *gc_alloc_new_type(unsigned int cls, size_t size,
					const struct tcmk_gc_type *type,
					gfp_t gfp, int node)
{
	void *obj;

	if (!gc_type_ok(type, size))
		return NULL;
	obj = gc_alloc_slow(cls, size, type, gfp, node);
	if (obj)
		this_cpu_write(gc_stashes->type_ok, type);
	return obj;
}

/*
 * A collected object from a slow path, counted down, and sampled if due, as
 * tcmk_gc_alloc()'s hit path counts its own: see gc_alloc().
 */
static noinline void *gc_sample_after(void *obj, size_t size, gfp_t gfp,
				      unsigned long caller)
{
	if (obj && tcmk_sample_gc_alloc(obj, size, tcmk_gc_object_size(obj),
					gfp, caller))
		atomic_inc(&tcmk_gc_span_of(obj)->nsampled);
	return obj;
}

/* A hit whose countdown ran out: sampled, its span counting it. */
static noinline void *gc_sample_hit(struct tcmk_gc_span *s, void *obj,
				    size_t size, gfp_t gfp,
				    unsigned long caller)
{
	if (tcmk_sample_gc_due(obj, size, s->size, gfp, caller))
		atomic_inc(&s->nsampled);
	return obj;
}

/*
 * tcmk_gc_alloc(); with @sample, counting down to the next heap profile
 * sample: on the hit path inline, with interrupts already off, so that
 * sampling costs a hit the countdown and not a frame and a page map lookup.
 * @node is a node with memory (tcmk_node_to_serve()), served from the
 * stash when it is the CPU's, or NUMA_NO_NODE: tcmk_gc_alloc() passes the
 * constant, and its hit path has no test of the node.
 */
static __always_inline void *gc_alloc(size_t size,
				       const struct tcmk_gc_type *type,
				       gfp_t gfp, unsigned long caller,
				       bool sample, int node)
{
	struct tcmk_gc_span *s;
	struct gc_stash *st;
	unsigned long flags;
	unsigned int cls;
	bool due;
	void *obj;

	if (!size || size > TCMK_MAX_ALLOC_SIZE || gc_refuse_nmi())
		return NULL;
	if (unlikely(gfp & TCMK_GFP_REFUSED)) {
		tcmk_refuse_gfp(gfp, caller);
		return NULL;
	}
	/* As in tcmk_alloc(): a hit cannot sleep; the slow path checks. */
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) || IS_ENABLED(CONFIG_LOCKDEP))
		might_alloc(gfp);
	if (tcmk_should_fail_alloc(size, gfp))
		return NULL;
	cls = size <= TCMK_MAX_SMALL_SIZE ? tcmk_size_class(size) : GC_LARGE;
	if (type && unlikely(size < type->size ||
			     this_cpu_read(gc_stashes->type_ok) != type)) {
		obj = gc_alloc_new_type(cls, size, type, gfp, node);
		return sample ? gc_sample_after(obj, size, gfp, caller) : obj;
	}
	if (unlikely(cls == GC_LARGE))
		goto slow;

	local_irq_save(flags);
	st = &this_cpu_ptr(gc_stashes)->cls[cls];
	if (unlikely(st->next == st->n) ||
	    (node != NUMA_NO_NODE && node != tcmk_local_node())) {
		local_irq_restore(flags);
		goto slow;
	}
	s = st->span;
	obj = gc_hand_out(s, st->idx[st->next++], type);
	due = sample &&
	      __this_cpu_sub_return(tcmk_gc_sample_left, (long)size) < 0;
	local_irq_restore(flags);
	gc_account(s->size, gfp);
	if (unlikely(due))
		return gc_sample_hit(s, obj, size, gfp, caller);
	return obj;

slow:
	obj = gc_alloc_slow(cls, size, type, gfp, node);
	return sample ? gc_sample_after(obj, size, gfp, caller) : obj;
}

/*
 * tcmk_gc_alloc() while the tcmk:alloc event is enabled, out of line; the
 * object is counted down to the next heap profile sample too. A sampled
 * object's span counts it, so that the sweep asks the profile only about
 * spans that have some.
 */
static noinline void *gc_alloc_traced(size_t size,
				      const struct tcmk_gc_type *type,
				      gfp_t gfp, unsigned long caller, int node)
{
	void *obj = gc_alloc(size, type, gfp, caller, false, node);
	size_t bytes;

	if (!obj)
		return NULL;
	bytes = tcmk_gc_object_size(obj);
	trace_alloc(caller, obj, size, bytes, gfp);
	if (tcmk_sample_gc_alloc(obj, size, bytes, gfp, caller))
		atomic_inc(&tcmk_gc_span_of(obj)->nsampled);
	return obj;
}

void *tcmk_gc_alloc(size_t size, const struct tcmk_gc_type *type, gfp_t gfp)
{
	/*
	 * First, and a tail call: the hit path keeps no register for it.
	 * Sampling alone counts down inline; a trace record needs the object
	 * after, out of line.
	 */
	if (static_branch_unlikely(&tcmk_alloc_hook)) {
		if (trace_alloc_enabled())
			return gc_alloc_traced(size, type, gfp, _RET_IP_,
					       NUMA_NO_NODE);
		return gc_alloc(size, type, gfp, _RET_IP_, true, NUMA_NO_NODE);
	}
	return gc_alloc(size, type, gfp, _RET_IP_, false, NUMA_NO_NODE);
}
EXPORT_SYMBOL_GPL(tcmk_gc_alloc);

void *tcmk_gc_alloc_node(size_t size, const struct tcmk_gc_type *type,
			 gfp_t gfp, int node)
{
	/* Placed as tcmk_alloc_node() places its objects. */
	if (node != NUMA_NO_NODE) {
		node = tcmk_node_to_serve(node, gfp);
		if (node < 0)
			return NULL;
	}
	if (static_branch_unlikely(&tcmk_alloc_hook)) {
		if (trace_alloc_enabled())
			return gc_alloc_traced(size, type, gfp, _RET_IP_, node);
		return gc_alloc(size, type, gfp, _RET_IP_, true, node);
	}
	return gc_alloc(size, type, gfp, _RET_IP_, false, node);
}
EXPORT_SYMBOL_GPL(tcmk_gc_alloc_node);

/* Every node's classes, and the spans they still hold: all of them go back. */
static void gc_nodes_free(void)
{
	struct tcmk_gc_span *s, *tmp;
	unsigned int cls;
	int nid;

	for_each_node(nid) {
		if (!gc_nodes[nid])
			continue;
		for (cls = 0; cls < GC_NR_CLASSES; cls++) {
			struct tcmk_gc_class *c = gc_class(nid, cls);

			list_splice_init(&c->full, &c->partial);
			list_for_each_entry_safe(s, tmp, &c->partial, list) {
				list_del(&s->list);
				gc_span_free(s);
			}
		}
		kfree(gc_nodes[nid]);
		gc_nodes[nid] = NULL;
	}
}

/*
 * Each node's classes, on the node, every CPU's stashes, and the hotplug
 * callback that gives a dead CPU's back.
 */
int __init gc_alloc_init(void)
{
	unsigned int cls, cpu;
	int ret, nid;

	for_each_node_state(nid, N_MEMORY) {
		gc_nodes[nid] = kzalloc_node(sizeof(*gc_nodes[nid]), GFP_KERNEL,
					     nid);
		if (!gc_nodes[nid]) {
			ret = -ENOMEM;
			goto nodes;
		}
		for (cls = 0; cls < GC_NR_CLASSES; cls++) {
			struct tcmk_gc_class *c = gc_class(nid, cls);

			spin_lock_init(&c->lock);
			INIT_LIST_HEAD(&c->partial);
			INIT_LIST_HEAD(&c->full);
			INIT_LIST_HEAD(&c->all);
		}
	}
	for_each_possible_cpu(cpu)
		INIT_WORK(per_cpu_ptr(&gc_stash_work, cpu), gc_stashes_return_local);
	gc_stashes = alloc_percpu(struct gc_cpu_stash);
	if (!gc_stashes) {
		ret = -ENOMEM;
		goto nodes;
	}
	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN, "tcmk/gc:dead",
					NULL, gc_cpu_dead);
	if (ret < 0)
		goto stashes;
	gc_cpuhp_state = ret;
	return 0;
stashes:
	free_percpu(gc_stashes);
nodes:
	gc_nodes_free();
	return ret;
}

/* At unload (tcmk_gc_exit()): every span goes back, whatever it holds. */
void gc_alloc_exit(void)
{
	cpuhp_remove_state_nocalls(gc_cpuhp_state);
	/* The stashes' objects go with their spans. */
	gc_nodes_free();
	free_percpu(gc_stashes);
}
