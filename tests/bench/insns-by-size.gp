# SPDX-License-Identifier: GPL-2.0
# 'make bench': the chart of back-to-back instructions per pair by size,
# insns-by-size.svg and insns-by-size.png, from b2b.dat (b2b-dat.awk or
# b2b-kernels.awk).
#
#   gnuplot -c insns-by-size.gp DIR TITLE YMIN GROUPS
#
# DIR holds b2b.dat and gets the chart. b2b.dat has, after its index and
# label, groups of three columns (tcmk, kmalloc, kmem_cache); GROUPS names
# them, space-separated: "init_on_alloc=0 init_on_alloc=1" for one kernel, or
# the kernels. Each group is drawn in a dash type of its own, each allocator
# in a colour of its own.
dir = ARG1
groups = ARG4
allocs = "tcmk kmalloc kmem_cache"
colours = "#1b7837 #762a83 #e08214"
points = "7 5 9"

set terminal svg size 960,540 dynamic noenhanced font "sans,12" background "white"
set output dir . "/insns-by-size.svg"
set title ARG2
set xlabel "object size (bytes)"
set ylabel "instructions per pair (log scale; not cycles)"
set logscale y
set yrange [ARG3 + 0:*]
set grid ytics
set key top left
set style data linespoints

# One plot command, a series per allocator and group, the first with the
# sizes as the x axis' labels.
cmd = ""
col = 3
do for [g = 1:words(groups)] {
	do for [a = 1:3] {
		if (cmd eq "") {
			cmd = sprintf('plot "%s/b2b.dat" using 1:%d:xtic(2)', dir, col)
		} else {
			cmd = cmd . sprintf(', "" using 1:%d', col)
		}
		cmd = cmd . sprintf(' title "%s, %s" lw 2 dt %d pt %d lc rgb "%s"', \
				    word(allocs, a), word(groups, g), g, \
				    word(points, a) - g + 1, word(colours, a))
		col = col + 1
	}
}
eval cmd

set terminal pngcairo size 960,540 noenhanced font "sans,10" background "white"
set output dir . "/insns-by-size.png"
replot
