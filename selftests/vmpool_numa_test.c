// SPDX-License-Identifier: GPL-2.0
/*
 * The pool's memory per NUMA node (VMPOOL_LIST_NODES) and where a VM's
 * pages come from: every bad input, figures that add up to VMPOOL_INFO's,
 * and, on a machine with two nodes (the harness boots this program in a
 * guest with two), a pool taken from the page allocator with an even
 * share on each node, movable memory blocks from each node, a region on
 * the node it lies in, faults that follow the mapping's memory policy
 * (mbind(), as QEMU's host-nodes= and policy= set it), the VM's node,
 * and the faulting CPU's node.  The node
 * of a page is checked where the page is: the page frames a process maps
 * (/proc/self/pagemap) and the memory blocks each node owns
 * (/sys/devices/system/node).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/mempolicy.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define MAX_NODES	64

/* mbind(2) of @len bytes at @addr to the nodes in @mask; -errno or 0. */
static int bind_nodes(void *addr, size_t len, int mode, unsigned long mask)
{
	/* maxnode counts one past the highest bit, as the kernel reads it. */
	return syscall(SYS_mbind, addr, len, mode, &mask,
		       sizeof(mask) * 8 + 1, 0) ? -errno : 0;
}

/* Fault @len bytes at @addr in for writing; -errno or 0. */
static int populate(void *addr, size_t len)
{
	return madvise(addr, len, MADV_POPULATE_WRITE) ? -errno : 0;
}

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
	/* Pages in a row are mostly in one block: its node is remembered. */
	static unsigned long long block_size, last_block = -1ULL;
	static int last_nid = -1;
	unsigned long long block;
	char path[128];
	int nid;

	if (!block_size) {
		block_size = vmpool_block_bytes();
		if (!block_size)
			return -1;
	}
	block = phys / block_size;
	if (block == last_block)
		return last_nid;
	for (nid = 0; nid < MAX_NODES; nid++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/memory%llu", nid,
			 block);
		if (!access(path, F_OK))
			break;
	}
	last_block = block;
	last_nid = nid < MAX_NODES ? nid : -1;
	return last_nid;
}

/*
 * Count the pages of @pages at @mem, all present, by the node they are
 * on, into @on; return how many are on no node known.  Page @p's node
 * goes to @node[p] too, if given.
 */
static long count_nodes(const char *mem, __u64 pages, __u64 *on, int *node)
{
	__u64 p, entry;
	long lost = 0;
	int pagemap, nid;

	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0)
		return pages;
	for (p = 0; p < pages; p++) {
		nid = -1;
		/* Present, with its frame (the test runs as root). */
		if (pread(pagemap, &entry, sizeof(entry),
			  ((uintptr_t)mem / PAGE + p) * sizeof(entry)) ==
		    sizeof(entry) && entry >> 63)
			nid = phys_node((entry & ((1ULL << 55) - 1)) * PAGE);
		if (nid < 0 || nid >= MAX_NODES)
			lost++;
		else
			on[nid]++;
		if (node)
			node[p] = nid;
	}
	close(pagemap);
	return lost;
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
	__u64 total = 0, free_pages = 0, dedicated = 0, mapped = 0;
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
		EXPECT_EQ(VMPOOL_NODE_INFO_SIZE_VER1, wide[i].n.size);
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
	/* Half of them back, to its dedicated pool. */
	ASSERT_EQ(0, fallocate(vm, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       0, 512 * PAGE));
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	ASSERT_EQ(n, list_nodes(self->dev, nodes, MAX_NODES));
	free_pages = 0;
	for (i = 0; i < n; i++) {
		free_pages += nodes[i].free_pages;
		dedicated += nodes[i].dedicated_pages;
		mapped += nodes[i].mapped_pages;
	}
	EXPECT_EQ(info.free_pages, free_pages);
	EXPECT_EQ(self->info.free_pages - 1024, free_pages);
	EXPECT_EQ(512, dedicated);
	EXPECT_EQ(512, mapped);
	EXPECT_EQ(info.dedicated_pages, dedicated);
	EXPECT_EQ(info.mapped_pages, mapped);
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
TEST_F_TIMEOUT(numa, page_alloc_pool_has_an_even_share_on_each_node, 120)
{
	struct vmpool_node_info nodes[MAX_NODES];
	__u64 on[MAX_NODES] = { 0 }, pages;
	long n, i;
	char *mem;
	int vm;

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
	ASSERT_EQ(0, populate(mem, pages * PAGE));
	EXPECT_EQ(0, count_nodes(mem, pages, on, NULL));
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

/* Run on the first CPU of node @nid; false if it has none. */
static bool run_on_node(int nid)
{
	char path[64];
	cpu_set_t set;
	int cpu = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 nid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%d", &cpu) != 1)
		cpu = -1;
	fclose(f);
	if (cpu < 0)
		return false;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}

/* Run on the first CPU of a node other than @nid, if there is one. */
static bool run_off_node(int nid)
{
	int other;

	for (other = 0; other < MAX_NODES; other++)
		if (other != nid && run_on_node(other))
			return true;
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

/* Linux's memory blocks of each node, into @blocks. */
static void node_blocks(long *blocks)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int nid;

	for (nid = 0; nid < MAX_NODES; nid++) {
		blocks[nid] = 0;
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d",
			 nid);
		dir = opendir(path);
		if (!dir)
			continue;
		while ((d = readdir(dir)))
			blocks[nid] += !strncmp(d->d_name, "memory", 6) &&
				       d->d_name[6] >= '0' &&
				       d->d_name[6] <= '9';
		closedir(dir);
	}
}

/*
 * movable_mb= takes an even share of whole memory blocks from each node:
 * the blocks each node loses are the pool's pages on that node.
 */
TEST_F_TIMEOUT(numa, movable_blocks_come_from_each_node, 120)
{
	const char *movable = getenv("VMPOOL_MOVABLE_MB");
	struct vmpool_node_info nodes[MAX_NODES];
	long before[MAX_NODES], after[MAX_NODES];
	unsigned long long block;
	char params[64];
	long n, i;

	if (!movable)
		SKIP(return, "no movable memory (VMPOOL_MOVABLE_MB)");
	if (nodes_with_memory() < 2)
		SKIP(return, "one NUMA node with memory");
	block = vmpool_block_bytes();
	ASSERT_NE(0, block);
	close(self->dev);
	self->dev = -1;
	ASSERT_EQ(0, vmpool_unload());
	node_blocks(before);
	snprintf(params, sizeof(params), "movable_mb=%s", movable);
	ASSERT_EQ(0, vmpool_load(params));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	node_blocks(after);
	n = list_nodes(self->dev, nodes, MAX_NODES);
	ASSERT_EQ(nodes_with_memory(), n);
	for (i = 0; i < n; i++) {
		int nid = nodes[i].node;

		TH_LOG("node %d: %llu pages, %ld blocks gone", nid,
		       nodes[i].total_pages, before[nid] - after[nid]);
		EXPECT_EQ((before[nid] - after[nid]) * (block / PAGE),
			  nodes[i].total_pages);
		EXPECT_EQ((atoll(movable) << 20) / PAGE / n,
			  nodes[i].total_pages);
	}
}

/* Create a VM of @pages pages whose node is @node; its fd or -errno. */
static int create_on_node(int dev, __u64 pages, __u64 reserve, __u32 node)
{
	struct vmpool_vm_create args = {
		.size = sizeof(args),
		.flags = VMPOOL_VM_NODE,
		.mem_size = pages * PAGE,
		.reserve_pages = reserve,
		.tenant = vmpool_new_tenant(),
		.node = node,
	};

	snprintf(args.name, sizeof(args.name), "node");
	return vmpool_ioctl(dev, VMPOOL_VM_CREATE, (unsigned long)&args);
}

/* The two lowest nodes with pool memory into @nid; false if fewer. */
static bool two_nodes(int dev, int *nid)
{
	struct vmpool_node_info nodes[MAX_NODES];

	if (list_nodes(dev, nodes, MAX_NODES) < 2)
		return false;
	nid[0] = nodes[0].node;
	nid[1] = nodes[1].node;
	return true;
}

/* The pages the pool maps on node @nid, or -1. */
static long long mapped_on(int dev, int nid)
{
	struct vmpool_node_info nodes[MAX_NODES];
	long n, i;

	n = list_nodes(dev, nodes, MAX_NODES);
	for (i = 0; i < n; i++)
		if (nodes[i].node == nid)
			return nodes[i].mapped_pages;
	return -1;
}

/*
 * A VM of @pages pages mapped at *@mem, under memory policy @mode of the
 * nodes in @mask (none for MPOL_DEFAULT), and faulted in: its descriptor,
 * or -errno (-EFAULT: a fault got no page).
 */
static int faulted_vm(int dev, __u64 pages, int mode, unsigned long mask,
		      char **mem)
{
	int vm, ret = 0;

	vm = vmpool_vm_create(dev, vmpool_new_tenant(), pages * PAGE, 0, 0,
			      "faulted");
	if (vm < 0)
		return vm;
	*mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vm,
		    0);
	if (*mem == MAP_FAILED) {
		close(vm);
		return -ENOMEM;
	}
	if (mode != MPOL_DEFAULT)
		ret = bind_nodes(*mem, pages * PAGE, mode, mask);
	if (!ret)
		ret = populate(*mem, pages * PAGE);
	if (ret) {
		munmap(*mem, pages * PAGE);
		close(vm);
		return ret;
	}
	return vm;
}

TEST_F(numa, vm_node_bad_input)
{
	struct vmpool_node_info nodes[MAX_NODES];
	struct vmpool_vm_create args = {
		.size = sizeof(args),
		.mem_size = 16 * PAGE,
		.tenant = vmpool_new_tenant(),
		.name = "bad",
	};
	struct vmpool_vm_create a;
	struct vmpool_vm_stats st;
	long n;
	int vm;

	EXPECT_EQ(1, vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION,
				  VMPOOL_CAP_NUMA));
	n = list_nodes(self->dev, nodes, MAX_NODES);
	ASSERT_LE(1, n);
	/* A node with no pool memory, one past any, and one out of range. */
	a = args;
	a.flags = VMPOOL_VM_NODE;
	a.node = nodes[n - 1].node + 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_VM_CREATE,
					(unsigned long)&a));
	a.node = 1U << 20;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_VM_CREATE,
					(unsigned long)&a));
	a.node = -1U;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_VM_CREATE,
					(unsigned long)&a));
	/* A node without the flag, and the reserved field. */
	a = args;
	a.node = nodes[0].node ?: 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_VM_CREATE,
					(unsigned long)&a));
	a = args;
	a.reserved3 = 1;
	EXPECT_EQ(-EINVAL, vmpool_ioctl(self->dev, VMPOOL_VM_CREATE,
					(unsigned long)&a));
	EXPECT_EQ(sizeof(args), VMPOOL_VM_CREATE_SIZE_VER2);

	/* An older caller's structure: no node. */
	a = args;
	a.size = VMPOOL_VM_CREATE_SIZE_VER1;
	vm = vmpool_ioctl(self->dev, VMPOOL_VM_CREATE, (unsigned long)&a);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(-1, st.node);
	close(vm);

	vm = create_on_node(self->dev, 16, 0, nodes[n - 1].node);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(nodes[n - 1].node, st.node);
	close(vm);
}

/*
 * mbind(MPOL_BIND) to one node: every page comes from it, though the
 * faulting CPU is on the other.
 */
TEST_F(numa, bound_faults_take_pages_of_their_node)
{
	const __u64 pages = 2048;
	struct vmpool_vm_stats st;
	int nid[2], k, vm;
	long long before;
	char *mem;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	for (k = 0; k < 2; k++) {
		__u64 on[MAX_NODES] = { 0 };

		ASSERT_TRUE(run_off_node(nid[k]));
		before = mapped_on(self->dev, nid[k]);
		vm = faulted_vm(self->dev, pages, MPOL_BIND, 1UL << nid[k],
				&mem);
		ASSERT_LE(0, vm);
		EXPECT_EQ(0, count_nodes(mem, pages, on, NULL));
		TH_LOG("bound to node %d: %llu pages there, %llu on node %d",
		       nid[k], on[nid[k]], on[nid[!k]], nid[!k]);
		EXPECT_EQ(pages, on[nid[k]]);
		EXPECT_EQ(before + pages, mapped_on(self->dev, nid[k]));
		ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
		EXPECT_EQ(pages, st.numa_hits);
		EXPECT_EQ(0, st.numa_misses);
		munmap(mem, pages * PAGE);
		close(vm);
	}
}

/*
 * A bound fault whose node has no page left fails, the other node's
 * pages notwithstanding; a preferred one takes a page of the other node.
 */
TEST_F_TIMEOUT(numa, a_bound_fault_finds_its_node_full, 120)
{
	struct vmpool_node_info nodes[MAX_NODES];
	__u64 on[MAX_NODES] = { 0 }, pages;
	struct vmpool_vm_stats st;
	int nid[2], vm;
	char *mem;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	ASSERT_LE(2, list_nodes(self->dev, nodes, MAX_NODES));
	pages = nodes[1].free_pages;
	vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
			      (pages + 1) * PAGE, 0, 0, "full");
	ASSERT_LE(0, vm);
	mem = mmap(NULL, (pages + 1) * PAGE, PROT_READ | PROT_WRITE,
		   MAP_SHARED, vm, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, bind_nodes(mem, (pages + 1) * PAGE, MPOL_BIND,
				1UL << nid[1]));
	ASSERT_EQ(0, populate(mem, pages * PAGE));
	EXPECT_EQ(0, count_nodes(mem, pages, on, NULL));
	EXPECT_EQ(pages, on[nid[1]]);
	ASSERT_LE(2, list_nodes(self->dev, nodes, MAX_NODES));
	EXPECT_EQ(0, nodes[1].free_pages);
	EXPECT_LT(0, nodes[0].free_pages);
	EXPECT_EQ(-EFAULT, populate(mem + pages * PAGE, PAGE));

	/* Preferred, not bound: the nearest node with a page gives it. */
	ASSERT_EQ(0, bind_nodes(mem + pages * PAGE, PAGE, MPOL_PREFERRED,
				1UL << nid[1]));
	ASSERT_EQ(0, populate(mem + pages * PAGE, PAGE));
	memset(on, 0, sizeof(on));
	EXPECT_EQ(0, count_nodes(mem + pages * PAGE, 1, on, NULL));
	EXPECT_EQ(1, on[nid[0]]);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages, st.numa_hits);
	EXPECT_EQ(1, st.numa_misses);
	munmap(mem, (pages + 1) * PAGE);
	close(vm);
}

/* MPOL_INTERLEAVE over two nodes: guest page N on node N mod 2. */
TEST_F(numa, interleaved_faults_alternate_nodes)
{
	const __u64 pages = 1024;
	__u64 on[MAX_NODES] = { 0 }, p;
	int nid[2], node[1024], vm;
	long wrong = 0;
	char *mem;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	vm = faulted_vm(self->dev, pages, MPOL_INTERLEAVE,
			(1UL << nid[0]) | (1UL << nid[1]), &mem);
	ASSERT_LE(0, vm);
	EXPECT_EQ(0, count_nodes(mem, pages, on, node));
	for (p = 0; p < pages; p++)
		wrong += node[p] != nid[p % 2];
	TH_LOG("%llu pages on node %d, %llu on node %d, %ld out of turn",
	       on[nid[0]], nid[0], on[nid[1]], nid[1], wrong);
	EXPECT_EQ(0, wrong);
	munmap(mem, pages * PAGE);
	close(vm);
}

/*
 * A VM's node: its reserve comes from there, and so do its faults without
 * a policy, wherever the faulting CPU is; a mapping's policy comes first.
 */
TEST_F(numa, a_vm_node_places_its_reserve_and_faults)
{
	struct vmpool_node_info nodes[MAX_NODES];
	const __u64 pages = 2048, half = 1024;
	struct vmpool_vm_stats st;
	int nid[2], k, vm;
	char *mem, *other;
	long n, i;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	for (k = 0; k < 2; k++) {
		__u64 on[MAX_NODES] = { 0 };

		ASSERT_TRUE(run_off_node(nid[k]));
		vm = create_on_node(self->dev, pages, 512, nid[k]);
		ASSERT_LE(0, vm);
		n = list_nodes(self->dev, nodes, MAX_NODES);
		for (i = 0; i < n; i++)
			EXPECT_EQ(nodes[i].node == nid[k] ? 512 : 0,
				  nodes[i].dedicated_pages);
		mem = mmap(NULL, half * PAGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED, vm, 0);
		ASSERT_NE(MAP_FAILED, mem);
		ASSERT_EQ(0, populate(mem, half * PAGE));
		EXPECT_EQ(0, count_nodes(mem, half, on, NULL));
		EXPECT_EQ(half, on[nid[k]]);

		/* The rest through a mapping bound to the other node. */
		other = mmap(NULL, half * PAGE, PROT_READ | PROT_WRITE,
			     MAP_SHARED, vm, half * PAGE);
		ASSERT_NE(MAP_FAILED, other);
		ASSERT_EQ(0, bind_nodes(other, half * PAGE, MPOL_BIND,
					1UL << nid[!k]));
		ASSERT_EQ(0, populate(other, half * PAGE));
		memset(on, 0, sizeof(on));
		EXPECT_EQ(0, count_nodes(other, half, on, NULL));
		EXPECT_EQ(half, on[nid[!k]]);

		ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
		EXPECT_EQ(nid[k], st.node);
		EXPECT_EQ(pages, st.numa_hits);
		munmap(other, half * PAGE);
		munmap(mem, half * PAGE);
		close(vm);
	}
}

/* No policy and no VM node: a fault takes a page of its CPU's node. */
TEST_F(numa, faults_without_a_policy_take_their_cpus_node)
{
	const __u64 pages = 1024;
	int nid[2], k, vm;
	char *mem;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	for (k = 0; k < 2; k++) {
		__u64 on[MAX_NODES] = { 0 };

		ASSERT_TRUE(run_on_node(nid[k]));
		vm = faulted_vm(self->dev, pages, MPOL_DEFAULT, 0, &mem);
		ASSERT_LE(0, vm);
		EXPECT_EQ(0, count_nodes(mem, pages, on, NULL));
		TH_LOG("CPU on node %d: %llu pages there", nid[k], on[nid[k]]);
		EXPECT_EQ(pages, on[nid[k]]);
		munmap(mem, pages * PAGE);
		close(vm);
	}
}

/*
 * QEMU with host-nodes=N,policy=bind on its memory backend (what libvirt's
 * numatune sets): it mbind()s the guest RAM mapping of the VM and
 * preallocates it, from a CPU of the other node; every page is on node N.
 */
TEST_F_TIMEOUT(numa, qemu_binds_guest_ram_to_a_node, 120)
{
	const char *qemu = getenv("QEMU") ?: "/usr/bin/qemu-system-x86_64";
	const __u64 pages = 32 << 8;
	struct vmpool_vm_stats st;
	int nid[2], k, vm, status;
	long long before;
	char backend[256];
	char *mem;
	pid_t pid;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	if (access(qemu, X_OK))
		SKIP(return, "%s not found", qemu);
	for (k = 0; k < 2; k++) {
		__u64 on[MAX_NODES] = { 0 };

		ASSERT_TRUE(run_off_node(nid[k]));
		before = mapped_on(self->dev, nid[k]);
		vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				      pages * PAGE, 0, 0, "qemu");
		ASSERT_LE(0, vm);
		snprintf(backend, sizeof(backend),
			 "memory-backend-file,id=ram0,size=32M,mem-path=/proc/self/fd/%d,share=on,prealloc=on,host-nodes=%d,policy=bind",
			 vm, nid[k]);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			/* The VM's descriptor stays open across exec. */
			if (fcntl(vm, F_SETFD, 0))
				_exit(127);
			/* Stopped before the first instruction, until killed. */
			execl(qemu, qemu, "-S", "-machine",
			      "pc,memory-backend=ram0", "-m", "32M", "-object",
			      backend, "-display", "none", "-nodefaults",
			      "-monitor", "none", "-serial", "none", NULL);
			_exit(127);
		}
		mem = mmap(NULL, pages * PAGE, PROT_READ, MAP_SHARED, vm, 0);
		ASSERT_NE(MAP_FAILED, mem);
		/* Preallocated before the machine exists: wait for all of it. */
		while (vmpool_vm_stats(vm, &st) == 0 && st.mapped_pages < pages) {
			if (waitpid(pid, &status, WNOHANG)) {
				TH_LOG("QEMU exited, status %#x", status);
				pid = 0;
				break;
			}
			usleep(10000);
		}
		ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
		EXPECT_EQ(pages, st.mapped_pages);
		/* Our own mapping finds QEMU's pages. */
		ASSERT_EQ(0, madvise(mem, pages * PAGE, MADV_POPULATE_READ));
		EXPECT_EQ(0, count_nodes(mem, pages, on, NULL));
		TH_LOG("QEMU bound to node %d: %llu pages there, %llu on node %d",
		       nid[k], on[nid[k]], on[nid[!k]], nid[!k]);
		EXPECT_EQ(pages, on[nid[k]]);
		EXPECT_EQ(before + pages, mapped_on(self->dev, nid[k]));
		EXPECT_EQ(pages, st.numa_hits);
		if (pid) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		munmap(mem, pages * PAGE);
		close(vm);
	}
}

/*
 * The scrubber zeroes each node's share of the reserve, so that a VM bound
 * to either node takes zeroed pages of its own node and zeroes none.
 */
TEST_F_TIMEOUT(numa, each_node_has_its_share_of_the_reserve, 120)
{
	struct vmpool_node_info nodes[MAX_NODES];
	const __u64 pages = 2048;
	struct vmpool_vm_stats st;
	struct vmpool_info info;
	int nid[2], vm, i;
	__u64 high;
	char *mem;
	long n;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	close(self->dev);
	self->dev = -1;
	ASSERT_EQ(0, vmpool_load("pool_mb=64 scrub_low=25 scrub_high=50"));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	high = info.total_pages / 2;
	for (i = 0; i < 600 && info.reserve_pages < high; i++) {
		usleep(100 * 1000);
		ASSERT_EQ(0, vmpool_info(self->dev, &info));
	}
	ASSERT_EQ(high, info.reserve_pages);
	n = list_nodes(self->dev, nodes, MAX_NODES);
	ASSERT_EQ(2, n);
	TH_LOG("reserve: %llu pages on node %u, %llu on node %u",
	       nodes[0].reserve_pages, nodes[0].node, nodes[1].reserve_pages,
	       nodes[1].node);
	EXPECT_EQ(high, nodes[0].reserve_pages + nodes[1].reserve_pages);
	/* Even, to a batch of the scrubber's. */
	EXPECT_GE(32, llabs((long long)nodes[0].reserve_pages -
			    (long long)nodes[1].reserve_pages));

	vm = faulted_vm(self->dev, pages, MPOL_BIND, 1UL << nid[1], &mem);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(0, st.bytes_zeroed);
	EXPECT_EQ(pages, st.numa_hits);
	munmap(mem, pages * PAGE);
	close(vm);
}

/*
 * A VM at its limit whose reserve is on one node, its mapping bound to
 * the other: each fault gives a spare page back for one of the bound
 * node, rather than failing.
 */
TEST_F(numa, a_bound_vm_at_its_limit_trades_its_reserve)
{
	const __u64 pages = 512;
	__u64 on[MAX_NODES] = { 0 };
	struct vmpool_vm_stats st;
	int nid[2], vm;
	char *mem;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	/* Its whole limit reserved, on the first node. */
	vm = create_on_node(self->dev, pages, pages, nid[0]);
	ASSERT_LE(0, vm);
	mem = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, vm,
		   0);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, bind_nodes(mem, pages * PAGE, MPOL_BIND, 1UL << nid[1]));
	ASSERT_EQ(0, populate(mem, pages * PAGE));
	EXPECT_EQ(0, count_nodes(mem, pages, on, NULL));
	EXPECT_EQ(pages, on[nid[1]]);
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(pages, st.mapped_pages);
	EXPECT_EQ(0, st.dedicated_pages);
	EXPECT_EQ(pages, st.numa_hits);
	munmap(mem, pages * PAGE);
	close(vm);
}

/* The @pages pages at @mem all on node @nid, and VM @a gave them. */
static void expect_given(struct __test_metadata *_metadata, int a,
			 const char *mem, __u64 pages, int nid)
{
	__u64 on[MAX_NODES] = { 0 };
	struct vmpool_vm_stats st;

	EXPECT_EQ(0, count_nodes(mem, pages, on, NULL));
	EXPECT_EQ(pages, on[nid]);
	ASSERT_EQ(0, vmpool_vm_stats(a, &st));
	TH_LOG("the giver gave %llu pages (%llu paged out), keeps %llu",
	       st.pages_given, st.pages_out, st.dedicated_pages);
	EXPECT_LE(pages, st.pages_given);
}

/*
 * The pool's pages all in the reserve of a VM with an idle limit, on both
 * nodes; a VM bound to the second node gets its pages from that reserve,
 * the second node's pages of it, not the first node's.
 */
TEST_F(numa, a_bound_fault_takes_another_vms_pages_of_its_node)
{
	struct vmpool_idle_limit limit = { .size = sizeof(limit) };
	const __u64 pages = 256;
	int nid[2], a, b;
	char *mem;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	/* No node: its reserve takes the first node's pages first. */
	a = vmpool_vm_create(self->dev, vmpool_new_tenant(),
			     self->info.free_pages * PAGE,
			     self->info.free_pages, 0, "giver");
	ASSERT_LE(0, a);
	ASSERT_EQ(0, vmpool_ioctl(a, VMPOOL_VM_SET_IDLE_LIMIT,
				  (unsigned long)&limit));
	b = faulted_vm(self->dev, pages, MPOL_BIND, 1UL << nid[1], &mem);
	ASSERT_LE(0, b);
	expect_given(_metadata, a, mem, pages, nid[1]);
	munmap(mem, pages * PAGE);
	close(b);
	close(a);
}

/*
 * The pool's pages all mapped by a VM with an idle limit, the first
 * node's at its lower offsets, and a store: a VM bound to the second node
 * has pages of that node paged out of it, not the first node's.
 */
TEST_F(numa, a_bound_fault_pages_out_another_vms_pages_of_its_node)
{
	struct vmpool_idle_limit limit = { .size = sizeof(limit) };
	const __u64 pages = 256, all = self->info.free_pages;
	int nid[2], a, b, store;
	char *mem, *giver;

	if (!two_nodes(self->dev, nid))
		SKIP(return, "one NUMA node with pool memory");
	store = vmpool_store_file("/tmp/vmpool-numa-store", 1024);
	ASSERT_LE(0, store);
	ASSERT_EQ(0, vmpool_set_store(self->dev, store, NULL));
	a = create_on_node(self->dev, all, 0, nid[0]);
	ASSERT_LE(0, a);
	giver = mmap(NULL, all * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, a,
		     0);
	ASSERT_NE(MAP_FAILED, giver);
	ASSERT_EQ(0, populate(giver, all * PAGE));
	ASSERT_EQ(0, vmpool_ioctl(a, VMPOOL_VM_SET_IDLE_LIMIT,
				  (unsigned long)&limit));

	b = faulted_vm(self->dev, pages, MPOL_BIND, 1UL << nid[1], &mem);
	ASSERT_LE(0, b);
	expect_given(_metadata, a, mem, pages, nid[1]);
	munmap(mem, pages * PAGE);
	close(b);
	munmap(giver, all * PAGE);
	close(a);
	EXPECT_EQ(0, vmpool_set_store(self->dev, -1, NULL));
	close(store);
}

TEST_HARNESS_MAIN
