// SPDX-License-Identifier: GPL-2.0
/*
 * vmpoolctl - operator's command line for the vmpool module.
 *
 *   vmpoolctl [-d DEVICE] info     describe the global pool
 *   vmpoolctl [-d DEVICE] list     list the live VMs
 *   vmpoolctl [-d DEVICE] audit    check the pool's accounting
 *   vmpoolctl [-d DEVICE] version  interface version of the loaded module
 *   vmpoolctl [-d DEVICE] store [--encrypt] PATH|none
 *                                  give the pool a backing store (a file or
 *                                  a block device), encrypted with a key
 *                                  per tenant or not, or remove it
 *   vmpoolctl [-d DEVICE] exec -t TENANT -m MIB [-r PAGES] [-l PAGES]
 *             [-n NAME] [-f FD] -- COMMAND...
 *                                  create a VM and run COMMAND (a VMM) with
 *                                  the VM's file descriptor as FD (default 3)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmpool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const source_names[] = {
	[VMPOOL_SOURCE_PAGE_ALLOC] = "page allocator",
	[VMPOOL_SOURCE_REGION] = "boot-reserved region",
};

static int open_device(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int version;

	if (fd < 0) {
		fprintf(stderr, "vmpoolctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	version = ioctl(fd, VMPOOL_GET_API_VERSION, 0);
	if (version != VMPOOL_API_VERSION) {
		fprintf(stderr, "vmpoolctl: %s speaks API version %d, not %d\n",
			path, version, VMPOOL_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_version(int fd)
{
	printf("api_version %d\n", (int)ioctl(fd, VMPOOL_GET_API_VERSION, 0));
	return 0;
}

static int cmd_info(int fd)
{
	struct vmpool_info info = { .size = sizeof(info) };
	const char *source = "unknown";
	unsigned long long mib;

	if (ioctl(fd, VMPOOL_INFO, &info)) {
		fprintf(stderr, "vmpoolctl: VMPOOL_INFO: %s\n", strerror(errno));
		return 1;
	}
	if (info.source < ARRAY_SIZE(source_names) &&
	    source_names[info.source])
		source = source_names[info.source];
	mib = 1024 * 1024 / info.page_size;
	printf("source          %s (%u chunks)\n", source, info.nr_chunks);
	printf("page_size       %llu\n", (unsigned long long)info.page_size);
	printf("total_pages     %llu (%llu MiB)\n",
	       (unsigned long long)info.total_pages,
	       (unsigned long long)info.total_pages / mib);
	printf("free_pages      %llu (%llu MiB)\n",
	       (unsigned long long)info.free_pages,
	       (unsigned long long)info.free_pages / mib);
	printf("dedicated_pages %llu\n", (unsigned long long)info.dedicated_pages);
	printf("mapped_pages    %llu\n", (unsigned long long)info.mapped_pages);
	printf("vms             %u (%u tenants)\n", info.nr_vms, info.nr_tenants);
	printf("bytes_zeroed    %llu\n", (unsigned long long)info.bytes_zeroed);
	printf("pages_recycled  %llu\n", (unsigned long long)info.pages_recycled);
	printf("store_slots     %llu (%llu in use)\n",
	       (unsigned long long)info.store_slots,
	       (unsigned long long)info.swapped_pages);
	printf("shortages       %llu (%llu failed); %llu pages given up, %llu by running VMs\n",
	       (unsigned long long)info.shortages,
	       (unsigned long long)info.shortage_failures,
	       (unsigned long long)info.pages_reclaimed,
	       (unsigned long long)info.pages_reclaimed_running);
	printf("metadata_bytes  %llu (%.4f%% of the pool)\n",
	       (unsigned long long)info.metadata_bytes,
	       100.0 * info.metadata_bytes /
	       ((double)info.total_pages * info.page_size));
	return 0;
}

/* @part in percent of @whole: a rule's hits of its predictions, say. */
static unsigned long long percent(__u64 part, __u64 whole)
{
	return whole ? part * 100 / whole : 0;
}

/* Activity and prediction quality of the VMs that have attached threads. */
static void print_activity(const struct vmpool_vm_stats *ents, unsigned int n)
{
	static const char * const basis[] = {
		[VMPOOL_BASIS_NONE] = "-", [VMPOOL_BASIS_IDLE] = "idle",
		[VMPOOL_BASIS_CYCLE] = "cycle", [VMPOOL_BASIS_TIMER] = "timer",
	};
	const struct vmpool_vm_stats *e;
	unsigned int i, header = 0;

	for (i = 0; i < n; i++) {
		e = &ents[i];
		if (!e->nr_attached && !e->activations)
			continue;
		if (!header++)
			printf("\n%-5s %8s %7s %11s %6s %9s %9s %9s %10s %5s %5s %15s\n",
			       "id", "attached", "running", "activations",
			       "active", "predicted", "hit_rate", "mean_err",
			       "next_in", "conf", "rule",
			       "idle/cycle/timer");
		printf("%-5u %8u %7u %11llu %5llu%% %9llu %8llu%% %7lluus ",
		       e->id, e->nr_attached, e->running,
		       (unsigned long long)e->activations,
		       (unsigned long long)(e->active_ns + e->idle_ns ?
			e->active_ns * 100 / (e->active_ns + e->idle_ns) : 0),
		       (unsigned long long)e->predictions,
		       percent(e->prediction_hits, e->predictions),
		       (unsigned long long)(e->predictions ?
			e->prediction_error_ns / e->predictions / 1000 : 0));
		if (e->next_start_ns) {
			struct timespec ts;
			long long in;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			in = (long long)e->next_start_ns -
			     (ts.tv_sec * 1000000000LL + ts.tv_nsec);
			printf("%8lldms %5u ", in / 1000000, e->confidence);
		} else {
			printf("%10s %5s ", "-", "-");
		}
		printf("%5s %4llu%%/%3llu%%/%3llu%%\n",
		       e->prediction_basis <= VMPOOL_BASIS_TIMER ?
		       basis[e->prediction_basis] : "?",
		       percent(e->idle_rule_hits, e->idle_rule_predictions),
		       percent(e->cycle_rule_hits, e->cycle_rule_predictions),
		       percent(e->timer_rule_hits, e->timer_rule_predictions));
	}
}

/* Idle paging of the VMs that have an idle limit. */
static void print_paging(const struct vmpool_vm_stats *ents, unsigned int n)
{
	const struct vmpool_vm_stats *e;
	unsigned int i, header = 0;

	for (i = 0; i < n; i++) {
		e = &ents[i];
		if (e->idle_limit_pages == VMPOOL_IDLE_LIMIT_NONE)
			continue;
		if (!header++)
			printf("\n%-5s %10s %10s %10s %9s %9s %10s %10s %10s %10s %10s %10s\n",
			       "id", "idle_limit", "idle_out", "prefetched",
			       "used", "wasted", "premapped", "major",
			       "shortages", "given", "clean", "out_clean");
		printf("%-5u %10llu %10llu %10llu %8llu%% %8llu%% %10llu ",
		       e->id, (unsigned long long)e->idle_limit_pages,
		       (unsigned long long)e->idle_pages_out,
		       (unsigned long long)e->prefetched_pages,
		       percent(e->prefetch_used, e->prefetched_pages),
		       percent(e->prefetch_wasted, e->prefetched_pages),
		       (unsigned long long)e->premapped_pages);
		printf("%10llu %10llu %10llu %10llu %10llu\n",
		       (unsigned long long)e->major_faults,
		       (unsigned long long)e->shortages,
		       (unsigned long long)e->pages_given,
		       (unsigned long long)e->clean_pages,
		       (unsigned long long)e->pages_out_clean);
	}
}

static int cmd_list(int fd)
{
	struct vmpool_vm_stats ents[256];
	struct vmpool_vm_list list = {
		.size = sizeof(list),
		.nr_entries = ARRAY_SIZE(ents),
		.entry_size = sizeof(ents[0]),
		.entries = (unsigned long)ents,
	};
	unsigned int i, n;

	if (ioctl(fd, VMPOOL_LIST_VMS, &list)) {
		fprintf(stderr, "vmpoolctl: VMPOOL_LIST_VMS: %s\n", strerror(errno));
		return 1;
	}
	n = list.nr_entries < ARRAY_SIZE(ents) ? list.nr_entries : ARRAY_SIZE(ents);
	printf("%-5s %-10s %-20s %10s %10s %10s %12s %10s %10s %10s %6s\n",
	       "id", "tenant", "name", "mem", "mapped", "dedicated", "zeroed",
	       "swapped", "paged_out", "paged_in", "errors");
	for (i = 0; i < n; i++)
		printf("%-5u %-10u %-20s %10llu %10llu %10llu %12llu %10llu %10llu %10llu %6llu\n",
		       ents[i].id, ents[i].tenant, ents[i].name,
		       (unsigned long long)ents[i].mem_pages,
		       (unsigned long long)ents[i].mapped_pages,
		       (unsigned long long)ents[i].dedicated_pages,
		       (unsigned long long)ents[i].bytes_zeroed,
		       (unsigned long long)ents[i].pages_swapped,
		       (unsigned long long)ents[i].pages_out,
		       (unsigned long long)ents[i].pages_in,
		       (unsigned long long)ents[i].store_errors);
	print_activity(ents, n);
	print_paging(ents, n);
	return 0;
}

static int cmd_audit(int fd)
{
	struct vmpool_audit audit = { .size = sizeof(audit) };

	if (ioctl(fd, VMPOOL_AUDIT, &audit)) {
		fprintf(stderr, "vmpoolctl: VMPOOL_AUDIT: %s\n", strerror(errno));
		return 1;
	}
	printf("pages %llu = free %llu + dedicated %llu + mapped %llu; %u VMs; %u errors\n",
	       (unsigned long long)audit.total_pages,
	       (unsigned long long)audit.free_pages,
	       (unsigned long long)audit.dedicated_pages,
	       (unsigned long long)audit.mapped_pages, audit.nr_vms,
	       audit.errors);
	return audit.errors ? 1 : 0;
}

/*
 * Give the pool the store at @path ("none": remove the store), encrypted
 * if @encrypt.
 */
static int cmd_store(int fd, const char *path, bool encrypt)
{
	struct vmpool_store args = { .size = sizeof(args), .fd = -1 };
	int ret = 0;

	if (encrypt)
		args.flags = VMPOOL_STORE_ENCRYPT;
	if (strcmp(path, "none")) {
		args.fd = open(path, O_RDWR | O_CLOEXEC);
		if (args.fd < 0) {
			fprintf(stderr, "vmpoolctl: %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	if (ioctl(fd, VMPOOL_SET_STORE, &args)) {
		fprintf(stderr, "vmpoolctl: VMPOOL_SET_STORE: %s\n", strerror(errno));
		ret = 1;
	} else if (args.fd >= 0) {
		printf("store %s: %llu slots%s\n", path,
		       (unsigned long long)args.nr_slots,
		       encrypt ? ", encrypted" : "");
	}
	/* The module keeps its own reference. */
	if (args.fd >= 0)
		close(args.fd);
	return ret;
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: vmpoolctl [-d DEVICE] info|list|audit|version\n"
		"       vmpoolctl [-d DEVICE] store [--encrypt] PATH|none\n"
		"       vmpoolctl [-d DEVICE] exec -t TENANT -m MIB [-r PAGES] [-l PAGES]\n"
		"                 [-n NAME] [-f FD] -- COMMAND...\n");
	exit(2);
}

/* Create a VM and exec @argv with the VM as file descriptor -f (3). */
static int cmd_exec(int fd, int argc, char **argv)
{
	struct vmpool_vm_create args = { .size = sizeof(args) };
	int opt, vm, target = 3;

	optind = 1;
	snprintf(args.name, sizeof(args.name), "vm");
	while ((opt = getopt(argc, argv, "+t:m:r:l:n:f:")) != -1) {
		switch (opt) {
		case 't':
			args.tenant = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			args.mem_size = strtoull(optarg, NULL, 0) << 20;
			break;
		case 'r':
			args.reserve_pages = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			args.limit_pages = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			snprintf(args.name, sizeof(args.name), "%s", optarg);
			break;
		case 'f':
			target = atoi(optarg);
			break;
		default:
			print_usage();
		}
	}
	if (optind >= argc || !args.tenant || !args.mem_size || target < 0)
		print_usage();

	vm = ioctl(fd, VMPOOL_VM_CREATE, &args);
	if (vm < 0) {
		fprintf(stderr, "vmpoolctl: VMPOOL_VM_CREATE: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	/* dup2() gives the VMM the VM without O_CLOEXEC. */
	if (vm != target && dup2(vm, target) < 0) {
		perror("vmpoolctl: dup2");
		return 1;
	}
	if (vm == target)
		fcntl(vm, F_SETFD, 0);
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "vmpoolctl: %s: %s\n", argv[optind], strerror(errno));
	return 127;
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/vmpool";
	int fd, ret, opt;

	while ((opt = getopt(argc, argv, "+d:h")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		default:
			print_usage();
		}
	}
	if (optind >= argc)
		print_usage();

	fd = open_device(dev);
	if (fd < 0)
		return 1;
	if (!strcmp(argv[optind], "exec"))
		ret = cmd_exec(fd, argc - optind, argv + optind);
	else if (!strcmp(argv[optind], "store") && optind == argc - 2)
		ret = cmd_store(fd, argv[optind + 1], false);
	else if (!strcmp(argv[optind], "store") && optind == argc - 3 &&
		 !strcmp(argv[optind + 1], "--encrypt"))
		ret = cmd_store(fd, argv[optind + 2], true);
	else if (optind != argc - 1)
		print_usage();
	else if (!strcmp(argv[optind], "info"))
		ret = cmd_info(fd);
	else if (!strcmp(argv[optind], "list"))
		ret = cmd_list(fd);
	else if (!strcmp(argv[optind], "audit"))
		ret = cmd_audit(fd);
	else if (!strcmp(argv[optind], "version"))
		ret = cmd_version(fd);
	else
		print_usage();
	close(fd);
	return ret;
}
