# SPDX-License-Identifier: GPL-2.0
# 'make bench': from the ratios of smp-ratios.awk, sorted, the row of
# smp-ratios.csv: scenario sc, allocator o, repetitions, median, least,
# greatest, and best (smp-best.awk's figure).
{ r[NR] = $1 }
END {
	if (!NR) exit
	med = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
	printf "%s,%s,%d,%.2f,%.2f,%.2f,%s\n", sc, o, NR, med, r[1], r[NR], best
}
