/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the vmpool selftests.
 */
#ifndef _VMPOOL_TEST_H
#define _VMPOOL_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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

/* Return -errno of an ioctl, or its non-negative result. */
static inline long vmpool_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

#endif /* _VMPOOL_TEST_H */
