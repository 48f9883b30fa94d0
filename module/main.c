// SPDX-License-Identifier: GPL-2.0
/*
 * tcmk: module init and exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "tcmk.h"

static int __init tcmk_init(void)
{
	int err;

	err = tcmk_sysfs_init();
	if (err)
		return err;
	pr_info("version %s, %u size classes up to %u bytes\n", TCMK_VERSION,
		TCMK_NR_CLASSES, TCMK_MAX_SMALL_SIZE);
	return 0;
}

static void __exit tcmk_exit(void)
{
	tcmk_sysfs_exit();
}

module_init(tcmk_init);
module_exit(tcmk_exit);

MODULE_DESCRIPTION("tcmk: a TCMalloc-style kernel allocator with an opt-in garbage collector");
MODULE_LICENSE("GPL");
MODULE_VERSION(TCMK_VERSION);
