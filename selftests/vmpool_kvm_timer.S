/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A KVM guest that halts on its LAPIC timer (selftests/vmpool_kvm.h,
 * vmpool_kvm_timer_*): 32-bit protected mode, flat segments, paging off,
 * the in-kernel LAPIC at its default base.  Copied into guest memory by
 * the host; position independent but for the interrupt gates, which the
 * host writes.
 *
 * In: EBX = periods, EBP = the sleep in nanoseconds, or 0 for random
 * sleeps, ESI = their seed, EDI = busy loop count.  Each period: spin EDI
 * times, arm the LAPIC timer (one-shot, divide by 1: KVM counts the
 * initial count in nanoseconds) for EBP ns or 2 + (random % 40) ms, halt
 * until its interrupt.  Then OUT to port 0x10.
 */
	.section .rodata
	.code32
	.globl vmpool_kvm_timer_start, vmpool_kvm_timer_isr
	.globl vmpool_kvm_timer_spurious, vmpool_kvm_timer_end

vmpool_kvm_timer_start:
	movl	$0x1ff, 0xfee000f0	/* SVR: on, spurious vector 0xff */
	movl	$0xb, 0xfee003e0	/* divide configuration: by 1 */
	movl	$0x40, 0xfee00320	/* LVT timer: one-shot, vector 0x40 */
1:	movl	%edi, %ecx
2:	decl	%ecx
	jnz	2b
	movl	%ebp, %edx
	testl	%ebp, %ebp
	jnz	4f
	imull	$1103515245, %esi, %esi
	addl	$12345, %esi
	movl	%esi, %eax
	shrl	$1, %eax
	xorl	%edx, %edx
	movl	$40000000, %ecx
	divl	%ecx
	addl	$2000000, %edx
4:	movl	%edx, 0xfee00380	/* initial count: arms the timer */
	sti
	hlt
	cli
	decl	%ebx
	jnz	1b
	outb	%al, $0x10
3:	hlt
	jmp	3b

vmpool_kvm_timer_isr:
	movl	$0, 0xfee000b0		/* EOI */
	iret

vmpool_kvm_timer_spurious:
	iret
vmpool_kvm_timer_end:

	.code64
	.section .note.GNU-stack, "", @progbits
