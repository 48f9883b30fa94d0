#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make check': load tcmk.ko and tcmk_harness.ko, run each KUnit
# module in /tcmk/kunit, the kernel's test modules built on the shim in
# /tcmk/shim and the kselftests installed in /tcmk/kselftest, unload both; then, where there is KUnit, load tcmk.ko again in debug mode
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

# The shim's proof: test modules of the kernel's lib/, built with
# <linux/tcmk_shim.h> force-included, loaded on tcmk. Each counts three
# results: its own tests passed (init returned 0 and it said so), tcmk
# served its objects (alloc_total grew by at least what its tests allocate
# with kmalloc() alone), and nothing of it is left in tcmk after rmmod
# (bytes_in_use, live objects and refused frees as before insmod, and no
# cache destroyed with objects in use).
tcmk_fig() {
	cat "/sys/kernel/tcmk/$1"
}

# shim_min NAME: the fewest objects the module's tests take from kmalloc().
shim_min() {
	case $1 in
	# test_kvmalloc(): two kmalloc() of each of 20 sizes.
	tcmk_shim_test_meminit) echo 40 ;;
	# Two pointer arrays and 127 elements in each.
	tcmk_shim_test_memcat_p) echo 256 ;;
	*) echo 1 ;;
	esac
}

run_shim() {
	name=$(basename "$1" .ko)
	in_use0=$(tcmk_fig bytes_in_use) alloc0=$(tcmk_fig alloc_total)
	live0=$(($(tcmk_fig alloc_total) - $(tcmk_fig free_total)))
	bad0=$(tcmk_fig bad_free_total)
	dmesg -c >/dev/null
	insmod "$1"
	rc=$?
	alloc1=$(tcmk_fig alloc_total)
	unloaded=no
	[ "$rc" != 0 ] || ! rmmod "$name" || unloaded=yes
	in_use2=$(tcmk_fig bytes_in_use)
	live2=$(($(tcmk_fig alloc_total) - $(tcmk_fig free_total)))
	bad2=$(tcmk_fig bad_free_total)
	log=$(dmesg)
	echo "TCMK-BEGIN shim $name" >&3
	printf '%s\n' "$log" | sed 's/^/# /' >&3
	if [ "$rc" = 0 ] && printf '%s\n' "$log" | grep -q "$name: .*passed" &&
	   ! printf '%s\n' "$log" | grep -q "$name: .*fail"; then
		echo "ok 1 its own tests passed" >&3
	else
		echo "not ok 1 its own tests failed: insmod exited $rc, see its lines above" >&3
	fi
	min=$(shim_min "$name")
	if [ $((alloc1 - alloc0)) -ge "$min" ]; then
		echo "ok 2 tcmk served its objects: alloc_total +$((alloc1 - alloc0))" >&3
	else
		echo "not ok 2 tcmk served too few objects: alloc_total +$((alloc1 - alloc0)), expected at least $min" >&3
	fi
	if [ "$unloaded" != yes ]; then
		echo "not ok 3 not unloaded: insmod exited $rc, or rmmod failed" >&3
	elif [ "$in_use2" = "$in_use0" ] && [ "$live2" = "$live0" ] && [ "$bad2" = "$bad0" ] &&
	   ! printf '%s\n' "$log" | grep -q "destroyed with .* objects in use"; then
		echo "ok 3 nothing left in tcmk at unload" >&3
	else
		echo "not ok 3 left in tcmk at unload: bytes_in_use $in_use0 -> $in_use2, live objects $live0 -> $live2, bad_free_total $bad0 -> $bad2" >&3
	fi
	echo "TCMK-END shim $name rc=$rc" >&3
}

for ko in /tcmk/shim/*.ko; do
	[ -e "$ko" ] || continue
	run_shim "$ko"
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
