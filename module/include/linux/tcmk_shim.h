/* SPDX-License-Identifier: GPL-2.0 */
/**
 * DOC: tcmk_shim.h - switch one module's kmalloc and kmem_cache calls to tcmk
 *
 * A module that includes this header first, or is built with it
 * force-included from its Kbuild file::
 *
 *	ccflags-y += -I$(TCMK)/module/include -include linux/tcmk_shim.h
 *	KBUILD_EXTRA_SYMBOLS += $(TCMK)/Module.symvers
 *
 * where $(TCMK) is tcmk's tree, built first,
 *
 * allocates from tcmk without a change to its sources: its own calls of
 * kmalloc(), kzalloc(), kmalloc_array(), kcalloc(), krealloc(),
 * krealloc_array(), kmalloc_node(), kzalloc_node(), kcalloc_node(),
 * kmalloc_array_node(), kstrdup(), kmemdup(), kvmalloc(), kvzalloc(),
 * kvcalloc(), kvmalloc_array(), and on 7.0 and later kmalloc_obj() and the
 * rest of that family (they expand to the macros below), go to tcmk; so do
 * its named caches, kmem_cache_create() (both forms on 6.12 and later, the
 * legacy five arguments and struct kmem_cache_args), KMEM_CACHE(),
 * kmem_cache_create_usercopy() and KMEM_CACHE_USERCOPY(), and the calls on
 * a cache: kmem_cache_alloc(), _zalloc(), _alloc_node(), _alloc_lru(),
 * _free(), _alloc_bulk(), _free_bulk(), _shrink() and _destroy(). Only this
 * module's calls change: the rest of the kernel, and tcmk.ko, which must be
 * loaded first, still use the slab allocator.
 *
 * Frees go by owner. kfree(), kvfree(), kfree_sensitive(), kvfree_sensitive(),
 * kfree_const(), kfree_bulk(), ksize(), krealloc() and kfree_rcu() (with a
 * field name, or without as kfree_rcu_mightsleep()) ask tcmk_owns(): tcmk's
 * objects go to tcmk, anything else to the kernel's own function. So a
 * module may still free what kernel helpers allocated for it (kasprintf(),
 * memcat_p(), kstrndup() ...), and allocations the shim leaves to the
 * kernel (GFP_DMA, GFP_DMA32, a vmalloc fallback) free as before. The
 * struct kmem_cache pointer of a cache made through the shim is a small
 * tcmk object naming the tcmk cache, so every kmem_cache_*() call below
 * tells the module's caches from the kernel's (__getname() and __putname()
 * use the kernel's names_cachep) and passes the latter on unchanged.
 *
 * Limits:
 *
 * - Memory the module hands to kernel code that frees it itself with
 *   kfree() (a buffer given away for good) must not come from the shim:
 *   the kernel's kfree() does not know tcmk's pages. Allocate such memory
 *   in a file built without the shim.
 * - tcmk has no DMA zones: kmalloc() and friends with GFP_DMA or GFP_DMA32
 *   go to the kernel, and a cache with SLAB_CACHE_DMA or SLAB_CACHE_DMA32
 *   is refused (kmem_cache_create() returns NULL).
 * - Cache names must be unique among live tcmk caches, and objects of a
 *   cache with a constructor or SLAB_TYPESAFE_BY_RCU at most 32 KiB
 *   (tcmk_cache_create()). Accounting, debug and merge hints (SLAB_ACCOUNT,
 *   SLAB_RECLAIM_ACCOUNT, SLAB_MEM_SPREAD, SLAB_NO_MERGE, SLAB_RED_ZONE,
 *   SLAB_POISON, SLAB_STORE_USER, SLAB_CONSISTENCY_CHECKS) are dropped; the
 *   usercopy region and a free pointer offset are not needed by tcmk.
 *   __GFP_ACCOUNT is not charged to a memory cgroup.
 * - The node of kmem_cache_alloc_node() is not honoured for a tcmk cache,
 *   nor the list_lru of kmem_cache_alloc_lru() (a memcg's).
 * - kvrealloc() and kmem_cache_size() are not routed: a call of either
 *   stops the build.
 * - The headers this one includes define pr_fmt(): as most modules do,
 *   KBUILD_MODNAME ": " fmt, unless it was defined before. A module with
 *   another pr_fmt() includes the shim after defining it, rather than
 *   force-including it.
 *
 * Kernel headers included after this one see the routed names too; those
 * included before (every header this one includes) keep the kernel's.
 */
#ifndef _LINUX_TCMK_SHIM_H
#define _LINUX_TCMK_SHIM_H

/*
 * The headers below define pr_fmt() when nothing has, and a module that
 * defines its own after a forced include would redefine it. This is the
 * definition most modules give (KBUILD_MODNAME ": " fmt), which they may
 * then repeat silently; a module that defines another includes this header
 * after its own instead.
 */
#ifndef pr_fmt
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#endif

#include <linux/tcmk.h>

#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
/* COUNT_ARGS() and CONCATENATE(): in kernel.h before 6.7, in args.h since. */
#ifndef COUNT_ARGS
#include <linux/args.h>
#endif

/*
 * The inline functions below are defined before the #defines at the end,
 * so that in their bodies kmalloc(), kfree() ... are still the kernel's.
 */

/* GFP_DMA and GFP_DMA32 memory comes from the kernel: tcmk has none. */
#define TCMK_SHIM_GFP_KERNEL_ONLY	(__GFP_DMA | __GFP_DMA32)

static __always_inline void *tcmk_shim_kmalloc(size_t size, gfp_t flags)
{
	if (unlikely(flags & TCMK_SHIM_GFP_KERNEL_ONLY))
		return kmalloc(size, flags);
	return tcmk_alloc(size, flags);
}

static __always_inline void *tcmk_shim_kmalloc_node(size_t size, gfp_t flags,
						    int node)
{
	if (unlikely(flags & TCMK_SHIM_GFP_KERNEL_ONLY))
		return kmalloc_node(size, flags, node);
	return tcmk_alloc_node(size, flags, node);
}

static __always_inline void *tcmk_shim_kmalloc_array(size_t n, size_t size,
						     gfp_t flags)
{
	if (unlikely(flags & TCMK_SHIM_GFP_KERNEL_ONLY))
		return kmalloc_array(n, size, flags);
	return tcmk_kmalloc_array(n, size, flags);
}

static __always_inline void *tcmk_shim_kmalloc_array_node(size_t n,
							  size_t size,
							  gfp_t flags,
							  int node)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return tcmk_shim_kmalloc_node(bytes, flags, node);
}

static __always_inline void tcmk_shim_kfree(const void *p)
{
	if (tcmk_owns(p))
		tcmk_free(p);
	else
		kfree(p);
}

static __always_inline size_t tcmk_shim_ksize(const void *p)
{
	return tcmk_owns(p) ? tcmk_usable_size(p) : ksize(p);
}

static __always_inline void tcmk_shim_kfree_sensitive(const void *p)
{
	if (tcmk_owns(p)) {
		/* As kfree_sensitive(): every usable byte, not only those asked. */
		memzero_explicit((void *)p, tcmk_usable_size(p));
		tcmk_free(p);
	} else {
		kfree_sensitive(p);
	}
}

static __always_inline void tcmk_shim_kfree_const(const void *p)
{
	if (tcmk_owns(p))
		tcmk_free(p);
	else
		kfree_const(p);
}

static __always_inline void tcmk_shim_kfree_bulk(size_t nr, void **p)
{
	size_t i;

	for (i = 0; i < nr; i++)
		tcmk_shim_kfree(p[i]);
}

static __always_inline void *tcmk_shim_krealloc(const void *p, size_t size,
						gfp_t flags)
{
	/* A new object, like any other: what kmalloc() would give. */
	if (ZERO_OR_NULL_PTR(p) && size)
		return tcmk_shim_kmalloc(size, flags);
	if (tcmk_owns(p))
		return tcmk_krealloc(p, size, flags);
	return krealloc(p, size, flags);
}

static __always_inline void *tcmk_shim_krealloc_array(void *p, size_t n,
						      size_t size, gfp_t flags)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return tcmk_shim_krealloc(p, bytes, flags);
}

static __always_inline char *tcmk_shim_kstrdup(const char *s, gfp_t flags)
{
	if (unlikely(flags & TCMK_SHIM_GFP_KERNEL_ONLY))
		return kstrdup(s, flags);
	return tcmk_kstrdup(s, flags);
}

static __always_inline void *tcmk_shim_kmemdup(const void *src, size_t len,
					       gfp_t flags)
{
	if (unlikely(flags & TCMK_SHIM_GFP_KERNEL_ONLY))
		return kmemdup(src, len, flags);
	return tcmk_kmemdup(src, len, flags);
}

static __always_inline void *tcmk_shim_kvmalloc(size_t size, gfp_t flags)
{
	if (unlikely(flags & TCMK_SHIM_GFP_KERNEL_ONLY))
		return kvmalloc(size, flags);
	return tcmk_kvmalloc(size, flags);
}

static __always_inline void *tcmk_shim_kvmalloc_array(size_t n, size_t size,
						      gfp_t flags)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return tcmk_shim_kvmalloc(bytes, flags);
}

/* tcmk's objects to tcmk; vmalloc memory and the kernel's to kvfree(). */
static __always_inline void tcmk_shim_kvfree(const void *p)
{
	if (tcmk_owns(p))
		tcmk_free(p);
	else
		kvfree(p);
}

static __always_inline void tcmk_shim_kvfree_sensitive(const void *p,
						       size_t len)
{
	if (tcmk_owns(p)) {
		memzero_explicit((void *)p, len);
		tcmk_free(p);
	} else {
		kvfree_sensitive(p, len);
	}
}

#ifdef DEFINE_FREE
/* __free(kfree) and __free(kvfree) name these, not slab.h's (see below). */
static inline void tcmk_shim___free_kfree(void *p)
{
	void *obj = *(void **)p;

	if (!IS_ERR_OR_NULL(obj))
		tcmk_shim_kfree(obj);
}

static inline void tcmk_shim___free_kfree_sensitive(void *p)
{
	void *obj = *(void **)p;

	if (obj)
		tcmk_shim_kfree_sensitive(obj);
}

static inline void tcmk_shim___free_kvfree(void *p)
{
	void *obj = *(void **)p;

	if (!IS_ERR_OR_NULL(obj))
		tcmk_shim_kvfree(obj);
}
#endif

/*
 * What a module holds as a struct kmem_cache * for a cache made through the
 * shim: an object of tcmk's own, so that tcmk_owns() on the pointer tells
 * it from a kmem_cache of the kernel's.
 */
struct tcmk_shim_cache {
	struct tcmk_cache *cache;
};

/* Hints the slab allocator takes and tcmk has no use for. */
#define TCMK_SHIM_SLAB_DROPPED	(TCMK_SHIM_SLAB_ACCOUNT | TCMK_SHIM_SLAB_SPREAD | \
				 TCMK_SHIM_SLAB_NO_MERGE | TCMK_SHIM_SLAB_DEBUG)
#define TCMK_SHIM_SLAB_ACCOUNT	(SLAB_ACCOUNT | SLAB_RECLAIM_ACCOUNT)
#ifdef SLAB_MEM_SPREAD
#define TCMK_SHIM_SLAB_SPREAD	SLAB_MEM_SPREAD
#else
#define TCMK_SHIM_SLAB_SPREAD	0
#endif
#ifdef SLAB_NO_MERGE
#define TCMK_SHIM_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define TCMK_SHIM_SLAB_NO_MERGE	0
#endif
#define TCMK_SHIM_SLAB_DEBUG	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | \
				 SLAB_POISON | SLAB_STORE_USER)

static inline struct tcmk_shim_cache *tcmk_shim_cache_of(struct kmem_cache *s)
{
	return tcmk_owns(s) ? (struct tcmk_shim_cache *)s : NULL;
}

static inline struct kmem_cache *
tcmk_shim_cache_create(const char *name, unsigned int size, unsigned int align,
		       slab_flags_t flags, void (*ctor)(void *))
{
	struct tcmk_shim_cache *h;

	h = tcmk_alloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		goto fail;
	h->cache = tcmk_cache_create(name, size, align,
				     flags & ~TCMK_SHIM_SLAB_DROPPED, ctor);
	if (!h->cache) {
		tcmk_free(h);
		goto fail;
	}
	return (struct kmem_cache *)h;
fail:
	/* tcmk_cache_create() panics itself; the handle's failure must too. */
	if (flags & SLAB_PANIC)
		panic("tcmk_shim: cannot create cache %s\n", name);
	return NULL;
}

static inline struct kmem_cache *
tcmk_shim_cache_create_usercopy(const char *name, unsigned int size,
				unsigned int align, slab_flags_t flags,
				unsigned int useroffset, unsigned int usersize,
				void (*ctor)(void *))
{
	return tcmk_shim_cache_create(name, size, align, flags, ctor);
}

#ifdef kmem_cache_create
/* 6.12 and later: kmem_cache_create() takes a struct kmem_cache_args. */
static inline struct kmem_cache *
tcmk_shim_cache_create_args(const char *name, unsigned int size,
			    struct kmem_cache_args *args, slab_flags_t flags)
{
	if (!args)
		return tcmk_shim_cache_create(name, size, 0, flags, NULL);
	return tcmk_shim_cache_create(name, size, args->align, flags,
				      args->ctor);
}
#endif

static inline void tcmk_shim_cache_destroy(struct kmem_cache *s)
{
	struct tcmk_shim_cache *h = tcmk_shim_cache_of(s);

	if (!h) {
		kmem_cache_destroy(s);
		return;
	}
	tcmk_cache_destroy(h->cache);
	tcmk_free(h);
}

static __always_inline void *tcmk_shim_cache_alloc(struct kmem_cache *s,
						   gfp_t flags)
{
	struct tcmk_shim_cache *h = tcmk_shim_cache_of(s);

	if (!h)
		return kmem_cache_alloc(s, flags);
	return tcmk_cache_alloc(h->cache, flags);
}

/* A filesystem's inode cache: the list_lru is for memcg, which tcmk is not. */
static __always_inline void *tcmk_shim_cache_alloc_lru(struct kmem_cache *s,
						       struct list_lru *lru,
						       gfp_t flags)
{
	struct tcmk_shim_cache *h = tcmk_shim_cache_of(s);

	if (!h)
		return kmem_cache_alloc_lru(s, lru, flags);
	return tcmk_cache_alloc(h->cache, flags);
}

static __always_inline void *tcmk_shim_cache_alloc_node(struct kmem_cache *s,
							gfp_t flags, int node)
{
	struct tcmk_shim_cache *h = tcmk_shim_cache_of(s);

	if (!h)
		return kmem_cache_alloc_node(s, flags, node);
	return tcmk_cache_alloc(h->cache, flags);
}

static __always_inline void tcmk_shim_cache_free(struct kmem_cache *s,
						 void *obj)
{
	struct tcmk_shim_cache *h = tcmk_shim_cache_of(s);

	if (!h)
		kmem_cache_free(s, obj);
	else
		tcmk_cache_free(h->cache, obj);
}

/* 0 or @nr, as on every kernel: 7.x's bool is 0 or 1, tested the same. */
static inline int tcmk_shim_cache_alloc_bulk(struct kmem_cache *s,
					     gfp_t flags, size_t nr,
					     void **ptrs)
{
	struct tcmk_shim_cache *h = tcmk_shim_cache_of(s);

	if (!h)
		return kmem_cache_alloc_bulk(s, flags, nr, ptrs) ? nr : 0;
	return tcmk_cache_alloc_bulk(h->cache, flags, nr, ptrs);
}

static inline void tcmk_shim_cache_free_bulk(struct kmem_cache *s, size_t nr,
					     void **ptrs)
{
	struct tcmk_shim_cache *h;

	/* kfree_bulk()'s form: each object freed by its owner. */
	if (!s) {
		tcmk_shim_kfree_bulk(nr, ptrs);
		return;
	}
	h = tcmk_shim_cache_of(s);
	if (!h)
		kmem_cache_free_bulk(s, nr, ptrs);
	else
		tcmk_cache_free_bulk(h->cache, nr, ptrs);
}

static inline int tcmk_shim_cache_shrink(struct kmem_cache *s)
{
	struct tcmk_shim_cache *h = tcmk_shim_cache_of(s);

	if (!h)
		return kmem_cache_shrink(s);
	tcmk_cache_shrink(h->cache);
	return 0;
}

/* Calls the shim does not route: a module that makes one does not build. */
extern void *tcmk_shim_kvrealloc(const void *p, ...)
	__compiletime_error("kvrealloc() is not routed by tcmk_shim.h");
extern unsigned int tcmk_shim_cache_size(struct kmem_cache *s)
	__compiletime_error("kmem_cache_size() is not routed by tcmk_shim.h");

/* The switch. */
#undef kmalloc
#define kmalloc(size, flags)		tcmk_shim_kmalloc(size, flags)
#undef kzalloc
#define kzalloc(size, flags)		tcmk_shim_kmalloc(size, (flags) | __GFP_ZERO)
#undef kmalloc_node
#define kmalloc_node(size, flags, node)	tcmk_shim_kmalloc_node(size, flags, node)
#undef kzalloc_node
#define kzalloc_node(size, flags, node)	\
	tcmk_shim_kmalloc_node(size, (flags) | __GFP_ZERO, node)
#undef kmalloc_array
#define kmalloc_array(n, size, flags)	tcmk_shim_kmalloc_array(n, size, flags)
#undef kcalloc
#define kcalloc(n, size, flags)		\
	tcmk_shim_kmalloc_array(n, size, (flags) | __GFP_ZERO)
#undef kmalloc_array_node
#define kmalloc_array_node(n, size, flags, node)	\
	tcmk_shim_kmalloc_array_node(n, size, flags, node)
#undef kcalloc_node
#define kcalloc_node(n, size, flags, node)	\
	tcmk_shim_kmalloc_array_node(n, size, (flags) | __GFP_ZERO, node)
#undef krealloc
#define krealloc(p, size, flags)	tcmk_shim_krealloc(p, size, flags)
#undef krealloc_array
#define krealloc_array(p, n, size, flags)	\
	tcmk_shim_krealloc_array(p, n, size, flags)
#undef kstrdup
#define kstrdup(s, flags)		tcmk_shim_kstrdup(s, flags)
#undef kmemdup
#define kmemdup(src, len, flags)	tcmk_shim_kmemdup(src, len, flags)
#undef kvmalloc
#define kvmalloc(size, flags)		tcmk_shim_kvmalloc(size, flags)
#undef kvzalloc
#define kvzalloc(size, flags)		tcmk_shim_kvmalloc(size, (flags) | __GFP_ZERO)
#undef kvmalloc_array
#define kvmalloc_array(n, size, flags)	tcmk_shim_kvmalloc_array(n, size, flags)
#undef kvcalloc
#define kvcalloc(n, size, flags)	\
	tcmk_shim_kvmalloc_array(n, size, (flags) | __GFP_ZERO)
#undef kvrealloc
#define kvrealloc(p, ...)		tcmk_shim_kvrealloc(p, __VA_ARGS__)

/* Object-like, so that kfree and kvfree passed as a callback route too. */
#undef kfree
#define kfree				tcmk_shim_kfree
#undef kvfree
#define kvfree				tcmk_shim_kvfree
#undef ksize
#define ksize(p)			tcmk_shim_ksize(p)
#undef kfree_sensitive
#define kfree_sensitive(p)		tcmk_shim_kfree_sensitive(p)
#undef kvfree_sensitive
#define kvfree_sensitive(p, len)	tcmk_shim_kvfree_sensitive(p, len)
#undef kfree_const
#define kfree_const(p)			tcmk_shim_kfree_const(p)
#undef kfree_bulk
#define kfree_bulk(nr, p)		tcmk_shim_kfree_bulk(nr, p)

#ifdef DEFINE_FREE
/* __free(kfree) pastes the name __free_kfree, which slab.h defined. */
#define __free_kfree			tcmk_shim___free_kfree
#define __free_kvfree			tcmk_shim___free_kvfree
#define __free_kfree_sensitive		tcmk_shim___free_kfree_sensitive
#endif

#ifdef kmem_cache_create
#undef kmem_cache_create
/* As slab.h's _Generic: a struct kmem_cache_args pointer, or NULL. */
#define tcmk_shim_cache_args_p(args)					\
	(__builtin_types_compatible_p(typeof(args), struct kmem_cache_args *) || \
	 __builtin_types_compatible_p(typeof(args), void *))
#define kmem_cache_create(name, size, args, ...)			\
	__builtin_choose_expr(tcmk_shim_cache_args_p(args),		\
			      tcmk_shim_cache_create_args,		\
			      tcmk_shim_cache_create)(name, size, args, __VA_ARGS__)
#else
#define kmem_cache_create(name, size, align, flags, ctor)		\
	tcmk_shim_cache_create(name, size, align, flags, ctor)
#endif
#undef kmem_cache_create_usercopy
#define kmem_cache_create_usercopy(name, size, align, flags, off, len, ctor) \
	tcmk_shim_cache_create_usercopy(name, size, align, flags, off, len, ctor)
#undef KMEM_CACHE
#define KMEM_CACHE(s, flags)						\
	tcmk_shim_cache_create(#s, sizeof(struct s), __alignof__(struct s), \
			       flags, NULL)
#undef KMEM_CACHE_USERCOPY
#define KMEM_CACHE_USERCOPY(s, flags, field)				\
	tcmk_shim_cache_create_usercopy(#s, sizeof(struct s),		\
					__alignof__(struct s), flags,	\
					offsetof(struct s, field),	\
					sizeof_field(struct s, field), NULL)
#undef kmem_cache_destroy
#define kmem_cache_destroy(s)		tcmk_shim_cache_destroy(s)
#undef kmem_cache_alloc
#define kmem_cache_alloc(s, flags)	tcmk_shim_cache_alloc(s, flags)
#undef kmem_cache_zalloc
#define kmem_cache_zalloc(s, flags)	tcmk_shim_cache_alloc(s, (flags) | __GFP_ZERO)
#undef kmem_cache_alloc_lru
#define kmem_cache_alloc_lru(s, lru, flags)	\
	tcmk_shim_cache_alloc_lru(s, lru, flags)
#undef kmem_cache_alloc_node
#define kmem_cache_alloc_node(s, flags, node)	\
	tcmk_shim_cache_alloc_node(s, flags, node)
#undef kmem_cache_free
#define kmem_cache_free(s, obj)		tcmk_shim_cache_free(s, obj)
#undef kmem_cache_alloc_bulk
#define kmem_cache_alloc_bulk(s, flags, nr, p)	\
	tcmk_shim_cache_alloc_bulk(s, flags, nr, p)
#undef kmem_cache_free_bulk
#define kmem_cache_free_bulk(s, nr, p)	tcmk_shim_cache_free_bulk(s, nr, p)
#undef kmem_cache_shrink
#define kmem_cache_shrink(s)		tcmk_shim_cache_shrink(s)
#undef kmem_cache_size
#define kmem_cache_size(s)		tcmk_shim_cache_size(s)

/*
 * RCU frees: with a field name, an object of tcmk's is queued by
 * tcmk_free_rcu(); without, by tcmk_free_rcu_mightsleep(). The kernel's
 * objects take the kernel's path, kvfree_rcu_arg_2() or _1(), which every
 * kernel from 6.1 to 7.3 defines.
 */
#define tcmk_shim_free_rcu_2(ptr, rhf)					\
do {									\
	typeof(ptr) ___shim_p = (ptr);					\
									\
	if (tcmk_owns(___shim_p))					\
		__tcmk_free_rcu(___shim_p,				\
				(struct rcu_head *)(void *)&___shim_p->rhf); \
	else								\
		kvfree_rcu_arg_2(___shim_p, rhf);			\
} while (0)

#define tcmk_shim_free_rcu_1(ptr)					\
do {									\
	typeof(ptr) ___shim_p = (ptr);					\
									\
	if (tcmk_owns(___shim_p))					\
		tcmk_free_rcu_mightsleep(___shim_p);			\
	else								\
		kvfree_rcu_arg_1(___shim_p);				\
} while (0)

#undef kfree_rcu
#define kfree_rcu(ptr, ...)						\
	CONCATENATE(tcmk_shim_free_rcu_, COUNT_ARGS(ptr, ##__VA_ARGS__))(ptr, ##__VA_ARGS__)
#undef kvfree_rcu
#define kvfree_rcu(...)			kfree_rcu(__VA_ARGS__)
#undef kfree_rcu_mightsleep
#define kfree_rcu_mightsleep(ptr)	tcmk_shim_free_rcu_1(ptr)
#undef kvfree_rcu_mightsleep
#define kvfree_rcu_mightsleep(ptr)	tcmk_shim_free_rcu_1(ptr)

#endif /* _LINUX_TCMK_SHIM_H */
