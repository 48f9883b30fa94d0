// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk size classes: the generated table and the request-size lookup table.
 */
#include <linux/build_bug.h>
#include <linux/export.h>
#include <linux/mm.h>

#include "tcmk.h"

/* The table was generated for 4 KiB pages; other page sizes need a new one. */
static_assert(PAGE_SIZE == TCMK_CLASS_PAGE_SIZE);

#define TCMK_CLASS_INFO(cls, sz, pg, objs, bat, magic)			\
	[cls] = { .size = (sz), .pages = (pg), .objects = (objs),	\
		  .batch = (bat), .div_magic = (magic) },

const struct tcmk_class_info tcmk_classes[TCMK_NR_CLASSES] = {
	TCMK_SIZE_CLASSES(TCMK_CLASS_INFO)
};
EXPORT_SYMBOL_NS_GPL(tcmk_classes, TCMK_NS_INTERNAL);

const u8 tcmk_class_lookup[] = TCMK_CLASS_LOOKUP;
EXPORT_SYMBOL_NS_GPL(tcmk_class_lookup, TCMK_NS_INTERNAL);
