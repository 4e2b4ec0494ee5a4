// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of the scheduler probe (a benchmark: it reports, it asserts
 * nothing).  Two threads on one CPU bounce a byte through two pipes, so
 * that every round trip is two context switches, for $seconds at a time:
 *
 *   not loaded       the module is unloaded
 *   loaded           loaded, nothing attached (no probe registered)
 *   probe, others    another VM has a thread attached, so the probe runs
 *                    on every switch; these two threads are not attached
 *   in a VM          both threads are attached to a VM
 *
 * Each figure is the best of three, as a ratio to "not loaded".  Then a
 * thread busy 20 ms and asleep 80 ms runs attached for 50 periods and the
 * prediction figures are printed.
 *
 * Environment: VMPOOL_KO, the module (it is unloaded and loaded again).
 * usage: vmpool_sched_bench [seconds]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include "vmpool_test.h"

#define MS	1000000ULL

static int ping[2], pong[2];
static pid_t partner_tid;

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *partner(void *arg)
{
	char c;

	pin_to_cpu0();
	__atomic_store_n(&partner_tid, gettid(), __ATOMIC_RELEASE);
	while (read(ping[0], &c, 1) == 1 && c)
		if (write(pong[1], &c, 1) != 1)
			break;
	return NULL;
}

/* Round trips per second, best of three runs of @seconds. */
static double ping_pong(int vm, double seconds)
{
	double best = 0, rate;
	__u64 start, n;
	pthread_t th;
	pid_t tids[2];
	char c = 1;
	int run;

	if (pipe(ping) || pipe(pong) || pthread_create(&th, NULL, partner, NULL))
		exit(1);
	pin_to_cpu0();
	while (!__atomic_load_n(&partner_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (vm >= 0) {
		tids[0] = gettid();
		tids[1] = partner_tid;
		if (vmpool_attach(vm, VMPOOL_VM_ATTACH, 0, 0, tids, 2))
			exit(1);
	}
	for (run = 0; run < 3; run++) {
		start = vmpool_now_ns();
		for (n = 0; vmpool_now_ns() - start < seconds * 1e9; n++) {
			if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
				exit(1);
		}
		rate = n / ((vmpool_now_ns() - start) / 1e9);
		if (rate > best)
			best = rate;
	}
	c = 0;
	(void)!write(ping[1], &c, 1);
	pthread_join(th, NULL);
	partner_tid = 0;
	close(ping[0]);
	close(ping[1]);
	close(pong[0]);
	close(pong[1]);
	if (vm >= 0)
		vmpool_attach(vm, VMPOOL_VM_DETACH, VMPOOL_ATTACH_ALL, 0, NULL, 0);
	return best;
}

static pid_t idle_tid;

static void *idle_thread(void *arg)
{
	char c;

	__atomic_store_n(&idle_tid, gettid(), __ATOMIC_RELEASE);
	(void)!read(*(int *)arg, &c, 1);
	return NULL;
}

static void *periodic(void *arg)
{
	int i;

	__atomic_store_n((pid_t *)arg, gettid(), __ATOMIC_RELEASE);
	usleep(100000);
	for (i = 0; i < 50; i++) {
		vmpool_spin_ns(20 * MS);
		usleep(80000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double base, loaded, others, attached;
	struct vmpool_vm_stats st;
	int dev, vm, vm2, block[2];
	pthread_t idle, per;
	pid_t tid = 0;

	if (vmpool_load("pool_mb=64") ||
	    syscall(SYS_delete_module, "vmpool", O_NONBLOCK)) {
		perror("unloading vmpool (VMPOOL_KO set?)");
		return 1;
	}
	base = ping_pong(-1, seconds);
	if (vmpool_load("pool_mb=64"))
		return 1;
	loaded = ping_pong(-1, seconds);

	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	vm = vmpool_vm_create(dev, vmpool_new_tenant(), 1 << 20, 0, 0, "bench");
	vm2 = vmpool_vm_create(dev, vmpool_new_tenant(), 1 << 20, 0, 0, "idle");
	if (dev < 0 || vm < 0 || vm2 < 0 || pipe(block) ||
	    pthread_create(&idle, NULL, idle_thread, &block[0]))
		return 1;
	/* Another VM's thread is attached: the probe is registered. */
	while (!__atomic_load_n(&idle_tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (vmpool_attach(vm2, VMPOOL_VM_ATTACH, 0, 0, &idle_tid, 1))
		return 1;
	others = ping_pong(-1, seconds);
	attached = ping_pong(vm, seconds);

	printf("probe overhead: pipe ping-pong, two threads on CPU 0, best of 3 x %.1f s\n",
	       seconds);
	printf("%-28s %14s %8s\n", "", "round trips/s", "ratio");
	printf("%-28s %14.0f %8.3f\n", "not loaded", base, 1.0);
	printf("%-28s %14.0f %8.3f\n", "loaded, nothing attached", loaded,
	       loaded / base);
	printf("%-28s %14.0f %8.3f\n", "probe on, not attached", others,
	       others / base);
	printf("%-28s %14.0f %8.3f\n", "both threads attached", attached,
	       attached / base);

	if (pthread_create(&per, NULL, periodic, &tid))
		return 1;
	while (!__atomic_load_n(&tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	vmpool_attach(vm, VMPOOL_VM_ATTACH, 0, 0, &tid, 1);
	pthread_join(per, NULL);
	usleep(10000);
	if (vmpool_vm_stats(vm, &st))
		return 1;
	printf("\nprediction: thread busy 20 ms, asleep 80 ms, 50 periods\n");
	printf("activations %llu, predictions %llu, hits %llu (%.1f%%, tolerance %llu us)\n",
	       st.activations, st.predictions, st.prediction_hits,
	       st.predictions ? 100.0 * st.prediction_hits / st.predictions : 0,
	       st.prediction_tolerance_ns / 1000);
	printf("mean error %llu us, mean lead %llu ms; timer-based prediction: not built\n",
	       st.predictions ? st.prediction_error_ns / st.predictions / 1000 : 0,
	       st.predictions ? st.prediction_lead_ns / st.predictions / MS : 0);
	(void)!write(block[1], "x", 1);
	pthread_join(idle, NULL);
	close(vm);
	close(vm2);
	close(dev);
	return 0;
}
