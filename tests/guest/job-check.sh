#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make check': load tcmk.ko and tcmk_harness.ko, run each KUnit
# module in /tcmk/kunit and the kselftests installed in /tcmk/kselftest,
# unload both; then, where there is KUnit, load tcmk.ko again in debug mode
# (debug=FZPU) for debug mode's own suite, tcmk_debug_kunit.ko, alone.
# Results go to fd 3 in the bracketed form tests/guest/tally.awk reads.
echo "TCMK-INFO kernel $(uname -r)" >&3
nodes=$(cat /sys/devices/system/node/online 2>/dev/null || echo "0 (no NUMA)")
echo "TCMK-INFO NUMA nodes online: $nodes" >&3

insmod /tcmk/tcmk.ko || { echo "TCMK-ERROR cannot load tcmk.ko" >&3; exit 1; }
insmod /tcmk/tcmk_harness.ko ||
	{ echo "TCMK-ERROR cannot load tcmk_harness.ko" >&3; exit 1; }

DEBUG_KUNIT=/tcmk/kunit/tcmk_debug_kunit.ko

# run_kunit KO LABEL: load a KUnit module, bracket its dmesg, unload it.
run_kunit() {
	name=$(basename "$1" .ko)
	dmesg -c >/dev/null
	insmod "$1"
	rc=$?
	echo "TCMK-BEGIN ktap $2" >&3
	dmesg >&3
	echo "TCMK-END ktap $2 rc=$rc" >&3
	rmmod "$name"
}

for ko in /tcmk/kunit/*.ko; do
	[ -e "$ko" ] || continue
	[ "$ko" = "$DEBUG_KUNIT" ] && continue
	run_kunit "$ko" "$(basename "$ko" .ko)"
done

# The kselftests, as on any machine where tcmk is loaded: the tree
# 'make kselftest-install' lays out, run by the kernel's run_kselftest.sh,
# whose TAP nests each binary's own.
echo "TCMK-BEGIN kselftest run_kselftest.sh" >&3
/tcmk/kselftest/run_kselftest.sh >&3 2>&1
echo "TCMK-END kselftest run_kselftest.sh rc=$?" >&3

rmmod tcmk_harness || { echo "TCMK-ERROR cannot unload tcmk_harness" >&3; exit 1; }
rmmod tcmk || { echo "TCMK-ERROR cannot unload tcmk" >&3; exit 1; }

# Debug mode: its checks work only when tcmk.ko is loaded with them, and its
# suite corrupts objects on purpose, which the other suites must not see.
if [ -e "$DEBUG_KUNIT" ]; then
	insmod /tcmk/tcmk.ko debug=FZPU ||
		{ echo "TCMK-ERROR cannot load tcmk.ko debug=FZPU" >&3; exit 1; }
	run_kunit "$DEBUG_KUNIT" tcmk_debug_kunit.debug=FZPU
	rmmod tcmk || { echo "TCMK-ERROR cannot unload tcmk (debug=FZPU)" >&3; exit 1; }
fi
