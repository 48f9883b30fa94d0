# SPDX-License-Identifier: GPL-2.0
# 'make bench': the data of the chart of several kernels (insns-by-size.gp)
# from the joint icount.csv (kernel,init_on_alloc,scenario,alloc,size,n,
# insns_per_op): one line per size of the back-to-back scenario at
# init_on_alloc=0, "index label" then tcmk, kmalloc and kmem_cache for each
# kernel of ks (space-separated), in that order.
BEGIN { FS = "," }
$3 == "b2b" && $2 == 0 { v[$1 "," $4 "," $5] = $7; if (!seen[$5]++) s[++n] = $5 }
END {
	nk = split(ks, k, " ")
	for (i = 1; i <= n; i++) {
		lbl = s[i] >= 1048576 ? s[i] / 1048576 "M" : s[i] >= 1024 ? s[i] / 1024 "K" : s[i]
		printf "%d %s", i - 1, lbl
		for (j = 1; j <= nk; j++)
			printf " %s %s %s", v[k[j] ",tcmk," s[i]], v[k[j] ",kmalloc," s[i]], v[k[j] ",kmem_cache," s[i]]
		printf "\n"
	}
}
