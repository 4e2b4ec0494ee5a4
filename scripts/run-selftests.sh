#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel, load vmpool, run the selftests (all of
# selftests/*_test by default) and print a closing line
# "N passed, N failed, N skipped".  A kernel log report, or a module that
# does not unload, counts as one more failure.  Programs named *kvm_test
# run in a boot of their own with one CPU, programs named *numa_test in one
# with two NUMA nodes, and programs named *vfio_test in one on a q35
# machine with an emulated VT-d IOMMU and QEMU's edu device for VFIO to
# drive.
#
# Environment: VMPOOL_POOL_MB (default 64), VMPOOL_STRESS_SECONDS (default
# 10), VMPOOL_TIMING_SCALE (default 1: the idle tests' sleeps),
# VMPOOL_TEST_TIMEOUT (default 900: seconds a program may run before it is
# taken for stuck, and killed),
# VMPOOL_FUZZ_CALLS (default 1000000), VMPOOL_SEED (replay a stress or
# fuzz run), VMPOOL_TEST_ARGS (given to every program: kselftest harness
# filters), and whatever scripts/vm-run.sh reads (VMPOOL_VM_KERNEL,
# VMPOOL_VM_APPEND, ...).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP" || exit 1

if [ $# -eq 0 ]; then
	set -- selftests/*_test
fi
for t in "$@"; do
	[ -x "$t" ] || die "$t is not built: run make selftests"
done

# A range the guest reserves at boot, for the region= memory source: inside
# the guest's 2 GiB of RAM.
REGION_SIZE=64M
REGION_PHYS=0x40000000
# In the KVM boot, another one that holds a real guest's RAM
# (vmpool_guest_kvm_test's region boot).
GUEST_REGION_SIZE=320M
GUEST_REGION_PHYS=0x50000000
guest_region=
# Movable memory for the movable_mb= source: the top 512 MiB of the plain
# boot's RAM is ZONE_MOVABLE, 768 MiB of the KVM boot's and 1 GiB of the
# NUMA boot's (the guest region and the debug kernel's KASAN shadow, which
# early boot places at the top, take blocks there; movablecore spreads
# the NUMA boot's unevenly over the nodes: each then has a whole block);
# blocks the module takes come back movable; the kernel image stays out
# of it (with KASLR it may land there, and then no block below it can be
# removed: mod/movable.c).  The tests take one 128 MiB block a node.
MOVABLE_APPEND="memhp_default_state=online_movable nokaslr"
# With debug_pagealloc=on the module refuses movable_mb= (mod/movable.c):
# the tests of that source are skipped, and the load test checks the
# refusal.
MOVABLE_OK=1
case " ${VMPOOL_VM_APPEND:-} " in
*" debug_pagealloc=on "*) MOVABLE_OK= ;;
esac

plain=()
kvm=()
numa=()
vfio=()
for t in "$@"; do
	case "$t" in
	*kvm_test) kvm+=("$t") ;;
	*numa_test) numa+=("$t") ;;
	*vfio_test) vfio+=("$t") ;;
	*) plain+=("$t") ;;
	esac
done

# One boot: vm-run.sh options, then the programs.  A guest that froze
# (vm-run.sh exit 123: its heartbeat stopped and QEMU runs its CPUs no
# more, none of them halted by the guest kernel with interrupts off: the
# emulator's doing) boots again, up to twice; a frozen boot's output
# stays in the log, commented out, its CPUs' state printed with it, and
# the summary names each boot again.
boot() {
	local one rc again

	one=$(mktemp)
	boot_once "$one" "$@"
	rc=$?
	for again in 1 2; do
		[ "$rc" -eq 123 ] || break
		sed 's/^/# frozen boot: /' "$one" >>"$out"
		echo "# vmpool-selftest: retry boot $* (the guest froze, $again)" |
			tee -a "$out"
		boot_once "$one" "$@"
		rc=$?
	done
	cat "$one" >>"$out"
	rm -f "$one"
	return "$rc"
}

# boot(), once, its output into the file $1.
boot_once() {
	local one=$1 opts=() progs=()

	shift
	while [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	shift
	progs=("$@")
	scripts/vm-run.sh -m 2G -a "memmap=$REGION_SIZE\$$REGION_PHYS" \
		-i "mod/vmpool.ko pool_mb=${VMPOOL_POOL_MB:-64}" "${opts[@]}" -- \
		env VMPOOL_KO="$VMPOOL_TOP/mod/vmpool.ko" \
		VMPOOL_REGION="$REGION_SIZE@$REGION_PHYS" \
		${guest_region:+VMPOOL_GUEST_REGION="$guest_region"} \
		${MOVABLE_OK:+${movable:+VMPOOL_MOVABLE_MB="$movable"}} \
		VMPOOL_STRESS_SECONDS="${VMPOOL_STRESS_SECONDS:-10}" \
		VMPOOL_TIMING_SCALE="${VMPOOL_TIMING_SCALE:-1}" \
		VMPOOL_TEST_TIMEOUT="${VMPOOL_TEST_TIMEOUT:-900}" \
		${VMPOOL_FUZZ_CALLS:+VMPOOL_FUZZ_CALLS="$VMPOOL_FUZZ_CALLS"} \
		${VMPOOL_SEED:+VMPOOL_SEED="$VMPOOL_SEED"} \
		${VMPOOL_TEST_ARGS:+VMPOOL_TEST_ARGS="$VMPOOL_TEST_ARGS"} \
		scripts/guest-selftests.sh "${progs[@]}" | tee "$one"
	return "${PIPESTATUS[0]}"
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
vmrc=0
if [ ${#plain[@]} -gt 0 ]; then
	movable=128
	boot -a "movablecore=512M $MOVABLE_APPEND" -- "${plain[@]}" || vmrc=$?
	movable=
fi
# One CPU: creating the first KVM VM patches the scheduler's text (a
# static key), and under TCG another CPU running that text while it is
# patched has been seen to die on the breakpoint ("Oops: int3").
if [ ${#kvm[@]} -gt 0 ]; then
	guest_region="$GUEST_REGION_SIZE@$GUEST_REGION_PHYS"
	movable=128
	boot -c 1 -a "memmap=$GUEST_REGION_SIZE\$$GUEST_REGION_PHYS" \
		-a "movablecore=768M $MOVABLE_APPEND" -- "${kvm[@]}" || vmrc=$?
	guest_region=
	movable=
fi
if [ ${#numa[@]} -gt 0 ]; then
	movable=256
	boot -N -a "movablecore=1G $MOVABLE_APPEND" -- "${numa[@]}" || vmrc=$?
	movable=
fi
# no_timer_check: with interrupt remapping, the IO-APIC timer check fails
# now and then under TCG and the guest panics at boot.
if [ ${#vfio[@]} -gt 0 ]; then
	boot -M q35,kernel-irqchip=split -d intel-iommu,intremap=on -d edu \
		-a "intel_iommu=on iommu=pt no_timer_check" -- "${vfio[@]}" ||
		vmrc=$?
fi

# kselftest_harness prints, per program:
#   # Totals: pass:N fail:N xfail:N xpass:N skip:N error:N
# A program that ends without that line (crash, time-out) is one failure.
read -r pass fail skip < <(awk '
	/^# vmpool-selftest: start / { totals = 0 }
	/^# Totals: / {
		for (i = 3; i <= NF; i++) {
			split($i, kv, ":")
			n[kv[1]] += kv[2]
		}
		totals = 1
	}
	/^# vmpool-selftest: end / && !totals { n["fail"]++ }
	END {
		printf "%d %d %d\n", n["pass"] + n["xfail"],
		       n["fail"] + n["xpass"] + n["error"], n["skip"]
	}' "$out")
started=$(grep -c '^# vmpool-selftest: start ' "$out")
ended=$(grep -c '^# vmpool-selftest: end ' "$out")
fail=$((fail + started - ended))
missing=$(($# - started))
[ "$missing" -gt 0 ] && fail=$((fail + missing))

if [ "$vmrc" -ne 0 ]; then
	log "guest run failed (exit $vmrc): counted as a failure"
	fail=$((fail + 1))
fi
# A timing test that failed once and passed on its retry
# (guest-selftests.sh) is named, not counted.
grep '^# vmpool-selftest: retry ' "$out" | sed 's/^# vmpool-selftest: /vmpool: /' >&2 || true
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
