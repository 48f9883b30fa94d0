# SPDX-License-Identifier: GPL-2.0
# Count the results in a guest's results log (the second serial port).
#
# The guest job brackets the output of each KUnit module and of the kselftests:
#   TCMK-BEGIN ktap NAME ... TCMK-END ktap NAME rc=N   (dmesg of a KUnit module's insmod)
#   TCMK-BEGIN kselftest run_kselftest.sh ... TCMK-END kselftest run_kselftest.sh rc=N
# KUnit 6.1 prints suites as "    # Subtest: S", cases as "    ok N name", the
# cases of a parameterised test one level deeper (not counted: their case line
# covers them) and the suite's verdict unindented, "ok N S". A block that ends
# early or a suite without a verdict counts as a failure.
# The kernel's run_kselftest.sh prints a TAP plan of one test per binary;
# for each binary "# selftests: tcmk: NAME", the binary's own TAP 13 with
# every line behind "# ", and its verdict, "ok N selftests: tcmk: NAME"
# ("# SKIP" when it exited 4), or "not ok ..." with "# exit=N" or
# "# TIMEOUT". A binary's tests count as they did when it ran alone: a
# binary without a TAP plan, a plan left short, a binary that gave no verdict
# or exited non-zero with no test failed, and a plan of binaries left short
# count as failures.
#
# The kernel's test modules on the shim are bracketed as
#   TCMK-BEGIN shim NAME ... TCMK-END shim NAME rc=N
# their dmesg behind "# ", then one "ok N what" or "not ok N what: why" per
# result; a block with no result counts as a failure.
# Prints one line per suite or binary, the failures under it, and last
# "TALLY passed failed skipped".
# Variables: label (prefix for the lines).

function fail(why) { failed++; bf++; printf "      FAIL %s\n", why }

function suite_line(kind, name, p, f, s) {
	printf "  %-17s %-30s %3d passed, %d failed, %d skipped\n", kind, name, p, f, s
}

function end_suite(verdict_ok,   s) {
	if (suite == "")
		return
	if (!verdict_ok && sf == 0)
		fail("suite " suite " failed outside its cases (init or exit)")
	suite_line(label " kunit", suite, sp, sf, ss)
	for (s = 0; s < nmsg; s++)
		printf "%s\n", msg[s]
	suite = ""; nmsg = 0
}

# One line of a kselftest binary's own TAP 13.
function tap_line(line) {
	if (match(line, /^1\.\.[0-9]+/)) {
		plan = substr(line, 4, RLENGTH - 3) + 0
	} else if (match(line, /^(not )?ok [0-9]+ /)) {
		ntap++
		if (line ~ /^not ok/) {
			failed++; bf++
			msg[nmsg++] = "      FAIL " substr(line, RLENGTH + 1)
		} else if (line ~ /# SKIP/) {
			skipped++; bs++
		} else {
			passed++; bp++
		}
	} else if (line ~ /^# .*:[0-9]+:.*(Expected|ASSERT|EXPECT)/ && nmsg < 20) {
		msg[nmsg++] = "        " substr(line, 3)
	}
}

function begin_block(kind, name) {
	if (block != "")
		close_block(-1)
	block = kind; bname = name; bp = bf = 0; suite = ""; nsuites = 0
	nmsg = 0; bin = ""; binplan = -1; nbins = 0; failed0 = failed
}

function begin_bin(name) {
	bin = name; bf = 0; bp = bs = 0; plan = -1; ntap = 0; nmsg = 0
}

# A binary's verdict: rc is its exit status, or -1 if it gave none, for the
# reason why (none if the whole output ended there).
function end_bin(rc, why,   s) {
	if (plan < 0)
		fail(bin ": no TAP plan")
	else if (ntap < plan)
		fail(bin ": " plan - ntap " of " plan " tests gave no result")
	if (rc == -1 && why != "")
		fail(bin ": " why)
	else if (rc != 0 && rc != 4 && bf == 0)
		fail(bin ": exited " rc)
	if (rc == 4 && ntap == 0) {
		skipped++; bs++
	}
	suite_line(label " ksft", bin, bp, bf, bs)
	for (s = 0; s < nmsg; s++)
		printf "%s\n", msg[s]
	bin = ""; nmsg = 0; nbins++
}

function close_block(rc,   s) {
	if (block == "ktap") {
		if (suite != "") {
			fail("suite " suite " has no verdict (crashed or hung?)")
			end_suite(1)
		}
		if (nsuites == 0)
			fail(bname ": no KUnit output")
		if (rc != 0)
			fail(bname ": insmod exited " rc)
	} else if (block == "shim") {
		if (bp + bf == 0)
			fail(bname ": no result")
		suite_line(label " shim", bname, bp, bf, 0)
		for (s = 0; s < nmsg; s++)
			printf "%s\n", msg[s]
	} else if (block == "kselftest") {
		if (bin != "")
			end_bin(-1, rc == -1 ? "" : "no verdict from " bname)
		if (binplan < 0)
			fail(bname ": no TAP plan")
		else if (nbins < binplan)
			fail(bname ": " binplan - nbins " of " binplan " kselftests gave no result")
		if (rc > 0 && failed == failed0)
			fail(bname ": exited " rc)
	}
	if (rc == -1)
		fail(bname ": output ended without an end marker (guest died?)")
	block = ""; nmsg = 0
}

{
	sub(/\r$/, "")
}

/^TCMK-BEGIN / { begin_block($2, $3); next }
/^TCMK-END / {
	rc = $4; sub(/^rc=/, "", rc)
	close_block(rc + 0)
	next
}

block == "ktap" {
	line = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
	if (line !~ /^    (Expected|    )/)
		detail = 0
	if (match(line, /^    # Subtest: /)) {
		end_suite(1)
		suite = substr(line, RLENGTH + 1); nsuites++
		sp = sf = ss = 0
	} else if (suite != "" && match(line, /^    (not )?ok [0-9]+ /)) {
		if (line ~ /^    not ok/) {
			sf++; failed++
			msg[nmsg++] = "      FAIL " substr(line, RLENGTH + 1)
		} else if (line ~ / # SKIP/) {
			ss++; skipped++
		} else {
			sp++; passed++
		}
	} else if (suite != "" && line ~ /^    # .*(EXPECTATION|ASSERTION) FAILED/) {
		detail = 1
		if (nmsg < 20)
			msg[nmsg++] = "        " substr(line, 7)
	} else if (detail && line ~ /^     *[^ #]/ && line !~ /^ *(not )?ok /) {
		# The lines that say what was expected follow the failure line.
		if (nmsg < 20)
			msg[nmsg++] = "          " substr(line, 5)
		next
	} else if (suite != "" && line ~ /^(not )?ok [0-9]+ /) {
		end_suite(line ~ /^ok/)
	}
	next
}

block == "shim" {
	if (match($0, /^(not )?ok [0-9]+ /)) {
		if ($0 ~ /^not ok/) {
			failed++; bf++
			msg[nmsg++] = "      FAIL " substr($0, RLENGTH + 1)
		} else {
			passed++; bp++
		}
	}
	next
}

block == "kselftest" {
	if (match($0, /^(not )?ok [0-9]+ selftests: [^:]*: /)) {
		name = substr($0, RLENGTH + 1)
		sub(/ #.*/, "", name)
		if (bin != name) {
			if (bin != "")
				end_bin(-1, "no verdict from " bname)
			begin_bin(name)
		}
		if ($0 ~ /^ok .* # SKIP/)
			end_bin(4)
		else if ($0 ~ /^ok /)
			end_bin(0)
		else if (match($0, / # exit=[0-9]+$/))
			end_bin(substr($0, RSTART + 8) + 0)
		else if (match($0, / # TIMEOUT [0-9]+/))
			end_bin(-1, "stopped by " bname " after " substr($0, RSTART + 11, RLENGTH - 11) " s (its settings' timeout)")
		else
			end_bin(-1, "not ok from " bname)
	} else if (match($0, /^# selftests: [^:]*: /)) {
		if (bin != "")
			end_bin(-1, "no verdict from " bname)
		begin_bin(substr($0, RLENGTH + 1))
	} else if (bin == "" && match($0, /^1\.\.[0-9]+/)) {
		binplan = substr($0, 4, RLENGTH - 3) + 0
	} else if (bin != "" && substr($0, 1, 2) == "# ") {
		tap_line(substr($0, 3))
	}
	next
}

END {
	if (block != "")
		close_block(-1)
	printf "TALLY %d %d %d\n", passed, failed, skipped
}
