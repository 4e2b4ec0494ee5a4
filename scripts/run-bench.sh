#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel with vmpool on a 256 MiB pool and run the benchmark.
# Arguments go to the benchmark: [MiB per cycle] [rounds].
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP"
exec scripts/vm-run.sh -m 2G -i "mod/vmpool.ko pool_mb=${VMPOOL_POOL_MB:-256}" -- \
	selftests/vmpool_bench "$@"
