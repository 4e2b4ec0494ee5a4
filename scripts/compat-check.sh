#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the module, with W=1, against Debian 12's default kernel (6.1),
# the newest linux-headers-6.1.0-*-amd64 installed (scripts/deps.sh
# installs it), in a copy of the tree so that the test kernel's build
# stays.  Any warning fails it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP"

kdir=$(ls -d /usr/src/linux-headers-6.1.0-*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kdir" ] || die "no linux-headers-6.1.0-*-amd64: run make deps"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
cp -r --parents Kbuild uapi/linux/vmpool.h mod/Kbuild mod/*.c mod/*.h "$tree"
rm -f "$tree/mod/vmpool.mod.c"
make -C "$kdir" M="$tree" W=1 modules >"$tree/build.log" 2>&1 ||
	{ cat "$tree/build.log" >&2; die "the build against $(basename "$kdir") failed"; }
if grep -E '(warning|error):' "$tree/build.log" >&2; then
	die "the build against $(basename "$kdir") warns"
fi
ver=$(modinfo -F vermagic "$tree/mod/vmpool.ko" | cut -d' ' -f1)
log "built against $ver with no warning"
