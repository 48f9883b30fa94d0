# SPDX-License-Identifier: GPL-2.0
# tcmk: the targets users run. The modules themselves are described in Kbuild.
#
#   make [modules]     build tcmk.ko against KDIR (see below)
#   make tools         build the userspace tools (userspace-tools/)
#   make run           boot the stock Debian kernel in qemu, load tcmk, show it
#   make check         every KUnit suite and kselftest, in qemu guests
#   make bench         tcmk against SLUB in qemu guests (tests/bench.sh)
#   make deps          install the Debian packages the targets need
#   make install       install tcmk.ko for the kernel of KDIR (modules_install)
#   make sizeclasses   regenerate module/sizeclasses.h from module/mksizeclasses.c
#   make lint          checkpatch over the sources, sparse over the module
#   make clean
#
# KDIR defaults to the running kernel's build directory and, where there is
# none (as in a container), to the newest Debian 6.1 headers in /usr/src.

KRELEASE := $(shell uname -r)
STOCK_KDIR := $(shell ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)
KDIR ?= $(if $(wildcard /lib/modules/$(KRELEASE)/build/Makefile),/lib/modules/$(KRELEASE)/build,$(STOCK_KDIR))

LINUX_SOURCE := /usr/src/linux-source-6.1.tar.xz
BUILD := $(CURDIR)/build
# A few files from the kernel source that the tests use and this repo does not copy.
LINUX_BITS := $(BUILD)/linux-bits
KSFT_INC := $(LINUX_BITS)/tools/testing/selftests
CHECKPATCH := $(LINUX_BITS)/scripts/checkpatch.pl
SELFTEST_OUT ?= $(BUILD)/selftests

# Sources checkpatch reads: everything but the generated table.
LINT_SRCS := $(filter-out module/sizeclasses.h,$(wildcard module/*.[ch] \
	module/include/*/*.h module/include/uapi/*/*.h tests/kunit/*.[ch] \
	tests/selftests/*.[ch] tests/bench/*.[ch] userspace-tools/*.[ch]))

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

run:
	tests/run.sh

check:
	tests/check.sh

bench:
	tests/bench.sh

$(LINUX_BITS)/.stamp: $(LINUX_SOURCE)
	mkdir -p $(LINUX_BITS)
	tar -xJf $(LINUX_SOURCE) -C $(LINUX_BITS) --strip-components=1 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h \
		linux-source-6.1/scripts/checkpatch.pl \
		linux-source-6.1/scripts/spelling.txt \
		linux-source-6.1/scripts/const_structs.checkpatch
	touch $@

$(LINUX_SOURCE):
	@echo "$(LINUX_SOURCE) missing: run 'make deps'" >&2; exit 1

selftests: $(LINUX_BITS)/.stamp
	$(MAKE) -C tests/selftests OUT=$(SELFTEST_OUT) KSFT_INC=$(KSFT_INC)

# checkpatch over the sources, then sparse over a build against KDIR.
lint: $(LINUX_BITS)/.stamp check-kdir
	$(CHECKPATCH) --no-tree --quiet --show-types -f $(LINT_SRCS)
	rm -rf $(BUILD)/lint && mkdir -p $(BUILD)/lint
	cp -rs $(CURDIR)/Kbuild $(CURDIR)/module $(CURDIR)/tests $(BUILD)/lint/
	env MAKEFLAGS= $(MAKE) -C $(KDIR) M=$(BUILD)/lint C=2 W=1 TCMK_BENCH=m modules >$(BUILD)/lint/sparse.log 2>&1
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
	sizeclasses sizeclasses-check lint clean
