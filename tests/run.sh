#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make run [KERNEL=6.1|6.12|7.3]': build tcmk.ko, tcmk_harness.ko and the
# tools, boot a kernel in qemu (by default Debian 12's stock 6.1; see
# guest_kernel in tests/guest/lib.sh for the others), put a workload through
# tcmk, show what it reports, give the memory back and unload.
# Logs: build/run/.
set -euo pipefail

. "$(dirname "$0")/guest/lib.sh"
cd "$TCMK_TOP"
"$TCMK_TOP/tests/deps.sh"

out=$TCMK_TOP/build/run
guest_kernel "${1:-6.1}" || exit 1
rm -rf "$out"
mkdir -p "$out"

echo "run: building tcmk.ko for $KERNEL_WHAT and the tools"
build_modules "$out/src" "$KERNEL_KDIR" "$out/build.log" ||
	{ cat "$out/build.log"; exit 1; }
make -s -C "$TCMK_TOP/userspace-tools" >>"$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; exit 1; }

mkinitramfs "$out/initrd.gz" "$TCMK_GUEST/job-run.sh" \
	"$out/src/tcmk.ko" "$out/src/tcmk_harness.ko" \
	"$TCMK_TOP/userspace-tools/tcmkstat" "$TCMK_TOP/userspace-tools/tcmkctl"
echo "run: booting $KERNEL_NAME in qemu (2 vCPUs, 1 GiB); console log: $out/run.console.log"
status=0
boot run "$KERNEL_IMAGE" "$out/initrd.gz" "$out" "${TCMK_RUN_TIMEOUT:-180}" || status=1
tr -d '\r' <"$out/run.results.log" | grep -v '^TCMK-'
if splats "$out/run.console.log"; then
	echo "run: the kernel reported a problem, see $out/run.console.log" >&2
	status=1
fi
[ $status = 0 ] && echo "run: ok"
exit $status
