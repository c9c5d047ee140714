/* jit_frame(fn, arg) calls fn(arg) from code with no CFI at all, as a JIT
 * writes it: copied into an anonymous mapping, it keeps the frame pointer
 * chain (push rbp; mov rbp, rsp), so the frames past it are found by that
 * chain.  Shared by tests/prog/unwind_cases.c and tests/prog/jit_filtered.c. */
#ifndef TEST_JIT_FRAME_H
#define TEST_JIT_FRAME_H

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void jit_frame(void (*fn)(void *), void *arg)
{
	static const unsigned char code[] = {
		0x55,             /* push %rbp */
		0x48, 0x89, 0xe5, /* mov %rsp, %rbp */
		0x48, 0x89, 0xf8, /* mov %rdi, %rax */
		0x48, 0x89, 0xf7, /* mov %rsi, %rdi */
		0xff, 0xd0,       /* call *%rax */
		0x5d,             /* pop %rbp */
		0xc3,             /* ret */
	};
	static void *stub;

	if (!stub) {
		void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		if (m == MAP_FAILED)
			abort();
		memcpy(m, code, sizeof(code));
		if (mprotect(m, 4096, PROT_READ | PROT_EXEC))
			abort();
		stub = m;
	}
	((void (*)(void (*)(void *), void *))stub)(fn, arg);
}

#endif
