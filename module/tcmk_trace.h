/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcmk's trace events: the "tcmk" system in tracefs (events/tcmk/), for
 * trace-cmd, perf and bpftrace alike. Documentation/tcmk.rst lists them.
 *
 * tcmk:alloc and tcmk:free carry the fields of kmem:kmalloc and kmem:kfree,
 * so that scripts written for those read these, with one difference: no
 * node field. tcmk takes no node from its callers, and an object comes from
 * whichever span its class's central list hands out, so there is no node
 * to report that the address would not tell.
 *
 * The events are named after the C token that defines them: the C names
 * this makes (trace_alloc(), __tracepoint_alloc, event_alloc, ...) are
 * tcmk.ko's own, not exported, and declared only in the files that include
 * this header, where nothing else bears them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tcmk

#if !defined(_TCMK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TCMK_TRACE_H

#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

#ifndef _TCMK_TRACE_ENUMS
#define _TCMK_TRACE_ENUMS
/* Where pages of the page heap come from or go back to the kernel. */
enum tcmk_trace_pages {
	TCMK_TRACE_CHUNK,	/* a chunk, whole */
	TCMK_TRACE_RUN,		/* a free run of a chunk still in use */
	TCMK_TRACE_DIRECT,	/* a large object's span of its own */
};

/* The steps of a collector cycle (see module/gc.c). */
enum tcmk_trace_gc_phase {
	TCMK_TRACE_GC_CLEAR,		/* 1. mark bits cleared */
	TCMK_TRACE_GC_MARK_ON,		/* 2. barrier and allocation black on */
	TCMK_TRACE_GC_ROOTS,		/* 3. roots marked */
	TCMK_TRACE_GC_MARK,		/* 4, 5. marking to termination */
	TCMK_TRACE_GC_WEAK,		/* 6. weak references, finalizers */
	TCMK_TRACE_GC_SWEEP,		/* 7. sweep */
};

/* The collector's two stop-the-world pauses. */
enum tcmk_trace_gc_pause {
	TCMK_TRACE_PAUSE_MARK_ON,	/* the write barrier goes on */
	TCMK_TRACE_PAUSE_TERMINATE,	/* marking ends, the barrier goes off */
};

/* tcmk:alloc's first probe turns tcmk_alloc_hook on, its last off (cpucache.c). */
int tcmk_alloc_trace_reg(void);
void tcmk_alloc_trace_unreg(void);
#endif

TRACE_DEFINE_ENUM(TCMK_TRACE_CHUNK);
TRACE_DEFINE_ENUM(TCMK_TRACE_RUN);
TRACE_DEFINE_ENUM(TCMK_TRACE_DIRECT);
TRACE_DEFINE_ENUM(TCMK_TRACE_GC_CLEAR);
TRACE_DEFINE_ENUM(TCMK_TRACE_GC_MARK_ON);
TRACE_DEFINE_ENUM(TCMK_TRACE_GC_ROOTS);
TRACE_DEFINE_ENUM(TCMK_TRACE_GC_MARK);
TRACE_DEFINE_ENUM(TCMK_TRACE_GC_WEAK);
TRACE_DEFINE_ENUM(TCMK_TRACE_GC_SWEEP);
TRACE_DEFINE_ENUM(TCMK_TRACE_PAUSE_MARK_ON);
TRACE_DEFINE_ENUM(TCMK_TRACE_PAUSE_TERMINATE);

/*
 * Sparse gives up on the expansion of 7.x's table of GFP flag names ("too
 * long token expansion"): it checks the same code with a table of one
 * name, and the kernel's compilers get them all.
 */
#ifdef __CHECKER__
#define tcmk_show_gfp_flags(flags)	\
	__print_flags(flags, "|", { (__force unsigned long)__GFP_ZERO, "__GFP_ZERO" })
#else
#define tcmk_show_gfp_flags(flags)	show_gfp_flags(flags)
#endif

#define tcmk_show_pages(kind)					\
	__print_symbolic(kind,					\
			 { TCMK_TRACE_CHUNK,	"chunk" },	\
			 { TCMK_TRACE_RUN,	"run" },	\
			 { TCMK_TRACE_DIRECT,	"direct" })

#define tcmk_show_gc_phase(phase)				\
	__print_symbolic(phase,					\
			 { TCMK_TRACE_GC_CLEAR,	"clear" },	\
			 { TCMK_TRACE_GC_MARK_ON, "mark_on" },	\
			 { TCMK_TRACE_GC_ROOTS,	"roots" },	\
			 { TCMK_TRACE_GC_MARK,	"mark" },	\
			 { TCMK_TRACE_GC_WEAK,	"weak" },	\
			 { TCMK_TRACE_GC_SWEEP,	"sweep" })

#define tcmk_show_gc_pause(which)					\
	__print_symbolic(which,						\
			 { TCMK_TRACE_PAUSE_MARK_ON,	"mark_on" },	\
			 { TCMK_TRACE_PAUSE_TERMINATE,	"terminate" })

/*
 * An object handed out by tcmk_alloc(), tcmk_alloc_bulk() or
 * tcmk_gc_alloc(). @call_site is their caller; @bytes_alloc is what
 * tcmk_usable_size() says of @ptr.
 */
TRACE_EVENT_FN(alloc,

	TP_PROTO(unsigned long call_site, const void *ptr, size_t bytes_req,
		 size_t bytes_alloc, gfp_t gfp_flags),

	TP_ARGS(call_site, ptr, bytes_req, bytes_alloc, gfp_flags),

	TP_STRUCT__entry(
		__field(unsigned long,	call_site)
		__field(const void *,	ptr)
		__field(size_t,		bytes_req)
		__field(size_t,		bytes_alloc)
		__field(unsigned long,	gfp_flags)
	),

	TP_fast_assign(
		__entry->call_site	= call_site;
		__entry->ptr		= ptr;
		__entry->bytes_req	= bytes_req;
		__entry->bytes_alloc	= bytes_alloc;
		__entry->gfp_flags	= (__force unsigned long)gfp_flags;
	),

	TP_printk("call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s",
		  (void *)__entry->call_site, __entry->ptr, __entry->bytes_req,
		  __entry->bytes_alloc, tcmk_show_gfp_flags(__entry->gfp_flags)),

	tcmk_alloc_trace_reg, tcmk_alloc_trace_unreg
);

/* An object given back by tcmk_free() or tcmk_free_bulk(). */
TRACE_EVENT(free,

	TP_PROTO(unsigned long call_site, const void *ptr),

	TP_ARGS(call_site, ptr),

	TP_STRUCT__entry(
		__field(unsigned long,	call_site)
		__field(const void *,	ptr)
	),

	TP_fast_assign(
		__entry->call_site	= call_site;
		__entry->ptr		= ptr;
	),

	TP_printk("call_site=%pS ptr=%p",
		  (void *)__entry->call_site, __entry->ptr)
);

DECLARE_EVENT_CLASS(tcmk_cache_batch,

	TP_PROTO(unsigned int size, unsigned int objs, bool irq),

	TP_ARGS(size, objs, irq),

	TP_STRUCT__entry(
		__field(unsigned int,	size)
		__field(unsigned int,	objs)
		__field(bool,		irq)
	),

	TP_fast_assign(
		__entry->size	= size;
		__entry->objs	= objs;
		__entry->irq	= irq;
	),

	TP_printk("size=%u objs=%u ctx=%s", __entry->size, __entry->objs,
		  __entry->irq ? "irq" : "task")
);

/*
 * A CPU's stack of class @size, empty, took a batch from the shared layers:
 * @objs objects, the one for the caller included.
 */
DEFINE_EVENT(tcmk_cache_batch, cache_refill,
	TP_PROTO(unsigned int size, unsigned int objs, bool irq),
	TP_ARGS(size, objs, irq));

/* A CPU's stack of class @size, full, sent @objs objects to them. */
DEFINE_EVENT(tcmk_cache_batch, cache_flush,
	TP_PROTO(unsigned int size, unsigned int objs, bool irq),
	TP_ARGS(size, objs, irq));

DECLARE_EVENT_CLASS(tcmk_heap_pages,

	TP_PROTO(unsigned long pages, enum tcmk_trace_pages kind),

	TP_ARGS(pages, kind),

	TP_STRUCT__entry(
		__field(unsigned long,	pages)
		__field(int,		kind)
	),

	TP_fast_assign(
		__entry->pages	= pages;
		__entry->kind	= kind;
	),

	TP_printk("pages=%lu kind=%s", __entry->pages,
		  tcmk_show_pages(__entry->kind))
);

/* The page heap took @pages from the buddy allocator. */
DEFINE_EVENT(tcmk_heap_pages, heap_grow,
	TP_PROTO(unsigned long pages, enum tcmk_trace_pages kind),
	TP_ARGS(pages, kind));

/* The page heap let @pages go, to be given back to the buddy allocator. */
DEFINE_EVENT(tcmk_heap_pages, heap_release,
	TP_PROTO(unsigned long pages, enum tcmk_trace_pages kind),
	TP_ARGS(pages, kind));

/* A collector cycle begins: the pacer's or an explicit one. */
TRACE_EVENT(gc_start,

	TP_PROTO(bool paced, unsigned long heap_bytes, unsigned long goal),

	TP_ARGS(paced, heap_bytes, goal),

	TP_STRUCT__entry(
		__field(bool,		paced)
		__field(unsigned long,	heap_bytes)
		__field(unsigned long,	goal)
	),

	TP_fast_assign(
		__entry->paced		= paced;
		__entry->heap_bytes	= heap_bytes;
		__entry->goal		= goal;
	),

	TP_printk("trigger=%s heap_bytes=%lu goal=%lu",
		  __entry->paced ? "paced" : "explicit", __entry->heap_bytes,
		  __entry->goal)
);

/* A cycle enters a step. */
TRACE_EVENT(gc_phase,

	TP_PROTO(enum tcmk_trace_gc_phase phase),

	TP_ARGS(phase),

	TP_STRUCT__entry(
		__field(int,	phase)
	),

	TP_fast_assign(
		__entry->phase	= phase;
	),

	TP_printk("phase=%s", tcmk_show_gc_phase(__entry->phase))
);

/* A stop-the-world pause, @ns long: how long mutators that shade could wait. */
TRACE_EVENT(gc_pause,

	TP_PROTO(enum tcmk_trace_gc_pause which, u64 ns),

	TP_ARGS(which, ns),

	TP_STRUCT__entry(
		__field(int,	which)
		__field(u64,	ns)
	),

	TP_fast_assign(
		__entry->which	= which;
		__entry->ns	= ns;
	),

	TP_printk("pause=%s ns=%llu", tcmk_show_gc_pause(__entry->which),
		  __entry->ns)
);

/*
 * A cycle ends: @marked bytes found live, @freed_objs objects of
 * @freed_bytes swept. Swept objects have no tcmk:free record each.
 */
TRACE_EVENT(gc_end,

	TP_PROTO(u64 marked, u64 freed_objs, u64 freed_bytes, u64 ns),

	TP_ARGS(marked, freed_objs, freed_bytes, ns),

	TP_STRUCT__entry(
		__field(u64,	marked)
		__field(u64,	freed_objs)
		__field(u64,	freed_bytes)
		__field(u64,	ns)
	),

	TP_fast_assign(
		__entry->marked		= marked;
		__entry->freed_objs	= freed_objs;
		__entry->freed_bytes	= freed_bytes;
		__entry->ns		= ns;
	),

	TP_printk("marked=%llu freed_objs=%llu freed_bytes=%llu ns=%llu",
		  __entry->marked, __entry->freed_objs, __entry->freed_bytes,
		  __entry->ns)
);

#endif /* _TCMK_TRACE_H */

/* Found through ccflags' -I of module/ (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE tcmk_trace
#include <trace/define_trace.h>
