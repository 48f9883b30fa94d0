#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make check': every test of tcmk, in qemu guests.
#
#  1. host: the committed size-class table is what the generator makes, and
#     checkpatch finds nothing (make checkpatch);
#  2. each kernel of the matrix below: tcmk.ko built against it, booted in a
#     guest with the KUnit suites (where the kernel has KUnit), the kernel's
#     lib/test_meminit.c and lib/test_memcat_p.c built on tcmk through
#     <linux/tcmk_shim.h>, and the kselftests (make kselftest-install, run
#     by the kernel's run_kselftest.sh). Kernels come from Debian's archive through
#     tests/guest/fetch.sh, or are built from Debian's sources by
#     tests/guest/kernel.sh; both cache outside the repository.
# A failed test, a test that gave no result, a guest that panicked, hung or
# printed any kernel report fails the run. Logs: build/check/.
# The last line is "N passed, N failed, N skipped".
set -uo pipefail

. "$(dirname "$0")/guest/lib.sh"
cd "$TCMK_TOP"
"$TCMK_TOP/tests/deps.sh" || exit 1

out=$TCMK_TOP/build/check
mkdir -p "$out"
passed=0 failed=0 skipped=0
start=$(date +%s)

note_fail() {
	echo "  FAIL $*"
	failed=$((failed + 1))
}

# pprof_check NAME: the heap profile profile_test printed in guest NAME's
# results (base64 between TCMK-PPROF-BEGIN and TCMK-PPROF-END), read by
# Debian's `go tool pprof` on the host: it must name the function that held
# the memory. A guest that ran no kselftests has none to check.
pprof_check() {
	local name=$1 pb=$out/$1.heap_profile.pb
	grep -q 'selftests: tcmk: profile_test' "$out/$name.results.log" 2>/dev/null || return 0
	sed -n '/# TCMK-PPROF-BEGIN/,/# TCMK-PPROF-END/p' "$out/$name.results.log" |
		sed -e '/TCMK-PPROF/d' -e 's/^[# ]*//' | tr -d '\r' | base64 -d >"$pb" 2>/dev/null
	if [ ! -s "$pb" ]; then
		note_fail "$name: profile_test printed no heap profile"
	elif ! command -v go >/dev/null; then
		echo "  $name pprof: no go on the host (golang-go), heap profile not read"
		skipped=$((skipped + 1))
	elif go tool pprof -top "$pb" >"$pb.top" 2>&1 &&
	     grep -q 'harness_alloc' "$pb.top"; then
		echo "  $name pprof: go tool pprof -top names harness_alloc"
		passed=$((passed + 1))
	else
		note_fail "$name: go tool pprof -top did not name harness_alloc, see $pb.top"
		head -20 "$pb.top" | sed 's/^/      /'
	fi
}

# tally NAME: count the results of guest NAME and check its console for splats.
tally() {
	local name=$1 line p f s
	while IFS= read -r line; do
		case $line in
		TALLY*)
			read -r _ p f s <<<"$line"
			passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s)) ;;
		*) echo "$line" ;;
		esac
	done < <(awk -v label="$name" -f "$TCMK_GUEST/tally.awk" "$out/$name.results.log" 2>/dev/null)
	pprof_check "$name"
	if splats "$out/$name.console.log" >"$out/$name.splats"; then
		note_fail "$name: kernel reports in $out/$name.console.log:"
		head -20 "$out/$name.splats" | sed 's/^/      /'
	fi
}

# Where this run built the modules for each kernel of the matrix, so that a
# second boot of the same kernel uses them.
declare -A built

# build NAME KDIR: build tcmk (and the KUnit modules if KDIR has KUnit)
# against KDIR into $out/NAME/src, W=1 and sparse; count the build. NAME is
# the kernel's: kbuild takes no ':' in a module's path.
build() {
	local name=$1 kdir=$2
	local b=$out/$name
	# W=1 and sparse against every kernel: a warning fails the build's test.
	# One sparse checks all of them, sid's (tests/guest/fetch.sh sparse);
	# without it, the system's, and the test fails. The kernel's make turns
	# C=1 off, with only a warning, when the sparse it is given is too old
	# for it (7.3's scripts/checker-valid.sh): that fails the test too.
	local check=() ok=1
	if [ -n "$sparse" ]; then
		check=(CHECK="$sparse")
	else
		note_fail "$name: sid's sparse not run: tests/guest/fetch.sh sparse failed"
		ok=0
	fi
	if ! build_modules "$b/src" "$kdir" "$out/$name.build.log" TCMK_BENCH=m W=1 C=1 \
	     "${check[@]}"; then
		note_fail "$name: module build failed, see $out/$name.build.log"
		tail -20 "$out/$name.build.log" | sed 's/^/      /'
		return 1
	fi
	if grep -E 'C=[0-9]+ specified, but .* is not available or not up to date' \
	   "$out/$name.build.log" >"$out/$name.build.nosparse"; then
		note_fail "$name: sparse not run: the kernel's make turned C=1 off, see $out/$name.build.log"
		sed 's/^/      /' "$out/$name.build.nosparse"
		ok=0
	fi
	if grep -E 'warning:|error:' "$out/$name.build.log" |
	   grep -v 'pahole version differs' |
	   grep -v 'is not available or not up to date' >"$out/$name.build.warnings"; then
		note_fail "$name: W=1 or sparse warnings, see $out/$name.build.log"
		head -10 "$out/$name.build.warnings" | sed 's/^/      /'
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		echo "  $name build: W=1 and sparse ($sparse_version) report nothing"
		passed=$((passed + 1))
	fi
	built[$name]=$b/src
}

# guest NAME WHAT KERNEL_NAME KERNEL KDIR TIMEOUT CMDLINE [ksft]: boot KERNEL
# with the modules built for KERNEL_NAME (built now if this run has not yet),
# run the job, count the results. With "ksft", the kselftests only.
guest() {
	local name=$1 what=$2 kname=$3 kernel=$4 kdir=$5 limit=$6 cmdline=$7
	local only=${8:-}
	local b=$out/$name src
	echo "== $name: $what${cmdline:+, booted with $cmdline} =="
	[ -n "${built[$kname]:-}" ] || build "$kname" "$kdir" || return
	src=${built[$kname]}
	rm -rf "$b/root"
	mkdir -p "$b/root/kunit" "$b/root/shim"
	cp "$src/tcmk.ko" "$src/tcmk_harness.ko" "$b/root/"
	if [ "$only" != ksft ]; then
		find "$src" -maxdepth 1 -name '*_kunit.ko' -exec cp {} "$b/root/kunit/" \;
		# The kernel's own test modules on the shim (Kbuild builds
		# them from the sources 'make checkpatch' extracted).
		find "$src" -maxdepth 1 -name 'tcmk_shim_*.ko' -exec cp {} "$b/root/shim/" \;
		[ -n "$(ls "$b/root/shim")" ] ||
			note_fail "$name: no shim proof module was built, see $out/$kname.build.log"
	fi
	mkinitramfs "$b/initrd.gz" "$TCMK_GUEST/job-check.sh" \
		"$b/root/tcmk.ko" "$b/root/tcmk_harness.ko" "$b/root/kunit" \
		"$b/root/shim" "$out/kselftest"
	local t0=$(date +%s)
	boot "$name" "$kernel" "$b/initrd.gz" "$out" "$limit" "$cmdline" ||
		note_fail "$name: guest did not finish its job"
	echo "  ($name guest: $(($(date +%s) - t0)) s of its ${limit} s limit)"
	tally "$name"
}

# The sparse every module build is checked with: sid's, built into the cache.
if sparse=$("$TCMK_GUEST/fetch.sh" sparse); then
	sparse_version=$("$sparse" --version 2>&1)
else
	sparse=
	echo "  sparse could not be fetched or built (tests/guest/fetch.sh sparse)"
fi

echo "== host =="
if make -s sizeclasses-check >"$out/host.log" 2>&1; then
	echo "  host  sizeclasses.h matches module/mksizeclasses.c"
	passed=$((passed + 1))
else
	note_fail "module/sizeclasses.h is not what module/mksizeclasses.c generates (make sizeclasses)"
fi

if make -s checkpatch >"$out/lint.log" 2>&1; then
	echo "  host  checkpatch (6.1's and 7.3's) reports nothing"
	passed=$((passed + 1))
else
	note_fail "checkpatch complained, see $out/lint.log"
	grep -E 'WARNING|ERROR|warning:|error:' "$out/lint.log" | head -10 | sed 's/^/      /'
fi

# A kernel outside the supported range stops the build with its version named
# (the kernel's own make is told it is 7.4 and 5.15).
if read -r _ kdir61 _ < <("$TCMK_GUEST/fetch.sh" stock 6.1); then
	for v in "7 4" "5 15"; do
		set -- $v
		build_modules "$out/range" "$kdir61" "$out/range.log" VERSION=$1 PATCHLEVEL=$2
		if grep -q "tcmk supports Linux 6.1 to 7.3; this kernel is $1.$2 " "$out/range.log" &&
		   ! ls "$out"/range/*.ko >/dev/null 2>&1; then
			echo "  host  a $1.$2 kernel is refused by name"
			passed=$((passed + 1))
		else
			note_fail "a $1.$2 kernel was not refused by name, see $out/range.log"
		fi
	done
else
	note_fail "Debian's 6.1 kernel could not be fetched"
fi

# The kselftests, installed as 'make kselftest-install' lays them out for
# any machine; every guest runs that tree with its run_kselftest.sh.
rm -rf "$out/kselftest"
if ! make -s kselftest-install SELFTEST_OUT="$out/selftests" INSTALL_PATH="$out/kselftest" \
     >"$out/selftests.build.log" 2>&1; then
	note_fail "kselftests did not build or install, see $out/selftests.build.log"
	tail -20 "$out/selftests.build.log"
fi
if ! make -s tools >"$out/tools.build.log" 2>&1; then
	note_fail "tools (tcmkctl, tcmkstat) did not build, see $out/tools.build.log"
	tail -20 "$out/tools.build.log"
fi

# The matrix: Debian's stock kernels run the kselftests; the debug kernels,
# built from Debian's sources with KUnit, KASAN and lockdep, run every KUnit
# suite and the kselftests; a release 7.3 kernel with Debian's 7.3 slab,
# memcg, hardening and preemption options runs the kselftests. Every result
# is labelled with its guest, and each guest's header names its kernel.
# Every guest boots with init_on_alloc=1, as Debian's kernels do, so that the
# KUnit suites see pages the page allocator has zeroed. An entry KERNEL:ARG
# boots KERNEL once more with ARG on its command line and runs the kselftests
# only: stock-6.1:init_on_alloc=0 shows that userspace reads no byte the
# kernel left in memory even where nothing zeroes it.
# TCMK_CHECK_KERNELS picks some of them, e.g. "stock-6.1 debug-7.3".
kernels=${TCMK_CHECK_KERNELS:-stock-6.1 stock-6.1:init_on_alloc=0 stock-6.12 debug-6.1 debug-7.3 release-7.3}
for k in $kernels; do
	kname=${k%%:*} extra=
	[ "$kname" = "$k" ] || extra=${k#*:}
	if ! guest_kernel "$kname"; then
		note_fail "$k: the kernel could not be fetched or built"
		continue
	fi
	# Debian's kernels and the debug kernels boot on two NUMA nodes, a
	# vCPU and 1 GiB each; debug 6.1 has a third node, with a vCPU and no
	# memory. The other entries keep one node, so that tcmk is seen on
	# one node too.
	cpus=2 nodes=2 mem=2G what="$KERNEL_WHAT, two NUMA nodes"
	if [ -n "$extra" ] || [ "$kname" = release-7.3 ]; then
		nodes=1 mem=1G what=$KERNEL_WHAT
	elif [ "$kname" = debug-6.1 ]; then
		cpus=3 nodes=2+1 what="$KERNEL_WHAT, two NUMA nodes and one without memory"
	fi
	if [ -z "$extra" ]; then
		TCMK_GUEST_CPUS=$cpus TCMK_GUEST_NODES=$nodes TCMK_GUEST_MEM=$mem \
			guest "$k" "$what" "$kname" "$KERNEL_IMAGE" "$KERNEL_KDIR" \
			"${TCMK_GUEST_TIMEOUT:-900}" "init_on_alloc=1"
	else
		TCMK_GUEST_CPUS=$cpus TCMK_GUEST_NODES=$nodes TCMK_GUEST_MEM=$mem \
			guest "$k" "$what" "$kname" "$KERNEL_IMAGE" "$KERNEL_KDIR" \
			"${TCMK_GUEST_TIMEOUT:-900}" "$extra" ksft
	fi
done

echo "check: $(($(date +%s) - start)) s, logs in $out"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
