// SPDX-License-Identifier: GPL-2.0
/*
 * An unmodified VMM on a VM: QEMU, given -object memory-backend-file,
 * share=on with mem-path=/proc/self/fd/N (an inherited VM fd) or with
 * mem-path=DIR (a vmpool mount, where QEMU creates, unlinks and sizes a
 * file of its own), reads and writes guest RAM through the qtest protocol
 * while this test reads and writes the same RAM through its own mapping of
 * the VM.  QEMU's accesses are served from the VM's dedicated pool.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "vmpool_test.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define GUEST_MB	32
#define GUEST_PAGES	(GUEST_MB * 256)
#define VM_FD		100

FIXTURE(qemu) {
	int dev, vm;
	pid_t pid;
	FILE *to, *from;
	unsigned char *ram;
	char dir[64];
	__u32 tenant;
};

FIXTURE_VARIANT(qemu) {
	bool mount;
};

/* The VM made with VMPOOL_VM_CREATE, inherited as a file descriptor. */
FIXTURE_VARIANT_ADD(qemu, fd) {
	.mount = false,
};

/* The VM QEMU makes itself on a vmpool mount. */
FIXTURE_VARIANT_ADD(qemu, mount) {
	.mount = true,
};

static const char *qemu_binary(void)
{
	const char *q = getenv("QEMU");

	return q ? q : "/usr/bin/qemu-system-x86_64";
}

/*
 * The VM file QEMU (@pid) created in @dir, reopened through its descriptor;
 * -1 if it has none.
 */
static int qemu_vm_file(pid_t pid, const char *dir)
{
	char fds[32], path[64 + 256], link[256];
	struct dirent *d;
	int vm = -1;
	ssize_t n;
	DIR *dp;

	snprintf(fds, sizeof(fds), "/proc/%d/fd", pid);
	dp = opendir(fds);
	if (!dp)
		return -1;
	while (vm < 0 && (d = readdir(dp))) {
		snprintf(path, sizeof(path), "%s/%s", fds, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strncmp(link, dir, strlen(dir)) && link[strlen(dir)] == '/')
			vm = open(path, O_RDWR | O_CLOEXEC);
	}
	closedir(dp);
	return vm;
}

static char *qtest(FILE *to, FILE *from, char *buf, size_t len,
		   const char *fmt, ...);

FIXTURE_SETUP(qemu)
{
	char backend[160], mem[16], opts[64], buf[64];
	int in[2], out[2];

	self->pid = -1;
	self->vm = -1;
	self->dir[0] = 0;
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, self->dev);
	if (access(qemu_binary(), X_OK))
		SKIP(return, "%s not found", qemu_binary());
	self->tenant = vmpool_new_tenant();

	if (variant->mount) {
		/* Gone with this process, whatever happens to the test. */
		ASSERT_EQ(0, unshare(CLONE_NEWNS));
		ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
		snprintf(self->dir, sizeof(self->dir), "/tmp/vmpool-qemu-XXXXXX");
		ASSERT_NE(NULL, mkdtemp(self->dir));
		/* The whole guest RAM reserved in the VM's dedicated pool. */
		snprintf(opts, sizeof(opts), "tenant=%u,reserve=%dM",
			 self->tenant, GUEST_MB);
		ASSERT_EQ(0, mount("none", self->dir, "vmpool", 0, opts));
		snprintf(backend, sizeof(backend),
			 "memory-backend-file,id=ram0,size=%dM,mem-path=%s,share=on",
			 GUEST_MB, self->dir);
	} else {
		self->vm = vmpool_vm_create(self->dev, self->tenant,
					    GUEST_MB << 20, GUEST_PAGES, 0,
					    "qemu");
		ASSERT_LE(0, self->vm);
		snprintf(backend, sizeof(backend),
			 "memory-backend-file,id=ram0,size=%dM,mem-path=/proc/self/fd/%d,share=on",
			 GUEST_MB, VM_FD);
	}

	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	snprintf(mem, sizeof(mem), "%dM", GUEST_MB);

	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		/* dup2() leaves the new descriptors without O_CLOEXEC. */
		if ((self->vm >= 0 && dup2(self->vm, VM_FD) < 0) ||
		    dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(127);
		execl(qemu_binary(), qemu_binary(), "-S", "-machine",
		      "pc,memory-backend=ram0", "-m", mem, "-object", backend,
		      "-qtest", "stdio", "-qtest-log", "/dev/null",
		      "-display", "none", "-nodefaults", NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	self->to = fdopen(in[1], "w");
	self->from = fdopen(out[0], "r");
	ASSERT_NE(NULL, self->to);
	ASSERT_NE(NULL, self->from);

	if (variant->mount) {
		/* Once QEMU answers, its RAM file exists. */
		ASSERT_NE(NULL, qtest(self->to, self->from, buf, sizeof(buf),
				      "readl 0"));
		self->vm = qemu_vm_file(self->pid, self->dir);
		ASSERT_LE(0, self->vm);
	}
	self->ram = mmap(NULL, GUEST_MB << 20, PROT_READ | PROT_WRITE,
			 MAP_SHARED, self->vm, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
}

FIXTURE_TEARDOWN(qemu)
{
	struct vmpool_audit audit;
	int status;

	if (self->pid > 0) {
		kill(self->pid, SIGTERM);
		waitpid(self->pid, &status, 0);
	}
	if (self->vm >= 0) {
		munmap(self->ram, GUEST_MB << 20);
		close(self->vm);
	}
	if (self->dir[0]) {
		/* QEMU unlinked its file: the VM is gone, so is the mount. */
		EXPECT_EQ(0, umount2(self->dir, 0));
		rmdir(self->dir);
	}
	if (self->dev >= 0) {
		ASSERT_EQ(0, vmpool_audit(self->dev, &audit));
		EXPECT_EQ(0, audit.errors);
		close(self->dev);
	}
}

/* Send one qtest command; returns its answer without "OK " (or NULL). */
static char *qtest(FILE *to, FILE *from, char *buf, size_t len,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(to, fmt, ap);
	va_end(ap);
	fputc('\n', to);
	fflush(to);
	while (fgets(buf, len, from)) {
		buf[strcspn(buf, "\n")] = 0;
		if (!strncmp(buf, "OK", 2))
			return buf[2] ? buf + 3 : buf + 2;
		if (!strncmp(buf, "FAIL", 4) || !strncmp(buf, "ERR", 3))
			return NULL;
		/* Anything else (IRQ notifications) is not an answer. */
	}
	return NULL;
}

TEST_F_TIMEOUT(qemu, guest_ram_is_the_vm, 180)
{
	struct vmpool_vm_stats st;
	unsigned int i, v, bad = 0;
	char buf[256], *ans;

	/* QEMU writes guest RAM; our mapping of the VM sees it. */
	for (i = 0; i < 16; i++) {
		ASSERT_NE(NULL, qtest(self->to, self->from, buf, sizeof(buf), "writel %#lx %#x",
				      0x100000 + i * 0x10000UL, 0xc0de0000 + i));
	}
	ASSERT_NE(NULL, qtest(self->to, self->from, buf, sizeof(buf), "memset 0x400000 8192 0x5a"));
	for (i = 0; i < 16; i++) {
		memcpy(&v, self->ram + 0x100000 + i * 0x10000UL, sizeof(v));
		EXPECT_EQ(0xc0de0000 + i, v);
	}
	for (i = 0; i < 8192; i++)
		bad += self->ram[0x400000 + i] != 0x5a;
	EXPECT_EQ(0, bad);

	/* We write through our mapping; QEMU reads it from guest RAM. */
	v = 0x600dcafe;
	memcpy(self->ram + 0x800000, &v, sizeof(v));
	ans = qtest(self->to, self->from, buf, sizeof(buf), "readl 0x800000");
	ASSERT_NE(NULL, ans);
	EXPECT_EQ(0x600dcafe, strtoul(ans, NULL, 0));

	/* Every page either side touched came from the dedicated pool. */
	ASSERT_EQ(0, vmpool_vm_stats(self->vm, &st));
	EXPECT_EQ(self->tenant, st.tenant);
	if (variant->mount)
		EXPECT_EQ(0, strncmp(st.name, "qemu_back_mem.", 14)) TH_LOG("VM %s", st.name);
	EXPECT_LE(16 + 2 + 1, st.mapped_pages);
	EXPECT_EQ(st.mapped_pages, st.faults_dedicated);
	EXPECT_EQ(0, st.faults_global);
	EXPECT_EQ(GUEST_PAGES, st.mapped_pages + st.dedicated_pages);
}

TEST_HARNESS_MAIN
