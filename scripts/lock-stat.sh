#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lock contention of vmpool's locks under the fault benchmark, from
# lock_stat: boot the debug kernel built with scripts/lock-stat.config
# merged in (CONFIG_LOCK_STAT: a kernel of its own, built once and cached,
# about 8 minutes) with vmpool on a 1088 MiB pool, clear /proc/lock_stat,
# turn collection on, run selftests/vmpool_fault_bench, and print
# lock_stat's header and the entries of vmpool's lock classes.  Not a
# test: the times are those of the debug kernel under TCG (lockdep,
# KASAN), to compare with each other in one run, or with another tree
# measured the same way.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP"

kdir=$(scripts/debug-kernel.sh "$VMPOOL_TOP/scripts/lock-stat.config")
make KDIR="$kdir" modules selftests/vmpool_fault_bench

export VMPOOL_VM_KERNEL=$kdir/bzImage
export VMPOOL_VM_MODULES=
export VMPOOL_VM_INITMODS=
export VMPOOL_VM_APPEND=
export VMPOOL_VM_APPEND_PC="pci=noacpi"
export VMPOOL_VM_TIMEOUT=${VMPOOL_VM_TIMEOUT:-1800}
exec scripts/vm-run.sh -m 2G -i "mod/vmpool.ko pool_mb=1088" -- sh -c '
	[ -w /proc/lock_stat ] || { echo "no /proc/lock_stat" >&2; exit 1; }
	echo 0 >/proc/lock_stat
	echo 1 >/proc/sys/kernel/lock_stat
	selftests/vmpool_fault_bench "$@" || exit
	echo 0 >/proc/sys/kernel/lock_stat
	echo
	echo "# lock_stat of vmpool'\''s locks during the benchmark (times in us):"
	sed -n "3,4p" /proc/lock_stat
	# A class row, and the acquisition sites under it, up to the blank
	# line that ends the entry.
	awk "/^ *[^ ].*:  / { show = (\$0 ~ /vmpool_|&(vm|act|idle|fsi)->/) }
	     /^$/ { if (show) print; show = 0 }
	     show" /proc/lock_stat
' sh "$@"
