#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test guest: every selftest given, one after the other,
# each followed by a marker line the host's summary reads.
for t in "$@"; do
	echo "# vmpool-selftest: start $t"
	"$t"
	echo "# vmpool-selftest: end $t exit=$?"
done
