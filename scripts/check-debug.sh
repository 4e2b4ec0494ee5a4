#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftest suite on the debug kernel (KASAN, lockdep, kmemleak,
# UBSAN, KFENCE, page allocation debugging): build it once (cached), build
# the module against it, boot it, and fail on any report in its log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP"

kdir=$(scripts/debug-kernel.sh)
make KDIR="$kdir" modules selftests scripts/vmpoolctl

export VMPOOL_VM_KERNEL=$kdir/bzImage
export VMPOOL_VM_MODULES=
export VMPOOL_VM_INITMODS=
# pci=noacpi: on the pc machine, the small kernel's ACPI _PRT evaluation
# stalls virtio-pci.  (On q35, which the VFIO boot uses, the same option
# leaves the edu device's BAR unreadable through VFIO.)
export VMPOOL_VM_APPEND="kasan_multi_shot debug_pagealloc=on"
export VMPOOL_VM_APPEND_PC="pci=noacpi"
export VMPOOL_VM_TIMEOUT=${VMPOOL_VM_TIMEOUT:-2400}
export VMPOOL_STRESS_SECONDS=${VMPOOL_STRESS_SECONDS:-60}
# The idle paging tests' sleeps, twice as long on the slower kernel.
export VMPOOL_TIMING_SCALE=${VMPOOL_TIMING_SCALE:-2}
rc=0
scripts/run-selftests.sh "$@" || rc=$?
# debug_pagealloc=on leaves memory blocks taken offline out of the direct
# map, and movable_mb= refuses it: the programs that test that source run
# again, their other variants left out, in boots without it.
[ $# -gt 0 ] || set -- selftests/vmpool_load_test selftests/vmpool_huge_test \
	selftests/vmpool_gup_test selftests/vmpool_kvm_test \
	selftests/vmpool_numa_test
VMPOOL_VM_APPEND="kasan_multi_shot" \
	VMPOOL_TEST_ARGS="-V page_alloc -V region" \
	scripts/run-selftests.sh "$@" || rc=$?
exit "$rc"
