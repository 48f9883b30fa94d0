#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench [KERNEL=6.1|6.12|7.3]': compare tcmk with the SLUB of a kernel,
# in qemu. With no kernel named, on two: Debian 12's stock 6.1, then the
# release build of Debian's 7.3 (whose SLUB keeps per-CPU sheaves; see
# guest_kernel in tests/guest/lib.sh), one after the other, into
# build/bench/, and a run with no failure updates the report kept in
# Documentation/bench/; with one, on that one only, into build/bench-NAME/
# (NAME as guest_kernel names it: stock-6.1, release-7.3, ...).
#
# On each kernel, three guests boot it with tcmk.ko and tcmk_bench.ko:
#   icount0, icount1   -icount shift=0,sleep=off -smp 1, init_on_alloc=0 and 1:
#                      guest instructions per operation (run side by side:
#                      their figures do not depend on the host's load); the
#                      first also runs the collector's tree churn, whose
#                      instructions then include the collector's own, and
#                      its sections (gc_sections), in instructions
#   smp                -smp 2 in real time, Debian's default init_on_alloc=1:
#                      throughput ratios, the memory workload, then the
#                      collector (tests/bench/gc_bench.c)
#   numa               -smp 2 on two NUMA nodes, a vCPU and 1 GiB each: the
#                      share of objects local to the CPU that allocates them
#                      (tests/bench/numa_bench.c), numa.csv
# Each kernel's logs and CSV files go to a directory of its own, named by the
# kernel's series (build/bench/6.1/, build/bench/7.3/): icount, smp,
# smp-ratios, mem, gc-mark, gc-pause, gc-trees, gc-trees-icount, gc-sections,
# gc-sections-icount, gc-sections-control .csv, and its
# chart insns-by-size.svg. The output directory itself gets the same CSV
# files for every kernel together, each with a first column "kernel" (the
# series), results.json (all of it; every row has its "kernel"), summary.md
# (the tables printed at the end, the kernels' figures side by side, and the
# targets against each kernel's SLUB) and insns-by-size.svg/.png.
#
# 'bench.sh --one NAME DIR' runs one kernel's guests into DIR and writes its
# CSV files there: the step the modes above repeat per kernel.
set -euo pipefail

. "$(dirname "$0")/guest/lib.sh"
cd "$TCMK_TOP"
# The awk programs and the gnuplot script that turn the guests' logs into
# CSV files, JSON, the chart and the tables.
bench=$TCMK_TOP/tests/bench

if [ "${1:-}" = --one ]; then
	[ $# = 3 ] || { echo "usage: bench.sh --one KERNEL DIR" >&2; exit 1; }
	out=$3
	guest_kernel "$2" || exit 1
	rel=$KERNEL_WHAT
	kernel=$KERNEL_IMAGE
	rm -rf "$out"
	mkdir -p "$out"

	echo "bench: building tcmk.ko and tcmk_bench.ko for $rel"
	build_modules "$out/src" "$KERNEL_KDIR" "$out/build.log" TCMK_BENCH=m ||
		{ cat "$out/build.log"; exit 1; }
	mkinitramfs "$out/initrd.gz" "$TCMK_TOP/tests/bench/job-bench.sh" \
		"$out/src/tcmk.ko" "$out/src/tcmk_bench.ko"

	# Under icount the guest's clock is its instruction count; sleep=off keeps an
	# idle guest from skipping time, and icount needs a single vCPU.
	icount() {
		TCMK_GUEST_CPUS=1 TCMK_GUEST_MEM=2G \
			TCMK_QEMU_EXTRA="-icount shift=0,sleep=off" \
			boot "icount$1" "$kernel" "$out/initrd.gz" "$out" \
			"${TCMK_BENCH_TIMEOUT:-900}" loglevel=4 "init_on_alloc=$1" \
			"tcmk_bench=icount$2"
	}

	echo "bench: booting $rel twice under qemu -icount (-smp 1, init_on_alloc=0 and 1)"
	status=0
	# In an || list, so that set -e leaves boot() to read qemu's exit status.
	{ icount 0 ,gc_trees,gc_sections || exit 1; } & pid0=$!
	{ icount 1 "" || exit 1; } & pid1=$!
	wait $pid0 || status=1
	wait $pid1 || status=1
	echo "bench: booting $rel with 2 vCPUs in real time (throughput, then memory)"
	TCMK_GUEST_CPUS=2 TCMK_GUEST_MEM=2G \
		boot smp "$kernel" "$out/initrd.gz" "$out" "${TCMK_BENCH_TIMEOUT:-900}" \
		loglevel=4 tcmk_bench=smp,mem,gc || status=1
	echo "bench: booting $rel on two NUMA nodes (locality)"
	TCMK_GUEST_CPUS=2 TCMK_GUEST_NODES=2 TCMK_GUEST_MEM=2G \
		boot numa "$kernel" "$out/initrd.gz" "$out" "${TCMK_BENCH_TIMEOUT:-900}" \
		loglevel=4 tcmk_bench=numa || status=1
	for g in icount0 icount1 smp numa; do
		if splats "$out/$g.console.log"; then
			echo "bench: the kernel reported a problem, see $out/$g.console.log" >&2
			status=1
		fi
		grep -h 'error=' "$out/$g.results.log" >&2 && status=1
	done

	# BENCH lines: "BENCH scenario=... alloc=... key=value ..." -> CSV columns.
	fields() {
		tr -d '\r' | awk -v cols="$1" -f "$bench/fields.awk"
	}

	echo "init_on_alloc,scenario,alloc,size,n,insns_per_op" >"$out/icount.csv"
	for z in 0 1; do
		fields scenario,alloc,size,n,insns_per_op <"$out/icount$z.results.log" |
			sed "s/^/$z,/" >>"$out/icount.csv"
	done
	echo "scenario,alloc,local,total,failed" >"$out/numa.csv"
	grep '^BENCH scenario=numa_[a-z]* alloc' "$out/numa.results.log" |
		fields scenario,alloc,local,total,failed >>"$out/numa.csv"
	echo "scenario,alloc,size,rep,ops,ns" >"$out/smp.csv"
	grep '^BENCH scenario=smp_' "$out/smp.results.log" | fields scenario,alloc,size,rep,ops,ns >>"$out/smp.csv"

	# Per repetition, tcmk's throughput over the other allocator's; then the
	# median, least and greatest of those ratios. Host load only ever slows a
	# guest down, so the ratio of each allocator's best repetition is given too.
	echo "scenario,against,reps,median,min,max,best_over_best" >"$out/smp-ratios.csv"
	for sc in smp_1cpu smp_2cpu smp_prodcons; do
		for other in kmalloc kmem_cache; do
			best=$(awk -v sc="$sc" -v o="$other" -f "$bench/smp-best.awk" "$out/smp.csv")
			awk -v sc="$sc" -v o="$other" -f "$bench/smp-ratios.awk" "$out/smp.csv" |
				sort -g |
				awk -v sc="$sc" -v o="$other" -v best="$best" -f "$bench/smp-median.awk" \
					>>"$out/smp-ratios.csv"
		done
	done

	echo "round,alloc,requested,kept_requested,pages_peak,pages_after_free,pages_after_release,released_bytes,live_pages,pages_after_all_freed" >"$out/mem.csv"
	grep '^BENCH scenario=mem ' "$out/smp.results.log" |
		fields alloc,requested,kept_requested,pages_peak,pages_after_free,pages_after_release,released_bytes,live_pages,pages_after_all_freed |
		awk -f "$bench/mem-rounds.awk" >>"$out/mem.csv"

	# The collector: mark throughput, pauses under mutation, tree churn.
	echo "rep,objects,bytes,mark_ns,cycle_ns" >"$out/gc-mark.csv"
	grep '^BENCH scenario=gc_mark ' "$out/smp.results.log" |
		fields rep,objects,bytes,mark_ns,cycle_ns >>"$out/gc-mark.csv"
	echo "live,cycles,writes,pause_max_ns,lt10us,lt100us,lt1ms,ge1ms" >"$out/gc-pause.csv"
	grep '^BENCH scenario=gc_pause ' "$out/smp.results.log" |
		fields live,cycles,writes,pause_max_ns,lt10us,lt100us,lt1ms,ge1ms >>"$out/gc-pause.csv"
	echo "mode,rep,ns,cycles,heap_peak,goal_at_peak,failed" >"$out/gc-trees.csv"
	grep '^BENCH scenario=gc_trees ' "$out/smp.results.log" |
		fields mode,rep,ns,cycles,heap_peak,goal_at_peak,failed >>"$out/gc-trees.csv"
	grep -q ',1$' "$out/gc-trees.csv" && status=1
	# The same churn on one vCPU under icount: guest instructions, the
	# collector's included (it runs on the mutator's CPU there).
	echo "mode,rep,ns,cycles,heap_peak,goal_at_peak,failed" >"$out/gc-trees-icount.csv"
	grep '^BENCH scenario=gc_trees ' "$out/icount0.results.log" |
		fields mode,rep,ns,cycles,heap_peak,goal_at_peak,failed >>"$out/gc-trees-icount.csv"
	grep -q ',1$' "$out/gc-trees-icount.csv" && status=1
	# The longest section a cycle holds a spinlock or keeps interrupts off,
	# a million objects and as many weak references live: in real time, and
	# on one vCPU under icount, where it is a count of guest instructions
	# that the host's load does not change.
	for g in smp icount0; do
		f=$out/gc-sections.csv
		[ $g = icount0 ] && f=$out/gc-sections-icount.csv
		echo "rep,live,weak,section_max_ns,cycle_ns,pause_max_ns,weak_get_max_ns" >"$f"
		grep '^BENCH scenario=gc_sections ' "$out/$g.results.log" |
			fields rep,live,weak,section_max_ns,cycle_ns,pause_max_ns,weak_get_max_ns >>"$f"
	done
	# Sections of fixed work beside them, timed the same way in the same
	# boots: what the clock makes of a section of known length.
	echo "clock,sections,spins,section_max_ns,over_100us,weak_get_max_ns" >"$out/gc-sections-control.csv"
	for g in smp icount0; do
		c=real
		[ $g = icount0 ] && c=icount
		grep '^BENCH scenario=gc_sections_control ' "$out/$g.results.log" |
			fields sections,spins,section_max_ns,over_100us,weak_get_max_ns |
			sed "s/^/$c,/" >>"$out/gc-sections-control.csv"
	done

	# The chart: back-to-back instructions per pair by size, tcmk beside kmalloc
	# and kmem_cache, for both init_on_alloc settings.
	awk -f "$bench/b2b-dat.awk" "$out/icount.csv" >"$out/b2b.dat"
	if command -v gnuplot >/dev/null; then
		gnuplot -c "$bench/insns-by-size.gp" "$out" \
			"Allocate + free back to back: guest instructions per pair ($rel, qemu -icount)" \
			100 "init_on_alloc=0 init_on_alloc=1" ||
			{ echo "bench: gnuplot failed" >&2; status=1; }
	fi
	echo "$KERNEL_WHAT" >"$out/kernel.txt"
	sed -n 's/^# uname -r: //p' "$out/icount0.results.log" | tr -d '\r' | head -1 >>"$out/kernel.txt"
	exit $status

fi

"$TCMK_TOP/tests/deps.sh"
start=$(date +%s)

# The kernels, and where they go: a kernel's series names its directory
# (stock-6.1 -> 6.1, release-7.3 -> 7.3; a debug kernel keeps its whole name).
if [ $# -gt 0 ] && [ -n "$1" ]; then
	case $1 in
	6.1 | 6.12) name=stock-$1 ;;
	7.3) name=release-7.3 ;;
	*) name=$1 ;;
	esac
	names=("$name")
	out=$TCMK_TOP/build/bench-$name
	publish=0
else
	names=(stock-6.1 release-7.3)
	out=$TCMK_TOP/build/bench
	publish=1
fi
rm -rf "$out"
mkdir -p "$out"
status=0
kernels=()
for name in "${names[@]}"; do
	k=${name#stock-}
	k=${k#release-}
	echo "bench: === $name, into $out/$k/"
	"$TCMK_TOP/tests/bench.sh" --one "$name" "$out/$k" || status=1
	if [ -f "$out/$k/gc-trees-icount.csv" ]; then
		kernels+=("$k")
	else
		echo "bench: no figures from $name" >&2
	fi
done
[ ${#kernels[@]} -gt 0 ] || exit 1

# Every kernel's CSV files in one, the kernel first on each line.
csvs="icount smp smp-ratios mem numa gc-mark gc-pause gc-trees gc-trees-icount gc-sections gc-sections-icount gc-sections-control"
for f in $csvs; do
	{
		printf 'kernel,'
		head -1 "$out/${kernels[0]}/$f.csv"
		for k in "${kernels[@]}"; do
			tail -n +2 "$out/$k/$f.csv" | sed "s/^/$k,/"
		done
	} >"$out/$f.csv"
done

# One JSON document with everything, for scripts.
qemu=$(qemu-system-x86_64 --version | head -1)
{
	printf '{\n  "qemu": "%s",\n  "kernels": [\n' "$qemu"
	n=0
	for k in "${kernels[@]}"; do
		n=$((n + 1))
		printf '    {"kernel": "%s", "build": "%s", "release": "%s"}%s\n' "$k" \
			"$(sed -n 1p "$out/$k/kernel.txt")" "$(sed -n 2p "$out/$k/kernel.txt")" \
			"$([ $n = ${#kernels[@]} ] || echo ,)"
	done
	printf '  ],\n'
	for f in $csvs; do
		printf '  "%s": [\n' "$f"
		awk -f "$bench/csv2json.awk" "$out/$f.csv"
		[ "$f" = gc-sections-control ] && printf '  ]\n' || printf '  ],\n'
	done
	printf '}\n'
} >"$out/results.json"

# The chart: with one kernel, its own (both init_on_alloc settings); with
# more, back to back at init_on_alloc=0 on each, tcmk beside kmalloc and
# kmem_cache.
if [ ${#kernels[@]} = 1 ]; then
	cp "$out/${kernels[0]}"/insns-by-size.* "$out/" 2>/dev/null || true
elif command -v gnuplot >/dev/null; then
	awk -v ks="${kernels[*]}" -f "$bench/b2b-kernels.awk" "$out/icount.csv" >"$out/b2b.dat"
	gnuplot -c "$bench/insns-by-size.gp" "$out" \
		"Allocate + free back to back, init_on_alloc=0: guest instructions per pair (qemu -icount)" \
		50 "${kernels[*]}" ||
		{ echo "bench: gnuplot failed" >&2; status=1; }
fi

{
	for k in "${kernels[@]}"; do
		echo "Kernel $k: $(sed -n 1p "$out/$k/kernel.txt") (\`$(sed -n 2p "$out/$k/kernel.txt")\`)."
		echo
	done
	echo "$qemu."
	awk -f "$bench/report.awk" "$out/icount.csv" \
		"$out/smp-ratios.csv" "$out/mem.csv" "$out/gc-mark.csv" \
		"$out/gc-pause.csv" "$out/gc-trees.csv" "$out/gc-trees-icount.csv" \
		"$out/gc-sections.csv" "$out/gc-sections-icount.csv" \
		"$out/gc-sections-control.csv"
	# Locality on two nodes: the share of objects a CPU is handed that lie
	# on its node; tcmk's target is 99% in the producer/consumer run.
	echo
	echo "### NUMA: objects on the allocating CPU's node (two nodes, a vCPU each)"
	echo
	echo "| kernel | scenario | allocator | local | of | share | target |"
	echo "|---|---|---|---:|---:|---:|---|"
	awk -F, 'NR > 1 && $5 > 0 {
		share = 100 * $4 / $5
		target = "-"
		if ($3 == "tcmk" && $2 == "numa_prodcons")
			target = share >= 99 ? "at least 99%: yes" : "at least 99%: **no**"
		printf "| %s | %s | %s | %d | %d | %.2f%% | %s |\n", $1, $2, $3, $4, $5, share, target
	}' "$out/numa.csv"
} >"$out/summary.md"
cat "$out/summary.md"
echo
echo "bench: results in $out/ (summary.md, results.json, the CSV files of every kernel, insns-by-size.svg/.png; each kernel's own in ${kernels[*]/#/$out/})"
# The report in the repository: only from a whole run, every kernel of the
# default pair measured and nothing failed, so that a partial or broken run
# never replaces it.
if [ $status = 0 ] && [ "$publish" = 1 ] && [ ${#kernels[@]} = ${#names[@]} ]; then
	doc=$TCMK_TOP/Documentation/bench
	mkdir -p "$doc"
	cp "$out/summary.md" "$out/results.json" "$doc/"
	[ ! -f "$out/insns-by-size.svg" ] || cp "$out/insns-by-size.svg" "$doc/"
	echo "bench: $doc/ updated (summary.md, results.json, insns-by-size.svg)"
fi
echo "bench: took $(($(date +%s) - start)) s"
[ $status = 0 ] && echo "bench: ok"
exit $status
