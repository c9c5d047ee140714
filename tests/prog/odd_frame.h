/* odd_frame(fn, arg) calls fn(arg) from a frame whose CFA is a DWARF
 * expression (rbx + 16), which the shim's walker leaves to libunwind.
 * Shared by tests/prog/unwind_cases.c and tests/unit/test_walk.c. */
#ifndef TEST_ODD_FRAME_H
#define TEST_ODD_FRAME_H

void odd_frame(void (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl odd_frame\n"
	".type odd_frame, @function\n"
	"odd_frame:\n"
	".cfi_startproc\n"
	"\tpush %rbx\n"
	"\t.cfi_adjust_cfa_offset 8\n"
	"\t.cfi_offset %rbx, -16\n"
	"\tmov %rsp, %rbx\n"
	"\t.cfi_escape 0x0f, 0x02, 0x73, 0x10\n" /* DW_CFA_def_cfa_expression: breg3 +16 */
	"\tmov %rdi, %rax\n"
	"\tmov %rsi, %rdi\n"
	"\tcall *%rax\n"
	"\tpop %rbx\n"
	"\t.cfi_def_cfa %rsp, 8\n"
	"\tret\n"
	".cfi_endproc\n"
	".size odd_frame, .-odd_frame\n");

#endif
