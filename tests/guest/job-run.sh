#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make run': load tcmk.ko, show it through tcmkstat, unload it.
# Everything on fd 3 is what 'make run' shows.
exec 2>&3
echo "# uname -r: $(uname -r)" >&3
echo "# insmod tcmk.ko" >&3
insmod /tcmk/tcmk.ko || exit 1
dmesg | grep 'tcmk:' >&3
echo "# tcmkstat" >&3
/tcmk/tcmkstat >&3 || exit 1
echo "# rmmod tcmk" >&3
rmmod tcmk || exit 1
[ ! -e /sys/kernel/tcmk ] || { echo "/sys/kernel/tcmk left behind" >&3; exit 1; }
echo "# unloaded cleanly" >&3
