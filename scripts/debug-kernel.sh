#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug test kernel: Debian's linux-source-6.12 with
# scripts/debug-kernel.config on top of tinyconfig (KASAN, lockdep,
# kmemleak, UBSAN, KFENCE, fault injection).  The build is cached in
# $VMPOOL_CACHE/debug-kernel/<key>, keyed by source version, fragment and
# compiler; a cached build is found in well under a second.
#
# Prints the build directory on stdout: <dir>/bzImage is the kernel, <dir>
# itself the tree out-of-tree modules build against.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FRAGMENT=$VMPOOL_TOP/scripts/debug-kernel.config
SRCVER=$(source_version)
[ -n "$SRCVER" ] || die "linux-source-6.12 is not installed: run scripts/deps.sh"
key=$(cat "$FRAGMENT" <(echo "$SRCVER") <(gcc --version | head -n 1) |
	sha256sum | cut -c1-12)
OUT=$VMPOOL_CACHE/debug-kernel/$SRCVER-$key

if [ -e "$OUT/.complete" ]; then
	echo "$OUT"
	exit 0
fi

rm -rf "$OUT"
mkdir -p "$OUT"
log "building the debug kernel in $OUT (about 8 minutes on 2 cores)"
tar -xf /usr/src/linux-source-6.12.tar.xz -C "$OUT" --strip-components=1

(
	cd "$OUT"
	make -s tinyconfig
	# Apply the fragment; tinyconfig's values lose.
	scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" >/dev/null
	make -s olddefconfig
	make -s olddefconfig
) >"$OUT/build.log" 2>&1 || { tail -n 30 "$OUT/build.log" >&2; die "configuration failed"; }

# Every option the fragment turns on must be on: no silent drops.
missing=$(grep -E '^CONFIG_[A-Z0-9_]+=' "$FRAGMENT" | while read -r line; do
	grep -qxF "$line" "$OUT/.config" || echo "$line"
done)
[ -z "$missing" ] || die "options the kernel configuration dropped: $missing"

if ! make -C "$OUT" -j"$(nproc)" bzImage modules >>"$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log" >&2
	die "debug kernel build failed (log: $OUT/build.log)"
fi
make -C "$OUT" -s kernelrelease >"$OUT/kernelrelease"
cp "$OUT/arch/x86/boot/bzImage" "$OUT/bzImage"
# Objects of the kernel itself are not needed to build modules against it.
find "$OUT" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
touch "$OUT/.complete"
echo "$OUT"
