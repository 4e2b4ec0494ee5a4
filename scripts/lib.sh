# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the vmpool scripts; sourced, never executed.
#
# Cache layout (outside the git tree, $VMPOOL_CACHE):
#   kver                    the resolved test kernel version (e.g. 6.12.117+deb12-amd64)
#   kernel/<kver>/root/     the unpacked linux-image-<kver>-unsigned package
#   kernel/<kver>/initmods/ decompressed modules the guest initramfs needs
#   src/<srcver>/           files taken from linux-source-6.12 (kselftest, checkpatch)

VMPOOL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMPOOL_CACHE=${VMPOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmpool}

die() {
	echo "vmpool: $*" >&2
	exit 1
}

log() {
	echo "vmpool: $*" >&2
}

# Run as root, or through sudo when not root.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

# Newest 6.12.*+deb12-amd64 version the configured mirror offers headers for.
newest_kver() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\) .*/\1/p' |
		sort -V | tail -n 1
}

# The test kernel version: $VMPOOL_KVER, else the recorded one.
recorded_kver() {
	if [ -n "${VMPOOL_KVER:-}" ]; then
		echo "$VMPOOL_KVER"
	elif [ -s "$VMPOOL_CACHE/kver" ]; then
		cat "$VMPOOL_CACHE/kver"
	fi
}

# Version of the installed linux-source-6.12 package (empty if none).
source_version() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' linux-source-6.12 2>/dev/null |
		sed -n 's/^ii *//p'
}

kernel_dir() {
	echo "$VMPOOL_CACHE/kernel/$1"
}

src_dir() {
	echo "$VMPOOL_CACHE/src/$(source_version)"
}
