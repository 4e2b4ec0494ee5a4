// SPDX-License-Identifier: GPL-2.0
/*
 * vmpoolctl, the operator's command line, against the loaded module: every
 * command, its text and JSON output (checked to be JSON, its figures
 * checked against the ioctls), its exit status, and the one-line message
 * naming the errno for bad input: an unknown command or option, bad
 * numbers, missing arguments, a VM that does not exist or that no process
 * holds, a name two VMs share, and a caller without CAP_SYS_ADMIN.
 *
 * Runs from the top of the tree (scripts/vmpoolctl), as run-selftests.sh
 * does.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <sched.h>
#include <sys/mount.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define CTL		"scripts/vmpoolctl"
#define VM_MIB		16
#define VM_PAGES	(VM_MIB * 256)
#define RESERVE		64

/* What a run of vmpoolctl printed, and its exit status. */
static char out[1 << 17], err[4096];

/* Read the file @path into @buf (NUL-terminated); unlink it. */
static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	unlink(path);
}

/* ctl() with a va_list. */
static int vctl(const char *fmt, va_list ap)
{
	char args[512], cmd[1024], o[64], e[64];
	int status;

	vsnprintf(args, sizeof(args), fmt, ap);
	snprintf(o, sizeof(o), "/tmp/vmpoolctl-%d.out", getpid());
	snprintf(e, sizeof(e), "/tmp/vmpoolctl-%d.err", getpid());
	snprintf(cmd, sizeof(cmd), CTL " %s >%s 2>%s", args, o, e);
	status = system(cmd);
	slurp(o, out, sizeof(out));
	slurp(e, err, sizeof(err));
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Run "vmpoolctl ARGS" (@fmt: shell words) with its output in out[] and
 * err[]; return its exit status, or -1 if it did not exit.
 */
static int ctl(const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vctl(fmt, ap);
	va_end(ap);
	return ret;
}

/*
 * Whether err[] is the one line of a failure of @command naming @ename:
 * "vmpoolctl: COMMAND: ...(ENAME)\n".
 */
static bool failed_with(const char *command, const char *ename)
{
	char head[64], tail[32];
	size_t len = strlen(err), tlen;

	snprintf(head, sizeof(head), "vmpoolctl: %s: ", command);
	snprintf(tail, sizeof(tail), "(%s)\n", ename);
	tlen = strlen(tail);
	return !strncmp(err, head, strlen(head)) && len >= tlen &&
	       !strcmp(err + len - tlen, tail) && !strchr(err, '\n')[1];
}

/*
 * Whether "vmpoolctl ARGS" (@fmt) exits with 1 and the one line of a
 * failure of @command naming @ename.
 */
static bool ctl_fails(const char *command, const char *ename,
		      const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vctl(fmt, ap);
	va_end(ap);
	return ret == 1 && failed_with(command, ename);
}

/* JSON, after RFC 8259: each function returns the end of what it read, or NULL. */
static const char *json_value(const char *p, int depth);

static const char *json_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static const char *json_string(const char *p)
{
	int i;

	if (*p++ != '"')
		return NULL;
	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)p[i]))
					return NULL;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
			return NULL;
		}
	}
	return p + 1;
}

static const char *json_digits(const char *p)
{
	if (!isdigit((unsigned char)*p))
		return NULL;
	while (isdigit((unsigned char)*p))
		p++;
	return p;
}

static const char *json_number(const char *p)
{
	if (*p == '-')
		p++;
	p = *p == '0' ? p + 1 : json_digits(p);
	if (p && *p == '.')
		p = json_digits(p + 1);
	if (!p)
		return NULL;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		p = json_digits(p);
	}
	return p;
}

/* An object (@close '}') or an array (']') after its opening character. */
static const char *json_members(const char *p, char close, int depth)
{
	p = json_space(p);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			p = json_string(json_space(p));
			if (!p)
				return NULL;
			p = json_space(p);
			if (*p++ != ':')
				return NULL;
		}
		p = json_value(p, depth + 1);
		if (!p)
			return NULL;
		p = json_space(p);
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *p, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	unsigned int i;

	p = json_space(p);
	if (depth > 16)
		return NULL;
	if (*p == '{' || *p == '[')
		return json_members(p + 1, *p == '{' ? '}' : ']', depth);
	if (*p == '"')
		return json_string(p);
	for (i = 0; i < 3; i++)
		if (!strncmp(p, words[i], strlen(words[i])))
			return p + strlen(words[i]);
	return json_number(p);
}

/* Whether @s is one JSON value and nothing else. */
static bool is_json(const char *s)
{
	const char *end = json_value(s, 0);

	return end && !*json_space(end);
}

/*
 * The number vmpoolctl printed for "@key" in the JSON at @s (its first
 * occurrence); ~0 if there is none.
 */
static __u64 json_u64(const char *s, const char *key)
{
	char pattern[64];
	const char *p;

	snprintf(pattern, sizeof(pattern), "\"%s\": ", key);
	p = strstr(s, pattern);
	return p ? strtoull(p + strlen(pattern), NULL, 10) : ~0ULL;
}

/* The JSON object of list's output whose "name" is @name, or NULL. */
static const char *json_vm(const char *s, const char *name)
{
	char pattern[64];
	const char *p;

	snprintf(pattern, sizeof(pattern), "\"name\": \"%s\"", name);
	p = strstr(s, pattern);
	if (!p)
		return NULL;
	while (p > s && *p != '{')
		p--;
	return p;
}

static __u64 dedicated(int vm)
{
	struct vmpool_vm_stats st;

	return vmpool_vm_stats(vm, &st) ? ~0ULL : st.dedicated_pages;
}

FIXTURE(ctl) {
	int dev;
	int a, b;		/* two VMs of one tenant, held by the test */
	__u32 a_id, b_id;
	char a_name[32], b_name[32];
	__u32 tenant;
};

FIXTURE_SETUP(ctl)
{
	struct vmpool_vm_stats st;

	self->dev = -1;
	self->a = -1;
	self->b = -1;
	if (access(CTL, X_OK))
		SKIP(return, "%s is not built", CTL);
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, self->dev);
	self->tenant = vmpool_new_tenant();
	snprintf(self->a_name, sizeof(self->a_name), "ctl-a-%d", getpid());
	snprintf(self->b_name, sizeof(self->b_name), "ctl-b-%d", getpid());
	self->a = vmpool_vm_create(self->dev, self->tenant, VM_MIB << 20,
				   RESERVE, 0, self->a_name);
	ASSERT_LE(0, self->a);
	self->b = vmpool_vm_create(self->dev, self->tenant, VM_MIB << 20,
				   RESERVE, 0, self->b_name);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, vmpool_vm_stats(self->a, &st));
	self->a_id = st.id;
	ASSERT_EQ(0, vmpool_vm_stats(self->b, &st));
	self->b_id = st.id;
}

FIXTURE_TEARDOWN(ctl)
{
	struct vmpool_audit audit;

	if (self->a >= 0)
		close(self->a);
	if (self->b >= 0)
		close(self->b);
	if (self->dev < 0)
		return;
	EXPECT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	close(self->dev);
}

TEST_F(ctl, help)
{
	static const char *const commands[] = {
		"info", "list", "stats", "audit", "version", "grow", "shrink",
		"split", "merge", "attach", "detach", "tasks", "idle-limit",
		"store", "exec", "mount", "umount", "help",
	};
	char line[32], *help;
	unsigned int i;

	ASSERT_EQ(0, ctl("--help"));
	EXPECT_STREQ("", err);
	help = strdup(out);
	ASSERT_NE(NULL, help);
	for (i = 0; i < ARRAY_SIZE(commands); i++) {
		snprintf(line, sizeof(line), "\n  %s", commands[i]);
		EXPECT_NE(NULL, strstr(help, line)) TH_LOG("no %s", commands[i]);
		EXPECT_EQ(0, ctl("%s --help", commands[i]));
		snprintf(line, sizeof(line), "usage: vmpoolctl %s", commands[i]);
		EXPECT_EQ(0, strncmp(out, line, strlen(line))) TH_LOG("%s", out);
		EXPECT_EQ(0, ctl("help %s", commands[i]));
		EXPECT_EQ(0, strncmp(out, line, strlen(line)));
	}
	free(help);
	EXPECT_EQ(0, ctl("-h"));
	EXPECT_EQ(0, ctl("grow -h"));
}

/* Usage errors: exit status 1 and one line naming EINVAL. */
TEST_F(ctl, usage_errors)
{
	static const struct {
		const char *args;	/* %s: the name of a VM */
		const char *command;
		const char *ename;
	} bad[] = {
		{ "frobnicate", "frobnicate", "EINVAL" },
		{ "info --frobnicate", "info", "EINVAL" },
		{ "info extra", "info", "EINVAL" },
		{ "help frobnicate", "help", "EINVAL" },
		{ "stats", "stats", "EINVAL" },
		{ "grow %s", "grow", "EINVAL" },
		{ "split %s %s", "split", "EINVAL" },
		{ "merge %s", "merge", "EINVAL" },
		{ "attach %s", "attach", "EINVAL" },
		{ "attach --all %s", "attach", "EINVAL" },
		{ "detach --all %s 1", "detach", "EINVAL" },
		{ "store", "store", "EINVAL" },
		{ "idle-limit %s", "idle-limit", "EINVAL" },
		{ "idle-limit %s 1 2", "idle-limit", "EINVAL" },
		{ "exec -m 4 -- true", "exec", "EINVAL" },
		{ "exec -t 1 -m 4", "exec", "EINVAL" },
		{ "exec -t 1 -m 4 -n 0123456789012345678901234567890123 -- true",
		  "exec", "ENAMETOOLONG" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *args = bad[i].args;

		EXPECT_TRUE(ctl_fails(bad[i].command, bad[i].ename, args,
				      self->a_name, self->a_name))
			TH_LOG("%s: %s", args, err);
	}
	EXPECT_EQ(1, ctl(""));
	EXPECT_EQ(0, strncmp(err, "vmpoolctl: no command", 21)) TH_LOG("%s", err);
	EXPECT_EQ(1, ctl("--frobnicate info"));
	EXPECT_NE(NULL, strstr(err, "(EINVAL)\n")) TH_LOG("%s", err);
	EXPECT_EQ(RESERVE, dedicated(self->a));
}

/* Numbers: whole, unsigned, in range, page sized. */
TEST_F(ctl, bad_numbers)
{
	static const char *const bad[] = {
		"abc", "-1", "+1", " 1", "1x", "0x", "1.5", "3K", "1T", "",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *arg = bad[i];

		EXPECT_TRUE(ctl_fails("grow", "EINVAL", "grow %s '%s'",
				      self->a_name, arg))
			TH_LOG("'%s': %s", arg, err);
	}
	EXPECT_TRUE(ctl_fails("grow", "ERANGE", "grow %s 99999999999999999999",
			      self->a_name)) TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("grow", "ERANGE", "grow %s 0xffffffffffffffffG",
			      self->a_name)) TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("exec", "ERANGE", "exec -t 4294967296 -m 4 -- true"))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("attach", "ERANGE", "attach --threads %s 2147483648",
			      self->a_name)) TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("attach", "EINVAL", "attach %s 12abc", self->a_name))
		TH_LOG("%s", err);
	/* The kernel's own refusal: zero pages. */
	EXPECT_TRUE(ctl_fails("grow", "EINVAL", "grow %s 0", self->a_name))
		TH_LOG("%s", err);
	EXPECT_EQ(RESERVE, dedicated(self->a));
}

TEST_F(ctl, missing_vm)
{
	static const char *const cmds[] = { "stats", "tasks", "grow", "shrink",
					    "idle-limit" };
	unsigned int i;
	void *mem;
	int c;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		EXPECT_TRUE(ctl_fails(cmds[i], "ENOENT", "%s no-such-vm-%d%s",
				      cmds[i], getpid(), i < 2 ? "" : " 1"))
			TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("stats", "ENOENT", "stats 4294967295"))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("merge", "ENOENT",
			      "merge %s no-such-vm-%d", self->a_name, getpid()))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("stats", "ENOENT", "stats /proc/%d/fd/999", getpid()))
		TH_LOG("%s", err);

	/* A path that is not a VM. */
	EXPECT_TRUE(ctl_fails("grow", "EINVAL",
			      "grow /proc/%d/fd/%d 1", getpid(), self->dev))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("stats", "EINVAL", "stats /dev/null"))
		TH_LOG("%s", err);

	/* Two VMs of one name: stats and grow want the id. */
	c = vmpool_vm_create(self->dev, self->tenant, 1 << 20, 0, 0, self->a_name);
	ASSERT_LE(0, c);
	EXPECT_TRUE(ctl_fails("stats", "EINVAL", "stats %s", self->a_name))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("grow", "EINVAL", "grow %s 1", self->a_name))
		TH_LOG("%s", err);
	EXPECT_EQ(0, ctl("grow %u 1", self->a_id)) TH_LOG("%s", err);
	EXPECT_EQ(RESERVE + 1, dedicated(self->a));

	close(c);

	/* A VM only mapped: stats finds it, grow has no file to act on. */
	c = vmpool_vm_create(self->dev, self->tenant, 1 << 20, 0, 0, "ctl-mapped");
	ASSERT_LE(0, c);
	mem = mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, c, 0);
	ASSERT_NE(MAP_FAILED, mem);
	close(c);
	EXPECT_EQ(0, ctl("stats ctl-mapped")) TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("grow", "ENOENT", "grow ctl-mapped 1"))
		TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "no process has it open")) TH_LOG("%s", err);
	EXPECT_EQ(0, munmap(mem, 1 << 20));
}

TEST_F(ctl, info_version_audit)
{
	struct vmpool_info info;
	const char *nodes;

	ASSERT_EQ(0, ctl("info"));
	EXPECT_STREQ("", err);
	EXPECT_NE(NULL, strstr(out, "total_pages"));
	/* A line per node with pool memory. */
	EXPECT_NE(NULL, strstr(out, "\nnode ")) TH_LOG("%s", out);
	ASSERT_EQ(0, ctl("--json info"));
	EXPECT_TRUE(is_json(out)) TH_LOG("%s", out);
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_EQ(info.total_pages, json_u64(out, "total_pages"));
	EXPECT_EQ(info.page_size, json_u64(out, "page_size"));
	EXPECT_EQ(info.source, json_u64(out, "source"));
	EXPECT_NE(~0ULL, json_u64(out, "pages_reclaimed_running"));
	/* After the pool's members, its nodes, under the uapi's names. */
	nodes = strstr(out, "\"nodes\": [");
	ASSERT_NE(NULL, nodes) TH_LOG("%s", out);
	EXPECT_NE(~0ULL, json_u64(nodes, "node"));
	EXPECT_LT(0, json_u64(nodes, "total_pages"));
	EXPECT_GE(info.total_pages, json_u64(nodes, "total_pages"));
	EXPECT_GE(info.free_pages, json_u64(nodes, "free_pages"));
	EXPECT_GE(info.dedicated_pages, json_u64(nodes, "dedicated_pages"));
	EXPECT_GE(info.mapped_pages, json_u64(nodes, "mapped_pages"));
	EXPECT_EQ(0, ctl("info --json"));
	EXPECT_TRUE(is_json(out));
	/* Nothing closing: --settle returns at once, with the same pool. */
	ASSERT_EQ(0, ctl("info --settle --json"));
	EXPECT_TRUE(is_json(out)) TH_LOG("%s", out);
	EXPECT_EQ(0, json_u64(out, "closing_pages"));
	EXPECT_EQ(info.total_pages, json_u64(out, "total_pages"));
	/* No grow or move in flight: nothing promised. */
	EXPECT_EQ(0, json_u64(out, "promised_pages"));
	EXPECT_EQ(0, json_u64(out, "leaving_pages"));
	ASSERT_EQ(0, ctl("info --settle"));
	EXPECT_NE(NULL, strstr(out, "closing_pages   0\n")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\npromised_pages  0 ")) TH_LOG("%s", out);

	ASSERT_EQ(0, ctl("version"));
	EXPECT_STREQ("api_version 1\n", out);
	ASSERT_EQ(0, ctl("version --json"));
	EXPECT_TRUE(is_json(out));
	EXPECT_EQ(VMPOOL_API_VERSION, json_u64(out, "api_version"));

	ASSERT_EQ(0, ctl("audit"));
	EXPECT_NE(NULL, strstr(out, " 0 errors"));
	ASSERT_EQ(0, ctl("audit --settle"));
	EXPECT_NE(NULL, strstr(out, " 0 errors"));
	EXPECT_TRUE(ctl_fails("audit", "EINVAL", "audit --settle x"));
	ASSERT_EQ(0, ctl("audit --json"));
	EXPECT_TRUE(is_json(out)) TH_LOG("%s", out);
	EXPECT_EQ(0, json_u64(out, "errors"));
	EXPECT_EQ(info.total_pages, json_u64(out, "total_pages"));
}

TEST_F(ctl, list_and_stats)
{
	struct vmpool_vm_stats st;
	const char *a, *b;
	char id[16];

	ASSERT_EQ(0, ctl("list"));
	EXPECT_NE(NULL, strstr(out, self->a_name));
	EXPECT_NE(NULL, strstr(out, self->b_name));
	ASSERT_EQ(0, ctl("list --json"));
	ASSERT_TRUE(is_json(out)) TH_LOG("%s", out);
	EXPECT_EQ('[', out[0]);
	a = json_vm(out, self->a_name);
	b = json_vm(out, self->b_name);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(self->a_id, json_u64(a, "id"));
	EXPECT_EQ(self->b_id, json_u64(b, "id"));
	EXPECT_EQ(VM_PAGES, json_u64(a, "mem_pages"));
	EXPECT_EQ(RESERVE, json_u64(a, "dedicated_pages"));
	EXPECT_EQ(self->tenant, json_u64(a, "tenant"));
	EXPECT_NE(~0ULL, json_u64(a, "pages_out_clean"));
	EXPECT_EQ(0, json_u64(a, "promised_pages"));
	EXPECT_EQ(0, json_u64(a, "leaving_pages"));
	EXPECT_NE(NULL, strstr(a, "\"tenant_uuid\": \"00000000-0000-0000-0000-"));

	/* One VM, by id, by name and by the path of its file. */
	ASSERT_EQ(0, vmpool_vm_stats(self->a, &st));
	snprintf(id, sizeof(id), "%u", self->a_id);
	ASSERT_EQ(0, ctl("stats --json %s", id));
	ASSERT_TRUE(is_json(out)) TH_LOG("%s", out);
	EXPECT_EQ('{', out[0]);
	EXPECT_EQ(self->a_id, json_u64(out, "id"));
	EXPECT_EQ(st.limit_pages, json_u64(out, "limit_pages"));
	EXPECT_EQ(st.idle_limit_pages, json_u64(out, "idle_limit_pages"));
	ASSERT_EQ(0, ctl("--json stats %s", self->b_name));
	EXPECT_EQ(self->b_id, json_u64(out, "id"));
	ASSERT_EQ(0, ctl("stats --json /proc/%d/fd/%d", getpid(), self->a));
	EXPECT_EQ(self->a_id, json_u64(out, "id"));
	ASSERT_EQ(0, ctl("stats %s", self->a_name));
	EXPECT_NE(NULL, strstr(out, "\nmem_pages "));
	EXPECT_NE(NULL, strstr(out, "\nname "));
	EXPECT_NE(NULL, strstr(out, self->a_name));
	EXPECT_NE(NULL, strstr(out, "\npages_out_clean "));
}

/* grow, shrink, split and merge, by name, id and path; and their refusals. */
TEST_F(ctl, pool_operations)
{
	struct vmpool_info info;

	ASSERT_EQ(0, ctl("grow %s 32", self->a_name)) TH_LOG("%s", err);
	EXPECT_STREQ("", out);
	EXPECT_EQ(RESERVE + 32, dedicated(self->a));
	ASSERT_EQ(0, ctl("grow %u 64K", self->a_id)) TH_LOG("%s", err);
	EXPECT_EQ(RESERVE + 48, dedicated(self->a));
	ASSERT_EQ(0, ctl("shrink /proc/%d/fd/%d 8", getpid(), self->a));
	EXPECT_EQ(RESERVE + 40, dedicated(self->a));
	ASSERT_EQ(0, ctl("split %s %u 10", self->a_name, self->b_id));
	EXPECT_STREQ("10 pages moved\n", out);
	EXPECT_EQ(RESERVE + 30, dedicated(self->a));
	EXPECT_EQ(RESERVE + 10, dedicated(self->b));
	ASSERT_EQ(0, ctl("--json merge %s %s", self->b_name, self->a_name));
	EXPECT_TRUE(is_json(out));
	EXPECT_EQ(RESERVE + 10, json_u64(out, "pages"));
	EXPECT_EQ(2 * RESERVE + 40, dedicated(self->a));
	EXPECT_EQ(0, dedicated(self->b));

	/* What the kernel refuses, in its words. */
	ASSERT_EQ(0, vmpool_info(self->dev, &info));
	EXPECT_TRUE(ctl_fails("grow", "ENOSPC",
			      "grow %s %llu", self->b_name, info.free_pages + 1))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("shrink", "ENOSPC", "shrink %s 1", self->b_name))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("split", "EINVAL",
			      "split %s %s 1", self->a_name, self->a_name))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("split", "EINVAL",
			      "split %s %s 0", self->a_name, self->b_name))
		TH_LOG("%s", err);
	EXPECT_EQ(2 * RESERVE + 40, dedicated(self->a));
	EXPECT_EQ(0, dedicated(self->b));
}

TEST_F(ctl, attach_detach_tasks)
{
	struct vmpool_vm_stats st;
	pid_t child;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, ctl("attach %s %d", self->a_name, child)) TH_LOG("%s", err);
	ASSERT_EQ(0, vmpool_vm_stats(self->a, &st));
	EXPECT_EQ(1, st.nr_attached);
	ASSERT_EQ(0, ctl("tasks %s", self->a_name));
	EXPECT_EQ(child, atoi(out));
	EXPECT_NE(NULL, strstr(out, " process\n"));
	ASSERT_EQ(0, ctl("tasks --json %u", self->a_id));
	EXPECT_TRUE(is_json(out)) TH_LOG("%s", out);
	EXPECT_EQ(child, json_u64(out, "pid"));
	EXPECT_EQ(VMPOOL_ATTACH_PROCESS, json_u64(out, "flags"));
	/* Twice: the kernel's EEXIST; to another VM: EBUSY. */
	EXPECT_TRUE(ctl_fails("attach", "EEXIST", "attach %s %d", self->a_name, child))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("attach", "EBUSY", "attach %s %d", self->b_name, child))
		TH_LOG("%s", err);
	ASSERT_EQ(0, ctl("detach %s %d", self->a_name, child)) TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("detach", "ENOENT", "detach %s %d", self->a_name, child))
		TH_LOG("%s", err);

	ASSERT_EQ(0, ctl("attach --threads %s %d %d", self->b_name, child,
			 getpid())) TH_LOG("%s", err);
	ASSERT_EQ(0, vmpool_vm_stats(self->b, &st));
	EXPECT_EQ(2, st.nr_attached);
	ASSERT_EQ(0, ctl("tasks %s", self->b_name));
	EXPECT_NE(NULL, strstr(out, " thread\n"));
	ASSERT_EQ(0, ctl("detach --threads %s %d", self->b_name, getpid()));
	ASSERT_EQ(0, ctl("detach --all %s", self->b_name)) TH_LOG("%s", err);
	ASSERT_EQ(0, vmpool_vm_stats(self->b, &st));
	EXPECT_EQ(0, st.nr_attached);
	ASSERT_EQ(0, ctl("tasks --json %s", self->b_name));
	EXPECT_STREQ("[\n]\n", out);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_TRUE(ctl_fails("attach", "ESRCH", "attach %s %d", self->a_name, child))
		TH_LOG("%s", err);
}

/*
 * idle-limit: pages, a size, none; refused above the VM's size, for a
 * number that is no whole number of pages, and for a missing VM.
 */
TEST_F(ctl, idle_limit)
{
	struct vmpool_vm_stats st;

	ASSERT_EQ(0, ctl("idle-limit %s 16", self->a_name)) TH_LOG("%s", err);
	ASSERT_EQ(0, vmpool_vm_stats(self->a, &st));
	EXPECT_EQ(16, st.idle_limit_pages);
	ASSERT_EQ(0, ctl("idle-limit /proc/%d/fd/%d 1M", getpid(), self->a))
		TH_LOG("%s", err);
	ASSERT_EQ(0, ctl("--json stats %s", self->a_name));
	EXPECT_EQ(256, json_u64(out, "idle_limit_pages"));
	ASSERT_EQ(0, ctl("idle-limit %s none", self->a_name));
	ASSERT_EQ(0, vmpool_vm_stats(self->a, &st));
	EXPECT_EQ(VMPOOL_IDLE_LIMIT_NONE, st.idle_limit_pages);
	EXPECT_TRUE(ctl_fails("idle-limit", "EINVAL", "idle-limit %s %u",
			      self->a_name, VM_PAGES + 1))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("idle-limit", "EINVAL", "idle-limit %s 3K",
			      self->a_name))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("idle-limit", "EINVAL", "idle-limit %s some",
			      self->a_name))
		TH_LOG("%s", err);
	ASSERT_EQ(0, vmpool_vm_stats(self->a, &st));
	EXPECT_EQ(VMPOOL_IDLE_LIMIT_NONE, st.idle_limit_pages);
}

TEST_F(ctl, store)
{
	const char *path = "/tmp/vmpool-ctl-store";
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, 64 * sysconf(_SC_PAGESIZE)));
	close(fd);
	ASSERT_EQ(0, ctl("store --json %s", path)) TH_LOG("%s", err);
	EXPECT_TRUE(is_json(out));
	EXPECT_EQ(64, json_u64(out, "nr_slots"));
	ASSERT_EQ(0, ctl("store none"));
	ASSERT_EQ(0, ctl("store --encrypt %s", path)) TH_LOG("%s", err);
	EXPECT_STREQ("store /tmp/vmpool-ctl-store: 64 slots, encrypted\n", out);
	ASSERT_EQ(0, ctl("store none"));
	EXPECT_TRUE(ctl_fails("store", "ENOENT", "store /nonexistent"))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("store", "EINVAL",
			      "store /proc/%d/fd/%d", getpid(), self->a))
		TH_LOG("%s", err);
	unlink(path);
}

TEST_F(ctl, exec)
{
	struct vmpool_node_info node;
	struct vmpool_node_list list = {
		.size = sizeof(list),
		.nr_entries = 1,
		.entry_size = sizeof(node),
		.entries = (uintptr_t)&node,
	};
	char name[32];

	/* The command holds the VM: other commands reach it by name. */
	snprintf(name, sizeof(name), "ctl-x-%d", getpid());
	ASSERT_EQ(0, ctl("exec -t %u -m 4 -r 16 -n %s -- sh -c '" CTL
			 " grow %s 8 && " CTL " --json stats %s'",
			 self->tenant, name, name, name)) TH_LOG("%s", err);
	EXPECT_TRUE(is_json(out)) TH_LOG("%s", out);
	EXPECT_EQ(1024, json_u64(out, "mem_pages"));
	EXPECT_EQ(24, json_u64(out, "dedicated_pages"));
	EXPECT_EQ(self->tenant, json_u64(out, "tenant"));
	EXPECT_EQ(0, json_u64(out, "vm_flags"));

	/* Its own descriptor, its flags, and its exit status. */
	ASSERT_EQ(0, ctl("exec -t %u -m 4 -f 7 --share-tenant --zero-released %s",
			 self->tenant,
			 "-- sh -c '" CTL " stats --json /proc/$$/fd/7'"))
		TH_LOG("%s", err);
	EXPECT_EQ(VMPOOL_VM_SHARE_TENANT | VMPOOL_VM_ZERO_RELEASED,
		  json_u64(out, "vm_flags"));
	EXPECT_EQ(3, ctl("exec -t %u -m 4 -- sh -c 'exit 3'", self->tenant));
	EXPECT_TRUE(ctl_fails("exec", "ENOENT",
			      "exec -t %u -m 4 -- /nonexistent", self->tenant))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("exec", "ENOSPC",
			      "exec -t %u -m 2048 -r 1G -- true", self->tenant))
		TH_LOG("%s", err);

	/* A node: its reserve there, and its number in the statistics. */
	ASSERT_EQ(0, vmpool_ioctl(self->dev, VMPOOL_LIST_NODES,
				  (unsigned long)&list));
	ASSERT_LE(1, list.nr_entries);
	ASSERT_EQ(0, ctl("exec -t %u -m 4 -r 16 -N %u %s", self->tenant,
			 node.node, "-- sh -c '" CTL " stats --json /proc/$$/fd/3'"))
		TH_LOG("%s", err);
	EXPECT_EQ(VMPOOL_VM_NODE, json_u64(out, "vm_flags"));
	EXPECT_EQ(node.node, json_u64(out, "node"));
	EXPECT_EQ(16, json_u64(out, "dedicated_pages"));
	EXPECT_TRUE(ctl_fails("exec", "EINVAL",
			      "exec -t %u -m 4 -N 1048576 -- true", self->tenant))
		TH_LOG("%s", err);
}

/*
 * Without CAP_SYS_ADMIN (dropped from the bounding set, so that the
 * program run keeps none) the control device is refused; stats of a
 * VM's file needs no device.
 */
TEST_F(ctl, without_cap_sys_admin)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
			_exit(10);
		if (ctl("info") != 1 || !failed_with("info", "EPERM"))
			_exit(11);
		if (ctl("grow %s 1", self->a_name) != 1 ||
		    !failed_with("grow", "EPERM"))
			_exit(12);
		if (ctl("stats --json /proc/%d/fd/%d", getppid(), self->a) ||
		    json_u64(out, "id") != self->a_id)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(RESERVE, dedicated(self->a));
}

/* mount and umount; a VM of the mount is named by its path, id or name. */
TEST_F(ctl, mount_umount)
{
	char dir[64], path[96];
	struct vmpool_vm_stats st;
	struct stat sb;
	int vm;

	/* Gone with this process, whatever happens to the test. */
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(dir, sizeof(dir), "/tmp/vmpoolctl-mnt-%d/acme", getpid());

	/* The kernel's own words for a refused option. */
	EXPECT_TRUE(ctl_fails("mount", "EINVAL", "mount -o reserve=8M,limit=4M %u %s",
			      self->tenant, dir)) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "reserve= is above limit=")) TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("mount", "EINVAL", "mount -o colour=blue %u %s",
			      self->tenant, dir)) TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("mount", "EINVAL", "mount acme %s", dir))
		TH_LOG("%s", err);
	EXPECT_TRUE(ctl_fails("mount", "EINVAL", "mount %u", self->tenant));
	EXPECT_TRUE(ctl_fails("umount", "EINVAL", "umount %s", dir));

	ASSERT_EQ(0, ctl("mount -o size=8M,reserve=64K,mode=0700 %u %s",
			 self->tenant, dir)) TH_LOG("%s", err);
	EXPECT_STREQ("", out);
	ASSERT_EQ(0, stat(dir, &sb));
	EXPECT_EQ(S_IFDIR | 0700, sb.st_mode);

	snprintf(path, sizeof(path), "%s/guest", dir);
	vm = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, ftruncate(vm, 4 << 20));
	ASSERT_EQ(0, vmpool_vm_stats(vm, &st));
	EXPECT_EQ(self->tenant, st.tenant);
	EXPECT_EQ(16, st.dedicated_pages);

	/* By path, by id, by name. */
	ASSERT_EQ(0, ctl("stats --json %s", path)) TH_LOG("%s", err);
	EXPECT_EQ(st.id, json_u64(out, "id"));
	ASSERT_EQ(0, ctl("grow %s 16", path)) TH_LOG("%s", err);
	ASSERT_EQ(0, ctl("grow %u 16", st.id)) TH_LOG("%s", err);
	ASSERT_EQ(0, ctl("shrink guest 8")) TH_LOG("%s", err);
	EXPECT_EQ(40, dedicated(vm));

	EXPECT_TRUE(ctl_fails("umount", "EBUSY", "umount %s", dir));
	close(vm);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, ctl("umount %s", dir)) TH_LOG("%s", err);
	EXPECT_NE(0, stat(path, &sb));
	rmdir(dir);
	*strrchr(dir, '/') = 0;
	rmdir(dir);
}

TEST_HARNESS_MAIN
