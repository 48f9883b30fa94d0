# SPDX-License-Identifier: GPL-2.0
# Shell functions shared by tcmk's guest scripts (sourced, not run).

TCMK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TCMK_GUEST=$TCMK_TOP/tests/guest

# guest_kernel NAME: set KERNEL_IMAGE, KERNEL_KDIR (what modules build against)
# and KERNEL_WHAT (a line saying which kernel it is) for one kernel of the
# matrix, fetching or building it into the cache as needed:
#   stock-6.1, stock-6.12    Debian's own kernels (tests/guest/fetch.sh)
#   debug-6.1, debug-7.3     KUnit, KASAN, lockdep (tests/guest/kernel.sh)
#   release-7.3              Debian's 7.3 options, built from its source
# The short names of 'make run KERNEL=...' work too: 6.1, 6.12 (stock), 7.3
# (release).
guest_kernel() {
	local name=$1 flavour series rel tree
	case $name in
	6.1 | 6.12) name=stock-$name ;;
	7.3) name=release-7.3 ;;
	esac
	flavour=${name%-*} series=${name#*-}
	case $flavour in
	stock)
		read -r KERNEL_IMAGE KERNEL_KDIR rel < <("$TCMK_GUEST/fetch.sh" stock "$series") ||
			return 1
		KERNEL_WHAT="Debian's $rel" ;;
	debug | release)
		tree=$("$TCMK_GUEST/kernel.sh" "$flavour" "$series") || return 1
		KERNEL_IMAGE=$tree/arch/x86/boot/bzImage
		KERNEL_KDIR=$tree
		KERNEL_WHAT="Linux $(make -s -C "$tree" kernelrelease), $flavour build of Debian's linux-source-$series" ;;
	*)
		echo "unknown kernel '$1': 6.1, 6.12, 7.3, stock-6.1, stock-6.12, debug-6.1, debug-7.3 or release-7.3" >&2
		return 1 ;;
	esac
	KERNEL_NAME=$name
}

# build_modules DIR KDIR LOG [VAR=VALUE]...: build tcmk's modules against the
# kernel tree KDIR, in a tree of symlinks to the sources at DIR, so that builds
# for different kernels never share object files. Output goes to LOG.
build_modules() {
	local dir=$1 kdir=$2 log=$3
	shift 3
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -rs "$TCMK_TOP/Kbuild" "$TCMK_TOP/module" "$TCMK_TOP/tests" "$dir/"
	make -s -C "$kdir" M="$dir" "$@" modules >"$log" 2>&1
}

# mkinitramfs OUT JOB [FILE|DIR]...: a gzipped cpio with busybox, /init, the job
# script as /tcmk/job.sh and the given files and directories under /tcmk.
mkinitramfs() {
	local out=$1 job=$2 root
	shift 2
	root=$(mktemp -d)
	# mktemp makes it 0700: the guest's / must let unprivileged tests through.
	chmod 755 "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,tcmk}
	chmod 1777 "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	cp "$TCMK_GUEST/init" "$root/init"
	cp "$job" "$root/tcmk/job.sh"
	chmod 755 "$root/init"
	[ $# -eq 0 ] || cp -r "$@" "$root/tcmk/"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$root"
}

# numa_args CPUS NODES MEM: qemu's options for NODES nodes, as ACPI's SRAT
# then tells the kernel; nothing for one node. NODES is N or N+M: N nodes
# share MEM (a size in G) and the first CPUS - M vCPUs evenly, each with its
# own memory and vCPUs; M more nodes have a vCPU each and no memory.
numa_args() {
	local cpus=$1 nodes=${2%%+*} mem=${3%G} bare=0 n per
	[ "$nodes" = "$2" ] || bare=${2#*+}
	[ $((nodes + bare)) -gt 1 ] || return 0
	per=$(((cpus - bare) / nodes))
	for ((n = 0; n < nodes; n++)); do
		printf -- '-object memory-backend-ram,id=tcmk-mem%d,size=%dM ' \
			"$n" $((mem * 1024 / nodes))
		printf -- '-numa node,nodeid=%d,cpus=%d-%d,memdev=tcmk-mem%d ' \
			"$n" $((n * per)) $((n * per + per - 1)) "$n"
	done
	for ((n = 0; n < bare; n++)); do
		printf -- '-numa node,nodeid=%d,cpus=%d ' \
			$((nodes + n)) $((nodes * per + n))
	done
}

# boot NAME KERNEL INITRD LOGDIR TIMEOUT [CMDLINE...]: run a guest with 2 vCPUs
# (TCMK_GUEST_CPUS), 1 GiB (TCMK_GUEST_MEM, in G), on TCMK_GUEST_NODES NUMA
# nodes (1), and any extra qemu arguments in TCMK_QEMU_EXTRA (split on
# spaces), e.g. "-icount shift=0,sleep=off".
# The kernel console goes to LOGDIR/NAME.console.log, the results channel to
# LOGDIR/NAME.results.log. Returns 0 when the guest's job exited 0; otherwise
# prints why and returns non-zero.
boot() {
	local name=$1 kernel=$2 initrd=$3 logdir=$4 limit=$5
	shift 5
	local console=$logdir/$name.console.log results=$logdir/$name.results.log rc
	rm -f "$console" "$results"
	local cpus=${TCMK_GUEST_CPUS:-2} mem=${TCMK_GUEST_MEM:-1G}
	local nodes=${TCMK_GUEST_NODES:-1} smp=${TCMK_GUEST_CPUS:-2}
	# A socket per node: CPUs of two nodes sharing a last-level cache is
	# a topology the kernel warns about.
	local sockets=${nodes%%+*}
	[ "$nodes" = "$sockets" ] || sockets=$((sockets + ${nodes#*+}))
	[ "$sockets" = 1 ] || smp="$cpus,sockets=$sockets"
	timeout -k 10 "$limit" qemu-system-x86_64 \
		-m "$mem" -smp "$smp" \
		$(numa_args "$cpus" "$nodes" "$mem") \
		-nodefaults -display none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic log_buf_len=4M $*" \
		-serial "file:$console" -serial "file:$results" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 ${TCMK_QEMU_EXTRA:-} </dev/null
	rc=$?
	case $rc in
	124|137)
		echo "$name: guest timed out after ${limit}s (see $console)" >&2
		return 1 ;;
	0)
		echo "$name: guest rebooted before its job finished: kernel panic? (see $console)" >&2
		return 1 ;;
	esac
	if [ $((rc & 1)) = 0 ]; then
		echo "$name: qemu failed with status $rc (see $console)" >&2
		return 1
	fi
	rc=$((rc >> 1))
	if [ "$rc" != 0 ]; then
		echo "$name: guest job exited $rc (see $results)" >&2
		return 1
	fi
	return 0
}

# Kernel reports that fail a run wherever they appear, even in a passing test.
SPLAT_RE='BUG:|WARNING:|Oops|Call Trace|KASAN:|UBSAN:|general protection fault|Kernel panic|kernel BUG|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|sleeping function called from invalid context|blocked for more than|soft lockup|hard LOCKUP|unreferenced object|Bad page'

# splats LOG: print the kernel reports in a console log; true if there are any.
splats() {
	tr -d '\r' <"$1" | grep -E -- "$SPLAT_RE"
}
