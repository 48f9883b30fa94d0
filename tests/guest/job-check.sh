#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make check': load tcmk.ko and tcmk_harness.ko, run each KUnit
# module in /tcmk/kunit and the kselftests installed in /tcmk/kselftest,
# unload both.
# Results go to fd 3 in the bracketed form tests/guest/tally.awk reads.
echo "TCMK-INFO kernel $(uname -r)" >&3

insmod /tcmk/tcmk.ko || { echo "TCMK-ERROR cannot load tcmk.ko" >&3; exit 1; }
insmod /tcmk/tcmk_harness.ko ||
	{ echo "TCMK-ERROR cannot load tcmk_harness.ko" >&3; exit 1; }

for ko in /tcmk/kunit/*.ko; do
	[ -e "$ko" ] || continue
	name=$(basename "$ko" .ko)
	dmesg -c >/dev/null
	insmod "$ko"
	rc=$?
	echo "TCMK-BEGIN ktap $name" >&3
	dmesg >&3
	echo "TCMK-END ktap $name rc=$rc" >&3
	rmmod "$name"
done

# The kselftests, as on any machine where tcmk is loaded: the tree
# 'make kselftest-install' lays out, run by the kernel's run_kselftest.sh,
# whose TAP nests each binary's own.
echo "TCMK-BEGIN kselftest run_kselftest.sh" >&3
/tcmk/kselftest/run_kselftest.sh >&3 2>&1
echo "TCMK-END kselftest run_kselftest.sh rc=$?" >&3

rmmod tcmk_harness || { echo "TCMK-ERROR cannot unload tcmk_harness" >&3; exit 1; }
rmmod tcmk || { echo "TCMK-ERROR cannot unload tcmk" >&3; exit 1; }
