/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace DMA through VFIO (type1 IOMMU) with QEMU's "edu" PCI device.
 *
 * The test guest must be booted with an emulated IOMMU and the device, e.g.
 *   scripts/vm-run.sh -M q35,kernel-irqchip=split \
 *       -d intel-iommu,intremap=on -d edu \
 *       -a 'intel_iommu=on iommu=pt no_timer_check' -- ...
 * iommu=pt only concerns the kernel's own DMA; VFIO still gets a translated
 * domain.  Without no_timer_check, a TCG guest with interrupt remapping
 * panics at boot now and then when the host is busy ("timer doesn't work
 * through Interrupt-remapped IO-APIC").
 *
 * edu (PCI 1234:11e8) has a 4 KiB internal buffer at device address
 * 0x40000 and a DMA engine that copies between that buffer and a bus
 * address, which VFIO's IOMMU mapping turns into host memory.  BAR0 only
 * holds registers: the buffer itself cannot be read or written through
 * MMIO, so vmpool_edu_buf_read() and vmpool_edu_buf_write() go through a
 * private scratch page that the library maps at VMPOOL_EDU_SCRATCH_IOVA.
 *
 * The engine masks bus addresses to 28 bits: everything it is to reach
 * must be mapped below VMPOOL_EDU_DMA_LIMIT (256 MiB).  A transfer starts
 * about 100 ms (QEMU virtual time) after it is programmed.
 *
 * QEMU 7.2 (Debian 12) aborts the whole VM on a transfer that is empty or
 * reaches the buffer's last byte (an off-by-one in edu_check_range(),
 * QEMU issue #1254, fixed in later releases).  So one transfer moves at
 * most VMPOOL_EDU_XFER_MAX (4095) bytes and never touches the last byte
 * of the device's buffer; the helpers refuse anything else with -EINVAL.
 * vmpool_edu_copy() moves whole pages RAM to RAM in smaller pieces.
 *
 * The library keeps no reference to the memory it maps: once
 * vmpool_vfio_map() has returned, the caller may unmap or free its own
 * view of that memory and still reach the pages, pinned by VFIO, through
 * the device at their IOVA until vmpool_vfio_unmap() or
 * vmpool_vfio_edu_close().
 *
 * Needs root (sysfs binding, and VFIO pins count against RLIMIT_MEMLOCK
 * without CAP_IPC_LOCK).  One struct vmpool_edu per device at a time: a
 * VFIO group belongs to one container.
 */
#ifndef _VMPOOL_VFIO_H
#define _VMPOOL_VFIO_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/types.h>
#include <linux/vfio.h>

#define VMPOOL_EDU_VENDOR	0x1234
#define VMPOOL_EDU_DEVICE	0x11e8

/* BAR0 registers. */
#define VMPOOL_EDU_REG_ID	0x00	/* 0xRRrr00ed, 32-bit */
#define VMPOOL_EDU_REG_DMA_SRC	0x80	/* 64-bit */
#define VMPOOL_EDU_REG_DMA_DST	0x88
#define VMPOOL_EDU_REG_DMA_CNT	0x90
#define VMPOOL_EDU_REG_DMA_CMD	0x98
#define VMPOOL_EDU_CMD_RUN	0x1	/* set to start, cleared when done */
#define VMPOOL_EDU_CMD_TO_RAM	0x2	/* direction: device buffer -> RAM */
#define VMPOOL_EDU_CMD_IRQ	0x4

/* The device's internal buffer, in the device's own address space. */
#define VMPOOL_EDU_BUF_ADDR	0x40000ULL
#define VMPOOL_EDU_BUF_SIZE	4096UL
/* Bytes of it one transfer may use: see above. */
#define VMPOOL_EDU_XFER_MAX	(VMPOOL_EDU_BUF_SIZE - 1)
/* The piece vmpool_edu_copy() moves at a time. */
#define VMPOOL_EDU_COPY_CHUNK	2048UL

/* Bus addresses the DMA engine can reach: [0, 256 MiB). */
#define VMPOOL_EDU_DMA_LIMIT	0x10000000ULL

/* The library's scratch page: callers must not map this IOVA. */
#define VMPOOL_EDU_SCRATCH_IOVA	(VMPOOL_EDU_DMA_LIMIT - VMPOOL_EDU_BUF_SIZE)

#define VMPOOL_EDU_DMA_TIMEOUT_MS	2000

/**
 * struct vmpool_edu - an edu device opened through VFIO
 * @container: /dev/vfio/vfio, the IOMMU context
 * @group: /dev/vfio/<group>
 * @device: the device's VFIO file descriptor
 * @group_id: IOMMU group number
 * @bdf: PCI address, e.g. "0000:00:03.0"
 * @bar0: BAR0 mapped into this process, or NULL (then @bar0_off is used
 *        with pread/pwrite on @device)
 * @bar0_size: size of BAR0
 * @bar0_off: offset of BAR0 in @device
 * @scratch: the library's own page, mapped at VMPOOL_EDU_SCRATCH_IOVA
 * @maps: IOVA ranges mapped through this handle (undone at close)
 * @nr_maps: entries used in @maps
 * @max_maps: entries allocated in @maps
 * @unmapped: bytes the last vmpool_vfio_unmap() actually unmapped
 */
struct vmpool_edu {
	int container;
	int group;
	int device;
	int group_id;
	char bdf[64];
	void *bar0;
	size_t bar0_size;
	__u64 bar0_off;
	void *scratch;
	struct vmpool_edu_map {
		__u64 iova;
		__u64 len;
	} *maps;
	size_t nr_maps;
	size_t max_maps;
	__u64 unmapped;
};

/**
 * vmpool_vfio_why() - record why an operation could not be done
 * @why: the caller's buffer (may be NULL)
 * @len: its size
 * @fmt: printf format
 */
static inline void vmpool_vfio_why(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/**
 * vmpool_vfio_now_ms() - monotonic time in milliseconds
 */
static inline __s64 vmpool_vfio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__s64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * vmpool_vfio_sleep_us() - sleep for @us microseconds
 * @us: the time to sleep
 */
static inline void vmpool_vfio_sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/**
 * vmpool_vfio_sysfs_write() - write a string to a sysfs attribute
 * @path: the attribute
 * @val: what to write
 *
 * Return: 0, or a negative errno.
 */
static inline int vmpool_vfio_sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

/**
 * vmpool_vfio_sysfs_hex() - read a sysfs attribute holding a number
 * @path: the attribute
 *
 * Return: the value, or -1 if it cannot be read.
 */
static inline long vmpool_vfio_sysfs_hex(const char *path)
{
	FILE *f = fopen(path, "r");
	long val;
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%li", &val);
	fclose(f);
	return n == 1 ? val : -1;
}

/**
 * vmpool_vfio_link_name() - last component of a symbolic link's target
 * @path: the link
 * @buf: where to store the name
 * @len: size of @buf
 *
 * Return: 0, or a negative errno (-ENOENT if there is no link).
 */
static inline int vmpool_vfio_link_name(const char *path, char *buf,
					size_t len)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n;

	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	snprintf(buf, len, "%s", base);
	return 0;
}

/**
 * vmpool_vfio_find_edu() - find the first edu device on the PCI bus
 * @bdf: where to store its PCI address
 * @len: size of @bdf
 *
 * Return: 1 if found, 0 if not.
 */
static inline int vmpool_vfio_find_edu(char *bdf, size_t len)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	struct dirent *de;
	char path[PATH_MAX];
	int found = 0;

	if (!dir)
		return 0;
	while (!found && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= len)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		if (vmpool_vfio_sysfs_hex(path) != VMPOOL_EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (vmpool_vfio_sysfs_hex(path) != VMPOOL_EDU_DEVICE)
			continue;
		snprintf(bdf, len, "%s", de->d_name);
		found = 1;
	}
	closedir(dir);
	return found;
}

/**
 * vmpool_vfio_bind() - bind a PCI device to vfio-pci
 * @bdf: the device's PCI address
 *
 * Loads vfio-pci if it is neither loaded nor built in, unbinds the device
 * from any other driver, and binds it through driver_override (or, if
 * that fails, vfio-pci's new_id).  The device stays bound afterwards.
 *
 * Return: 0, -ENODEV if vfio-pci is not available, another negative errno
 * if the binding fails.
 */
static inline int vmpool_vfio_bind(const char *bdf)
{
	char path[PATH_MAX], drv[64], id[32];
	int err, i;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	err = vmpool_vfio_link_name(path, drv, sizeof(drv));
	if (!err && !strcmp(drv, "vfio-pci"))
		return 0;

	if (access("/sys/bus/pci/drivers/vfio-pci", F_OK)) {
		if (system("modprobe -q vfio-pci >/dev/null 2>&1") == -1)
			return -errno;
		if (access("/sys/bus/pci/drivers/vfio-pci", F_OK))
			return -ENODEV;
	}

	if (!err) {
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		err = vmpool_vfio_sysfs_write(path, bdf);
		if (err && err != -ENODEV)
			return err;
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	err = vmpool_vfio_sysfs_write(path, "vfio-pci");
	if (!err) {
		/* -EBUSY/-ENODEV here are judged by the check below. */
		vmpool_vfio_sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	} else {
		snprintf(id, sizeof(id), "%04x %04x", VMPOOL_EDU_VENDOR,
			 VMPOOL_EDU_DEVICE);
		err = vmpool_vfio_sysfs_write("/sys/bus/pci/drivers/vfio-pci/new_id",
					      id);
		if (err && err != -EEXIST)
			return err;
		vmpool_vfio_sysfs_write("/sys/bus/pci/drivers/vfio-pci/bind",
					bdf);
	}

	/* Binding is synchronous; allow a moment all the same. */
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	for (i = 0; i < 100; i++) {
		err = vmpool_vfio_link_name(path, drv, sizeof(drv));
		if (!err && !strcmp(drv, "vfio-pci"))
			return 0;
		vmpool_vfio_sleep_us(10000);
	}
	return err ? err : -EBUSY;
}

/**
 * vmpool_edu_rd() - read a BAR0 register
 * @edu: the device
 * @reg: register offset
 * @size: access size, 4 or 8 (edu accepts 4 below 0x80, 4 or 8 above)
 *
 * Return: the value; all ones if the access fails.
 */
static inline __u64 vmpool_edu_rd(struct vmpool_edu *edu, unsigned int reg,
				  unsigned int size)
{
	__u64 v64 = ~0ULL;
	__u32 v32 = ~0U;
	char *p = (char *)edu->bar0 + reg;

	/* Relaxed atomics: exactly one access of the given size, never elided. */
	if (edu->bar0 && size == 8)
		return __atomic_load_n((__u64 *)p, __ATOMIC_RELAXED);
	if (edu->bar0)
		return __atomic_load_n((__u32 *)p, __ATOMIC_RELAXED);
	if (size == 8) {
		if (pread(edu->device, &v64, 8, edu->bar0_off + reg) != 8)
			return ~0ULL;
		return v64;
	}
	if (pread(edu->device, &v32, 4, edu->bar0_off + reg) != 4)
		return ~0ULL;
	return v32;
}

/**
 * vmpool_edu_wr64() - write a 64-bit BAR0 register (offset 0x80 or above)
 * @edu: the device
 * @reg: register offset
 * @val: the value
 *
 * Return: 0, or a negative errno.
 */
static inline int vmpool_edu_wr64(struct vmpool_edu *edu, unsigned int reg,
				  __u64 val)
{
	ssize_t n;

	if (edu->bar0) {
		__atomic_store_n((__u64 *)((char *)edu->bar0 + reg), val,
				 __ATOMIC_RELAXED);
		return 0;
	}
	n = pwrite(edu->device, &val, 8, edu->bar0_off + reg);
	if (n < 0)
		return -errno;
	return n == 8 ? 0 : -EIO;
}

/**
 * vmpool_edu_wait_idle() - wait until the DMA engine is idle
 * @edu: the device
 * @timeout_ms: how long to wait
 *
 * Return: 0, -ETIMEDOUT, or -EIO if the register cannot be read.
 */
static inline int vmpool_edu_wait_idle(struct vmpool_edu *edu, int timeout_ms)
{
	__s64 end = vmpool_vfio_now_ms() + timeout_ms;

	for (;;) {
		__u64 cmd = vmpool_edu_rd(edu, VMPOOL_EDU_REG_DMA_CMD, 8);

		if (cmd == ~0ULL)
			return -EIO;
		if (!(cmd & VMPOOL_EDU_CMD_RUN))
			break;
		if (vmpool_vfio_now_ms() > end)
			return -ETIMEDOUT;
		vmpool_vfio_sleep_us(1000);
	}
	/* What the device wrote to RAM is seen by what follows. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return 0;
}

/**
 * vmpool_edu_dma() - run one DMA transfer and wait for it
 * @edu: the device
 * @to_ram: non-zero: device buffer -> RAM; zero: RAM -> device buffer
 * @buf_off: offset in the device's buffer
 * @iova: bus address of the RAM side (an IOVA mapped in @edu's container)
 * @len: bytes to move, 1 to VMPOOL_EDU_XFER_MAX - @buf_off
 *
 * Out-of-range arguments are refused here rather than sent to the device
 * (QEMU aborts on a transfer outside [0, VMPOOL_EDU_XFER_MAX) of the
 * buffer, and masks bus addresses to 28 bits).  A transfer to an IOVA
 * that is not mapped is blocked by the IOMMU (a DMAR fault in the kernel
 * log; a read from RAM then leaves zeros in the device buffer) and still
 * completes as far as the device is concerned.
 *
 * Return: 0, -EINVAL, -ETIMEDOUT (waited VMPOOL_EDU_DMA_TIMEOUT_MS), or
 * another negative errno.
 */
static inline int vmpool_edu_dma(struct vmpool_edu *edu, int to_ram,
				 size_t buf_off, __u64 iova, size_t len)
{
	__u64 dev = VMPOOL_EDU_BUF_ADDR + buf_off;
	int err;

	if (edu->device < 0 || !len || buf_off >= VMPOOL_EDU_XFER_MAX ||
	    len > VMPOOL_EDU_XFER_MAX - buf_off ||
	    iova >= VMPOOL_EDU_DMA_LIMIT || len > VMPOOL_EDU_DMA_LIMIT - iova)
		return -EINVAL;

	err = vmpool_edu_wait_idle(edu, VMPOOL_EDU_DMA_TIMEOUT_MS);
	if (err)
		return err;
	/* Make the caller's CPU writes visible before the device reads. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	err = vmpool_edu_wr64(edu, VMPOOL_EDU_REG_DMA_SRC, to_ram ? dev : iova);
	if (!err)
		err = vmpool_edu_wr64(edu, VMPOOL_EDU_REG_DMA_DST,
				      to_ram ? iova : dev);
	if (!err)
		err = vmpool_edu_wr64(edu, VMPOOL_EDU_REG_DMA_CNT, len);
	if (!err)
		err = vmpool_edu_wr64(edu, VMPOOL_EDU_REG_DMA_CMD,
				      VMPOOL_EDU_CMD_RUN |
				      (to_ram ? VMPOOL_EDU_CMD_TO_RAM : 0));
	if (err)
		return err;
	return vmpool_edu_wait_idle(edu, VMPOOL_EDU_DMA_TIMEOUT_MS);
}

/**
 * vmpool_edu_dma_to_ram() - copy the device's buffer to RAM at @iova
 * @edu: the device
 * @iova: destination bus address
 * @len: bytes, 1 to VMPOOL_EDU_XFER_MAX, from the start of the device's
 *       buffer
 *
 * Return: 0 or a negative errno, as vmpool_edu_dma().
 */
static inline int vmpool_edu_dma_to_ram(struct vmpool_edu *edu, __u64 iova,
					size_t len)
{
	return vmpool_edu_dma(edu, 1, 0, iova, len);
}

/**
 * vmpool_edu_dma_from_ram() - copy RAM at @iova into the device's buffer
 * @edu: the device
 * @iova: source bus address
 * @len: bytes, 1 to VMPOOL_EDU_XFER_MAX, stored at the start of the
 *       device's buffer
 *
 * Return: 0 or a negative errno, as vmpool_edu_dma().
 */
static inline int vmpool_edu_dma_from_ram(struct vmpool_edu *edu,
					  __u64 iova, size_t len)
{
	return vmpool_edu_dma(edu, 0, 0, iova, len);
}

/**
 * vmpool_edu_buf_write() - fill the start of the device's buffer
 * @edu: the device
 * @src: the bytes
 * @len: how many, 1 to VMPOOL_EDU_XFER_MAX
 *
 * The buffer is not reachable through BAR0: the bytes go through the
 * library's scratch page and a RAM -> device transfer.
 *
 * Return: 0 or a negative errno, as vmpool_edu_dma().
 */
static inline int vmpool_edu_buf_write(struct vmpool_edu *edu,
				       const void *src, size_t len)
{
	if (!edu->scratch || !len || len > VMPOOL_EDU_XFER_MAX)
		return -EINVAL;
	memcpy(edu->scratch, src, len);
	return vmpool_edu_dma_from_ram(edu, VMPOOL_EDU_SCRATCH_IOVA, len);
}

/**
 * vmpool_edu_buf_read() - read the start of the device's buffer
 * @edu: the device
 * @dst: where to store the bytes
 * @len: how many, 1 to VMPOOL_EDU_XFER_MAX
 *
 * Goes through the library's scratch page and a device -> RAM transfer.
 *
 * Return: 0 or a negative errno, as vmpool_edu_dma().
 */
static inline int vmpool_edu_buf_read(struct vmpool_edu *edu, void *dst,
				      size_t len)
{
	int err;

	if (!edu->scratch || !len || len > VMPOOL_EDU_XFER_MAX)
		return -EINVAL;
	err = vmpool_edu_dma_to_ram(edu, VMPOOL_EDU_SCRATCH_IOVA, len);
	if (!err)
		memcpy(dst, edu->scratch, len);
	return err;
}

/**
 * vmpool_edu_copy() - copy RAM to RAM through the device
 * @edu: the device
 * @src_iova: bus address to read
 * @dst_iova: bus address to write
 * @len: bytes, any length (two transfers per VMPOOL_EDU_COPY_CHUNK)
 *
 * Every byte goes RAM -> device buffer -> RAM, so whole pages can be
 * moved despite the per-transfer limit.  The device buffer is clobbered.
 *
 * Return: 0 or a negative errno, as vmpool_edu_dma().
 */
static inline int vmpool_edu_copy(struct vmpool_edu *edu, __u64 src_iova,
				  __u64 dst_iova, size_t len)
{
	size_t done, n;
	int err;

	if (!len)
		return -EINVAL;
	for (done = 0; done < len; done += n) {
		n = len - done;
		if (n > VMPOOL_EDU_COPY_CHUNK)
			n = VMPOOL_EDU_COPY_CHUNK;
		err = vmpool_edu_dma_from_ram(edu, src_iova + done, n);
		if (!err)
			err = vmpool_edu_dma_to_ram(edu, dst_iova + done, n);
		if (err)
			return err;
	}
	return 0;
}

/**
 * vmpool_vfio_map() - map host memory for the device's DMA
 * @edu: the device
 * @vaddr: page-aligned start of the memory in this process
 * @iova: page-aligned bus address to map it at (below VMPOOL_EDU_DMA_LIMIT
 *        for the device to reach it)
 * @len: page-aligned length
 *
 * VFIO_IOMMU_MAP_DMA, readable and writable by the device.  The pages are
 * pinned until unmapped; the library does not keep @vaddr.
 *
 * Return: 0, or the ioctl's negative errno (-EFAULT for memory VFIO cannot
 * pin, -EEXIST for an IOVA already mapped, ...), or -ENOMEM.
 */
static inline int vmpool_vfio_map(struct vmpool_edu *edu, void *vaddr,
				  __u64 iova, size_t len)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)vaddr,
		.iova = iova,
		.size = len,
	};

	if (edu->container < 0)
		return -EBADF;
	if (edu->nr_maps == edu->max_maps) {
		size_t max = edu->max_maps ? 2 * edu->max_maps : 16;
		struct vmpool_edu_map *maps;

		maps = realloc(edu->maps, max * sizeof(*maps));
		if (!maps)
			return -ENOMEM;
		edu->maps = maps;
		edu->max_maps = max;
	}
	if (ioctl(edu->container, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	edu->maps[edu->nr_maps].iova = iova;
	edu->maps[edu->nr_maps].len = len;
	edu->nr_maps++;
	return 0;
}

/**
 * vmpool_vfio_unmap() - remove IOMMU mappings
 * @edu: the device
 * @iova: start of the range
 * @len: its length
 *
 * VFIO_IOMMU_UNMAP_DMA: every mapping inside the range goes (type1v2
 * refuses to split a mapping: -EINVAL).  A range with nothing mapped is
 * not an error; @edu->unmapped tells how many bytes were unmapped.
 *
 * Return: 0, or the ioctl's negative errno.
 */
static inline int vmpool_vfio_unmap(struct vmpool_edu *edu, __u64 iova,
				    size_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};
	size_t i, j;

	edu->unmapped = 0;
	if (edu->container < 0)
		return -EBADF;
	if (ioctl(edu->container, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	edu->unmapped = unmap.size;
	for (i = j = 0; i < edu->nr_maps; i++) {
		struct vmpool_edu_map *m = &edu->maps[i];

		if (m->iova >= iova && m->iova + m->len <= iova + len)
			continue;
		edu->maps[j++] = *m;
	}
	edu->nr_maps = j;
	return 0;
}

/**
 * vmpool_vfio_edu_close() - release the device
 * @edu: the device; safe on a handle that was never opened, or closed
 *
 * Waits for a transfer in flight, unmaps every IOVA mapped through @edu,
 * and closes the device, group and container.  The device stays bound to
 * vfio-pci.
 */
static inline void vmpool_vfio_edu_close(struct vmpool_edu *edu)
{
	if (edu->device >= 0)
		vmpool_edu_wait_idle(edu, VMPOOL_EDU_DMA_TIMEOUT_MS);
	while (edu->nr_maps) {
		struct vmpool_edu_map *m = &edu->maps[edu->nr_maps - 1];

		/* Drops @m from the list; closing the container undoes the rest. */
		if (vmpool_vfio_unmap(edu, m->iova, m->len))
			break;
	}
	if (edu->bar0)
		munmap(edu->bar0, edu->bar0_size);
	if (edu->device >= 0)
		close(edu->device);
	if (edu->group >= 0)
		close(edu->group);
	if (edu->container >= 0)
		close(edu->container);
	if (edu->scratch)
		munmap(edu->scratch, VMPOOL_EDU_BUF_SIZE);
	free(edu->maps);
	memset(edu, 0, sizeof(*edu));
	edu->container = -1;
	edu->group = -1;
	edu->device = -1;
	edu->group_id = -1;
}

/**
 * vmpool_vfio_region() - look up one region of the device
 * @edu: the device
 * @index: VFIO_PCI_*_REGION_INDEX
 * @info: filled in
 *
 * Return: 0, or a negative errno.
 */
static inline int vmpool_vfio_region(struct vmpool_edu *edu, unsigned int index,
				     struct vfio_region_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	if (ioctl(edu->device, VFIO_DEVICE_GET_REGION_INFO, info))
		return -errno;
	return 0;
}

/**
 * vmpool_vfio_edu_open() - find the edu device and open it through VFIO
 * @edu: the handle to fill in
 * @why: filled with the reason when the return value is not 1 (may be NULL)
 * @len: size of @why
 *
 * Finds the first 1234:11e8 device, binds it to vfio-pci (loading the
 * module if need be), attaches its IOMMU group to a new type1 container,
 * enables memory decoding and bus mastering, maps BAR0, and maps the
 * library's scratch page at VMPOOL_EDU_SCRATCH_IOVA.
 *
 * Return: 1 when the device is ready; 0 when the environment lacks
 * something (no edu device, no IOMMU, no vfio-pci, not root), so the
 * caller may skip; a negative errno on a real failure.  Unless 1 is
 * returned, @edu is left closed.
 */
static inline int vmpool_vfio_edu_open(struct vmpool_edu *edu, char *why,
				       size_t len)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info dinfo = { .argsz = sizeof(dinfo) };
	struct vfio_region_info bar0, cfg;
	char path[PATH_MAX], name[32];
	__u16 cmd;
	__u32 id;
	ssize_t n;
	void *p;
	int err, type, i;

	memset(edu, 0, sizeof(*edu));
	edu->container = -1;
	edu->group = -1;
	edu->device = -1;
	edu->group_id = -1;
	vmpool_vfio_why(why, len, "ok");

	if (!vmpool_vfio_find_edu(edu->bdf, sizeof(edu->bdf))) {
		vmpool_vfio_why(why, len,
				"no edu PCI device (%04x:%04x): QEMU needs -device edu",
				VMPOOL_EDU_VENDOR, VMPOOL_EDU_DEVICE);
		return 0;
	}

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group",
		 edu->bdf);
	err = vmpool_vfio_link_name(path, name, sizeof(name));
	if (err) {
		vmpool_vfio_why(why, len,
				"edu %s has no IOMMU group: QEMU needs -device intel-iommu, the kernel intel_iommu=on",
				edu->bdf);
		return 0;
	}
	edu->group_id = atoi(name);

	err = vmpool_vfio_bind(edu->bdf);
	if (err == -ENODEV || err == -EACCES || err == -EPERM) {
		vmpool_vfio_why(why, len, "cannot bind %s to vfio-pci: %s",
				edu->bdf, err == -ENODEV ?
				"no vfio-pci driver" : strerror(-err));
		goto skip;
	}
	if (err) {
		vmpool_vfio_why(why, len, "binding %s to vfio-pci: %s",
				edu->bdf, strerror(-err));
		goto fail;
	}

	edu->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (edu->container < 0) {
		err = -errno;
		vmpool_vfio_why(why, len, "/dev/vfio/vfio: %s", strerror(errno));
		if (err == -ENOENT || err == -EACCES)
			goto skip;
		goto fail;
	}
	if (ioctl(edu->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		vmpool_vfio_why(why, len, "unknown VFIO API version");
		goto skip;
	}
	if (ioctl(edu->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		type = VFIO_TYPE1v2_IOMMU;
	} else if (ioctl(edu->container, VFIO_CHECK_EXTENSION,
			 VFIO_TYPE1_IOMMU) > 0) {
		type = VFIO_TYPE1_IOMMU;
	} else {
		vmpool_vfio_why(why, len, "VFIO has no type1 IOMMU support");
		goto skip;
	}

	/* devtmpfs makes the node when the device binds; allow a moment. */
	snprintf(path, sizeof(path), "/dev/vfio/%d", edu->group_id);
	for (i = 0; i < 100; i++) {
		edu->group = open(path, O_RDWR | O_CLOEXEC);
		if (edu->group >= 0 || errno != ENOENT)
			break;
		vmpool_vfio_sleep_us(10000);
	}
	if (edu->group < 0) {
		err = -errno;
		vmpool_vfio_why(why, len, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (ioctl(edu->group, VFIO_GROUP_GET_STATUS, &status)) {
		err = -errno;
		vmpool_vfio_why(why, len, "VFIO_GROUP_GET_STATUS: %s",
				strerror(errno));
		goto fail;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		vmpool_vfio_why(why, len,
				"IOMMU group %d is not viable (other devices in it are bound to other drivers)",
				edu->group_id);
		goto skip;
	}
	if (ioctl(edu->group, VFIO_GROUP_SET_CONTAINER, &edu->container)) {
		err = -errno;
		vmpool_vfio_why(why, len, "VFIO_GROUP_SET_CONTAINER: %s",
				strerror(errno));
		goto fail;
	}
	if (ioctl(edu->container, VFIO_SET_IOMMU, type)) {
		err = -errno;
		vmpool_vfio_why(why, len, "VFIO_SET_IOMMU: %s", strerror(errno));
		goto fail;
	}
	edu->device = ioctl(edu->group, VFIO_GROUP_GET_DEVICE_FD, edu->bdf);
	if (edu->device < 0) {
		err = -errno;
		vmpool_vfio_why(why, len, "VFIO_GROUP_GET_DEVICE_FD: %s",
				strerror(errno));
		goto fail;
	}
	if (ioctl(edu->device, VFIO_DEVICE_GET_INFO, &dinfo)) {
		err = -errno;
		vmpool_vfio_why(why, len, "VFIO_DEVICE_GET_INFO: %s",
				strerror(errno));
		goto fail;
	}
	if (!(dinfo.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    dinfo.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
		err = -ENODEV;
		vmpool_vfio_why(why, len, "%s is not a VFIO PCI device",
				edu->bdf);
		goto fail;
	}

	err = vmpool_vfio_region(edu, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);
	if (!err) {
		n = pread(edu->device, &cmd, 2, cfg.offset + PCI_COMMAND);
		err = n < 0 ? -errno : n != 2 ? -EIO : 0;
	}
	if (!err) {
		cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
		n = pwrite(edu->device, &cmd, 2, cfg.offset + PCI_COMMAND);
		err = n < 0 ? -errno : n != 2 ? -EIO : 0;
	}
	if (err) {
		vmpool_vfio_why(why, len, "enabling bus mastering: %s",
				strerror(-err));
		goto fail;
	}

	err = vmpool_vfio_region(edu, VFIO_PCI_BAR0_REGION_INDEX, &bar0);
	if (!err && bar0.size < VMPOOL_EDU_REG_DMA_CMD + 8)
		err = -ENODEV;
	if (err) {
		vmpool_vfio_why(why, len, "BAR0: %s", strerror(-err));
		goto fail;
	}
	edu->bar0_off = bar0.offset;
	edu->bar0_size = bar0.size;
	if (bar0.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		p = mmap(NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 edu->device, bar0.offset);
		if (p != MAP_FAILED)
			edu->bar0 = p;
	}
	id = vmpool_edu_rd(edu, VMPOOL_EDU_REG_ID, 4);
	if ((id & 0xffff) != 0x00ed) {
		err = -ENODEV;
		vmpool_vfio_why(why, len, "BAR0 id register reads %#x", id);
		goto fail;
	}
	err = vmpool_edu_wait_idle(edu, VMPOOL_EDU_DMA_TIMEOUT_MS);
	if (err) {
		vmpool_vfio_why(why, len, "DMA engine busy: %s", strerror(-err));
		goto fail;
	}

	p = mmap(NULL, VMPOOL_EDU_BUF_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		vmpool_vfio_why(why, len, "scratch page: %s", strerror(errno));
		goto fail;
	}
	memset(p, 0, VMPOOL_EDU_BUF_SIZE);
	edu->scratch = p;
	err = vmpool_vfio_map(edu, p, VMPOOL_EDU_SCRATCH_IOVA,
			      VMPOOL_EDU_BUF_SIZE);
	if (err) {
		vmpool_vfio_why(why, len, "mapping the scratch page: %s",
				strerror(-err));
		goto fail;
	}
	return 1;

skip:
	vmpool_vfio_edu_close(edu);
	return 0;
fail:
	vmpool_vfio_edu_close(edu);
	return err ? err : -EIO;
}

#endif /* _VMPOOL_VFIO_H */
