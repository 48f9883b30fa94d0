# SPDX-License-Identifier: GPL-2.0
# 'make bench': the guest's "BENCH scenario=... key=value ..." lines as CSV
# rows, one value per key named in cols (comma-separated, in that order).
# Lines without a scenario, and refused runs (error=), are left out.
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
}
