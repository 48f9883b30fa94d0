# SPDX-License-Identifier: GPL-2.0
# Count the results in a guest's results log (the second serial port).
#
# The guest job brackets each test program's output:
#   TCMK-BEGIN ktap NAME ... TCMK-END ktap NAME rc=N   (dmesg of a KUnit module's insmod)
#   TCMK-BEGIN tap NAME  ... TCMK-END tap NAME rc=N    (a kselftest binary's TAP 13)
# KUnit 6.1 prints suites as "    # Subtest: S", cases as "    ok N name", the
# cases of a parameterised test one level deeper (not counted: their case line
# covers them) and the suite's verdict unindented, "ok N S". A block that ends
# early, a suite without a verdict or a TAP plan left short counts as a failure.
#
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

function begin_block(kind, name) {
	if (block != "")
		close_block(-1)
	block = kind; bname = name; bf = 0; suite = ""; nsuites = 0
	bp = bs = 0; plan = -1; ntap = 0; nmsg = 0
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
	} else if (block == "tap") {
		if (plan < 0)
			fail(bname ": no TAP plan")
		else if (ntap < plan)
			fail(bname ": " plan - ntap " of " plan " tests gave no result")
		if (rc != 0 && rc != 4 && bf == 0)
			fail(bname ": exited " rc)
		if (rc == 4 && ntap == 0) {
			skipped++; bs++
		}
		suite_line(label " ksft", bname, bp, bf, bs)
		for (s = 0; s < nmsg; s++)
			printf "%s\n", msg[s]
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

block == "tap" {
	if (match($0, /^1\.\.[0-9]+/)) {
		plan = substr($0, 4, RLENGTH - 3) + 0
	} else if (match($0, /^(not )?ok [0-9]+ /)) {
		ntap++
		if ($0 ~ /^not ok/) {
			failed++; bf++
			msg[nmsg++] = "      FAIL " substr($0, RLENGTH + 1)
		} else if ($0 ~ /# SKIP/) {
			skipped++; bs++
		} else {
			passed++; bp++
		}
	} else if ($0 ~ /^# .*:[0-9]+:.*(Expected|ASSERT|EXPECT)/ && nmsg < 20) {
		msg[nmsg++] = "        " substr($0, 3)
	}
	next
}

END {
	if (block != "")
		close_block(-1)
	printf "TALLY %d %d %d\n", passed, failed, skipped
}
