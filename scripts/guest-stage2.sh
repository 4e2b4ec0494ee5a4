#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test guest, in the host-root overlay: loads the modules
# the host asked for, runs the command, checks that the modules unload, and
# leaves the exit status and the kernel's view of the run in the exchange
# share (/run/vmpool) for the host to judge.  Never returns: powers off.
X=/run/vmpool
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb

. "$X/env"
exec >"$X/stage2.log" 2>&1

# The test kernel's own modules, with depmod data, for modprobe.
if [ -n "$GUEST_MODULES" ] && [ -d "$GUEST_MODULES" ]; then
	mkdir -p "/lib/modules/$(uname -r)"
	mount --bind "$GUEST_MODULES" "/lib/modules/$(uname -r)"
fi

rc=0
# $X/insmod holds one "module.ko [param=value ...]" per line.
while read -r ko params; do
	[ -n "$ko" ] || continue
	# shellcheck disable=SC2086
	if ! insmod "$ko" $params; then
		echo "stage2: insmod $ko $params failed"
		rc=125
		break
	fi
done <"$X/insmod"

if [ "$rc" -eq 0 ]; then
	cd "$GUEST_CWD" || rc=125
fi
# A heartbeat for the host: a guest whose CPUs stopped altogether (its
# timers too) says nothing else (scripts/vm-run.sh).
(while :; do date +%s >"$X/heartbeat"; sleep 15; done) &

if [ "$rc" -eq 0 ]; then
	# The command's output goes to the second serial port, live.
	bash "$X/cmd.sh" >/dev/ttyS1 2>&1 </dev/null
	rc=$?
	cd /
fi

# Unload what was loaded, last first; a module that will not go is a bug.
# The steps after the command are timed on the output port: the host's
# time-out counts them too.
echo "# vmpool-guest: command done, unloading" >/dev/ttyS1
start=$(date +%s)
unload=0
if [ "$rc" -ne 125 ]; then
	for ko in $(awk '{ print $1 }' "$X/insmod" | tac); do
		name=$(basename "$ko" .ko)
		if grep -q "^$name " /proc/modules && ! rmmod "$name"; then
			echo "stage2: rmmod $name failed"
			unload=1
		fi
	done
fi
echo "$unload" >"$X/unload"

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo "# vmpool-guest: unloaded ($(($(date +%s) - start)) s), kmemleak scan" >/dev/ttyS1
	start=$(date +%s)
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$X/kmemleak"
fi
echo "# vmpool-guest: done ($(($(date +%s) - start)) s), powering off" >/dev/ttyS1
cat /proc/sys/kernel/tainted >"$X/tainted"
dmesg >"$X/dmesg"
echo "$rc" >"$X/rc"
sync
/bin/busybox poweroff -f
