// SPDX-License-Identifier: GPL-2.0
/*
 * Paging a sleeping VM out and its working set back in: the idle limit
 * (every bad input), a limit set while the VM sleeps applying at once, a
 * periodic VM thread whose whole memory goes out while it sleeps and
 * comes back before it wakes, and one whose cold pages go out first while
 * its working set stays.  The VM thread is attached
 * (the scheduler feed tells when it sleeps and predicts when it wakes);
 * the store is a file.
 *
 * Environment: as vmpool_vm_test, and VMPOOL_TIMING_SCALE (1 to 4,
 * default 1): the sleeps and periods, and the gaps between the VMs taking
 * turns, are that many times longer, for a kernel that is that much
 * slower (the debug kernel's KASAN and page allocation debugging).  The
 * bounds stay.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define MS		1000000ULL
#define STORE_PAGES	2048

FIXTURE(idle) {
	int dev, store, vm;
};

FIXTURE_SETUP(idle)
{
	self->vm = -1;
	self->store = -1;
	ASSERT_EQ(0, vmpool_load("pool_mb=64"));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	if (vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION, VMPOOL_CAP_SCHED) != 1)
		SKIP(return, "no scheduler tracepoints");
	self->store = vmpool_store_file("/tmp/vmpool-idle-store", STORE_PAGES);
	ASSERT_LE(0, self->store);
	ASSERT_EQ(0, vmpool_set_store(self->dev, self->store, NULL));
}

FIXTURE_TEARDOWN(idle)
{
	struct vmpool_audit audit;

	if (self->vm >= 0)
		close(self->vm);
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	if (self->store >= 0)
		close(self->store);
	close(self->dev);
}

static long set_idle_limit(int vm, __u64 pages)
{
	struct vmpool_idle_limit args = { .size = sizeof(args), .pages = pages };

	return vmpool_ioctl(vm, VMPOOL_VM_SET_IDLE_LIMIT, (unsigned long)&args);
}

TEST_F(idle, set_idle_limit_bad_input)
{
	struct vmpool_idle_limit args = { .size = sizeof(args) };
	struct vmpool_vm_stats st;

	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), 64 * PAGE,
				    0, 0, "limit");
	ASSERT_LE(0, self->vm);
	ASSERT_EQ(0, vmpool_vm_stats(self->vm, &st));
	EXPECT_EQ(VMPOOL_IDLE_LIMIT_NONE, st.idle_limit_pages);
	args.flags = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->vm, VMPOOL_VM_SET_IDLE_LIMIT,
					(unsigned long)&args));
	args.flags = 0;
	args.reserved = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->vm, VMPOOL_VM_SET_IDLE_LIMIT,
					(unsigned long)&args));
	args.reserved = 0;
	args.size = VMPOOL_IDLE_LIMIT_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->vm, VMPOOL_VM_SET_IDLE_LIMIT,
					(unsigned long)&args));
	EXPECT_EQ(-EINVAL, set_idle_limit(self->vm, 65));
	EXPECT_EQ(-ENOTTY, vmpool_ioctl(self->dev, VMPOOL_VM_SET_IDLE_LIMIT,
					(unsigned long)&args));
	EXPECT_EQ(0, set_idle_limit(self->vm, 64));
	EXPECT_EQ(0, set_idle_limit(self->vm, 0));
	ASSERT_EQ(0, vmpool_vm_stats(self->vm, &st));
	EXPECT_EQ(0, st.idle_limit_pages);
	EXPECT_EQ(0, set_idle_limit(self->vm, VMPOOL_IDLE_LIMIT_NONE));
	ASSERT_EQ(0, vmpool_vm_stats(self->vm, &st));
	EXPECT_EQ(VMPOOL_IDLE_LIMIT_NONE, st.idle_limit_pages);
}

/*
 * A VM thread: each period it touches @hot pages (a word of each; all of
 * them the first time, unless @hot_first; @hot_late from period @late on,
 * if that is set),
 * then sleeps @sleep_ms (80 ms if 0); or, if @period_ms is set, it wakes
 * every @period_ms from its start, however long its touching took (its
 * phase stays, as a guest's timer tick does).  After @warm
 * periods it takes a snapshot of the VM's statistics, and from then on
 * counts the page faults (minor and major) its touching takes in @faults.
 * The longest a period's touching took is in @max_active_ms.
 */
struct vm_thread {
	int vm;
	char *mem;
	size_t pages, hot, hot_late;
	int periods, warm, late;
	bool hot_first;
	long sleep_ms, period_ms;
	pthread_t th;
	pid_t tid;
	int go[2];
	bool done;
	struct vmpool_vm_stats warm_st;
	long faults;
	long max_active_ms;
};

/* @ms scaled by VMPOOL_TIMING_SCALE. */
static long scaled_ms(long ms)
{
	const char *env = getenv("VMPOOL_TIMING_SCALE");
	long scale = env ? strtol(env, NULL, 10) : 1;

	return ms * (scale >= 1 && scale <= 4 ? scale : 1);
}

/* Pages @t touches in period @i. */
static size_t hot_pages(const struct vm_thread *t, int i)
{
	if (!i && !t->hot_first)
		return t->pages;
	return t->late && i >= t->late ? t->hot_late : t->hot;
}

/* @ts plus @ns nanoseconds. */
static void timespec_add(struct timespec *ts, unsigned long long ns)
{
	ns += ts->tv_nsec;
	ts->tv_sec += ns / 1000000000ULL;
	ts->tv_nsec = ns % 1000000000ULL;
}

static long ms_since(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - ts->tv_sec) * 1000 +
	       (now.tv_nsec - ts->tv_nsec) / 1000000;
}

static void *vm_thread_main(void *arg)
{
	struct vm_thread *t = arg;
	struct timespec ts = { 0 }, wake, active;
	size_t p, n;
	char c;
	int i;

	__atomic_store_n(&t->tid, gettid(), __ATOMIC_RELEASE);
	if (read(t->go[0], &c, 1) != 1)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &wake);
	timespec_add(&ts, scaled_ms(t->sleep_ms ?: 80) * MS);
	for (i = 0; i < t->periods; i++) {
		clock_gettime(CLOCK_MONOTONIC, &active);
		n = hot_pages(t, i);
		if (i > t->warm)
			t->faults -= vmpool_thread_faults(false);
		for (p = 0; p < n; p++)
			t->mem[p * PAGE + (i % 64)] += 1;
		if (i > t->warm)
			t->faults += vmpool_thread_faults(false);
		if (i == t->warm && vmpool_vm_stats(t->vm, &t->warm_st))
			return NULL;
		if (i > t->warm && ms_since(&active) > t->max_active_ms)
			t->max_active_ms = ms_since(&active);
		if (!t->period_ms) {
			clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
			continue;
		}
		timespec_add(&wake, scaled_ms(t->period_ms) * MS);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL);
	}
	__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Run the @n threads @t, each attached to its VM, started @stagger_ms
 * apart; the fewest pages each VM had mapped while they ran in
 * @min_mapped, each VM's statistics at the end in @st.
 */
static int run_vm_threads(struct vm_thread *t, int n, long stagger_ms,
			  __u64 *min_mapped, struct vmpool_vm_stats *st)
{
	int ret = 0, i, busy;

	for (i = 0; i < n; i++) {
		if (pipe(t[i].go) ||
		    pthread_create(&t[i].th, NULL, vm_thread_main, &t[i]))
			return -1;
		while (!__atomic_load_n(&t[i].tid, __ATOMIC_ACQUIRE))
			usleep(1000);
		ret = ret ?: vmpool_attach(t[i].vm, VMPOOL_VM_ATTACH, 0, 0,
					   &t[i].tid, 1);
		min_mapped[i] = t[i].pages;
	}
	for (i = 0; i < n; i++) {
		(void)!write(t[i].go[1], "x", 1);
		if (i < n - 1)
			usleep(scaled_ms(stagger_ms) * 1000);
	}
	do {
		busy = 0;
		for (i = 0; i < n; i++) {
			if (__atomic_load_n(&t[i].done, __ATOMIC_ACQUIRE))
				continue;
			busy++;
			if (!vmpool_vm_stats(t[i].vm, &st[i]) &&
			    st[i].mapped_pages < min_mapped[i])
				min_mapped[i] = st[i].mapped_pages;
		}
		usleep(5000);
	} while (busy);
	for (i = 0; i < n; i++) {
		pthread_join(t[i].th, NULL);
		close(t[i].go[0]);
		close(t[i].go[1]);
		ret = ret ?: vmpool_vm_stats_stopped(t[i].vm, &st[i]);
	}
	return ret;
}

/*
 * Pages of @t whose bytes do not say what the thread did: byte k of a page
 * is incremented in period k if the page was touched then.
 */
static size_t bad_pages(const struct vm_thread *t)
{
	size_t p, bad = 0;
	char touched;
	int k;

	for (p = 0; p < t->pages; p++)
		for (k = 0; k < t->periods; k++) {
			touched = p < hot_pages(t, k);
			if (t->mem[p * PAGE + k] != touched) {
				if (!bad)
					fprintf(stderr, "# first bad page %zu: byte %d is %d\n",
						p, k, t->mem[p * PAGE + k]);
				bad++;
				break;
			}
		}
	return bad;
}

static void log_paging(struct __test_metadata *_metadata,
		       const struct vmpool_vm_stats *a,
		       const struct vmpool_vm_stats *b)
{
	TH_LOG("after warm-up: %llu pages out idle, %llu prefetched, %llu used, %llu wasted",
	       b->idle_pages_out - a->idle_pages_out,
	       b->prefetched_pages - a->prefetched_pages,
	       b->prefetch_used - a->prefetch_used,
	       b->prefetch_wasted - a->prefetch_wasted);
	TH_LOG("%llu major faults, %llu predictions, %llu hits",
	       b->major_faults - a->major_faults,
	       b->predictions - a->predictions,
	       b->prediction_hits - a->prediction_hits);
	TH_LOG("%llu writes, %llu reads of the store, %llu pages mapped ahead",
	       b->store_writes - a->store_writes,
	       b->store_reads - a->store_reads,
	       b->premapped_pages - a->premapped_pages);
}

/*
 * Map @vm for @t, give it idle limit @limit and run @t; see
 * run_vm_threads().
 */
static void run_with_limit(struct __test_metadata *_metadata, int vm,
			   struct vm_thread *t, __u64 limit, __u64 *min_mapped,
			   struct vmpool_vm_stats *st)
{
	ASSERT_LE(0, vm);
	t->vm = vm;
	t->mem = mmap(NULL, t->pages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, t->mem);
	ASSERT_EQ(0, set_idle_limit(vm, limit));
	ASSERT_EQ(0, run_vm_threads(t, 1, 0, min_mapped, st));
	log_paging(_metadata, &t->warm_st, st);
	TH_LOG("%ld page faults touching the working set", t->faults);
}

/*
 * Idle limit 0, working set the whole VM (256 pages): while the thread
 * sleeps its memory is all out; before it wakes it all comes back, read
 * and mapped again, so that after a few periods its activations take no
 * fault and the prefetched pages are used.
 */
TEST_F_TIMEOUT(idle, sleeping_vm_goes_out_and_its_working_set_comes_back, 120)
{
	struct vm_thread t = { .pages = 256, .hot = 256, .periods = 30,
			       .warm = 10 };
	struct vmpool_vm_stats st;
	__u64 min_mapped, touched;

	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				    t.pages * PAGE, 0, 0, "sleeper");
	run_with_limit(_metadata, self->vm, &t, 0, &min_mapped, &st);

	/* Its memory really left while it slept. */
	EXPECT_EQ(0, min_mapped);
	touched = (t.periods - t.warm - 1) * t.hot;
	EXPECT_LE(touched * 9 / 10, st.idle_pages_out - t.warm_st.idle_pages_out);
	/*
	 * Back before it woke: prediction hides nine in ten of the reads a
	 * fault would wait for, with little waste.  (On the test kernel none
	 * is left; on the slower debug kernel a missed prediction costs one
	 * period's working set.)
	 */
	EXPECT_LE(touched * 85 / 100,
		  st.prefetched_pages - t.warm_st.prefetched_pages);
	EXPECT_LE((st.prefetched_pages - t.warm_st.prefetched_pages) * 85 / 100,
		  st.prefetch_used - t.warm_st.prefetch_used);
	EXPECT_LE(st.major_faults - t.warm_st.major_faults, touched / 10);
	/*
	 * Mapped again before it woke: touching its working set takes no
	 * fault, not even a minor one.
	 */
	EXPECT_LE(touched * 85 / 100,
		  st.premapped_pages - t.warm_st.premapped_pages);
	EXPECT_LE(t.faults, touched / 10);
	/* In runs: 8 pages or more per read, on average. */
	EXPECT_LE((st.store_reads - t.warm_st.store_reads) * 8,
		  st.prefetched_pages - t.warm_st.prefetched_pages);
	/* Every byte survived. */
	EXPECT_EQ(0, st.store_errors);
	EXPECT_EQ(0, bad_pages(&t));
	munmap(t.mem, t.pages * PAGE);
}

/*
 * 512 pages written once, then only the first 128 touched each period,
 * with an idle limit of 128: the cold pages go out, the working set stays,
 * and no activation waits for a read or even faults.  40 periods, so that
 * the one or two whose prediction came late on the slow debug kernel
 * (their 128 pages fault) are not a tenth of them.
 */
TEST_F_TIMEOUT(idle, cold_pages_go_first, 120)
{
	struct vm_thread t = { .pages = 512, .hot = 128, .periods = 40,
			       .warm = 5 };
	struct vmpool_vm_stats st;
	__u64 min_mapped;

	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				    t.pages * PAGE, 0, 0, "cold");
	run_with_limit(_metadata, self->vm, &t, t.hot, &min_mapped, &st);

	EXPECT_GE(t.hot, min_mapped);
	EXPECT_EQ(t.pages - t.hot, st.pages_swapped);
	EXPECT_EQ(0, st.major_faults - t.warm_st.major_faults);
	EXPECT_EQ(0, st.idle_pages_out - t.warm_st.idle_pages_out);
	/* The working set, unmapped while it slept, was mapped again. */
	EXPECT_LE(t.faults, (t.periods - t.warm - 1) * t.hot / 10);
	/* The cold pages still hold what the first period wrote. */
	EXPECT_EQ(0, bad_pages(&t));
	munmap(t.mem, t.pages * PAGE);
}

/*
 * A working set that shrinks from 256 pages to 64 (from period 8 on),
 * idle limit 0: the pages mapped ahead that the VM no longer touches show
 * no access in their page tables, so they leave the working set and are
 * read back no more; the pages it touches show theirs, and keep coming
 * back mapped.  40 periods, as for cold_pages_go_first: on the slow debug
 * kernel a period or two comes late to its prediction (its 64 pages
 * fault, or go out and come back once more), and that must not be a
 * tenth of them.
 */
TEST_F_TIMEOUT(idle, untouched_pages_mapped_ahead_leave_the_working_set, 120)
{
	struct vm_thread t = { .pages = 256, .hot = 256, .hot_late = 64,
			       .late = 8, .periods = 40, .warm = 12 };
	struct vmpool_vm_stats st;
	__u64 min_mapped, touched, prefetched;

	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				    t.pages * PAGE, 0, 0, "shrinking");
	run_with_limit(_metadata, self->vm, &t, 0, &min_mapped, &st);

	touched = (t.periods - t.warm - 1) * t.hot_late;
	prefetched = st.prefetched_pages - t.warm_st.prefetched_pages;
	EXPECT_LE(touched * 85 / 100, prefetched);
	EXPECT_LE(prefetched, touched * 11 / 10);
	EXPECT_LE(prefetched * 85 / 100,
		  st.prefetch_used - t.warm_st.prefetch_used);
	/*
	 * Mapped again before it woke, but in periods whose prediction
	 * missed (their 64 pages fault; three of them once on the debug
	 * kernel): a fifth of what not mapping ahead would cost.
	 */
	EXPECT_LE(t.faults, touched / 5);
	EXPECT_EQ(0, bad_pages(&t));
	munmap(t.mem, t.pages * PAGE);
}

/*
 * A VM whose 512 pages were all written before it got an idle limit (a
 * guest's boot), then touches 64 of them each period, idle limit 0: what
 * it touched before the limit is not its working set.  Only the 64 pages
 * come back ahead each period, not all 512 after its first sleep; the
 * rest, read by nobody since, still hold what was written.
 */
TEST_F_TIMEOUT(idle, pages_touched_before_the_limit_are_no_working_set, 120)
{
	struct vm_thread t = { .pages = 512, .hot = 64, .hot_first = true,
			       .periods = 12, .warm = 2 };
	struct vmpool_vm_stats st;
	__u64 min_mapped;
	size_t p, bad = 0;

	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				    t.pages * PAGE, 0, 0, "booted");
	ASSERT_LE(0, self->vm);
	t.mem = mmap(NULL, t.pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     self->vm, 0);
	ASSERT_NE(MAP_FAILED, t.mem);
	for (p = 0; p < t.pages; p++)
		t.mem[p * PAGE + PAGE - 1] = 1;
	t.vm = self->vm;
	ASSERT_EQ(0, set_idle_limit(self->vm, 0));
	ASSERT_EQ(0, run_vm_threads(&t, 1, 0, &min_mapped, &st));
	log_paging(_metadata, &t.warm_st, &st);
	TH_LOG("%llu pages read back ahead in all, %llu given up untouched",
	       st.prefetched_pages, st.prefetch_wasted);

	/* It slept with its memory out... */
	EXPECT_EQ(0, min_mapped);
	/*
	 * ...and had its 64 pages back ahead, never the other 448: those
	 * would be given up untouched after its first sleep (512 were, when
	 * the limit did not start the sampling).  A period whose prediction
	 * missed gives up its 64 too (twice once on the debug kernel).
	 */
	EXPECT_LT(0, st.prefetched_pages);
	EXPECT_LE(st.prefetched_pages, t.periods * t.hot);
	EXPECT_LE(st.prefetch_wasted, 3 * t.hot);
	EXPECT_EQ(0, st.store_errors);
	EXPECT_EQ(0, bad_pages(&t));
	for (p = 0; p < t.pages; p++)
		bad += t.mem[p * PAGE + PAGE - 1] != 1;
	EXPECT_EQ(0, bad);
	munmap(t.mem, t.pages * PAGE);
}

/*
 * A thread that touches each page of its VM once (page p holds p | 1),
 * then sleeps until told, then counts the pages that no longer hold what
 * it wrote.
 */
struct sleeper {
	char *mem;
	size_t pages, bad;
	pid_t tid;
	int go[2];
	pthread_t th;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	size_t p;
	char c;

	for (p = 0; p < s->pages; p++)
		s->mem[p * PAGE] = (char)(p | 1);
	__atomic_store_n(&s->tid, gettid(), __ATOMIC_RELEASE);
	if (read(s->go[0], &c, 1) != 1)
		return NULL;
	for (p = 0; p < s->pages; p++)
		if (s->mem[p * PAGE] != (char)(p | 1))
			s->bad++;
	return NULL;
}

/* Whether thread @tid sleeps (state S in its stat). */
static bool thread_sleeps(pid_t tid)
{
	char path[64], buf[256], *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] == 'S';
}

/*
 * A VM whose one attached thread sleeps already, as an idle guest's vCPU
 * does when an operator attaches it: the limit set then applies at once,
 * not when the thread next goes to sleep (which the test never lets it
 * do); woken, the thread reads back what it wrote.
 */
TEST_F_TIMEOUT(idle, a_limit_set_while_the_vm_sleeps_applies_at_once, 60)
{
	struct sleeper s = { .pages = 256 };
	struct vmpool_vm_stats a, b;
	long waited = 0;

	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				    s.pages * PAGE, 0, 0, "asleep");
	ASSERT_LE(0, self->vm);
	s.mem = mmap(NULL, s.pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		     self->vm, 0);
	ASSERT_NE(MAP_FAILED, s.mem);
	ASSERT_EQ(0, pipe(s.go));
	ASSERT_EQ(0, pthread_create(&s.th, NULL, sleeper_main, &s));
	while (!__atomic_load_n(&s.tid, __ATOMIC_ACQUIRE) ||
	       !thread_sleeps(s.tid))
		usleep(1000);
	ASSERT_EQ(0, vmpool_attach(self->vm, VMPOOL_VM_ATTACH, 0, 0, &s.tid, 1));
	ASSERT_EQ(0, vmpool_vm_stats(self->vm, &a));
	EXPECT_EQ(s.pages, a.mapped_pages);

	ASSERT_EQ(0, set_idle_limit(self->vm, 64));
	do {
		usleep(10000);
		waited += 10;
		ASSERT_EQ(0, vmpool_vm_stats(self->vm, &b));
	} while (b.idle_pages_out - a.idle_pages_out < s.pages - 64 &&
		 waited < scaled_ms(5000));
	TH_LOG("%llu pages out after %ld ms, %llu mapped",
	       b.idle_pages_out - a.idle_pages_out, waited, b.mapped_pages);
	EXPECT_EQ(s.pages - 64, b.idle_pages_out - a.idle_pages_out);
	EXPECT_EQ(64, b.mapped_pages);
	EXPECT_TRUE(thread_sleeps(s.tid));

	ASSERT_EQ(1, write(s.go[1], "x", 1));
	pthread_join(s.th, NULL);
	EXPECT_EQ(0, s.bad);
	EXPECT_EQ(0, set_idle_limit(self->vm, VMPOOL_IDLE_LIMIT_NONE));
	close(s.go[0]);
	close(s.go[1]);
	munmap(s.mem, s.pages * PAGE);
}

/*
 * Three VM threads of three tenants, each touching all of its 512 pages
 * every period, idle limit 128, on a pool with 1280 free pages: their
 * memory (1536 pages) does not fit, so they take turns: each wakes every
 * 300 ms, a third of that after the one before, and has 100 ms to touch
 * its pages before the next one wakes (one active period at a time, even
 * on the slow debug kernel).  Their phases stay however long a period's
 * touching takes, as a guest's timer tick does; with fixed sleeps instead,
 * a VM whose pages came back late would wake later every period, until
 * two of them ran together and the pool could hold neither.  None gets
 * SIGBUS, every byte survives, each VM's memory really goes out while it
 * sleeps, pages move between them through the store, and each finds its
 * working set back when it wakes (the bounds of the single sleeper).
 */
#define TURN_VMS	3

TEST_F_TIMEOUT(idle, vms_larger_than_the_pool_take_turns, 180)
{
	struct vm_thread t[TURN_VMS];
	struct vmpool_vm_stats st[TURN_VMS];
	__u64 min_mapped[TURN_VMS];
	__u64 touched, prefetched;
	struct vmpool_info info;
	int filler, i;

	/* A VM that may not be paged holds all but 1280 pages. */
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	ASSERT_LT(1280, info.free_pages);
	filler = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				  (info.free_pages - 1280) * PAGE,
				  info.free_pages - 1280, 0, "filler");
	ASSERT_LE(0, filler);
	for (i = 0; i < TURN_VMS; i++) {
		t[i] = (struct vm_thread){ .pages = 512, .hot = 512,
					   .periods = 30, .warm = 10,
					   .period_ms = 300 };
		t[i].vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
					   t[i].pages * PAGE, 0, 0, "turn");
		ASSERT_LE(0, t[i].vm);
		t[i].mem = mmap(NULL, t[i].pages * PAGE, PROT_READ | PROT_WRITE,
				MAP_SHARED, t[i].vm, 0);
		ASSERT_NE(MAP_FAILED, t[i].mem);
		ASSERT_EQ(0, set_idle_limit(t[i].vm, 128));
	}
	/* A third of a period apart. */
	ASSERT_EQ(0, run_vm_threads(t, TURN_VMS, t[0].period_ms / TURN_VMS,
				    min_mapped, st));
	for (i = 0; i < TURN_VMS; i++) {
		log_paging(_metadata, &t[i].warm_st, &st[i]);
		TH_LOG("VM %d: fewest mapped %llu, shortages %llu (%llu failed), gave %llu/%llu",
		       i, min_mapped[i], st[i].shortages,
		       st[i].shortage_failures, st[i].pages_given,
		       st[i].pages_given_running);
		TH_LOG("VM %d: %ld page faults touching the working set, longest touching %ld ms",
		       i, t[i].faults, t[i].max_active_ms);
	}
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	TH_LOG("pool: %llu shortages, %llu failed, %llu pages reclaimed (%llu from running VMs)",
	       info.shortages, info.shortage_failures, info.pages_reclaimed,
	       info.pages_reclaimed_running);

	for (i = 0; i < TURN_VMS; i++) {
		EXPECT_GE(128, min_mapped[i]);
		touched = (t[i].periods - t[i].warm - 1) * t[i].hot;
		prefetched = st[i].prefetched_pages - t[i].warm_st.prefetched_pages;
		EXPECT_LE(prefetched * 85 / 100,
			  st[i].prefetch_used - t[i].warm_st.prefetch_used);
		EXPECT_LE(st[i].major_faults - t[i].warm_st.major_faults,
			  touched / 10);
		/*
		 * Mapped before it woke, but for periods whose prediction
		 * missed (a period's 512 pages each; more of them when the
		 * machine is busy).
		 */
		EXPECT_LE(t[i].faults, touched / 5);
		EXPECT_EQ(0, st[i].store_errors);
		EXPECT_EQ(0, bad_pages(&t[i]));
		munmap(t[i].mem, t[i].pages * PAGE);
		close(t[i].vm);
	}
	/* The pool was short, and the VMs gave each other pages. */
	EXPECT_LT(0, info.shortages);
	EXPECT_LT(0, info.pages_reclaimed);
	close(filler);
}

TEST_HARNESS_MAIN
