#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest side of 'make run': load tcmk and its test harness, put a real workload
# through the allocator, show what tcmk reports, give the memory back, unload.
# Everything on fd 3 is what 'make run' shows.
exec 2>&3
say() { echo "" >&3; echo "### $*" >&3; }

echo "kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs" >&3
insmod /tcmk/tcmk.ko || exit 1
insmod /tcmk/tcmk_harness.ko || exit 1
dmesg | grep 'tcmk:' | sed 's/^\[[ 0-9.]*\] //' >&3

say "tcmkstat before the workload"
/tcmk/tcmkstat >&3 || exit 1

say "a workload: 4 threads per CPU, random sizes from 8 B to 4 KiB, 25% freed on another CPU, 5 s"
/tcmk/tcmkctl stress --threads 4 --duration 5 --min 8 --max 4K --cross 25 --seed 1 >&3 || exit 1

say "objects held by a client: 20000 x 48 B, 2000 x 1000 B, 50 x 200 KiB, filled and checked"
# The client keeps /dev/tcmk open, reading commands from a fifo, so that
# tcmkstat can look while it holds its objects.
mkfifo /tmp/client
/tcmk/tcmkctl - </tmp/client >/tmp/client.out 2>&1 &
client=$!
exec 4>/tmp/client
echo 'alloc 48 4000; alloc 48 4000; alloc 48 4000; alloc 48 4000; alloc 48 4000' >&4
echo 'alloc 1000 2000; alloc 200K 50; fill 1-22050 42; check 1-22050 42; stats' >&4
while ! grep -q '^bad_free_total' /tmp/client.out; do
	kill -0 $client 2>/dev/null || { cat /tmp/client.out >&3; exit 1; }
	sleep 0.2
done
grep -v '^[0-9]' /tmp/client.out >&3

say "tcmkstat --bars --sort pages while the client holds them"
COLUMNS=76 /tcmk/tcmkstat --bars --sort pages >&3 || exit 1

say "after the client closed /dev/tcmk: tcmkstat"
exec 4>&-
wait $client || exit 1
/tcmk/tcmkstat >&3 || exit 1

say "/sys/kernel/debug/tcmk/report"
cat /sys/kernel/debug/tcmk/report >&3

say "the collector: a binary tree of 4095 nodes built through /dev/tcmk and rooted at its top, beside 1000 unreachable objects"
mkfifo /tmp/gc
/tcmk/tcmkctl - </tmp/gc >/tmp/gc.out 2>&1 &
gcclient=$!
exec 5>/tmp/gc
# gc_step N: wait until the client has printed N collections' results.
gc_step() {
	while [ "$(grep -c '^freed_objects' /tmp/gc.out)" -lt "$1" ]; do
		kill -0 $gcclient 2>/dev/null || { cat /tmp/gc.out >&3; exit 1; }
		sleep 0.2
	done
}
# gc_last: the last collection's results, on one line.
gc_last() {
	grep -E '^(cycles|freed_objects|freed_bytes) ' /tmp/gc.out | tail -3 |
		tr '\n' ' '
}
echo 'gc-alloc 2 48 4095' >&5
i=1
while [ $i -le 2047 ]; do
	echo "gc-link $i 0 $((2 * i)); gc-link $i 1 $((2 * i + 1))" >&5
	i=$((i + 1))
done
echo 'gc-alloc 0 200 1000 --conservative; gc-root 1; gc-collect' >&5
gc_step 1
echo "collected: $(gc_last)" >&3
/tcmk/tcmkstat | grep '^gc' >&3

say "the collector: the left half of the tree cut off (gc-link 1 0 none), collected"
echo 'gc-link 1 0 none; gc-collect' >&5
gc_step 2
echo "collected: $(gc_last)" >&3
echo 'gc-alive 1-4095' >&5
while [ "$(grep -cE '^[0-9]+ (alive|dead)' /tmp/gc.out)" -lt 4095 ]; do sleep 0.2; done
echo "$(grep -c ' alive$' /tmp/gc.out) of the tree's 4095 nodes alive" >&3

say "the collector: the root dropped, collected; then the client closes /dev/tcmk"
echo 'gc-unroot 1; gc-collect' >&5
gc_step 3
echo "collected: $(gc_last)" >&3
exec 5>&-
wait $gcclient || { cat /tmp/gc.out >&3; exit 1; }
/tcmk/tcmkstat | grep '^gc' >&3

say "drain every CPU's cache and release free pages"
echo "bytes_held before: $(cat /sys/kernel/tcmk/bytes_held)" >&3
/tcmk/tcmkctl drain && /tcmk/tcmkctl release || exit 1
echo "bytes_held after:  $(cat /sys/kernel/tcmk/bytes_held)" >&3
echo "bytes_released_total: $(cat /sys/kernel/tcmk/bytes_released_total)" >&3

rmmod tcmk_harness && rmmod tcmk || exit 1
[ ! -e /sys/kernel/tcmk ] || { echo "/sys/kernel/tcmk left behind" >&3; exit 1; }
say "unloaded cleanly"
