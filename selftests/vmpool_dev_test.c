// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool control device: open rules, version handshake, INFO, and the
 * extensible-argument rules every ioctl follows.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

FIXTURE(dev) {
	int fd;
	long page_size;
};

FIXTURE_SETUP(dev)
{
	self->page_size = sysconf(_SC_PAGESIZE);
	self->fd = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (self->fd < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
}

TEST_F(dev, device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(VMPOOL_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
}

TEST_F(dev, open_close_many)
{
	int fds[64];
	int i;

	for (i = 0; i < 64; i++) {
		fds[i] = open(VMPOOL_DEV, i & 1 ? O_RDONLY : O_RDWR);
		ASSERT_LE(0, fds[i]);
	}
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, close(fds[i]));
}

TEST_F(dev, api_version)
{
	EXPECT_EQ(VMPOOL_API_VERSION,
		  vmpool_ioctl(self->fd, VMPOOL_GET_API_VERSION, 0));
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->fd, VMPOOL_GET_API_VERSION, 1));
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->fd, VMPOOL_GET_API_VERSION,
					~0UL));
}

TEST_F(dev, check_extension)
{
	static const unsigned long unknown[] = {
		0, 13, 0x7fffffff, 0xffffffff, 1UL << 32, ~0UL,
	};
	unsigned int i;

	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_INFO));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_VM));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_POOL_OPS));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_AUDIT));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_PAGES));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_VM_FLAGS));
	/* Both test kernels have the scheduler tracepoints. */
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_SCHED));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_STORE));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_SETTLE));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_NODES));
	EXPECT_EQ(1, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_NUMA));
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		EXPECT_EQ(0, vmpool_ioctl(self->fd, VMPOOL_CHECK_EXTENSION,
					  unknown[i]));
}

TEST_F(dev, info)
{
	struct vmpool_info info = { .size = sizeof(info) };
	long long pool_mb = vmpool_param("pool_mb");

	ASSERT_EQ(0, vmpool_ioctl(self->fd, VMPOOL_INFO, (unsigned long)&info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(self->page_size, info.page_size);
	ASSERT_LT(0, pool_mb);
	EXPECT_EQ(pool_mb * 1024 * 1024 / self->page_size, info.total_pages);
	/* No VM exists: the whole pool is in the global pool. */
	EXPECT_EQ(info.total_pages, info.free_pages);
	EXPECT_EQ(VMPOOL_SOURCE_PAGE_ALLOC, info.source);
	EXPECT_LE(1, info.nr_chunks);
	EXPECT_GE(info.total_pages, info.nr_chunks);
	/* Tracking costs at most 0.3% of the managed memory. */
	EXPECT_LT(0, info.metadata_bytes);
	EXPECT_GE(info.total_pages * info.page_size * 3 / 1000,
		  info.metadata_bytes);
}

TEST_F(dev, info_size_too_short)
{
	struct vmpool_info info;
	__u32 size;

	for (size = 0; size < VMPOOL_INFO_SIZE_VER0; size++) {
		memset(&info, 0, sizeof(info));
		info.size = size;
		EXPECT_EQ(-EINVAL, vmpool_ioctl(self->fd, VMPOOL_INFO,
						(unsigned long)&info)) {
			TH_LOG("size %u", size);
		}
	}
}

TEST_F(dev, info_size_ver0)
{
	unsigned char buf[sizeof(struct vmpool_info) + 16];
	struct vmpool_info *info = (void *)buf;
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	memset(buf, 0, VMPOOL_INFO_SIZE_VER0);
	info->size = VMPOOL_INFO_SIZE_VER0;
	ASSERT_EQ(0, vmpool_ioctl(self->fd, VMPOOL_INFO, (unsigned long)buf));
	EXPECT_EQ(VMPOOL_INFO_SIZE_VER0, info->size);
	EXPECT_LT(0, info->total_pages);
	/* Nothing is written past the size the caller passed. */
	for (i = VMPOOL_INFO_SIZE_VER0; i < sizeof(buf); i++) {
		ASSERT_EQ(0xa5, buf[i]) {
			TH_LOG("byte %zu overwritten", i);
		}
	}
}

TEST_F(dev, info_size_longer_zero_tail)
{
	const size_t extra[] = { 1, 7, 8, 64, 4096 - sizeof(struct vmpool_info) };
	unsigned char *buf;
	unsigned int i;

	buf = malloc(4096);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		struct vmpool_info *info = (void *)buf;

		memset(buf, 0, 4096);
		info->size = sizeof(*info) + extra[i];
		EXPECT_EQ(0, vmpool_ioctl(self->fd, VMPOOL_INFO,
					  (unsigned long)buf)) {
			TH_LOG("size %u", info->size);
		}
		/* The kernel reports how much it knows and filled in. */
		EXPECT_EQ(sizeof(*info), info->size);
		EXPECT_LT(0, info->total_pages);
	}
	free(buf);
}

TEST_F(dev, info_size_longer_nonzero_tail)
{
	const size_t len = sizeof(struct vmpool_info) + 64;
	unsigned char buf[sizeof(struct vmpool_info) + 64];
	struct vmpool_info *info = (void *)buf;
	size_t pos;

	for (pos = sizeof(*info); pos < len; pos++) {
		memset(buf, 0, sizeof(buf));
		info->size = len;
		buf[pos] = 1;
		EXPECT_EQ(-E2BIG, vmpool_ioctl(self->fd, VMPOOL_INFO,
					       (unsigned long)buf)) {
			TH_LOG("non-zero byte at %zu", pos);
		}
		/* A refused call writes nothing back. */
		EXPECT_EQ(0, info->total_pages);
	}
}

TEST_F(dev, info_size_too_big)
{
	const __u32 sizes[] = { 4097, 8192, 1U << 20, 0x7fffffff, 0xffffffff };
	struct vmpool_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizes[i];
		EXPECT_EQ(-E2BIG, vmpool_ioctl(self->fd, VMPOOL_INFO,
					       (unsigned long)&info)) {
			TH_LOG("size %u", sizes[i]);
		}
	}
}

TEST_F(dev, info_every_flag)
{
	struct vmpool_info info;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.flags = 1U << bit;
		if (info.flags == VMPOOL_INFO_SETTLE) {
			/* Nothing is closing: it returns at once. */
			EXPECT_EQ(0, vmpool_ioctl(self->fd, VMPOOL_INFO,
						  (unsigned long)&info));
			EXPECT_EQ(VMPOOL_INFO_SETTLE, info.flags);
			EXPECT_EQ(info.total_pages, info.free_pages);
			EXPECT_EQ(0, info.closing_pages);
			continue;
		}
		EXPECT_EQ(-EINVAL, vmpool_ioctl(self->fd, VMPOOL_INFO,
						(unsigned long)&info)) {
			TH_LOG("flag bit %u", bit);
		}
		EXPECT_EQ(0, info.total_pages);
	}
	info.flags = VMPOOL_INFO_SETTLE | 2;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->fd, VMPOOL_INFO,
					(unsigned long)&info));
}

TEST_F(dev, audit_every_flag)
{
	struct vmpool_audit audit;
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		memset(&audit, 0, sizeof(audit));
		audit.size = sizeof(audit);
		audit.flags = 1U << bit;
		if (audit.flags == VMPOOL_AUDIT_SETTLE) {
			EXPECT_EQ(0, vmpool_ioctl(self->fd, VMPOOL_AUDIT,
						  (unsigned long)&audit));
			EXPECT_EQ(0, audit.errors);
			EXPECT_LT(0, audit.total_pages);
			continue;
		}
		EXPECT_EQ(-EINVAL, vmpool_ioctl(self->fd, VMPOOL_AUDIT,
						(unsigned long)&audit)) {
			TH_LOG("flag bit %u", bit);
		}
		EXPECT_EQ(0, audit.total_pages);
	}
}

TEST_F(dev, info_bad_pointer)
{
	struct vmpool_info *ro;

	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->fd, VMPOOL_INFO, 0));
	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->fd, VMPOOL_INFO, 1));
	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->fd, VMPOOL_INFO, ~0UL - 7));

	/* Readable but not writable: the answer cannot be delivered. */
	ro = mmap(NULL, self->page_size, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ro->size = sizeof(*ro);
	ASSERT_EQ(0, mprotect(ro, self->page_size, PROT_READ));
	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->fd, VMPOOL_INFO,
					(unsigned long)ro));
	EXPECT_EQ(0, munmap(ro, self->page_size));
}

TEST_F(dev, unknown_ioctl)
{
	const unsigned long cmds[] = {
		_IO(VMPOOL_IOCTL_TYPE, 0x0c),
		_IO(VMPOOL_IOCTL_TYPE, 0x3f),
		/* A VM file's ioctl, on the control device. */
		VMPOOL_VM_GET_STATS,
		_IO(VMPOOL_IOCTL_TYPE, 0x7f),
		_IO(VMPOOL_IOCTL_TYPE, 0xff),
		/* Numbers carry no size and no direction. */
		_IOWR(VMPOOL_IOCTL_TYPE, 0x02, struct vmpool_info),
		_IOR(VMPOOL_IOCTL_TYPE, 0x00, int),
		_IOW(VMPOOL_IOCTL_TYPE, 0x01, int),
		_IO(VMPOOL_IOCTL_TYPE + 1, 0x00),
		_IO('K', 0x00),
		0,
		~0U,
	};
	struct vmpool_info info = { .size = sizeof(info) };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(-ENOTTY, vmpool_ioctl(self->fd, cmds[i],
						(unsigned long)&info)) {
			TH_LOG("cmd %#lx", cmds[i]);
		}
	}
}

TEST_F(dev, no_read_write_mmap)
{
	char c = 0;

	EXPECT_EQ(-1, read(self->fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->page_size, PROT_READ,
				   MAP_SHARED, self->fd, 0));
	EXPECT_EQ(ENODEV, errno);
}

/* Each test runs in its own child, so dropping privileges here is safe. */
TEST(open_unprivileged_user)
{
	if (access(VMPOOL_DEV, F_OK))
		SKIP(return, "vmpool module not loaded");
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, setgid(65534));
	ASSERT_EQ(0, setuid(65534));
	EXPECT_EQ(-1, open(VMPOOL_DEV, O_RDWR));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, open(VMPOOL_DEV, O_RDONLY));
	EXPECT_EQ(EACCES, errno);
}

TEST(open_root_without_cap_sys_admin)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int fd;

	if (access(VMPOOL_DEV, F_OK))
		SKIP(return, "vmpool module not loaded");
	fd = open(VMPOOL_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));

	ASSERT_EQ(0, syscall(SYS_capget, &hdr, data));
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	ASSERT_EQ(0, syscall(SYS_capset, &hdr, data));

	EXPECT_EQ(-1, open(VMPOOL_DEV, O_RDWR));
	EXPECT_EQ(EPERM, errno);
}

TEST_HARNESS_MAIN
