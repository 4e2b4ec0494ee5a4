// SPDX-License-Identifier: GPL-2.0
/*
 * Predictive swap benchmark (not a test: it asserts nothing, it reports).
 *
 * A duty-cycled VM process touches its working set W (64 MiB: one write
 * per 4 KiB page), then sleeps 80 ms (clock_nanosleep, a real blocking
 * sleep, so the scheduler probe sees the VM idle), again and again.  The
 * stall of an activation (the time to touch W) is measured seven ways,
 * each VM a process of its own:
 *
 *   resident, vmpool    a VM with no idle limit, never paged out (the ideal)
 *   resident, anonymous the same in anonymous memory (a second reference)
 *   synchronous, vmpool no idle limit; before each sleep the process pages
 *                       the top three quarters of W out (VMPOOL_VM_PAGE_OUT),
 *                       so that each activation reads them back by faults
 *   prediction, vmpool  idle limit W/4: the module pages the VM out while
 *                       it sleeps and reads its working set back before the
 *                       predicted wake
 *   Linux memcg swap    anonymous W in a memory cgroup with memory.max of
 *                       W/4 + 4 MiB (room for page tables and the rest of
 *                       the process) and no swap limit
 *   madvise agent       anonymous W, no limit; a separate agent process, told
 *                       over a pipe when the worker goes to sleep and when it
 *                       wakes, calls process_madvise(MADV_PAGEOUT) over W
 *                       when it sleeps and process_madvise(MADV_WILLNEED)
 *                       30 ms before it wakes: what needs no module at all
 *   DAMON pageout       anonymous W, no limit; a kdamond (vaddr) pages out
 *                       the regions not accessed for 40 ms
 *
 * then four vmpool VMs of 64 MiB with idle limit W/4 share a pool of 128
 * MiB (a VM that may not be paged holds the rest, as in vmpool_idle_test),
 * taking turns: each wakes at the start of its own turn in a cycle of
 * four and sleeps till its next (clock_nanosleep(TIMER_ABSTIME)).  Their
 * first activations, before anything is predicted, read all of W back by
 * faults, so the first cycles have long turns; then the turns are two
 * times, and in a second run five times, the single VM's median
 * activation with synchronous swap-in (the time to read back what it gave
 * up).  And, if it fits the time, four anonymous processes in one
 * memory cgroup of 128 MiB take turns of 1.5 times the memcg way's median.
 *
 * The store is the same kind for everyone: a brd RAM disk, /dev/ram0 the
 * Linux swap area, /dev/ram1 vmpool's store, opened O_DIRECT so that a
 * page goes to the disk with one copy, as swap does.  Both are written
 * whole first, so that neither way pays for brd allocating its pages.
 * Anonymous memory has transparent huge pages as the kernel sets them.
 *
 * Printed: the counts that do not depend on the machine first (major and
 * minor faults, pages read and written, I/O, prefetched pages used and
 * wasted, predictions, memory resident while the VM sleeps), then the
 * times (median and 90th percentile after a warm-up) and their ratios to
 * the resident vmpool VM measured in the same run, then the figures the
 * targets are stated in: hidden stall, prefetch accuracy, extra I/O.
 *
 * Environment: VMPOOL_KO, the module (it is reloaded with pool_mb=256 if
 * it is loaded otherwise).  VMPOOL_SWAP_BENCH_WAYS, a comma-separated
 * list of resident, anon, sync, predict, memcg, agent, damon, turns: only
 * those.  VMPOOL_SWAP_BENCH_NOTHP: anonymous memory MADV_NOHUGEPAGE.
 * VMPOOL_SWAP_BENCH_VERBOSE: every activation on stderr.  Needs root,
 * brd and mkswap; cgroup v2 is mounted at /sys/fs/cgroup if it is not.
 * usage: vmpool_swap_bench
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/swap.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "vmpool_test.h"

#define PAGE		4096UL
#define MS		1000000ULL
#define WS_MB		64UL
#define WS_PAGES	(WS_MB << 20 >> 12)
#define IDLE_NS		(80 * MS)
#define WILLNEED_LEAD	(30 * MS)
#define MAX_ACTS	48
#define RISE_PAGES	1024
#define TURN_VMS	4
#define TURN_ACTS	12
#define TURN_WARM	4
/* The first cycles, while the predictor learns, have turns this long. */
#define TURN_SLOW_CYCLES	3
#define TURN_SLOW_NS	(1200 * MS)
#define TURN_POOL_PAGES	(128UL << 20 >> 12)
#define POOL_PARAMS	"pool_mb=256"
/* Each brd device: room for four VMs paged out whole. */
#define RD_KB		(320UL << 10)
#define SWAP_DEV	"/dev/ram0"
#define STORE_DEV	"/dev/ram1"
#define CGROOT		"/sys/fs/cgroup"
#define DAMON		"/sys/kernel/mm/damon/admin/kdamonds"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise	440
#endif

enum kind {
	VM_RESIDENT, ANON_RESIDENT, VM_SYNC, VM_PREDICT, MEMCG, AGENT, DAMON_WAY,
	NR_KINDS,
};

/* For VMPOOL_SWAP_BENCH_WAYS. */
static const char * const kind_short[NR_KINDS] = {
	[VM_RESIDENT]	= "resident",
	[ANON_RESIDENT]	= "anon",
	[VM_SYNC]	= "sync",
	[VM_PREDICT]	= "predict",
	[MEMCG]		= "memcg",
	[AGENT]		= "agent",
	[DAMON_WAY]	= "damon",
};

static const char * const kind_name[NR_KINDS] = {
	[VM_RESIDENT]	= "resident, vmpool",
	[ANON_RESIDENT]	= "resident, anonymous",
	[VM_SYNC]	= "synchronous swap-in, vmpool",
	[VM_PREDICT]	= "with prediction, vmpool",
	[MEMCG]		= "Linux swap, memcg",
	[AGENT]		= "process_madvise agent",
	[DAMON_WAY]	= "DAMON pageout",
};

/* Activations and warm-up of each way: long enough, and < 4 min in all. */
static const int kind_acts[NR_KINDS][2] = {
	[VM_RESIDENT]	= { 16, 4 },
	[ANON_RESIDENT]	= { 16, 4 },
	[VM_SYNC]	= { 16, 4 },
	[VM_PREDICT]	= { 36, 10 },
	[MEMCG]		= { 10, 2 },
	[AGENT]		= { 24, 4 },
	[DAMON_WAY]	= { 10, 2 },
};

/*
 * One VM process, in memory shared with the parent.  The worker snapshots
 * its counters right after the last activation of the warm-up (@a) and
 * after its last one (@b): the window holds the activations after the
 * warm-up, the prefetches and faults that read for them and as many
 * sleeps (those before them).
 */
struct rec {
	enum kind kind;
	int n, warm, vm;
	__u64 first_wake, turn_ns;	/* taking turns: slot @turn_ns long */
	__u64 slow_ns;			/* the first TURN_SLOW_CYCLES: this */
	int slot, slots;
	int idle;			/* the worker sleeps */
	int idx;			/* after activation @idx */
	int done;			/* waits for a byte on @go to exit */
	int go;				/* the parent's end */
	char *mem;			/* where the worker mapped W */
	__u64 ns[MAX_ACTS];
	long majflt[MAX_ACTS], minflt[MAX_ACTS];
	__u64 idle_min[MAX_ACTS];	/* fewest pages resident while asleep */
	__u64 idle_sum[MAX_ACTS];	/* samples while asleep: their sum */
	int idle_nr[MAX_ACTS];		/* and their number */
	__u64 wake_at[MAX_ACTS];	/* when the sleep should end */
	__u64 rise_at[MAX_ACTS];	/* when W started coming back */
	struct vmpool_vm_stats a, b;
	__u64 swpin[2], swpout[2];
	long agent_errors, agent_skipped;
	int agent_errno;
	char agent_did[MAX_ACTS];
	__u64 trace[MAX_ACTS][6];	/* verbose: counters after each */
	__u64 pageout_ns[MAX_ACTS], willneed_ns[MAX_ACTS];
	__s64 willneed_lead[MAX_ACTS];
	char err[128];
};

/* What a way came to, for the tables. */
struct result {
	int have;
	char why[256];
	double acts, major, minor, read, written, ios;
	double used, wasted, prefetched, predictions, hits;
	double idle_mb, idle_avg_mb;
	double lead_ms;			/* W came back this long before the wake */
	int lead_n;			/* in that many sleeps */
	double med, p90;
	int vmpool;
};

static struct result res[NR_KINDS];
static int dev = -1, store_fd = -1;
static int have_swap;
static char swap_why[128];
static int verbose, no_thp;
static char cg_why[128];

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static __u64 now(void)
{
	return vmpool_now_ns();
}

static void sleep_until(__u64 t)
{
	struct timespec ts = { .tv_sec = t / 1000000000ULL,
			       .tv_nsec = t % 1000000000ULL };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static void sleep_for(__u64 ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ULL,
			       .tv_nsec = ns % 1000000000ULL };

	clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* Write @val to @path; 0 or -errno. */
static int put(const char *path, const char *val)
{
	return vmpool_write_file(path, val);
}

static int putf(const char *val, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return put(path, val);
}

/* The value after "@key" in file @path (first match), or -1. */
static long long read_key(const char *path, const char *key)
{
	size_t klen = strlen(key);
	long long val = -1;
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) &&
		    (isspace((unsigned char)line[klen]) || line[klen] == ':')) {
			val = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* The number file @path holds, or -1. */
static long long read_num(const char *path)
{
	long long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &val) != 1)
		val = -1;
	fclose(f);
	return val;
}

static void vmstat_swap(__u64 *in, __u64 *out)
{
	*in = read_key("/proc/vmstat", "pswpin");
	*out = read_key("/proc/vmstat", "pswpout");
}

/* Anonymous pages resident in process @pid. */
static __u64 rss_anon_pages(pid_t pid)
{
	char path[64];
	long long kb;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	kb = read_key(path, "RssAnon");
	return kb < 0 ? ~0ULL : (__u64)kb / 4;
}

static __u64 min_u64(__u64 a, __u64 b)
{
	return a < b ? a : b;
}

static __u64 max_u64(__u64 a, __u64 b)
{
	return a > b ? a : b;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median and 90th percentile (nearest rank) of @v[0..n). */
static void percentiles(const __u64 *v, int n, double *med, double *p90)
{
	__u64 s[MAX_ACTS];

	if (n <= 0) {
		*med = *p90 = 0;
		return;
	}
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);
	*med = n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
	*p90 = s[(n * 9 + 9) / 10 - 1];
}

static void touch(char *mem, int i)
{
	size_t p;

	for (p = 0; p < WS_PAGES; p++)
		__atomic_store_n(&mem[p * PAGE], (char)(i + 1),
				 __ATOMIC_RELAXED);
}

static void snapshot(struct rec *r, int which)
{
	if (r->vm >= 0 && vmpool_vm_stats(r->vm, which ? &r->b : &r->a))
		snprintf(r->err, sizeof(r->err), "VMPOOL_VM_GET_STATS: %s",
			 strerror(errno));
	vmstat_swap(&r->swpin[which], &r->swpout[which]);
}

struct agent_msg {
	int idx;
	__u64 wake;
};

/* Start of @r's turn in cycle @i. */
static __u64 turn_start(const struct rec *r, int i)
{
	int slow = i < TURN_SLOW_CYCLES ? i : TURN_SLOW_CYCLES;

	return r->first_wake + (__u64)slow * r->slots * r->slow_ns +
	       (__u64)(i - slow) * r->slots * r->turn_ns +
	       r->slot * (i < TURN_SLOW_CYCLES ? r->slow_ns : r->turn_ns);
}

/*
 * The VM process: map W, attach itself to its VM (vmpool) or join
 * @cgroup, wait for @go, then activate and sleep @r->n times.
 */
static void worker(struct rec *r, const char *cgroup, int go, int agent)
{
	struct vmpool_vm_stats st;
	struct agent_msg msg;
	struct rusage ru0, ru1;
	pid_t tid = gettid();
	__u64 t0, wake = 0;
	char c, *mem;
	int i;

	if (cgroup && putf("0", "%s/cgroup.procs", cgroup))
		_exit(2);
	if (r->vm >= 0) {
		mem = mmap(NULL, WS_PAGES * PAGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, r->vm, 0);
		if (mem == MAP_FAILED ||
		    vmpool_attach(r->vm, VMPOOL_VM_ATTACH, 0, 0, &tid, 1))
			_exit(3);
	} else {
		mem = mmap(NULL, WS_PAGES * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED ||
		    (no_thp && madvise(mem, WS_PAGES * PAGE, MADV_NOHUGEPAGE)))
			_exit(3);
	}
	__atomic_store_n(&r->mem, mem, __ATOMIC_RELEASE);
	if (read(go, &c, 1) != 1)
		_exit(4);
	for (i = 0; ; i++) {
		if (r->slots) {
			wake = turn_start(r, i);
			if (i)
				__atomic_store_n(&r->idle, 1, __ATOMIC_RELEASE);
			sleep_until(wake);
			__atomic_store_n(&r->idle, 0, __ATOMIC_RELEASE);
		}
		getrusage(RUSAGE_SELF, &ru0);
		t0 = now();
		touch(mem, i);
		r->ns[i] = now() - t0;
		getrusage(RUSAGE_SELF, &ru1);
		r->majflt[i] = ru1.ru_majflt - ru0.ru_majflt;
		r->minflt[i] = ru1.ru_minflt - ru0.ru_minflt;
		if (verbose && r->vm >= 0 && !vmpool_vm_stats(r->vm, &st)) {
			r->trace[i][0] = st.major_faults;
			r->trace[i][1] = st.prefetched_pages;
			r->trace[i][2] = st.prefetch_wasted;
			r->trace[i][3] = st.idle_pages_out;
			r->trace[i][4] = st.shortages;
			r->trace[i][5] = st.pages_given;
		}
		if (i == r->warm - 1)
			snapshot(r, 0);
		if (i == r->n - 1) {
			snapshot(r, 1);
			break;
		}
		r->wake_at[i] = r->slots ? turn_start(r, i + 1) : 0;
		__atomic_store_n(&r->idx, i, __ATOMIC_RELEASE);
		if (r->kind == VM_SYNC &&
		    vmpool_page_out(r->vm, 0, WS_PAGES / 4 * PAGE,
				    WS_PAGES / 4 * 3 * PAGE, NULL, NULL))
			snprintf(r->err, sizeof(r->err),
				 "VMPOOL_VM_PAGE_OUT: %s", strerror(errno));
		if (r->slots)
			continue;
		if (agent >= 0) {
			msg.idx = i;
			msg.wake = now() + IDLE_NS;
			if (write(agent, &msg, sizeof(msg)) != sizeof(msg))
				_exit(5);
		}
		r->wake_at[i] = now() + IDLE_NS;
		__atomic_store_n(&r->idle, 1, __ATOMIC_RELEASE);
		sleep_for(IDLE_NS);
		__atomic_store_n(&r->idle, 0, __ATOMIC_RELEASE);
	}
	/* Alive until the parent has looked (DAMON's statistics). */
	if (agent >= 0)
		close(agent);
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	(void)!read(go, &c, 1);
	_exit(0);
}

/* Pages of @r's W resident now. */
static __u64 resident(struct rec *r, pid_t pid)
{
	struct vmpool_vm_stats st;

	if (r->vm >= 0)
		return vmpool_vm_stats(r->vm, &st) ? ~0ULL : st.mapped_pages;
	return rss_anon_pages(pid);
}

static void note_idle(struct rec *r, pid_t pid)
{
	int i = __atomic_load_n(&r->idx, __ATOMIC_ACQUIRE);
	__u64 v;

	if (!__atomic_load_n(&r->idle, __ATOMIC_ACQUIRE) || i >= MAX_ACTS)
		return;
	v = resident(r, pid);
	if (v == ~0ULL)
		return;
	if (v < r->idle_min[i])
		r->idle_min[i] = v;
	/* Read back ahead: 4 MiB more than the fewest. */
	else if (!r->rise_at[i] && v > r->idle_min[i] + RISE_PAGES)
		r->rise_at[i] = now();
	r->idle_sum[i] += v;
	r->idle_nr[i]++;
}

static struct rec *new_rec(enum kind kind, int n, int warm, int vm)
{
	struct rec *r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int i;

	if (r == MAP_FAILED)
		die("mmap");
	r->kind = kind;
	r->n = n;
	r->warm = warm;
	r->vm = vm;
	for (i = 0; i < MAX_ACTS; i++)
		r->idle_min[i] = ~0ULL;
	return r;
}

/*
 * Fork a worker for @r; it waits for a byte on @r->go to start, and for
 * another to exit.
 */
static pid_t spawn(struct rec *r, const char *cgroup, int agent)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(p[1]);
		worker(r, cgroup, p[0], agent);
	}
	close(p[0]);
	r->go = p[1];
	return pid;
}

static int reap(pid_t pid, struct rec *r)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (!r->err[0])
			snprintf(r->err, sizeof(r->err),
				 "worker failed (status %#x)", status);
		return -1;
	}
	return r->err[0] ? -1 : 0;
}

/*
 * Watch workers sleep until they have all exited; @at_done (if any) is
 * called for each when it has finished, before it may exit.
 */
static void monitor(struct rec **r, pid_t *pid, int nr,
		    void (*at_done)(struct rec *r))
{
	int i, left;
	siginfo_t si;

	do {
		left = 0;
		for (i = 0; i < nr; i++) {
			if (!pid[i])
				continue;
			if (r[i]->go >= 0 &&
			    __atomic_load_n(&r[i]->done, __ATOMIC_ACQUIRE)) {
				if (at_done)
					at_done(r[i]);
				(void)!write(r[i]->go, "x", 1);
				close(r[i]->go);
				r[i]->go = -1;
			}
			memset(&si, 0, sizeof(si));
			if (!waitid(P_PID, pid[i], &si,
				    WEXITED | WNOHANG | WNOWAIT) &&
			    si.si_pid == pid[i]) {
				reap(pid[i], r[i]);
				pid[i] = 0;
				continue;
			}
			note_idle(r[i], pid[i]);
			left++;
		}
		if (left)
			usleep(5000);
	} while (left);
}

/* Fill @out from @r's window. */
static void summarize(struct rec *r, struct result *out)
{
	const struct vmpool_vm_stats *a = &r->a, *b = &r->b;
	int n = r->n - r->warm, i;
	__u64 idle[MAX_ACTS];
	__u64 lead[MAX_ACTS], l;
	long maj = 0, min = 0;
	double dummy, avg = 0;
	int nr_idle = 0, nr_lead = 0;

	out->acts = n;
	for (i = r->warm; i < r->n; i++) {
		maj += r->majflt[i];
		min += r->minflt[i];
	}
	/* The sleeps before those activations. */
	for (i = r->warm - 1; i < r->n - 1; i++) {
		/* Offset, so that early (positive) and late sort. */
		l = r->wake_at[i] + (1ULL << 62) - r->rise_at[i];
		if (r->rise_at[i] && r->wake_at[i])
			lead[nr_lead++] = l;
		/* Sleeps not seen (over before a look) do not count. */
		if (r->idle_min[i] == ~0ULL)
			continue;
		idle[nr_idle++] = r->idle_min[i];
		avg += (double)r->idle_sum[i] / r->idle_nr[i];
	}
	out->minor = (double)min / n;
	out->vmpool = r->vm >= 0;
	if (out->vmpool) {
		/* vmpool's faults that read count as minor in getrusage(). */
		out->major = (double)(b->major_faults - a->major_faults) / n;
		out->minor -= out->major;
		out->read = (double)(b->pages_in - a->pages_in) / n;
		out->written = (double)(b->pages_out - a->pages_out) / n;
		out->ios = (double)(b->store_reads - a->store_reads +
				    b->store_writes - a->store_writes) / n;
		out->prefetched = (double)(b->prefetched_pages -
					   a->prefetched_pages) / n;
		out->used = (double)(b->prefetch_used - a->prefetch_used) / n;
		out->wasted = (double)(b->prefetch_wasted -
				       a->prefetch_wasted) / n;
		out->predictions = (double)(b->predictions - a->predictions) / n;
		out->hits = (double)(b->prediction_hits -
				     a->prediction_hits) / n;
	} else {
		out->major = (double)maj / n;
		out->read = (double)(r->swpin[1] - r->swpin[0]) / n;
		out->written = (double)(r->swpout[1] - r->swpout[0]) / n;
	}
	for (i = 0; verbose && i < r->n; i++) {
		const __u64 *t = r->trace[i], *u = i ? r->trace[i - 1] : t;

		fprintf(stderr, "# %s %d: %.1f ms, faults %ld/%ld, idle %lld",
			kind_short[r->kind], i, r->ns[i] / 1e6, r->majflt[i],
			r->minflt[i], (long long)r->idle_min[i]);
		if (r->rise_at[i])
			fprintf(stderr, ", back %.0f ms early",
				((__s64)(r->wake_at[i] - r->rise_at[i])) / 1e6);
		if (r->kind == AGENT)
			fprintf(stderr, "; agent %.1f %.1f %.1f",
				r->pageout_ns[i] / 1e6,
				r->willneed_lead[i] / 1e6,
				r->willneed_ns[i] / 1e6);
		if (r->vm >= 0)
			fprintf(stderr, "; major %llu prefetched %llu wasted %llu",
				t[0] - u[0], t[1] - u[1], t[2] - u[2]);
		if (r->vm >= 0)
			fprintf(stderr, " out %llu short %llu given %llu",
				t[3] - u[3], t[4] - u[4], t[5] - u[5]);
		fprintf(stderr, "\n");
	}
	percentiles(idle, nr_idle, &out->idle_mb, &dummy);
	out->idle_mb *= (double)PAGE / (1 << 20);
	out->idle_avg_mb = nr_idle ? avg / nr_idle * PAGE / (1 << 20) : 0;
	percentiles(lead, nr_lead, &out->lead_ms, &dummy);
	out->lead_ms = (out->lead_ms - (double)(1ULL << 62)) / MS;
	out->lead_n = nr_lead;
	percentiles(r->ns + r->warm, n, &out->med, &out->p90);
	out->med /= MS;
	out->p90 /= MS;
	out->have = 1;
}

static void unavailable(enum kind k, const char *why)
{
	res[k].have = 0;
	snprintf(res[k].why, sizeof(res[k].why), "%s", why);
}

/* A VM of W for way @k, its idle limit set; its fd or -1. */
static int way_vm(enum kind k)
{
	struct vmpool_idle_limit lim = {
		.size = sizeof(lim), .pages = WS_PAGES / 4,
	};
	int vm = vmpool_vm_create(dev, vmpool_new_tenant(), WS_PAGES * PAGE, 0,
				  0, kind_name[k]);

	if (vm < 0)
		return vm;
	if (k == VM_PREDICT &&
	    vmpool_ioctl(vm, VMPOOL_VM_SET_IDLE_LIMIT, (unsigned long)&lim)) {
		close(vm);
		return -1;
	}
	return vm;
}

static int pidfd_of(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static long pmadvise(int pidfd, void *addr, size_t len, int advice)
{
	struct iovec iov = { .iov_base = addr, .iov_len = len };

	return syscall(SYS_process_madvise, pidfd, &iov, 1, advice, 0);
}

/*
 * The agent: for each sleep the worker announces, page W out, then read
 * it back WILLNEED_LEAD before the wake it announced.  Behind, it acts on
 * the latest sleep only, and not at all on one that has ended.  How long
 * each call took, and how early the read-back started, go in @r.
 */
static void agent(struct rec *r, pid_t pid, int msgs)
{
	struct pollfd pfd = { .fd = msgs, .events = POLLIN };
	int pidfd = pidfd_of(pid);
	struct agent_msg msg, next;
	__u64 t;

	if (pidfd < 0 || fcntl(msgs, F_SETFL, O_NONBLOCK)) {
		snprintf(r->err, sizeof(r->err), "pidfd_open: %s",
			 strerror(errno));
		kill(pid, SIGKILL);
		return;
	}
	for (;;) {
		if (poll(&pfd, 1, -1) < 0 ||
		    read(msgs, &msg, sizeof(msg)) != sizeof(msg))
			break;
		while (read(msgs, &next, sizeof(next)) == sizeof(next)) {
			r->agent_skipped++;
			msg = next;
		}
		if (msg.idx >= MAX_ACTS)
			continue;
		if (now() >= msg.wake) {
			r->agent_skipped++;
			continue;
		}
		r->agent_did[msg.idx] = 1;
		t = now();
		if (pmadvise(pidfd, r->mem, WS_PAGES * PAGE, MADV_PAGEOUT) < 0) {
			r->agent_errors++;
			r->agent_errno = errno;
		}
		r->pageout_ns[msg.idx] = now() - t;
		if (msg.wake > now() + WILLNEED_LEAD)
			sleep_until(msg.wake - WILLNEED_LEAD);
		t = now();
		r->willneed_lead[msg.idx] = (__s64)(msg.wake - t);
		if (pmadvise(pidfd, r->mem, WS_PAGES * PAGE, MADV_WILLNEED) < 0) {
			r->agent_errors++;
			r->agent_errno = errno;
		}
		r->willneed_ns[msg.idx] = now() - t;
	}
	close(pidfd);
}

struct sampler {
	struct rec *r;
	pid_t pid;
	pthread_t th;
};

/* While the agent works: the monitor's look at the worker's sleeps. */
static void *sampler(void *arg)
{
	struct sampler *s = arg;

	while (!__atomic_load_n(&s->r->done, __ATOMIC_ACQUIRE)) {
		note_idle(s->r, s->pid);
		usleep(5000);
	}
	return NULL;
}

/* DAMON's sysfs, relative to DAMON, ".../0/contexts/0" as "C/". */
static int damon_put(const char *file, const char *val)
{
	if (!strncmp(file, "C/", 2))
		return putf(val, DAMON "/0/contexts/0/%s", file + 2);
	return putf(val, DAMON "/%s", file);
}

/*
 * A kdamond watching @pid that pages out the regions it has not accessed
 * for 40 ms: sampled every 2 ms, aggregated every 10 ms, at least three
 * aggregations old with no access (the age starts at the first one with
 * none); NULL, or why not.
 */
static const char *damon_start(pid_t pid)
{
	static char why[160];
	char val[32];
	const struct { const char *file, *val; } set[] = {
		{ "nr_kdamonds", "1" },
		{ "0/contexts/nr_contexts", "1" },
		{ "C/operations", "vaddr" },
		{ "C/monitoring_attrs/intervals/sample_us", "2000" },
		{ "C/monitoring_attrs/intervals/aggr_us", "10000" },
		{ "C/monitoring_attrs/intervals/update_us", "1000000" },
		{ "C/monitoring_attrs/nr_regions/min", "10" },
		{ "C/monitoring_attrs/nr_regions/max", "1000" },
		{ "C/targets/nr_targets", "1" },
		{ "C/targets/0/pid_target", val },
		{ "C/schemes/nr_schemes", "1" },
		{ "C/schemes/0/action", "pageout" },
		{ "C/schemes/0/access_pattern/nr_accesses/min", "0" },
		{ "C/schemes/0/access_pattern/nr_accesses/max", "0" },
		{ "C/schemes/0/access_pattern/sz/max", "18446744073709551615" },
		{ "C/schemes/0/access_pattern/age/min", "3" },
		{ "C/schemes/0/access_pattern/age/max", "4294967295" },
		{ "0/state", "on" },
	};
	unsigned int i;
	int ret;

	if (access(DAMON, F_OK))
		return "no " DAMON;
	snprintf(val, sizeof(val), "%d", pid);
	for (i = 0; i < ARRAY_SIZE(set); i++) {
		ret = damon_put(set[i].file, set[i].val);
		if (ret) {
			snprintf(why, sizeof(why), "writing %s to %s: %s",
				 set[i].val, set[i].file, strerror(-ret));
			return why;
		}
	}
	return NULL;
}

static char damon_stats[160];

/* The scheme's statistics, while the kdamond still runs. */
static void damon_at_done(struct rec *r)
{
	static const char * const name[] = {
		"nr_tried", "sz_tried", "nr_applied",
	};
	const char *st = DAMON "/0/contexts/0/schemes/0/stats/";
	long long v[ARRAY_SIZE(name)];
	char path[160];
	unsigned int i;

	(void)r;
	if (damon_put("0/state", "update_schemes_stats"))
		return;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		snprintf(path, sizeof(path), "%s%s", st, name[i]);
		v[i] = read_num(path);
	}
	snprintf(damon_stats, sizeof(damon_stats),
		 "the scheme tried %lld regions (%lld MiB in all) and paged out %lld",
		 v[0], v[1] >> 20, v[2]);
}

static void damon_stop(void)
{
	damon_put("0/state", "off");
	damon_put("nr_kdamonds", "0");
}

/* Median of the agent's @v (in ms) over the sleeps it acted on. */
static double agent_median(const struct rec *r, const __s64 *v)
{
	__u64 s[MAX_ACTS];
	double med, p90;
	int i, n = 0;

	/* Offset, so that early (positive) and late (negative) sort. */
	for (i = r->warm - 1; i < r->n - 1; i++)
		if (r->agent_did[i])
			s[n++] = (__u64)(v[i] + (1LL << 62));
	percentiles(s, n, &med, &p90);
	return n ? (med - (double)(1LL << 62)) / MS : 0;
}

/* Run way @k: one worker, watched (or served, by the agent) till done. */
static void run_way(enum kind k, const char *cgroup)
{
	int vm = -1, msgs[2] = { -1, -1 };
	const char *why;
	struct rec *r;
	double lead;
	pid_t pid;

	if (k == VM_RESIDENT || k == VM_SYNC || k == VM_PREDICT) {
		vm = way_vm(k);
		if (vm < 0) {
			unavailable(k, "VMPOOL_VM_CREATE failed");
			return;
		}
	}
	r = new_rec(k, kind_acts[k][0], kind_acts[k][1], vm);
	if (k == AGENT && pipe(msgs))
		die("pipe");
	pid = spawn(r, cgroup, msgs[1]);
	/* Once it has mapped W: DAMON looks for regions when it starts. */
	while (!__atomic_load_n(&r->mem, __ATOMIC_ACQUIRE))
		usleep(1000);
	if (k == DAMON_WAY) {
		why = damon_start(pid);
		if (why) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			damon_stop();
			unavailable(k, why);
			goto out;
		}
	}
	if (k == AGENT)
		close(msgs[1]);
	(void)!write(r->go, "x", 1);
	if (k == AGENT) {
		struct sampler smp = { .r = r, .pid = pid };

		if (pthread_create(&smp.th, NULL, sampler, &smp))
			die("pthread_create");
		agent(r, pid, msgs[0]);
		close(msgs[0]);
		pthread_join(smp.th, NULL);
	}
	monitor(&r, &pid, 1, k == DAMON_WAY ? damon_at_done : NULL);
	if (k == DAMON_WAY)
		damon_stop();
	if (r->err[0]) {
		unavailable(k, r->err);
		goto out;
	}
	summarize(r, &res[k]);
	lead = agent_median(r, r->willneed_lead);
	if (k == AGENT)
		snprintf(res[k].why, sizeof(res[k].why),
			 "%ld of %d sleeps over when it got to them; PAGEOUT took %.1f ms, WILLNEED began %.1f ms %s the wake, took %.1f ms (medians)%s%s",
			 r->agent_skipped, r->n - 1,
			 agent_median(r, (__s64 *)r->pageout_ns),
			 lead < 0 ? -lead : lead, lead < 0 ? "after" : "before",
			 agent_median(r, (__s64 *)r->willneed_ns),
			 r->agent_errors ? "; failed calls: " : "",
			 r->agent_errors ? strerror(r->agent_errno) : "");
	else if (k == DAMON_WAY)
		snprintf(res[k].why, sizeof(res[k].why), "%s", damon_stats);
out:
	if (r->go >= 0)
		close(r->go);
	if (vm >= 0)
		close(vm);
	munmap(r, sizeof(*r));
}

/*
 * Write RAM disk @path whole, so that brd has allocated every page of it
 * before the runs: the first write of a sector costs brd an allocation,
 * and the store and swap both go round their slots.  0 or -1.
 */
static int ram_disk_fill(const char *path)
{
	const size_t chunk = 1 << 20;
	__u64 size, off;
	void *buf;
	int fd, ret = -1;

	fd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, BLKGETSIZE64, &size) || posix_memalign(&buf, PAGE, chunk))
		goto out;
	memset(buf, 0, chunk);
	for (off = 0; off + chunk <= size; off += chunk)
		if (pwrite(fd, buf, chunk, off) != (ssize_t)chunk)
			break;
	ret = off + chunk > size ? 0 : -1;
	free(buf);
out:
	close(fd);
	return ret;
}

/*
 * SWAP_DEV and STORE_DEV, brd RAM disks of RD_KB, written whole; brd is
 * loaded (again) for them if need be.  0 or -1.
 */
static int ram_disks(void)
{
	char cmd[128];
	__u64 size = 0;
	int fd, i;

	for (i = 0; i < 2; i++) {
		fd = open(i ? STORE_DEV : SWAP_DEV, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, BLKGETSIZE64, &size) ||
		    size != RD_KB << 10)
			size = 0;
		if (fd >= 0)
			close(fd);
		if (!size)
			break;
	}
	if (!size) {
		(void)!system("rmmod brd >/dev/null 2>&1");
		snprintf(cmd, sizeof(cmd),
			 "modprobe brd rd_nr=2 rd_size=%lu >/dev/null 2>&1",
			 RD_KB);
		if (system(cmd))
			return -1;
	}
	return ram_disk_fill(SWAP_DEV) || ram_disk_fill(STORE_DEV) ? -1 : 0;
}

static void swap_on(void)
{
	if (system("mkswap " SWAP_DEV " >/dev/null 2>&1")) {
		snprintf(swap_why, sizeof(swap_why), "mkswap " SWAP_DEV " failed");
		return;
	}
	if (swapon(SWAP_DEV, 0) && errno != EBUSY) {
		snprintf(swap_why, sizeof(swap_why), "swapon: %s",
			 strerror(errno));
		return;
	}
	have_swap = 1;
}

/* cgroup v2 with the memory controller, mounted if need be; 0 or -1. */
static int cgroup_setup(void)
{
	struct statfs sfs;

	if (statfs(CGROOT, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		if (mount("cgroup2", CGROOT, "cgroup2", 0, NULL)) {
			snprintf(cg_why, sizeof(cg_why),
				 "mounting cgroup2: %s", strerror(errno));
			return -1;
		}
	}
	if (put(CGROOT "/cgroup.subtree_control", "+memory")) {
		snprintf(cg_why, sizeof(cg_why), "no memory controller");
		return -1;
	}
	return 0;
}

/* A fresh memory cgroup @name of @max bytes, no swap limit; 0 or -1. */
static int cgroup_make(const char *name, __u64 max)
{
	char path[128], val[32];

	snprintf(path, sizeof(path), CGROOT "/%s", name);
	rmdir(path);
	if (mkdir(path, 0755))
		return -1;
	snprintf(val, sizeof(val), "%llu", (unsigned long long)max);
	if (putf(val, "%s/memory.max", path))
		return -1;
	putf("max", "%s/memory.swap.max", path);
	return 0;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : 0;
}

/* The counts of @x, after its name, on a line left open. */
static void count_row(const char *name, const struct result *x)
{
	printf("%-28s %4.0f %6.0f %6.0f", name, x->acts, x->major, x->minor);
	/* Negative: not known for this one. */
	if (x->read >= 0)
		printf(" %6.0f %6.0f", x->read, x->written);
	else
		printf(" %6s %6s", "-", "-");
	if (x->vmpool)
		printf(" %5.0f %6.0f %6.0f %6.0f %5.2f", x->ios, x->prefetched,
		       x->used, x->wasted, ratio(x->hits, x->predictions));
	else
		printf(" %5s %6s %6s %6s %5s", "-", "-", "-", "-", "-");
	printf(" %5.1f %5.1f", x->idle_mb, x->idle_avg_mb);
}

static void count_head(const char *what)
{
	printf("%-28s %4s %6s %6s %6s %6s", what, "acts", "major", "minor",
	       "read", "writ.");
	printf(" %5s %6s %6s %6s %5s %5s %5s", "I/Os", "prefe.", "used",
	       "wasted", "hits", "idle", "mean");
}

static void print_counts(void)
{
	int k;

	printf("\n# counts per activation after warm-up (platform independent):\n");
	printf("#  major  faults that waited for a read (vmpool: its counter;\n");
	printf("#         anonymous memory: getrusage()), minor: the others\n");
	printf("#  read, writ.  pages (vmpool: its store; Linux: pswpin, pswpout)\n");
	printf("#  I/Os   vmpool's reads and writes of its store\n");
	printf("#  prefe., used, wasted  pages vmpool read back ahead, of them\n");
	printf("#         touched and not touched before the next sleep\n");
	printf("#  hits   share of activations predicted within the tolerance\n");
	printf("#  idle, mean  MiB of W resident while asleep: the fewest (median\n");
	printf("#         over the sleeps), the mean (sampled every 5 ms)\n");
	count_head("way");
	printf("\n");
	for (k = 0; k < NR_KINDS; k++) {
		struct result *x = &res[k];

		if (!x->have) {
			printf("%-28s not available (%s)\n", kind_name[k],
			       x->why);
			continue;
		}
		count_row(kind_name[k], x);
		printf("\n");
	}
	for (k = 0; k < NR_KINDS; k++)
		if (res[k].have && res[k].why[0])
			printf("# %s: %s\n", kind_name[k], res[k].why);
	for (k = 0; k < NR_KINDS; k++)
		if (res[k].have && res[k].lead_n)
			printf("# %s: W began to come back %.0f ms %s\n",
			       kind_name[k], res[k].lead_ms,
			       "before the wake (median of the sleeps)");
}

static void print_times(void)
{
	double base = res[VM_RESIDENT].med;
	int k;

	printf("\n# stall per activation (time to touch W) in ms, measured under TCG;\n");
	printf("# ratio: median / median of \"%s\"\n", kind_name[VM_RESIDENT]);
	printf("%-28s %8s %8s %8s\n", "way", "median", "p90", "ratio");
	for (k = 0; k < NR_KINDS; k++) {
		if (!res[k].have)
			continue;
		printf("%-28s %8.1f %8.1f %8.2f\n", kind_name[k], res[k].med,
		       res[k].p90, ratio(res[k].med, base));
	}
}

static void print_targets(void)
{
	struct result *r = &res[VM_RESIDENT], *s = &res[VM_SYNC],
		      *p = &res[VM_PREDICT], *g = &res[AGENT];
	double needed;

	if (!r->have || !s->have || !p->have)
		return;
	needed = p->used + p->major;
	printf("\n# the targets, for \"%s\"\n", kind_name[VM_PREDICT]);
	printf("%-26s %7.2f  target <= 1.5, W given up while asleep\n",
	       "activation / resident", ratio(p->med, r->med));
	printf("%-26s %6.1f%%  target >= 90%%: 1 - (prediction - resident)\n",
	       "hidden stall", s->med > r->med ?
	       100 * (1 - (p->med - r->med) / (s->med - r->med)) : 0);
	printf("%-26s %7s  / (synchronous - resident), medians\n", "", "");
	printf("%-26s %6.1f%%  target >= 90%%: used / (used + wasted)\n",
	       "prefetch accuracy", 100 * ratio(p->used, p->used + p->wasted));
	printf("%-26s %6.1f%%  target <= 10%%: (read - needed) / needed, needed:\n",
	       "extra I/O", needed > 0 ? 100 * (p->read - needed) / needed : 0);
	printf("%-26s %7s  prefetched pages used + pages read by faults\n",
	       "", "");
	printf("%-26s %6.1f%%  of W, the fewest (median over sleeps)\n",
	       "given up while asleep", 100 - 100 * p->idle_mb / WS_MB);
	printf("%-26s %6.1f%%  of W, on average over the sleeps\n", "",
	       100 - 100 * p->idle_avg_mb / WS_MB);
	if (g->have)
		printf("%-26s %7.2f  below 1: the module beats the agent\n",
		       "prediction / agent", ratio(p->med, g->med));
}

/* Add a quarter of @x's counts to @sum. */
static void add_result(struct result *sum, const struct result *x)
{
	const double q = 1.0 / TURN_VMS;

	sum->acts += x->acts * q;
	sum->major += x->major * q;
	sum->minor += x->minor * q;
	sum->read += x->read * q;
	sum->written += x->written * q;
	sum->ios += x->ios * q;
	sum->prefetched += x->prefetched * q;
	sum->used += x->used * q;
	sum->wasted += x->wasted * q;
	sum->predictions += x->predictions * q;
	sum->hits += x->hits * q;
	sum->idle_mb += x->idle_mb * q;
	sum->idle_avg_mb += x->idle_avg_mb * q;
	sum->vmpool = x->vmpool;
}

/*
 * TURN_VMS VM processes of W taking turns of @turn_ns: vmpool VMs @vms,
 * or anonymous in @cgroup.  A row per VM, and one for all of them.
 */
static void run_turns(int *vms, const char *cgroup, int n, int warm,
		      __u64 turn_ns, double base)
{
	struct rec *r[TURN_VMS];
	__u64 all[MAX_ACTS], start;
	struct result x, sum;
	__u64 swp[4] = { ~0ULL, 0, ~0ULL, 0 };
	pid_t pid[TURN_VMS];
	int i, nr_all = 0;
	char name[16];

	for (i = 0; i < TURN_VMS; i++) {
		r[i] = new_rec(vms ? VM_PREDICT : MEMCG, n, warm,
			       vms ? vms[i] : -1);
		r[i]->slot = i;
		r[i]->slots = TURN_VMS;
		r[i]->turn_ns = turn_ns;
		r[i]->slow_ns = vms ? TURN_SLOW_NS : turn_ns;
		pid[i] = spawn(r[i], cgroup, -1);
	}
	for (i = 0; i < TURN_VMS; i++)
		while (!__atomic_load_n(&r[i]->mem, __ATOMIC_ACQUIRE))
			usleep(1000);
	start = now() + 100 * MS;
	for (i = 0; i < TURN_VMS; i++) {
		r[i]->first_wake = start;
		(void)!write(r[i]->go, "x", 1);
	}
	monitor(r, pid, TURN_VMS, NULL);
	count_head("VM");
	printf(" %8s %8s %8s\n", "median", "p90", "ratio");
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < TURN_VMS; i++) {
		memset(&x, 0, sizeof(x));
		if (r[i]->err[0]) {
			printf("%-28d failed (%s)\n", i, r[i]->err);
			goto next;
		}
		summarize(r[i], &x);
		/* The swap counters are global: see below. */
		if (!vms) {
			x.read = -1;
			x.written = -1;
			swp[0] = min_u64(swp[0], r[i]->swpin[0]);
			swp[1] = max_u64(swp[1], r[i]->swpin[1]);
			swp[2] = min_u64(swp[2], r[i]->swpout[0]);
			swp[3] = max_u64(swp[3], r[i]->swpout[1]);
		}
		snprintf(name, sizeof(name), "%d", i);
		count_row(name, &x);
		printf(" %8.1f %8.1f %8.2f\n", x.med, x.p90, ratio(x.med, base));
		memcpy(all + nr_all, r[i]->ns + warm,
		       (n - warm) * sizeof(*all));
		nr_all += n - warm;
		add_result(&sum, &x);
		if (!vms)
			goto next;
		printf("#   shortages %llu (%llu failed), pages given %llu",
		       r[i]->b.shortages - r[i]->a.shortages,
		       r[i]->b.shortage_failures - r[i]->a.shortage_failures,
		       r[i]->b.pages_given - r[i]->a.pages_given);
		printf(" (%llu while running)",
		       r[i]->b.pages_given_running -
		       r[i]->a.pages_given_running);
		if (x.lead_n)
			printf("; W back %.0f ms before the wake", x.lead_ms);
		printf("\n");
next:
		munmap(r[i], sizeof(*r[i]));
	}
	percentiles(all, nr_all, &sum.med, &sum.p90);
	sum.med /= MS;
	sum.p90 /= MS;
	if (!vms && nr_all) {
		sum.read = (double)(swp[1] - swp[0]) / nr_all;
		sum.written = (double)(swp[3] - swp[2]) / nr_all;
	}
	count_row("all (mean of the VMs)", &sum);
	printf(" %8.1f %8.1f %8.2f\n", sum.med, sum.p90,
	       ratio(sum.med, base));
	printf("# all: times over the %d activations of the VMs together\n",
	       nr_all);
	if (!vms)
		printf("# read, writ.: the swap counters are global: all the windows\n"
		       "# together, per activation\n");
}

/*
 * TURN_VMS vmpool VMs of W, idle limit W/4, in TURN_POOL_PAGES free
 * pages, taking turns of @turn_ns.
 */
static void turns_vmpool(__u64 turn_ns, const char *why, double base)
{
	struct vmpool_idle_limit lim = {
		.size = sizeof(lim), .pages = WS_PAGES / 4,
	};
	struct vmpool_info info, a;
	int vms[TURN_VMS], filler, i;

	printf("\n# %d vmpool VMs of %lu MiB, idle limit %lu MiB, in a pool of %lu MiB, taking\n",
	       TURN_VMS, WS_MB, WS_MB / 4, TURN_POOL_PAGES * PAGE >> 20);
	printf("# turns of %llu ms (%s): each wakes at the start of its turn\n",
	       turn_ns / MS, why);
	printf("# (TIMER_ABSTIME), touches W, sleeps till its next; %d activations\n",
	       TURN_ACTS);
	printf("# each, %d of warm-up, the first %d of them in turns of %llu ms\n",
	       TURN_WARM, TURN_SLOW_CYCLES, TURN_SLOW_NS / MS);
	/* The VMs of the ways before are all gone. */
	for (i = 0; i < 500; i++) {
		if (vmpool_info(dev, &info) ||
		    info.free_pages == info.total_pages)
			break;
		usleep(10000);
	}
	if (vmpool_info(dev, &info) || info.free_pages <= TURN_POOL_PAGES) {
		printf("not available (the pool has no %lu free pages)\n",
		       TURN_POOL_PAGES);
		return;
	}
	/* A VM that may not be paged holds all but 128 MiB. */
	filler = vmpool_vm_create(dev, vmpool_new_tenant(),
				  (info.free_pages - TURN_POOL_PAGES) * PAGE,
				  info.free_pages - TURN_POOL_PAGES, 0,
				  "filler");
	if (filler < 0)
		die("VMPOOL_VM_CREATE");
	for (i = 0; i < TURN_VMS; i++) {
		vms[i] = vmpool_vm_create(dev, vmpool_new_tenant(),
					  WS_PAGES * PAGE, 0, 0, "turn");
		if (vms[i] < 0 || vmpool_ioctl(vms[i], VMPOOL_VM_SET_IDLE_LIMIT,
					       (unsigned long)&lim))
			die("VMPOOL_VM_CREATE");
	}
	vmpool_info(dev, &a);
	run_turns(vms, NULL, TURN_ACTS, TURN_WARM, turn_ns, base);
	vmpool_info(dev, &info);
	printf("pool, whole run: %llu shortages (%llu failed), %llu pages reclaimed",
	       info.shortages - a.shortages,
	       info.shortage_failures - a.shortage_failures,
	       info.pages_reclaimed - a.pages_reclaimed);
	printf(" (%llu from running VMs)\n",
	       info.pages_reclaimed_running - a.pages_reclaimed_running);
	for (i = 0; i < TURN_VMS; i++)
		close(vms[i]);
	close(filler);
}

static void turns_linux(__u64 turn_ns, double base)
{
	const int n = 3, warm = 1;
	__u64 took = turn_ns * TURN_VMS * (n + 1);

	printf("\n# Linux: %d anonymous processes of %lu MiB in one memory cgroup of %lu MiB,\n",
	       TURN_VMS, WS_MB, TURN_POOL_PAGES * PAGE >> 20);
	printf("# taking turns of %llu ms (1.5 x the memcg way's median), %d activations\n",
	       turn_ns / MS, n);
	printf("# each, %d of warm-up\n", warm);
	if (!have_swap || cg_why[0]) {
		printf("not available (%s)\n", have_swap ? cg_why : swap_why);
		return;
	}
	if (took > 45000 * MS) {
		printf("skipped: would take %llu s\n", took / 1000 / MS);
		return;
	}
	if (cgroup_make("vmpool-bench-turns", TURN_POOL_PAGES * PAGE)) {
		printf("not available (cannot make a memory cgroup)\n");
		return;
	}
	run_turns(NULL, CGROOT "/vmpool-bench-turns", n, warm, turn_ns, base);
	rmdir(CGROOT "/vmpool-bench-turns");
}

/* @mult times @ms, rounded up to @unit ms, at least the idle time. */
static __u64 turn_of(double ms, int mult, int unit)
{
	__u64 t = ms * mult * MS, u = unit * MS;

	t = (t + u - 1) / u * u;
	return t < IDLE_NS ? IDLE_NS : t;
}

/* The kernel's transparent huge page mode for anonymous memory. */
static const char *thp_mode(void)
{
	static char buf[128];
	char *a, *b;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return "unknown";
	}
	fclose(f);
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b)
		return "unknown";
	*b = 0;
	return a + 1;
}

/* Whether @name is in VMPOOL_SWAP_BENCH_WAYS (unset: every way). */
static int wanted(const char *name)
{
	const char *ways = getenv("VMPOOL_SWAP_BENCH_WAYS");
	size_t len = strlen(name);
	const char *p;

	if (!ways)
		return 1;
	for (p = strstr(ways, name); p; p = strstr(p + 1, name))
		if ((p == ways || p[-1] == ',') &&
		    (p[len] == ',' || !p[len]))
			return 1;
	return 0;
}

int main(void)
{
	__u64 start = now();
	int k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	verbose = !!getenv("VMPOOL_SWAP_BENCH_VERBOSE");
	no_thp = !!getenv("VMPOOL_SWAP_BENCH_NOTHP");
	if (vmpool_load(POOL_PARAMS)) {
		fprintf(stderr, "loading vmpool with " POOL_PARAMS
			" (VMPOOL_KO set?)\n");
		return 1;
	}
	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		die(VMPOOL_DEV);
	if (ram_disks()) {
		fprintf(stderr, "no brd RAM disks (modprobe brd)\n");
		return 1;
	}
	store_fd = open(STORE_DEV, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (store_fd < 0 || vmpool_set_store(dev, store_fd, NULL))
		die("VMPOOL_SET_STORE " STORE_DEV);
	swap_on();
	cgroup_setup();

	printf("# vmpool swap benchmark: W = %lu MiB (%lu pages), one write per\n",
	       WS_MB, WS_PAGES);
	printf("# 4 KiB page an activation, then asleep %llu ms; idle limit W/4;\n",
	       IDLE_NS / MS);
	printf("# stores on brd RAM disks: vmpool " STORE_DEV " (O_DIRECT), Linux\n");
	printf("# swap " SWAP_DEV "; memcg memory.max W/4 + 4 MiB; anonymous memory\n");
	printf("# with transparent huge pages \"%s\"\n",
	       no_thp ? "off (MADV_NOHUGEPAGE)" : thp_mode());

	for (k = 0; k < NR_KINDS; k++) {
		if (!wanted(kind_short[k])) {
			unavailable(k, "not asked for");
			continue;
		}
		if (k >= MEMCG && !have_swap) {
			unavailable(k, swap_why);
			continue;
		}
		if (k == MEMCG) {
			if (cg_why[0] || cgroup_make("vmpool-bench",
						     (WS_PAGES / 4 * PAGE) +
						     (4 << 20))) {
				unavailable(k, cg_why[0] ? cg_why :
					    "cannot make a memory cgroup");
				continue;
			}
			run_way(k, CGROOT "/vmpool-bench");
			rmdir(CGROOT "/vmpool-bench");
			continue;
		}
		run_way(k, NULL);
	}
	print_counts();
	print_times();
	print_targets();

	/*
	 * A turn must leave time to read back what a VM gave up: turns of
	 * two and five times the single VM's synchronous swap-in median, a
	 * tight and a loose one.
	 */
	if (wanted("turns") && res[VM_SYNC].have) {
		turns_vmpool(turn_of(res[VM_SYNC].med, 2, 10),
			     "2 x the synchronous swap-in", res[VM_RESIDENT].med);
		turns_vmpool(turn_of(res[VM_SYNC].med, 5, 10),
			     "5 x the synchronous swap-in", res[VM_RESIDENT].med);
	}
	if (wanted("turns") && res[MEMCG].have)
		turns_linux(turn_of(res[MEMCG].med * 1.5, 1, 100),
			    res[VM_RESIDENT].med);

	if (have_swap)
		swapoff(SWAP_DEV);
	if (vmpool_set_store(dev, -1, NULL))
		perror("removing the store");
	close(store_fd);
	close(dev);
	printf("\n# %.0f s in all\n", (now() - start) / 1e9);
	return 0;
}
