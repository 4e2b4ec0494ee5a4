// SPDX-License-Identifier: GPL-2.0
/*
 * A store that fails underneath: a device-mapper device over a RAM disk,
 * whose table goes, while guest pages are in it, from a linear map to the
 * error target or to dm-flakey failing reads or writes, and back.
 *
 * A failed write leaves the pages resident with every byte, comes back
 * from VMPOOL_VM_PAGE_OUT and is counted in store_errors, whether the
 * store does direct I/O or goes through the page cache.  A failed read
 * gives that access SIGBUS (a system call that touches the page -EFAULT,
 * a populating fallocate() the errno), is counted and logged, leaves the
 * data in the store and the other pages readable, and the page reads back
 * once the device works again.  The audit is clean after each step.  Over
 * each memory source.
 *
 * Environment: as vmpool_vm_test; a brd RAM disk and device-mapper
 * (dm-mod, and dm-flakey for the flakey tests), built in or loaded with
 * modprobe.  A test skips, saying why, when they are missing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define VM_PAGES	64
#define STORE_PAGES	1024
#define DM_NAME		"vmpool-store-fault"
#define DM_CONTROL	"/dev/mapper/control"

/* A device-mapper ioctl's argument, with room for a table or a reply. */
struct dm_req {
	struct dm_ioctl io;
	char data[4096];
};

/* Device-mapper ioctl @cmd on device @name (NULL: none); 0 or -errno. */
static int dm_call(int ctl, unsigned long cmd, const char *name,
		   struct dm_req *req, __u32 flags)
{
	req->io.version[0] = DM_VERSION_MAJOR;
	req->io.data_size = sizeof(*req);
	req->io.data_start = sizeof(req->io);
	req->io.flags = flags;
	if (name)
		snprintf(req->io.name, sizeof(req->io.name), "%s", name);
	return ioctl(ctl, cmd, req) ? -errno : 0;
}

/* The device-mapper control device, loading dm-mod if need be; or -errno. */
static int dm_control(void)
{
	struct stat sb;
	int fd;

	if (stat(DM_CONTROL, &sb))
		system("modprobe dm-mod >/dev/null 2>&1");
	fd = open(DM_CONTROL, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Whether device-mapper has target @name, loading its module if need be. */
static bool dm_has_target(int ctl, const char *name)
{
	struct dm_req req = {};
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "modprobe dm-%s >/dev/null 2>&1", name);
	system(cmd);
	return !dm_call(ctl, DM_GET_TARGET_VERSION, name, &req, 0);
}

/*
 * Make the table of device DM_NAME one target @type (@params) over
 * STORE_PAGES pages, and resume the device with it: from then on every
 * I/O goes to the new table.
 */
static int dm_set_table(int ctl, const char *type, const char *params)
{
	struct dm_req req = {};
	struct dm_target_spec *spec = (struct dm_target_spec *)req.data;
	int ret;

	spec->sector_start = 0;
	spec->length = STORE_PAGES * (PAGE / 512);
	snprintf(spec->target_type, sizeof(spec->target_type), "%s", type);
	snprintf((char *)(spec + 1), sizeof(req.data) - sizeof(*spec), "%s",
		 params);
	req.io.target_count = 1;
	ret = dm_call(ctl, DM_TABLE_LOAD, DM_NAME, &req, 0);
	if (ret)
		return ret;
	/* Resuming suspends the device, swaps the tables and resumes it. */
	memset(&req, 0, sizeof(req));
	return dm_call(ctl, DM_DEV_SUSPEND, DM_NAME, &req, 0);
}

/* Remove device DM_NAME; 0, or -errno (-ENXIO: there was none). */
static int dm_remove(int ctl)
{
	struct dm_req req = {};

	return dm_call(ctl, DM_DEV_REMOVE, DM_NAME, &req, 0);
}

/* Make device DM_NAME a linear map of @disk ("major:minor") again. */
static int dm_set_linear(int ctl, const char *disk)
{
	char params[64];

	snprintf(params, sizeof(params), "%s 0", disk);
	return dm_set_table(ctl, "linear", params);
}

/*
 * Create device DM_NAME, a linear map of @disk ("major:minor"); its node
 * into @node.
 */
static int dm_create(int ctl, const char *disk, char *node, size_t len)
{
	struct dm_req req = {};
	int ret;

	ret = dm_call(ctl, DM_DEV_CREATE, DM_NAME, &req, 0);
	if (ret)
		return ret;
	/* devtmpfs names the disk after its minor. */
	snprintf(node, len, "/dev/dm-%u", minor(req.io.dev));
	ret = dm_set_linear(ctl, disk);
	if (ret)
		dm_remove(ctl);
	return ret;
}

/* What a test works on. */
struct faulty {
	int dev;
	int ctl;		/* device-mapper control */
	char disk[32];		/* the RAM disk under the map, major:minor */
	char node[32];		/* the map's device node */
	int store;		/* the map, open O_DIRECT */
	int vm;
	char *mem;		/* its memory, VM_PAGES pages */
	__u32 id;		/* its id in the kernel log */
};

FIXTURE(store_fault) {
	struct faulty f;
};

FIXTURE_VARIANT(store_fault) {
	__u32 source;
};

FIXTURE_VARIANT_ADD(store_fault, page_alloc) {
	.source = VMPOOL_SOURCE_PAGE_ALLOC,
};

FIXTURE_VARIANT_ADD(store_fault, region) {
	.source = VMPOOL_SOURCE_REGION,
};

/*
 * The store is a linear map of the RAM disk, open O_DIRECT; the VM's
 * pages are all resident.
 */
FIXTURE_SETUP(store_fault)
{
	struct faulty *f = &self->f;
	struct vmpool_vm_stats st;
	const char *disk;
	char params[128];
	struct stat sb;
	__u64 size, n;
	int fd;

	f->dev = -1;
	f->ctl = -1;
	f->store = -1;
	f->vm = -1;
	f->mem = MAP_FAILED;
	if (vmpool_source_params(variant->source, params, sizeof(params)))
		SKIP(return, VMPOOL_NO_SOURCE);
	disk = vmpool_ram_disk();
	if (!disk)
		SKIP(return, "no brd RAM disk (CONFIG_BLK_DEV_RAM)");
	fd = open(disk, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &sb));
	ASSERT_EQ(0, ioctl(fd, BLKGETSIZE64, &size));
	close(fd);
	ASSERT_LE(STORE_PAGES * PAGE, size);
	snprintf(f->disk, sizeof(f->disk), "%u:%u",
		 major(sb.st_rdev), minor(sb.st_rdev));
	f->ctl = dm_control();
	if (f->ctl < 0)
		SKIP(return, "no device-mapper (CONFIG_BLK_DEV_DM): %s: %s",
		     DM_CONTROL, strerror(-f->ctl));

	ASSERT_EQ(0, vmpool_load(params));
	f->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, f->dev);
	ASSERT_EQ(1, vmpool_ioctl(f->dev, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_STORE));
	/* What a test that failed its setup left behind. */
	vmpool_set_store(f->dev, -1, NULL);
	dm_remove(f->ctl);
	ASSERT_EQ(0, dm_create(f->ctl, f->disk, f->node, sizeof(f->node)));
	f->store = open(f->node, O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_LE(0, f->store) {
		TH_LOG("%s: %s", f->node, strerror(errno));
	}
	ASSERT_EQ(0, vmpool_set_store(f->dev, f->store, &n));
	ASSERT_EQ(STORE_PAGES, n);

	f->vm = vmpool_vm_create(f->dev, vmpool_new_tenant(), VM_PAGES * PAGE,
				 0, 0, "store-fault");
	ASSERT_LE(0, f->vm);
	f->mem = mmap(NULL, VM_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->vm, 0);
	ASSERT_NE(MAP_FAILED, f->mem);
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	f->id = st.id;
}

/*
 * Everything goes, the map last: the VM's slots must have been freed
 * (the store comes off only empty) and the audit be clean.
 */
FIXTURE_TEARDOWN(store_fault)
{
	struct faulty *f = &self->f;
	struct vmpool_audit audit;

	if (f->mem != MAP_FAILED)
		munmap(f->mem, VM_PAGES * PAGE);
	if (f->vm >= 0)
		close(f->vm);
	if (f->dev >= 0) {
		EXPECT_EQ(0, vmpool_audit(f->dev, &audit));
		EXPECT_EQ(0, audit.errors);
		EXPECT_EQ(0, audit.swapped_pages);
		EXPECT_EQ(0, audit.transit_pages);
		EXPECT_EQ(0, vmpool_set_store(f->dev, -1, NULL));
		close(f->dev);
	}
	if (f->store >= 0)
		close(f->store);
	if (f->ctl >= 0) {
		EXPECT_EQ(0, dm_remove(f->ctl));
		close(f->ctl);
	}
}

/* Pages [first, first + n) of @mem that do not hold vmpool_fill(@marker). */
static size_t bad_pages(const char *mem, size_t first, size_t n, __u64 marker)
{
	size_t p, bad = 0;

	for (p = first; p < first + n; p++)
		if (vmpool_marker_words(mem + p * PAGE, PAGE,
					marker ^ (p * PAGE / 8), PAGE) != PAGE / 8)
			bad++;
	return bad;
}

/* The audit of the pool: clean, with @swapped pages in the store. */
static void audit_clean(struct __test_metadata *_metadata, int dev,
			__u64 swapped)
{
	struct vmpool_audit audit;

	ASSERT_EQ(0, vmpool_audit(dev, &audit));
	EXPECT_EQ(0, audit.errors);
	EXPECT_EQ(swapped, audit.swapped_pages);
	EXPECT_EQ(0, audit.transit_pages);
}

static sigjmp_buf bus_env;
static void *bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	bus_addr = si->si_addr;
	siglongjmp(bus_env, 1);
}

/*
 * Read the byte at @p into *@c: 0, or -1 if the access got SIGBUS (the
 * faulting address into *@addr).
 */
static int read_byte(const char *p, char *c, void **addr)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO }, old;
	int ret = 0;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_env, 1)) {
		*c = __atomic_load_n(p, __ATOMIC_RELAXED);
	} else {
		*addr = bus_addr;
		ret = -1;
	}
	sigaction(SIGBUS, &old, NULL);
	return ret;
}

/* /dev/kmsg positioned at its end: what the kernel logs from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether the kernel logged a line holding @text since kmsg_open(). */
static bool kmsg_has(int fd, const char *text)
{
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: read on */
			continue;
		if (n <= 0)
			return false;
		rec[n] = 0;
		if (strstr(rec, text))
			return true;
	}
}

/*
 * With the first 16 pages already in the store, the table becomes @type
 * (@params), whose writes fail with EIO: paging the VM out fails with
 * -EIO, with and without VMPOOL_PAGE_OUT_RELEASE; each failure is
 * counted; no page leaves and none had to be read back: they stayed
 * resident with every byte.  If @reads_work, the pages in the store read
 * back meanwhile.  Once the linear map is back, everything goes out and
 * comes back whole.
 */
static void write_fails(struct __test_metadata *_metadata, struct faulty *f,
			const char *type, const char *params, bool reads_work,
			__u64 marker)
{
	struct vmpool_vm_stats st, before;
	struct vmpool_info info, info_before;
	__u64 n = 1, skipped = 1;
	size_t first = 16;

	vmpool_fill(f->mem, VM_PAGES * PAGE, marker);
	ASSERT_EQ(0, vmpool_page_out(f->vm, 0, 0, first * PAGE, &n, NULL));
	ASSERT_EQ(first, n);
	ASSERT_EQ(0, dm_set_table(f->ctl, type, params));

	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &before));
	EXPECT_EQ(-EIO, vmpool_page_out(f->vm, 0, 0, VM_PAGES * PAGE,
					&n, &skipped));
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, skipped);
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(before.store_errors + 1, st.store_errors);
	EXPECT_EQ(before.store_writes + 1, st.store_writes);
	EXPECT_EQ(first, st.pages_out);
	EXPECT_EQ(first, st.pages_swapped);
	EXPECT_EQ(VM_PAGES - first, st.mapped_pages);
	audit_clean(_metadata, f->dev, first);

	/* Released pages would go to the global pool: none does. */
	ASSERT_EQ(0, vmpool_info(f->dev, &info_before));
	EXPECT_EQ(-EIO, vmpool_page_out(f->vm, VMPOOL_PAGE_OUT_RELEASE,
					first * PAGE, PAGE, &n, NULL));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, vmpool_info(f->dev, &info));
	EXPECT_EQ(info_before.free_pages, info.free_pages);
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(before.store_errors + 2, st.store_errors);
	EXPECT_EQ(first, st.pages_swapped);
	audit_clean(_metadata, f->dev, first);

	/* Resident: every byte there, and no read of the store for it. */
	EXPECT_EQ(0, bad_pages(f->mem, first, VM_PAGES - first, marker));
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(before.store_reads, st.store_reads);
	EXPECT_EQ(0, st.pages_in);
	EXPECT_EQ(0, st.major_faults);

	if (reads_work) {
		EXPECT_EQ(0, bad_pages(f->mem, 0, first, marker));
		ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
		EXPECT_EQ(first, st.pages_in);
		EXPECT_EQ(0, st.pages_swapped);
		EXPECT_EQ(before.store_errors + 2, st.store_errors);
	}

	/* The device works again: all of it goes out and comes back. */
	ASSERT_EQ(0, dm_set_linear(f->ctl, f->disk));
	ASSERT_EQ(0, vmpool_page_out(f->vm, 0, 0, VM_PAGES * PAGE, &n,
				     NULL));
	EXPECT_EQ(reads_work ? VM_PAGES : VM_PAGES - first, n);
	audit_clean(_metadata, f->dev, VM_PAGES);
	EXPECT_EQ(0, bad_pages(f->mem, 0, VM_PAGES, marker));
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(0, st.pages_swapped);
	EXPECT_EQ(VM_PAGES, st.mapped_pages);
	EXPECT_EQ(before.store_errors + 2, st.store_errors);
	audit_clean(_metadata, f->dev, 0);
}

/* Every I/O of the error target fails. */
TEST_F(store_fault, write_error_keeps_pages_resident_dm_error)
{
	write_fails(_metadata, &self->f, "error", "", false,
		    0x6572726f72777269ULL);
}

/* dm-flakey, down all the time, failing writes only. */
TEST_F(store_fault, write_error_keeps_pages_resident_dm_flakey)
{
	char params[64];

	if (!dm_has_target(self->f.ctl, "flakey"))
		SKIP(return, "no dm-flakey target (CONFIG_DM_FLAKEY)");
	snprintf(params, sizeof(params), "%s 0 0 1 1 error_writes", self->f.disk);
	write_fails(_metadata, &self->f, "flakey", params, true,
		    0x666c616b79777269ULL);
}

/*
 * The first half of the VM is in the store when the table becomes @type
 * (@params), whose reads fail with EIO.  Touching paged-out page 5 gets
 * SIGBUS at its address; the error is counted and logged; the page
 * taken for the read goes back (the audit finds nothing in transit) and
 * the data stays in the store.  With @syscall, a write(2) from paged-out
 * page 6 gets -EFAULT; without, a populating fallocate() of it gets -EIO.
 * The resident half reads whole.  If @writes_work, pages still go out
 * meanwhile.  Once the linear map is back, every page reads back whole,
 * page 5 included.
 *
 * pr_err_ratelimited() lets 10 lines through in 5 s: the two tests make
 * at most 5 read errors per variant, and the line looked for is each
 * test's first.
 */
static void read_fails(struct __test_metadata *_metadata, struct faulty *f,
		       const char *type, const char *params, bool writes_work,
		       bool syscall, __u64 marker)
{
	const size_t half = VM_PAGES / 2, more = 8;
	struct vmpool_vm_stats st, before;
	char line[128], *p, c = 0;
	void *addr = NULL;
	int kmsg, pipefd[2];
	__u64 n = 0, errors;

	vmpool_fill(f->mem, VM_PAGES * PAGE, marker);
	ASSERT_EQ(0, vmpool_page_out(f->vm, 0, 0, half * PAGE, &n, NULL));
	ASSERT_EQ(half, n);
	ASSERT_EQ(0, dm_set_table(f->ctl, type, params));
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &before));
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);

	p = f->mem + 5 * PAGE + 123;
	EXPECT_EQ(-1, read_byte(p, &c, &addr));
	EXPECT_EQ(p, addr);
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(before.store_errors + 1, st.store_errors);
	EXPECT_EQ(before.store_reads + 1, st.store_reads);
	EXPECT_EQ(0, st.pages_in);
	EXPECT_EQ(0, st.major_faults);
	EXPECT_EQ(half, st.pages_swapped);
	EXPECT_EQ(VM_PAGES - half, st.mapped_pages);
	audit_clean(_metadata, f->dev, half);
	snprintf(line, sizeof(line),
		 "vmpool: VM %u: reading page 5 back from the store: %d",
		 f->id, -EIO);
	EXPECT_TRUE(kmsg_has(kmsg, line)) {
		TH_LOG("not in the kernel log: \"%s\"", line);
	}
	close(kmsg);

	if (syscall) {
		ASSERT_EQ(0, pipe(pipefd));
		errno = 0;
		EXPECT_EQ(-1, write(pipefd[1], f->mem + 6 * PAGE, 16));
		EXPECT_EQ(EFAULT, errno);
		close(pipefd[0]);
		close(pipefd[1]);
	} else {
		errno = 0;
		EXPECT_EQ(-1, fallocate(f->vm, 0, 6 * PAGE, PAGE));
		EXPECT_EQ(EIO, errno);
	}
	/* A copy from user memory may fault twice on the way: 1 or 2 more. */
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_LE(before.store_errors + 2, st.store_errors);
	EXPECT_GE(before.store_errors + 3, st.store_errors);
	errors = st.store_errors;
	EXPECT_EQ(half, st.pages_swapped);
	audit_clean(_metadata, f->dev, half);

	/* The resident half is untouched by it all. */
	EXPECT_EQ(0, bad_pages(f->mem, half, VM_PAGES - half, marker));

	if (writes_work) {
		ASSERT_EQ(0, vmpool_page_out(f->vm, 0, half * PAGE,
					     more * PAGE, &n, NULL));
		EXPECT_EQ(more, n);
		audit_clean(_metadata, f->dev, half + more);
	}

	/* The device works again: every byte comes back, page 5's too. */
	ASSERT_EQ(0, dm_set_linear(f->ctl, f->disk));
	EXPECT_EQ(0, read_byte(f->mem + 5 * PAGE + 123, &c, &addr));
	EXPECT_EQ(0, bad_pages(f->mem, 0, VM_PAGES, marker));
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(0, st.pages_swapped);
	EXPECT_EQ(VM_PAGES, st.mapped_pages);
	EXPECT_EQ(half + (writes_work ? more : 0), st.pages_in);
	EXPECT_EQ(errors, st.store_errors);
	audit_clean(_metadata, f->dev, 0);
}

/* Every I/O of the error target fails. */
TEST_F(store_fault, read_error_gives_sigbus_dm_error)
{
	read_fails(_metadata, &self->f, "error", "", false, false,
		   0x6572726f72726561ULL);
}

/*
 * A failed read into a page that was zero leaves it holding whatever the
 * read gave: it counts as data from then on (dirty), so that it goes to
 * no other tenant unzeroed, not even from the zeroed list.
 */
TEST_F(store_fault, failed_read_leaves_its_page_dirty)
{
	struct faulty *f = &self->f;
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	char c = 0;
	void *addr;
	__u64 n = 0;
	int other;

	vmpool_fill(f->mem, VM_PAGES * PAGE, 0x7374616c65646972ULL);
	ASSERT_EQ(0, vmpool_page_out(f->vm, VMPOOL_PAGE_OUT_RELEASE, 0,
				     VM_PAGES * PAGE, &n, NULL));
	ASSERT_EQ(VM_PAGES, n);
	/* Every free page zeroed: the read's page comes zero from there. */
	ASSERT_EQ(0, vmpool_info(f->dev, &info));
	other = vmpool_vm_create(f->dev, vmpool_new_tenant(),
				 info.free_pages * PAGE, info.free_pages, 0,
				 "zeroer");
	ASSERT_LE(0, other);
	ASSERT_EQ(0, close(other));
	ASSERT_EQ(0, vmpool_info(f->dev, &info));
	ASSERT_EQ(info.free_pages, info.reserve_pages);

	ASSERT_EQ(0, dm_set_table(f->ctl, "error", ""));
	EXPECT_EQ(-1, read_byte(f->mem + 3 * PAGE, &c, &addr));
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_LE(1, st.store_errors);
	EXPECT_EQ(1, st.dedicated_pages);
	/* The audit checks that the page is dirty. */
	audit_clean(_metadata, f->dev, VM_PAGES);
	ASSERT_EQ(0, vmpool_info(f->dev, &info));
	EXPECT_EQ(info.free_pages, info.reserve_pages);

	/* It leaves the VM marked with its tenant, not as zeroed. */
	ASSERT_EQ(0, vmpool_resize(f->dev, VMPOOL_POOL_SHRINK, f->vm, 1));
	ASSERT_EQ(0, vmpool_info(f->dev, &info));
	EXPECT_EQ(info.free_pages - 1, info.reserve_pages);
	ASSERT_EQ(0, dm_set_linear(f->ctl, f->disk));
}

/* dm-flakey, down all the time, failing reads only. */
TEST_F(store_fault, read_error_gives_sigbus_dm_flakey)
{
	char params[64];

	if (!dm_has_target(self->f.ctl, "flakey"))
		SKIP(return, "no dm-flakey target (CONFIG_DM_FLAKEY)");
	snprintf(params, sizeof(params), "%s 0 0 1 1 error_reads", self->f.disk);
	/* The feature came with 6.6's dm-flakey. */
	if (dm_set_table(self->f.ctl, "flakey", params) == -EINVAL)
		SKIP(return, "this dm-flakey has no error_reads");
	ASSERT_EQ(0, dm_set_linear(self->f.ctl, self->f.disk));
	read_fails(_metadata, &self->f, "flakey", params, true, true,
		   0x666c616b79726561ULL);
}

/*
 * The store opened without O_DIRECT: were a write to go to the device's
 * page cache, the device's error would come when the cache is written
 * back (the module does direct I/O on a block device whatever it was
 * opened with).  Page-out must see it all the same: the write error comes
 * back, the pages stay resident.  Then the cache is written back (the
 * error target failing it) and dropped, the linear map comes back, and
 * every byte must still be there: none may have depended on the cache.
 */
TEST_F(store_fault, buffered_write_error_keeps_pages_resident)
{
	const __u64 marker = 0x6275666665726564ULL;
	struct faulty *f = &self->f;
	struct vmpool_vm_stats st;
	__u64 n = 0;

	ASSERT_EQ(0, vmpool_set_store(f->dev, -1, NULL));
	close(f->store);
	f->store = open(f->node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, f->store);
	ASSERT_EQ(0, vmpool_set_store(f->dev, f->store, NULL));

	vmpool_fill(f->mem, VM_PAGES * PAGE, marker);
	ASSERT_EQ(0, dm_set_table(f->ctl, "error", ""));
	EXPECT_EQ(-EIO, vmpool_page_out(f->vm, 0, 0, VM_PAGES * PAGE, &n,
					NULL));
	EXPECT_EQ(0, n);
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(1, st.store_errors);
	EXPECT_EQ(0, st.pages_swapped);
	audit_clean(_metadata, f->dev, st.pages_swapped);

	/* Written back, failing, and dropped from the cache. */
	fsync(f->store);
	EXPECT_EQ(0, ioctl(f->store, BLKFLSBUF, 0));
	ASSERT_EQ(0, dm_set_linear(f->ctl, f->disk));
	EXPECT_EQ(0, bad_pages(f->mem, 0, VM_PAGES, marker));
	ASSERT_EQ(0, vmpool_vm_stats(f->vm, &st));
	EXPECT_EQ(0, st.pages_swapped);
	audit_clean(_metadata, f->dev, 0);
}

TEST_HARNESS_MAIN
