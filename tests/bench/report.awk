# SPDX-License-Identifier: GPL-2.0
# 'make bench': turn the CSV files that tests/bench.sh writes for one or more
# kernels into Markdown tables, each kernel's figures side by side. Input, in
# this order (each with its header line, each line led by its kernel):
# icount.csv, smp-ratios.csv, mem.csv, gc-mark.csv, gc-pause.csv,
# gc-trees.csv, gc-trees-icount.csv, gc-sections.csv, gc-sections-icount.csv,
# gc-sections-control.csv;
# FILENAME tells them apart. Kernels are
# shown in the order they first appear in icount.csv.
BEGIN { FS = "," }
FNR == 1 { next }
!($1 in kseen) { kseen[$1] = 1; kern[++nk] = $1 }
FILENAME ~ /(^|\/)icount\.csv$/ {
	# kernel,init_on_alloc,scenario,alloc,size,n,insns_per_op
	v[$1, $2, $3, $4, $5] = $7
	if (!(($3, $5) in nn)) {
		nn[$3, $5] = $6
		sizes[$3] = sizes[$3] " " $5
	}
	next
}
FILENAME ~ /smp-ratios\.csv$/ {
	# kernel,scenario,against,reps,median,min,max,best_over_best
	if (!(($2, $3) in smpseen)) {
		smpseen[$2, $3] = 1
		smprow[++nsmp] = $2 SUBSEP $3
	}
	for (i = 4; i <= 8; i++)
		smp[$1, $2, $3, i] = $i
	next
}
FILENAME ~ /mem\.csv$/ {
	# kernel,round,alloc,requested,kept_requested,pages_peak,pages_after_free,
	# pages_after_release,released_bytes,live_pages,pages_after_all_freed
	if (!(($2, $3) in memseen)) {
		memseen[$2, $3] = 1
		memrow[++nmem] = $2 SUBSEP $3
	}
	for (i = 4; i <= 11; i++)
		mem[$1, $2, $3, i] = $i
	next
}
FILENAME ~ /gc-mark\.csv$/ { gcmark[++ngcmark] = $0; next }
FILENAME ~ /gc-pause\.csv$/ { gcpause[++ngcpause] = $0; next }
FILENAME ~ /gc-sections\.csv$/ { gcsect[++ngcsect] = $0; next }
FILENAME ~ /gc-sections-icount\.csv$/ { gcsecti[++ngcsecti] = $0; next }
FILENAME ~ /gc-sections-control\.csv$/ { gcsectc[++ngcsectc] = $0; next }
FILENAME ~ /gc-trees\.csv$/ {
	# kernel,mode,rep,ns,cycles,heap_peak,goal_at_peak,failed
	tt[$1, $2, $3] = $4
	if ($2 == "gc") { tc[$1, $3] = $5; tp[$1, $3] = $6; tg[$1, $3] = $7 }
	if ($3 + 1 > ntrees) ntrees = $3 + 1
	next
}
FILENAME ~ /gc-trees-icount\.csv$/ {
	ti[$1, $2, $3] = $4
	if ($2 == "gc") tic[$1, $3] = $5
	if ($3 + 1 > ntreesi) ntreesi = $3 + 1
	next
}

function ratio(a, b) {
	return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b)
}
function cell(x) { return x == "" ? "-" : x }

# One table of instructions per operation by size for one init_on_alloc
# setting, every kernel's columns side by side.
function table(sc, title, allocs, base,    na, a, i, j, k, s, ns, row, hdr, sep, z) {
	na = split(allocs, a, " ")
	ns = split(sizes[sc], s, " ")
	if (!ns)
		return
	for (z = 0; z <= 1; z++) {
		printf "\n%s, init_on_alloc=%d\n\n", title, z
		hdr = "| size | n |"; sep = "|---:|---:|"
		for (k = 1; k <= nk; k++) {
			for (i = 1; i <= na; i++) {
				hdr = hdr sprintf(" %s %s |", a[i], kern[k]); sep = sep "---:|"
			}
			hdr = hdr sprintf(" tcmk/%s %s |", base, kern[k]); sep = sep "---:|"
		}
		print hdr; print sep
		for (j = 1; j <= ns; j++) {
			row = sprintf("| %s | %s |", s[j], nn[sc, s[j]])
			for (k = 1; k <= nk; k++) {
				for (i = 1; i <= na; i++)
					row = row " " cell(v[kern[k], z, sc, a[i], s[j]]) " |"
				row = row " " ratio(v[kern[k], z, sc, "tcmk", s[j]],
						    v[kern[k], z, sc, base, s[j]]) " |"
			}
			print row
		}
	}
}

# Named caches: tcmk's merged cache (no constructor) against a kmem_cache
# without one, tcmk's private cache against a kmem_cache with the same
# constructor, each kernel's columns side by side, both init_on_alloc settings.
function cache_table(sc, title,    a, i, j, k, s, ns, row, hdr, sep, z) {
	ns = split(sizes[sc], s, " ")
	if (!ns)
		return
	split("tcmk_merged tcmk_private kmem_cache kmem_cache_ctor", a, " ")
	for (z = 0; z <= 1; z++) {
		printf "\n%s, init_on_alloc=%d\n\n", title, z
		hdr = "| size | n |"; sep = "|---:|---:|"
		for (k = 1; k <= nk; k++) {
			for (i = 1; i <= 4; i++) {
				hdr = hdr sprintf(" %s %s |", a[i], kern[k]); sep = sep "---:|"
			}
			hdr = hdr sprintf(" merged/kmem_cache %s | private/kmem_cache_ctor %s |", kern[k], kern[k])
			sep = sep "---:|---:|"
		}
		print hdr; print sep
		for (j = 1; j <= ns; j++) {
			row = sprintf("| %s | %s |", s[j], nn[sc, s[j]])
			for (k = 1; k <= nk; k++) {
				for (i = 1; i <= 4; i++)
					row = row " " cell(v[kern[k], z, sc, a[i], s[j]]) " |"
				row = row " " ratio(v[kern[k], z, sc, "tcmk_merged", s[j]],
						    v[kern[k], z, sc, "kmem_cache", s[j]]) " |"
				row = row " " ratio(v[kern[k], z, sc, "tcmk_private", s[j]],
						    v[kern[k], z, sc, "kmem_cache_ctor", s[j]]) " |"
			}
			print row
		}
	}
}

# The least and greatest of num's figures over base's on kernel k at
# init_on_alloc z, over every size of scenario sc, as "0.40-0.55x"; "" if none.
function cspan(k, sc, num, base, z,    s, ns, j, t, b, r, cnt, l, h) {
	ns = split(sizes[sc], s, " ")
	cnt = 0
	for (j = 1; j <= ns; j++) {
		t = v[k, z, sc, num, s[j]]; b = v[k, z, sc, base, s[j]]
		if (t == "" || b == "" || b == 0)
			continue
		r = t / b
		if (!cnt || r < l) l = r
		if (!cnt || r > h) h = r
		cnt++
	}
	return cnt ? sprintf("%.2f-%.2fx", l, h) : ""
}

# The cost of one heap profile sample: the suite sample_pair with every
# allocation sampled (tcmk_sampleall) less the same pairs with sampling off
# (tcmk_nosample), each kernel's columns side by side.
function sample_cost_table(    ns, s, j, k, z, row, hdr, sep, a, b) {
	ns = split(sizes["sample_pair"], s, " ")
	if (!ns)
		return
	for (z = 0; z <= 1; z++) {
		printf "\nCost of one heap profile sample: back to back with every allocation sampled (sample_bytes 1) less sampling off (instructions per sample), init_on_alloc=%d\n\n", z
		hdr = "| size | n |"; sep = "|---:|---:|"
		for (k = 1; k <= nk; k++) {
			hdr = hdr sprintf(" sampled %s | off %s | one sample %s |", kern[k], kern[k], kern[k])
			sep = sep "---:|---:|---:|"
		}
		print hdr; print sep
		for (j = 1; j <= ns; j++) {
			row = sprintf("| %s | %s |", s[j], nn["sample_pair", s[j]])
			for (k = 1; k <= nk; k++) {
				a = v[kern[k], z, "sample_pair", "tcmk_sampleall", s[j]]
				b = v[kern[k], z, "sample_pair", "tcmk_nosample", s[j]]
				row = row sprintf(" %s | %s | %s |", cell(a), cell(b),
						  (a == "" || b == "") ? "-" : sprintf("%.1f", a - b))
			}
			print row
		}
	}
}

# The least and greatest of tcmk's instructions over base's, on kernel k at
# init_on_alloc z, over the sizes of scenario sc up to max bytes (0: all).
# Sets lo, hi, hisize, and returns the number of sizes.
function span(k, sc, base, z, max,    s, ns, j, t, b, r, cnt) {
	ns = split(sizes[sc], s, " ")
	cnt = 0
	for (j = 1; j <= ns; j++) {
		if (max && s[j] + 0 > max)
			continue
		t = v[k, z, sc, "tcmk", s[j]]; b = v[k, z, sc, base, s[j]]
		if (t == "" || b == "" || b == 0)
			continue
		r = t / b
		if (!cnt || r < lo) lo = r
		if (!cnt || r > hi) { hi = r; hisize = s[j] }
		cnt++
	}
	return cnt
}
function yesno(ok) { return ok ? "yes" : "**no**" }
function size_name(s) {
	return s >= 1048576 ? s / 1048576 " MiB" : s >= 1024 ? s / 1024 " KiB" : s " B"
}

# The targets against kernel k's SLUB, each with what was measured.
function targets(k,    n, ok, r, a, m, lo0, hi0, hs0, t, b, rel, back, i, f, line, fr, a0) {
	printf "\n### Against %s's SLUB\n\n", k
	print "| target | measured | met |"
	print "|---|---|---|"
	# Back to back, tcmk's classes (up to 32 KiB).
	if (span(k, "b2b", "kmalloc", 0, 32768)) {
		lo0 = lo; hi0 = hi; hs0 = hisize
		line = sprintf("| back to back, 8 B to 32 KiB: at most 0.33x kmalloc's instructions (init_on_alloc=0) | %.3f-%.3fx (64 B: %s against %s); the greatest at %s", lo0, hi0,
			       v[k, 0, "b2b", "tcmk", 64], v[k, 0, "b2b", "kmalloc", 64], size_name(hs0))
		if (span(k, "b2b", "kmalloc", 1, 32768))
			line = line sprintf("; init_on_alloc=1: %.2f-%.2fx", lo, hi)
		printf "%s | %s |\n", line, yesno(hi0 <= 0.33)
	}
	# Batches, every size.
	split("batch100k:100,000 batch1k:1,000", b, " ")
	for (i = 1; i <= 2; i++) {
		split(b[i], f, ":")
		if (!span(k, f[1], "kmalloc", 0, 0))
			continue
		lo0 = lo; hi0 = hi; hs0 = hisize
		if (i == 1)
			line = sprintf("| batch of %s, every size: at most 0.5x kmalloc per pair (init_on_alloc=0) |", f[2])
		else
			line = sprintf("| batch of %s against kmalloc, every size (no target of its own) |", f[2])
		line = line sprintf(" %.2f-%.2fx, the greatest at %s", lo0, hi0, size_name(hs0))
		if (span(k, f[1], "kmalloc", 1, 0))
			line = line sprintf("; init_on_alloc=1: %.2f-%.2fx (greatest at %s)", lo, hi, size_name(hisize))
		printf "%s | %s |\n", line, i == 1 ? yesno(hi0 <= 0.5) : "-"
	}
	# No target: bulk and the random mix, for the record.
	if (span(k, "bulk", "kmem_cache", 0, 0)) {
		line = sprintf("| bulk API, 64 a call, against kmem_cache_alloc_bulk (no target) | %.2f-%.2fx (init_on_alloc=0)", lo, hi)
		if (span(k, "bulk", "kmem_cache", 1, 0))
			line = line sprintf(", %.2f-%.2fx (init_on_alloc=1)", lo, hi)
		printf "%s | - |\n", line
	}
	# Named caches, for the record.
	a0 = cspan(k, "cache_b2b", "tcmk_merged", "kmem_cache", 0)
	if (a0 != "") {
		printf "| named caches back to back, 16 B to 1 KiB, against kmem_cache (no target) | merged (no constructor) %s (64 B: %s against %s), private (constructor) %s against a kmem_cache with it (init_on_alloc=0); init_on_alloc=1: %s, %s | - |\n",
		       a0, v[k, 0, "cache_b2b", "tcmk_merged", 64], v[k, 0, "cache_b2b", "kmem_cache", 64],
		       cspan(k, "cache_b2b", "tcmk_private", "kmem_cache_ctor", 0),
		       cspan(k, "cache_b2b", "tcmk_merged", "kmem_cache", 1),
		       cspan(k, "cache_b2b", "tcmk_private", "kmem_cache_ctor", 1)
	}
	a0 = cspan(k, "cache_bulk", "tcmk_merged", "kmem_cache", 0)
	if (a0 != "")
		printf "| named caches, bulk API, 64 a call, against kmem_cache_alloc_bulk (no target) | merged %s, private %s (init_on_alloc=0) | - |\n",
		       a0, cspan(k, "cache_bulk", "tcmk_private", "kmem_cache_ctor", 0)
	if (span(k, "random", "kmalloc", 0, 0)) {
		line = sprintf("| random size mix against kmalloc (no target) | %.2fx (init_on_alloc=0)", lo)
		if (span(k, "random", "kmalloc", 1, 0))
			line = line sprintf(", %.2fx (init_on_alloc=1)", lo)
		printf "%s | - |\n", line
	}
	# Producer/consumer across CPUs.
	line = ""; ok = 1; n = 0
	split("kmalloc kmem_cache", a, " ")
	for (i = 1; i <= 2; i++) {
		if (!((k, "smp_prodcons", a[i], 5) in smp))
			continue
		line = line sprintf("%smedian %.2fx %s (least %.2fx, best rep over best rep %.2fx)",
				    n++ ? "; " : "", smp[k, "smp_prodcons", a[i], 5], a[i],
				    smp[k, "smp_prodcons", a[i], 6], smp[k, "smp_prodcons", a[i], 8])
		if (smp[k, "smp_prodcons", a[i], 5] < 1.0)
			ok = 0
	}
	if (n)
		printf "| producer/consumer across CPUs: at least 1.0x SLUB's throughput (real time, median of %s reps) | %s | %s |\n",
		       smp[k, "smp_prodcons", "kmalloc", 4], line, yesno(ok)
	# Memory after fragmentation, and the pages given back.
	line = ""; back = ""; ok = 1; fr = 1; n = 0
	for (i = 1; i <= nmem; i++) {
		split(memrow[i], f, SUBSEP)
		if (f[2] != "tcmk" || !((k, f[1], "kmalloc", 7) in mem))
			continue
		t = mem[k, f[1], "tcmk", 7]; m = mem[k, f[1], "kmalloc", 7]
		r = m > 0 ? t / m : 99
		if (r > 1.1) ok = 0
		line = line sprintf("%sround %s: %d pages against %d, %.2fx (after drain+release %.2fx)",
				    n ? "; " : "", f[1], t, m, r, mem[k, f[1], "tcmk", 8] / m)
		# Of the pages that held objects at the peak and hold no live
		# byte now, the share back with the page allocator after
		# tcmk_drain() + tcmk_release().
		rel = mem[k, f[1], "tcmk", 6] - mem[k, f[1], "tcmk", 10]
		r = rel > 0 ? (mem[k, f[1], "tcmk", 6] - mem[k, f[1], "tcmk", 8]) / rel : 0
		if (r < 0.95) fr = 0
		back = back sprintf("%sround %s: %d of %d (%.2f%%)", n ? "; " : "",
				    f[1], mem[k, f[1], "tcmk", 6] - mem[k, f[1], "tcmk", 8], rel, 100 * r)
		n++
	}
	if (n) {
		printf "| memory held after a random 90%% of 1,000,000 objects are freed: at most 1.1x SLUB's pages | %s | %s |\n", line, yesno(ok)
		printf "| pages given back after drain+release: at least 95%% of those that held objects at the peak and hold no live byte after | %s | %s |\n", back, yesno(fr)
	}
}

END {
	print "\nGuest instructions per operation (qemu -icount shift=0, -smp 1; not cycles);"
	print "a pair is one allocation and one free; init_on_alloc is the boot option"
	printf "(Debian's default is 1). Columns are named by allocator and kernel:"
	for (k = 1; k <= nk; k++)
		printf "%s %s", (k > 1 ? "," : ""), kern[k]
	print ".\n"
	print "Real-time ratios (-smp 2, no icount) compare the allocators within one"
	print "boot of one kernel; the host is shared, so they are noisy."
	for (k = 1; k <= nk; k++)
		targets(kern[k])

	print "\n### Tables"
	table("b2b", "Back to back: allocate and free one object, repeatedly (instructions per pair)",
	      "tcmk kmalloc kmem_cache", "kmalloc")
	table("b2b", "Heap profile sampling: back to back at the default sample_bytes (524288) and with sampling off (tcmk_nosample) (instructions per pair)",
	      "tcmk tcmk_nosample", "tcmk_nosample")
	sample_cost_table()
	table("batch1k", "Batch of 1,000: N allocations then N frees (instructions per pair)",
	      "tcmk kmalloc kmem_cache", "kmalloc")
	table("batch100k", "Batch of 100,000 (N smaller where N x size would pass 256 MiB; instructions per pair)",
	      "tcmk kmalloc kmem_cache", "kmalloc")
	table("bulk", "Bulk API, 64 objects per call: tcmk_alloc_bulk/tcmk_free_bulk against kmem_cache_alloc_bulk/kmem_cache_free_bulk (instructions per object, alloc+free)",
	      "tcmk kmem_cache", "kmem_cache")
	cache_table("cache_b2b", "Named caches: tcmk_cache_alloc/tcmk_cache_free against kmem_cache_alloc/kmem_cache_free (instructions per pair), back to back; tcmk_merged and kmem_cache without a constructor, tcmk_private and kmem_cache_ctor with the same one-store constructor")
	cache_table("cache_bulk", "Named caches, bulk API, 64 objects per call: tcmk_cache_alloc_bulk/tcmk_cache_free_bulk against kmem_cache_alloc_bulk/kmem_cache_free_bulk (instructions per object, alloc+free)")
	table("random", "Random sizes (fixed-seed mix, 1 B to 64 KiB), 1,024 live objects, free oldest + allocate (instructions per pair)",
	      "tcmk kmalloc", "kmalloc")
	table("free_rcu", "RCU frees: 10,000 objects, each allocated and at once passed to tcmk_free_rcu() or kfree_rcu(); the two calls only, the frees after the grace period (in a worker) not counted (instructions per object)",
	      "tcmk kmalloc", "kmalloc")
	print "\nPieces of the fast paths: one allocation or one free timed apart (bursts of 16, timing cost taken off), and single calls in a loop (instructions per iteration, loop of ~2 included)\n"
	hdr = "| piece |"; sep = "|---|"
	for (k = 1; k <= nk; k++) {
		hdr = hdr sprintf(" %s ioa=0 | %s ioa=1 |", kern[k], kern[k]); sep = sep "---:|---:|"
	}
	print hdr; print sep
	np = split("part_alloc:tcmk:64 part_free:tcmk:64 part_alloc:kmalloc:64 part_free:kmalloc:64 part_alloc:kmem_cache:64 part_free:kmem_cache:64 loop:none:0 part_usable_size:tcmk:64 part_usable_size:kmalloc:64 part_virt_addr_valid:none:0 part_irqsave:none:0 part_might_alloc:none:0", pieces, " ")
	split("tcmk_alloc(64) alone|tcmk_free() alone|kmalloc(64) alone|kfree() alone|kmem_cache_alloc() alone (64 B cache)|kmem_cache_free() alone|empty loop|tcmk_usable_size()|ksize()|virt_addr_valid()|local_irq_save()+local_irq_restore()|might_alloc(GFP_KERNEL)", label, "|")
	for (i = 1; i <= np; i++) {
		split(pieces[i], f, ":")
		row = "| " label[i] " |"
		for (k = 1; k <= nk; k++)
			for (z = 0; z <= 1; z++)
				row = row " " cell(v[kern[k], z, f[1], f[2], f[3]]) " |"
		print row
	}

	if (nsmp) {
		print "\nReal time, -smp 2 (no icount), init_on_alloc=1, 64-byte objects: throughput of tcmk"
		print "over SLUB's, each repetition's allocators run one after another in one boot"
		print "(per kernel: the median, least and greatest of the per-repetition ratios, and"
		print "each allocator's best repetition over the other's).\n"
		hdr = "| scenario | against |"; sep = "|---|---|"
		for (k = 1; k <= nk; k++) {
			hdr = hdr sprintf(" reps %s | median %s | min %s | max %s | best/best %s |", kern[k], kern[k], kern[k], kern[k], kern[k])
			sep = sep "---:|---:|---:|---:|---:|"
		}
		print hdr; print sep
		for (i = 1; i <= nsmp; i++) {
			split(smprow[i], f, SUBSEP)
			row = "| " f[1] " | " f[2] " |"
			for (k = 1; k <= nk; k++)
				for (j = 4; j <= 8; j++)
					row = row " " cell(smp[kern[k], f[1], f[2], j]) " |"
			print row
		}
	}
	if (nmem) {
		print "\nMemory: 1,000,000 objects of the size mix, then a random 90% freed"
		print "(pages of 4 KiB from the page allocator's free count; round 2 is the second pass in the same boot;"
		print "\"live\" is the number of pages holding a byte of a live object, what a perfect allocator would keep)."
		for (k = 1; k <= nk; k++)
			if ((kern[k], 1, "tcmk", 4) in mem)
				printf "Requested on %s: %.1f MiB, kept %.1f MiB.\n", kern[k],
				       mem[kern[k], 1, "tcmk", 4] / 1048576, mem[kern[k], 1, "tcmk", 5] / 1048576
		print ""
		hdr = "| round | allocator |"; sep = "|---:|---|"
		for (k = 1; k <= nk; k++) {
			hdr = hdr sprintf(" peak %s | after 90%% freed %s | after drain+release %s | released by tcmk_release() %s | live %s | after all freed %s |",
					  kern[k], kern[k], kern[k], kern[k], kern[k], kern[k])
			sep = sep "---:|---:|---:|---:|---:|---:|"
		}
		print hdr; print sep
		for (i = 1; i <= nmem; i++) {
			split(memrow[i], f, SUBSEP)
			row = "| " f[1] " | " f[2] " |"
			for (k = 1; k <= nk; k++) {
				for (j = 6; j <= 11; j++) {
					x = mem[kern[k], f[1], f[2], j]
					if (j == 9)
						x = x == "" ? "" : x / 4096
					row = row " " cell(x) " |"
				}
			}
			print row
		}
	}

	if (ngcmark + ngcpause + ngcsect + ngcsecti) {
		print "\nThe collector (real time, -smp 2; marking runs beside the mutators, and"
		print "a pause is how long a cycle holds the lock mutators shade under, twice"
		print "per cycle: to turn marking on and to turn it off):\n"
	}
	for (i = 1; i <= ngcmark; i++) {
		# kernel,rep,objects,bytes,mark_ns,cycle_ns
		split(gcmark[i], f, ",")
		if (f[5] > 0)
			printf "- %s, mark: %d live objects (%.1f MiB) in %.1f ms: %.2f M objects/s, %.0f MiB/s (rep %d)\n",
			       f[1], f[3], f[4] / 1048576, f[5] / 1e6, f[3] / (f[5] / 1e3), f[4] / 1048576 / (f[5] / 1e9), f[2]
	}
	for (i = 1; i <= ngcpause; i++) {
		# kernel,live,cycles,writes,pause_max_ns,lt10us,lt100us,lt1ms,ge1ms
		split(gcpause[i], f, ",")
		printf "- %s, pauses with %d live objects while a thread on the other CPU rewires them (%d pointer stores): %d cycles, %d pauses, max %.2f us; <10us %d, <100us %d, <1ms %d, >=1ms %d\n",
		       f[1], f[2], f[4], f[3], f[6] + f[7] + f[8] + f[9], f[5] / 1e3, f[6], f[7], f[8], f[9]
	}
	# Sections: the longest stretch of a cycle with a spinlock held or
	# interrupts off. Target: none over 100 us.
	for (k = 1; k <= nk; k++) {
		K = kern[k]; line = ""; mx = ""; gm = 0; n = 0
		for (i = 1; i <= ngcsect; i++) {
			# kernel,rep,live,weak,section_max_ns,cycle_ns,pause_max_ns,weak_get_max_ns
			split(gcsect[i], f, ",")
			if (f[1] != K)
				continue
			line = line sprintf("%s%.1f", n++ ? ", " : "", f[5] / 1e3)
			if (mx == "" || f[5] > mx) mx = f[5]
			if (f[8] > gm) gm = f[8]
			live = f[3]; weak = f[4]
		}
		if (n)
			printf "- %s, longest section with %d live objects and %d weak references while a thread on the other CPU reads them, per cycle: %s us (target: none over 100 us: %s); the longest tcmk_gc_weak_get() %.1f us\n",
			       K, live, weak, line, yesno(mx <= 100000), gm / 1e3
		line = ""; n = 0
		for (i = 1; i <= ngcsecti; i++) {
			split(gcsecti[i], f, ",")
			if (f[1] != K)
				continue
			line = line sprintf("%s%d", n++ ? ", " : "", f[5])
		}
		if (n)
			printf "- %s, the same on one vCPU under icount, per cycle: %s guest instructions (not cycles; the host's load does not change them)\n",
			       K, line
		# kernel,clock,sections,spins,section_max_ns,over_100us,weak_get_max_ns
		cr = ""; ci = ""
		for (i = 1; i <= ngcsectc; i++) {
			split(gcsectc[i], f, ",")
			if (f[1] != K)
				continue
			if (f[2] == "real") { cr = gcsectc[i] } else { ci = gcsectc[i] }
		}
		if (cr != "" && ci != "") {
			split(cr, f, ","); split(ci, g, ",")
			printf "- %s, control: %d sections of fixed work and no collector (%d turns of a loop, %d guest instructions under icount), interrupts off, timed the same way in the same boot: longest %.1f us, %d of them over 100 us; the longest tcmk_gc_weak_get() meanwhile, no cycle running, %.1f us\n",
			       K, f[3], f[4], g[5], f[5] / 1e3, f[6], f[7] / 1e3
		}
	}
	if (ntrees) {
		print "\nBinary-tree churn: trees of depth 4, 6, ... 14 built and dropped around a"
		print "long-lived tree of depth 14; collected by the pacer (GOGC 100) or freed by"
		print "hand with tcmk_free() (real time, ms); heap peak against the pacer's goal then.\n"
		hdr = "| rep |"; sep = "|---:|"
		for (k = 1; k <= nk; k++) {
			hdr = hdr sprintf(" collected %s | by hand %s | ratio %s | cycles %s | peak/goal %s |", kern[k], kern[k], kern[k], kern[k], kern[k])
			sep = sep "---:|---:|---:|---:|---:|"
		}
		print hdr; print sep
		for (r = 0; r < ntrees; r++) {
			row = "| " r " |"
			for (k = 1; k <= nk; k++) {
				K = kern[k]
				if (!((K, "gc", r) in tt) || !((K, "manual", r) in tt)) {
					row = row " - | - | - | - | - |"
					continue
				}
				row = row sprintf(" %.0f | %.0f | %.2f | %d | %d/%d KiB (%.2f) |",
						  tt[K, "gc", r] / 1e6, tt[K, "manual", r] / 1e6,
						  tt[K, "gc", r] / tt[K, "manual", r], tc[K, r],
						  tp[K, r] / 1024, tg[K, r] / 1024, tg[K, r] ? tp[K, r] / tg[K, r] : 0)
			}
			print row
		}
	}
	if (ntreesi) {
		print "\nThe same churn on one vCPU under icount (millions of guest instructions, the"
		print "collector's work included, since it shares the CPU):\n"
		hdr = "| rep |"; sep = "|---:|"
		for (k = 1; k <= nk; k++) {
			hdr = hdr sprintf(" collected %s | by hand %s | ratio %s | cycles %s |", kern[k], kern[k], kern[k], kern[k])
			sep = sep "---:|---:|---:|---:|"
		}
		print hdr; print sep
		for (r = 0; r < ntreesi; r++) {
			row = "| " r " |"
			for (k = 1; k <= nk; k++) {
				K = kern[k]
				if (!((K, "gc", r) in ti) || !((K, "manual", r) in ti)) {
					row = row " - | - | - | - |"
					continue
				}
				row = row sprintf(" %.1f | %.1f | %.2f | %d |", ti[K, "gc", r] / 1e6,
						  ti[K, "manual", r] / 1e6, ti[K, "gc", r] / ti[K, "manual", r], tic[K, r])
			}
			print row
		}
	}
	ng = split("gcpart_alloc:tcmk_gc_alloc()|gcpart_write:tcmk_gc_write(), barrier off|gcpart_unpin:tcmk_gc_unpin()|gcpart_cycle_dead:a cycle, per object found dead|gcpart_cycle_live:a cycle, per object marked (a list)|gcpart_manual_alloc:tcmk_alloc() of the same size|gcpart_manual_free:tcmk_free()", gl, "|")
	hdr = "| piece |"; sep = "|---|"
	for (k = 1; k <= nk; k++) {
		hdr = hdr sprintf(" %s ioa=0 | %s ioa=1 |", kern[k], kern[k]); sep = sep "---:|---:|"
	}
	first = 1
	for (i = 1; i <= ng; i++) {
		split(gl[i], f, ":")
		row = "| " f[2] " |"; any = 0
		for (k = 1; k <= nk; k++)
			for (z = 0; z <= 1; z++) {
				x = v[kern[k], z, f[1], "tcmk", 16]
				any = any || x != ""
				row = row " " cell(x) " |"
			}
		if (!any)
			continue
		if (first) {
			print "\nA collected object's life in pieces (16 bytes, pacer off, one vCPU under"
			print "icount; instructions per object, loop included):\n"
			print hdr; print sep
			first = 0
		}
		print row
	}
}
