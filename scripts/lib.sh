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

# Debian 12's default kernel (6.1) whose headers are installed, newest
# first: e.g. 6.1.0-56-amd64.  Empty if none.
kver_61() {
	ls -d /usr/src/linux-headers-6.1.0-*-amd64 2>/dev/null | sort -V |
		tail -n 1 | sed 's|.*/linux-headers-||'
}

# Modules the guest initramfs loads to reach the host's root, with what
# they depend on (on 6.1 the virtio core is modular too).
INITMODS="virtio_pci 9pnet_virtio 9p overlay"

# Unpack linux-image-<kver>-unsigned into the cache (kernel_dir), with
# depmod run and the initramfs modules decompressed and listed in load
# order; nothing if it is there already.
fetch_kernel() {
	local kver=$1 dir tmp kind path m
	dir=$(kernel_dir "$kver")
	[ -e "$dir/.complete" ] && return 0
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	log "fetching linux-image-$kver-unsigned"
	(cd "$tmp" && apt-get download -qq "linux-image-$kver-unsigned") ||
		{ rm -rf "$tmp"; die "cannot download linux-image-$kver-unsigned"; }
	rm -rf "$dir"
	mkdir -p "$dir/root" "$dir/initmods"
	dpkg -x "$tmp"/linux-image-*.deb "$dir/root"
	rm -rf "$tmp"
	depmod -b "$dir/root" "$kver"
	: >"$dir/initmods/order"
	# shellcheck disable=SC2086
	modprobe -d "$dir/root" -S "$kver" --show-depends -a $INITMODS >"$dir/deps" ||
		die "modules missing in linux-image-$kver: $INITMODS"
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		m=$(basename "$path" .xz)
		[ -e "$dir/initmods/$m" ] && continue
		case "$path" in
		*.xz) xz -dc "$path" >"$dir/initmods/$m" ;;
		*) cp "$path" "$dir/initmods/$m" ;;
		esac
		echo "${m%.ko}" >>"$dir/initmods/order"
	done <"$dir/deps"
	rm -f "$dir/deps"
	touch "$dir/.complete"
}

src_dir() {
	echo "$VMPOOL_CACHE/src/$(source_version)"
}
