// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk: the kmalloc family (kmalloc_array, kcalloc, krealloc, kstrdup,
 * kmemdup, kvmalloc, kvfree) over tcmk_alloc() and tcmk_free(). RCU frees
 * are in free_rcu.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/tcmk.h>
#include <linux/vmalloc.h>

#include "tcmk.h"

/*
 * Each function here allocates for its caller (tcmk_alloc_caller()): the
 * heap profile, the trace events and kmemleak name the code that called
 * tcmk_kcalloc(), not tcmk_kcalloc().
 */
static void *kmalloc_array_at(size_t n, size_t size, gfp_t flags,
			      unsigned long caller)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return tcmk_alloc_caller(bytes, flags, caller);
}

void *tcmk_kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array_at(n, size, flags, _RET_IP_);
}
EXPORT_SYMBOL_GPL(tcmk_kmalloc_array);

void *tcmk_kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array_at(n, size, flags | __GFP_ZERO, _RET_IP_);
}
EXPORT_SYMBOL_GPL(tcmk_kcalloc);

/*
 * The bytes of @p, if it is the start of an object tcmk_free() would take;
 * else 0. tcmk_usable_size() alone would also answer for collected objects
 * and for addresses inside an object, which tcmk_krealloc() must not copy
 * from and free.
 */
static size_t object_size(const void *p)
{
	struct tcmk_span *span = tcmk_span_of(p);

	if (!span)
		return 0;
	switch (span->state) {
	case TCMK_SPAN_SMALL:
		if (!tcmk_span_obj_start(span, p))
			return 0;
		break;
	case TCMK_SPAN_LARGE:
	case TCMK_SPAN_SAMPLED:
		if (p != span->base)
			return 0;
		break;
	default:
		return 0;
	}
	return tcmk_usable_size(p);
}

void *tcmk_krealloc(const void *p, size_t new_size, gfp_t flags)
{
	size_t ks;
	void *ret;

	if (unlikely(!new_size)) {
		tcmk_free(p);
		return ZERO_SIZE_PTR;
	}
	if (ZERO_OR_NULL_PTR(p))
		return tcmk_alloc_caller(new_size, flags, _RET_IP_);
	ks = object_size(p);
	if (unlikely(!ks)) {
		/* tcmk_free() refuses it: the warning and the count are its. */
		tcmk_free(p);
		return NULL;
	}
	if (new_size <= ks) {
		/*
		 * What a later grow in place brings back into view must read
		 * zero, as krealloc() zeroes it: the object's allocation zeroed
		 * every usable byte, and each shrink zeroes what it cuts.
		 */
		if (tcmk_want_zero(flags))
			memset((char *)p + new_size, 0, ks - new_size);
		return (void *)p;
	}
	ret = tcmk_alloc_caller(new_size, flags, _RET_IP_);
	if (!ret)
		return NULL;
	memcpy(ret, p, ks);
	tcmk_free(p);
	return ret;
}
EXPORT_SYMBOL_GPL(tcmk_krealloc);

static void *kmemdup_at(const void *src, size_t len, gfp_t flags,
			unsigned long caller)
{
	void *p = tcmk_alloc_caller(len, flags, caller);

	if (!ZERO_OR_NULL_PTR(p))
		memcpy(p, src, len);
	return p;
}

char *tcmk_kstrdup(const char *s, gfp_t flags)
{
	if (!s)
		return NULL;
	return kmemdup_at(s, strlen(s) + 1, flags, _RET_IP_);
}
EXPORT_SYMBOL_GPL(tcmk_kstrdup);

void *tcmk_kmemdup(const void *src, size_t len, gfp_t flags)
{
	return kmemdup_at(src, len, flags, _RET_IP_);
}
EXPORT_SYMBOL_GPL(tcmk_kmemdup);

void *tcmk_kvmalloc(size_t size, gfp_t flags)
{
	gfp_t tcmk_flags = flags;
	void *p;

	/*
	 * As kvmalloc_node() asks kmalloc(): contiguous memory first, but
	 * without the OOM killer or a warning when vmalloc can take over.
	 */
	if (size > PAGE_SIZE) {
		tcmk_flags |= __GFP_NOWARN;
		if (!(tcmk_flags & __GFP_RETRY_MAYFAIL))
			tcmk_flags |= __GFP_NORETRY;
		tcmk_flags &= ~__GFP_NOFAIL;
	}
	/* Above what tcmk serves, tcmk_alloc() fails at once. */
	p = tcmk_alloc_caller(size, tcmk_flags, _RET_IP_);
	if (p || size <= PAGE_SIZE)
		return p;
	/* tcmk_alloc() has warned: vmalloc would hand out other zones. */
	if (flags & TCMK_GFP_REFUSED)
		return NULL;
	/*
	 * vmalloc() allocates page tables with GFP_KERNEL: before 6.17 it
	 * takes no flags that may not sleep, and tcmk behaves alike on every
	 * kernel.
	 */
	if (!gfpflags_allow_blocking(flags))
		return NULL;
	if (unlikely(size > INT_MAX)) {
		WARN_ON_ONCE(!(flags & __GFP_NOWARN));
		return NULL;
	}
	return __vmalloc(size, flags);
}
EXPORT_SYMBOL_GPL(tcmk_kvmalloc);

void tcmk_kvfree(const void *addr)
{
	if (is_vmalloc_addr(addr))
		vfree(addr);
	else
		tcmk_free(addr);
}
EXPORT_SYMBOL_GPL(tcmk_kvfree);
