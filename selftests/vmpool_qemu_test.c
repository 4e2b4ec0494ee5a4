// SPDX-License-Identifier: GPL-2.0
/*
 * An unmodified VMM on a VM file descriptor: QEMU, given an inherited VM fd
 * as -object memory-backend-file,mem-path=/proc/self/fd/N,share=on, reads
 * and writes guest RAM through the qtest protocol while this test reads and
 * writes the same RAM through its own mapping of the VM.  QEMU's accesses
 * are served from the VM's dedicated pool.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
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
};

static const char *qemu_binary(void)
{
	const char *q = getenv("QEMU");

	return q ? q : "/usr/bin/qemu-system-x86_64";
}

FIXTURE_SETUP(qemu)
{
	char backend[160], mem[16];
	int in[2], out[2];

	self->pid = -1;
	self->vm = -1;
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	if (self->dev < 0 && errno == ENOENT)
		SKIP(return, "vmpool module not loaded");
	ASSERT_LE(0, self->dev);
	if (access(qemu_binary(), X_OK))
		SKIP(return, "%s not found", qemu_binary());

	/* The whole guest RAM reserved in the VM's dedicated pool. */
	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(),
				    GUEST_MB << 20, GUEST_PAGES, 0, "qemu");
	ASSERT_LE(0, self->vm);
	self->ram = mmap(NULL, GUEST_MB << 20, PROT_READ | PROT_WRITE,
			 MAP_SHARED, self->vm, 0);
	ASSERT_NE(MAP_FAILED, self->ram);

	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	snprintf(backend, sizeof(backend),
		 "memory-backend-file,id=ram0,size=%dM,mem-path=/proc/self/fd/%d,share=on",
		 GUEST_MB, VM_FD);
	snprintf(mem, sizeof(mem), "%dM", GUEST_MB);

	self->pid = fork();
	ASSERT_LE(0, self->pid);
	if (self->pid == 0) {
		/* dup2() leaves the new descriptors without O_CLOEXEC. */
		if (dup2(self->vm, VM_FD) < 0 || dup2(in[0], 0) < 0 ||
		    dup2(out[1], 1) < 0)
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
	EXPECT_LE(16 + 2 + 1, st.mapped_pages);
	EXPECT_EQ(st.mapped_pages, st.faults_dedicated);
	EXPECT_EQ(0, st.faults_global);
	EXPECT_EQ(GUEST_PAGES, st.mapped_pages + st.dedicated_pages);
}

TEST_HARNESS_MAIN
