/* The raw system call of lib/base/watch.h. */
#include "base/watch.h"

long nsp_watch_syscall(long nr, long a, long b, long c, uint64_t key)
{
	register long r10 __asm__("r10") = 0;
	register long r8 __asm__("r8") = 0;
	register uint64_t r9 __asm__("r9") = key;
	long ret;

	__asm__ volatile("syscall\n\t"
			 "xor %%r9d, %%r9d"
			 : "=a"(ret), "+r"(r9), "+r"(r10), "+r"(r8)
			 : "0"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}
