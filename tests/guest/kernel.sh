#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the debug test kernel from Debian's linux-source-6.1, or reuse a cached build,
# and print the path of its build tree. The cache lives outside the repository and is
# keyed by the source package version and a hash of the config fragment, so only the
# first run on a machine pays for the build (7-10 minutes on 2 cores).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config
tarball=/usr/src/linux-source-6.1.tar.xz
# Bump when the way the tree is built changes, so old caches are not reused.
recipe=1

[ -r "$tarball" ] || { echo "kernel.sh: $tarball missing (run 'make deps')" >&2; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1)
key=$( { echo "recipe $recipe"; cat "$fragment"; } | sha256sum | cut -c1-12)
cache=${TCMK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tcmk}
tree=$cache/linux-$srcver-$key
log=$tree.log

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ -f "$tree/.tcmk-built" ]; then
	echo "$tree"
	exit 0
fi

echo "kernel.sh: building debug kernel $srcver ($key) in $tree; log: $log" >&2
start=$(date +%s)
rm -rf "$tree"
mkdir -p "$tree"
{
	tar -xJf "$tarball" -C "$tree" --strip-components=1
	cd "$tree"
	make tinyconfig
	scripts/kconfig/merge_config.sh -m .config "$fragment"
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
done <"$fragment"
[ "$missing" = 0 ] || { echo "kernel.sh: fix $fragment" >&2; exit 1; }

# 'all' builds bzImage and runs modpost, which writes the Module.symvers that
# external module builds need.
(cd "$tree" && make -j"$(($(nproc) + 1))" all) >>"$log" 2>&1 ||
	{ echo "kernel.sh: build failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
[ -f "$tree/Module.symvers" ] && [ -f "$tree/arch/x86/boot/bzImage" ] ||
	{ echo "kernel.sh: build left no bzImage or Module.symvers" >&2; exit 1; }

touch "$tree/.tcmk-built"
echo "kernel.sh: built in $(($(date +%s) - start)) s" >&2
echo "$tree"
