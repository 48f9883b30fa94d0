// SPDX-License-Identifier: GPL-2.0
/*
 * mksizeclasses: generate tcmk's size-class table (module/sizeclasses.h).
 *
 * This is a host program, run by 'make sizeclasses'; its output is committed so
 * that module builds (DKMS, other kernels) need nothing but Kbuild, and 'make
 * check' verifies that the committed table is what this program generates.
 *
 * The rule is the Go runtime's (runtime/mksizeclasses.go), applied to the
 * kernel's 4 KiB pages:
 *
 *  - Sizes step by an alignment that grows with the size: 8 B up to 16 B,
 *    16 B up to 128 B, size/8 up to 2 KiB, then 256 B. So a request rounds up
 *    by less than 1/8 of its class size from 128 B on (and by less than the
 *    16 B alignment step below that). Unlike Go there is no 24 B class: every
 *    object of 16 B or more is 16 B aligned, as kmalloc's are.
 *  - Each class's span is the smallest number of pages whose tail, after the
 *    last whole object, is at most 1/8 of the span.
 *  - A size is folded into the next one when both would use the same span size
 *    and hold the same number of objects, unless folding would break the
 *    rounding bound above.
 *  - A class is then widened to fill its span evenly (keeping 128 B
 *    granularity), which costs no memory and gives callers more usable bytes,
 *    again only within the rounding bound, and only where the span is still
 *    the smallest one the wider objects would get.
 *
 * The lookup from a request size to a class is one byte table with 8 B
 * granularity up to 32 KiB (4 KiB of table), so the allocator's fast path
 * needs neither a loop nor a division, and no second range test: the test
 * that a request is small computes the table's index on the way. (Go splits
 * it in two at 1 KiB, a 128 B-granular table above, to save space; the split
 * costs a compare and a branch on every allocation.)
 *
 * For each class it also emits a 32-bit reciprocal so that the index of the
 * object holding any byte offset within a span is (offset * magic) >> 32,
 * exact for every offset in the span (checked here and by the KUnit suite).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define PAGE_SIZE	4096u
#define MAX_SMALL	32768u
#define LOOKUP_STEP	8u	/* granularity of the lookup table */
#define WIDE_MIN	1024u	/* classes above this are widened ... */
#define WIDE_STEP	128u	/* ... in steps of this */
#define MAX_CLASSES	128

/*
 * Objects moved between the per-CPU caches and the transfer cache at a time:
 * about 32 KiB worth, at least 4 and at most 32 objects (TCMalloc sizes its
 * batches the same way, by bytes per move with a floor and a ceiling). The
 * floor of 4 matters for the classes above 8 KiB, whose spans hold one or
 * two objects: every move costs a trip through the transfer cache, the
 * central list and the page heap, and a move of 2 left the 32 KiB class at
 * 0.8x kmalloc's instructions in a batch of allocations and frees.
 */
#define BATCH_BYTES	32768u
#define BATCH_MIN	4u
#define BATCH_MAX	32u

struct sclass {
	unsigned int size;
	unsigned int pages;
};

static struct sclass classes[MAX_CLASSES];
static unsigned int nr_classes;

static int is_pow2(unsigned int x)
{
	return x && !(x & (x - 1));
}

static unsigned int span_pages(unsigned int size)
{
	unsigned int bytes = PAGE_SIZE;

	while (bytes % size > bytes / 8)
		bytes += PAGE_SIZE;
	return bytes / PAGE_SIZE;
}

/* Largest request that rounds up to a class of 'size' above a class 'prev'. */
static int rounding_ok(unsigned int prev, unsigned int size)
{
	unsigned int worst = size - (prev + 1);

	if (size <= 128)
		return worst < 16;
	return worst * 8 <= size;
}

static void fail(const char *what, unsigned int c)
{
	fprintf(stderr, "mksizeclasses: %s (class %u, size %u)\n", what, c,
		classes[c].size);
	exit(1);
}

static void make_classes(void)
{
	unsigned int align = 8;
	unsigned int size;

	for (size = align; size <= MAX_SMALL; size += align) {
		unsigned int pages;

		if (is_pow2(size)) {
			if (size >= 2048)
				align = 256;
			else if (size >= 128)
				align = size / 8;
			else if (size >= 16)
				align = 16;
		}
		pages = span_pages(size);
		if (nr_classes > 0) {
			struct sclass *last = &classes[nr_classes - 1];
			unsigned int prev = nr_classes > 1 ?
					    classes[nr_classes - 2].size : 0;
			unsigned int bytes = pages * PAGE_SIZE;

			if (last->pages == pages &&
			    bytes / last->size == bytes / size &&
			    rounding_ok(prev, size) && !is_pow2(last->size)) {
				last->size = size;
				continue;
			}
		}
		if (nr_classes == MAX_CLASSES)
			fail("too many classes", nr_classes);
		classes[nr_classes].size = size;
		classes[nr_classes].pages = pages;
		nr_classes++;
	}

	for (unsigned int c = 0; c < nr_classes; c++) {
		struct sclass *cl = &classes[c];
		unsigned int bytes = cl->pages * PAGE_SIZE;
		unsigned int wide = (bytes / (bytes / cl->size)) & ~(WIDE_STEP - 1);
		unsigned int prev = c ? classes[c - 1].size : 0;
		unsigned int next = c + 1 < nr_classes ? classes[c + 1].size : ~0u;

		if (cl->size <= WIDE_MIN || is_pow2(cl->size))
			continue;
		if (wide > cl->size && wide < next && rounding_ok(prev, wide) &&
		    span_pages(wide) == cl->pages)
			cl->size = wide;
	}
}

static unsigned int batch(unsigned int size)
{
	unsigned int n = BATCH_BYTES / size;

	if (n < BATCH_MIN)
		n = BATCH_MIN;
	if (n > BATCH_MAX)
		n = BATCH_MAX;
	return n;
}

/* ceil(2^32 / size): exact for offset < span bytes, verified below. */
static uint32_t div_magic(unsigned int size)
{
	return (uint32_t)(((1ull << 32) + size - 1) / size);
}

static unsigned int class_of(unsigned int size)
{
	unsigned int c = 0;

	while (classes[c].size < size)
		c++;
	return c;
}

static void verify(void)
{
	for (unsigned int c = 0; c < nr_classes; c++) {
		const struct sclass *cl = &classes[c];
		unsigned int bytes = cl->pages * PAGE_SIZE;
		unsigned int prev = c ? classes[c - 1].size : 0;
		uint32_t magic = div_magic(cl->size);

		if (c && cl->size <= prev)
			fail("sizes not increasing", c);
		if (cl->size % (cl->size >= 16 ? 16 : 8))
			fail("misaligned size", c);
		if (cl->size > WIDE_MIN && cl->size % WIDE_STEP)
			fail("size not a multiple of the widening step", c);
		if (cl->size % LOOKUP_STEP)
			fail("size not a multiple of the lookup step", c);
		if (bytes % cl->size > bytes / 8)
			fail("span tail over 1/8", c);
		if (span_pages(cl->size) != cl->pages)
			fail("span not the smallest that fits the rule", c);
		if (!rounding_ok(prev, cl->size))
			fail("rounding waste over bound", c);
		for (unsigned int off = 0; off < bytes; off++)
			if ((uint32_t)(((uint64_t)off * magic) >> 32) !=
			    off / cl->size)
				fail("division magic inexact", c);
	}
	if (classes[0].size != 8 || classes[nr_classes - 1].size != MAX_SMALL)
		fail("classes must span 8 B to 32 KiB", 0);
	for (unsigned int p = 8; p <= PAGE_SIZE; p *= 2)
		if (classes[class_of(p)].size != p)
			fail("power of two has no exact class", class_of(p));
}

/* Entry i: the class of a request of i * step + 1 to (i + 1) * step bytes. */
static void emit_lookup(const char *name, unsigned int last, unsigned int step)
{
	unsigned int i = 0;

	printf("#define %s { \\\n\t", name);
	for (unsigned int size = step; size <= last; size += step, i++)
		printf("%u,%s", class_of(size),
		       size + step > last ? " \\\n}\n" :
		       (i % 16 == 15) ? " \\\n\t" : " ");
}

int main(void)
{
	make_classes();
	verify();

	/* Split so that checkpatch does not take it for this file's tag. */
	printf("/* %s%s: GPL-2.0 */\n", "SPDX-", "License-Identifier");
	printf("/*\n * tcmk size classes for %u-byte pages.\n"
	       " * Generated by mksizeclasses ('make sizeclasses'): do not edit.\n */\n",
	       PAGE_SIZE);
	printf("#ifndef TCMK_SIZECLASSES_H\n#define TCMK_SIZECLASSES_H\n\n");
	printf("#define TCMK_CLASS_PAGE_SIZE\t%u\n", PAGE_SIZE);
	printf("#define TCMK_NR_CLASSES\t\t%u\n", nr_classes);
	printf("#define TCMK_MAX_SMALL_SIZE\t%u\n", MAX_SMALL);
	printf("#define TCMK_LOOKUP_STEP\t%u\n\n", LOOKUP_STEP);

	printf("/*\n * TCMK_SIZE_CLASSES(C) expands C(class, size, pages_per_span,\n"
	       " * objects_per_span, batch, div_magic) once per class, smallest first.\n */\n");
	printf("#define TCMK_SIZE_CLASSES(C) \\\n");
	for (unsigned int c = 0; c < nr_classes; c++) {
		const struct sclass *cl = &classes[c];

		printf("\tC(%2u, %5u, %u, %3u, %2u, %10uu)%s\n", c, cl->size,
		       cl->pages, cl->pages * PAGE_SIZE / cl->size,
		       batch(cl->size), div_magic(cl->size),
		       c + 1 < nr_classes ? " \\" : "");
	}

	printf("\n/* Class of a request of 1 <= n <= %u bytes: index (n - 1) / %u. */\n",
	       MAX_SMALL, LOOKUP_STEP);
	emit_lookup("TCMK_CLASS_LOOKUP", MAX_SMALL, LOOKUP_STEP);
	printf("\n#endif /* TCMK_SIZECLASSES_H */\n");
	return 0;
}
