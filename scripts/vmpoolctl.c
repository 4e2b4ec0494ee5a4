// SPDX-License-Identifier: GPL-2.0
/*
 * vmpoolctl - operator's command line for the vmpool module.
 *
 * "vmpoolctl --help" lists the commands, "vmpoolctl help COMMAND" (or
 * "COMMAND --help") tells what one does.  Each command is a function
 * cmd_<name>() that parses its own arguments; commands[] holds their usage
 * and help.  What the reading commands print is text, or with --json one
 * JSON value whose objects have the field names of the uapi structures.
 * Every failure is one line on stderr naming the errno, and exit status 1.
 *
 * The ioctls that act on a VM take a file descriptor of it, and the
 * interface gives none for the id that VMPOOL_LIST_VMS reports: a VM named
 * by id or name is reopened through /proc/PID/fd/N of a process that holds
 * it, as the module allows (a VMM reopens its mem-path the same way).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/vmpool.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct command;

/* The state of one run: global options and the control device. */
struct ctl {
	const char *dev;		/* path of the control device */
	int fd;				/* the control device, once opened */
	bool json;			/* --json */
	const char *name;		/* the command, as typed, for messages */
	const struct command *cmd;	/* the command, once known */
};

struct command {
	const char *name;
	int (*run)(struct ctl *ctl, int argc, char **argv);
	const char *args;		/* usage after the command's name */
	const char *help;		/* what it does, one or more lines */
};

static const struct command *find_command(const char *name);

/*
 * Report a failure as one line, "vmpoolctl: COMMAND: [WHAT: ]strerror
 * (ENAME)", with WHAT from @fmt (none if NULL).
 *
 * Return: 1, the exit status of a failure.
 */
static int fail(const struct ctl *ctl, int err, const char *fmt, ...)
{
	const char *ename = strerrorname_np(err);
	va_list ap;

	fputs("vmpoolctl: ", stderr);
	if (*ctl->name)
		fprintf(stderr, "%s: ", ctl->name);
	if (fmt) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s (%s)\n", strerror(err), ename ? ename : "?");
	return 1;
}

/* The control device, opened on first use; -1 (reported) if it cannot be. */
static int device(struct ctl *ctl)
{
	int version;

	if (ctl->fd >= 0)
		return ctl->fd;
	ctl->fd = open(ctl->dev, O_RDWR | O_CLOEXEC);
	if (ctl->fd < 0) {
		fail(ctl, errno, "%s", ctl->dev);
		return -1;
	}
	version = ioctl(ctl->fd, VMPOOL_GET_API_VERSION, 0);
	if (version != VMPOOL_API_VERSION) {
		fail(ctl, version < 0 ? errno : EPROTO,
		     "%s speaks API version %d, not %d", ctl->dev, version,
		     VMPOOL_API_VERSION);
		close(ctl->fd);
		ctl->fd = -1;
	}
	return ctl->fd;
}

/* Numbers on the command line */

/*
 * A decimal number, or a hexadecimal one after "0x", at the start of @s:
 * into *@val, with *@end after it.  No sign, no blank.
 *
 * Return: 0, -EINVAL or -ERANGE.
 */
static int parse_number(const char *s, __u64 *val, char **end)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*val = strtoull(s, end, hex ? 16 : 10);
	return -errno;
}

/* The number @s, nothing after it, at most @max; 0 or -errno. */
static int parse_u64(const char *s, __u64 max, __u64 *val)
{
	char *end;
	int err = parse_number(s, val, &end);

	if (err)
		return err;
	if (*end)
		return -EINVAL;
	return *val > max ? -ERANGE : 0;
}

/*
 * Pages: a number of pages, or a number of bytes followed by K, M or G
 * (KiB, MiB, GiB) that is a whole number of pages.
 */
static int parse_pages(const char *s, __u64 *pages)
{
	static const char units[] = "KMG";
	__u64 page = sysconf(_SC_PAGESIZE);
	const char *unit;
	unsigned int shift;
	char *end;
	int err = parse_number(s, pages, &end);

	if (err || !*end)
		return err;
	unit = strchr(units, *end);
	if (!unit || !*unit || end[1])
		return -EINVAL;
	shift = 10 * (unit - units + 1);
	if (*pages > UINT64_MAX >> shift)
		return -ERANGE;
	*pages <<= shift;
	if (*pages % page)
		return -EINVAL;
	*pages /= page;
	return 0;
}

/* parse_u64() of a command's argument @s, reported as a bad @what. */
static int number_arg(struct ctl *ctl, const char *what, const char *s,
		      __u64 max, __u64 *val)
{
	int err = parse_u64(s, max, val);

	return err ? fail(ctl, -err, "bad %s '%s'", what, s) : 0;
}

/* parse_pages() of a command's argument @s, reported as a bad @what. */
static int pages_arg(struct ctl *ctl, const char *what, const char *s,
		     __u64 *pages)
{
	int err = parse_pages(s, pages);

	return err ? fail(ctl, -err, "bad %s '%s'", what, s) : 0;
}

/* Command-line options */

/* Every command's options: --help and --json. */
static const struct option common_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ }
};

static void print_command_help(FILE *out, const struct command *cmd)
{
	fprintf(out, "usage: vmpoolctl %s%s%s\n%s", cmd->name,
		*cmd->args ? " " : "", cmd->args, cmd->help);
}

/*
 * The next of a command's own options, @opts ("+hj" and the command's) and
 * @longopts: --help prints the command's help and exits; --json sets
 * ctl->json.
 *
 * Return: the option, -1 after the last, or '?' for a bad one (reported).
 */
static int command_option(struct ctl *ctl, int argc, char **argv,
			  const char *opts, const struct option *longopts)
{
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		if (opt == 'h') {
			print_command_help(stdout, ctl->cmd);
			exit(0);
		}
		if (opt == '?') {
			fail(ctl, EINVAL, "bad option '%s'", argv[optind - 1]);
			return '?';
		}
		if (opt != 'j')
			return opt;
		ctl->json = true;
	}
	return -1;
}

/*
 * The options of a command that has only --help and --json, and the count
 * of its other arguments, from @min to @max.
 *
 * Return: 0, or 1 after a usage error (reported).
 */
static int plain_args(struct ctl *ctl, int argc, char **argv, int min, int max)
{
	int n;

	if (command_option(ctl, argc, argv, "+hj", common_options) != -1)
		return 1;
	n = argc - optind;
	if (n < min)
		return fail(ctl, EINVAL, "missing arguments");
	if (n > max)
		return fail(ctl, EINVAL, "too many arguments");
	return 0;
}

/* The options of info and audit: --settle, --help and --json. */
static const struct option settle_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ "settle", no_argument, NULL, 's' },
	{ }
};

/*
 * The options of a command that takes --settle and no other arguments;
 * --settle sets @settle_flag (the SETTLE flag of its ioctl) in @flags.
 *
 * Return: 0, or 1 after a usage error (reported).
 */
static int settle_args(struct ctl *ctl, int argc, char **argv,
		       __u32 settle_flag, __u32 *flags)
{
	int opt;

	while ((opt = command_option(ctl, argc, argv, "+hjs",
				     settle_options)) != -1) {
		if (opt != 's')
			return 1;
		*flags |= settle_flag;
	}
	if (optind < argc)
		return fail(ctl, EINVAL, "too many arguments");
	return 0;
}

/* Printing the uapi structures */

enum field_type { FIELD_U32, FIELD_S32, FIELD_U64, FIELD_NAME, FIELD_UUID };

/* One member of a uapi structure, printed under its own name. */
struct field {
	const char *name;
	size_t offset;
	enum field_type type;
};

#define INFO(f, t)	{ #f, offsetof(struct vmpool_info, f), FIELD_##t }
#define STATS(f, t)	{ #f, offsetof(struct vmpool_vm_stats, f), FIELD_##t }
#define AUDIT(f, t)	{ #f, offsetof(struct vmpool_audit, f), FIELD_##t }
#define TASK(f, t)	{ #f, offsetof(struct vmpool_task, f), FIELD_##t }
#define NODE(f, t)	{ #f, offsetof(struct vmpool_node_info, f), FIELD_##t }

/* The size of a member of type @type. */
static size_t field_len(enum field_type type)
{
	static const size_t len[] = {
		[FIELD_U32] = sizeof(__u32), [FIELD_S32] = sizeof(__s32),
		[FIELD_U64] = sizeof(__u64), [FIELD_NAME] = VMPOOL_NAME_LEN,
		[FIELD_UUID] = VMPOOL_TENANT_UUID_LEN,
	};

	return len[type];
}

static const struct field info_fields[] = {
	INFO(page_size, U64), INFO(total_pages, U64), INFO(free_pages, U64),
	INFO(metadata_bytes, U64), INFO(source, U32), INFO(nr_chunks, U32),
	INFO(dedicated_pages, U64), INFO(mapped_pages, U64),
	INFO(nr_vms, U32), INFO(nr_tenants, U32), INFO(bytes_zeroed, U64),
	INFO(pages_recycled, U64), INFO(held_pages, U64),
	INFO(transit_pages, U64), INFO(swapped_pages, U64),
	INFO(store_slots, U64), INFO(shortages, U64),
	INFO(shortage_failures, U64), INFO(pages_reclaimed, U64),
	INFO(pages_reclaimed_running, U64), INFO(closing_pages, U64),
	INFO(reserve_pages, U64), INFO(scrubbed_bytes, U64),
	INFO(reserve_hits, U64), INFO(reserve_misses, U64),
	INFO(promised_pages, U64), INFO(leaving_pages, U64),
	INFO(free_blocks, U64), INFO(huge_pages, U64),
};

static const struct field stats_fields[] = {
	STATS(id, U32), STATS(tenant, U32), STATS(name, NAME),
	STATS(mem_pages, U64), STATS(limit_pages, U64),
	STATS(mapped_pages, U64), STATS(dedicated_pages, U64),
	STATS(faults_dedicated, U64), STATS(faults_global, U64),
	STATS(bytes_zeroed, U64), STATS(pages_recycled, U64),
	STATS(pages_released, U64), STATS(tenant_uuid, UUID),
	STATS(vm_flags, U32), STATS(pages_held, U64),
	STATS(nr_attached, U32), STATS(running, U32),
	STATS(activations, U64), STATS(active_ns, U64), STATS(idle_ns, U64),
	STATS(predictions, U64), STATS(prediction_hits, U64),
	STATS(confident_predictions, U64), STATS(confident_hits, U64),
	STATS(prediction_error_ns, U64), STATS(prediction_lead_ns, U64),
	STATS(next_start_ns, U64), STATS(next_len_ns, U64),
	STATS(prediction_tolerance_ns, U64), STATS(confidence, U32),
	STATS(prediction_basis, U32), STATS(idle_rule_predictions, U64),
	STATS(idle_rule_hits, U64), STATS(cycle_rule_predictions, U64),
	STATS(cycle_rule_hits, U64), STATS(timer_rule_predictions, U64),
	STATS(timer_rule_hits, U64), STATS(wake_callbacks, U32),
	STATS(wake_timers, U32), STATS(pages_swapped, U64),
	STATS(pages_out, U64), STATS(pages_in, U64),
	STATS(store_errors, U64), STATS(store_writes, U64),
	STATS(store_reads, U64), STATS(idle_limit_pages, U64),
	STATS(idle_pages_out, U64), STATS(prefetched_pages, U64),
	STATS(prefetch_used, U64), STATS(prefetch_wasted, U64),
	STATS(major_faults, U64), STATS(shortages, U64),
	STATS(shortage_failures, U64), STATS(pages_given, U64),
	STATS(pages_given_running, U64), STATS(premapped_pages, U64),
	STATS(nowait_faults, U64), STATS(clean_pages, U64),
	STATS(pages_out_clean, U64), STATS(promised_pages, U64),
	STATS(leaving_pages, U64), STATS(node, S32), STATS(numa_hits, U64),
	STATS(numa_misses, U64), STATS(huge_pages, U64),
	STATS(pmd_faults, U64), STATS(cache_faults, U64),
	STATS(cache_refills, U64),
};

static const struct field audit_fields[] = {
	AUDIT(errors, U32), AUDIT(nr_vms, U32), AUDIT(total_pages, U64),
	AUDIT(free_pages, U64), AUDIT(dedicated_pages, U64),
	AUDIT(mapped_pages, U64), AUDIT(held_pages, U64),
	AUDIT(transit_pages, U64), AUDIT(swapped_pages, U64),
};

static const struct field task_fields[] = {
	TASK(pid, S32), TASK(flags, U32),
};

static const struct field node_fields[] = {
	NODE(node, U32), NODE(total_pages, U64), NODE(free_pages, U64),
	NODE(dedicated_pages, U64), NODE(mapped_pages, U64),
	NODE(reserve_pages, U64),
};

/*
 * A NUL-terminated string of at most @len bytes; as a JSON string if
 * @json, with control characters, quotes, backslashes and bytes beyond
 * ASCII escaped (so that the output is valid JSON whatever the bytes).
 */
static void print_string(const char *s, size_t len, bool json)
{
	size_t i;

	if (!json) {
		printf("%.*s", (int)len, s);
		return;
	}
	putchar('"');
	for (i = 0; i < len && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* A 128-bit id in the usual 8-4-4-4-12 hexadecimal form. */
static void print_uuid(const __u8 *id, bool json)
{
	unsigned int i;

	if (json)
		putchar('"');
	for (i = 0; i < VMPOOL_TENANT_UUID_LEN; i++)
		printf("%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ?
		       "-" : "", id[i]);
	if (json)
		putchar('"');
}

static void print_value(const struct field *f, const void *base, bool json)
{
	const char *p = (const char *)base + f->offset;

	switch (f->type) {
	case FIELD_U32:
		printf("%u", *(const __u32 *)p);
		break;
	case FIELD_S32:
		printf("%d", *(const __s32 *)p);
		break;
	case FIELD_U64:
		printf("%llu", (unsigned long long)*(const __u64 *)p);
		break;
	case FIELD_NAME:
		print_string(p, VMPOOL_NAME_LEN, json);
		break;
	case FIELD_UUID:
		print_uuid((const __u8 *)p, json);
		break;
	}
}

/*
 * The @n @fields of the structure at @base that lie within its first
 * @size bytes (what the kernel filled in): a JSON object on one line, or
 * lines "name value".  A JSON object ends with @end.
 */
static void print_fields(const struct field *fields, size_t n,
			 const void *base, size_t size, bool json,
			 const char *end)
{
	const char *sep = "";
	size_t i;

	if (json)
		putchar('{');
	for (i = 0; i < n; i++) {
		if (fields[i].offset + field_len(fields[i].type) > size)
			break;
		if (json)
			printf("%s\"%s\": ", sep, fields[i].name);
		else
			printf("%-24s ", fields[i].name);
		print_value(&fields[i], base, json);
		if (!json)
			putchar('\n');
		sep = ", ";
	}
	/* No @end: the caller adds members and closes the object. */
	if (json && end)
		printf("}%s", end);
}

/*
 * @nr structures of @stride bytes at @base, each filled in up to its
 * first @size bytes: a JSON array of objects, one a line.
 */
static void print_array(const struct field *fields, size_t n,
			const void *base, size_t stride, size_t size,
			unsigned int nr)
{
	unsigned int i;

	puts("[");
	for (i = 0; i < nr; i++)
		print_fields(fields, n, (const char *)base + i * stride, size,
			     true, i + 1 < nr ? ",\n" : "\n");
	puts("]");
}

/* The VMs */

/*
 * The live VMs, into *@ents (to be freed) and *@nr; they may come and go
 * meanwhile, so the list is asked for again until it fits.
 *
 * Return: 0, or 1 after a failure (reported).
 */
static int list_vms(struct ctl *ctl, struct vmpool_vm_stats **ents,
		    unsigned int *nr)
{
	struct vmpool_vm_list list = {
		.size = sizeof(list),
		.entry_size = sizeof(**ents),
	};
	unsigned int room = 0;

	*ents = NULL;
	if (device(ctl) < 0)
		return 1;
	for (;;) {
		list.nr_entries = room;
		list.entries = (uintptr_t)*ents;
		if (ioctl(ctl->fd, VMPOOL_LIST_VMS, &list)) {
			free(*ents);
			return fail(ctl, errno, NULL);
		}
		if (list.nr_entries <= room)
			break;
		room = list.nr_entries + 8;
		free(*ents);
		*ents = calloc(room, sizeof(**ents));
		if (!*ents)
			return fail(ctl, ENOMEM, NULL);
	}
	*nr = list.nr_entries;
	return 0;
}

/*
 * The live VM @arg names, by its id (a number) or its name, into *@st.
 *
 * Return: 0, or 1 if there is none, or several of that name (reported).
 */
static int find_vm(struct ctl *ctl, const char *arg,
		   struct vmpool_vm_stats *st)
{
	struct vmpool_vm_stats *ents;
	unsigned int nr, i, found = 0;
	__u64 id;
	bool by_id = !parse_u64(arg, UINT32_MAX, &id);

	if (list_vms(ctl, &ents, &nr))
		return 1;
	for (i = 0; i < nr; i++) {
		if (by_id ? ents[i].id != id :
		    strncmp(ents[i].name, arg, sizeof(ents[i].name)))
			continue;
		*st = ents[i];
		found++;
	}
	free(ents);
	if (!found)
		return fail(ctl, ENOENT, "VM %s", arg);
	if (found > 1)
		return fail(ctl, EINVAL, "%u VMs are named %s, give an id",
			    found, arg);
	return 0;
}

/*
 * Whether @path (a link in /proc/PID/fd, or a file of a vmpool mount) is a
 * VM file: a regular file on a vmpool file system.  Never opens it, so a
 * FIFO or a device that is not one is left alone.
 */
static bool path_is_vm(const char *path)
{
	struct statfs fs;
	struct stat st;

	return !statfs(path, &fs) && fs.f_type == VMPOOL_FS_MAGIC &&
	       !stat(path, &st) && S_ISREG(st.st_mode);
}

static int vm_stats(int vm, struct vmpool_vm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl(vm, VMPOOL_VM_GET_STATS, st);
}

/* @path reopened if it is a VM file of the VM @id; else -1. */
static int reopen_if_vm(const char *path, __u32 id)
{
	struct vmpool_vm_stats st;
	int fd;

	if (!path_is_vm(path))
		return -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!vm_stats(fd, &st) && st.id == id)
		return fd;
	close(fd);
	return -1;
}

/* The VM @id reopened through a file descriptor of process @pid; or -1. */
static int reopen_from_process(int pid, __u32 id)
{
	char dir[32], path[sizeof(dir) + sizeof(((struct dirent *)NULL)->d_name)];
	struct dirent *d;
	int fd = -1;
	DIR *fds;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pid);
	fds = opendir(dir);
	if (!fds)
		return -1;
	while (fd < 0 && (d = readdir(fds))) {
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		fd = reopen_if_vm(path, id);
	}
	closedir(fds);
	return fd;
}

/* The VM @id reopened through any other process that has it open; or -1. */
static int reopen_vm(__u32 id)
{
	struct dirent *d;
	int fd = -1;
	DIR *proc;

	proc = opendir("/proc");
	if (!proc)
		return -1;
	while (fd < 0 && (d = readdir(proc))) {
		int pid = atoi(d->d_name);

		if (pid > 0 && pid != getpid())
			fd = reopen_from_process(pid, id);
	}
	closedir(proc);
	return fd;
}

/*
 * The VM file at @path (/proc/PID/fd/N, or a file of a vmpool mount),
 * opened; -1 (reported) if it is not one.
 */
static int open_vm_path(struct ctl *ctl, const char *path)
{
	int fd;

	if (!path_is_vm(path)) {
		fail(ctl, access(path, F_OK) ? errno : EINVAL,
		     "%s is not a VM", path);
		return -1;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail(ctl, errno, "%s", path);
	return fd;
}

/*
 * A file descriptor of the VM @arg names: a path to its file, or its id
 * or name, reopened through a process that holds it.
 *
 * Return: the descriptor, or -1 (reported).
 */
static int open_vm(struct ctl *ctl, const char *arg)
{
	struct vmpool_vm_stats st;
	int fd;

	if (strchr(arg, '/'))
		return open_vm_path(ctl, arg);
	if (find_vm(ctl, arg, &st))
		return -1;
	fd = reopen_vm(st.id);
	if (fd < 0)
		fail(ctl, ENOENT, "VM %s: no process has it open", arg);
	return fd;
}

/* Commands */

static int cmd_version(struct ctl *ctl, int argc, char **argv)
{
	if (plain_args(ctl, argc, argv, 0, 0) || device(ctl) < 0)
		return 1;
	if (ctl->json)
		printf("{\"api_version\": %d}\n", VMPOOL_API_VERSION);
	else
		printf("api_version %d\n", VMPOOL_API_VERSION);
	return 0;
}

static const char *const source_names[] = {
	[VMPOOL_SOURCE_PAGE_ALLOC] = "page allocator",
	[VMPOOL_SOURCE_REGION] = "boot-reserved region",
	[VMPOOL_SOURCE_MOVABLE] = "movable memory blocks",
};

static void print_info(const struct vmpool_info *info)
{
	unsigned long long mib = 1024 * 1024 / info->page_size;
	const char *source = "unknown";

	if (info->source < ARRAY_SIZE(source_names) &&
	    source_names[info->source])
		source = source_names[info->source];
	printf("source          %s (%u chunks)\n", source, info->nr_chunks);
	printf("page_size       %llu\n", (unsigned long long)info->page_size);
	printf("total_pages     %llu (%llu MiB)\n",
	       (unsigned long long)info->total_pages,
	       (unsigned long long)info->total_pages / mib);
	printf("free_pages      %llu (%llu MiB)\n",
	       (unsigned long long)info->free_pages,
	       (unsigned long long)info->free_pages / mib);
	printf("promised_pages  %llu of them, to grows in progress\n",
	       (unsigned long long)info->promised_pages);
	printf("dedicated_pages %llu\n", (unsigned long long)info->dedicated_pages);
	printf("leaving_pages   %llu of them, to shrinks and moves in progress\n",
	       (unsigned long long)info->leaving_pages);
	printf("mapped_pages    %llu\n", (unsigned long long)info->mapped_pages);
	printf("huge_pages      %llu of them in 2 MiB blocks; %llu blocks free\n",
	       (unsigned long long)info->huge_pages,
	       (unsigned long long)info->free_blocks);
	printf("closing_pages   %llu\n", (unsigned long long)info->closing_pages);
	printf("vms             %u (%u tenants)\n", info->nr_vms, info->nr_tenants);
	printf("bytes_zeroed    %llu\n", (unsigned long long)info->bytes_zeroed);
	printf("reserve_pages   %llu zeroed ahead (%llu bytes so far); %llu hits, %llu misses\n",
	       (unsigned long long)info->reserve_pages,
	       (unsigned long long)info->scrubbed_bytes,
	       (unsigned long long)info->reserve_hits,
	       (unsigned long long)info->reserve_misses);
	printf("pages_recycled  %llu\n", (unsigned long long)info->pages_recycled);
	printf("store_slots     %llu (%llu in use)\n",
	       (unsigned long long)info->store_slots,
	       (unsigned long long)info->swapped_pages);
	printf("shortages       %llu (%llu failed); %llu pages given up, %llu by running VMs\n",
	       (unsigned long long)info->shortages,
	       (unsigned long long)info->shortage_failures,
	       (unsigned long long)info->pages_reclaimed,
	       (unsigned long long)info->pages_reclaimed_running);
	printf("metadata_bytes  %llu (%.4f%% of the pool)\n",
	       (unsigned long long)info->metadata_bytes,
	       100.0 * info->metadata_bytes /
	       ((double)info->total_pages * info->page_size));
}

/* Up to %MAX_NODES nodes with pool memory into @nodes; how many, or -1. */
#define MAX_NODES	1024
static int list_nodes(struct ctl *ctl, struct vmpool_node_info *nodes)
{
	struct vmpool_node_list args = {
		.size = sizeof(args),
		.nr_entries = MAX_NODES,
		.entry_size = sizeof(*nodes),
		.entries = (uintptr_t)nodes,
	};

	if (ioctl(ctl->fd, VMPOOL_LIST_NODES, &args))
		return -1;
	return args.nr_entries < MAX_NODES ? args.nr_entries : MAX_NODES;
}

static int cmd_info(struct ctl *ctl, int argc, char **argv)
{
	unsigned long long mib;
	struct vmpool_info info = { .size = sizeof(info) };
	struct vmpool_node_info *nodes;
	int n, i;

	if (settle_args(ctl, argc, argv, VMPOOL_INFO_SETTLE, &info.flags) ||
	    device(ctl) < 0)
		return 1;
	if (ioctl(ctl->fd, VMPOOL_INFO, &info))
		return fail(ctl, errno, NULL);
	nodes = calloc(MAX_NODES, sizeof(*nodes));
	if (!nodes)
		return fail(ctl, ENOMEM, NULL);
	n = list_nodes(ctl, nodes);
	if (n < 0) {
		free(nodes);
		return fail(ctl, errno, "list nodes");
	}
	if (ctl->json) {
		print_fields(info_fields, ARRAY_SIZE(info_fields), &info,
			     info.size, true, NULL);
		printf(", \"nodes\": ");
		print_array(node_fields, ARRAY_SIZE(node_fields), nodes,
			    sizeof(*nodes), sizeof(*nodes), n);
		printf("}\n");
	} else {
		print_info(&info);
		mib = 1024 * 1024 / info.page_size;
		for (i = 0; i < n; i++) {
			printf("node %-10u %llu pages (%llu MiB), %llu free, ",
			       nodes[i].node,
			       (unsigned long long)nodes[i].total_pages,
			       (unsigned long long)nodes[i].total_pages / mib,
			       (unsigned long long)nodes[i].free_pages);
			printf("%llu zeroed, %llu dedicated, %llu mapped\n",
			       (unsigned long long)nodes[i].reserve_pages,
			       (unsigned long long)nodes[i].dedicated_pages,
			       (unsigned long long)nodes[i].mapped_pages);
		}
	}
	free(nodes);
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

/* Where the pages of VMs with a node, or placed by a policy, came from. */
static void print_numa(const struct vmpool_vm_stats *ents, unsigned int n)
{
	const struct vmpool_vm_stats *e;
	unsigned int i, header = 0;

	for (i = 0; i < n; i++) {
		e = &ents[i];
		if (e->node < 0 && !e->numa_hits && !e->numa_misses)
			continue;
		if (!header++)
			printf("\n%-5s %5s %12s %12s\n", "id", "node",
			       "numa_hits", "numa_misses");
		if (e->node < 0)
			printf("%-5u %5s ", e->id, "-");
		else
			printf("%-5u %5d ", e->id, e->node);
		printf("%12llu %12llu\n", (unsigned long long)e->numa_hits,
		       (unsigned long long)e->numa_misses);
	}
}

static void print_vm_table(const struct vmpool_vm_stats *ents, unsigned int n)
{
	unsigned int i;

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
	print_numa(ents, n);
}

static int cmd_list(struct ctl *ctl, int argc, char **argv)
{
	struct vmpool_vm_stats *ents;
	unsigned int n;

	if (plain_args(ctl, argc, argv, 0, 0) || list_vms(ctl, &ents, &n))
		return 1;
	if (ctl->json)
		print_array(stats_fields, ARRAY_SIZE(stats_fields), ents,
			    sizeof(*ents), n ? ents[0].size : 0, n);
	else
		print_vm_table(ents, n);
	free(ents);
	return 0;
}

/* The statistics of the VM at @path, a VM file. */
static int path_stats(struct ctl *ctl, const char *path,
		      struct vmpool_vm_stats *st)
{
	int vm = open_vm_path(ctl, path);
	int ret = 0;

	if (vm < 0)
		return 1;
	if (vm_stats(vm, st))
		ret = fail(ctl, errno, NULL);
	close(vm);
	return ret;
}

static int cmd_stats(struct ctl *ctl, int argc, char **argv)
{
	struct vmpool_vm_stats st;
	const char *arg;

	if (plain_args(ctl, argc, argv, 1, 1))
		return 1;
	arg = argv[optind];
	if (strchr(arg, '/') ? path_stats(ctl, arg, &st) :
	    find_vm(ctl, arg, &st))
		return 1;
	print_fields(stats_fields, ARRAY_SIZE(stats_fields), &st, st.size,
		     ctl->json, "\n");
	return 0;
}

static int cmd_audit(struct ctl *ctl, int argc, char **argv)
{
	struct vmpool_audit audit = { .size = sizeof(audit) };

	if (settle_args(ctl, argc, argv, VMPOOL_AUDIT_SETTLE, &audit.flags) ||
	    device(ctl) < 0)
		return 1;
	if (ioctl(ctl->fd, VMPOOL_AUDIT, &audit))
		return fail(ctl, errno, NULL);
	if (ctl->json)
		print_fields(audit_fields, ARRAY_SIZE(audit_fields), &audit,
			     audit.size, true, "\n");
	else
		printf("pages %llu = free %llu + dedicated %llu + mapped %llu; %u VMs; %u errors\n",
		       (unsigned long long)audit.total_pages,
		       (unsigned long long)audit.free_pages,
		       (unsigned long long)audit.dedicated_pages,
		       (unsigned long long)audit.mapped_pages, audit.nr_vms,
		       audit.errors);
	if (audit.errors)
		return fail(ctl, EUCLEAN, "%u inconsistencies, see the kernel log",
			    audit.errors);
	return 0;
}

/* Give the pool the store at @path ("none": remove it). */
static int set_store(struct ctl *ctl, const char *path, __u32 flags)
{
	struct vmpool_store args = { .size = sizeof(args), .fd = -1 };
	int ret = 0;

	args.flags = flags;
	if (strcmp(path, "none")) {
		args.fd = open(path, O_RDWR | O_CLOEXEC);
		if (args.fd < 0)
			return fail(ctl, errno, "%s", path);
	}
	if (ioctl(ctl->fd, VMPOOL_SET_STORE, &args))
		ret = fail(ctl, errno, "%s", path);
	else if (ctl->json)
		printf("{\"nr_slots\": %llu}\n", (unsigned long long)args.nr_slots);
	else if (args.fd >= 0)
		printf("store %s: %llu slots%s\n", path,
		       (unsigned long long)args.nr_slots,
		       flags & VMPOOL_STORE_ENCRYPT ? ", encrypted" : "");
	/* The module keeps its own reference. */
	if (args.fd >= 0)
		close(args.fd);
	return ret;
}

static int cmd_store(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "encrypt", no_argument, NULL, 'e' },
		{ }
	};
	__u32 flags = 0;
	int opt;

	while ((opt = command_option(ctl, argc, argv, "+hje", longopts)) == 'e')
		flags |= VMPOOL_STORE_ENCRYPT;
	if (opt == '?')
		return 1;
	if (argc - optind != 1)
		return fail(ctl, EINVAL, "give one PATH, or none");
	if (device(ctl) < 0)
		return 1;
	return set_store(ctl, argv[optind], flags);
}

/* VMPOOL_POOL_GROW or VMPOOL_POOL_SHRINK (@cmd) of "VM PAGES" in @argv. */
static int resize(struct ctl *ctl, unsigned long cmd, int argc, char **argv)
{
	struct vmpool_pool_resize args = { .size = sizeof(args) };
	int ret = 0;

	if (plain_args(ctl, argc, argv, 2, 2) ||
	    pages_arg(ctl, "page count", argv[optind + 1], &args.pages) ||
	    device(ctl) < 0)
		return 1;
	args.vm_fd = open_vm(ctl, argv[optind]);
	if (args.vm_fd < 0)
		return 1;
	if (ioctl(ctl->fd, cmd, &args))
		ret = fail(ctl, errno, NULL);
	close(args.vm_fd);
	return ret;
}

static int cmd_grow(struct ctl *ctl, int argc, char **argv)
{
	return resize(ctl, VMPOOL_POOL_GROW, argc, argv);
}

static int cmd_shrink(struct ctl *ctl, int argc, char **argv)
{
	return resize(ctl, VMPOOL_POOL_SHRINK, argc, argv);
}

/* VMPOOL_VM_SET_IDLE_LIMIT of "VM PAGES|none". */
static int cmd_idle_limit(struct ctl *ctl, int argc, char **argv)
{
	struct vmpool_idle_limit args = { .size = sizeof(args) };
	int ret = 0, vm;

	if (plain_args(ctl, argc, argv, 2, 2))
		return 1;
	if (!strcmp(argv[optind + 1], "none"))
		args.pages = VMPOOL_IDLE_LIMIT_NONE;
	else if (pages_arg(ctl, "page count", argv[optind + 1], &args.pages))
		return 1;
	if (device(ctl) < 0)
		return 1;
	vm = open_vm(ctl, argv[optind]);
	if (vm < 0)
		return 1;
	if (ioctl(vm, VMPOOL_VM_SET_IDLE_LIMIT, &args))
		ret = fail(ctl, errno, NULL);
	close(vm);
	return ret;
}

/*
 * VMPOOL_POOL_SPLIT of @pages from SRC to DST (the arguments at @argv),
 * or VMPOOL_POOL_MERGE if @pages is 0.
 */
static int move_pages(struct ctl *ctl, char **argv, __u64 pages)
{
	struct vmpool_pool_move args = { .size = sizeof(args), .pages = pages };
	int ret = 0;

	args.src_fd = open_vm(ctl, argv[0]);
	if (args.src_fd < 0)
		return 1;
	args.dst_fd = open_vm(ctl, argv[1]);
	if (args.dst_fd < 0) {
		close(args.src_fd);
		return 1;
	}
	if (ioctl(ctl->fd, pages ? VMPOOL_POOL_SPLIT : VMPOOL_POOL_MERGE, &args))
		ret = fail(ctl, errno, NULL);
	else if (ctl->json)
		printf("{\"pages\": %llu}\n", (unsigned long long)args.pages);
	else
		printf("%llu pages moved\n", (unsigned long long)args.pages);
	close(args.dst_fd);
	close(args.src_fd);
	return ret;
}

static int cmd_split(struct ctl *ctl, int argc, char **argv)
{
	__u64 pages;

	if (plain_args(ctl, argc, argv, 3, 3) ||
	    pages_arg(ctl, "page count", argv[optind + 2], &pages) ||
	    device(ctl) < 0)
		return 1;
	if (!pages)
		return fail(ctl, EINVAL, "no pages to move");
	return move_pages(ctl, argv + optind, pages);
}

static int cmd_merge(struct ctl *ctl, int argc, char **argv)
{
	if (plain_args(ctl, argc, argv, 2, 2) || device(ctl) < 0)
		return 1;
	return move_pages(ctl, argv + optind, 0);
}

/* Attaching */

/*
 * The &struct vmpool_attach of the arguments at @argv after the VM: a
 * process id (a pidfd of it, to be closed), or with @threads thread ids,
 * stored in @tids.
 *
 * Return: 0, or 1 after a bad argument (reported).
 */
static int attach_args(struct ctl *ctl, int argc, char **argv, bool threads,
		       struct vmpool_attach *args, __s32 *tids)
{
	__u64 id;
	int i;

	if (threads && argc > VMPOOL_ATTACH_MAX_TIDS)
		return fail(ctl, E2BIG, "more than %d threads",
			    VMPOOL_ATTACH_MAX_TIDS);
	if (!threads && argc != 1)
		return fail(ctl, EINVAL, "give one PID, or --threads");
	for (i = 0; i < argc; i++) {
		if (number_arg(ctl, threads ? "thread id" : "process id",
			       argv[i], INT32_MAX, &id))
			return 1;
		tids[i] = id;
	}
	if (threads) {
		args->nr_tids = argc;
		args->tids = (uintptr_t)tids;
		return 0;
	}
	args->flags = VMPOOL_ATTACH_PROCESS;
	args->pidfd = syscall(SYS_pidfd_open, tids[0], 0);
	if (args->pidfd < 0)
		return fail(ctl, errno, "process %d", tids[0]);
	return 0;
}

/*
 * VMPOOL_VM_ATTACH or VMPOOL_VM_DETACH (@cmd) of "[--threads] VM PID|TID..."
 * in @argv, or for detach "--all VM".
 */
static int attach(struct ctl *ctl, unsigned long cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "threads", no_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ }
	};
	struct vmpool_attach args = { .size = sizeof(args) };
	__s32 tids[VMPOOL_ATTACH_MAX_TIDS];
	bool threads = false, all = false;
	int opt, vm, ret = 0;

	while ((opt = command_option(ctl, argc, argv, "+hjta", longopts)) != -1) {
		if (opt == '?')
			return 1;
		threads |= opt == 't';
		all |= opt == 'a';
	}
	if (argc - optind < (all ? 1 : 2))
		return fail(ctl, EINVAL, "missing arguments");
	if (all && (cmd != VMPOOL_VM_DETACH || threads || argc - optind != 1))
		return fail(ctl, EINVAL, "--all is for detach, with the VM alone");
	if (all)
		args.flags = VMPOOL_ATTACH_ALL;
	else if (attach_args(ctl, argc - optind - 1, argv + optind + 1, threads,
			     &args, tids))
		return 1;
	vm = open_vm(ctl, argv[optind]);
	if (vm < 0)
		ret = 1;
	else if (ioctl(vm, cmd, &args))
		ret = fail(ctl, errno, NULL);
	if (vm >= 0)
		close(vm);
	if (args.flags & VMPOOL_ATTACH_PROCESS)
		close(args.pidfd);
	return ret;
}

static int cmd_attach(struct ctl *ctl, int argc, char **argv)
{
	return attach(ctl, VMPOOL_VM_ATTACH, argc, argv);
}

static int cmd_detach(struct ctl *ctl, int argc, char **argv)
{
	return attach(ctl, VMPOOL_VM_DETACH, argc, argv);
}

static int cmd_tasks(struct ctl *ctl, int argc, char **argv)
{
	struct vmpool_task tasks[VMPOOL_VM_MAX_TASKS];
	struct vmpool_task_list list = {
		.size = sizeof(list),
		.nr_entries = ARRAY_SIZE(tasks),
		.entries = (uintptr_t)tasks,
	};
	unsigned int i, n;
	int vm, ret = 0;

	if (plain_args(ctl, argc, argv, 1, 1))
		return 1;
	vm = open_vm(ctl, argv[optind]);
	if (vm < 0)
		return 1;
	if (ioctl(vm, VMPOOL_VM_LIST_TASKS, &list))
		ret = fail(ctl, errno, NULL);
	close(vm);
	if (ret)
		return ret;
	n = list.nr_entries < ARRAY_SIZE(tasks) ? list.nr_entries :
	    ARRAY_SIZE(tasks);
	if (ctl->json) {
		print_array(task_fields, ARRAY_SIZE(task_fields), tasks,
			    sizeof(tasks[0]), sizeof(tasks[0]), n);
		return 0;
	}
	for (i = 0; i < n; i++)
		printf("%d %s\n", tasks[i].pid,
		       tasks[i].flags & VMPOOL_ATTACH_PROCESS ? "process" : "thread");
	return 0;
}

/* Creating a VM for a command */

/* One option @opt of exec, with its argument @arg, into @args and *@target. */
static int exec_option(struct ctl *ctl, int opt, const char *arg,
		       struct vmpool_vm_create *args, int *target)
{
	__u64 val = 0;
	int err = 0;

	switch (opt) {
	case 't':
		err = number_arg(ctl, "tenant", arg, UINT32_MAX, &val);
		args->tenant = val;
		break;
	case 'm':
		err = number_arg(ctl, "size in MiB", arg, UINT64_MAX >> 20, &val);
		args->mem_size = val << 20;
		break;
	case 'r':
		return pages_arg(ctl, "reserve", arg, &args->reserve_pages);
	case 'l':
		return pages_arg(ctl, "limit", arg, &args->limit_pages);
	case 'n':
		if (strlen(arg) >= sizeof(args->name))
			return fail(ctl, ENAMETOOLONG, "name '%s'", arg);
		snprintf(args->name, sizeof(args->name), "%s", arg);
		break;
	case 'f':
		err = number_arg(ctl, "descriptor", arg, INT32_MAX, &val);
		*target = val;
		break;
	case 'S':
		args->flags |= VMPOOL_VM_SHARE_TENANT;
		break;
	case 'Z':
		args->flags |= VMPOOL_VM_ZERO_RELEASED;
		break;
	case 'N':
		err = number_arg(ctl, "node", arg, INT32_MAX, &val);
		args->flags |= VMPOOL_VM_NODE;
		args->node = val;
		break;
	default:
		return 1;
	}
	return err;
}

/*
 * The options of exec into @args and *@target, the VM's descriptor in the
 * command.
 *
 * Return: 0, or 1 after a bad option (reported).
 */
static int exec_options(struct ctl *ctl, int argc, char **argv,
			struct vmpool_vm_create *args, int *target)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "share-tenant", no_argument, NULL, 'S' },
		{ "zero-released", no_argument, NULL, 'Z' },
		{ }
	};
	int opt;

	while ((opt = command_option(ctl, argc, argv, "+hjt:m:r:l:n:f:N:",
				     longopts)) != -1)
		if (exec_option(ctl, opt, optarg, args, target))
			return 1;
	if (!args->tenant || !args->mem_size || optind >= argc)
		return fail(ctl, EINVAL, "exec needs -t TENANT, -m MIB and a command");
	return 0;
}

/* Create a VM and exec the command with the VM as file descriptor -f (3). */
static int cmd_exec(struct ctl *ctl, int argc, char **argv)
{
	struct vmpool_vm_create args = { .size = sizeof(args) };
	int vm, target = 3;

	snprintf(args.name, sizeof(args.name), "vm");
	if (exec_options(ctl, argc, argv, &args, &target) || device(ctl) < 0)
		return 1;
	vm = ioctl(ctl->fd, VMPOOL_VM_CREATE, &args);
	if (vm < 0)
		return fail(ctl, errno, NULL);
	close(ctl->fd);
	ctl->fd = -1;
	/* dup2() gives the command the VM without O_CLOEXEC. */
	if (vm != target && dup2(vm, target) < 0)
		return fail(ctl, errno, "descriptor %d", target);
	if (vm == target)
		fcntl(vm, F_SETFD, 0);
	execvp(argv[optind], argv + optind);
	return fail(ctl, errno, "%s", argv[optind]);
}

/* Mounting the vmpool file system */

/* Make @dir and its missing parents (mode 0755), as mkdir -p does. */
static int make_dirs(const char *dir)
{
	char path[PATH_MAX];
	char *p;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (p = path + 1; ; p++) {
		char c = *p;

		if (c && c != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = c;
		if (!c)
			return 0;
	}
}

/*
 * Report a failed mount step, with the file system's own message if it
 * left one on @fsfd ("e vmpool: ...").
 */
static int mount_failed(struct ctl *ctl, int fsfd, const char *step)
{
	int err = errno;
	char msg[512];
	ssize_t n;

	n = read(fsfd, msg, sizeof(msg) - 1);
	if (n > 2) {
		msg[n] = 0;
		msg[strcspn(msg, "\n")] = 0;
		return fail(ctl, err, "%s", msg + 2);
	}
	return fail(ctl, err, "%s", step);
}

/* Each KEY=VALUE or KEY of the comma-separated @opts, set on @fsfd. */
static int mount_options(struct ctl *ctl, int fsfd, char *opts)
{
	char *opt, *val;

	for (opt = strtok(opts, ","); opt; opt = strtok(NULL, ",")) {
		val = strchr(opt, '=');
		if (val)
			*val++ = 0;
		if (fsconfig(fsfd, val ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG,
			     opt, val, 0))
			return mount_failed(ctl, fsfd, opt);
	}
	return 0;
}

/* Mount a vmpool file system for TENANT on DIR, made if missing. */
static int cmd_mount(struct ctl *ctl, int argc, char **argv)
{
	char *opts = NULL;
	int opt, fsfd, mnt, ret = 1;
	const char *dir;

	while ((opt = command_option(ctl, argc, argv, "+hjo:",
				     common_options)) != -1) {
		if (opt != 'o')
			return 1;
		opts = optarg;
	}
	if (argc - optind != 2)
		return fail(ctl, EINVAL, "mount needs TENANT and DIR");
	dir = argv[optind + 1];
	if (make_dirs(dir) < 0)
		return fail(ctl, errno, "%s", dir);

	fsfd = fsopen("vmpool", FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return fail(ctl, errno, "the vmpool file system (module loaded?)");
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "vmpool", 0) ||
	    fsconfig(fsfd, FSCONFIG_SET_STRING, "tenant", argv[optind], 0)) {
		mount_failed(ctl, fsfd, "tenant");
		goto out;
	}
	if (opts && mount_options(ctl, fsfd, opts))
		goto out;
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0)) {
		mount_failed(ctl, fsfd, "mount");
		goto out;
	}
	mnt = fsmount(fsfd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
		      MOUNT_ATTR_NOSUID);
	if (mnt < 0) {
		mount_failed(ctl, fsfd, "mount");
		goto out;
	}
	if (move_mount(mnt, "", AT_FDCWD, dir, MOVE_MOUNT_F_EMPTY_PATH))
		fail(ctl, errno, "%s", dir);
	else
		ret = 0;
	close(mnt);
out:
	close(fsfd);
	return ret;
}

/* Unmount the vmpool file system at DIR. */
static int cmd_umount(struct ctl *ctl, int argc, char **argv)
{
	struct statfs fs;
	const char *dir;

	if (plain_args(ctl, argc, argv, 1, 1))
		return 1;
	dir = argv[optind];
	if (statfs(dir, &fs))
		return fail(ctl, errno, "%s", dir);
	if (fs.f_type != VMPOOL_FS_MAGIC)
		return fail(ctl, EINVAL, "%s is not a vmpool mount", dir);
	if (umount2(dir, UMOUNT_NOFOLLOW))
		return fail(ctl, errno, "%s", dir);
	return 0;
}

static void print_help(FILE *out)
{
	const struct command *cmd;

	fputs("usage: vmpoolctl [-d DEVICE] [--json] COMMAND [ARGS...]\n\n"
	      "Commands:\n", out);
	for (cmd = find_command(NULL); cmd->name; cmd++)
		fprintf(out, "  %s%s%s\n", cmd->name, *cmd->args ? " " : "",
			cmd->args);
	fputs("\nA VM is named by its id or its name (as list shows them), or by the\n"
	      "path of its file, /proc/PID/fd/N of a process that holds it.  The\n"
	      "commands that act on a VM (grow, shrink, split, merge, attach, detach,\n"
	      "tasks) need a file descriptor of it: for an id or a name, vmpoolctl\n"
	      "reopens the VM through /proc/PID/fd/N of a process that has it open\n"
	      "(exec runs one).  stats needs no descriptor for an id or a name.\n"
	      "PAGES is a number of pages, or of bytes with a suffix K, M or G.\n\n"
	      "  -d, --device DEVICE  the control device (/dev/vmpool)\n"
	      "  -j, --json           print JSON: objects keyed by the field names of\n"
	      "                       the uapi structures (vmpool_info,\n"
	      "                       vmpool_vm_stats, vmpool_audit, vmpool_task);\n"
	      "                       grow, shrink, attach, detach print nothing\n"
	      "  -h, --help           this help; vmpoolctl help COMMAND for a command\n\n"
	      "Exit status 0 on success, 1 on any failure, with one line on stderr\n"
	      "naming the errno; exec exits with its command's status.\n", out);
}

static int cmd_help(struct ctl *ctl, int argc, char **argv)
{
	const struct command *cmd;

	if (plain_args(ctl, argc, argv, 0, 1))
		return 1;
	if (optind == argc) {
		print_help(stdout);
		return 0;
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return fail(ctl, EINVAL, "unknown command '%s'", argv[optind]);
	print_command_help(stdout, cmd);
	return 0;
}

static const struct command commands[] = {
	{ "info", cmd_info, "[--settle]",
	  "Describe the global pool (struct vmpool_info).  A closed VM's memory\n"
	  "goes back in the background (closing_pages); --settle waits for it.\n" },
	{ "list", cmd_list, "",
	  "List the live VMs; with --json an array of struct vmpool_vm_stats.\n" },
	{ "stats", cmd_stats, "VM",
	  "Print every figure of one VM (struct vmpool_vm_stats), one a line.\n" },
	{ "audit", cmd_audit, "[--settle]",
	  "Check the pool's accounting (struct vmpool_audit); fails if it\n"
	  "found inconsistencies.  --settle waits for closed VMs' memory first.\n" },
	{ "version", cmd_version, "",
	  "Interface version of the loaded module (api_version).\n" },
	{ "grow", cmd_grow, "VM PAGES",
	  "Move PAGES from the global pool to the VM's dedicated pool.\n" },
	{ "shrink", cmd_shrink, "VM PAGES",
	  "Return PAGES free pages of the VM's dedicated pool to the global pool.\n" },
	{ "split", cmd_split, "SRC DST PAGES",
	  "Move PAGES free pages from the dedicated pool of VM SRC to VM DST's.\n" },
	{ "merge", cmd_merge, "SRC DST",
	  "Move every free page of VM SRC's dedicated pool to VM DST's; prints\n"
	  "how many moved (pages).\n" },
	{ "attach", cmd_attach, "[--threads] VM PID|TID...",
	  "Attach the process PID (every thread it has or creates), or with\n"
	  "--threads the threads TID..., to the VM: vmpool then follows when the\n"
	  "VM runs and predicts when it runs next.\n" },
	{ "detach", cmd_detach, "[--threads] VM PID|TID... | --all VM",
	  "Detach a process, threads, or everything from the VM.\n" },
	{ "tasks", cmd_tasks, "VM",
	  "List what is attached to the VM (struct vmpool_task: pid, flags).\n" },
	{ "idle-limit", cmd_idle_limit, "VM PAGES|none",
	  "Pages the VM keeps while its attached threads sleep (a number, or\n"
	  "with K, M or G a size); the rest go out to the store and come back\n"
	  "before it is predicted to run again.  none: it keeps all.\n" },
	{ "store", cmd_store, "[--encrypt] PATH|none",
	  "Give the pool a backing store (a file or a block device), encrypted\n"
	  "with a key per tenant or not, or remove it (none).\n" },
	{ "exec", cmd_exec,
	  "-t TENANT -m MIB [-r PAGES] [-l PAGES] [-n NAME] [-f FD] [-N NODE]\n"
	  "       [--share-tenant] [--zero-released] -- COMMAND...",
	  "Create a VM of MIB MiB for TENANT, with PAGES reserved in its\n"
	  "dedicated pool (-r) and a limit (-l), its memory from NUMA node NODE\n"
	  "first (-N), and run COMMAND (a VMM) with the\n"
	  "VM's file descriptor as FD (default 3): the VM lives while COMMAND\n"
	  "holds it, and other vmpoolctl commands reach it by its id or name,\n"
	  "or as /proc/PID/fd/FD.  Exits with COMMAND's status.\n" },
	{ "mount", cmd_mount, "[-o OPTIONS] TENANT DIR",
	  "Mount a vmpool file system on DIR (made if missing) for TENANT, a\n"
	  "number or a UUID: every file created there is a VM of TENANT, sized\n"
	  "once by ftruncate(), as QEMU's memory-backend-file mem-path=DIR does.\n"
	  "OPTIONS: size= (cap of the mount's VMs together), reserve= and limit=\n"
	  "(of each VM, bytes with K, M or G), uid=, gid=, mode= (of DIR).\n"
	  "Mounted nodev, noexec, nosuid.\n" },
	{ "umount", cmd_umount, "DIR",
	  "Unmount the vmpool file system at DIR (busy while VMs are open).\n" },
	{ "help", cmd_help, "[COMMAND]",
	  "Print the help of vmpoolctl, or of COMMAND.\n" },
	{ }
};

/* The command called @name; with NULL the first one. */
static const struct command *find_command(const char *name)
{
	const struct command *cmd;

	for (cmd = commands; name && cmd->name; cmd++)
		if (!strcmp(cmd->name, name))
			return cmd;
	return name ? NULL : commands;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'd' },
		{ }
	};
	struct ctl ctl = { .dev = "/dev/vmpool", .fd = -1, .name = "" };
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+d:hj", longopts, NULL)) != -1) {
		if (opt == 'h') {
			print_help(stdout);
			return 0;
		}
		if (opt == '?')
			return fail(&ctl, EINVAL, "bad option '%s'", argv[optind - 1]);
		if (opt == 'd')
			ctl.dev = optarg;
		ctl.json |= opt == 'j';
	}
	if (optind >= argc)
		return fail(&ctl, EINVAL, "no command, see vmpoolctl --help");
	ctl.name = argv[optind];
	ctl.cmd = find_command(ctl.name);
	if (!ctl.cmd)
		return fail(&ctl, EINVAL, "unknown command, see vmpoolctl --help");
	argc -= optind;
	argv += optind;
	optind = 0;
	ret = ctl.cmd->run(&ctl, argc, argv);
	if (ctl.fd >= 0)
		close(ctl.fd);
	return ret;
}
