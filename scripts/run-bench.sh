#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel with vmpool on a 1088 MiB pool (room for a 1 GiB VM)
# and run the benchmarks: the pools (arguments: [MiB per cycle] [rounds]),
# then fault latency, the scheduler probe's overhead and prediction, then
# predictive swap against Linux's swap, a process_madvise() agent and DAMON
# (brd RAM disks, loaded in the guest, are the stores).  Then boot it again
# with 512 MiB reserved by memmap= for a region pool, and measure 2 MiB
# mappings against 4 KiB ones.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP"
scripts/vm-run.sh -m 2G -i "mod/vmpool.ko pool_mb=${VMPOOL_POOL_MB:-1088}" -- \
	sh -c 'selftests/vmpool_bench "$@" && echo &&
	       selftests/vmpool_fault_bench && echo &&
	       VMPOOL_KO=mod/vmpool.ko selftests/vmpool_sched_bench && echo &&
	       VMPOOL_KO=mod/vmpool.ko selftests/vmpool_swap_bench' sh "$@"
echo
exec scripts/vm-run.sh -m 2G -a 'memmap=512M$0x40000000' \
	-i "mod/vmpool.ko region=512M@0x40000000" -- selftests/vmpool_huge_bench
