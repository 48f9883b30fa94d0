#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench [KERNEL=6.1|6.12|7.3]': compare tcmk with the SLUB of a kernel
# (by default Debian 12's stock 6.1; see guest_kernel in tests/guest/lib.sh),
# in qemu.
#
# Three guests boot the kernel with tcmk.ko and tcmk_bench.ko:
#   icount0, icount1   -icount shift=0,sleep=off -smp 1, init_on_alloc=0 and 1:
#                      guest instructions per operation (run side by side:
#                      their figures do not depend on the host's load); the
#                      first also runs the collector's tree churn, whose
#                      instructions then include the collector's own
#   smp                -smp 2 in real time, Debian's default init_on_alloc=1:
#                      throughput ratios, the memory workload, then the
#                      collector (tests/bench/gc_bench.c)
# Results: build/bench/{icount,smp,smp-ratios,mem,gc-mark,gc-pause,gc-trees,
# gc-trees-icount}.csv,
# results.json, summary.md (the tables printed at the end) and
# insns-by-size.svg.
set -euo pipefail

. "$(dirname "$0")/guest/lib.sh"
cd "$TCMK_TOP"
"$TCMK_TOP/tests/deps.sh"

guest_kernel "${1:-6.1}" || exit 1
out=$TCMK_TOP/build/bench
[ "$KERNEL_NAME" = stock-6.1 ] || out=$out-$KERNEL_NAME
rel=$KERNEL_WHAT
kernel=$KERNEL_IMAGE
start=$(date +%s)
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
{ icount 0 ,gc_trees || exit 1; } & pid0=$!
{ icount 1 "" || exit 1; } & pid1=$!
wait $pid0 || status=1
wait $pid1 || status=1
echo "bench: booting $rel with 2 vCPUs in real time (throughput, then memory)"
TCMK_GUEST_CPUS=2 TCMK_GUEST_MEM=2G \
	boot smp "$kernel" "$out/initrd.gz" "$out" "${TCMK_BENCH_TIMEOUT:-900}" \
	loglevel=4 tcmk_bench=smp,mem,gc || status=1
for g in icount0 icount1 smp; do
	if splats "$out/$g.console.log"; then
		echo "bench: the kernel reported a problem, see $out/$g.console.log" >&2
		status=1
	fi
	grep -h 'error=' "$out/$g.results.log" >&2 && status=1
done

# BENCH lines: "BENCH scenario=... alloc=... key=value ..." -> CSV columns.
fields() {
	tr -d '\r' | awk -v cols="$1" '
		BEGIN { n = split(cols, c, ",") }
		$1 == "BENCH" {
			delete kv
			for (i = 2; i <= NF; i++) {
				j = index($i, "=")
				kv[substr($i, 1, j - 1)] = substr($i, j + 1)
			}
			if (!("scenario" in kv) || ("error" in kv))
				next
			line = ""
			for (i = 1; i <= n; i++)
				line = line (i > 1 ? "," : "") kv[c[i]]
			print line
		}'
}

echo "init_on_alloc,scenario,alloc,size,n,insns_per_op" >"$out/icount.csv"
for z in 0 1; do
	fields scenario,alloc,size,n,insns_per_op <"$out/icount$z.results.log" |
		sed "s/^/$z,/" >>"$out/icount.csv"
done
echo "scenario,alloc,size,rep,ops,ns" >"$out/smp.csv"
grep '^BENCH scenario=smp_' "$out/smp.results.log" | fields scenario,alloc,size,rep,ops,ns >>"$out/smp.csv"

# Per repetition, tcmk's throughput over the other allocator's; then the
# median, least and greatest of those ratios. Host load only ever slows a
# guest down, so the ratio of each allocator's best repetition is given too.
echo "scenario,against,reps,median,min,max,best_over_best" >"$out/smp-ratios.csv"
for sc in smp_1cpu smp_2cpu smp_prodcons; do
	for other in kmalloc kmem_cache; do
		best=$(awk -F, -v sc="$sc" -v o="$other" '
			$1 == sc && ($2 == "tcmk" || $2 == o) && $5 / $6 > b[$2] { b[$2] = $5 / $6 }
			END { if (b[o] > 0) printf "%.2f", b["tcmk"] / b[o] }' "$out/smp.csv")
		awk -F, -v sc="$sc" -v o="$other" '
			$1 == sc { t[$2 "," $4] = $5 / $6 }
			END {
				for (k in t) {
					split(k, f, ",")
					if (f[1] == "tcmk" && (o "," f[2]) in t)
						printf "%.4f\n", t[k] / t[o "," f[2]]
				}
			}' "$out/smp.csv" | sort -g |
			awk -v sc="$sc" -v o="$other" -v best="$best" '
				{ r[NR] = $1 }
				END {
					if (!NR) exit
					med = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
					printf "%s,%s,%d,%.2f,%.2f,%.2f,%s\n", sc, o, NR, med, r[1], r[NR], best
				}' >>"$out/smp-ratios.csv"
	done
done

echo "round,alloc,requested,kept_requested,pages_peak,pages_after_free,pages_after_release,released_bytes,live_pages,pages_after_all_freed" >"$out/mem.csv"
grep '^BENCH scenario=mem ' "$out/smp.results.log" |
	fields alloc,requested,kept_requested,pages_peak,pages_after_free,pages_after_release,released_bytes,live_pages,pages_after_all_freed |
	awk -F, '{ round[$1]++; OFS = ","; if ($1 != "tcmk") $7 = ""; print round[$1], $0 }' >>"$out/mem.csv"

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

# One JSON document with everything, for scripts.
{
	printf '{\n  "kernel": "%s",\n  "qemu": "%s",\n' "$rel" \
		"$(qemu-system-x86_64 --version | head -1)"
	for f in icount smp-ratios mem gc-mark gc-pause gc-trees gc-trees-icount; do
		printf '  "%s": [\n' "$f"
		awk -F, 'NR == 1 { n = split($0, h, ","); next }
			{
				printf "%s    {", (NR > 2 ? ",\n" : "")
				for (i = 1; i <= n; i++) {
					q = ($i ~ /^-?[0-9.]+$/) ? "" : "\""
					printf "%s\"%s\": %s%s%s", (i > 1 ? ", " : ""), h[i], q, $i, q
				}
				printf "}"
			}
			END { print "" }' "$out/$f.csv"
		[ "$f" = gc-trees-icount ] && printf '  ]\n' || printf '  ],\n'
	done
	printf '}\n'
} >"$out/results.json"

# The chart: back-to-back instructions per pair by size, tcmk beside kmalloc
# and kmem_cache, for both init_on_alloc settings.
awk -F, '$2 == "b2b" { v[$1 "," $3 "," $4] = $6; if (!seen[$4]++) s[++n] = $4 }
	END {
		for (i = 1; i <= n; i++) {
			printf "%d", i - 1
			lbl = s[i] >= 1048576 ? s[i] / 1048576 "M" : s[i] >= 1024 ? s[i] / 1024 "K" : s[i]
			printf " %s", lbl
			for (z = 0; z <= 1; z++)
				printf " %s %s %s", v[z ",tcmk," s[i]], v[z ",kmalloc," s[i]], v[z ",kmem_cache," s[i]]
			printf "\n"
		}
	}' "$out/icount.csv" >"$out/b2b.dat"
if command -v gnuplot >/dev/null; then
	gnuplot <<EOF || { echo "bench: gnuplot failed" >&2; status=1; }
set terminal svg size 960,540 dynamic noenhanced font "sans,12" background "white"
set output "$out/insns-by-size.svg"
set title "Allocate + free back to back: guest instructions per pair ($rel, qemu -icount)"
set xlabel "object size (bytes)"
set ylabel "instructions per pair (log scale; not cycles)"
set logscale y
set yrange [100:*]
set grid ytics
set key top left
set style data linespoints
plot "$out/b2b.dat" using 1:3:xtic(2) title "tcmk, init_on_alloc=0" lw 2 pt 7 lc rgb "#1b7837", \
     "" using 1:4 title "kmalloc, init_on_alloc=0" lw 2 pt 5 lc rgb "#762a83", \
     "" using 1:5 title "kmem_cache, init_on_alloc=0" lw 2 pt 9 lc rgb "#e08214", \
     "" using 1:6 title "tcmk, init_on_alloc=1" lw 2 dt 2 pt 6 lc rgb "#1b7837", \
     "" using 1:7 title "kmalloc, init_on_alloc=1" lw 2 dt 2 pt 4 lc rgb "#762a83", \
     "" using 1:8 title "kmem_cache, init_on_alloc=1" lw 2 dt 2 pt 8 lc rgb "#e08214"
set terminal pngcairo size 960,540 noenhanced font "sans,10" background "white"
set output "$out/insns-by-size.png"
replot
EOF
fi

# The collector's section of summary.md.
gc_report() {
	echo
	echo "The collector (real time, -smp 2; marking runs beside the mutators, and"
	echo "a pause is how long a cycle holds the lock mutators shade under, twice"
	echo "per cycle: to turn marking on and to turn it off):"
	echo
	awk -F, 'NR > 1 && $4 > 0 {
			printf "- mark: %d live objects (%.1f MiB) in %.1f ms: %.2f M objects/s, %.0f MiB/s (rep %d)\n",
			       $2, $3 / 1048576, $4 / 1e6, $2 / ($4 / 1e3), $3 / 1048576 / ($4 / 1e9), $1
		}' "$out/gc-mark.csv"
	awk -F, 'NR > 1 {
			printf "- pauses with %d live objects while a thread on the other CPU rewires them (%d pointer stores): %d cycles, %d pauses, max %.2f us; <10us %d, <100us %d, <1ms %d, >=1ms %d\n",
			       $1, $3, $2, $5 + $6 + $7 + $8, $4 / 1e3, $5, $6, $7, $8
		}' "$out/gc-pause.csv"
	echo
	echo "Binary-tree churn: trees of depth 4, 6, ... 14 built and dropped around a"
	echo "long-lived tree of depth 14; collected by the pacer (GOGC 100) or freed by"
	echo "hand with tcmk_free(); heap peak against the pacer's goal at that moment."
	echo
	echo "| rep | collected (ms) | by hand (ms) | collected / by hand | paced cycles | heap peak (KiB) | goal then (KiB) | peak / goal |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { t[$1 "," $2] = $3; if ($1 == "gc") { c[$2] = $4; p[$2] = $5; g[$2] = $6 } }
		END {
			for (r = 0; ("gc," r) in t; r++)
				printf "| %d | %.0f | %.0f | %.2f | %d | %d | %d | %.2f |\n", r,
				       t["gc," r] / 1e6, t["manual," r] / 1e6,
				       t["gc," r] / t["manual," r], c[r], p[r] / 1024,
				       g[r] / 1024, g[r] ? p[r] / g[r] : 0
		}' "$out/gc-trees.csv"
	echo
	echo "The same churn on one vCPU under icount (guest instructions, the"
	echo "collector's work included, since it shares the CPU):"
	echo
	echo "| rep | collected (M insns) | by hand (M insns) | collected / by hand | paced cycles |"
	echo "|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { t[$1 "," $2] = $3; if ($1 == "gc") c[$2] = $4 }
		END {
			for (r = 0; ("gc," r) in t; r++)
				printf "| %d | %.1f | %.1f | %.2f | %d |\n", r,
				       t["gc," r] / 1e6, t["manual," r] / 1e6,
				       t["gc," r] / t["manual," r], c[r]
		}' "$out/gc-trees-icount.csv"
	echo
	echo "A collected object's life in pieces (16 bytes, pacer off, one vCPU under"
	echo "icount; instructions per object, loop included):"
	echo
	echo "| piece | ioa=0 | ioa=1 |"
	echo "|---|---:|---:|"
	awk -F, '$2 ~ /^gcpart_/ { v[$2 "," $1] = $6; if (!seen[$2]++) o[++n] = $2 }
		END {
			split("gcpart_alloc:tcmk_gc_alloc()|gcpart_write:tcmk_gc_write(), barrier off|gcpart_unpin:tcmk_gc_unpin()|gcpart_cycle_dead:a cycle, per object found dead|gcpart_cycle_live:a cycle, per object marked (a list)|gcpart_manual_alloc:tcmk_alloc() of the same size|gcpart_manual_free:tcmk_free()", l, "|")
			for (i in l) { split(l[i], f, ":"); name[f[1]] = f[2] }
			for (i = 1; i <= n; i++)
				printf "| %s | %s | %s |\n", name[o[i]], v[o[i] ",0"], v[o[i] ",1"]
		}' "$out/icount.csv"
}

{
	echo "Kernel: $rel; $(qemu-system-x86_64 --version | head -1)."
	echo
	awk -f "$TCMK_TOP/tests/bench/report.awk" "$out/icount.csv" \
		"$out/smp-ratios.csv" "$out/mem.csv"
	gc_report
} >"$out/summary.md"
cat "$out/summary.md"
echo
echo "bench: results in $out/ (icount.csv, smp.csv, smp-ratios.csv, mem.csv, results.json, summary.md, insns-by-size.svg/.png)"
echo "bench: took $(($(date +%s) - start)) s"
[ $status = 0 ] && echo "bench: ok"
exit $status
