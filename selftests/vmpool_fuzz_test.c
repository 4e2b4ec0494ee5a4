// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded ioctl fuzzer: $VMPOOL_FUZZ_CALLS (default 1000000) calls of every
 * vmpool ioctl, and of undefined ones, on /dev/vmpool, on VM fds and on
 * other fds, with valid structures mutated at random (sizes, flags,
 * reserved words, fds, counts, pointers).  Every call must return, the
 * audit must find nothing, and every page must be back at the end.  The
 * seed is printed; VMPOOL_SEED replays a run exactly.
 */
#define _GNU_SOURCE
#include <linux/falloc.h>
#include <sys/mman.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define MAX_VMS		8
#define BUF		(2 * PAGE)

static __u64 state;

/* xorshift64*: deterministic for a seed, independent of libc. */
static __u64 rnd64(void)
{
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545f4914f6cdd1dULL;
}

static __u32 rnd(__u32 n)
{
	return n ? rnd64() % n : 0;
}

/* A value of interest: small, boundary, or random. */
static __u64 rnd_value(void)
{
	static const __u64 edges[] = {
		0, 1, 2, 4095, 4096, 4097, 0x7fffffff, 0x80000000,
		0xffffffff, 1ULL << 32, 1ULL << 63, ~0ULL, ~0ULL - 4095,
	};

	switch (rnd(4)) {
	case 0:
		return edges[rnd(ARRAY_SIZE(edges))];
	case 1:
		return rnd(64);
	case 2:
		return (__u64)rnd(1 << 14) * PAGE;
	default:
		return rnd64();
	}
}

struct fuzzer {
	int dev;
	int vms[MAX_VMS];
	int null;
	unsigned char *buf;	/* BUF bytes, then a PROT_NONE page */
	unsigned char *ro;	/* a read-only page */
	unsigned long calls, ok, created;
};

static int pick_fd(struct fuzzer *f)
{
	switch (rnd(8)) {
	case 0:
		return f->null;
	case 1:
		return (int)rnd_value();
	case 2:
	case 3:
		return f->dev;
	default:
		return f->vms[rnd(MAX_VMS)];
	}
}

static const unsigned long cmds[] = {
	VMPOOL_GET_API_VERSION, VMPOOL_CHECK_EXTENSION, VMPOOL_INFO,
	VMPOOL_VM_CREATE, VMPOOL_AUDIT, VMPOOL_POOL_GROW, VMPOOL_POOL_SHRINK,
	VMPOOL_POOL_SPLIT, VMPOOL_POOL_MERGE, VMPOOL_LIST_VMS,
	VMPOOL_VM_GET_STATS,
};

/* A valid argument for @cmd in @buf; returns its size. */
static size_t valid_arg(struct fuzzer *f, unsigned long cmd, void *buf)
{
	memset(buf, 0, BUF);
	switch (cmd) {
	case VMPOOL_INFO:
		((struct vmpool_info *)buf)->size = sizeof(struct vmpool_info);
		return sizeof(struct vmpool_info);
	case VMPOOL_VM_CREATE: {
		struct vmpool_vm_create *a = buf;

		a->size = sizeof(*a);
		a->mem_size = (1 + rnd(256)) * PAGE;
		a->reserve_pages = rnd(16);
		a->tenant = 1 + rnd(4);
		memcpy(a->name, "fuzz", sizeof("fuzz"));
		return sizeof(*a);
	}
	case VMPOOL_AUDIT:
		((struct vmpool_audit *)buf)->size = sizeof(struct vmpool_audit);
		return sizeof(struct vmpool_audit);
	case VMPOOL_POOL_GROW:
	case VMPOOL_POOL_SHRINK: {
		struct vmpool_pool_resize *a = buf;

		a->size = sizeof(*a);
		a->vm_fd = pick_fd(f);
		a->pages = 1 + rnd(32);
		return sizeof(*a);
	}
	case VMPOOL_POOL_SPLIT:
	case VMPOOL_POOL_MERGE: {
		struct vmpool_pool_move *a = buf;

		a->size = sizeof(*a);
		a->src_fd = pick_fd(f);
		a->dst_fd = pick_fd(f);
		a->pages = cmd == VMPOOL_POOL_SPLIT ? 1 + rnd(32) : 0;
		return sizeof(*a);
	}
	case VMPOOL_LIST_VMS: {
		struct vmpool_vm_list *a = buf;

		a->size = sizeof(*a);
		a->nr_entries = rnd(8);
		a->entry_size = sizeof(struct vmpool_vm_stats);
		a->entries = (unsigned long)(f->buf + PAGE);
		return sizeof(*a);
	}
	case VMPOOL_VM_GET_STATS:
		((struct vmpool_vm_stats *)buf)->size =
			sizeof(struct vmpool_vm_stats);
		return sizeof(struct vmpool_vm_stats);
	}
	return 0;
}

static void mutate(unsigned char *buf, size_t len)
{
	unsigned int i, n = rnd(4);
	__u64 v;

	for (i = 0; i < n; i++) {
		size_t at = rnd(len + 16) & ~3UL;

		switch (rnd(4)) {
		case 0:		/* the size field */
			v = rnd(3) ? len + rnd(64) - 32 : rnd_value();
			memcpy(buf, &v, 4);
			break;
		case 1:		/* the flags field */
			v = 1U << rnd(32);
			memcpy(buf + 4, &v, 4);
			break;
		case 2:		/* any 32-bit word */
			v = rnd_value();
			memcpy(buf + at, &v, 4);
			break;
		default:	/* any 64-bit word */
			v = rnd_value();
			memcpy(buf + (at & ~7UL), &v, 8);
			break;
		}
	}
}

static unsigned long pick_pointer(struct fuzzer *f, size_t len)
{
	switch (rnd(16)) {
	case 0:
		return 0;
	case 1:
		return rnd_value();
	case 2:
		return (unsigned long)f->ro;
	case 3:
		/* Runs into the PROT_NONE page. */
		return (unsigned long)(f->buf + BUF - rnd(len + 1));
	default:
		return (unsigned long)f->buf;
	}
}

static void keep_vm(struct fuzzer *f, int fd)
{
	int i = rnd(MAX_VMS);

	f->created++;
	if (f->vms[i] >= 0)
		close(f->vms[i]);
	f->vms[i] = fd;
}

static void fuzz_file_ops(struct fuzzer *f)
{
	int fd = f->vms[rnd(MAX_VMS)];
	size_t len = PAGE * (1 + rnd(4));
	void *p;

	if (fd < 0)
		return;
	switch (rnd(3)) {
	case 0:
		fallocate(fd, rnd(2) ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
				     : (int)rnd(128),
			  rnd_value() & ~0xfffULL, rnd_value());
		break;
	case 1:
		p = mmap(NULL, len, PROT_READ, rnd(2) ? MAP_SHARED : MAP_PRIVATE,
			 fd, rnd(64) * PAGE);
		if (p != MAP_FAILED)
			munmap(p, len);
		break;
	default:
		if (ftruncate(fd, rnd_value()))
			break;
	}
}

static void fuzz_one(struct fuzzer *f)
{
	unsigned long cmd, arg;
	size_t len;
	long ret;
	int fd;

	if (!rnd(64)) {
		fuzz_file_ops(f);
		return;
	}
	fd = pick_fd(f);
	switch (rnd(8)) {
	case 0:
		cmd = _IO(VMPOOL_IOCTL_TYPE, rnd(256));
		break;
	case 1:
		cmd = rnd_value();
		break;
	default:
		cmd = cmds[rnd(ARRAY_SIZE(cmds))];
	}
	len = valid_arg(f, cmd, f->buf);
	if (len && rnd(4))
		mutate(f->buf, len);
	if (cmd == VMPOOL_VM_CREATE) {
		/* Keep VMs small whatever the mutation made of the size. */
		struct vmpool_vm_create *a = (void *)f->buf;

		a->mem_size %= 256 * PAGE + 1;
	}
	arg = len || !rnd(2) ? pick_pointer(f, len) : rnd_value();
	ret = ioctl(fd, cmd, arg);
	f->calls++;
	if (ret >= 0)
		f->ok++;
	if (cmd == VMPOOL_VM_CREATE && fd == f->dev && ret >= 0)
		keep_vm(f, ret);
}

FIXTURE(fuzz) {
	struct fuzzer f;
};

FIXTURE_SETUP(fuzz)
{
	int i;

	self->f.dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (self->f.dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, self->f.dev);
	self->f.null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->f.null);
	for (i = 0; i < MAX_VMS; i++)
		self->f.vms[i] = -1;
	self->f.buf = mmap(NULL, BUF + PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->f.buf);
	ASSERT_EQ(0, mprotect(self->f.buf + BUF, PAGE, PROT_NONE));
	self->f.ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	ASSERT_NE(MAP_FAILED, self->f.ro);
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, ioctls, 3600)
{
	const char *calls_env = getenv("VMPOOL_FUZZ_CALLS");
	const char *seed_env = getenv("VMPOOL_SEED");
	unsigned long calls = calls_env ? strtoul(calls_env, NULL, 0) : 1000000;
	__u64 seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x766d706f6f6cULL;
	struct fuzzer *f = &self->f;
	struct vmpool_audit audit;
	struct vmpool_info info;
	int i;

	TH_LOG("seed %#llx, %lu calls", (unsigned long long)seed, calls);
	state = seed | 1;
	while (f->calls < calls) {
		fuzz_one(f);
		if (f->calls % 100000 == 0) {
			ASSERT_EQ(0, vmpool_audit(f->dev, &audit));
			ASSERT_EQ(0, audit.errors) {
				TH_LOG("after %lu calls", f->calls);
			}
		}
	}
	TH_LOG("%lu calls, %lu succeeded, %lu VMs created", f->calls, f->ok,
	       f->created);
	EXPECT_LT(0, f->created);

	for (i = 0; i < MAX_VMS; i++)
		if (f->vms[i] >= 0)
			close(f->vms[i]);
	ASSERT_EQ(0, vmpool_audit(f->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(0, audit.nr_vms);
	ASSERT_EQ(0, vmpool_info(f->dev, &info));
	EXPECT_EQ(info.total_pages, info.free_pages);
	/* Still fully working. */
	i = vmpool_vm_create(f->dev, 1, PAGE, 1, 0, "after");
	ASSERT_LE(0, i);
	close(i);
}

TEST_HARNESS_MAIN
