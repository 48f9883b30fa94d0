# SPDX-License-Identifier: GPL-2.0
# 'make bench': turn the CSV files that tests/bench.sh writes into Markdown
# tables. Input, in this order: icount.csv, then smp-ratios.csv, then mem.csv
# (each with its header line); FILENAME tells them apart.
BEGIN { FS = "," }
FNR == 1 { next }
FILENAME ~ /icount\.csv$/ {
	# init_on_alloc,scenario,alloc,size,n,insns_per_op
	key = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
	v[key] = $6
	nn[$2 SUBSEP $4] = $5
	if (!(($2 SUBSEP $4) in seen)) {
		seen[$2 SUBSEP $4] = 1
		sizes[$2] = sizes[$2] " " $4
	}
	next
}
FILENAME ~ /smp-ratios\.csv$/ { smp[++nsmp] = $0; next }
FILENAME ~ /mem\.csv$/ { mem[++nmem] = $0; next }

function ratio(a, b) {
	return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b)
}
function cell(x) { return x == "" ? "-" : x }

# One table of instructions per operation by size, both init_on_alloc.
function table(sc, title, allocs, base,    na, a, i, j, s, ns, row, hdr, sep, z) {
	na = split(allocs, a, " ")
	ns = split(sizes[sc], s, " ")
	if (!ns)
		return
	printf "\n%s\n\n", title
	hdr = "| size | n |"; sep = "|---:|---:|"
	for (z = 0; z <= 1; z++) {
		for (i = 1; i <= na; i++) {
			hdr = hdr sprintf(" %s (ioa=%d) |", a[i], z); sep = sep "---:|"
		}
		hdr = hdr sprintf(" tcmk/%s (ioa=%d) |", base, z); sep = sep "---:|"
	}
	print hdr; print sep
	for (j = 1; j <= ns; j++) {
		row = sprintf("| %s | %s |", s[j], nn[sc SUBSEP s[j]])
		for (z = 0; z <= 1; z++) {
			for (i = 1; i <= na; i++)
				row = row " " cell(v[z SUBSEP sc SUBSEP a[i] SUBSEP s[j]]) " |"
			row = row " " ratio(v[z SUBSEP sc SUBSEP "tcmk" SUBSEP s[j]],
					    v[z SUBSEP sc SUBSEP base SUBSEP s[j]]) " |"
		}
		print row
	}
}

END {
	print "Guest instructions per operation (qemu -icount shift=0, -smp 1; not cycles);"
	print "ioa = the init_on_alloc= boot option; a pair is one allocation and one free."
	table("b2b", "Back to back: allocate and free one object, repeatedly (instructions per pair)",
	      "tcmk kmalloc kmem_cache", "kmalloc")
	table("batch1k", "Batch of 1,000: N allocations then N frees (instructions per pair)",
	      "tcmk kmalloc kmem_cache", "kmalloc")
	table("batch100k", "Batch of 100,000 (N smaller where N x size would pass 256 MiB; instructions per pair)",
	      "tcmk kmalloc kmem_cache", "kmalloc")
	table("bulk", "Bulk API, 64 objects per call: tcmk_alloc_bulk/tcmk_free_bulk against kmem_cache_alloc_bulk/kmem_cache_free_bulk (instructions per object, alloc+free)",
	      "tcmk kmem_cache", "kmem_cache")
	table("random", "Random sizes (fixed-seed mix, 1 B to 64 KiB), 1,024 live objects, free oldest + allocate (instructions per pair)",
	      "tcmk kmalloc", "kmalloc")
	print "\nPieces of the fast paths: one allocation or one free timed apart (bursts of 16, timing cost taken off), and single calls in a loop (instructions per iteration, loop of ~2 included)\n"
	print "| piece | ioa=0 | ioa=1 |"
	print "|---|---:|---:|"
	np = split("part_alloc:tcmk:64 part_free:tcmk:64 part_alloc:kmalloc:64 part_free:kmalloc:64 part_alloc:kmem_cache:64 part_free:kmem_cache:64 loop:none:0 part_usable_size:tcmk:64 part_usable_size:kmalloc:64 part_virt_addr_valid:none:0 part_irqsave:none:0 part_might_alloc:none:0", pieces, " ")
	split("tcmk_alloc(64) alone|tcmk_free() alone|kmalloc(64) alone|kfree() alone|kmem_cache_alloc() alone (64 B cache)|kmem_cache_free() alone|empty loop|tcmk_usable_size()|ksize()|virt_addr_valid()|local_irq_save()+local_irq_restore()|might_alloc(GFP_KERNEL)", label, "|")
	for (i = 1; i <= np; i++) {
		split(pieces[i], f, ":")
		printf "| %s | %s | %s |\n", label[i],
		       cell(v[0 SUBSEP f[1] SUBSEP f[2] SUBSEP f[3]]),
		       cell(v[1 SUBSEP f[1] SUBSEP f[2] SUBSEP f[3]])
	}

	if (nsmp) {
		print "\nReal time, -smp 2 (no icount), 64-byte objects: throughput of tcmk"
		print "over SLUB's, each repetition's allocators run one after another in one boot.\n"
		print "| scenario | against | reps | median | min | max | best rep over best rep |"
		print "|---|---|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nsmp; i++) {
			split(smp[i], f, ",")
			printf "| %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7]
		}
	}
	if (nmem) {
		print "\nMemory: 1,000,000 objects of the size mix, then a random 90% freed"
		print "(pages of 4 KiB from the page allocator's free count; round 2 is the second pass in the same boot).\n"
		print "| round | allocator | requested MiB | kept MiB | peak pages | after 90% freed | after drain+release | released by tcmk_release() | pages holding live bytes | after all freed (+drain+release) |"
		print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nmem; i++) {
			split(mem[i], f, ",")
			printf "| %s | %s | %.1f | %.1f | %s | %s | %s | %s | %s | %s |\n",
			       f[1], f[2], f[3] / 1048576, f[4] / 1048576, f[5], f[6],
			       f[7], f[8] == "" ? "-" : f[8] / 4096 " pages", f[9], f[10]
		}
	}
}
