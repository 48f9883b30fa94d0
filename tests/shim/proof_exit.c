// SPDX-License-Identifier: GPL-2.0
/*
 * An empty module_exit() for the kernel's test modules that have none
 * (lib/test_meminit.c), linked into their shim builds: a module with an init
 * and no exit cannot be unloaded, and 'make check' unloads each to see that
 * nothing of it is left in tcmk.
 */
#include <linux/init.h>
#include <linux/module.h>

static void __exit tcmk_shim_proof_exit(void)
{
}
module_exit(tcmk_shim_proof_exit);
