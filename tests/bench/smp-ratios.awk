# SPDX-License-Identifier: GPL-2.0
# 'make bench': from smp.csv (scenario,alloc,size,rep,ops,ns), for each
# repetition of scenario sc, tcmk's throughput over allocator o's, one a
# line, unsorted.
BEGIN { FS = "," }
$1 == sc { t[$2 "," $4] = $5 / $6 }
END {
	for (k in t) {
		split(k, f, ",")
		if (f[1] == "tcmk" && (o "," f[2]) in t)
			printf "%.4f\n", t[k] / t[o "," f[2]]
	}
}
