/* deep_state_frame(fn, arg) calls fn(arg) from a frame whose CFI is plain
 * but nests DW_CFA_remember_state nine deep, more than the shim's own CFI
 * reader keeps (it leaves such a frame to libunwind); rbp holds no frame
 * pointer there (0), so a walk by frame pointers would stop at it. */
#ifndef TEST_DEEP_STATE_FRAME_H
#define TEST_DEEP_STATE_FRAME_H

void deep_state_frame(void (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl deep_state_frame\n"
	".type deep_state_frame, @function\n"
	"deep_state_frame:\n"
	".cfi_startproc\n"
	"\tpush %rbp\n"
	"\t.cfi_adjust_cfa_offset 8\n"
	"\t.cfi_offset %rbp, -16\n"
	"\txor %ebp, %ebp\n"
	"\t.cfi_remember_state\n\t.cfi_remember_state\n\t.cfi_remember_state\n"
	"\t.cfi_remember_state\n\t.cfi_remember_state\n\t.cfi_remember_state\n"
	"\t.cfi_remember_state\n\t.cfi_remember_state\n\t.cfi_remember_state\n"
	"\tmov %rdi, %rax\n"
	"\tmov %rsi, %rdi\n"
	"\tcall *%rax\n"
	"\t.cfi_restore_state\n\t.cfi_restore_state\n\t.cfi_restore_state\n"
	"\t.cfi_restore_state\n\t.cfi_restore_state\n\t.cfi_restore_state\n"
	"\t.cfi_restore_state\n\t.cfi_restore_state\n\t.cfi_restore_state\n"
	"\tpop %rbp\n"
	"\t.cfi_adjust_cfa_offset -8\n"
	"\t.cfi_restore %rbp\n"
	"\tret\n"
	".cfi_endproc\n"
	".size deep_state_frame, .-deep_state_frame\n");

#endif
