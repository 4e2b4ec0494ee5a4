// SPDX-License-Identifier: GPL-2.0
/*
 * vmpool module parameters: each memory source loads, and every bad
 * parameter fails the load cleanly, leaving nothing behind.
 *
 * Unloading gives a tenant's pages back to the page allocator only once they
 * are zeroed, which is checked by reading them through /proc/kcore.
 *
 * Environment: VMPOOL_KO, the module; VMPOOL_REGION, the range the guest
 * reserved with memmap=, and VMPOOL_MOVABLE_MB, the movable memory the
 * module may take (tests that need them are skipped without).
 */
#define _GNU_SOURCE
#include <linux/elf.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

static int load(const char *params)
{
	const char *ko = getenv("VMPOOL_KO");
	int fd, ret;

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

static int unload(void)
{
	if (access("/sys/module/vmpool", F_OK))
		return 0;
	return vmpool_unload();
}

FIXTURE(load) {
	char region[64];
	unsigned long long region_size, region_phys;
	long long movable_mb;	/* movable memory the module may take, or 0 */
};

FIXTURE_SETUP(load)
{
	const char *r = getenv("VMPOOL_REGION");

	if (!getenv("VMPOOL_KO"))
		SKIP(return, "VMPOOL_KO not set");
	if (r) {
		snprintf(self->region, sizeof(self->region), "%s", r);
		self->region_size = strtoull(r, NULL, 0);
		if (strchr(r, 'M'))
			self->region_size <<= 20;
		self->region_phys = strtoull(strchr(r, '@') + 1, NULL, 0);
	}
	if (getenv("VMPOOL_MOVABLE_MB"))
		self->movable_mb = atoll(getenv("VMPOOL_MOVABLE_MB"));
	ASSERT_EQ(0, unload());
}

FIXTURE_TEARDOWN(load)
{
	/* Leave the module as the suite expects it. */
	EXPECT_EQ(0, unload());
	EXPECT_EQ(0, load("pool_mb=64"));
}

TEST_F(load, page_alloc_default_and_sizes)
{
	struct vmpool_info info;
	int fd;

	ASSERT_EQ(0, load(""));
	fd = open(VMPOOL_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_info(fd, &info));
	EXPECT_EQ(64 * 256, info.total_pages);
	EXPECT_EQ(VMPOOL_SOURCE_PAGE_ALLOC, info.source);
	close(fd);
	ASSERT_EQ(0, unload());

	ASSERT_EQ(0, load("pool_mb=3"));
	fd = open(VMPOOL_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_info(fd, &info));
	EXPECT_EQ(3 * 256, info.total_pages);
	close(fd);
}

TEST_F(load, region)
{
	struct vmpool_info info;
	char params[96];
	int fd;

	if (!self->region[0])
		SKIP(return, "no region reserved");
	snprintf(params, sizeof(params), "region=%s", self->region);
	ASSERT_EQ(0, load(params));
	fd = open(VMPOOL_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, vmpool_info(fd, &info));
	EXPECT_EQ(VMPOOL_SOURCE_REGION, info.source);
	EXPECT_EQ(1, info.nr_chunks);
	EXPECT_EQ(self->region_size / 4096, info.total_pages);
	close(fd);

	/* A sub-range loads too; the claim is released on unload. */
	ASSERT_EQ(0, unload());
	snprintf(params, sizeof(params), "region=2M@%#llx",
		 self->region_phys + (2 << 20));
	ASSERT_EQ(0, load(params));
}

/* How many of Linux's memory blocks are offline. */
static int offline_blocks(void)
{
	char path[96], state[32];
	int i, n = 0;
	FILE *f;

	for (i = 0; i < 4096; i++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%d/state", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%31s", state) == 1 && strcmp(state, "online"))
			n++;
		fclose(f);
	}
	return n;
}

/* Linux's memory, from /proc/meminfo, in KiB. */
static long long mem_total_kb(void)
{
	long long kb = -1;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * movable_mb= takes whole movable memory blocks from Linux, one chunk
 * each, and gives them back at unload: Linux has that memory again, every
 * block online, and a second load finds the blocks again.
 */
TEST_F(load, movable_blocks_taken_and_given_back)
{
	unsigned long long block = vmpool_block_bytes();
	long long before = mem_total_kb(), during;
	struct vmpool_info info;
	char params[64];
	int fd, round;

	if (!self->movable_mb)
		SKIP(return, "no movable memory (VMPOOL_MOVABLE_MB)");
	ASSERT_NE(0, block);
	ASSERT_EQ(0, offline_blocks());
	snprintf(params, sizeof(params), "movable_mb=%lld", self->movable_mb);
	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, load(params));
		fd = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, vmpool_info(fd, &info));
		EXPECT_EQ(VMPOOL_SOURCE_MOVABLE, info.source);
		EXPECT_EQ(self->movable_mb << 20 >> 12, info.total_pages);
		EXPECT_EQ((self->movable_mb << 20) / block, info.nr_chunks);
		close(fd);
		/*
		 * Gone from Linux while the pool has it (less what Linux had
		 * reserved in it at boot: the struct pages of its memory).
		 */
		during = mem_total_kb();
		EXPECT_LE((self->movable_mb << 10) / 16 * 15, before - during);

		ASSERT_EQ(0, unload());
		EXPECT_EQ(0, offline_blocks());
		EXPECT_LE(before, mem_total_kb());
	}
}

/*
 * More movable memory than there is, or a size that is not whole blocks:
 * the load fails, and every block it took is Linux's again.
 */
TEST_F(load, movable_bad_sizes_lose_nothing)
{
	unsigned long long block = vmpool_block_bytes();
	long long before = mem_total_kb();
	char params[64];

	if (!self->movable_mb)
		SKIP(return, "no movable memory (VMPOOL_MOVABLE_MB)");
	ASSERT_NE(0, block);
	/* Half a block. */
	snprintf(params, sizeof(params), "movable_mb=%llu", block >> 21);
	EXPECT_EQ(-EINVAL, load(params));
	/* Whole blocks, more of them than are movable. */
	snprintf(params, sizeof(params), "movable_mb=%llu",
		 (before >> 10) / (block >> 20) * (block >> 20));
	EXPECT_EQ(-ENOMEM, load(params));
	EXPECT_EQ(0, offline_blocks());
	EXPECT_LE(before, mem_total_kb());
	/* Two sources at once. */
	snprintf(params, sizeof(params), "movable_mb=%lld pool_mb=8",
		 self->movable_mb);
	EXPECT_EQ(-EINVAL, load(params));
	EXPECT_EQ(-EINVAL, load("movable_mb=1048576000"));
	EXPECT_NE(0, access("/sys/module/vmpool", F_OK));
}

/* Whether the kernel command line has @word, space separated. */
static bool cmdline_has(const char *word)
{
	char line[4096], *tok, *save;
	bool found = false;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return false;
	if (fgets(line, sizeof(line), f))
		for (tok = strtok_r(line, "\n ", &save); tok && !found;
		     tok = strtok_r(NULL, "\n ", &save))
			found = !strcmp(tok, word);
	fclose(f);
	return found;
}

/*
 * debug_pagealloc leaves free pages of a removed block out of the direct
 * map, where the pool would fault on them: movable_mb= refuses to load,
 * and takes no block.
 */
TEST_F(load, movable_refused_with_debug_pagealloc)
{
	unsigned long long block = vmpool_block_bytes();
	long long before = mem_total_kb();
	char params[64];

	if (!cmdline_has("debug_pagealloc=on"))
		SKIP(return, "debug_pagealloc is off");
	ASSERT_NE(0, block);
	snprintf(params, sizeof(params), "movable_mb=%llu", block >> 20);
	EXPECT_EQ(-EOPNOTSUPP, load(params));
	EXPECT_EQ(0, offline_blocks());
	EXPECT_EQ(before, mem_total_kb());
	EXPECT_NE(0, access("/sys/module/vmpool", F_OK));
}

TEST_F(load, bad_parameters)
{
	char params[96];
	unsigned int i;
	static const char * const bad[] = {
		"pool_mb=1048576000",		/* more than the machine */
		"region=",
		"region=64M",
		"region=64M@",
		"region=64M@0x40000000x",
		"region=0@0x40000000",
		"region=64M@0x40000001",	/* misaligned */
		"region=4097@0x40000000",
		"region=1M@0x40000000",		/* not 2 MiB */
		"region=2M@0x40100000",
		/*
		 * Firmware-reserved memory and a hole around it (QEMU's BIOS
		 * at the top of 4 GiB): reserved, but not RAM memmap= took.
		 */
		"region=2M@0xffe00000",
		"region=64M@0x1000000",		/* System RAM */
		"region=64M@0xfffffffffff00000", /* wraps */
		"region=64M@0x4000000000",	/* no memory there */
	};

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, load(bad[i])) {
			TH_LOG("%s", bad[i]);
		}
		EXPECT_NE(0, access("/sys/module/vmpool", F_OK));
	}
	if (self->region[0]) {
		snprintf(params, sizeof(params), "pool_mb=8 region=%s",
			 self->region);
		EXPECT_EQ(-EINVAL, load(params));
		/* Partly outside the reserved range. */
		snprintf(params, sizeof(params), "region=%lluM@%#llx",
			 (self->region_size >> 20) + 1, self->region_phys);
		EXPECT_EQ(-EINVAL, load(params));
	}
	EXPECT_NE(0, access("/sys/module/vmpool", F_OK));
}

/* Where /proc/kcore holds the kernel's mapping of physical memory. */
struct kcore {
	int fd;
	struct elf64_phdr ph[64];
	unsigned int nr;
};

static int kcore_open(struct kcore *k)
{
	struct elf64_hdr eh;

	k->fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (k->fd < 0)
		return -errno;
	if (pread(k->fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(struct elf64_phdr))
		return -EINVAL;
	k->nr = eh.e_phnum < ARRAY_SIZE(k->ph) ? eh.e_phnum : ARRAY_SIZE(k->ph);
	if (pread(k->fd, k->ph, k->nr * sizeof(struct elf64_phdr), eh.e_phoff) !=
	    (ssize_t)(k->nr * sizeof(struct elf64_phdr)))
		return -EINVAL;
	return 0;
}

/* Read the page at physical address @phys; 0 or -errno. */
static int kcore_read(struct kcore *k, __u64 phys, void *buf)
{
	unsigned int i;

	/* System RAM segments give their physical address; others -1. */
	for (i = 0; i < k->nr; i++) {
		struct elf64_phdr *p = &k->ph[i];

		if (p->p_type != PT_LOAD || p->p_paddr == ~0ULL ||
		    phys < p->p_paddr || phys + 4096 > p->p_paddr + p->p_memsz)
			continue;
		return pread(k->fd, buf, 4096, p->p_offset + phys - p->p_paddr) ==
		       4096 ? 0 : -EIO;
	}
	return -ENOENT;
}

/* Pages of @pfns whose words are all vmpool_fill(@marker) words. */
static size_t kcore_marked(struct kcore *k, const __u64 *pfns, size_t n,
			   __u64 marker, size_t span)
{
	static __u64 buf[512];
	size_t i, marked = 0;

	for (i = 0; i < n; i++)
		if (!kcore_read(k, pfns[i] << 12, buf) &&
		    vmpool_marker_words(buf, sizeof(buf), marker, span) == 512)
			marked++;
	return marked;
}

/* Pages of @pfns that kcore has. */
static size_t kcore_readable(struct kcore *k, const __u64 *pfns, size_t n)
{
	static __u64 buf[512];
	size_t i, readable = 0;

	for (i = 0; i < n; i++)
		readable += !kcore_read(k, pfns[i] << 12, buf);
	return readable;
}

/*
 * What a tenant leaves in the pool is zeroed before the pages go back to
 * Linux.  The pages are read through /proc/kcore after the unload, and,
 * where kcore has them (the page allocator's pages; not blocks removed
 * from Linux), once while the pool still has them: the tenant's data is
 * there, the check can see it.
 */
static void unload_zeroes(struct __test_metadata *_metadata,
			  const char *params, bool held_readable)
{
	const __u64 marker = 0x7e4a470000000000ULL;
	const size_t pages = 1024, len = pages * 4096;
	__u64 *pfns, entry;
	struct kcore k;
	int dev, vm, pm;
	size_t i;
	char *p;

	ASSERT_EQ(0, load(params));
	if (kcore_open(&k))
		SKIP(return, "no /proc/kcore");
	dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	vm = vmpool_vm_create(dev, vmpool_new_tenant(), len, 0, 0, "left");
	ASSERT_LE(0, vm);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < pages; i++)
		vmpool_fill(p + i * 4096, 4096, marker);

	pfns = calloc(pages, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pm);
	for (i = 0; i < pages; i++) {
		ASSERT_EQ(sizeof(entry),
			  pread(pm, &entry, sizeof(entry),
				((uintptr_t)p / 4096 + i) * sizeof(entry)));
		ASSERT_TRUE(entry >> 63);	/* present */
		pfns[i] = entry & ((1ULL << 55) - 1);
	}
	close(pm);
	if (held_readable)
		EXPECT_EQ(pages, kcore_marked(&k, pfns, pages, marker, 4096));

	/* The tenant goes; its pages stay dirty in the global pool. */
	EXPECT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, close(dev));
	ASSERT_EQ(0, unload());
	close(k.fd);
	/* kcore's view of memory added back is a new one. */
	ASSERT_EQ(0, kcore_open(&k));
	EXPECT_EQ(pages, kcore_readable(&k, pfns, pages));
	EXPECT_EQ(0, kcore_marked(&k, pfns, pages, marker, 4096));
	close(k.fd);
	free(pfns);
}

TEST_F(load, unload_zeroes_what_tenants_left)
{
	unload_zeroes(_metadata, "pool_mb=16", true);
}

TEST_F(load, unload_zeroes_what_tenants_left_in_movable_blocks)
{
	char params[64];

	if (!self->movable_mb)
		SKIP(return, "no movable memory (VMPOOL_MOVABLE_MB)");
	snprintf(params, sizeof(params), "movable_mb=%lld", self->movable_mb);
	unload_zeroes(_metadata, params, false);
}

TEST_HARNESS_MAIN
