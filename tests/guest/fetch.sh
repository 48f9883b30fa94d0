#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's kernels and kernel sources into tcmk's cache, never into the
# system: 'apt-get download' through a private apt configuration (a sources
# list, package lists and an archive cache of its own, under the cache), then
# 'dpkg -x' into the cache. The system's apt sources and installed packages
# are left as they are.
#
#   fetch.sh stock 6.1     Debian 12's kernel (bookworm, bookworm-security)
#   fetch.sh stock 6.12    bookworm-backports' kernel (built with Debian 12's
#                          gcc-12, so modules build here)
#       prints "IMAGE KDIR RELEASE": the kernel image, a headers tree that
#       external modules build against, and the kernel release
#   fetch.sh source 6.1    Debian's linux-source-6.1 (bookworm)
#   fetch.sh source 7.3    Debian's linux-source-7.3 (trixie-backports)
#       prints "TARBALL VERSION": linux-source-X.tar.xz and the package version
#   fetch.sh sparse        sparse from Debian sid's source package, built here
#                          with the system's gcc (Debian 12's sparse 0.6.4
#                          does not know __typeof_unqual__, so 7.3's
#                          scripts/checker-valid.sh turns C=1 off with it)
#       prints the path of the sparse binary, cached as sparse-VERSION/sparse
#
# The newest version the archive has is used; what was fetched before is
# reused, and without the network the newest cached version is used.
set -euo pipefail

cache=${TCMK_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tcmk}

die() {
	echo "fetch.sh: $*" >&2
	exit 1
}

# The system's Debian mirrors, or Debian's default ones.
mirror() {
	local kind=$1 uri
	uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]*/debian'"$kind"'/?( |$)' | head -1 | tr -d ' ')
	echo "${uri:-http://deb.debian.org/debian$kind}"
}

# use_apt DIR: the private apt configuration rooted at DIR (its sources list,
# package lists and archive cache).
use_apt() {
	apt_dir=$1
	mkdir -p "$apt_dir"/lists/partial "$apt_dir"/archives/partial "$apt_dir"/debs
	apt_opts=(
		-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
		-o "Dir::Etc::sourceparts=-"
		-o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::Cache=$apt_dir"
		-o "Dir::Cache::archives=$apt_dir/archives"
		-o "Dir::State::status=/var/lib/dpkg/status"
		-o "APT::Sandbox::User=root"
		-o "Debug::NoLocking=1"
	)
}

# sources_list: what the kernels come from.
sources_list() {
	local main security key=/usr/share/keyrings/debian-archive-keyring.gpg
	main=$(mirror "")
	security=$(mirror -security)
	cat <<-EOF
	deb [signed-by=$key] $main bookworm main
	deb [signed-by=$key] $main bookworm-updates main
	deb [signed-by=$key] $security bookworm-security main
	deb [signed-by=$key] $main bookworm-backports main
	deb [signed-by=$key] $main trixie-backports main
	EOF
}

# apt_update [LIST]: the package lists of the sources LIST (a function, by
# default sources_list) prints. One update per hour at most: every guest
# script calls this script.
apt_update() {
	"${1:-sources_list}" >"$apt_dir/sources.list.new"
	if cmp -s "$apt_dir/sources.list.new" "$apt_dir/sources.list" &&
	   [ -n "$(find "$apt_dir/updated" -mmin -60 2>/dev/null)" ]; then
		return 0
	fi
	mv "$apt_dir/sources.list.new" "$apt_dir/sources.list"
	if apt-get "${apt_opts[@]}" -qq update >"$apt_dir/update.log" 2>&1; then
		touch "$apt_dir/updated"
	else
		echo "fetch.sh: apt-get update failed (see $apt_dir/update.log); using what is cached" >&2
	fi
}

# version PKG[/SUITE]: the version apt would take (the newest from SUITE).
version() {
	case $1 in
	*/*) apt-cache "${apt_opts[@]}" show "$1" 2>/dev/null |
		awk '$1 == "Version:" { print $2; exit }' ;;
	*) apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null |
		awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }' ;;
	esac
}

# field PKG[/SUITE] FIELD: a field of that version's record.
field() {
	local ver
	ver=$(version "$1")
	[ -n "$ver" ] || return 0
	apt-cache "${apt_opts[@]}" show "${1%%/*}=$ver" 2>/dev/null |
		awk -v f="$2:" '$1 == f { sub(/^[^:]*: */, ""); print; exit }'
}

# download PKG[/SUITE]: the candidate's .deb in the cache (downloaded if need be).
download() {
	local pkg=${1%%/*} ver deb
	ver=$(version "$1")
	[ -n "$ver" ] || return 1
	deb=$(ls "$apt_dir/debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver") \
			>&2 || return 1
		deb=$(ls "$apt_dir/debs/${pkg}_${ver//:/%3a}_"*.deb | head -1)
	fi
	echo "$deb"
}

# newest DIR-GLOB: the newest cached directory, for when the archive is out of reach.
newest() {
	ls -d $1 2>/dev/null | sort -V | tail -1
}

stock() {
	local series=$1 suite meta rel dir pkg deb headers
	case $series in
	6.1) meta=linux-image-amd64 ;;
	6.12) meta=linux-image-amd64/bookworm-backports ;;
	*) die "no stock kernel $series: 6.1 or 6.12" ;;
	esac
	apt_update
	# linux-image-amd64 depends on linux-image-RELEASE.
	rel=$(field "$meta" Depends | grep -oE 'linux-image-[^ ,]+' | head -1)
	rel=${rel#linux-image-}
	if [ -z "$rel" ] || [[ $rel != $series.* ]]; then
		dir=$(newest "$cache/stock/$series.*")
		[ -n "$dir" ] || die "cannot find Debian's $series kernel in the archive, and none is cached"
	else
		dir=$cache/stock/$rel
	fi
	if [ ! -f "$dir/.tcmk-fetched" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		deb=$(download "linux-image-$rel-unsigned" || download "linux-image-$rel") ||
			die "cannot download the image of $rel"
		dpkg -x "$deb" "$dir"
		deb=$(download "linux-headers-$rel") || die "cannot download linux-headers-$rel"
		dpkg -x "$deb" "$dir"
		# The headers need their -common tree and the kbuild programs.
		for pkg in $(field "linux-headers-$rel" Depends |
			     grep -oE 'linux-(headers|kbuild)-[^ ,]+'); do
			deb=$(download "$pkg") || die "cannot download $pkg"
			dpkg -x "$deb" "$dir"
		done
		# The headers' Makefile names the -common tree by its absolute path.
		headers=$dir/usr/src/linux-headers-$rel
		sed -i "s|/usr/src/|$dir/usr/src/|" "$headers/Makefile"
		touch "$dir/.tcmk-fetched"
	fi
	rel=${dir##*/}
	echo "$dir/boot/vmlinuz-$rel $dir/usr/src/linux-headers-$rel $rel"
}

source_pkg() {
	local series=$1 pkg=linux-source-$1 ver dir deb
	case $series in
	6.1) ;;
	7.3) pkg=$pkg/trixie-backports ;;
	*) die "no kernel source $series: 6.1 or 7.3" ;;
	esac
	apt_update
	ver=$(version "$pkg")
	if [ -z "$ver" ]; then
		dir=$(newest "$cache/source/$series-*")
		[ -n "$dir" ] || die "cannot find linux-source-$series in the archive, and none is cached"
	else
		dir=$cache/source/$series-$ver
	fi
	if [ ! -f "$dir/.tcmk-fetched" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		deb=$(download "$pkg") || die "cannot download linux-source-$series"
		dpkg -x "$deb" "$dir"
		touch "$dir/.tcmk-fetched"
	fi
	echo "$dir/usr/src/linux-source-$series.tar.xz ${dir##*/$series-}"
}

# sparse_sources_list: only sid's sources, for the sparse source package; its
# own apt configuration (sparse-apt), so that sid never gets near the kernels'.
sparse_sources_list() {
	local key=/usr/share/keyrings/debian-archive-keyring.gpg
	echo "deb-src [signed-by=$key] $(mirror "") sid main"
}

# fetch_sparse: the sid source package's upstream tarball, unpacked and built with
# the system's gcc (sparse takes the compiler's own include directory from the
# gcc it is built with). Only the 'sparse' program, without the optional
# LLVM, GTK, SQLite and libxml parts, so no build dependency beyond gcc and
# make. Debian's patches are left out: they only make the package link with
# --as-needed and name sid's gcc-16.
fetch_sparse() {
	local ver dir src tmp
	use_apt "$cache/sparse-apt"
	apt_update sparse_sources_list
	ver=$(apt-cache "${apt_opts[@]}" showsrc sparse 2>/dev/null |
		awk '$1 == "Version:" { print $2 }' | sort -V | tail -1)
	if [ -z "$ver" ]; then
		dir=$(newest "$cache/sparse-[0-9]*")
		[ -n "$dir" ] || die "cannot find the sparse source package in sid, and no sparse is cached"
	else
		dir=$cache/sparse-$ver
	fi
	if [ ! -f "$dir/.tcmk-built" ]; then
		[ -n "$ver" ] || die "no sparse built in $dir, and sid is out of reach"
		rm -rf "$dir"
		mkdir -p "$dir"
		src=$apt_dir/src/$ver
		mkdir -p "$src"
		(cd "$src" && apt-get "${apt_opts[@]}" -qq source --download-only "sparse=$ver") \
			>&2 || die "cannot download the sparse $ver source package"
		tmp=$(mktemp -d)
		tar -xzf "$src"/sparse_"${ver%-*}".orig.tar.* -C "$tmp" --strip-components=1 ||
			die "cannot unpack sparse ${ver%-*}"
		if make -C "$tmp" -j"$(nproc)" CC=gcc HAVE_LLVM=no HAVE_GTK=no \
			HAVE_SQLITE=no HAVE_LIBXML=no \
			SPARSE_VERSION="${ver%-*} (Debian source $ver, built by tcmk)" \
			sparse >"$dir/build.log" 2>&1; then
			cp "$tmp/sparse" "$dir/sparse"
			rm -rf "$tmp"
		else
			rm -rf "$tmp"
			die "sparse $ver did not build, see $dir/build.log"
		fi
		touch "$dir/.tcmk-built"
	fi
	echo "$dir/sparse"
}

mkdir -p "$cache"
exec 9>"$cache/.fetch.lock"
flock 9
case ${1:-} in
stock) use_apt "$cache/apt"; stock "${2:-}" ;;
source) use_apt "$cache/apt"; source_pkg "${2:-}" ;;
sparse) fetch_sparse ;;
*) die "usage: fetch.sh stock 6.1|6.12 | source 6.1|7.3 | sparse" ;;
esac
