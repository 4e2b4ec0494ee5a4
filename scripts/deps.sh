#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the build and the tests need, and fetch the test
# kernel into the cache.  Idempotent: when everything is present it only
# checks and returns.
#
# Environment:
#   VMPOOL_KVER   test kernel version (default: newest 6.12.*+deb12-amd64
#                 the mirror offers, resolved once and recorded in the cache)
#   VMPOOL_CACHE  cache directory (default: ~/.cache/vmpool)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BASE_PKGS="make gcc libc6-dev sparse qemu-system-x86 busybox-static cpio
	xz-utils kmod perl python3 linux-source-6.12 bc flex bison libelf-dev
	libssl-dev dwarves dkms trace-cmd"
APT_UPDATED=

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null |
			grep -q '^ii' || echo "$p"
	done
}

apt_update_once() {
	[ -n "$APT_UPDATED" ] && return
	log "apt-get update"
	as_root apt-get update -qq
	APT_UPDATED=1
}

apt_install() {
	local miss
	miss=$(missing_pkgs "$@")
	[ -z "$miss" ] && return
	apt_update_once
	log "installing:" $miss
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $miss >/dev/null
}

# shellcheck disable=SC2086
apt_install $BASE_PKGS

# Resolve the kernel version once; re-resolve only if the recorded one is
# neither unpacked in the cache nor installable any more.
mkdir -p "$VMPOOL_CACHE"
KVER=$(recorded_kver)
if [ -z "$KVER" ]; then
	apt_update_once
	KVER=$(newest_kver)
	[ -n "$KVER" ] || die "the mirror offers no linux-headers-6.12.*+deb12-amd64"
	echo "$KVER" >"$VMPOOL_CACHE/kver"
	log "test kernel: $KVER (recorded in $VMPOOL_CACHE/kver)"
fi
case "$KVER" in
6.12.*-amd64) ;;
*) die "unexpected kernel version '$KVER'" ;;
esac

apt_install "linux-headers-$KVER"

# Debian 12's default kernel, 6.1: the module builds for it too
# (scripts/compat-check.sh).  Any installed 6.1 headers do.
if ! ls -d /usr/src/linux-headers-6.1.0-*-amd64 >/dev/null 2>&1; then
	apt_update_once
	h61=$(apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-amd64$' |
	      cut -d' ' -f1 | sort -V | tail -n 1)
	[ -n "$h61" ] || die "the mirror offers no linux-headers-6.1.0-*-amd64"
	apt_install "$h61"
fi

# The test kernel's image, and 6.1's, to boot it too (scripts/check-6.1.sh).
K61=$(kver_61)
for k in "$KVER" "$K61"; do
	[ -e "$(kernel_dir "$k")/.complete" ] || apt_update_once
	fetch_kernel "$k"
done

# kselftest harness and checkpatch come from the kernel source package.
SRC=$(src_dir)
if [ ! -e "$SRC/.complete" ]; then
	log "extracting kselftest and checkpatch from linux-source-6.12"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$SRC" --strip-components=1 \
		--wildcards \
		'linux-source-6.12/tools/testing/selftests/kselftest_harness.h' \
		'linux-source-6.12/tools/testing/selftests/kselftest.h' \
		'linux-source-6.12/scripts/checkpatch.pl' \
		'linux-source-6.12/scripts/kernel-doc' \
		'linux-source-6.12/scripts/spelling.txt' \
		'linux-source-6.12/scripts/const_structs.checkpatch'
	touch "$SRC/.complete"
fi
