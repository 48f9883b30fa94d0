#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make bench': load tcmk.ko and tcmk_bench.ko, run the suites
# named by tcmk_bench=SUITE[,SUITE...] on the kernel command line, and copy
# their "BENCH ..." lines to the results channel (fd 3).
exec 2>&3
suites=$(sed -n 's/.*tcmk_bench=\([a-z_,]*\).*/\1/p' /proc/cmdline)
echo "# uname -r: $(uname -r)" >&3
echo "# cmdline: $(cat /proc/cmdline)" >&3
echo "# cpus: $(grep -c ^processor /proc/cpuinfo)" >&3
insmod /tcmk/tcmk.ko || exit 1
insmod /tcmk/tcmk_bench.ko || exit 1
dmesg -c >/dev/null
rc=0
for s in $(echo "$suites" | tr , ' '); do
	echo "$s" >/sys/kernel/debug/tcmk_bench/run || rc=1
	dmesg -c | sed -n 's/^\[[ 0-9.]*\] tcmk_bench: //p' >&3
done
# The cost of heap profile sampling: the figures above are at the default
# sample_bytes; the back-to-back pairs again with sampling off, as
# alloc=tcmk_nosample. Then the cost of one sample: the suite sample_pair
# with sampling off (alloc=tcmk_nosample) and with every allocation sampled
# (sample_bytes 1, alloc=tcmk_sampleall).
pair() {
	echo "$1" >/sys/kernel/tcmk/sample_bytes || rc=1
	echo "$2" >/sys/kernel/debug/tcmk_bench/run || rc=1
	dmesg -c | sed -n "s/^\[[ 0-9.]*\] tcmk_bench: \(BENCH scenario=$3 alloc=\)tcmk /\1$4 /p" >&3
}
case ",$suites," in
*,icount,*)
	rate=$(cat /sys/kernel/tcmk/sample_bytes)
	pair 0 fastpath b2b tcmk_nosample
	pair 0 sample_pair sample_pair tcmk_nosample
	pair 1 sample_pair sample_pair tcmk_sampleall
	echo "$rate" >/sys/kernel/tcmk/sample_bytes || rc=1
	;;
esac
exit $rc
