# SPDX-License-Identifier: GPL-2.0
# 'make bench': the memory workload's rows (alloc,requested,...) numbered by
# round per allocator; released_bytes only for tcmk, the one with a release.
BEGIN { FS = "," }
{ round[$1]++; OFS = ","; if ($1 != "tcmk") $7 = ""; print round[$1], $0 }
