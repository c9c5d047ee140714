/* dlsym, dlvsym and dlclose.
 *
 * A function looked up in the C library's own handle (what Python's ctypes
 * CDLL("libc.so.6"), cffi's ABI mode, JNA and Rust's libloading do) is
 * the library's, not ours: a handle's lookup never reaches a preload.  So
 * a lookup that finds the real setns, unshare, syscall, pthread_create,
 * pthread_exit, exit, _exit, _Exit or abort gives our wrapper instead, and
 * such callers are recorded like any other.
 *
 * RTLD_NEXT and RTLD_DEFAULT lookups depend on who asks (the caller's
 * return address): those jump straight to the real function, so it sees
 * the program's call, not ours.  They need no mapping either: the global
 * scope finds our wrappers first.
 *
 * dlclose: code it unmaps may be followed by other code at the same
 * addresses, so the stack walker's cached rules stop counting, and none
 * is used while the unloading is under way.  The call itself is passed
 * through untouched. */
#include <dlfcn.h>
#include <stdlib.h>

#include "real.h"

void *(*nsp_real_dlsym)(void *, const char *);
void *(*nsp_real_dlvsym)(void *, const char *, const char *);

/* The real ones, from the C library's symbol table (dlsym is ours), at
 * the first call that needs them; cheap to call again. */
NSP_RUNTIME_SAFE void nsp_real_resolve_dl(void)
{
	if (!nsp_real_dlsym)
		*(void **)&nsp_real_dlsym = nsp_libc_symbol("dlsym");
	if (!nsp_real_dlvsym)
		*(void **)&nsp_real_dlvsym = nsp_libc_symbol("dlvsym");
	if (!nsp_real_dlsym || !nsp_real_dlvsym)
		abort(); /* no C library we know: nothing can work */
}

/* The wrapper that stands for a real function, or the address as it is. */
static void *ours(void *found)
{
	if (!found)
		return found;
	nsp_real_resolve_all();
	if (found == (void *)nsp_real.setns)
		return (void *)setns;
	if (found == (void *)nsp_real.unshare)
		return (void *)unshare;
	if (found == (void *)nsp_real.syscall)
		return (void *)syscall;
	if (found == (void *)nsp_real.pthread_create)
		return (void *)pthread_create;
	if (found == (void *)nsp_real.pthread_exit)
		return (void *)pthread_exit;
	if (found == (void *)nsp_real.exit)
		return (void *)exit;
	if (found == (void *)nsp_real._exit)
		return (void *)_exit;
	if (found == (void *)nsp_real._Exit)
		return (void *)_Exit;
	if (found == (void *)nsp_real.abort)
		return (void *)abort;
	return found;
}

void *nsp_dlsym_handle(void *handle, const char *name)
{
	nsp_real_resolve_dl();
	return ours(nsp_real_dlsym(handle, name));
}

void *nsp_dlvsym_handle(void *handle, const char *name, const char *version)
{
	nsp_real_resolve_dl();
	return ours(nsp_real_dlvsym(handle, name, version));
}

/* dlsym(handle, name) and dlvsym(handle, name, version): a real handle
 * goes to nsp_dl*_handle; RTLD_DEFAULT (0) and RTLD_NEXT (-1) jump to the
 * real function with the caller's return address still on the stack. */
#define DL_STUB(fn, real, handled)                                                   \
	__asm__(".text\n"                                                            \
		".globl " #fn "\n"                                                   \
		".type " #fn ", @function\n" #fn ":\n"                               \
		"	test %rdi, %rdi\n"                                         \
		"	je 1f\n"                                                    \
		"	cmp $-1, %rdi\n"                                           \
		"	je 1f\n"                                                    \
		"	jmp " #handled "\n"                                         \
		"1:	mov " #real "(%rip), %rax\n"                                  \
		"	test %rax, %rax\n"                                         \
		"	je 2f\n"                                                    \
		"	jmp *%rax\n"                                                \
		"2:	push %rdi\n"                                                \
		"	push %rsi\n"                                                \
		"	push %rdx\n"                                                \
		"	call nsp_real_resolve_dl\n"                                 \
		"	pop %rdx\n"                                                 \
		"	pop %rsi\n"                                                 \
		"	pop %rdi\n"                                                 \
		"	jmp 1b\n"                                                   \
		".size " #fn ", .-" #fn "\n")

DL_STUB(dlsym, nsp_real_dlsym, nsp_dlsym_handle);
DL_STUB(dlvsym, nsp_real_dlvsym, nsp_dlvsym_handle);

__attribute__((visibility("default"))) int dlclose(void *handle)
{
	int r;

	nsp_real_init();
	nsp_walk_unloading(0);
	r = NSP_REAL(dlclose)(handle);
	nsp_walk_unloading(1);
	return r;
}
