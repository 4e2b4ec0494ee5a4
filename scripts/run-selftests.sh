#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel once, load vmpool, run the selftests (all of
# selftests/*_test by default) and print a closing line
# "N passed, N failed, N skipped".  A kernel log report, or a module that
# does not unload, counts as one more failure.
#
# Environment: VMPOOL_POOL_MB (default 64), VMPOOL_STRESS_SECONDS (default
# 10), VMPOOL_FUZZ_CALLS (default 1000000), VMPOOL_SEED (replay a stress or
# fuzz run), and whatever scripts/vm-run.sh reads (VMPOOL_VM_KERNEL,
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

out=$(mktemp)
trap 'rm -f "$out"' EXIT
scripts/vm-run.sh -m 2G -a "memmap=$REGION_SIZE\$$REGION_PHYS" \
	-i "mod/vmpool.ko pool_mb=${VMPOOL_POOL_MB:-64}" -- \
	env VMPOOL_KO="$VMPOOL_TOP/mod/vmpool.ko" \
	VMPOOL_REGION="$REGION_SIZE@$REGION_PHYS" \
	VMPOOL_STRESS_SECONDS="${VMPOOL_STRESS_SECONDS:-10}" \
	${VMPOOL_FUZZ_CALLS:+VMPOOL_FUZZ_CALLS="$VMPOOL_FUZZ_CALLS"} \
	${VMPOOL_SEED:+VMPOOL_SEED="$VMPOOL_SEED"} \
	scripts/guest-selftests.sh "$@" | tee "$out"
vmrc=${PIPESTATUS[0]}

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
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
