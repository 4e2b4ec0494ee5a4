#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, once, the debug test kernel: Debian's linux-source-6.12 configured
# with scripts/debug-kernel.config over tinyconfig (KASAN, lockdep, kmemleak,
# UBSAN, KFENCE, fault injection...), and cache it.
#
# The cache entry, $VMPOOL_CACHE/debug-kernel/<key>, is keyed by the source
# package version, the fragments and the compiler.  It is a kernel build tree
# for external modules (what linux-headers packages ship), so
# `make -C <dir> M=<module dir>` builds a module for this kernel, and holds:
#   bzImage         the kernel
#   kernelrelease   its release string (uname -r)
#   .config         its configuration
#   System.map      its symbols
#   build.log       the output of the build
#
# Usage: debug-kernel.sh [EXTRA.config]
#   EXTRA.config  a fragment merged over debug-kernel.config, for a kernel of
#                 its own (scripts/lock-stat.config: make lock-stat)
# Environment:
#   VMPOOL_CACHE  cache directory (default: ~/.cache/vmpool)
# Prints the cache entry's directory as the last line on stdout.  A cached
# kernel is found without building anything, in a fraction of a second; a
# build takes about 8 minutes on 2 cores.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -le 1 ] || die "usage: $0 [EXTRA.config]"

FRAGMENT=$VMPOOL_TOP/scripts/debug-kernel.config
EXTRA=${1:-}
[ -z "$EXTRA" ] || [ -r "$EXTRA" ] || die "cannot read $EXTRA"
TARBALL=/usr/src/linux-source-6.12.tar.xz

SRCVER=$(source_version)
if [ -z "$SRCVER" ] || [ ! -r "$TARBALL" ]; then
	die "linux-source-6.12 is not installed: run scripts/deps.sh"
fi
FRAGMENT_HASH=$(cat "$FRAGMENT" ${EXTRA:+"$EXTRA"} | sha256sum | cut -c1-12)
CC_HASH=$(gcc --version | head -n 1 | sha256sum | cut -c1-8)
KDIR=$VMPOOL_CACHE/debug-kernel/$SRCVER-$FRAGMENT_HASH-$CC_HASH

if [ -e "$KDIR/.complete" ]; then
	echo "$KDIR"
	exit 0
fi

# One build per entry at a time; a concurrent caller waits for it.
mkdir -p "$VMPOOL_CACHE/debug-kernel"
exec 9>"$KDIR.lock"
flock 9
if [ -e "$KDIR/.complete" ]; then
	echo "$KDIR"
	exit 0
fi

# The build happens in WORK; KDIR receives what is kept of it.
WORK=$KDIR.work
LOG=$KDIR/build.log
rm -rf "$KDIR" "$WORK"
mkdir -p "$KDIR" "$WORK"
: >"$LOG"

# The kernel's build must not see the caller's make state or target.
unset MAKEFLAGS MFLAGS MAKELEVEL ARCH CROSS_COMPILE KBUILD_OUTPUT

# Run one step of the build, its output into the log.
step() {
	local what=$1

	shift
	echo "### $(date +%T) $what: $*" >>"$LOG"
	if ! "$@" >>"$LOG" 2>&1; then
		tail -n 40 "$LOG" >&2
		die "$what failed (log: $LOG, tree: $WORK)"
	fi
}

kmake() {
	make -C "$WORK" "$@"
}

merge_fragment() (
	cd "$WORK" &&
		scripts/kconfig/merge_config.sh -m .config "$FRAGMENT" ${EXTRA:+"$EXTRA"}
)

# Every line of the fragment must hold in .config: "CONFIG_X=..." verbatim,
# "# CONFIG_X is not set" as X not set.  Olddefconfig drops what it cannot
# set without a word; this makes the fragment say so.
check_config() {
	local line sym bad=

	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*)
			grep -qxF -- "$line" "$WORK/.config" && continue
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$WORK/.config" || continue
			;;
		*)
			continue
			;;
		esac
		log "not in the kernel configuration: $line"
		bad=1
	done < <(cat "$FRAGMENT" ${EXTRA:+"$EXTRA"})
	[ -z "$bad" ]
}

# A module that builds against the installed tree.
check_extmod() {
	local mod=$WORK/extmod-check

	mkdir -p "$mod"
	echo 'obj-m := check.o' >"$mod/Kbuild"
	cat >"$mod/check.c" <<-'EOF'
	#include <linux/module.h>
	MODULE_DESCRIPTION("debug-kernel.sh: external module build check");
	MODULE_LICENSE("GPL");
	EOF
	make -C "$KDIR" M="$mod" modules && [ -e "$mod/check.ko" ]
}

log "building the debug kernel in $KDIR (about 8 minutes; log: $LOG)"
SECONDS=0
step "extracting the source" tar -xf "$TARBALL" -C "$WORK" --strip-components=1
# tinyconfig for x86_64 proper: with the default ARCH=x86 it would be an
# i386 configuration whose int defaults (FRAME_WARN, NR_CPUS...) outlive
# turning 64BIT on.
step "tinyconfig" kmake ARCH=x86_64 tinyconfig
step "merging $FRAGMENT $EXTRA" merge_fragment
# Twice, so that symbols the first pass makes visible get their defaults.
step "olddefconfig" kmake olddefconfig
step "olddefconfig" kmake olddefconfig
check_config || die "$FRAGMENT $EXTRA: the options above did not survive olddefconfig"

# Building modules also does modules_prepare.
step "building the kernel" kmake -j"$(nproc)" bzImage modules
kmake -s kernelrelease >"$KDIR/kernelrelease"

# Keep the tree external modules need, the way linux-headers is made.
step "installing the external module tree" kmake run-command \
	KBUILD_RUN_COMMAND="\${srctree}/scripts/package/install-extmod-build $KDIR"
cp "$WORK/arch/x86/boot/bzImage" "$WORK/.config" "$WORK/System.map" "$KDIR/"
step "building an external module" check_extmod
rm -rf "$WORK"
touch "$KDIR/.complete"
log "debug kernel $(cat "$KDIR/kernelrelease") built in $((SECONDS / 60)) min $((SECONDS % 60)) s"
echo "$KDIR"
