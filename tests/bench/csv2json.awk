# SPDX-License-Identifier: GPL-2.0
# 'make bench': the rows of a CSV file with a header line as JSON objects,
# one a line, indented for results.json, without the enclosing brackets.
# Numbers are left bare, every other field (and "kernel") is quoted.
BEGIN { FS = "," }
NR == 1 { n = split($0, h, ","); next }
{
	printf "%s    {", (NR > 2 ? ",\n" : "")
	for (i = 1; i <= n; i++) {
		q = (h[i] != "kernel" && $i ~ /^-?[0-9.]+$/) ? "" : "\""
		printf "%s\"%s\": %s%s%s", (i > 1 ? ", " : ""), h[i], q, $i, q
	}
	printf "}"
}
END { print "" }
