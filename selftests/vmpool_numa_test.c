// SPDX-License-Identifier: GPL-2.0
/*
 * The pool's memory per NUMA node (VMPOOL_LIST_NODES): every bad input,
 * figures that add up to VMPOOL_INFO's, and, on a machine with two nodes
 * (the harness boots this program in a guest with two), a pool taken from
 * the page allocator with an even share on each node and a region on the
 * node it lies in.  The node the module counts a page on is checked
 * against where the page is: the page frames a process maps
 * (/proc/self/pagemap) and the memory blocks each node owns
 * (/sys/devices/system/node).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mman.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define MAX_NODES	64

/* VMPOOL_LIST_NODES into @nodes (room for @max); the nodes, or -errno. */
static long list_nodes(int dev, struct vmpool_node_info *nodes, __u32 max)
{
	struct vmpool_node_list args = {
		.size = sizeof(args),
		.nr_entries = max,
		.entry_size = sizeof(*nodes),
		.entries = (uintptr_t)nodes,
	};
	long ret;

	ret = vmpool_ioctl(dev, VMPOOL_LIST_NODES, (unsigned long)&args);
	return ret ? ret : args.nr_entries;
}

/* Nodes of this machine with memory (/sys/devices/system/node/has_memory). */
static int nodes_with_memory(void)
{
	char buf[256], *p;
	int n = 0, a, b;
	FILE *f;

	f = fopen("/sys/devices/system/node/has_memory", "r");
	if (!f)
		return 1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (p = strtok(buf, ",\n"); p; p = strtok(NULL, ",\n")) {
		if (sscanf(p, "%d-%d", &a, &b) == 2)
			n += b - a + 1;
		else
			n++;
	}
	return n;
}

/*
 * The node whose memory block holds physical address @phys, by the
 * memoryN links under /sys/devices/system/node/nodeM; -1 if none does.
 */
static int phys_node(unsigned long long phys)
{
	unsigned long long block_size = 0;
	char path[128];
	FILE *f;
	int nid;

	f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%llx", &block_size) != 1 || !block_size) {
		fclose(f);
		return -1;
	}
	fclose(f);
	for (nid = 0; nid < MAX_NODES; nid++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/memory%llu", nid,
			 phys / block_size);
		if (!access(path, F_OK))
			return nid;
	}
	return -1;
}

/* "SIZE[M|G]@PHYS", as the module's region= parameter. */
static bool parse_region(const char *region, unsigned long long *size,
			 unsigned long long *phys)
{
	char *end;

	*size = strtoull(region, &end, 0);
	if (*end == 'M' || *end == 'G')
		*size <<= *end++ == 'M' ? 20 : 30;
	if (*end != '@')
		return false;
	*phys = strtoull(end + 1, &end, 0);
	return !*end && *size;
}

FIXTURE(numa) {
	int dev;
	struct vmpool_info info;
};

FIXTURE_SETUP(numa)
{
	self->dev = -1;
	ASSERT_EQ(0, vmpool_load("pool_mb=64"));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &self->info));
}

FIXTURE_TEARDOWN(numa)
{
	struct vmpool_audit audit;

	if (self->dev < 0)
		return;
	/* The audit counts each node's free pages too. */
	ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	close(self->dev);
}

TEST_F(numa, list_nodes_bad_input)
{
	struct vmpool_node_info nodes[MAX_NODES];
	struct {
		struct vmpool_node_list l;
		__u64 tail;
	} big = { .l = { .size = sizeof(big), .nr_entries = MAX_NODES,
			 .entry_size = sizeof(nodes[0]),
			 .entries = (uintptr_t)nodes } };
	struct vmpool_node_list args = {
		.size = sizeof(args),
		.nr_entries = MAX_NODES,
		.entry_size = sizeof(nodes[0]),
		.entries = (uintptr_t)nodes,
	};
	struct vmpool_node_list a;

	EXPECT_EQ(1, vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_NODES));
	a = args;
	a.size = VMPOOL_NODE_LIST_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
					(unsigned long)&a));
	a = args;
	a.flags = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
					(unsigned long)&a));
	a = args;
	a.reserved = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
					(unsigned long)&a));
	a = args;
	a.entry_size = VMPOOL_NODE_INFO_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
					(unsigned long)&a));
	a = args;
	a.entry_size = PAGE + 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
					(unsigned long)&a));
	a = args;
	a.entries = 8;
	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
					(unsigned long)&a));
	EXPECT_EQ(-EFAULT, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES, 8));
	/* A longer structure from a newer caller: its tail must be zero. */
	big.tail = 1;
	EXPECT_EQ(-E2BIG, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
				       (unsigned long)&big));
	big.tail = 0;
	EXPECT_EQ(0, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
				  (unsigned long)&big));
	EXPECT_LE(1, big.l.nr_entries);
	/* No room: only the count, nothing written. */
	a = args;
	a.nr_entries = 0;
	a.entries = 8;
	EXPECT_EQ(0, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
				  (unsigned long)&a));
	EXPECT_EQ(big.l.nr_entries, a.nr_entries);
}

/*
 * Entries larger than the kernel's are zeroed past what it writes; the
 * nodes are listed lowest first, and their pages add up to the pool's.
 */
TEST_F(numa, nodes_add_up_to_the_pool)
{
	struct {
		struct vmpool_node_info n;
		__u64 more[3];
	} wide[MAX_NODES];
	struct vmpool_node_info nodes[MAX_NODES];
	struct vmpool_node_list args = {
		.size = sizeof(args),
		.nr_entries = MAX_NODES,
		.entry_size = sizeof(wide[0]),
		.entries = (uintptr_t)wide,
	};
	__u64 total = 0, free_pages = 0;
	struct vmpool_info info;
	long n, i;
	char *mem;
	int vm;

	memset(wide, 0xff, sizeof(wide));
	ASSERT_EQ(0, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
				  (unsigned long)&args));
	n = args.nr_entries;
	ASSERT_LE(1, n);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(VMPOOL_NODE_INFO_SIZE_VER0, wide[i].n.size);
		EXPECT_EQ(0, wide[i].more[0] | wide[i].more[1] | wide[i].more[2]);
		if (i)
			EXPECT_LT(wide[i - 1].n.node, wide[i].n.node);
		total += wide[i].n.total_pages;
		free_pages += wide[i].n.free_pages;
	}
	EXPECT_EQ(self->info.total_pages, total);
	EXPECT_EQ(self->info.free_pages, free_pages);

	/* A VM's pages leave the free figures of their nodes. */
	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), 1024 * PAGE, 0,
			      0, "numa");
	ASSERT_LE(0, vm);
	mem = mmap(NULL, 1024 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, mem);
	for (i = 0; i < 1024; i++)
		mem[i * PAGE] = 1;
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	ASSERT_EQ(n, list_nodes(self->dev, nodes, MAX_NODES));
	free_pages = 0;
	for (i = 0; i < n; i++)
		free_pages += nodes[i].free_pages;
	EXPECT_EQ(info.free_pages, free_pages);
	EXPECT_EQ(self->info.free_pages - 1024, free_pages);
	munmap(mem, 1024 * PAGE);
	close(vm);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	ASSERT_EQ(n, list_nodes(self->dev, nodes, MAX_NODES));
	free_pages = 0;
	for (i = 0; i < n; i++)
		free_pages += nodes[i].free_pages;
	EXPECT_EQ(self->info.free_pages, free_pages);
}

/*
 * Two nodes with memory: pool_mb=64 takes 8192 pages from each, and each
 * page of a VM that holds the whole pool is on the node the module counts
 * it on, by its page frame.
 */
TEST_F(numa, page_alloc_pool_has_an_even_share_on_each_node)
{
	struct vmpool_node_info nodes[MAX_NODES];
	__u64 on[MAX_NODES] = { 0 }, pages, p, entry;
	int vm, pagemap, nid;
	long n, i, lost = 0;
	char *mem;

	if (nodes_with_memory() < 2)
		SKIP(return, "one NUMA node with memory");
	n = list_nodes(self->dev, nodes, MAX_NODES);
	ASSERT_EQ(nodes_with_memory(), n);
	for (i = 0; i < n; i++) {
		TH_LOG("node %u: %llu pages, %llu free", nodes[i].node,
		       nodes[i].total_pages, nodes[i].free_pages);
		EXPECT_EQ(self->info.total_pages / n, nodes[i].total_pages);
	}

	pages = self->info.free_pages;
	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), pages * PAGE, 0,
			      0, "whole");
	ASSERT_LE(0, vm);
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vm,
		   0);
	ASSERT_NE(MAP_FAILED, mem);
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, pagemap);
	for (p = 0; p < pages; p++) {
		mem[p * PAGE] = 1;
		ASSERT_EQ(sizeof(entry),
			  pread(pagemap, &entry, sizeof(entry),
				((uintptr_t)mem / PAGE + p) * sizeof(entry)));
		/* Present, with its frame (the test runs as root). */
		ASSERT_TRUE(entry >> 63);
		nid = phys_node((entry & ((1ULL << 55) - 1)) * PAGE);
		if (nid < 0 || nid >= MAX_NODES)
			lost++;
		else
			on[nid]++;
	}
	close(pagemap);
	EXPECT_EQ(0, lost);
	for (i = 0; i < n; i++) {
		TH_LOG("node %u: %llu pages of the VM", nodes[i].node,
		       on[nodes[i].node]);
		EXPECT_EQ(nodes[i].total_pages, on[nodes[i].node]);
	}
	ASSERT_EQ(n, list_nodes(self->dev, nodes, MAX_NODES));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, nodes[i].free_pages);
	munmap(mem, pages * PAGE);
	close(vm);
}

/* Run on the first CPU of a node other than @nid, if there is one. */
static bool run_off_node(int nid)
{
	char path[64];
	cpu_set_t set;
	int other, cpu;
	FILE *f;

	for (other = 0; other < MAX_NODES; other++) {
		if (other == nid)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/cpulist", other);
		f = fopen(path, "r");
		if (!f)
			continue;
		cpu = -1;
		if (fscanf(f, "%d", &cpu) != 1)
			cpu = -1;
		fclose(f);
		if (cpu < 0)
			continue;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		return !sched_setaffinity(0, sizeof(set), &set);
	}
	return false;
}

/*
 * A region is on the node its physical memory belongs to, not on the node
 * of the CPU that loads the module (which this test makes another one).
 */
TEST_F(numa, region_is_on_its_node)
{
	const char *region = getenv("VMPOOL_REGION");
	struct vmpool_node_info nodes[MAX_NODES];
	unsigned long long size, phys;
	char params[128];
	int nid;

	if (!region || !parse_region(region, &size, &phys))
		SKIP(return, "no region reserved (VMPOOL_REGION)");
	if (nodes_with_memory() < 2)
		SKIP(return, "one NUMA node with memory");
	nid = phys_node(phys);
	if (nid < 0)
		SKIP(return, "no memory block around the region");
	ASSERT_TRUE(run_off_node(nid));
	close(self->dev);
	self->dev = -1;
	snprintf(params, sizeof(params), "region=%s", region);
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(1, list_nodes(self->dev, nodes, MAX_NODES));
	TH_LOG("region %s: node %u, %llu pages", region, nodes[0].node,
	       nodes[0].total_pages);
	EXPECT_EQ(nid, nodes[0].node);
	EXPECT_EQ(size / PAGE, nodes[0].total_pages);
}

TEST_HARNESS_MAIN
