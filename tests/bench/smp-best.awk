# SPDX-License-Identifier: GPL-2.0
# 'make bench': from smp.csv (scenario,alloc,size,rep,ops,ns), tcmk's best
# repetition of scenario sc over allocator o's best, as "%.2f"; nothing if o
# has no repetition. Host load only ever slows a guest down.
BEGIN { FS = "," }
$1 == sc && ($2 == "tcmk" || $2 == o) && $5 / $6 > b[$2] { b[$2] = $5 / $6 }
END { if (b[o] > 0) printf "%.2f", b["tcmk"] / b[o] }
