// SPDX-License-Identifier: GPL-2.0
/*
 * vmpoolctl - operator's command line for the vmpool module.
 *
 *   vmpoolctl [-d DEVICE] info     describe the global pool
 *   vmpoolctl [-d DEVICE] version  interface version of the loaded module
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
	printf("metadata_bytes  %llu (%.4f%% of the pool)\n",
	       (unsigned long long)info.metadata_bytes,
	       100.0 * info.metadata_bytes /
	       ((double)info.total_pages * info.page_size));
	return 0;
}

static void print_usage(void)
{
	fprintf(stderr, "usage: vmpoolctl [-d DEVICE] info|version\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/vmpool";
	int fd, ret, opt;

	while ((opt = getopt(argc, argv, "d:h")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		default:
			print_usage();
		}
	}
	if (optind != argc - 1)
		print_usage();

	fd = open_device(dev);
	if (fd < 0)
		return 1;
	if (!strcmp(argv[optind], "info"))
		ret = cmd_info(fd);
	else if (!strcmp(argv[optind], "version"))
		ret = cmd_version(fd);
	else
		print_usage();
	close(fd);
	return ret;
}
