# SPDX-License-Identifier: GPL-2.0
# tcmk: the targets users run. The modules themselves are described in Kbuild.
#
#   make [modules]     build tcmk.ko against KDIR (see below)
#   make tools         build the userspace tools (userspace-tools/)
#   make run           boot a kernel in qemu (KERNEL=6.1, 6.12 or 7.3), load tcmk, show it
#   make check         every KUnit suite and kselftest, in qemu guests
#   make selftests     build the kselftests (tests/selftests/) into build/selftests
#   make kselftest-install INSTALL_PATH=DIR
#                      lay them out in DIR as the kernel's kselftest_install.sh
#                      does: DIR/run_kselftest.sh runs them where tcmk is loaded
#   make bench         tcmk against the SLUB of 6.1 and 7.3 in qemu guests (tests/bench.sh;
#                      KERNEL= for one kernel only)
#   make deps          install the Debian packages the targets need
#   make install       install tcmk.ko for the kernel of KDIR (modules_install)
#   make sizeclasses   regenerate module/sizeclasses.h from module/mksizeclasses.c
#   make checkpatch    checkpatch (6.1's and 7.3's) over the sources
#   make lint          checkpatch, then sparse (sid's) and W=1 over a build against KDIR
#   make clean
#
# KDIR defaults to the running kernel's build directory and, where there is
# none (as in a container), to Debian 12's 6.1 headers, fetched into tcmk's
# cache (tests/guest/fetch.sh; nothing is installed on the system).

KRELEASE := $(shell uname -r)
FETCH := $(CURDIR)/tests/guest/fetch.sh
# Worked out once, when first used: fetching is for the targets that build.
KDIR ?= $(eval KDIR := $(if $(wildcard /lib/modules/$(KRELEASE)/build/Makefile),/lib/modules/$(KRELEASE)/build,$(shell $(FETCH) stock 6.1 2>/dev/null | cut -d' ' -f2)))$(KDIR)

BUILD := $(CURDIR)/build
# A few files from Debian's kernel sources that the tests use and this repo
# does not copy: checkpatch (6.1's and 7.3's), the kselftest framework
# (6.1's: the harness, lib.mk and the runner) and the kernel's own test
# modules that Kbuild builds on tcmk through <linux/tcmk_shim.h> (6.1's and
# 7.3's: Kbuild picks the one that builds against KDIR).
LINUX_BITS := $(BUILD)/linux-bits
CHECKPATCH_FILES := scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch
KSFT_FILES := $(addprefix tools/testing/selftests/,kselftest_harness.h kselftest.h lib.mk \
	run_kselftest.sh kselftest/runner.sh kselftest/module.sh kselftest/prefix.pl)
SHIM_PROOF_FILES := lib/test_meminit.c lib/test_memcat_p.c
KSFT_DIR := $(LINUX_BITS)/6.1/tools/testing/selftests
SELFTEST_OUT ?= $(BUILD)/selftests
INSTALL_PATH ?= $(BUILD)/kselftest_install
KSFT_INSTALL = $(abspath $(INSTALL_PATH))

# Sources checkpatch reads: everything but the generated table.
LINT_SRCS := $(filter-out module/sizeclasses.h,$(wildcard module/*.[ch] \
	module/include/*/*.h module/include/uapi/*/*.h tests/kunit/*.[ch] \
	tests/selftests/*.[ch] tests/bench/*.[ch] tests/shim/*.[ch] userspace-tools/*.[ch]))

all: modules

check-kdir:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || { \
		echo "No kernel build directory: install your kernel's headers or pass KDIR=/path/to/build" >&2; \
		exit 1; }

modules: check-kdir
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)

tools:
	$(MAKE) -C userspace-tools

deps:
	tests/deps.sh

# KERNEL: 6.1 (Debian 12's, the default), 6.12 (bookworm-backports'), 7.3
# (built from Debian's source with Debian's options); see tests/guest/lib.sh.
# 'make bench' without KERNEL runs on 6.1 and 7.3, side by side.
KERNEL ?=

run:
	tests/run.sh $(or $(KERNEL),6.1)

check:
	tests/check.sh

bench:
	tests/bench.sh $(KERNEL)

# Extracted again when this Makefile changes, which is where the lists are.
$(LINUX_BITS)/.stamp: Makefile
	set -e; for s in 6.1 7.3; do \
		tarball=$$($(FETCH) source $$s | cut -d' ' -f1); \
		files="$(CHECKPATCH_FILES) $(SHIM_PROOF_FILES)"; \
		[ $$s != 6.1 ] || files="$$files $(KSFT_FILES)"; \
		rm -rf $(LINUX_BITS)/$$s; \
		mkdir -p $(LINUX_BITS)/$$s; \
		tar -xJf $$tarball -C $(LINUX_BITS)/$$s --strip-components=1 \
			$$(printf "linux-source-$$s/%s " $$files); \
	done
	touch $@

selftests: $(LINUX_BITS)/.stamp
	mkdir -p $(SELFTEST_OUT)
	$(MAKE) -C tests/selftests OUTPUT=$(SELFTEST_OUT) KSFT_DIR=$(KSFT_DIR)

# What the kernel's tools/testing/selftests/Makefile does for 'install'
# (kselftest_install.sh): the runner from the same kernel source as lib.mk,
# the tests in DIR/tcmk (lib.mk's install), and kselftest-list.txt naming them
# (lib.mk's emit_tests).
kselftest-install: selftests
	mkdir -p $(KSFT_INSTALL)/kselftest
	install -m 744 $(addprefix $(KSFT_DIR)/kselftest/,module.sh runner.sh prefix.pl) \
		$(KSFT_INSTALL)/kselftest/
	install -m 744 $(KSFT_DIR)/run_kselftest.sh $(KSFT_INSTALL)/
	$(MAKE) -C tests/selftests OUTPUT=$(SELFTEST_OUT) KSFT_DIR=$(KSFT_DIR) \
		INSTALL_PATH=$(KSFT_INSTALL)/tcmk install
	$(MAKE) -s --no-print-directory -C tests/selftests OUTPUT=$(SELFTEST_OUT) \
		KSFT_DIR=$(KSFT_DIR) COLLECTION=tcmk emit_tests \
		>$(KSFT_INSTALL)/kselftest-list.txt

# checkpatch of the oldest and the newest kernel tcmk builds for. compat.h is
# the one file whose job is to name kernel versions, which checkpatch's rule
# against LINUX_VERSION_CODE (meant for code merged into one kernel) forbids.
checkpatch: $(LINUX_BITS)/.stamp
	set -e; for s in 6.1 7.3; do \
		$(LINUX_BITS)/$$s/scripts/checkpatch.pl --no-tree --quiet --show-types \
			-f $(filter-out module/compat.h,$(LINT_SRCS)); \
		$(LINUX_BITS)/$$s/scripts/checkpatch.pl --no-tree --quiet --show-types \
			--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat.h; \
	done

# checkpatch, then sparse and W=1 over a build against KDIR ('make check'
# builds against every kernel of its matrix the same way). SPARSE is sid's
# sparse, built into tcmk's cache (tests/guest/fetch.sh sparse): Debian 12's
# is too old for 7.3, whose make then turns C= off.
SPARSE ?= $(eval SPARSE := $(shell $(FETCH) sparse))$(SPARSE)

lint: checkpatch check-kdir
	@test -x "$(SPARSE)" || { echo "no sparse: tests/guest/fetch.sh sparse failed" >&2; exit 1; }
	rm -rf $(BUILD)/lint && mkdir -p $(BUILD)/lint
	cp -rs $(CURDIR)/Kbuild $(CURDIR)/module $(CURDIR)/tests $(BUILD)/lint/
	env MAKEFLAGS= $(MAKE) -C $(KDIR) M=$(BUILD)/lint C=2 W=1 CHECK=$(SPARSE) TCMK_BENCH=m modules >$(BUILD)/lint/sparse.log 2>&1
	@! grep 'is not available or not up to date' $(BUILD)/lint/sparse.log
	@grep -q '^  CHECK ' $(BUILD)/lint/sparse.log || { echo "sparse did not run" >&2; exit 1; }
	@! grep -E 'warning:|error:' $(BUILD)/lint/sparse.log

$(BUILD)/mksizeclasses: module/mksizeclasses.c
	@mkdir -p $(BUILD)
	$(CC) -O2 -Wall -Wextra -o $@ $<

sizeclasses: $(BUILD)/mksizeclasses
	$(BUILD)/mksizeclasses >module/sizeclasses.h

sizeclasses-check: $(BUILD)/mksizeclasses
	$(BUILD)/mksizeclasses | cmp - module/sizeclasses.h

clean:
	if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C userspace-tools clean
	rm -rf $(BUILD)

.PHONY: all check-kdir modules install tools deps run check bench selftests \
	kselftest-install sizeclasses sizeclasses-check checkpatch lint clean
