// SPDX-License-Identifier: GPL-2.0
/*
 * The vmpool file system: a mount names a tenant, every file created on it
 * is a VM of that tenant, sized once by ftruncate(), destroyed by unlink()
 * plus the last close; size= caps the mount, reserve= and limit= shape each
 * VM, uid=, gid= and mode= say who may create VMs.  Bad mount options fail
 * with EINVAL and mount nothing.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sched.h>
#include <sys/sysmacros.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define MB		(1024 * 1024UL)

FIXTURE(fs) {
	int dev;
	char dir[64];
	char dir2[64];
	struct vmpool_info info;
	__u32 tenant;
};

FIXTURE_SETUP(fs)
{
	char params[128];

	self->dev = -1;
	self->dir[0] = 0;
	self->dir2[0] = 0;
	/*
	 * Mounts of a namespace of our own go when this test's process does,
	 * VMs and all, even if the teardown does not run.
	 */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	ASSERT_EQ(0, vmpool_source_params(VMPOOL_SOURCE_PAGE_ALLOC, params,
					  sizeof(params)));
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
	ASSERT_EQ(0, self->info.nr_vms);
	snprintf(self->dir, sizeof(self->dir), "/tmp/vmpool-fs-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->dir2, sizeof(self->dir2), "/tmp/vmpool-fs2-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir2));
	self->tenant = vmpool_new_tenant();
}

FIXTURE_TEARDOWN(fs)
{
	struct vmpool_audit audit;
	struct vmpool_info info;

	if (self->dir[0]) {
		umount2(self->dir, MNT_DETACH);
		rmdir(self->dir);
	}
	if (self->dir2[0]) {
		umount2(self->dir2, MNT_DETACH);
		rmdir(self->dir2);
	}
	if (self->dev < 0)
		return;
	ASSERT_EQ(0, vmpool_held_after_wait(self->dev));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.nr_vms);
	EXPECT_EQ(info.total_pages, info.free_pages);
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	close(self->dev);
}

/* The file @name in @dir, created (0600) and opened read-write. */
static int fs_create(const char *dir, const char *name)
{
	char path[256];
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

static int fs_unlink(const char *dir, const char *name)
{
	char path[256];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return unlink(path) ? -errno : 0;
}

static bool is_vmpool(const char *dir)
{
	struct statfs fs;

	return !statfs(dir, &fs) && fs.f_type == VMPOOL_FS_MAGIC;
}

static int fs_truncate(int fd, off_t size)
{
	return ftruncate(fd, size) ? -errno : 0;
}

/* /proc/self/mounts into @buf, NUL-terminated; false if unreadable. */
static bool read_mounts(char *buf, size_t len)
{
	int fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return true;
}

TEST_F(fs, bad_options_fail_and_mount_nothing)
{
	static const char *const bad[] = {
		"",				/* no tenant */
		"size=8M",			/* no tenant either */
		"tenant=0",			/* no such tenant */
		"tenant=4294967296",		/* beyond 32 bits */
		"tenant=acme",			/* neither number nor UUID */
		"tenant=00000000-0000-0000-0000-000000000000",
		"tenant=7,colour=blue",		/* unknown option */
		"tenant=7,size=1000",		/* not whole pages */
		"tenant=7,size=",		/* no size at all */
		"tenant=7,size=8Q",		/* no such suffix */
		"tenant=7,reserve=8M,limit=4M",	/* reserve above limit */
		"tenant=7,reserve=2T",		/* beyond any VM */
		"tenant=7,mode=17777",		/* more than permissions */
		"tenant=7,uid=4294967295",	/* no such user */
		"tenant=7,gid=-1",
		"tenant=7,node=1048576",	/* no such node */
		"tenant=7,node=-1",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		errno = 0;
		EXPECT_EQ(-1, mount("vmpool", self->dir, "vmpool", 0, bad[i]))
			TH_LOG("'%s' mounted", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("'%s'", bad[i]);
		EXPECT_FALSE(is_vmpool(self->dir)) TH_LOG("'%s'", bad[i]);
	}
	/* And a good one does mount. */
	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0,
			   "tenant=7,size=8M,reserve=1M,limit=4M,mode=0700"));
	EXPECT_TRUE(is_vmpool(self->dir));
}

TEST_F(fs, file_becomes_a_vm_of_the_mount_tenant)
{
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	char opts[64];
	struct stat sb;
	void *p;
	int fd;

	snprintf(opts, sizeof(opts), "tenant=%u", self->tenant);
	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0, opts));
	fd = fs_create(self->dir, "guest0");
	ASSERT_LE(0, fd);

	/* Size 0: no VM yet. */
	ASSERT_EQ(0, fstat(fd, &sb));
	EXPECT_EQ(0, sb.st_size);
	EXPECT_TRUE(S_ISREG(sb.st_mode));
	EXPECT_EQ(-ENXIO, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.nr_vms);
	EXPECT_EQ(0, fs_truncate(fd, 0));
	EXPECT_EQ(-EINVAL, fs_truncate(fd, 4 * MB + 1));

	/* The first size makes the VM; it is the mount's tenant's. */
	ASSERT_EQ(0, fs_truncate(fd, 4 * MB));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(self->tenant, st.tenant);
	EXPECT_STREQ("guest0", st.name);
	EXPECT_EQ(4 * MB / PAGE, st.mem_pages);
	EXPECT_EQ(4 * MB / PAGE, st.limit_pages);
	EXPECT_EQ(0, st.dedicated_pages);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(1, info.nr_vms);

	/* Then the size is fixed. */
	EXPECT_EQ(-EINVAL, fs_truncate(fd, 8 * MB));
	EXPECT_EQ(-EINVAL, fs_truncate(fd, 0));
	EXPECT_EQ(0, fs_truncate(fd, 4 * MB));
	ASSERT_EQ(0, fstat(fd, &sb));
	EXPECT_EQ(4 * MB, sb.st_size);

	/* It is guest memory. */
	p = mmap(NULL, 4 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, 4 * MB);
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(4 * MB / PAGE, st.mapped_pages);
	EXPECT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, MB));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(MB / PAGE, st.dedicated_pages);
	ASSERT_EQ(0, munmap(p, 4 * MB));
	EXPECT_EQ(0, fs_unlink(self->dir, "guest0"));
	close(fd);
}

TEST_F(fs, uuid_tenant)
{
	static const __u8 id[16] = {
		0x6f, 0x1e, 0x2b, 0x8a, 0x42, 0x17, 0x4c, 0x3d,
		0x9e, 0x55, 0x10, 0x77, 0xab, 0xcd, 0xef, 0x01,
	};
	struct vmpool_vm_stats st;
	char mounts[4096];
	int fd;

	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0,
			   "tenant=6f1e2b8a-4217-4c3d-9e55-1077abcdef01"));
	fd = fs_create(self->dir, "u");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fs_truncate(fd, MB));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(0, st.tenant);
	EXPECT_EQ(0, memcmp(id, st.tenant_uuid, sizeof(id)));
	EXPECT_EQ(0, fs_unlink(self->dir, "u"));
	close(fd);

	/* /proc/mounts shows the tenant as it was given. */
	ASSERT_TRUE(read_mounts(mounts, sizeof(mounts)));
	EXPECT_NE(NULL, strstr(mounts, "tenant=6f1e2b8a-4217-4c3d-9e55-1077abcdef01"));
}

/*
 * node=: every VM of the mount has it; /proc/mounts shows it; a remount
 * cannot change it.
 */
TEST_F(fs, node_is_every_vms_node)
{
	struct vmpool_vm_stats st;
	char opts[64], mounts[4096];
	int fd;

	snprintf(opts, sizeof(opts), "tenant=%u,node=0,reserve=64K",
		 self->tenant);
	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0, opts));
	fd = fs_create(self->dir, "n");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fs_truncate(fd, MB));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(0, st.node);
	EXPECT_EQ(VMPOOL_VM_NODE, st.vm_flags);
	EXPECT_EQ(16, st.dedicated_pages);
	EXPECT_EQ(0, fs_unlink(self->dir, "n"));
	close(fd);

	ASSERT_TRUE(read_mounts(mounts, sizeof(mounts)));
	EXPECT_NE(NULL, strstr(mounts, ",node=0")) TH_LOG("%s", mounts);
	errno = 0;
	EXPECT_EQ(-1, mount(NULL, self->dir, NULL, MS_REMOUNT, "node=1"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, "node=0"));
}

/* VMs live while linked or open or mapped; the last of these destroys it. */
TEST_F(fs, unlink_and_last_close_destroy_the_vm)
{
	struct vmpool_info info;
	char opts[64], path[256];
	void *p;
	int fd;

	snprintf(opts, sizeof(opts), "tenant=%u", self->tenant);
	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0, opts));

	/* Linked, closed: it lives, memory and all. */
	fd = fs_create(self->dir, "kept");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fs_truncate(fd, 2 * MB));
	p = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	vmpool_fill(p, 2 * MB, 0xfeed);
	ASSERT_EQ(0, munmap(p, 2 * MB));
	close(fd);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(1, info.nr_vms);
	EXPECT_EQ(2 * MB / PAGE, info.mapped_pages);

	/* Reopened by name: the same memory. */
	snprintf(path, sizeof(path), "%s/kept", self->dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = mmap(NULL, 2 * MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(2 * MB / 8, vmpool_marker_words(p, 2 * MB, 0xfeed, 2 * MB));

	/* Unlinked while open and mapped: still there. */
	EXPECT_EQ(0, fs_unlink(self->dir, "kept"));
	close(fd);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(1, info.nr_vms);
	EXPECT_EQ(2 * MB / 8, vmpool_marker_words(p, 2 * MB, 0xfeed, 2 * MB));

	/* The last mapping goes: so does the VM, and its memory returns. */
	ASSERT_EQ(0, munmap(p, 2 * MB));
	ASSERT_EQ(0, vmpool_held_after_wait(self->dev));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(0, info.nr_vms);
	EXPECT_EQ(info.total_pages, info.free_pages);
}

TEST_F(fs, size_caps_the_mount)
{
	struct statfs fs;
	int a, b, c;

	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0,
			   "tenant=7,size=8M"));
	ASSERT_EQ(0, statfs(self->dir, &fs));
	EXPECT_EQ(PAGE, fs.f_bsize);
	EXPECT_EQ(8 * MB / PAGE, fs.f_blocks);
	EXPECT_EQ(8 * MB / PAGE, fs.f_bfree);

	a = fs_create(self->dir, "a");
	b = fs_create(self->dir, "b");
	c = fs_create(self->dir, "c");
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	EXPECT_EQ(-ENOSPC, fs_truncate(a, 12 * MB));
	ASSERT_EQ(0, fs_truncate(a, 4 * MB));
	ASSERT_EQ(0, fs_truncate(b, 4 * MB));
	EXPECT_EQ(-ENOSPC, fs_truncate(c, PAGE));
	ASSERT_EQ(0, statfs(self->dir, &fs));
	EXPECT_EQ(0, fs.f_bfree);

	/* A remount cannot cap below what the VMs have, but may raise it. */
	EXPECT_EQ(-1, mount(NULL, self->dir, NULL, MS_REMOUNT, "size=4M"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mount(NULL, self->dir, NULL, MS_REMOUNT, "tenant=8"));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, "size=12M"));
	EXPECT_EQ(0, fs_truncate(c, 4 * MB));

	/* A destroyed VM gives its share of the cap back. */
	EXPECT_EQ(0, fs_unlink(self->dir, "a"));
	close(a);
	ASSERT_EQ(0, mount(NULL, self->dir, NULL, MS_REMOUNT, "size=8M"));
	EXPECT_EQ(0, fs_unlink(self->dir, "b"));
	close(b);
	a = fs_create(self->dir, "a2");
	ASSERT_LE(0, a);
	EXPECT_EQ(0, fs_truncate(a, 4 * MB));
	EXPECT_EQ(0, fs_unlink(self->dir, "a2"));
	close(a);
	EXPECT_EQ(0, fs_unlink(self->dir, "c"));
	close(c);
}

TEST_F(fs, reserve_and_limit_apply_to_each_vm)
{
	struct vmpool_vm_stats st;
	int big, small;

	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0,
			   "tenant=7,reserve=1M,limit=2M"));
	big = fs_create(self->dir, "big");
	small = fs_create(self->dir, "small");
	ASSERT_LE(0, big);
	ASSERT_LE(0, small);
	ASSERT_EQ(0, fs_truncate(big, 4 * MB));
	ASSERT_EQ(0, vmpool_vm_stats(big, &st));
	EXPECT_EQ(MB / PAGE, st.dedicated_pages);
	EXPECT_EQ(2 * MB / PAGE, st.limit_pages);
	/* The reservation never exceeds the VM. */
	ASSERT_EQ(0, fs_truncate(small, 64 * 1024));
	ASSERT_EQ(0, vmpool_vm_stats(small, &st));
	EXPECT_EQ(16, st.dedicated_pages);
	EXPECT_EQ(0, fs_unlink(self->dir, "big"));
	EXPECT_EQ(0, fs_unlink(self->dir, "small"));
	close(big);
	close(small);
}

/* Run @fn as user @uid (and group @uid) in a child; its exit status. */
static int as_user(uid_t uid, int (*fn)(const char *dir), const char *dir)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
		    setresuid(uid, uid, uid))
			_exit(100);
		_exit(fn(dir));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* 0 if a VM can be created and used in @dir, else the errno. */
static int try_vm(const char *dir)
{
	void *p;
	int fd;

	fd = fs_create(dir, "mine");
	if (fd < 0)
		return -fd;
	if (fs_truncate(fd, MB))
		return errno;
	p = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return errno;
	memset(p, 1, MB);
	munmap(p, MB);
	close(fd);
	return fs_unlink(dir, "mine") ? 99 : 0;
}

TEST_F(fs, permissions_follow_uid_gid_mode)
{
	struct stat sb;

	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0,
			   "tenant=7,uid=1234,gid=1234,mode=0770"));
	ASSERT_EQ(0, stat(self->dir, &sb));
	EXPECT_EQ(1234, sb.st_uid);
	EXPECT_EQ(1234, sb.st_gid);
	EXPECT_EQ(S_IFDIR | 0770, sb.st_mode);
	EXPECT_EQ(0, as_user(1234, try_vm, self->dir));
	EXPECT_EQ(EACCES, as_user(1235, try_vm, self->dir));

	/* By default only the mounter may create VMs. */
	ASSERT_EQ(0, mount("vmpool", self->dir2, "vmpool", 0, "tenant=7"));
	ASSERT_EQ(0, stat(self->dir2, &sb));
	EXPECT_EQ(S_IFDIR | 0755, sb.st_mode);
	EXPECT_EQ(0, sb.st_uid);
	EXPECT_EQ(EACCES, as_user(1234, try_vm, self->dir2));
	EXPECT_EQ(0, try_vm(self->dir2));
}

/* Directories for libvirt; nothing but VMs and directories. */
TEST_F(fs, directories_links_and_nothing_else)
{
	char path[256], path2[256];
	struct vmpool_vm_stats st;
	int fd;

	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0, "tenant=7"));
	snprintf(path, sizeof(path), "%s/domain-1", self->dir);
	ASSERT_EQ(0, mkdir(path, 0750));
	fd = fs_create(path, "pc.ram");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fs_truncate(fd, MB));
	EXPECT_EQ(-1, rmdir(path));
	EXPECT_EQ(ENOTEMPTY, errno);

	/* The name is the file's when it was sized. */
	snprintf(path, sizeof(path), "%s/domain-1/pc.ram", self->dir);
	snprintf(path2, sizeof(path2), "%s/domain-1/other", self->dir);
	ASSERT_EQ(0, rename(path, path2));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_STREQ("pc.ram", st.name);
	ASSERT_EQ(0, link(path2, path));
	ASSERT_EQ(0, unlink(path2));
	ASSERT_EQ(0, unlink(path));
	close(fd);

	snprintf(path, sizeof(path), "%s/fifo", self->dir);
	EXPECT_EQ(-1, mkfifo(path, 0600));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, symlink("/etc/passwd", path));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, mknod(path, S_IFCHR | 0600, makedev(1, 3)));
	EXPECT_EQ(EPERM, errno);
	snprintf(path, sizeof(path), "%s/domain-1", self->dir);
	EXPECT_EQ(0, rmdir(path));
}

TEST_F(fs, umount_waits_for_its_vms)
{
	int fd;

	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0, "tenant=7"));
	fd = fs_create(self->dir, "busy");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fs_truncate(fd, MB));
	EXPECT_EQ(-1, umount2(self->dir, 0));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
	/* Linked but closed: unmounting destroys it. */
	ASSERT_EQ(0, umount2(self->dir, 0));
	EXPECT_FALSE(is_vmpool(self->dir));
}

/* Memory one tenant's VM leaves behind reaches another tenant's mount zeroed. */
TEST_F(fs, other_tenant_mount_gets_zeroed_memory)
{
	size_t size = self->info.total_pages * PAGE;
	struct vmpool_vm_stats st;
	char opts[64];
	void *p;
	int fd;

	snprintf(opts, sizeof(opts), "tenant=%u", self->tenant);
	ASSERT_EQ(0, mount("vmpool", self->dir, "vmpool", 0, opts));
	snprintf(opts, sizeof(opts), "tenant=%u", self->tenant + 1);
	ASSERT_EQ(0, mount("vmpool", self->dir2, "vmpool", 0, opts));

	fd = fs_create(self->dir, "first");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fs_truncate(fd, size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	vmpool_fill(p, size, 0xacce55);
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_EQ(0, fs_unlink(self->dir, "first"));
	close(fd);
	ASSERT_EQ(0, vmpool_held_after_wait(self->dev));

	fd = fs_create(self->dir2, "second");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fs_truncate(fd, size));
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, vmpool_marker_words(p, size, 0xacce55, size));
	ASSERT_EQ(0, vmpool_vm_stats(fd, &st));
	EXPECT_EQ(self->tenant + 1, st.tenant);
	EXPECT_EQ(size, st.bytes_zeroed);
	ASSERT_EQ(0, munmap(p, size));
	ASSERT_EQ(0, fs_unlink(self->dir2, "second"));
	close(fd);
}

TEST_HARNESS_MAIN
