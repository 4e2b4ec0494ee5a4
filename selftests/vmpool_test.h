/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vmpool selftests.
 */
#ifndef _VMPOOL_TEST_H
#define _VMPOOL_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmpool.h>

#define VMPOOL_DEV	"/dev/vmpool"

/* Read an unsigned module parameter; -1 if it cannot be read. */
static inline long long vmpool_param(const char *name)
{
	char path[256];
	long long val;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/module/vmpool/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%lld", &val);
	fclose(f);
	return n == 1 ? val : -1;
}

/*
 * Unload the module once the memory of closed VMs is back (until then
 * they keep it loaded).  Returns 0 or -errno.
 */
static inline int vmpool_unload(void)
{
	struct vmpool_info info = {
		.size = sizeof(info),
		.flags = VMPOOL_INFO_SETTLE,
	};
	int dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);

	if (dev >= 0) {
		ioctl(dev, VMPOOL_INFO, &info);
		close(dev);
	}
	return syscall(SYS_delete_module, "vmpool", O_NONBLOCK) ? -errno : 0;
}

/*
 * Make sure the module is loaded with exactly @params ("pool_mb=64",
 * "region=64M@0x40000000" or "movable_mb=128", and "scrub_low=L scrub_high=H" after it if the
 * scrubber is on), reloading it from $VMPOOL_KO if it is loaded otherwise.
 * No VM or /dev/vmpool file may be open.  Returns 0 or -errno.
 */
static inline int vmpool_load(const char *params)
{
	char want[128], have[128];
	const char *ko = getenv("VMPOOL_KO");
	long long mb = vmpool_param("pool_mb");
	FILE *f;
	int fd, ret;

	snprintf(want, sizeof(want), "%s", params);
	have[0] = 0;
	f = fopen("/sys/module/vmpool/parameters/region", "r");
	if (f) {
		if (fscanf(f, "%127s", have) == 1 && strcmp(have, "(null)"))
			snprintf(want, sizeof(want), "region=%s", have);
		else if (vmpool_param("movable_mb") > 0)
			snprintf(want, sizeof(want), "movable_mb=%lld",
				 vmpool_param("movable_mb"));
		else
			snprintf(want, sizeof(want), "pool_mb=%lld", mb);
		fclose(f);
		/* A scrubber left on by a test counts as other parameters. */
		if (vmpool_param("scrub_high") > 0)
			snprintf(want + strlen(want), sizeof(want) - strlen(want),
				 " scrub_low=%lld scrub_high=%lld",
				 vmpool_param("scrub_low"),
				 vmpool_param("scrub_high"));
		if (!strcmp(want, params))
			return 0;
		ret = vmpool_unload();
		if (ret)
			return ret;
	}
	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

/* Return -errno of an ioctl, or its non-negative result. */
static inline long vmpool_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

/* Create a VM with creation @flags; returns its fd or -errno. */
static inline int vmpool_vm_create_flags(int dev, __u32 tenant, size_t mem_size,
					 __u64 reserve, __u64 limit,
					 const char *name, __u32 flags)
{
	struct vmpool_vm_create args = {
		.size = sizeof(args),
		.flags = flags,
		.mem_size = mem_size,
		.reserve_pages = reserve,
		.limit_pages = limit,
		.tenant = tenant,
	};

	snprintf(args.name, sizeof(args.name), "%s", name);
	return vmpool_ioctl(dev, VMPOOL_VM_CREATE, (unsigned long)&args);
}

/* Create a VM; returns its fd or -errno. */
static inline int vmpool_vm_create(int dev, __u32 tenant, size_t mem_size,
				   __u64 reserve, __u64 limit, const char *name)
{
	return vmpool_vm_create_flags(dev, tenant, mem_size, reserve, limit,
				      name, 0);
}

static inline int vmpool_vm_stats(int vm, struct vmpool_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return vmpool_ioctl(vm, VMPOOL_VM_GET_STATS, (unsigned long)st);
}

/* The pool as it stands now, closed VMs' memory perhaps on its way back. */
static inline int vmpool_info_now(int dev, struct vmpool_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return vmpool_ioctl(dev, VMPOOL_INFO, (unsigned long)info);
}

/* The pool once the memory of every VM closed so far is back. */
static inline int vmpool_info(int dev, struct vmpool_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->flags = VMPOOL_INFO_SETTLE;
	return vmpool_ioctl(dev, VMPOOL_INFO, (unsigned long)info);
}

static inline int vmpool_audit(int dev, struct vmpool_audit *audit)
{
	memset(audit, 0, sizeof(*audit));
	audit->size = sizeof(*audit);
	audit->flags = VMPOOL_AUDIT_SETTLE;
	return vmpool_ioctl(dev, VMPOOL_AUDIT, (unsigned long)audit);
}

static inline int vmpool_resize(int dev, unsigned long cmd, int vm,
				__u64 pages)
{
	struct vmpool_pool_resize args = {
		.size = sizeof(args),
		.vm_fd = vm,
		.pages = pages,
	};

	return vmpool_ioctl(dev, cmd, (unsigned long)&args);
}

/* Split (pages > 0) or merge (pages == 0); returns pages moved or -errno. */
static inline long vmpool_move(int dev, int src, int dst, __u64 pages)
{
	struct vmpool_pool_move args = {
		.size = sizeof(args),
		.src_fd = src,
		.dst_fd = dst,
		.pages = pages,
	};
	long ret;

	ret = vmpool_ioctl(dev, pages ? VMPOOL_POOL_SPLIT : VMPOOL_POOL_MERGE,
			   (unsigned long)&args);
	return ret < 0 ? ret : (long)args.pages;
}

/* Why vmpool_source_params() found no such source here. */
#define VMPOOL_NO_SOURCE \
	"memory source not available here (VMPOOL_REGION, VMPOOL_MOVABLE_MB)"

/*
 * Module parameters for a memory source, into @buf; returns 0, or -1 when
 * the source cannot be had here (no region reserved: VMPOOL_REGION unset;
 * no movable memory: VMPOOL_MOVABLE_MB unset).
 */
static inline int vmpool_source_params(__u32 source, char *buf, size_t len)
{
	const char *region = getenv("VMPOOL_REGION");
	const char *movable = getenv("VMPOOL_MOVABLE_MB");

	if (source == VMPOOL_SOURCE_REGION) {
		if (!region)
			return -1;
		snprintf(buf, len, "region=%s", region);
	} else if (source == VMPOOL_SOURCE_MOVABLE) {
		if (!movable)
			return -1;
		snprintf(buf, len, "movable_mb=%s", movable);
	} else {
		snprintf(buf, len, "pool_mb=64");
	}
	return 0;
}

/*
 * Whether this kernel must map a pool of ZONE_DEVICE pages (a region,
 * movable memory blocks) 2 MiB at a time with pmd=1: 6.12 calls a module's
 * ->huge_fault(), 6.1 does not (VMPOOL_CAP_PMD says what this pool does).
 */
static inline bool vmpool_kernel_maps_pmds(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 12);
}

/* Bytes in one of Linux's memory blocks (hot-(un)plug unit), or 0. */
static inline unsigned long long vmpool_block_bytes(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "r");

	if (f) {
		if (fscanf(f, "%llx", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* Write @val to @path (a sysfs or procfs file, say); 0 or -errno. */
static inline int vmpool_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Write module parameter @name (as root).  Returns 0 or -errno. */
static inline int vmpool_set_param(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/vmpool/parameters/%s", name);
	return vmpool_write_file(path, val);
}

/*
 * Wait (up to a minute) until the scrubber's reserve holds @pages; the last
 * report in @info.
 */
static inline bool vmpool_wait_reserve(int dev, __u64 pages,
				       struct vmpool_info *info)
{
	int i;

	for (i = 0; i < 600; i++) {
		if (vmpool_info(dev, info))
			return false;
		if (info->reserve_pages == pages)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

/*
 * Set the scrubber's watermarks (module parameters, in percent of the
 * pool); 0 and 0 turn it off.  Returns 0 or -errno.
 */
static inline int vmpool_scrub_marks(unsigned int low, unsigned int high)
{
	char buf[16];
	int ret;

	snprintf(buf, sizeof(buf), "%u", low);
	ret = vmpool_set_param("scrub_low", buf);
	if (ret)
		return ret;
	snprintf(buf, sizeof(buf), "%u", high);
	return vmpool_set_param("scrub_high", buf);
}

/* Fill [p, p+len) with words @marker ^ index. */
static inline void vmpool_fill(void *p, size_t len, __u64 marker)
{
	__u64 *w = p;
	size_t i;

	for (i = 0; i < len / sizeof(*w); i++)
		w[i] = marker ^ i;
}

/*
 * Words of [p, p+len) that vmpool_fill(@marker) wrote into a range of at
 * most @span bytes, at whatever offset they are now.
 */
static inline size_t vmpool_marker_words(const void *p, size_t len,
					 __u64 marker, size_t span)
{
	const __u64 *w = p;
	size_t i, n = 0;

	for (i = 0; i < len / sizeof(*w); i++)
		if ((w[i] ^ marker) < span / sizeof(*w))
			n++;
	return n;
}

/* Wait up to 5 s for the pool to hold no page back; returns what is held. */
static inline __u64 vmpool_held_after_wait(int dev)
{
	struct vmpool_info info;
	int i;

	for (i = 0; i < 500; i++) {
		if (vmpool_info(dev, &info) || !info.held_pages)
			break;
		usleep(10000);
	}
	return info.held_pages;
}

/*
 * VMPOOL_VM_ATTACH or VMPOOL_VM_DETACH (@cmd) of a process (@pidfd, with
 * VMPOOL_ATTACH_PROCESS) or of @nr threads; returns 0 or -errno.
 */
static inline long vmpool_attach(int vm, unsigned long cmd, __u32 flags,
				 int pidfd, const pid_t *tids, __u32 nr)
{
	struct vmpool_attach args = {
		.size = sizeof(args),
		.flags = flags,
		.pidfd = pidfd,
		.nr_tids = nr,
		.tids = (uintptr_t)tids,
	};

	return vmpool_ioctl(vm, cmd, (unsigned long)&args);
}

/* A RAM block device for O_DIRECT (brd, 8 MiB), or NULL. */
static inline const char *vmpool_ram_disk(void)
{
	struct stat sb;

	if (stat("/dev/ram0", &sb))
		system("modprobe brd rd_nr=1 rd_size=8192 >/dev/null 2>&1");
	return stat("/dev/ram0", &sb) ? NULL : "/dev/ram0";
}

/* VMPOOL_SET_STORE of @fd (-1: none); the store's slots in *@nr_slots. */
static inline long vmpool_set_store(int dev, int fd, __u64 *nr_slots)
{
	struct vmpool_store args = { .size = sizeof(args), .fd = fd };
	long ret = vmpool_ioctl(dev, VMPOOL_SET_STORE, (unsigned long)&args);

	if (!ret && nr_slots)
		*nr_slots = args.nr_slots;
	return ret;
}

/* A regular file of @pages pages at @path, open read-write and unlinked. */
static inline int vmpool_store_file(const char *path, unsigned long pages)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	unlink(path);
	if (ftruncate(fd, pages * sysconf(_SC_PAGESIZE))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * VMPOOL_VM_PAGE_OUT of [offset, offset + length); pages written out and
 * left resident in *@out and *@skipped.
 */
static inline long vmpool_page_out(int vm, __u32 flags, __u64 offset,
				   __u64 length, __u64 *out, __u64 *skipped)
{
	struct vmpool_page_out args = {
		.size = sizeof(args), .flags = flags,
		.offset = offset, .length = length,
	};
	long ret = vmpool_ioctl(vm, VMPOOL_VM_PAGE_OUT, (unsigned long)&args);

	if (out)
		*out = args.pages_out;
	if (skipped)
		*skipped = args.pages_skipped;
	return ret;
}

/*
 * A VM's statistics once no attached thread runs any more (pthread_join()
 * returns before a thread's last switch); waits up to 100 ms.
 */
static inline int vmpool_vm_stats_stopped(int vm, struct vmpool_vm_stats *st)
{
	int ret = 0, i;

	for (i = 0; i < 100; i++) {
		ret = vmpool_vm_stats(vm, st);
		if (ret || !st->running)
			break;
		usleep(1000);
	}
	return ret;
}

/*
 * Log a VM's prediction figures (a test's TH_LOG(); include
 * kselftest_harness.h before using it).
 */
#define VMPOOL_LOG_PREDICTION(st)					\
	do {								\
		const struct vmpool_vm_stats *_st = (st);		\
		__u64 _n = _st->predictions ?: 1;			\
									\
		TH_LOG("%llu activations, %llu predicted, %llu hits (%llu of %llu confident)", \
		       _st->activations, _st->predictions,		\
		       _st->prediction_hits, _st->confident_hits,	\
		       _st->confident_predictions);			\
		TH_LOG("last prediction: basis %u, confidence %u",	\
		       _st->prediction_basis, _st->confidence);		\
		TH_LOG("rule hits: idle %llu/%llu, cycle %llu/%llu, "	\
		       "timer %llu/%llu; %u wake callbacks",		\
		       _st->idle_rule_hits, _st->idle_rule_predictions,	\
		       _st->cycle_rule_hits, _st->cycle_rule_predictions, \
		       _st->timer_rule_hits, _st->timer_rule_predictions, \
		       _st->wake_callbacks);				\
		TH_LOG("mean error %llu us, mean lead %llu ms, tolerance %llu us", \
		       _st->prediction_error_ns / _n / 1000,		\
		       _st->prediction_lead_ns / _n / 1000000,		\
		       _st->prediction_tolerance_ns / 1000);		\
	} while (0)

/* Page faults the calling thread took so far: all, or only the major. */
static inline long vmpool_thread_faults(bool major)
{
	struct rusage ru;

	if (getrusage(RUSAGE_THREAD, &ru))
		return -1;
	return major ? ru.ru_majflt : ru.ru_minflt + ru.ru_majflt;
}

/* CLOCK_MONOTONIC in nanoseconds. */
static inline __u64 vmpool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Stay on the CPU for @ns nanoseconds. */
static inline void vmpool_spin_ns(__u64 ns)
{
	__u64 end = vmpool_now_ns() + ns;

	while (vmpool_now_ns() < end)
		;
}

/* A tenant number no other test (or earlier run) uses. */
static inline __u32 vmpool_new_tenant(void)
{
	static __u32 n;

	return ((__u32)getpid() << 8) + ++n;
}

#endif /* _VMPOOL_TEST_H */
