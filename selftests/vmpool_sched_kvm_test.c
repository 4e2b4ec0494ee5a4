// SPDX-License-Identifier: GPL-2.0
/*
 * The scheduler feed on a real vCPU: a KVM guest whose RAM is a vmpool VM
 * runs, on its in-kernel LAPIC, a loop of a short busy phase and a halt
 * until a one-shot LAPIC timer fires, after 20 ms or after a random time
 * (2 to 42 ms).  The host thread that runs the vCPU is attached to the
 * vmpool VM.  While the guest halts, the thread sleeps in KVM
 * (kvm_vcpu_halt()) until the timer's callback wakes it; with random times
 * history cannot predict when, the timer can.  The tests check that the
 * feed learns the LAPIC timer and predicts from it.  They run in the
 * one-CPU boot, as every *kvm_test.  The guest code is vmpool_kvm_timer.S.
 *
 * Environment: as vmpool_vm_test.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>

#include "vmpool_test.h"
#include "vmpool_kvm.h"
#include "kselftest_harness.h"

#define MS		1000000ULL
#define RAM_SIZE	(1024 * 1024UL)
#define GDT		0x0000
#define IDT		0x1000
#define CODE		0x2000
#define STACK_TOP	0x8000
#define TIMER_VECTOR	0x40		/* as in vmpool_kvm_timer.S */
#define SPURIOUS_VECTOR	0xff
#define DONE_PORT	0x10
#define PERIODS		40

/* A 32-bit interrupt gate to guest code at @isr, in the CODE copy. */
static void set_gate(__u8 *ram, unsigned int vector, const unsigned char *isr)
{
	__u32 off = CODE + (__u32)(isr - vmpool_kvm_timer_start);
	__u32 gate[2] = {
		(off & 0xffff) | (0x08 << 16),
		(off & 0xffff0000) | 0x8e00,	/* present, DPL 0, 32-bit int */
	};

	memcpy(ram + IDT + vector * 8, gate, sizeof(gate));
}

struct vcpu {
	int kvm, vm, fd;
	struct kvm_run *run;
	long run_size;
	pid_t tid;
	int go[2];
	int ret;
};

/*
 * A vCPU over guest RAM @ram (RAM_SIZE bytes), with GDT, IDT and code
 * written, to sleep @sleep_ns a period (0: at random, from @seed).
 */
static int vcpu_create(struct vcpu *v, __u8 *ram, __u32 seed, __u32 sleep_ns)
{
	static const __u64 gdt[] = {
		0,
		0x00cf9b000000ffffULL,		/* 0x08: code, flat, 32-bit */
		0x00cf93000000ffffULL,		/* 0x10: data, flat, 32-bit */
	};
	struct kvm_userspace_memory_region region = {
		.memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = CODE, .rsp = STACK_TOP, .rflags = 0x2,
		.rbx = PERIODS, .rbp = sleep_ns, .rsi = seed, .rdi = 20000,
	};

	memcpy(ram + GDT, gdt, sizeof(gdt));
	memset(ram + IDT, 0, 256 * 8);
	set_gate(ram, TIMER_VECTOR, vmpool_kvm_timer_isr);
	set_gate(ram, SPURIOUS_VECTOR, vmpool_kvm_timer_spurious);
	memcpy(ram + CODE, vmpool_kvm_timer_start,
	       vmpool_kvm_timer_end - vmpool_kvm_timer_start);

	v->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (v->kvm < 0)
		return -errno;
	v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return -errno;
	/* The in-kernel LAPIC: HLT and its timer stay in the kernel. */
	if (ioctl(v->vm, KVM_CREATE_IRQCHIP, 0) ||
	    ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region))
		return -errno;
	v->fd = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->fd < 0)
		return -errno;
	v->run_size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->run_size < 0)
		return -errno;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED)
		return -errno;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	vmpool_kvm_flat_sregs(&sregs);
	sregs.gdt.base = GDT;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.idt.base = IDT;
	sregs.idt.limit = 256 * 8 - 1;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(v->fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

static void vcpu_destroy(struct vcpu *v)
{
	if (v->run && v->run != MAP_FAILED)
		munmap(v->run, v->run_size);
	if (v->fd > 0)
		close(v->fd);
	if (v->vm > 0)
		close(v->vm);
	if (v->kvm > 0)
		close(v->kvm);
}

/* The vCPU thread: waits for a byte, then runs the guest to its end. */
static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	char c;

	__atomic_store_n(&v->tid, gettid(), __ATOMIC_RELEASE);
	if (read(v->go[0], &c, 1) != 1) {
		v->ret = -EIO;
		return NULL;
	}
	do {
		v->ret = ioctl(v->fd, KVM_RUN, 0) ? -errno : 0;
	} while (v->ret == -EINTR || v->ret == -EAGAIN);
	if (!v->ret && (v->run->exit_reason != KVM_EXIT_IO ||
			v->run->io.port != DONE_PORT))
		v->ret = -EIO;
	return NULL;
}

FIXTURE(sched_kvm) {
	int dev, vm;
	__u8 *ram;
	struct vcpu v;
};

FIXTURE_SETUP(sched_kvm)
{
	char why[256];

	self->dev = -1;
	self->vm = -1;
	self->ram = MAP_FAILED;
	if (!vmpool_kvm_available(why, sizeof(why)))
		SKIP(return, "%s", why);
	ASSERT_EQ(0, vmpool_load("pool_mb=64"));
	self->dev = open(VMPOOL_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	if (vmpool_ioctl(self->dev, VMPOOL_CHECK_EXTENSION, VMPOOL_CAP_SCHED) != 1)
		SKIP(return, "no scheduler tracepoints");
	self->vm = vmpool_vm_create(self->dev, vmpool_new_tenant(), RAM_SIZE,
				    0, 0, "vcpu");
	ASSERT_LE(0, self->vm);
	self->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->vm, 0);
	ASSERT_NE(MAP_FAILED, self->ram);
}

FIXTURE_TEARDOWN(sched_kvm)
{
	struct vmpool_audit audit;

	vcpu_destroy(&self->v);
	if (self->ram != MAP_FAILED)
		munmap(self->ram, RAM_SIZE);
	if (self->vm >= 0)
		close(self->vm);
	if (self->dev < 0)
		return;
	EXPECT_EQ(0, vmpool_audit(self->dev, &audit));
	EXPECT_EQ(0, audit.errors);
	close(self->dev);
}

/*
 * Run the guest in @ram, the memory of @vm, sleeping @sleep_ns a period
 * (0: at random), with the thread of the vCPU @v attached to @vm; its
 * statistics afterwards in @st.
 */
static void run_guest(struct __test_metadata *_metadata, int vm, __u8 *ram,
		      struct vcpu *v, __u32 sleep_ns, struct vmpool_vm_stats *st)
{
	pthread_t th;

	ASSERT_EQ(0, vcpu_create(v, ram, 0x766d706f, sleep_ns));
	ASSERT_EQ(0, pipe(v->go));
	ASSERT_EQ(0, pthread_create(&th, NULL, vcpu_main, v));
	while (!__atomic_load_n(&v->tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	EXPECT_EQ(0, vmpool_attach(vm, VMPOOL_VM_ATTACH, 0, 0, &v->tid, 1));
	ASSERT_EQ(1, write(v->go[1], "x", 1));
	pthread_join(th, NULL);
	close(v->go[0]);
	close(v->go[1]);
	ASSERT_EQ(0, v->ret) {
		TH_LOG("KVM_RUN: %d, exit %s", v->ret,
		       vmpool_kvm_exit_name(v->run->exit_reason));
	}
	ASSERT_EQ(0, vmpool_vm_stats_stopped(vm, st));
	VMPOOL_LOG_PREDICTION(st);
	EXPECT_LE(PERIODS - 2, st->activations);
	EXPECT_LE(PERIODS - 6, st->predictions);
	EXPECT_LE(1, st->wake_callbacks);
	EXPECT_LE(PERIODS - 4, st->timer_rule_predictions);
	EXPECT_EQ(0, st->running);
}

/*
 * The vCPU halts 20 ms at a time on its LAPIC timer: the next wake-up is
 * predicted within the tolerance (2 ms), as for the periodic host thread
 * of vmpool_sched_test, but for the wake-ups that nested under TCG (the
 * debug kernel the slowest) come more than 2 ms late: 85 in 100 at
 * least, and nine in ten of the confident predictions.
 */
TEST_F_TIMEOUT(sched_kvm, periodic_vcpu_is_predicted, 300)
{
	struct vmpool_vm_stats st;

	run_guest(_metadata, self->vm, self->ram, &self->v, 20 * MS, &st);
	EXPECT_LE(st.predictions * 85 / 100, st.prediction_hits);
	EXPECT_LE(st.predictions * 3 / 4, st.confident_predictions);
	EXPECT_LE(st.confident_predictions * 9 / 10, st.confident_hits);
}

/*
 * The vCPU halts 2 to 42 ms at random: the feed learns the LAPIC timer's
 * callback from its first expiry, and from then on predicts each wake-up
 * from the timer the guest armed, where history cannot.
 */
TEST_F_TIMEOUT(sched_kvm, random_vcpu_is_predicted_by_its_lapic_timer, 300)
{
	struct vmpool_vm_stats st;

	run_guest(_metadata, self->vm, self->ram, &self->v, 0, &st);
	/*
	 * Nested under TCG, a wake-up is now and then late by more than the
	 * 2 ms tolerance; the timer still beats history by far.
	 */
	EXPECT_LE(st.timer_rule_predictions * 3 / 4, st.timer_rule_hits);
	EXPECT_LT(st.idle_rule_hits, st.idle_rule_predictions / 3);
	EXPECT_LT(3 * st.idle_rule_hits, st.timer_rule_hits);
	EXPECT_LE(st.predictions * 7 / 10, st.prediction_hits);
	EXPECT_LE(st.confident_predictions * 3 / 4, st.confident_hits);
}

TEST_HARNESS_MAIN
