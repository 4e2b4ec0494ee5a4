# SPDX-License-Identifier: GPL-2.0
#
# vmpool - dedicated per-VM memory pools.
#
#   make              build mod/vmpool.ko against KDIR
#   make check        install deps, lint, build, boot the test kernel, run
#                     every selftest (the project's test command)
#   make check-debug  the same selftests on the debug kernel (KASAN,
#                     lockdep, kmemleak, UBSAN...), built once and cached
#   make run          boot a guest with KVM on vmpool memory in the test
#                     kernel, balloon it, and show the pool's counters
#   make bench        benchmarks in the test guest (ratios, not a test)
#   make lock-stat    contention of vmpool's locks under the fault
#                     benchmark, from the debug kernel's lock_stat
#   make install      the module into /lib/modules/<release>/extra, the
#                     udev rule, vmpoolctl and the uapi header (DESTDIR,
#                     PREFIX=/usr/local); dkms.conf does it the DKMS way
#   make compat-check the module built against Debian 12's 6.1 (W=1)
#   make check-6.1    the selftests on Debian 12's 6.1 kernel
#   make lint         W=1 build, sparse (C=2), checkpatch --strict, kernel-doc
#   make selftests    build the selftests
#   make unit         build and run the userspace unit tests of the
#                     module's pure logic (the predictor, NUMA placement)
#   make deps         install build/test packages and fetch the test kernel

VMPOOL_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/vmpool
export VMPOOL_CACHE

# The test kernel: recorded by scripts/deps.sh, overridable with VMPOOL_KVER.
TEST_KVER := $(or $(VMPOOL_KVER),$(shell cat $(VMPOOL_CACHE)/kver 2>/dev/null))
TEST_KDIR := /lib/modules/$(TEST_KVER)/build

# KDIR: the running kernel's build tree if it has one, else the test
# kernel's.  Targets that boot the test kernel build with USE_TEST_KDIR=1.
HOST_KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(USE_TEST_KDIR),1)
KDIR := $(TEST_KDIR)
else
KDIR ?= $(if $(wildcard $(HOST_KDIR)),$(HOST_KDIR),$(TEST_KDIR))
endif

# kselftest_harness.h and checkpatch.pl come from linux-source-6.12.
SRC_VER := $(shell dpkg-query -W -f='$${Version}' linux-source-6.12 2>/dev/null)
KSRC := $(VMPOOL_CACHE)/src/$(SRC_VER)
CHECKPATCH := $(KSRC)/scripts/checkpatch.pl
KERNELDOC := $(KSRC)/scripts/kernel-doc

SELFTESTS := $(patsubst %.c,%,$(wildcard selftests/*_test.c))
SELFTEST_CFLAGS := -Wall -Werror -O2 -g -pthread \
	-I$(CURDIR)/uapi -I$(KSRC)/tools/testing/selftests

LINT_FILES := $(filter-out %.mod.c,$(wildcard mod/*.c mod/*.h uapi/linux/*.h \
	selftests/*.c selftests/*.h selftests/unit/*.c selftests/unit/*.h \
	selftests/unit/include/linux/*.h scripts/*.c))

# Unit tests: a module file of pure logic, built as it is in userspace.
UNIT_TESTS := selftests/unit/predict_test selftests/unit/place_test
UNIT_CFLAGS := -Wall -Werror -O2 -g -include selftests/unit/kernel.h \
	-Iselftests/unit/include -Imod \
	-I$(KSRC)/tools/testing/selftests

RUN_POOL_MB ?= 320

.PHONY: all modules clean deps lint selftests unit test check check-debug run bench lock-stat \
	install install-check compat-check check-6.1

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -f $(SELFTESTS) $(UNIT_TESTS) selftests/vmpool_bench \
		selftests/vmpool_sched_bench selftests/vmpool_swap_bench \
		selftests/vmpool_fault_bench selftests/vmpool_huge_bench \
		scripts/vmpoolctl .lint.log

deps:
	scripts/deps.sh

PREFIX ?= /usr/local
install: modules scripts/vmpoolctl
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	install -D -m 0644 scripts/udev/60-vmpool.rules \
		$(DESTDIR)/etc/udev/rules.d/60-vmpool.rules
	install -D -m 0755 scripts/vmpoolctl $(DESTDIR)$(PREFIX)/sbin/vmpoolctl
	install -D -m 0644 uapi/linux/vmpool.h \
		$(DESTDIR)$(PREFIX)/include/linux/vmpool.h

# make install into a staging directory, and DKMS for the test kernel.
install-check:
	scripts/install-check.sh

# A W=1 build against Debian 12's default kernel, 6.1.
compat-check:
	scripts/compat-check.sh

# The selftests booted on Debian 12's default kernel, 6.1.
check-6.1: deps
	scripts/check-6.1.sh

selftests: $(SELFTESTS)

selftests/%: selftests/%.c selftests/vmpool_test.h uapi/linux/vmpool.h
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< $(LDLIBS)

selftests/unit/predict_test: selftests/unit/predict_test.c mod/predict.c \
		mod/predict.h selftests/unit/kernel.h
	$(CC) $(UNIT_CFLAGS) -o $@ selftests/unit/predict_test.c mod/predict.c

selftests/unit/place_test: selftests/unit/place_test.c mod/place.c \
		mod/place.h selftests/unit/kernel.h selftests/unit/include/linux/*.h
	$(CC) $(UNIT_CFLAGS) -o $@ selftests/unit/place_test.c mod/place.c

unit: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

selftests/vmpool_stress_kvm_test: selftests/vmpool_stress_test.c
selftests/vmpool_sched_kvm_test: selftests/vmpool_sched_kvm_test.c \
		selftests/vmpool_kvm_timer.S selftests/vmpool_test.h \
		selftests/vmpool_kvm.h uapi/linux/vmpool.h
	$(CC) $(SELFTEST_CFLAGS) -o $@ $< selftests/vmpool_kvm_timer.S $(LDLIBS)
$(SELFTESTS): $(wildcard selftests/*.h)

# Any compiler or sparse warning, checkpatch finding or kernel-doc warning
# fails lint.
lint:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 CHECK=sparse modules 2>&1 | tee .lint.log
	@! grep -E '(warning|error):' .lint.log
	$(CHECKPATCH) --strict --no-tree --quiet --show-types -f $(LINT_FILES)
	perl $(KERNELDOC) -none -Wall $(filter mod/% uapi/%,$(LINT_FILES)) 2>&1 | tee .lint.log
	@! grep -E '(warning|error)' .lint.log
	@rm -f .lint.log
	@echo "lint: clean"

# Build against the test kernel and run every selftest in the guest.
# (Sub-makes, so that what deps just installed is seen.)
test:
	$(MAKE) USE_TEST_KDIR=1 modules selftests scripts/vmpoolctl
	scripts/run-selftests.sh

check: deps
	$(MAKE) USE_TEST_KDIR=1 lint
	$(MAKE) install-check
	$(MAKE) compat-check
	$(MAKE) unit
	$(MAKE) test

check-debug: deps
	scripts/check-debug.sh

run: deps
	$(MAKE) USE_TEST_KDIR=1 modules scripts/vmpoolctl
	scripts/vm-run.sh -c 1 -i "mod/vmpool.ko pool_mb=$(RUN_POOL_MB)" -- \
		env VMPOOL_KO=$(CURDIR)/mod/vmpool.ko VMPOOL_GUEST_SHOW=1 \
		selftests/vmpool_guest_kvm_test

bench: deps
	$(MAKE) USE_TEST_KDIR=1 modules selftests/vmpool_bench \
		selftests/vmpool_fault_bench selftests/vmpool_sched_bench \
		selftests/vmpool_swap_bench selftests/vmpool_huge_bench
	scripts/run-bench.sh $(BENCH_ARGS)

lock-stat: deps
	scripts/lock-stat.sh

selftests/vmpool_bench: selftests/vmpool_bench.c selftests/vmpool_test.h uapi/linux/vmpool.h
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

selftests/vmpool_fault_bench: selftests/vmpool_fault_bench.c selftests/vmpool_test.h \
		uapi/linux/vmpool.h
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

selftests/vmpool_sched_bench: selftests/vmpool_sched_bench.c selftests/vmpool_test.h \
		uapi/linux/vmpool.h
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

selftests/vmpool_swap_bench: selftests/vmpool_swap_bench.c selftests/vmpool_test.h \
		uapi/linux/vmpool.h
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

selftests/vmpool_huge_bench: selftests/vmpool_huge_bench.c selftests/vmpool_test.h \
		uapi/linux/vmpool.h
	$(CC) $(SELFTEST_CFLAGS) -o $@ $<

scripts/vmpoolctl: scripts/vmpoolctl.c uapi/linux/vmpool.h
	$(CC) -Wall -Wextra -Werror -O2 -I$(CURDIR)/uapi -o $@ $<
