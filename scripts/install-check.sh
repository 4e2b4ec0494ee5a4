#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the two ways the module gets installed, for the test kernel:
# make install into a staging directory, and DKMS (add, build, install,
# remove) from a copy of the tree in /usr/src, as a package would put it.
# Leaves nothing installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$VMPOOL_TOP"

KVER=$(recorded_kver)
[ -n "$KVER" ] || die "no test kernel recorded: run make deps"
VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
STAGE=$(mktemp -d)
SRC=/usr/src/vmpool-$VER
cleanup() {
	rm -rf "$STAGE" "$STAGE.log"
	as_root dkms remove "vmpool/$VER" --all >/dev/null 2>&1 || true
	as_root rm -rf "$SRC"
}
trap cleanup EXIT

# dkms, its chatter kept for when it fails.
dk() {
	as_root dkms "$@" >"$STAGE.log" 2>&1 ||
		{ cat "$STAGE.log" >&2; return 1; }
}

# Signing fails without the kernel's key, as it may for an external
# module: Kbuild goes on, and so does this.
make -s USE_TEST_KDIR=1 install DESTDIR="$STAGE" >"$STAGE.log" 2>&1 ||
	{ cat "$STAGE.log" >&2; die "make install failed"; }
rm -f "$STAGE.log"
for f in etc/udev/rules.d/60-vmpool.rules usr/local/sbin/vmpoolctl \
	 usr/local/include/linux/vmpool.h; do
	[ -e "$STAGE/$f" ] || die "make install put no $f"
done
ko=$(find "$STAGE/lib/modules/$KVER/extra" -name 'vmpool.ko*' | head -n 1)
[ -n "$ko" ] || die "make install put no vmpool.ko under extra/"
got=$(modinfo -F version "$ko")
[ "$got" = "$VER" ] || die "module version $got, dkms.conf says $VER"
log "make install: module, udev rule, vmpoolctl and uapi header in place"

# What a source package ships: the build files, the module, the uapi.
cleanup
as_root mkdir -p "$SRC"
as_root cp -r --parents Kbuild dkms.conf uapi/linux/vmpool.h mod/Kbuild \
	mod/*.c mod/*.h "$SRC"
as_root rm -f "$SRC/mod/vmpool.mod.c"
dk add "vmpool/$VER" || die "dkms add failed"
dk build "vmpool/$VER" -k "$KVER" || die "dkms build failed"
dk install "vmpool/$VER" -k "$KVER" || die "dkms install failed"
ko=$(find "/lib/modules/$KVER" -path '*dkms*' -name 'vmpool.ko*' -o \
	  -path '*extra*' -name 'vmpool.ko*' | head -n 1)
[ -n "$ko" ] || die "dkms install put no vmpool.ko under /lib/modules/$KVER"
dkms status "vmpool/$VER" 2>/dev/null | grep -q installed ||
	die "dkms status does not show vmpool/$VER installed"
got=$(modinfo -F version "$ko")
[ "$got" = "$VER" ] || die "dkms installed version $got, not $VER"
dk remove "vmpool/$VER" --all || die "dkms remove failed"
[ ! -e "$ko" ] || die "dkms remove left $ko"
rm -f "$STAGE.log"
log "dkms: add, build, install ($ko), remove"
