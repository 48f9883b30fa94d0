#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make check': every test of tcmk, in qemu guests.
#
#  1. host: the committed size-class table is what the generator makes, and
#     checkpatch and sparse find nothing (make lint);
#  2. stock Debian kernel: tcmk.ko built against its headers, the kselftests;
#  3. debug kernel (KASAN, lockdep, DEBUG_PAGEALLOC; built once and cached by
#     tests/guest/kernel.sh): tcmk.ko, every KUnit suite, the kselftests.
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
	if splats "$out/$name.console.log" >"$out/$name.splats"; then
		note_fail "$name: kernel reports in $out/$name.console.log:"
		head -20 "$out/$name.splats" | sed 's/^/      /'
	fi
}

# guest NAME KERNEL KDIR TIMEOUT CMDLINE: build tcmk (and KUnit modules if KDIR
# has KUnit) against KDIR, boot KERNEL with the job, count the results.
guest() {
	local name=$1 kernel=$2 kdir=$3 limit=$4 cmdline=$5
	local b=$out/$name
	echo "== $name: $(basename "$kernel") =="
	rm -rf "$b"
	mkdir -p "$b/root/kunit" "$b/root/selftests"
	if ! build_modules "$b/src" "$kdir" "$out/$name.build.log" TCMK_BENCH=m; then
		note_fail "$name: module build failed, see $out/$name.build.log"
		tail -20 "$out/$name.build.log" | sed 's/^/      /'
		return
	fi
	cp "$b/src/tcmk.ko" "$b/src/tcmk_harness.ko" "$b/root/"
	cp "$TCMK_TOP/userspace-tools/tcmkctl" "$TCMK_TOP/userspace-tools/tcmkstat" "$b/root/"
	find "$b/src" -maxdepth 1 -name '*_kunit.ko' -exec cp {} "$b/root/kunit/" \;
	cp "$out"/selftests/* "$b/root/selftests/"
	cp "$TCMK_TOP/Documentation/ABI/testing/sysfs-kernel-tcmk" "$b/root/selftests/"
	mkinitramfs "$b/initrd.gz" "$TCMK_GUEST/job-check.sh" \
		"$b/root/tcmk.ko" "$b/root/tcmk_harness.ko" "$b/root/tcmkctl" \
		"$b/root/tcmkstat" \
		"$b/root/kunit" "$b/root/selftests"
	local t0=$(date +%s)
	boot "$name" "$kernel" "$b/initrd.gz" "$out" "$limit" "$cmdline" ||
		note_fail "$name: guest did not finish its job"
	echo "  ($name guest: $(($(date +%s) - t0)) s of its ${limit} s limit)"
	tally "$name"
}

echo "== host =="
if make -s sizeclasses-check >"$out/host.log" 2>&1; then
	echo "  host  sizeclasses.h matches module/mksizeclasses.c"
	passed=$((passed + 1))
else
	note_fail "module/sizeclasses.h is not what module/mksizeclasses.c generates (make sizeclasses)"
fi

if make -s lint >"$out/lint.log" 2>&1; then
	echo "  host  checkpatch and sparse (W=1) report nothing"
	passed=$((passed + 1))
else
	note_fail "lint: checkpatch or sparse complained, see $out/lint.log"
	grep -E 'WARNING|ERROR|warning:|error:' "$out/lint.log" | head -10 | sed 's/^/      /'
fi

if ! make -s selftests SELFTEST_OUT="$out/selftests" >"$out/selftests.build.log" 2>&1; then
	note_fail "kselftests did not build, see $out/selftests.build.log"
	tail -20 "$out/selftests.build.log"
fi
if ! make -s tools >"$out/tools.build.log" 2>&1; then
	note_fail "tools (tcmkctl, tcmkstat) did not build, see $out/tools.build.log"
	tail -20 "$out/tools.build.log"
fi

rel=$(stock_kernel_release) || exit 1
guest stock "/boot/vmlinuz-$rel" "/usr/src/linux-headers-$rel" \
	"${TCMK_STOCK_TIMEOUT:-180}" ""

if tree=$("$TCMK_GUEST/kernel.sh"); then
	# init_on_alloc as Debian's kernel has it, so that the KUnit suites
	# see pages the page allocator has zeroed.
	guest debug "$tree/arch/x86/boot/bzImage" "$tree" \
		"${TCMK_DEBUG_TIMEOUT:-900}" "init_on_alloc=1"
else
	note_fail "debug kernel did not build"
fi

echo "check: $(($(date +%s) - start)) s, logs in $out"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
