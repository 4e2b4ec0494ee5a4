#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the selftest suite on Debian 12's default kernel, 6.1 (the image of
# the newest 6.1 headers installed, fetched by scripts/deps.sh): build the
# module against it, boot it, and fail on any report in its log, as on
# the test kernel.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP"

kver=$(kver_61)
[ -n "$kver" ] || die "no linux-headers-6.1.0-*-amd64: run make deps"
kd=$(kernel_dir "$kver")
[ -e "$kd/.complete" ] || die "linux-image-$kver not in the cache: run make deps"
make KDIR="/usr/src/linux-headers-$kver" modules selftests scripts/vmpoolctl

export VMPOOL_VM_KERNEL=$kd/root/boot/vmlinuz-$kver
export VMPOOL_VM_MODULES=$kd/root/lib/modules/$kver
export VMPOOL_VM_INITMODS=$kd/initmods
exec scripts/run-selftests.sh "$@"
