// SPDX-License-Identifier: GPL-2.0
/*
 * The stress test with KVM guests among its workers: each runs on the
 * first pages of a VM while the other workers punch, populate, splice and
 * write them.  Its name puts it in the one-CPU boot of run-selftests.sh,
 * with the other KVM tests.
 */
#define VMPOOL_STRESS_KVM
#include "vmpool_stress_test.c"
