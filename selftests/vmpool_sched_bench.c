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
 * Each figure is the best of three, as a ratio to "not loaded".  Then
 * the cost of the timer probes: a thread on CPU 0 sleeps 20 us at a time,
 * not attached and attached.  Then two threads run attached for 50
 * periods each, one busy 20 ms and asleep 80 ms, one busy and asleep for
 * random times, and the hit rate of each prediction rule is printed.
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

/* Timed sleeps of 20 us per second, best of three; attached to @vm. */
static double sleep_loop(int vm, double seconds)
{
	struct timespec ts = { .tv_nsec = 20000 };
	double best = 0, rate;
	pid_t me = gettid();
	__u64 start, n;
	int run;

	if (vm >= 0 && vmpool_attach(vm, VMPOOL_VM_ATTACH, 0, 0, &me, 1))
		exit(1);
	for (run = 0; run < 3; run++) {
		start = vmpool_now_ns();
		for (n = 0; vmpool_now_ns() - start < seconds * 1e9; n++)
			clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		rate = n / ((vmpool_now_ns() - start) / 1e9);
		if (rate > best)
			best = rate;
	}
	if (vm >= 0)
		vmpool_attach(vm, VMPOOL_VM_DETACH, VMPOOL_ATTACH_ALL, 0, NULL, 0);
	return best;
}

struct workload {
	const char *name;
	__u64 busy_ns, sleep_ns;	/* 0: at random, 1-10 and 10-150 ms */
	pid_t tid;
};

static void *workload_main(void *arg)
{
	struct workload *w = arg;
	unsigned int seed = 1;
	__u64 busy, sleep;
	struct timespec ts;
	int i;

	__atomic_store_n(&w->tid, gettid(), __ATOMIC_RELEASE);
	usleep(100000);
	for (i = 0; i < 50; i++) {
		busy = w->busy_ns ? w->busy_ns : (1 + rand_r(&seed) % 10) * MS;
		sleep = w->sleep_ns ? w->sleep_ns : (10 + rand_r(&seed) % 140) * MS;
		vmpool_spin_ns(busy);
		ts.tv_sec = sleep / 1000000000ULL;
		ts.tv_nsec = sleep % 1000000000ULL;
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	}
	return NULL;
}

/* One line of a table: a rate, and its ratio to @base. */
static void row(const char *name, double rate, double base)
{
	printf("%-28s %14.0f %8.3f\n", name, rate, rate / base);
}

static unsigned long long pct(__u64 a, __u64 b)
{
	return b ? a * 100 / b : 0;
}

/* Run @w attached to a fresh VM and print how each rule did. */
static int predict_run(int dev, struct workload *w)
{
	struct vmpool_vm_stats st;
	pthread_t th;
	int vm;

	vm = vmpool_vm_create(dev, vmpool_new_tenant(), 1 << 20, 0, 0, "predict");
	if (vm < 0 || pthread_create(&th, NULL, workload_main, w))
		return -1;
	while (!__atomic_load_n(&w->tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	vmpool_attach(vm, VMPOOL_VM_ATTACH, 0, 0, &w->tid, 1);
	pthread_join(th, NULL);
	usleep(10000);
	if (vmpool_vm_stats(vm, &st))
		return -1;
	close(vm);
	printf("%-34s %6llu %5llu%% %5llu%% %5llu%% %5llu%% %8llu\n", w->name,
	       st.predictions, pct(st.prediction_hits, st.predictions),
	       pct(st.idle_rule_hits, st.idle_rule_predictions),
	       pct(st.cycle_rule_hits, st.cycle_rule_predictions),
	       pct(st.timer_rule_hits, st.timer_rule_predictions),
	       st.predictions ? st.prediction_error_ns / st.predictions / 1000 : 0);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	struct workload periodic = {
		"busy 20 ms, asleep 80 ms", 20 * MS, 80 * MS,
	};
	struct workload random = { "busy 1-10 ms, asleep 10-150 ms" };
	double base, loaded, others, attached;
	double sleeps_base, sleeps, sleeps_attached;
	struct vmpool_vm_stats st;
	int dev, vm, vm2, block[2];
	pthread_t idle;

	if (vmpool_load("pool_mb=64") || vmpool_unload()) {
		perror("unloading vmpool (VMPOOL_KO set?)");
		return 1;
	}
	base = ping_pong(-1, seconds);
	sleeps_base = sleep_loop(-1, seconds);
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
	sleeps = sleep_loop(-1, seconds);
	sleeps_attached = sleep_loop(vm, seconds);
	if (vmpool_vm_stats(vm, &st))
		return 1;

	printf("probe overhead: pipe ping-pong, two threads on CPU 0, best of 3 x %.1f s\n",
	       seconds);
	printf("%-28s %14s %8s\n", "", "round trips/s", "ratio");
	row("not loaded", base, base);
	row("loaded, nothing attached", loaded, base);
	row("probe on, not attached", others, base);
	row("both threads attached", attached, base);

	printf("\ntimer probes: clock_nanosleep(20 us) loop on CPU 0, best of 3 x %.1f s\n",
	       seconds);
	printf("%-28s %14s %8s\n", "", "sleeps/s", "ratio");
	row("not loaded", sleeps_base, sleeps_base);
	row("probe on, not attached", sleeps, sleeps_base);
	row("thread attached", sleeps_attached, sleeps_base);

	printf("\nprediction: 50 periods each; hits within %llu us\n",
	       (unsigned long long)st.prediction_tolerance_ns / 1000);
	printf("%-34s %6s %6s %6s %6s %6s %8s\n", "workload", "pred", "hits",
	       "idle", "cycle", "timer", "err_us");
	if (predict_run(dev, &periodic) || predict_run(dev, &random))
		return 1;
	(void)!write(block[1], "x", 1);
	pthread_join(idle, NULL);
	close(vm);
	close(vm2);
	close(dev);
	return 0;
}
