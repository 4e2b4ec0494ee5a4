// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent stress: threads create and destroy VMs, fault, punch,
 * populate, grow, shrink, split and merge, list, audit, close a VM's fd
 * while others fault through its mapping, fork with mappings, and reopen
 * VMs through /proc/self/fd while others destroy them, all at once, for
 * $VMPOOL_STRESS_SECONDS (default 10).  Afterwards the accounting holds and
 * every page is back in the global pool.  $VMPOOL_SEED replays a run's
 * choices (the seed is printed).
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define SLOTS		8
#define THREADS		6
#define TENANTS		3
#define MAX_PAGES	1024

struct slot {
	pthread_rwlock_t lock;	/* write: create/destroy; read: use */
	int fd;			/* -1 once closed (the mapping lives on) */
	char *mem;		/* NULL when the slot is empty */
	size_t pages;
};

static struct slot slots[SLOTS];
static int dev;
static int stop;
static unsigned long ops[16];
static __u32 tenant_base;

enum {
	OP_CREATE, OP_DESTROY, OP_FAULT, OP_PUNCH, OP_POPULATE, OP_GROW,
	OP_SHRINK, OP_SPLIT, OP_MERGE, OP_CLOSE_FD, OP_FORK, OP_QUERY,
	OP_REOPEN, OP_NR
};

static unsigned long reopen_errors;
/* Forked children that saw a value nobody wrote, or did not exit cleanly. */
static unsigned long fork_errors;

static unsigned int rnd(unsigned int *seed, unsigned int n)
{
	return rand_r(seed) % n;
}

static void slot_destroy(struct slot *s)
{
	if (!s->mem)
		return;
	munmap(s->mem, s->pages * PAGE);
	if (s->fd >= 0)
		close(s->fd);
	s->mem = NULL;
	s->fd = -1;
}

static void op_create(struct slot *s, unsigned int *seed)
{
	size_t pages = 1 + rnd(seed, MAX_PAGES);
	int fd;

	pthread_rwlock_wrlock(&s->lock);
	if (!s->mem) {
		fd = vmpool_vm_create(dev, tenant_base + rnd(seed, TENANTS),
				      pages * PAGE, rnd(seed, pages / 2 + 1),
				      0, "stress");
		if (fd >= 0) {
			s->mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, 0);
			if (s->mem == MAP_FAILED) {
				s->mem = NULL;
				close(fd);
			} else {
				s->fd = fd;
				s->pages = pages;
			}
		}
	}
	pthread_rwlock_unlock(&s->lock);
}

/* Touch pages; a SIGBUS-free touch needs memory: populate first. */
static void op_fault(struct slot *s, unsigned int *seed)
{
	size_t i, first, n;

	if (!s->mem)
		return;
	first = rnd(seed, s->pages);
	n = 1 + rnd(seed, s->pages - first);
	if (s->fd < 0 ||
	    fallocate(s->fd, FALLOC_FL_KEEP_SIZE, first * PAGE, n * PAGE))
		return;
	for (i = first; i < first + n; i++)
		__atomic_store_n(&s->mem[i * PAGE], 1, __ATOMIC_RELAXED);
}

static void op_range(struct slot *s, unsigned int *seed, int mode)
{
	size_t first, n;

	if (!s->mem || s->fd < 0)
		return;
	first = rnd(seed, s->pages);
	n = 1 + rnd(seed, s->pages - first);
	fallocate(s->fd, mode, first * PAGE, n * PAGE);
}

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

static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(unsigned long)arg;
	struct vmpool_vm_stats st;
	struct vmpool_audit audit;
	struct vmpool_info info;
	struct slot *s, *t;
	unsigned int op;
	int held = -1, status;
	pid_t pid;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		s = &slots[rnd(&seed, SLOTS)];
		t = &slots[rnd(&seed, SLOTS)];
		op = rnd(&seed, OP_NR);
		__atomic_fetch_add(&ops[op], 1, __ATOMIC_RELAXED);

		switch (op) {
		case OP_CREATE:
			op_create(s, &seed);
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
		}

		pthread_rwlock_rdlock(&s->lock);
		switch (op) {
		case OP_FAULT:
			op_fault(s, &seed);
			break;
		case OP_PUNCH:
			op_range(s, &seed, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
			break;
		case OP_POPULATE:
			op_range(s, &seed, 0);
			break;
		case OP_GROW:
			if (s->fd >= 0)
				vmpool_resize(dev, VMPOOL_POOL_GROW, s->fd,
					      1 + rnd(&seed, 64));
			break;
		case OP_SHRINK:
			if (s->fd >= 0)
				vmpool_resize(dev, VMPOOL_POOL_SHRINK, s->fd,
					      1 + rnd(&seed, 64));
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
					    op == OP_SPLIT ? 1 + rnd(&seed, 32) : 0);
			pthread_rwlock_unlock(&t->lock);
			break;
		case OP_FORK:
			if (!s->mem)
				break;
			pid = fork();
			if (pid == 0) {
				/*
				 * The child sees what the parent mapped: a
				 * page start holds 0 (fresh) or 1 (op_fault),
				 * never anything else.
				 */
				_exit(__atomic_load_n(&s->mem[0], __ATOMIC_RELAXED) > 1);
			}
			if (pid > 0 && (waitpid(pid, &status, 0) != pid ||
					!WIFEXITED(status) || WEXITSTATUS(status)))
				__atomic_fetch_add(&fork_errors, 1,
						   __ATOMIC_RELAXED);
			break;
		case OP_QUERY:
			if (s->fd >= 0)
				vmpool_vm_stats(s->fd, &st);
			vmpool_info(dev, &info);
			if (!rnd(&seed, 16))
				vmpool_audit(dev, &audit);
			break;
		case OP_REOPEN:
			op_reopen(s, &held);
			break;
		}
		pthread_rwlock_unlock(&s->lock);
	}
	if (held >= 0)
		close(held);
	return NULL;
}

FIXTURE(stress) {
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

TEST_F_TIMEOUT(stress, concurrent_everything, 3600)
{
	const char *env = getenv("VMPOOL_STRESS_SECONDS");
	int seconds = env ? atoi(env) : 10;
	const char *seed_env = getenv("VMPOOL_SEED");
	unsigned int seed = seed_env ? atoi(seed_env) : time(NULL);
	struct vmpool_audit audit;
	struct vmpool_info info;
	pthread_t th[THREADS];
	unsigned long total = 0;
	int i;

	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, dev);
	/* The harness's own timeout must not cut the run short. */
	ASSERT_GT(_metadata->timeout, seconds + 30);
	tenant_base = vmpool_new_tenant() << 4;
	TH_LOG("seed %u, %d s, %d threads", seed, seconds, THREADS);

	for (i = 0; i < SLOTS; i++) {
		pthread_rwlock_init(&slots[i].lock, NULL);
		slots[i].fd = -1;
	}
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, worker,
					    (void *)(unsigned long)(seed + i)));
	sleep(seconds);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < SLOTS; i++)
		slot_destroy(&slots[i]);
	for (i = 0; i < OP_NR; i++)
		total += ops[i];
	TH_LOG("%lu operations, %lu reopens", total, ops[OP_REOPEN]);
	EXPECT_LT(1000, total);
	EXPECT_EQ(0, reopen_errors);
	EXPECT_EQ(0, fork_errors);

	ASSERT_EQ(0, vmpool_audit(dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.nr_vms);
	ASSERT_EQ(0, vmpool_info(dev, &info));
	EXPECT_EQ(info.total_pages, info.free_pages);
	EXPECT_EQ(info.total_pages, audit.total_pages);
	close(dev);
}

TEST_HARNESS_MAIN
