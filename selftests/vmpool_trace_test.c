// SPDX-License-Identifier: GPL-2.0
/*
 * The module's trace events, read back through tracefs: enabled in a trace
 * instance of the test's own, the pool operations driven through the uapi
 * must show up as events whose fields agree with the VMs' statistics:
 * allocations from the global and the dedicated pool, a release, the
 * scrub of another tenant's pages, grow, shrink, split, merge, page-out
 * and page-in; the predictions of a periodic VM thread, and its pages read
 * back ahead of them.  And trace-cmd record -e vmpool sees them too.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <time.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define TRACEFS		"/sys/kernel/tracing"
#define STORE		"/tmp/vmpool-trace-store"
#define CTL		"scripts/vmpoolctl"

static const char *const events[] = {
	"vmpool_alloc", "vmpool_release", "vmpool_scrub", "vmpool_grow",
	"vmpool_shrink", "vmpool_move", "vmpool_page_out", "vmpool_page_in",
	"vmpool_predict", "vmpool_close", "vmpool_closed",
};

FIXTURE(trace) {
	int dev;
	char inst[128];
	char *text;
};

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -EIO;
}

static int inst_write(const char *inst, const char *file, const char *s)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", inst, file);
	return write_file(path, s);
}

/* The instance's whole trace buffer, NUL-terminated (malloc'd). */
static char *read_trace(const char *inst)
{
	size_t len = 0, cap = 1 << 20;
	char path[256], *buf = malloc(cap);
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/trace", inst);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf)
		return NULL;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			if (!buf)
				break;
		}
	}
	close(fd);
	if (buf)
		buf[len] = 0;
	return buf;
}

FIXTURE_SETUP(trace)
{
	char path[256];
	struct stat sb;
	unsigned int i;

	self->dev = -1;
	self->inst[0] = 0;
	self->text = NULL;
	if (stat(TRACEFS "/events", &sb))
		mount("nodev", TRACEFS, "tracefs", 0, NULL);
	if (stat(TRACEFS "/events", &sb))
		SKIP(return, "no tracefs");
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, self->dev);
	if (stat(TRACEFS "/events/vmpool", &sb))
		SKIP(return, "the kernel has no trace events (CONFIG_EVENT_TRACING)");
	for (i = 0; i < ARRAY_SIZE(events); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/vmpool/%s/format",
			 events[i]);
		EXPECT_EQ(0, stat(path, &sb)) TH_LOG("no event %s", events[i]);
	}
	snprintf(self->inst, sizeof(self->inst),
		 TRACEFS "/instances/vmpool-test-%d", getpid());
	ASSERT_EQ(0, mkdir(self->inst, 0700));
	ASSERT_EQ(0, inst_write(self->inst, "buffer_size_kb", "8192"));
	ASSERT_EQ(0, inst_write(self->inst, "events/vmpool/enable", "1"));
}

FIXTURE_TEARDOWN(trace)
{
	struct vmpool_audit audit;

	free(self->text);
	if (self->inst[0]) {
		inst_write(self->inst, "events/vmpool/enable", "0");
		rmdir(self->inst);
	}
	if (self->dev < 0)
		return;
	EXPECT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	close(self->dev);
}

/*
 * Over the lines of events @event (of VM @vm, unless 0; with @with in the
 * line, unless NULL): the sum of the number after @field ("pages="), or
 * with @field NULL, how many there are.
 */
static unsigned long sum_field(const char *text, const char *event, __u32 vm,
			       const char *field, const char *with)
{
	char head[64], vmkey[32], l[512];
	const char *line = text, *end, *f;
	unsigned long sum = 0;
	size_t len;

	snprintf(head, sizeof(head), " %s: ", event);
	snprintf(vmkey, sizeof(vmkey), "vm=%u ", vm);
	for (; line && *line; line = end ? end + 1 : NULL) {
		end = strchr(line, '\n');
		len = end ? (size_t)(end - line) : strlen(line);
		snprintf(l, sizeof(l), "%.*s", (int)len, line);
		if (!strstr(l, head) || (vm && !strstr(l, vmkey)) ||
		    (with && !strstr(l, with)))
			continue;
		if (!field) {
			sum++;
			continue;
		}
		f = strstr(l, field);
		if (f)
			sum += strtoul(f + strlen(field), NULL, 10);
	}
	return sum;
}

static unsigned long count(const char *text, const char *event, __u32 vm,
			   const char *with)
{
	return sum_field(text, event, vm, NULL, with);
}

static __u32 vm_id(int vm)
{
	struct vmpool_vm_stats st;

	return vmpool_vm_stats(vm, &st) ? 0 : st.id;
}

/*
 * trace-cmd record -e vmpool around a command (so that the events are on
 * before it starts): vmpoolctl exec makes a VM, in which Python writes 8
 * pages, a second after it starts and a second before it ends.
 */
/* One trace-cmd record of the command; the vmpool_alloc events it saw. */
static unsigned int trace_cmd_allocs(const char *out, unsigned int *lines)
{
	char cmd[512], buf[512];
	unsigned int allocs = 0;
	FILE *f;

	static const char py[] =
		"import mmap,time;time.sleep(1);m=mmap.mmap(3,32768);m[:]=b'x'*32768;time.sleep(1)";
	static const char vm[] = "-m 1 -n trace-cmd -- python3 -c";

	snprintf(cmd, sizeof(cmd),
		 "trace-cmd record -q -e vmpool -o %s %s exec -t %u %s \"%s\" >/dev/null 2>&1",
		 out, CTL, vmpool_new_tenant(), vm, py);
	if (system(cmd))
		return 0;
	snprintf(cmd, sizeof(cmd), "trace-cmd report -i %s 2>/dev/null", out);
	f = popen(cmd, "r");
	*lines = 0;
	while (f && fgets(buf, sizeof(buf), f)) {
		(*lines)++;
		if (strstr(buf, "vmpool_alloc:") && strstr(buf, "from=global"))
			allocs++;
	}
	if (f)
		pclose(f);
	unlink(out);
	return allocs;
}

TEST_F(trace, trace_cmd_records_the_events)
{
	unsigned int allocs = 0, lines = 0, i;
	char out[64];

	if (system("trace-cmd -h >/dev/null 2>&1") == 127 << 8)
		SKIP(return, "trace-cmd not installed");
	if (access(CTL, X_OK))
		SKIP(return, "%s is not built", CTL);
	snprintf(out, sizeof(out), "/tmp/vmpool-trace-%d.dat", getpid());
	/* On 6.1, trace-cmd now and then records nothing at all: again. */
	for (i = 0; i < 3 && !allocs; i++) {
		allocs = trace_cmd_allocs(out, &lines);
		if (!allocs)
			TH_LOG("trace-cmd run %u: %u lines, no vmpool_alloc", i + 1,
			       lines);
	}
	EXPECT_EQ(8, allocs);
}

TEST_F(trace, pool_operations_are_traced)
{
	const size_t len = 64 * PAGE;
	struct vmpool_vm_stats a_st, c_st, a0, a1, b0, b1;
	struct vmpool_info info;
	__u32 ta = vmpool_new_tenant(), tb = vmpool_new_tenant();
	int a, b, c, store, i;
	__u32 ida, idb, idc;
	__u64 n, slots;
	char want[96];
	const char *after;
	char *p;

	a = vmpool_vm_create(self->dev, ta, len, 0, 0, "trace-a");
	b = vmpool_vm_create(self->dev, tb, len, 0, 0, "trace-b");
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ida = vm_id(a);
	idb = vm_id(b);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	ASSERT_NE(MAP_FAILED, p);

	/* 16 pages from the global pool; 4 released; 4 back, unzeroed. */
	for (i = 0; i < 16; i++)
		p[i * PAGE] = 1;
	ASSERT_EQ(0, fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, 4 * PAGE));
	for (i = 0; i < 4; i++)
		p[i * PAGE] = 2;
	ASSERT_EQ(0, vmpool_resize(self->dev, VMPOOL_POOL_GROW, a, 8));
	ASSERT_EQ(0, vmpool_resize(self->dev, VMPOOL_POOL_SHRINK, a, 2));
	/* A's free pages to B, another tenant, and all back. */
	ASSERT_EQ(0, vmpool_vm_stats(b, &b0));
	ASSERT_EQ(3, vmpool_move(self->dev, a, b, 3));
	ASSERT_EQ(0, vmpool_vm_stats(b, &b1));
	ASSERT_EQ(0, vmpool_vm_stats(a, &a0));
	ASSERT_EQ(3, vmpool_move(self->dev, b, a, 0));
	ASSERT_EQ(0, vmpool_vm_stats(a, &a1));

	/* Out to a store and back in by a fault. */
	store = vmpool_store_file(STORE, 256);
	ASSERT_LE(0, store);
	ASSERT_EQ(0, vmpool_set_store(self->dev, store, &slots));
	ASSERT_EQ(0, vmpool_page_out(a, 0, 0, 16 * PAGE, &n, NULL));
	ASSERT_EQ(16, n);
	EXPECT_EQ(2, p[0]);
	ASSERT_EQ(0, vmpool_vm_stats(a, &a_st));

	/* A goes; C, of B's tenant, takes its pages: scrubbed. */
	ASSERT_EQ(0, munmap(p, len));
	ASSERT_EQ(0, close(a));
	ASSERT_EQ(0, close(b));
	ASSERT_EQ(0, vmpool_held_after_wait(self->dev));
	/* A's memory is back (and its slot free) before C comes. */
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	/* C may get A's id: what follows is counted apart. */
	ASSERT_EQ(0, inst_write(self->inst, "trace_marker", "vmpool-test: C"));
	/* Every free page: A's among them, which need zeroing. */
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	c = vmpool_vm_create(self->dev, tb, info.free_pages * PAGE,
			     info.free_pages, 0, "trace-c");
	ASSERT_LE(0, c);
	idc = vm_id(c);
	ASSERT_EQ(0, vmpool_vm_stats(c, &c_st));
	ASSERT_EQ(0, close(c));
	ASSERT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(store);

	ASSERT_EQ(0, inst_write(self->inst, "events/vmpool/enable", "0"));
	self->text = read_trace(self->inst);
	ASSERT_NE(NULL, self->text);

	/* Allocations: 16 + the fault's read-back from the global pool, 4. */
	EXPECT_EQ(16, count(self->text, "vmpool_alloc", ida, "from=global"))
		TH_LOG("%s", self->text);
	EXPECT_EQ(4, count(self->text, "vmpool_alloc", ida,
			   "from=dedicated zeroed=0"));
	EXPECT_EQ(a_st.faults_global + a_st.faults_dedicated - a_st.pages_in,
		  count(self->text, "vmpool_alloc", ida, NULL));
	EXPECT_EQ(4, sum_field(self->text, "vmpool_release", ida, "released=",
			       NULL));
	EXPECT_EQ(1, count(self->text, "vmpool_grow", ida, "pages=8 ret=0"));
	EXPECT_EQ(1, count(self->text, "vmpool_shrink", ida, "pages=2 ret=0"));
	/* The move to another tenant's VM, and back: what each zeroed. */
	snprintf(want, sizeof(want), "split src=%u dst=%u pages=3 zeroed=%llu ret=0",
		 ida, idb, (b1.bytes_zeroed - b0.bytes_zeroed) / PAGE);
	EXPECT_EQ(1, count(self->text, "vmpool_move", 0, want)) {
		const char *m = strstr(self->text, "vmpool_move:");

		TH_LOG("want '%s', got '%.100s'", want, m ? m : "");
	}
	snprintf(want, sizeof(want), "merge src=%u dst=%u pages=3 zeroed=%llu ret=0",
		 idb, ida, (a1.bytes_zeroed - a0.bytes_zeroed) / PAGE);
	EXPECT_EQ(1, count(self->text, "vmpool_move", 0, want));
	/* Page-out and the fault that read page 0 back. */
	EXPECT_EQ(a_st.pages_out,
		  sum_field(self->text, "vmpool_page_out", ida, "done=", NULL));
	EXPECT_EQ(a_st.store_writes, count(self->text, "vmpool_page_out", ida, NULL));
	EXPECT_EQ(a_st.pages_in,
		  sum_field(self->text, "vmpool_page_in", ida, "done=", "fault"));
	EXPECT_LE(1, a_st.pages_in);
	/* A closed with what it held, and all of it came back. */
	snprintf(want, sizeof(want), "mapped=%llu dedicated=%llu",
		 a_st.mapped_pages, a_st.dedicated_pages);
	EXPECT_EQ(1, count(self->text, "vmpool_close", ida, want));
	snprintf(want, sizeof(want), "pages=%llu",
		 a_st.mapped_pages + a_st.dedicated_pages);
	EXPECT_EQ(1, count(self->text, "vmpool_closed", ida, want));
	/* The scrub of A's pages for C: the bytes C's statistics count. */
	after = strstr(self->text, "vmpool-test: C");
	ASSERT_NE(NULL, after);
	EXPECT_EQ(c_st.bytes_zeroed / PAGE,
		  sum_field(after, "vmpool_scrub", idc, "pages=", NULL));
	EXPECT_LT(0, c_st.bytes_zeroed);
	snprintf(want, sizeof(want), "pages=%llu ret=0", info.free_pages);
	EXPECT_EQ(1, count(after, "vmpool_grow", idc, want));
}

/* A split names both VMs and counts the pages it zeroed. */
TEST_F(trace, split_names_both_vms_and_counts_zeroing)
{
	__u32 ta = vmpool_new_tenant();
	struct vmpool_vm_stats st;
	char want[80];
	int a, b;
	char *p;

	a = vmpool_vm_create(self->dev, ta, 16 * PAGE, 0, 0, "trace-s");
	b = vmpool_vm_create(self->dev, ta, 16 * PAGE, 0, 0, "trace-m");
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	/* Five pages with A's data in its dedicated pool. */
	p = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 9, 5 * PAGE);
	ASSERT_EQ(0, munmap(p, 16 * PAGE));
	ASSERT_EQ(0, fallocate(a, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, 5 * PAGE));
	/* To another VM of the same tenant, no opt-in: zeroed all the same. */
	ASSERT_EQ(5, vmpool_move(self->dev, a, b, 5));
	ASSERT_EQ(0, vmpool_vm_stats(b, &st));
	ASSERT_EQ(5 * PAGE, st.bytes_zeroed);
	self->text = read_trace(self->inst);
	ASSERT_NE(NULL, self->text);
	snprintf(want, sizeof(want), "split src=%u dst=%u pages=5 zeroed=5 ret=0",
		 vm_id(a), vm_id(b));
	EXPECT_EQ(1, count(self->text, "vmpool_move", 0, want));
	EXPECT_EQ(5, sum_field(self->text, "vmpool_scrub", vm_id(b), "pages=",
			       NULL));
	EXPECT_EQ(5, sum_field(self->text, "vmpool_release", vm_id(a),
			       "released=", NULL));
	close(a);
	close(b);
}

/*
 * The vmpool_predict events of VM @vm that predict a sleep between @lo and
 * @hi nanoseconds.
 */
static unsigned long predicted_sleeps(const char *text, __u32 vm, long long lo,
				      long long hi)
{
	const char *line = text, *f;
	unsigned long n = 0;
	char key[48];
	long long ns;

	snprintf(key, sizeof(key), "vmpool_predict: vm=%u predicted=1 ", vm);
	while ((line = strstr(line, key))) {
		line += strlen(key);
		f = strstr(line, "sleep_ns=");
		if (!f)
			break;
		ns = strtoll(f + strlen("sleep_ns="), NULL, 10);
		n += ns >= lo && ns <= hi;
	}
	return n;
}

/* A VM thread: touches @pages pages at @mem, sleeps 50 ms, @periods times. */
struct sleeper {
	char *mem;
	size_t pages;
	int periods;
	pid_t tid;
	int go[2];
};

static void *sleeper_main(void *arg)
{
	struct timespec ts = { .tv_nsec = 50 * 1000 * 1000 };
	struct sleeper *t = arg;
	size_t p;
	char c;
	int i;

	__atomic_store_n(&t->tid, gettid(), __ATOMIC_RELEASE);
	if (read(t->go[0], &c, 1) != 1)
		return NULL;
	for (i = 0; i < t->periods; i++) {
		for (p = 0; p < t->pages; p++)
			t->mem[p * PAGE] += 1;
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
	}
	return NULL;
}

/*
 * A VM with idle limit 0 whose attached thread touches its 64 pages every
 * 50 ms: each time it sleeps a vmpool_predict event says when it should
 * wake (about 50 ms on), its pages go out (vmpool_page_out), and
 * vmpool_page_in events marked "prefetch" read them back ahead of it, as
 * many pages as its statistics count.
 */
TEST_F(trace, predictions_and_prefetch_are_traced)
{
	struct sleeper t = { .pages = 64, .periods = 30 };
	struct vmpool_idle_limit limit = { .size = sizeof(limit), .pages = 0 };
	struct vmpool_vm_stats st;
	unsigned long predicted;
	pthread_t th;
	int vm, store;
	__u32 id;

	if (vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION, VMPOOL_CAP_SCHED) != 1)
		SKIP(return, "no scheduler tracepoints");
	store = vmpool_store_file(STORE, 256);
	ASSERT_LE(0, store);
	ASSERT_EQ(0, vmpool_set_store(self->dev, store, NULL));
	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), t.pages * PAGE,
			      0, 0, "trace-sleeper");
	ASSERT_LE(0, vm);
	id = vm_id(vm);
	t.mem = mmap(NULL, t.pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     vm, 0);
	ASSERT_NE(MAP_FAILED, t.mem);
	ASSERT_EQ(0, vmpool_ioctl(vm, VMPOOL_VM_SET_IDLE_LIMIT,
				  (unsigned long)&limit));
	ASSERT_EQ(0, pipe(t.go));
	ASSERT_EQ(0, pthread_create(&th, NULL, sleeper_main, &t));
	while (!__atomic_load_n(&t.tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	ASSERT_EQ(0, vmpool_attach(vm, VMPOOL_VM_ATTACH, 0, 0, &t.tid, 1));
	ASSERT_EQ(1, write(t.go[1], "x", 1));
	ASSERT_EQ(0, pthread_join(th, NULL));
	/* The page-out and prefetch of its last sleep end first. */
	usleep(300 * 1000);
	ASSERT_EQ(0, inst_write(self->inst, "events/vmpool/enable", "0"));
	ASSERT_EQ(0, vmpool_vm_stats_stopped(vm, &st));
	self->text = read_trace(self->inst);
	ASSERT_NE(NULL, self->text);

	/* A prediction at most sleeps, once the history is long enough. */
	predicted = count(self->text, "vmpool_predict", id, "predicted=1");
	TH_LOG("%lu predictions traced, %llu counted; %llu pages prefetched",
	       predicted, st.predictions, st.prefetched_pages);
	EXPECT_LE(t.periods / 2, predicted);
	EXPECT_LE(st.predictions, predicted);
	/* Most predict the 50 ms sleep. */
	EXPECT_LE(predicted * 3 / 4,
		  predicted_sleeps(self->text, id, 25000000, 100000000))
		TH_LOG("%.400s", strstr(self->text, "vmpool_predict") ?: "");
	/* Out as it slept; back ahead of it, counted as its statistics do. */
	EXPECT_EQ(st.store_writes, count(self->text, "vmpool_page_out", id, NULL));
	EXPECT_LT(0, st.prefetched_pages);
	EXPECT_EQ(st.prefetched_pages,
		  sum_field(self->text, "vmpool_page_in", id, "done=",
			    "prefetch"));
	EXPECT_EQ(0, st.store_errors);
	close(t.go[0]);
	close(t.go[1]);
	ASSERT_EQ(0, munmap(t.mem, t.pages * PAGE));
	ASSERT_EQ(0, close(vm));
	ASSERT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(store);
}

TEST_HARNESS_MAIN
