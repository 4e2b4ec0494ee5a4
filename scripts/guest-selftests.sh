#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test guest: every selftest given, one after the other,
# each followed by a marker line the host's summary reads, with its exit
# status and the seconds it took.
#
# The tests whose bounds depend on predictions landing in time (idle
# paging, the scheduler feed) run on an emulated CPU next to whatever
# else the host runs: one that fails runs once more, and only the second
# run counts.  The first run's output stays in the log, commented out.
#
# $VMPOOL_TEST_ARGS, if set, are given to every program (kselftest
# harness filters: "-V page_alloc" leaves out that variant).
#
# A program still running after $VMPOOL_TEST_TIMEOUT seconds (default 900)
# is stuck: the kernel stacks of the tasks that sleep uninterruptibly are
# printed, and it is killed (a failure), so that the rest of the run goes
# on and the log says where it stuck.
TIMING_TESTS="vmpool_idle_test vmpool_sched_test vmpool_sched_kvm_test"
FIRST=/tmp/vmpool-first-try.log
LIMIT=${VMPOOL_TEST_TIMEOUT:-900}

timing() {
	case " $TIMING_TESTS " in
	*" $(basename "$1") "*) return 0 ;;
	esac
	return 1
}

# The kernel stack of every task in uninterruptible sleep, commented out.
stuck_tasks() {
	for d in /proc/[0-9]*/task/[0-9]*; do
		state=$(awk '{ sub(/.*\) /, ""); print $1 }' "$d/stat" 2>/dev/null)
		[ "$state" = D ] || continue
		echo "# stuck: task ${d##*/} ($(cat "$d/comm" 2>/dev/null))"
		sed 's/^/#   /' "$d/stack" 2>/dev/null
	done
}

# Run one program in a process group of its own (the harness forks a
# child per test), killed with the group if it outlives the limit.
run() {
	# shellcheck disable=SC2086
	setsid "$1" ${VMPOOL_TEST_ARGS:-} &
	pid=$!
	(
		sleep "$LIMIT"
		echo "# vmpool-selftest: $1 still runs after $LIMIT s"
		stuck_tasks
		kill -KILL "-$pid"
	) &
	watch=$!
	wait "$pid"
	rc=$?
	kill "$watch" 2>/dev/null
	wait "$watch" 2>/dev/null
	return "$rc"
}

for t in "$@"; do
	echo "# vmpool-selftest: start $t"
	start=$(date +%s)
	if timing "$t"; then
		run "$t" >"$FIRST" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ]; then
			sed 's/^/# first try: /' "$FIRST"
			echo "# vmpool-selftest: retry $t (first try exit=$rc)"
			run "$t"
			rc=$?
		else
			cat "$FIRST"
		fi
		rm -f "$FIRST"
	else
		run "$t"
		rc=$?
	fi
	echo "# vmpool-selftest: end $t exit=$rc ($(($(date +%s) - start)) s)"
done
