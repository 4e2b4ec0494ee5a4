#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a test kernel under QEMU, load modules, run one command in the guest
# and return its exit status.  The guest sees the host's root file system
# read-only (with a tmpfs overlay), so the command can be any host program.
#
# The run fails, whatever the command returned, if the guest kernel log shows
# a warning, BUG, oops, KASAN/UBSAN/lockdep/kmemleak report, if the kernel
# is tainted by anything but an out-of-tree or unsigned module, or if a
# loaded module does not unload.
#
# Exit status: the command's; 123 if the guest froze; 124 on time-out; 125
# if the guest could not run the command; 126 if the command passed but
# the kernel did not.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	cat >&2 <<USAGE
usage: $0 [options] [--] command [args...]
  -i 'KO [PARAM=VALUE...]'  insmod this module before the command (repeatable;
                            unloaded again, in reverse order, after it)
  -a ARGS    append to the guest kernel command line (e.g. 'memmap=64M\$0x40000000')
  -m SIZE    guest memory (default ${VMPOOL_VM_MEM:-2G})
  -c N       guest CPUs (default ${VMPOOL_VM_CPUS:-2})
  -N         two NUMA nodes, each with half the memory and half the CPUs
             (the second one's CPUs rounded up)
  -M MACHINE QEMU machine (default pc; e.g. 'q35,kernel-irqchip=split')
  -d DEVICE  add '-device DEVICE' to QEMU (repeatable; placed before the
             harness's own devices, e.g. -d intel-iommu,intremap=on -d edu)
  -t SECS    hard time-out (default ${VMPOOL_VM_TIMEOUT:-900})
  -f SECS    a guest whose heartbeat (every 15 s, from its stage-2 script)
             stops for this long, and whose QEMU then runs its CPUs for
             less than a second in 30, has frozen: its CPUs' registers
             are printed and it is stopped, exit 123 (default
             ${VMPOOL_VM_FREEZE:-120})
  -o DIR     keep the run's files (console, dmesg, output) in DIR
The guest mounts a fresh tmpfs on /tmp: what the command needs from the
host must live elsewhere.
environment:
  VMPOOL_VM_KERNEL   kernel image (default: the cached test kernel)
  VMPOOL_VM_MODULES  its lib/modules/<release> tree, for modprobe in the guest
  VMPOOL_VM_INITMODS directory of modules the initramfs loads (file 'order');
                     empty for a kernel with 9p and overlayfs built in
  VMPOOL_VM_APPEND   extra kernel command line
  VMPOOL_VM_APPEND_PC  extra kernel command line on the pc machine only
  VMPOOL_KVM=1       use KVM instead of TCG (not for nested guests)
  VMPOOL_VM_KEEP     as -o DIR
  VMPOOL_VM_TRACE_HOLD=0  no trace instances holding the scheduler
                     tracepoints on a TCG guest with more than one CPU
USAGE
	exit 2
}

# A command to the guest's QEMU monitor (HMP); what it answers.
monitor() {
	python3 - "$RUN/monitor" "$1" <<'PY' || true
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
time.sleep(0.5)
s.recv(65536)
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
try:
    while True:
        data = s.recv(65536)
        if not data:
            break
        out += data
except socket.timeout:
    pass
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
PY
}

# User and system time QEMU has used, in clock ticks.
qemu_cpu_ticks() {
	local pid

	pid=$(pgrep -P "$qpid" -x qemu-system-x86 | head -n 1)
	[ -n "$pid" ] || pid=$qpid
	awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0
}

MEM=${VMPOOL_VM_MEM:-2G}
CPUS=${VMPOOL_VM_CPUS:-2}
TIMEOUT=${VMPOOL_VM_TIMEOUT:-900}
FREEZE=${VMPOOL_VM_FREEZE:-120}
APPEND=${VMPOOL_VM_APPEND:-}
KEEP=${VMPOOL_VM_KEEP:-}
MACHINE=pc
NUMA=0
INSMOD=()
DEVICES=()
while getopts "i:a:m:c:NM:d:t:f:o:h" opt; do
	case "$opt" in
	i) INSMOD+=("$OPTARG") ;;
	a) APPEND="$APPEND $OPTARG" ;;
	m) MEM=$OPTARG ;;
	c) CPUS=$OPTARG ;;
	N) NUMA=1 ;;
	M) MACHINE=$OPTARG ;;
	d) DEVICES+=(-device "$OPTARG") ;;
	t) TIMEOUT=$OPTARG ;;
	f) FREEZE=$OPTARG ;;
	o) KEEP=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
[ "$MACHINE" = pc ] && APPEND="$APPEND ${VMPOOL_VM_APPEND_PC:-}"

if [ -z "${VMPOOL_VM_KERNEL:-}" ]; then
	KVER=$(recorded_kver)
	[ -n "$KVER" ] || die "no test kernel: run scripts/deps.sh"
	KD=$(kernel_dir "$KVER")
	[ -e "$KD/.complete" ] || die "test kernel $KVER not in the cache: run scripts/deps.sh"
	VMPOOL_VM_KERNEL=$KD/root/boot/vmlinuz-$KVER
	VMPOOL_VM_MODULES=${VMPOOL_VM_MODULES-$KD/root/lib/modules/$KVER}
	VMPOOL_VM_INITMODS=${VMPOOL_VM_INITMODS-$KD/initmods}
fi
[ -r "$VMPOOL_VM_KERNEL" ] || die "cannot read kernel $VMPOOL_VM_KERNEL"

if [ -n "$KEEP" ]; then
	rm -rf "$KEEP"
	mkdir -p "$KEEP"
	RUN=$(cd "$KEEP" && pwd)
else
	RUN=$(mktemp -d)
	trap 'rm -rf "$RUN"' EXIT
fi
XCHG=$RUN/xchg
mkdir -p "$XCHG" "$RUN/initramfs/bin" "$RUN/initramfs/initmods"

# Initramfs: busybox, /init, and the modules needed to reach the host root.
cp /bin/busybox "$RUN/initramfs/bin/busybox"
cp "$VMPOOL_TOP/scripts/guest-init" "$RUN/initramfs/init"
chmod 755 "$RUN/initramfs/init"
mkdir -p "$RUN/initramfs/"{proc,sys,dev}
if [ -n "${VMPOOL_VM_INITMODS:-}" ]; then
	cp "$VMPOOL_VM_INITMODS"/*.ko "$VMPOOL_VM_INITMODS/order" "$RUN/initramfs/initmods/"
fi
(cd "$RUN/initramfs" && find . | cpio -o -H newc --quiet) >"$RUN/initramfs.cpio"

# What the guest is to do.
cp "$VMPOOL_TOP/scripts/guest-stage2.sh" "$XCHG/stage2.sh"
{
	printf 'GUEST_MODULES=%q\n' "${VMPOOL_VM_MODULES:-}"
	printf 'GUEST_CWD=%q\n' "$PWD"
} >"$XCHG/env"
: >"$XCHG/insmod"
for spec in "${INSMOD[@]}"; do
	read -r ko params <<<"$spec"
	[ -r "$ko" ] || die "cannot read module $ko"
	echo "$(realpath "$ko") $params" >>"$XCHG/insmod"
done
printf '%q ' "$@" >"$XCHG/cmd.sh"
echo >>"$XCHG/cmd.sh"

ACCEL=(-accel tcg -cpu max)
if [ "${VMPOOL_KVM:-0}" = 1 ]; then
	ACCEL=(-accel kvm -cpu host)
elif [ "$CPUS" -gt 1 ] && [ "${VMPOOL_VM_TRACE_HOLD:-1}" = 1 ]; then
	# Under TCG with more than one CPU, a CPU that runs kernel text while
	# another patches it (text_poke_bp(), as a static key or static call
	# does) dies now and then on a stale breakpoint ("Oops: int3"), or
	# hangs.  Registering the first probe on sched_switch patches
	# __schedule().  The guest therefore boots with one CPU; its /init
	# (scripts/guest-init) creates two trace instances with tracing off
	# that hold a probe each on every scheduler tracepoint vmpool uses,
	# then brings the other CPUs up, so that vmpool's probes come and go
	# without patching text.  (Boots with one CPU do without: there the
	# patching runs for real.)
	APPEND="$APPEND maxcpus=1 vmpool_hold=sched:sched_switch"
	APPEND="$APPEND,sched:sched_process_exit,sched:sched_waking"
	APPEND="$APPEND,timer:hrtimer_start,timer:hrtimer_cancel"
	APPEND="$APPEND,timer:hrtimer_expire_entry,timer:hrtimer_expire_exit"
fi

# Two NUMA nodes: the memory halved (in MiB), CPUs 0..n/2-1 on node 0,
# each CPU a socket of its own (cores of one socket, sharing a cache, on
# two nodes make the kernel warn).
NODES=()
SMP=$CPUS
if [ "$NUMA" = 1 ]; then
	SMP="$CPUS,sockets=$CPUS,cores=1,threads=1"
	case "$MEM" in
	*G) mib=$((${MEM%G} * 1024)) ;;
	*M) mib=${MEM%M} ;;
	*) die "-N wants -m in M or G, not $MEM" ;;
	esac
	NODES=(-object "memory-backend-ram,id=node0,size=$((mib / 2))M"
	       -object "memory-backend-ram,id=node1,size=$((mib - mib / 2))M")
	if [ "$CPUS" -gt 1 ]; then
		NODES+=(-numa "node,nodeid=0,memdev=node0,cpus=0-$((CPUS / 2 - 1))"
			-numa "node,nodeid=1,memdev=node1,cpus=$((CPUS / 2))-$((CPUS - 1))")
	else
		NODES+=(-numa node,nodeid=0,memdev=node0,cpus=0
			-numa node,nodeid=1,memdev=node1)
	fi
fi

: >"$RUN/output"
: >"$RUN/console"
qrc=0
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 \
	"${ACCEL[@]}" -machine "$MACHINE" -m "$MEM" -smp "$SMP" \
	"${NODES[@]}" \
	-nodefaults -display none -no-reboot \
	-kernel "$VMPOOL_VM_KERNEL" -initrd "$RUN/initramfs.cpio" \
	-append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init $APPEND" \
	-serial "file:$RUN/console" -serial "file:$RUN/output" \
	"${DEVICES[@]}" \
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev "local,id=xchg,path=$XCHG,security_model=none" \
	-device virtio-9p-pci,fsdev=xchg,mount_tag=xchg \
	-device virtio-rng-pci \
	-monitor "unix:$RUN/monitor,server=on,wait=off" </dev/null &
qpid=$!
tail -n +1 -f --pid="$qpid" "$RUN/output" &
tpid=$!
froze=0
idle_since=
while kill -0 "$qpid" 2>/dev/null; do
	sleep 1
	[ -s "$XCHG/heartbeat" ] || continue
	age=$(($(date +%s) - $(stat -c %Y "$XCHG/heartbeat")))
	[ "$age" -gt "$FREEZE" ] || { idle_since=; continue; }
	# Then QEMU's own CPU time: a guest that runs, even one spinning in
	# a hung kernel, uses it; a frozen one does not.
	cpu=$(qemu_cpu_ticks)
	if [ -z "$idle_since" ]; then
		idle_since=$(date +%s) idle_cpu=$cpu
		continue
	fi
	[ $(($(date +%s) - idle_since)) -ge 30 ] || continue
	regs=$(monitor "info registers -a" |
		grep -aE '^(CPU#|RAX|RSI|R8 |R12|RIP|CS |CR0|EFER)')
	# Frozen: QEMU ran its CPUs for less than a second in 30, and no CPU
	# sits halted with interrupts off (RFLAGS.IF, 0x200), as a guest
	# kernel that stopped itself would.
	froze=1
	[ $((cpu - idle_cpu)) -lt "$(getconf CLK_TCK)" ] || froze=0
	while read -r rfl hlt; do
		[ "$hlt" = 1 ] && [ $((0x$rfl & 0x200)) -eq 0 ] && froze=0
	done < <(echo "$regs" | sed -n 's/.*RFL=\([0-9a-f]*\) .*HLT=\([01]\).*/\1 \2/p')
	if [ "$froze" = 1 ]; then
		log "guest froze: no heartbeat for ${age}s, its CPUs stopped; their state:"
	else
		log "no heartbeat for ${age}s, the guest still runs or halted itself:"
	fi
	echo "$regs" >&2
	# One that still runs is left to the time-out.
	[ "$froze" = 0 ] || kill "$qpid" 2>/dev/null
	break
done
wait "$qpid" || qrc=$?
wait "$tpid" || true

bad=0
kernel_bad() {
	[ "$bad" -ne 0 ] || bad=126
}
if [ "$froze" = 1 ]; then
	bad=123
elif [ "$qrc" -eq 124 ]; then
	log "guest timed out after ${TIMEOUT}s"
	bad=124
elif [ ! -s "$XCHG/rc" ]; then
	log "guest did not finish the command (qemu exit $qrc)"
	bad=125
fi

# Reports the kernel must never print during a test run.  (A bare call
# trace is not one: allocation failures print one, and fault injection
# makes those on purpose; every real report has one of these headlines.)
PATTERN='WARNING:|BUG:|Oops|general protection fault|Kernel panic|KASAN|UBSAN|'
PATTERN+='possible circular locking|possible recursive locking|inconsistent lock state|'
PATTERN+='lockdep|suspicious RCU usage|kmemleak|unreferenced object|'
PATTERN+='stack segment|double fault|soft lockup|hung_task|blocked for more than|'
PATTERN+='turning off the locking correctness validator|detected stalls|'
PATTERN+='Unable to handle|list_add corruption|list_del corruption'
# Boot banners that name a detector without reporting anything.
BENIGN='KernelAddressSanitizer initialized|kmemleak: Kernel memory leak detector initialized|'
BENIGN+='kmemleak: Automatic memory scanning thread|Lock dependency validator|'
BENIGN+='lockdep: Disabled|Detectors disabled|\.\.\. MAX_LOCK|\.\.\. CHAINHASH|\.\.\. MAX_|'
BENIGN+='RCU lockdep checking is enabled|'
# kmemleak's own allocation failed (fault injection reaches it through
# vmalloc() under the module): it scans the whole object instead, which
# hides no leak.
BENIGN+='kmemleak: Cannot allocate a scan area'
reports=$(cat "$RUN/console" "$XCHG/dmesg" 2>/dev/null |
	grep -aE "$PATTERN" | grep -avE "$BENIGN" | sort -u || true)
if [ -n "$reports" ]; then
	log "kernel log reports:"
	echo "$reports" | head -n 40 >&2
	kernel_bad
fi
if [ -s "$XCHG/kmemleak" ]; then
	log "kmemleak reports:"
	head -n 40 "$XCHG/kmemleak" >&2
	kernel_bad
fi
if [ -s "$XCHG/tainted" ]; then
	taint=$(cat "$XCHG/tainted")
	# TAINT_OOT_MODULE (12) and TAINT_UNSIGNED_MODULE (13) are expected.
	if [ $((taint & ~((1 << 12) | (1 << 13)))) -ne 0 ]; then
		log "kernel tainted: $taint"
		kernel_bad
	fi
fi
if [ -s "$XCHG/unload" ] && [ "$(cat "$XCHG/unload")" != 0 ]; then
	log "a module did not unload"
	kernel_bad
fi
if [ -s "$XCHG/stage2.log" ]; then
	cat "$XCHG/stage2.log" >&2
fi

if [ "$bad" -ne 0 ]; then
	log "console (last lines):"
	tail -n 30 "$RUN/console" >&2
	[ -n "$KEEP" ] && { cp -f "$XCHG"/dmesg "$RUN/" 2>/dev/null || true; }
	exit "$bad"
fi
[ -n "$KEEP" ] && { cp -f "$XCHG"/dmesg "$RUN/" 2>/dev/null || true; }
exit "$(cat "$XCHG/rc")"
