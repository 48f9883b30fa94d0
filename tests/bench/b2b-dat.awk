# SPDX-License-Identifier: GPL-2.0
# 'make bench': the data of one kernel's chart (insns-by-size.gp) from its
# icount.csv (init_on_alloc,scenario,alloc,size,n,insns_per_op): one line per
# size of the back-to-back scenario, "index label" then tcmk, kmalloc and
# kmem_cache at init_on_alloc=0, then the same at init_on_alloc=1.
BEGIN { FS = "," }
$2 == "b2b" { v[$1 "," $3 "," $4] = $6; if (!seen[$4]++) s[++n] = $4 }
END {
	for (i = 1; i <= n; i++) {
		printf "%d", i - 1
		lbl = s[i] >= 1048576 ? s[i] / 1048576 "M" : s[i] >= 1024 ? s[i] / 1024 "K" : s[i]
		printf " %s", lbl
		for (z = 0; z <= 1; z++)
			printf " %s %s %s", v[z ",tcmk," s[i]], v[z ",kmalloc," s[i]], v[z ",kmem_cache," s[i]]
		printf "\n"
	}
}
