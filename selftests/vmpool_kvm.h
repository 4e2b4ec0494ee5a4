/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KVM guest that runs on caller-provided host memory.
 *
 * The memory becomes the only slot (slot 0) of a fresh VM, at guest
 * physical address 0.  One vCPU runs in 32-bit protected mode with flat
 * 4 GiB segments and paging off, so guest physical == guest linear address;
 * the segments are loaded straight through KVM_SET_SREGS and no GDT, IDT
 * or stack is needed in guest memory.
 *
 * Layout of the slot:
 *   page 0        guest code: the host writes both programs (105 bytes)
 *                 at its start before a run unless they are already there,
 *                 so a read-only mapping that holds them works too; the
 *                 rest of page 0 is left alone and never holds the pattern
 *   pages 1..N-1  the pattern: 32-bit word i (0..1023) of page p is
 *                 seed32 ^ (p * 0x9e3779b1) ^ i, seed32 being the two
 *                 halves of the 64-bit seed xored together
 *
 * The guest programs take seed32 in EBX and the slot length in ESI and end
 * with HLT (there is no in-kernel irqchip, so KVM_RUN returns with
 * KVM_EXIT_HLT).  The fill program writes every word of pages 1..N-1; the
 * check program reads them and leaves the number of differing pages in EDX,
 * which the host reads with KVM_GET_REGS.
 */
#ifndef _VMPOOL_KVM_H
#define _VMPOOL_KVM_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/types.h>

#define VMPOOL_KVM_PAGE		4096UL
#define VMPOOL_KVM_WORDS	(VMPOOL_KVM_PAGE / 4)
/* The guest uses 32-bit addresses: keep clear of the top of the 4 GiB space. */
#define VMPOOL_KVM_MAX_LEN	0xc0000000UL
#define VMPOOL_KVM_MUL		0x9e3779b1u
/* The first 32-bit word of page 0 once it holds the code (mov edi, 0x1000). */
#define VMPOOL_KVM_CODE_WORD0	0x001000bfu
/* Entry points of the guest programs (offsets in page 0). */
#define VMPOOL_KVM_FILL		0x00
#define VMPOOL_KVM_CHECK	0x31

/**
 * vmpool_kvm_base() - pattern word 0 of a page
 * @seed: the 64-bit seed
 * @page: page number in the slot (1..N-1)
 *
 * Word i of the page is vmpool_kvm_base(seed, page) ^ i.
 */
static inline __u32 vmpool_kvm_base(__u64 seed, size_t page)
{
	return (__u32)(seed ^ (seed >> 32)) ^ ((__u32)page * VMPOOL_KVM_MUL);
}

/**
 * vmpool_kvm_exit_name() - name of a KVM_EXIT_* reason, for messages
 * @reason: kvm_run.exit_reason
 */
static inline const char *vmpool_kvm_exit_name(__u64 reason)
{
	static const char * const names[] = {
		[KVM_EXIT_UNKNOWN] = "UNKNOWN",	[KVM_EXIT_IO] = "IO",
		[KVM_EXIT_HLT] = "HLT",		[KVM_EXIT_MMIO] = "MMIO",
		[KVM_EXIT_SHUTDOWN] = "SHUTDOWN", [KVM_EXIT_FAIL_ENTRY] = "FAIL_ENTRY",
		[KVM_EXIT_INTR] = "INTR",	[KVM_EXIT_INTERNAL_ERROR] = "INTERNAL_ERROR",
		[39] = "MEMORY_FAULT",		/* KVM_EXIT_MEMORY_FAULT, 6.8+ */
	};

	return reason < 40 && names[reason] ? names[reason] : "?";
}

/**
 * vmpool_kvm_available() - can this process run KVM guests?
 * @why: where to put the reason when it cannot (may be NULL)
 * @len: size of @why
 *
 * Opens /dev/kvm; when it is missing, loads kvm_amd, then kvm_intel, and
 * tries again.  Then checks the API version and creates (and closes) a VM.
 *
 * Return: 1 if KVM is usable, 0 if not (reason in @why).
 */
static inline int vmpool_kvm_available(char *why, size_t len)
{
	static const char * const mods[] = { "kvm_amd", "kvm_intel" };
	static const char * const hw[] = { "SVM", "VMX" };
	char cmd[64], tried[160] = "";
	const char *err = NULL;
	int fd, vm = 0, i;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	for (i = 0; fd < 0 && errno == ENOENT && i < 2; i++) {
		size_t n = strlen(tried);

		snprintf(cmd, sizeof(cmd), "modprobe -q %s >/dev/null 2>&1", mods[i]);
		if (system(cmd))
			snprintf(tried + n, sizeof(tried) - n, "%s%s did not load (no %s?)",
				 n ? ", " : ": ", mods[i], hw[i]);
		else
			snprintf(tried + n, sizeof(tried) - n, "%s%s loaded",
				 n ? ", " : ": ", mods[i]);
		fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	}
	if (fd < 0) {
		int e = errno;

		if (why && len && e == ENOENT)
			snprintf(why, len, "no /dev/kvm%s", tried);
		else if (why && len)
			snprintf(why, len, "/dev/kvm: %s", strerror(e));
		return 0;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		err = "unexpected KVM API version";
	} else {
		static int keeper = -1;

		/*
		 * One VM stays for the life of the process.  Creating the
		 * first VM and destroying the last flip static keys in the
		 * scheduler (KVM's preempt notifiers); under QEMU's TCG,
		 * patching that text while the other vCPU runs it has been
		 * seen to leave it a breakpoint nobody handles (an "int3"
		 * oops in __schedule).  A VM that stays keeps the keys still.
		 */
		vm = keeper >= 0 ? keeper : ioctl(fd, KVM_CREATE_VM, 0);
		if (vm < 0)
			err = strerror(errno);
		else
			keeper = vm;
	}
	if (err && why && len)
		snprintf(why, len, "/dev/kvm: %s%s", vm < 0 ? "KVM_CREATE_VM: " : "", err);
	close(fd);
	return !err;
}

/**
 * vmpool_kvm_flat_sregs() - flat 32-bit protected mode, paging off
 * @sregs: a vCPU's special registers, as KVM_GET_SREGS gave them
 *
 * Code selector 0x08, data selectors 0x10, each a 4 GiB segment at 0: the
 * hidden parts are loaded directly, so the guest needs a GDT only to take
 * an interrupt (which reloads CS from it).
 */
static inline void vmpool_kvm_flat_sregs(struct kvm_sregs *sregs)
{
	struct kvm_segment seg = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10,
		.type = 3,		/* data: read/write, accessed */
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};

	sregs->ds = seg;
	sregs->es = seg;
	sregs->fs = seg;
	sregs->gs = seg;
	sregs->ss = seg;
	seg.selector = 0x08;
	seg.type = 11;			/* code: execute/read, accessed */
	sregs->cs = seg;
	sregs->cr0 = 0x11;		/* PE | ET */
	sregs->cr4 = 0;
	sregs->efer = 0;
}

/**
 * vmpool_kvm_vm_stat() - read one statistic of a KVM VM
 * @vm: the VM's fd
 * @name: the statistic's name (as in /sys/kernel/debug/kvm), a counter
 *	of the VM
 * @value: where its value goes
 *
 * Return: 0, -ENOENT if the VM has no such statistic, or another negative
 * errno.
 */
static inline int vmpool_kvm_vm_stat(int vm, const char *name, __u64 *value)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t desc_len;
	int fd, ret = -ENOENT;
	char *descs = NULL;
	__u32 i;

	fd = ioctl(vm, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return -errno;
	if (pread(fd, &h, sizeof(h), 0) != sizeof(h)) {
		ret = -EIO;
		goto out;
	}
	desc_len = sizeof(*d) + h.name_size;
	descs = malloc(desc_len * h.num_desc);
	if (!descs) {
		ret = -ENOMEM;
		goto out;
	}
	if (pread(fd, descs, desc_len * h.num_desc, h.desc_offset) !=
	    (ssize_t)(desc_len * h.num_desc)) {
		ret = -EIO;
		goto out;
	}
	for (i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(descs + i * desc_len);
		if (strcmp(d->name, name) || d->size != 1)
			continue;
		ret = pread(fd, value, sizeof(*value), h.data_offset + d->offset) ==
		      sizeof(*value) ? 0 : -EIO;
		break;
	}
out:
	free(descs);
	close(fd);
	return ret;
}

/**
 * vmpool_kvm_run_stat() - run a guest program over @mem until it halts
 * @mem: host memory for the slot, page aligned
 * @len: its length: a multiple of 4 KiB, at least 2 pages, at most 3 GiB
 * @entry: guest program to run: VMPOOL_KVM_FILL or VMPOOL_KVM_CHECK
 * @seed: passed to the guest as seed32 in EBX (ESI holds @len)
 * @regs: if not NULL, the guest's registers after HLT
 * @exit_reason: if not NULL, the last kvm_run.exit_reason
 * @stat: if not NULL, a statistic of the VM (vmpool_kvm_vm_stat()) to
 *	read once the guest halted
 * @value: where its value goes
 *
 * Return: 0 once the guest halted; -EIO if it exited for any other reason
 * (in *@exit_reason); -EFAULT if KVM could not get a host page (KVM_RUN
 * failed with EFAULT); -EINVAL for a bad @len or @mem; another negative
 * errno if the VM could not be set up, or the statistic not read.  Every
 * fd is closed on return.
 */
static inline int vmpool_kvm_run_stat(void *mem, size_t len, __u32 entry,
				      __u64 seed, struct kvm_regs *regs,
				      __u64 *exit_reason, const char *stat,
				      __u64 *value)
{
	/* In: EBX = seed32, ESI = slot length.  Out (check): EDX = bad pages. */
	static const __u8 code[] = {
		/* fill, entry 0x00: write pages 1..N-1 */
		0xbf, 0x00, 0x10, 0x00, 0x00,	/* 00:       mov  edi, 0x1000      */
		0x39, 0xf7,			/* 05: fpg:  cmp  edi, esi         */
		0x73, 0x27,			/* 07:       jae  fend (30)        */
		0x89, 0xfd,			/* 09:       mov  ebp, edi         */
		0xc1, 0xed, 0x0c,		/* 0b:       shr  ebp, 12          */
		0x69, 0xed, 0xb1, 0x79, 0x37, 0x9e, /* 0e:  imul ebp, ebp, 0x9e3779b1 */
		0x31, 0xdd,			/* 14:       xor  ebp, ebx         */
		0x31, 0xc9,			/* 16:       xor  ecx, ecx         */
		0x89, 0xe8,			/* 18: fwd:  mov  eax, ebp         */
		0x31, 0xc8,			/* 1a:       xor  eax, ecx         */
		0x89, 0x04, 0x8f,		/* 1c:       mov  [edi+ecx*4], eax */
		0x41,				/* 1f:       inc  ecx              */
		0x81, 0xf9, 0x00, 0x04, 0x00, 0x00, /* 20:  cmp  ecx, 1024        */
		0x72, 0xf0,			/* 26:       jb   fwd (18)         */
		0x81, 0xc7, 0x00, 0x10, 0x00, 0x00, /* 28:  add  edi, 0x1000      */
		0xeb, 0xd5,			/* 2e:       jmp  fpg (05)         */
		0xf4,				/* 30: fend: hlt                   */
		/* check, entry 0x31: count pages 1..N-1 that differ */
		0x31, 0xd2,			/* 31:       xor  edx, edx         */
		0xbf, 0x00, 0x10, 0x00, 0x00,	/* 33:       mov  edi, 0x1000      */
		0x39, 0xf7,			/* 38: cpg:  cmp  edi, esi         */
		0x73, 0x2c,			/* 3a:       jae  cend (68)        */
		0x89, 0xfd,			/* 3c:       mov  ebp, edi         */
		0xc1, 0xed, 0x0c,		/* 3e:       shr  ebp, 12          */
		0x69, 0xed, 0xb1, 0x79, 0x37, 0x9e, /* 41:  imul ebp, ebp, 0x9e3779b1 */
		0x31, 0xdd,			/* 47:       xor  ebp, ebx         */
		0x31, 0xc9,			/* 49:       xor  ecx, ecx         */
		0x89, 0xe8,			/* 4b: cwd:  mov  eax, ebp         */
		0x31, 0xc8,			/* 4d:       xor  eax, ecx         */
		0x39, 0x04, 0x8f,		/* 4f:       cmp  [edi+ecx*4], eax */
		0x75, 0x0b,			/* 52:       jne  cbad (5f)        */
		0x41,				/* 54:       inc  ecx              */
		0x81, 0xf9, 0x00, 0x04, 0x00, 0x00, /* 55:  cmp  ecx, 1024        */
		0x72, 0xee,			/* 5b:       jb   cwd (4b)         */
		0xeb, 0x01,			/* 5d:       jmp  cnx (60)         */
		0x42,				/* 5f: cbad: inc  edx              */
		0x81, 0xc7, 0x00, 0x10, 0x00, 0x00, /* 60: cnx: add edi, 0x1000   */
		0xeb, 0xd0,			/* 66:       jmp  cpg (38)         */
		0xf4,				/* 68: cend: hlt                   */
	};
	struct kvm_userspace_memory_region region = {	/* slot 0 at 0 */
		.memory_size = len,
		.userspace_addr = (uintptr_t)mem,
	};
	int kvm = -1, vm = -1, vcpu = -1, ret;
	struct kvm_run *run = MAP_FAILED;
	struct kvm_sregs sregs;
	struct kvm_regs r;
	long run_size = 0;

	if (exit_reason)
		*exit_reason = KVM_EXIT_UNKNOWN;
	if (len < 2 * VMPOOL_KVM_PAGE || len % VMPOOL_KVM_PAGE || len > VMPOOL_KVM_MAX_LEN ||
	    (uintptr_t)mem % VMPOOL_KVM_PAGE || entry >= sizeof(code))
		return -EINVAL;
	if (memcmp(mem, code, sizeof(code)))
		memcpy(mem, code, sizeof(code));

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		goto fail;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		goto fail;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		goto fail;
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		goto fail;
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < 0)
		goto fail;
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		goto fail;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		goto fail;
	vmpool_kvm_flat_sregs(&sregs);
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		goto fail;
	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rflags = 0x2;			/* reserved bit 1; IF clear */
	r.rbx = vmpool_kvm_base(seed, 0);
	r.rsi = len;
	if (ioctl(vcpu, KVM_SET_REGS, &r) < 0)
		goto fail;

	do {
		ret = ioctl(vcpu, KVM_RUN, 0) < 0 ? -errno : 0;
	} while (ret == -EINTR || ret == -EAGAIN);
	if (exit_reason)
		*exit_reason = run->exit_reason;
	if (!ret && run->exit_reason != KVM_EXIT_HLT)
		ret = -EIO;
	if (!ret && regs && ioctl(vcpu, KVM_GET_REGS, regs) < 0)
		ret = -errno;
	if (!ret && stat)
		ret = vmpool_kvm_vm_stat(vm, stat, value);
	goto out;
fail:
	ret = -errno;
out:
	if (run != MAP_FAILED)
		munmap(run, run_size);
	if (vcpu >= 0)
		close(vcpu);
	if (vm >= 0)
		close(vm);
	if (kvm >= 0)
		close(kvm);
	return ret;
}

/* vmpool_kvm_run_stat() without a statistic. */
static inline int vmpool_kvm_run(void *mem, size_t len, __u32 entry, __u64 seed,
				 struct kvm_regs *regs, __u64 *exit_reason)
{
	return vmpool_kvm_run_stat(mem, len, entry, seed, regs, exit_reason,
				   NULL, NULL);
}

/**
 * vmpool_kvm_fill() - have a guest write the pattern into pages 1..N-1
 * @mem: host memory for the slot (see vmpool_kvm_run())
 * @len: its length
 * @seed: the pattern's seed
 * @exit_reason_out: if not NULL, the last exit reason
 *
 * Every word of every page but page 0 (the code page) is written.
 *
 * Return: 0, -EIO (unexpected exit), -EFAULT or another negative errno.
 */
static inline int vmpool_kvm_fill(void *mem, size_t len, __u64 seed,
				  __u64 *exit_reason_out)
{
	return vmpool_kvm_run(mem, len, VMPOOL_KVM_FILL, seed, NULL, exit_reason_out);
}

/**
 * vmpool_kvm_count_mismatch() - have a guest check the pattern
 * @mem: host memory for the slot (see vmpool_kvm_run())
 * @len: its length
 * @seed: the pattern's seed
 *
 * The guest only reads pages 1..N-1 (page 0 holds its code).
 *
 * Return: the number of pages 1..N-1 in which the guest saw a word differ
 * from the pattern, or a negative errno as for vmpool_kvm_fill().
 */
static inline long vmpool_kvm_count_mismatch(void *mem, size_t len, __u64 seed)
{
	struct kvm_regs regs;
	int ret;

	ret = vmpool_kvm_run(mem, len, VMPOOL_KVM_CHECK, seed, &regs, NULL);
	return ret ? ret : (long)(__u32)regs.rdx;
}

/**
 * vmpool_kvm_check_host() - count, from the host, pages without the pattern
 * @mem: the memory
 * @len: its length, a multiple of 4 KiB
 * @seed: the pattern's seed
 *
 * Return: the number of pages among 1..N-1 with at least one wrong word.
 */
static inline size_t vmpool_kvm_check_host(const void *mem, size_t len, __u64 seed)
{
	size_t page, i, bad = 0;

	for (page = 1; page < len / VMPOOL_KVM_PAGE; page++) {
		const __u32 *w = (const __u32 *)((const char *)mem +
						       page * VMPOOL_KVM_PAGE);
		__u32 base = vmpool_kvm_base(seed, page);

		for (i = 0; i < VMPOOL_KVM_WORDS; i++) {
			if (w[i] != (base ^ (__u32)i)) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

/*
 * The guest of vmpool_kvm_timer.S, which halts on its LAPIC timer: code
 * from vmpool_kvm_timer_start to vmpool_kvm_timer_end, with the handlers
 * of the timer's vector (0x40) and of the spurious vector (0xff).  Linked
 * into the tests that use it.
 */
extern const unsigned char vmpool_kvm_timer_start[], vmpool_kvm_timer_isr[],
	vmpool_kvm_timer_spurious[], vmpool_kvm_timer_end[];

#endif /* _VMPOOL_KVM_H */
