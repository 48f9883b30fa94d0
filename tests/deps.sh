#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, non-interactively, every Debian package tcmk's targets need.
# Idempotent and fast when everything is present: it only asks dpkg.
set -euo pipefail

packages=(
	# building modules and tools
	gcc make libc6-dev kmod bc bison flex libelf-dev libssl-dev xz-utils
	# the stock kernel and its headers, the debug kernel's source
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	# guests
	qemu-system-x86 busybox-static cpio gzip
	# static checks ('make lint')
	sparse perl
	# charts ('make bench')
	gnuplot-nox
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
