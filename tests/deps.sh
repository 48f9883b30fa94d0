#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, non-interactively, every Debian package tcmk's targets need: tools
# only. Kernels and kernel sources never go onto the system: tests/guest/fetch.sh
# downloads them into tcmk's cache through an apt configuration of its own.
# Idempotent and fast when everything is present: it only asks dpkg.
set -euo pipefail

packages=(
	# building modules and tools; gcc-12 is what Debian's 6.1 and 6.12
	# headers name, pahole what 6.12's BTF for modules needs
	gcc gcc-12 make libc6-dev kmod bc bison flex libelf-dev libssl-dev
	xz-utils dwarves
	# the kernel's lib.mk installs kselftests with rsync (make kselftest-install)
	rsync
	# fetching kernels (tests/guest/fetch.sh)
	apt debian-archive-keyring dpkg
	# guests
	qemu-system-x86 busybox-static cpio gzip
	# static checks ('make lint')
	sparse perl
	# charts ('make bench')
	gnuplot-nox
	# reading the heap profile a guest writes ('make check': go tool pprof)
	golang-go
)

missing=()
for p in "${packages[@]}"; do
	case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" in
	ii*) ;;
	*) missing+=("$p") ;;
	esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" != 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" </dev/null
