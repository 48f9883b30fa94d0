#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build a test kernel from Debian's kernel source, or reuse a cached build, and
# print the path of its build tree:
#
#   kernel.sh debug 6.1|7.3   KUnit, KASAN, lockdep, DEBUG_PAGEALLOC
#                             (guest.config + debug.config)
#   kernel.sh release 7.3     Debian's 7.3 slab, memcg, hardening, preemption and
#                             mitigation options (guest.config + debian-7.3.config)
#
# The source comes from tests/guest/fetch.sh. The cache lives outside the
# repository, keyed by the source package's version and a hash of the config
# fragments, so only the first run on a machine pays for the build (4-10
# minutes on 2 cores).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
flavour=${1:-}
series=${2:-}
case $flavour/$series in
debug/6.1 | debug/7.3) fragments=("$here/guest.config" "$here/debug.config") ;;
release/7.3) fragments=("$here/guest.config" "$here/debian-$series.config") ;;
*) echo "usage: kernel.sh debug 6.1|7.3 | release 7.3" >&2; exit 1 ;;
esac
# Bump when the way the tree is built changes, so old caches are not reused.
recipe=2

read -r tarball srcver < <("$here/fetch.sh" source "$series") ||
	{ echo "kernel.sh: no linux-source-$series" >&2; exit 1; }
key=$( { echo "recipe $recipe $flavour"; cat "${fragments[@]}"; } | sha256sum | cut -c1-12)
cache=${TCMK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tcmk}
tree=$cache/linux-$flavour-$srcver-$key
log=$tree.log

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ -f "$tree/.tcmk-built" ]; then
	echo "$tree"
	exit 0
fi

echo "kernel.sh: building the $flavour kernel $srcver ($key) in $tree; log: $log" >&2
start=$(date +%s)
rm -rf "$tree"
mkdir -p "$tree"
{
	tar -xJf "$tarball" -C "$tree" --strip-components=1
	cd "$tree"
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "${fragments[@]}"
	make olddefconfig
} >"$log" 2>&1 || { echo "kernel.sh: configuring failed, see $log" >&2; exit 1; }

# olddefconfig silently drops options whose dependencies are off: insist on each.
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qx -- "$line" "$tree/.config"; then
			echo "kernel.sh: $line did not survive olddefconfig" >&2
			missing=1
		fi
		;;
	esac
done < <(cat "${fragments[@]}")
[ "$missing" = 0 ] || { echo "kernel.sh: fix ${fragments[*]}" >&2; exit 1; }

# 'all' builds bzImage and runs modpost, which writes the Module.symvers that
# external module builds need.
(cd "$tree" && make -j"$(($(nproc) + 1))" all) >>"$log" 2>&1 ||
	{ echo "kernel.sh: build failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
[ -f "$tree/Module.symvers" ] && [ -f "$tree/arch/x86/boot/bzImage" ] ||
	{ echo "kernel.sh: build left no bzImage or Module.symvers" >&2; exit 1; }

touch "$tree/.tcmk-built"
echo "kernel.sh: built in $(($(date +%s) - start)) s" >&2
echo "$tree"
