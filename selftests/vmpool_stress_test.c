// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent stress: threads create and destroy VMs, fault, punch,
 * populate, grow, shrink, split and merge, list, audit, close a VM's fd
 * while others fault through its mapping, fork with mappings, reopen VMs
 * through /proc/self/fd while others destroy them, keep VM pages in pipes
 * (vmsplice) while they are punched, move them to and from a RAM disk with
 * O_DIRECT, attach themselves (and threads that exit while attached) to
 * VMs that others destroy, page ranges out to a store (too small for all
 * of them) that faults read back, and set idle limits, so that VMs whose
 * attached threads sleep are paged out and prefetched, all at once, while
 * the background scrubber zeroes free pages, for $VMPOOL_STRESS_SECONDS
 * (default 10).  Once on the pool the harness loaded, once on a region
 * pool, whose VMs' 2 MiB extents faults map with one PMD when a whole
 * block is free (and which punches, page-outs and reclaim break up).
 * Built with VMPOOL_STRESS_KVM (vmpool_stress_kvm_test), KVM guests run on
 * the VMs' memory among all that.
 *
 * Every VM has a tag, and whatever writes into a VM writes its tag (or the
 * KVM guest's pattern made from it).  Whenever a page's first word is
 * read, by the host, through a pipe, from the disk or after a guest ran,
 * it must be zero or written for this VM (or, for a VM that shares with
 * its tenant, for a VM of its tenant): anything else is another tenant's
 * data.  Afterwards the accounting holds and every page is back in the
 * global pool.  $VMPOOL_SEED replays a run's choices (the seed is printed).
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#include "vmpool_test.h"
#ifdef VMPOOL_STRESS_KVM
#include "vmpool_kvm.h"
#endif
#include "kselftest_harness.h"

#define PAGE		4096UL
#define SLOTS		8
#define THREADS		6
#define TENANTS		3
/* Pages of a VM at most: more on a region pool, for whole 2 MiB extents. */
#define MAX_PAGES	1024
#define MAX_PAGES_REGION	2048
/* Slots of the store page-out writes to. */
#define STORE_PAGES	2048
/* Pages of the pool the VMs share; they may want twice as many. */
#define FREE_PAGES	1024
/* On a region pool: eight 2 MiB blocks, so that some stay whole. */
#define FREE_PAGES_REGION	4096
/* A KVM guest runs on the first pages of a VM; its code is in page 0. */
#define KVM_PAGES	64

/*
 * A VM's tag: bit 31 set, the index of its tenant in bits 24..30, a serial
 * number in bits 0..23.
 */
#define TAG_VALID	0x80000000u
#define TAG_TENANT	0x7f000000u
#define TAG_SERIAL	0x00ffffffu

struct slot {
	pthread_rwlock_t lock;	/* write: create/destroy; read: use */
	int fd;			/* -1 once closed (the mapping lives on) */
	char *mem;		/* NULL when the slot is empty */
	size_t pages;
	__u32 tag;
	bool share;		/* created with VMPOOL_VM_SHARE_TENANT */
	int guest;		/* a KVM guest runs: page 0 holds its code */
};

/* What one worker thread keeps between its operations. */
struct worker {
	unsigned int seed;
	int held;		/* O_PATH file of a VM, for OP_REOPEN */
	int pipe[2];		/* a VM page vmspliced into it... */
	__u32 pipe_tag;		/* ...of this VM (0: the pipe is empty) */
	bool pipe_share;
	int disk;		/* the RAM disk, O_DIRECT, or -1 */
	off_t disk_off;		/* this worker's page of it */
	__u32 *buf;		/* a page, aligned for O_DIRECT */
	pid_t tid;		/* for the watchdog's report */
	int op;			/* the operation under way, or -1 */
	struct slot *slot;	/* ...on this slot */
};

static struct slot slots[SLOTS];
static int dev;
static int stop;
static unsigned long ops[32];
static __u32 tenant_base;
/*
 * The last serial number given to a VM, in memory shared with forked
 * children: a child checks what it reads against the count as it is then,
 * not as it was at the fork (a VM created since may have written a page
 * that a VM sharing with its tenant holds now).
 */
static __u32 *serial;

enum {
	OP_CREATE, OP_DESTROY, OP_FAULT, OP_PUNCH, OP_POPULATE, OP_GROW,
	OP_SHRINK, OP_SPLIT, OP_MERGE, OP_CLOSE_FD, OP_FORK, OP_QUERY,
	OP_REOPEN, OP_VMSPLICE, OP_O_DIRECT, OP_ATTACH, OP_DETACH, OP_THREAD,
	OP_PAGE_OUT, OP_IDLE_LIMIT, OP_KVM, OP_NR
};

#ifdef VMPOOL_STRESS_KVM
#define OP_RUN		OP_NR
#else
#define OP_RUN		OP_KVM		/* no guests */
#endif

static const char *const op_names[OP_NR] = {
	"create", "destroy", "fault", "punch", "populate", "grow", "shrink",
	"split", "merge", "close_fd", "fork", "query", "reopen", "vmsplice",
	"o_direct", "attach", "detach", "thread", "page_out", "idle_limit",
	"kvm",
};

/*
 * How long the test may take to end once the workers are told to stop,
 * before the watchdog reports where each thread is.
 */
#define STOP_GRACE_SECONDS	300

static unsigned long reopen_errors;
/* Inconsistencies the audit found in the middle of the run. */
static unsigned long audit_errors;
/* Forked children that saw another tenant's data, or did not exit cleanly. */
static unsigned long fork_errors;
/*
 * Accesses that got SIGBUS: a VM with an idle limit may lose its pages to
 * another VM when the pool is short, and find none to take back.
 */
static unsigned long sigbus_count;
/* Where a touch goes on SIGBUS; NULL outside one. */
static __thread sigjmp_buf *touch_jmp;
/* Guests that stopped for anything but HLT, and guests that halted. */
static unsigned long kvm_errors, kvm_runs;

/* Pages that held data their VM may not see; the first one, for the log. */
static unsigned long content_errors;
static pthread_mutex_t first_error_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[160];

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return rand_r(seed) % n;
}

/* Whether data tagged @t may be seen by a VM tagged @tag. */
static bool tag_allowed(__u32 t, __u32 tag, bool share)
{
	if (t == tag)
		return true;
	return share && (t & TAG_VALID) && (t & TAG_TENANT) == (tag & TAG_TENANT) &&
	       (t & TAG_SERIAL) <= __atomic_load_n(serial, __ATOMIC_RELAXED);
}

#ifdef VMPOOL_STRESS_KVM
#define CODE_WORD0	VMPOOL_KVM_CODE_WORD0
#define PATTERN_MUL	VMPOOL_KVM_MUL
#else
#define CODE_WORD0	0
#define PATTERN_MUL	0
#endif

/*
 * Whether @w, the first word of a page, may be seen by a VM tagged @tag:
 * zero, a tag it may see, the first word of the guest's pattern for such a
 * tag at any page of a guest (pages change offsets when they are recycled),
 * or the guest's first instruction, which is the same for every tenant.
 */
static bool word_ok(__u32 w, __u32 tag, bool share)
{
	__u32 q;

	if (!w || w == CODE_WORD0 || tag_allowed(w, tag, share))
		return true;
	for (q = 1; PATTERN_MUL && q < KVM_PAGES; q++)
		if (tag_allowed(w ^ (q * PATTERN_MUL), tag, share))
			return true;
	return false;
}

static void check_word(__u32 w, __u32 tag, bool share, const char *where)
{
	if (word_ok(w, tag, share))
		return;
	if (__atomic_fetch_add(&content_errors, 1, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&first_error_lock);
	snprintf(first_error, sizeof(first_error),
		 "%s: 0x%08x in a VM tagged 0x%08x%s", where, w, tag,
		 share ? " (shares with its tenant)" : "");
	pthread_mutex_unlock(&first_error_lock);
}

static __u32 *page_word(struct slot *s, size_t page)
{
	return (__u32 *)(s->mem + page * PAGE);
}

/* The first page writers may touch: not the code of a running guest. */
static size_t first_writable(struct slot *s)
{
	return __atomic_load_n(&s->guest, __ATOMIC_ACQUIRE) ? 1 : 0;
}

/* Pages paged out because their VM went idle, and read back ahead. */
static unsigned long idle_out, prefetched, pmd_faults;
/* MAX_PAGES, or MAX_PAGES_REGION. */
static size_t max_pages = MAX_PAGES;

static void slot_destroy(struct slot *s)
{
	struct vmpool_vm_stats st;

	if (!s->mem)
		return;
	munmap(s->mem, s->pages * PAGE);
	if (s->fd >= 0 && !vmpool_vm_stats(s->fd, &st)) {
		__atomic_fetch_add(&idle_out, st.idle_pages_out, __ATOMIC_RELAXED);
		__atomic_fetch_add(&prefetched, st.prefetched_pages,
				   __ATOMIC_RELAXED);
		__atomic_fetch_add(&pmd_faults, st.pmd_faults,
				   __ATOMIC_RELAXED);
	}
	if (s->fd >= 0)
		close(s->fd);
	s->mem = NULL;
	s->fd = -1;
}

static void op_create(struct slot *s, unsigned int *seed)
{
	size_t pages = 1 + rnd(seed, max_pages);
	__u32 tenant = rnd(seed, TENANTS);
	bool share = !rnd(seed, 3);
	int fd;

	pthread_rwlock_wrlock(&s->lock);
	if (!s->mem) {
		fd = vmpool_vm_create_flags(dev, tenant_base + tenant,
					    pages * PAGE, rnd(seed, pages / 2 + 1),
					    0, "stress",
					    share ? VMPOOL_VM_SHARE_TENANT : 0);
		if (fd >= 0) {
			s->mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, 0);
			if (s->mem == MAP_FAILED) {
				s->mem = NULL;
				close(fd);
			} else {
				s->fd = fd;
				s->pages = pages;
				s->share = share;
				s->guest = 0;
				s->tag = TAG_VALID | tenant << 24 |
					 (__atomic_add_fetch(serial, 1, __ATOMIC_RELAXED) &
					  TAG_SERIAL);
			}
		}
	}
	pthread_rwlock_unlock(&s->lock);
}

/* A forked child that did not exit cleanly: counted, the first named. */
static void fork_failed(int status)
{
	if (__atomic_fetch_add(&fork_errors, 1, __ATOMIC_RELAXED))
		return;
	if (WIFSIGNALED(status))
		fprintf(stderr, "# forked child: killed by signal %d\n",
			WTERMSIG(status));
	else
		fprintf(stderr, "# forked child: exit %d\n",
			WEXITSTATUS(status));
}

/* SIGBUS: out of a touch, counted; anywhere else, a failure. */
static void sigbus_handler(int sig)
{
	if (!touch_jmp)
		_exit(3);
	siglongjmp(*touch_jmp, 1);
}

/*
 * Touch pages: check what each holds, then write the VM's tag.  A touch
 * needs memory: populate first.  Pages of a VM with an idle limit may
 * still go to other VMs meanwhile, and when the pool has none to give
 * back the touch gets SIGBUS: counted, and checked against the pool's
 * count of such shortages at the end.
 */
static void op_fault(struct slot *s, unsigned int *seed)
{
	size_t i, first, n, lo = first_writable(s);
	sigjmp_buf jmp;

	if (!s->mem || s->pages <= lo)
		return;
	first = lo + rnd(seed, s->pages - lo);
	n = 1 + rnd(seed, s->pages - first);
	if (s->fd < 0 ||
	    fallocate(s->fd, FALLOC_FL_KEEP_SIZE, first * PAGE, n * PAGE))
		return;
	if (sigsetjmp(jmp, 1)) {
		touch_jmp = NULL;
		__atomic_fetch_add(&sigbus_count, 1, __ATOMIC_RELAXED);
		return;
	}
	touch_jmp = &jmp;
	for (i = first; i < first + n; i++) {
		check_word(__atomic_load_n(page_word(s, i), __ATOMIC_RELAXED),
			   s->tag, s->share, "host read");
		__atomic_store_n(page_word(s, i), s->tag, __ATOMIC_RELAXED);
	}
	touch_jmp = NULL;
}

static void op_range(struct slot *s, unsigned int *seed, int mode)
{
	size_t first, n, lo = first_writable(s);

	if (!s->mem || s->fd < 0 || s->pages <= lo)
		return;
	first = lo + rnd(seed, s->pages - lo);
	n = 1 + rnd(seed, s->pages - first);
	fallocate(s->fd, mode, first * PAGE, n * PAGE);
}

/*
 * Page a range out to the store, half of the time releasing the pages to
 * the global pool; the next access reads them back.
 */
static void op_page_out(struct slot *s, unsigned int *seed)
{
	size_t first, n;

	if (!s->mem || s->fd < 0)
		return;
	first = rnd(seed, s->pages);
	n = 1 + rnd(seed, s->pages - first);
	vmpool_page_out(s->fd, rnd(seed, 2) ? VMPOOL_PAGE_OUT_RELEASE : 0,
			first * PAGE, n * PAGE, NULL, NULL);
}

/*
 * Give a VM an idle limit (none, 0 or some pages): when the threads
 * attached to it sleep, it is paged out, and read back before they wake.
 */
static void op_idle_limit(struct slot *s, unsigned int *seed)
{
	struct vmpool_idle_limit args = { .size = sizeof(args) };

	if (!s->mem || s->fd < 0)
		return;
	switch (rnd(seed, 3)) {
	case 0:
		args.pages = VMPOOL_IDLE_LIMIT_NONE;
		break;
	case 1:
		args.pages = 0;
		break;
	default:
		args.pages = rnd(seed, s->pages + 1);
	}
	ioctl(s->fd, VMPOOL_VM_SET_IDLE_LIMIT, &args);
}

/* Read back the page in @w's pipe, if any: it is still its VM's. */
static void pipe_drain(struct worker *w)
{
	if (!w->pipe_tag)
		return;
	if (read(w->pipe[0], w->buf, PAGE) == PAGE)
		check_word(w->buf[0], w->pipe_tag, w->pipe_share, "pipe");
	w->pipe_tag = 0;
}

/*
 * Splice a VM page into a pipe and, half of the time, punch it at once: it
 * must then stay out of every pool until the pipe lets it go.  The page
 * spliced the time before is read back first.
 */
static void op_vmsplice(struct slot *s, struct worker *w)
{
	size_t page, lo = first_writable(s);
	struct iovec iov;

	pipe_drain(w);
	if (!s->mem || s->fd < 0)
		return;
	page = rnd(&w->seed, s->pages);
	iov = (struct iovec){ .iov_base = s->mem + page * PAGE, .iov_len = PAGE };
	if (vmsplice(w->pipe[1], &iov, 1, SPLICE_F_NONBLOCK) != PAGE)
		return;
	w->pipe_tag = s->tag;
	w->pipe_share = s->share;
	if (page >= lo && rnd(&w->seed, 2))
		fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  page * PAGE, PAGE);
}

/*
 * Write a VM page to the RAM disk with O_DIRECT and check what reached it,
 * or read the VM's tag from the disk into a VM page.
 */
static void op_o_direct(struct slot *s, struct worker *w)
{
	size_t page, lo = first_writable(s);
	char *p;

	if (w->disk < 0 || !s->mem || s->pages <= lo)
		return;
	page = lo + rnd(&w->seed, s->pages - lo);
	p = s->mem + page * PAGE;
	if (rnd(&w->seed, 2)) {
		if (pwrite(w->disk, p, PAGE, w->disk_off) == PAGE &&
		    pread(w->disk, w->buf, PAGE, w->disk_off) == PAGE)
			check_word(w->buf[0], s->tag, s->share, "O_DIRECT write");
	} else {
		memset(w->buf, 0, PAGE);
		w->buf[0] = s->tag;
		if (pwrite(w->disk, w->buf, PAGE, w->disk_off) == PAGE)
			pread(w->disk, p, PAGE, w->disk_off);
	}
}

static long attach_tid(int vm, unsigned long cmd, __u32 flags, pid_t tid)
{
	return vmpool_attach(vm, cmd, flags, 0, flags ? NULL : &tid, !flags);
}

/* A short-lived thread that attaches itself to a VM, runs and exits. */
static void *attached_thread(void *arg)
{
	int fd = (int)(long)arg;
	unsigned int i;

	attach_tid(fd, VMPOOL_VM_ATTACH, 0, gettid());
	for (i = 0; i < 3; i++)
		usleep(100);
	return NULL;
}

/*
 * Attach the worker itself, detach it or everything, or start a thread
 * that attaches itself and exits while attached: the scheduler probe sees
 * attached threads run while others destroy their VMs.
 */
static void op_attach(struct slot *s, struct worker *w, unsigned int op)
{
	pthread_t th;

	if (s->fd < 0)
		return;
	switch (op) {
	case OP_ATTACH:
		attach_tid(s->fd, VMPOOL_VM_ATTACH, 0, gettid());
		break;
	case OP_DETACH:
		attach_tid(s->fd, VMPOOL_VM_DETACH,
			   rnd(&w->seed, 2) ? VMPOOL_ATTACH_ALL : 0, gettid());
		break;
	case OP_THREAD:
		if (!pthread_create(&th, NULL, attached_thread,
				    (void *)(long)s->fd))
			pthread_join(th, NULL);
		break;
	}
}

#ifdef VMPOOL_STRESS_KVM
/*
 * Run a guest that writes the pattern of the VM's tag over its first
 * pages while the others punch, populate and write them, then check them.
 * The slot's write lock is taken to mark it, so that no writer that
 * missed the mark is still at work on page 0 when the code goes there.
 */
static void op_kvm(struct slot *s)
{
	sigjmp_buf jmp;
	__u64 reason;
	size_t i, n;
	__u32 tag;
	int ret;

	pthread_rwlock_wrlock(&s->lock);
	if (!s->mem || s->fd < 0 || s->pages < 2 || s->guest) {
		pthread_rwlock_unlock(&s->lock);
		return;
	}
	__atomic_store_n(&s->guest, 1, __ATOMIC_RELEASE);
	tag = s->tag;
	pthread_rwlock_unlock(&s->lock);

	pthread_rwlock_rdlock(&s->lock);
	/* Destroyed and maybe created again in between: not ours now. */
	if (!s->mem || s->tag != tag)
		goto out;
	n = s->pages < KVM_PAGES ? s->pages : KVM_PAGES;
	/* The host writes the code and reads the pages: see op_fault(). */
	if (sigsetjmp(jmp, 1)) {
		touch_jmp = NULL;
		__atomic_fetch_add(&sigbus_count, 1, __ATOMIC_RELAXED);
		goto done;
	}
	touch_jmp = &jmp;
	ret = vmpool_kvm_run(s->mem, n * PAGE, VMPOOL_KVM_FILL, tag, NULL,
			     &reason);
	if (ret == -EIO) {
		__atomic_fetch_add(&kvm_errors, 1, __ATOMIC_RELAXED);
	} else if (!ret) {
		__atomic_fetch_add(&kvm_runs, 1, __ATOMIC_RELAXED);
		for (i = 1; i < n; i++)
			check_word(__atomic_load_n(page_word(s, i), __ATOMIC_RELAXED),
				   tag, s->share, "after a guest ran");
	}
	touch_jmp = NULL;
done:
	__atomic_store_n(&s->guest, 0, __ATOMIC_RELEASE);
out:
	pthread_rwlock_unlock(&s->lock);
}
#else
static void op_kvm(struct slot *s)
{
}
#endif

/*
 * Reopen the VM an O_PATH file taken earlier refers to (it may have been
 * destroyed since: -ENXIO), then take one of @s for the next time.
 */
static void op_reopen(struct slot *s, int *held)
{
	char path[64];
	int fd;

	if (*held >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", *held);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, PAGE);
			close(fd);
		} else if (errno != ENXIO) {
			__atomic_fetch_add(&reopen_errors, 1, __ATOMIC_RELAXED);
		}
		close(*held);
		*held = -1;
	}
	if (s->fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", s->fd);
		*held = open(path, O_PATH | O_CLOEXEC);
	}
}

/* The watchdog's view of the run: the workers, and whether they ended. */
struct watchdog {
	struct worker *workers;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;		/* protected by @lock */
};

/*
 * Print the kernel stack of every task in the system that sleeps
 * uninterruptibly, and of every thread of this process.
 */
static void dump_stuck_tasks(void)
{
	char path[600], line[256], comm[32];
	struct dirent *p, *t;
	DIR *procs, *tasks;
	char state;
	bool self;
	FILE *f;

	procs = opendir("/proc");
	if (!procs)
		return;
	while ((p = readdir(procs))) {
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		self = atoi(p->d_name) == getpid();
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((t = readdir(tasks))) {
			if (t->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stat",
				 p->d_name, t->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			state = '?';
			comm[0] = 0;
			if (fscanf(f, "%*d (%31[^)]) %c", comm, &state) != 2)
				state = '?';
			fclose(f);
			if (state != 'D' && !self)
				continue;
			dprintf(2, "# task %s (%s) state %c:\n", t->d_name, comm,
				state);
			snprintf(path, sizeof(path), "/proc/%s/task/%s/stack",
				 p->d_name, t->d_name);
			f = fopen(path, "r");
			if (!f)
				continue;
			while (fgets(line, sizeof(line), f))
				dprintf(2, "#   %s", line);
			fclose(f);
		}
		closedir(tasks);
	}
	closedir(procs);
}

/*
 * Once the workers are told to stop, they have STOP_GRACE_SECONDS to end
 * their operations and the test to put everything away.  A test that does
 * not is stuck (a fault or an ioctl that never returns): say where, and
 * end it as failed rather than let it hang until the machine's own
 * time-out, which tells nothing.
 */
static void *watchdog(void *arg)
{
	struct watchdog *wd = arg;
	struct timespec deadline;
	struct worker *w;
	int i, op;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += STOP_GRACE_SECONDS;
	pthread_mutex_lock(&wd->lock);
	while (!wd->done &&
	       pthread_cond_timedwait(&wd->cond, &wd->lock, &deadline) == 0)
		;
	if (wd->done) {
		pthread_mutex_unlock(&wd->lock);
		return NULL;
	}
	pthread_mutex_unlock(&wd->lock);
	dprintf(2, "# not done %d s after the stop; workers busy:\n",
		STOP_GRACE_SECONDS);
	for (i = 0; i < THREADS; i++) {
		w = &wd->workers[i];
		op = __atomic_load_n(&w->op, __ATOMIC_RELAXED);
		if (op >= 0)
			dprintf(2, "# worker %d (task %d): %s on slot %td\n", i,
				w->tid, op_names[op], w->slot - slots);
	}
	dump_stuck_tasks();
	_exit(KSFT_FAIL);
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct vmpool_vm_stats st;
	struct vmpool_audit audit;
	struct vmpool_info info;
	struct slot *s, *t;
	unsigned int op;
	int status;
	__u32 word;
	pid_t pid;

	w->tid = gettid();
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		s = &slots[rnd(&w->seed, SLOTS)];
		t = &slots[rnd(&w->seed, SLOTS)];
		op = rnd(&w->seed, OP_RUN);
		__atomic_fetch_add(&ops[op], 1, __ATOMIC_RELAXED);
		w->slot = s;
		__atomic_store_n(&w->op, op, __ATOMIC_RELAXED);

		switch (op) {
		case OP_CREATE:
			op_create(s, &w->seed);
			continue;
		case OP_DESTROY:
			pthread_rwlock_wrlock(&s->lock);
			slot_destroy(s);
			pthread_rwlock_unlock(&s->lock);
			continue;
		case OP_CLOSE_FD:
			/* Others keep faulting through the mapping. */
			pthread_rwlock_wrlock(&s->lock);
			if (s->mem && s->fd >= 0) {
				close(s->fd);
				s->fd = -1;
			}
			pthread_rwlock_unlock(&s->lock);
			continue;
		case OP_KVM:
			op_kvm(s);
			continue;
		}

		pthread_rwlock_rdlock(&s->lock);
		switch (op) {
		case OP_FAULT:
			op_fault(s, &w->seed);
			break;
		case OP_PUNCH:
			op_range(s, &w->seed,
				 FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
			break;
		case OP_POPULATE:
			op_range(s, &w->seed, 0);
			break;
		case OP_GROW:
			if (s->fd >= 0)
				vmpool_resize(dev, VMPOOL_POOL_GROW, s->fd,
					      1 + rnd(&w->seed, 64));
			break;
		case OP_SHRINK:
			if (s->fd >= 0)
				vmpool_resize(dev, VMPOOL_POOL_SHRINK, s->fd,
					      1 + rnd(&w->seed, 64));
			break;
		case OP_SPLIT:
		case OP_MERGE:
			if (s == t)
				break;
			/* Lock order by address: no deadlock between workers. */
			if (s < t) {
				pthread_rwlock_rdlock(&t->lock);
			} else {
				pthread_rwlock_unlock(&s->lock);
				pthread_rwlock_rdlock(&t->lock);
				pthread_rwlock_rdlock(&s->lock);
			}
			if (s->fd >= 0 && t->fd >= 0)
				vmpool_move(dev, s->fd, t->fd,
					    op == OP_SPLIT ? 1 + rnd(&w->seed, 32) : 0);
			pthread_rwlock_unlock(&t->lock);
			break;
		case OP_FORK:
			if (!s->mem)
				break;
			pid = fork();
			if (pid == 0) {
				/* The child sees what the parent mapped. */
				word = __atomic_load_n(page_word(s, 0),
						       __ATOMIC_RELAXED);
				if (word_ok(word, s->tag, s->share))
					_exit(0);
				dprintf(2, "# forked child: 0x%08x in a VM tagged 0x%08x%s\n",
					word, s->tag,
					s->share ? " (shares with its tenant)" : "");
				_exit(1);
			}
			if (pid <= 0)
				break;
			/* 3: SIGBUS, as for a touch. */
			if (waitpid(pid, &status, 0) != pid)
				__atomic_fetch_add(&fork_errors, 1,
						   __ATOMIC_RELAXED);
			else if (WIFEXITED(status) && WEXITSTATUS(status) == 3)
				__atomic_fetch_add(&sigbus_count, 1,
						   __ATOMIC_RELAXED);
			else if (!WIFEXITED(status) || WEXITSTATUS(status))
				fork_failed(status);
			break;
		case OP_QUERY:
			if (s->fd >= 0)
				vmpool_vm_stats(s->fd, &st);
			vmpool_info(dev, &info);
			if (!rnd(&w->seed, 16) && !vmpool_audit(dev, &audit))
				__atomic_fetch_add(&audit_errors, audit.errors,
						   __ATOMIC_RELAXED);
			break;
		case OP_REOPEN:
			op_reopen(s, &w->held);
			break;
		case OP_VMSPLICE:
			op_vmsplice(s, w);
			break;
		case OP_O_DIRECT:
			op_o_direct(s, w);
			break;
		case OP_PAGE_OUT:
			op_page_out(s, &w->seed);
			break;
		case OP_IDLE_LIMIT:
			op_idle_limit(s, &w->seed);
			break;
		case OP_ATTACH:
		case OP_DETACH:
		case OP_THREAD:
			op_attach(s, w, op);
			break;
		}
		pthread_rwlock_unlock(&s->lock);
	}
	__atomic_store_n(&w->op, -1, __ATOMIC_RELAXED);
	pipe_drain(w);
	return NULL;
}

FIXTURE(stress) {
	long long pool_mb;
};

FIXTURE_VARIANT(stress) {
	bool region;
};

FIXTURE_VARIANT_ADD(stress, pool) {
};

FIXTURE_VARIANT_ADD(stress, region) {
	.region = true,
};

FIXTURE_SETUP(stress)
{
	char params[128];

	self->pool_mb = vmpool_param("pool_mb");
	if (!variant->region)
		return;
	if (vmpool_source_params(VMPOOL_SOURCE_REGION, params, sizeof(params)))
		SKIP(return, VMPOOL_NO_SOURCE);
	ASSERT_EQ(0, vmpool_load(params));
}

FIXTURE_TEARDOWN(stress)
{
	char params[32];

	/* The pool the other programs expect. */
	if (variant->region && self->pool_mb > 0) {
		snprintf(params, sizeof(params), "pool_mb=%lld", self->pool_mb);
		EXPECT_EQ(0, vmpool_load(params));
	}
}

TEST_F_TIMEOUT(stress, concurrent_everything, 3600)
{
	const char *env = getenv("VMPOOL_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 10;
	const char *seed_env = getenv("VMPOOL_SEED");
	unsigned int seed = seed_env ? atoi(seed_env) : time(NULL);
	const char *disk = vmpool_ram_disk();
	struct worker workers[THREADS];
	struct watchdog wd = {
		.workers = workers,
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	struct vmpool_audit audit;
	struct vmpool_info info;
	pthread_t th[THREADS], wd_th;
	unsigned long total = 0;
	struct sigaction sigbus = { .sa_handler = sigbus_handler };
	int i, store, filler;
	size_t free_pages;

#ifdef VMPOOL_STRESS_KVM
	char why[256];

	if (!vmpool_kvm_available(why, sizeof(why)))
		SKIP(return, "%s", why);
#endif
	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, dev);
	/* The harness's own timeout must not cut the run short. */
	ASSERT_GT(_metadata->timeout, seconds + 30);
	tenant_base = vmpool_new_tenant() << 4;
	serial = mmap(NULL, sizeof(*serial), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, serial);
	/* Smaller than all the VMs together: page-out fills it now and then. */
	store = vmpool_store_file("/tmp/vmpool-stress-store", STORE_PAGES);
	ASSERT_LE(0, store);
	ASSERT_EQ(0, vmpool_set_store(dev, store, NULL));
	/*
	 * A VM that is never paged holds all of the pool but FREE_PAGES (or
	 * FREE_PAGES_REGION), so that the VMs together need more than the
	 * pool now and then: those with an idle limit give pages to the
	 * others.
	 */
	ASSERT_EQ(0, vmpool_info(dev, &info));
	free_pages = variant->region ? FREE_PAGES_REGION : FREE_PAGES;
	max_pages = variant->region ? MAX_PAGES_REGION : MAX_PAGES;
	ASSERT_LT(free_pages, info.free_pages);
	filler = vmpool_vm_create(dev, tenant_base + TENANTS,
				  (info.free_pages - free_pages) * PAGE,
				  info.free_pages - free_pages, 0, "filler");
	ASSERT_LE(0, filler);
	ASSERT_EQ(0, sigaction(SIGBUS, &sigbus, NULL));
	ASSERT_EQ(0, vmpool_scrub_marks(10, 30));
	TH_LOG("seed %u, %d s, %d threads%s", seed, seconds, THREADS,
	       disk ? "" : ", no RAM disk: no O_DIRECT");

	for (i = 0; i < SLOTS; i++) {
		pthread_rwlock_init(&slots[i].lock, NULL);
		slots[i].fd = -1;
	}
	for (i = 0; i < THREADS; i++) {
		struct worker *w = &workers[i];

		*w = (struct worker){
			.seed = seed + i,
			.held = -1,
			.disk = disk ? open(disk, O_RDWR | O_DIRECT | O_CLOEXEC) : -1,
			.disk_off = i * PAGE,
			.op = -1,
		};
		ASSERT_EQ(0, pipe2(w->pipe, O_CLOEXEC));
		ASSERT_EQ(0, posix_memalign((void **)&w->buf, PAGE, PAGE));
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker, w));
	}
	sleep(seconds);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	ASSERT_EQ(0, pthread_create(&wd_th, NULL, watchdog, &wd));
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < THREADS; i++) {
		if (workers[i].held >= 0)
			close(workers[i].held);
		if (workers[i].disk >= 0)
			close(workers[i].disk);
		close(workers[i].pipe[0]);
		close(workers[i].pipe[1]);
		free(workers[i].buf);
	}
	for (i = 0; i < SLOTS; i++)
		slot_destroy(&slots[i]);
	close(filler);
	for (i = 0; i < OP_NR; i++)
		total += ops[i];
	TH_LOG("%lu operations, %lu reopens, %lu vmsplices, %lu O_DIRECT, %lu guests",
	       total, ops[OP_REOPEN], ops[OP_VMSPLICE], ops[OP_O_DIRECT], kvm_runs);
	TH_LOG("%lu attaches, %lu detaches, %lu attached threads that exit",
	       ops[OP_ATTACH], ops[OP_DETACH], ops[OP_THREAD]);
	TH_LOG("%lu page-outs, %lu idle limits", ops[OP_PAGE_OUT],
	       ops[OP_IDLE_LIMIT]);
	/* Counted for the VMs closed through their fd. */
	TH_LOG("%lu pages out as their VM slept, %lu read back ahead, %lu PMD faults",
	       idle_out, prefetched, pmd_faults);
	ASSERT_EQ(0, vmpool_info(dev, &info));
	TH_LOG("%llu shortages (%llu failed, %lu SIGBUS), %llu pages given up for other VMs",
	       info.shortages, info.shortage_failures, sigbus_count,
	       info.pages_reclaimed);
	/* Only a shortage no VM could help gives SIGBUS. */
	if (sigbus_count)
		EXPECT_LT(0, info.shortage_failures);
	/*
	 * A forked child's address space can outlive the child for a moment,
	 * when the idle paging held it as the child exited: its mappings,
	 * and so the VM, go once that reference is dropped (in a work).
	 */
	for (i = 0; i < 100 && !vmpool_info(dev, &info) && info.nr_vms; i++)
		usleep(100 * 1000);
	EXPECT_EQ(0, info.nr_vms);
	/* Every slot came back with its VM. */
	EXPECT_EQ(0, vmpool_set_store(dev, -1, NULL));
	close(store);
	EXPECT_LT(1000, total);
	EXPECT_EQ(0, reopen_errors);
	EXPECT_EQ(0, fork_errors);
	/* The audit is exact at any moment, writes to the store in flight too. */
	EXPECT_EQ(0, audit_errors);
	EXPECT_EQ(0, content_errors) {
		TH_LOG("%s", first_error);
	}
	EXPECT_EQ(0, kvm_errors);
#ifdef VMPOOL_STRESS_KVM
	EXPECT_LT(0, kvm_runs);
#endif

	EXPECT_EQ(0, vmpool_scrub_marks(0, 0));
	TH_LOG("%llu bytes zeroed by VMs, %llu by the scrubber; %llu hits, %llu misses",
	       info.bytes_zeroed, info.scrubbed_bytes, info.reserve_hits,
	       info.reserve_misses);

	/* Pages the pipes held come back once they are closed. */
	vmpool_held_after_wait(dev);
	ASSERT_EQ(0, vmpool_audit(dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.nr_vms);
	ASSERT_EQ(0, vmpool_info(dev, &info));
	EXPECT_EQ(info.total_pages, info.free_pages);
	EXPECT_EQ(info.total_pages, audit.total_pages);
	close(dev);
	pthread_mutex_lock(&wd.lock);
	wd.done = true;
	pthread_cond_signal(&wd.cond);
	pthread_mutex_unlock(&wd.lock);
	pthread_join(wd_th, NULL);
}

TEST_HARNESS_MAIN
