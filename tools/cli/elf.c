/* Can LD_PRELOAD reach the command?  Not if it is statically linked (no
 * PT_INTERP: nothing loads the preload), not if it runs in secure mode
 * (setuid, setgid or file capabilities that change its ids: the loader
 * then ignores LD_PRELOAD paths like ours), not if it is built for another
 * machine or word size.  A script is judged by its interpreter. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli.h"

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#else
#error "namspill: no ELF machine for this target"
#endif

int cli_resolve(const char *cmd, char *path, size_t cap)
{
	const char *dirs = getenv("PATH"), *p;
	struct stat st;

	if (strchr(cmd, '/')) {
		snprintf(path, cap, "%s", cmd);
		return 1;
	}
	if (!dirs)
		dirs = "/bin:/usr/bin";
	for (p = dirs;; p++) {
		const char *end = strchrnul(p, ':');
		int n = (int)(end - p);
		snprintf(path, cap, "%.*s%s%s", n, p, n ? "/" : "", cmd);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return 1;
		if (!*end)
			break;
		p = end;
	}
	return 0;
}

static int has_interp(int fd, const Elf64_Ehdr *eh)
{
	Elf64_Phdr ph;

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		off_t at = (off_t)(eh->e_phoff + (Elf64_Off)i * eh->e_phentsize);
		if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))
			return 1; /* unreadable: let the loader decide */
		if (ph.p_type == PT_INTERP)
			return 1;
	}
	return 0;
}

static int secure_mode(const char *path, const struct stat *st)
{
	struct statvfs vfs;

	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return 0;
	if ((st->st_mode & S_ISUID) && st->st_uid != geteuid())
		return 1;
	if ((st->st_mode & S_ISGID) && st->st_gid != getegid())
		return 1;
	/* Root has every capability already: file capabilities raise none. */
	return geteuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0;
}

static enum cli_reach judge(const char *path, int depth, const char **why)
{
	unsigned char buf[256];
	Elf64_Ehdr eh;
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum cli_reach r = CLI_REACH_OK;

	if (fd < 0)
		return CLI_REACH_OK; /* exec will explain */
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n >= 2 && buf[0] == '#' && buf[1] == '!' && depth == 0) {
		char *s = (char *)buf + 2, *e;
		buf[n] = 0;
		s += strspn(s, " \t");
		e = s + strcspn(s, " \t\n");
		*e = 0;
		close(fd);
		r = *s ? judge(s, 1, why) : CLI_REACH_OK;
		if (r == CLI_REACH_STATIC)
			*why = "a script whose interpreter is statically linked";
		return r;
	}
	if (n < (ssize_t)sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG) || fstat(fd, &st)) {
		close(fd);
		return CLI_REACH_OK;
	}
	memcpy(&eh, buf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != NATIVE_MACHINE) {
		*why = eh.e_ident[EI_CLASS] != ELFCLASS64 ? "a 32-bit program"
							   : "built for another machine";
		r = CLI_REACH_FOREIGN;
	} else if (!has_interp(fd, &eh)) {
		*why = "statically linked";
		r = CLI_REACH_STATIC;
	} else if (secure_mode(path, &st)) {
		*why = st.st_mode & (S_ISUID | S_ISGID) ? "setuid or setgid"
							 : "given file capabilities";
		r = CLI_REACH_SECURE;
	}
	close(fd);
	return r;
}

enum cli_reach cli_reach(const char *cmd, char *path, size_t cap, const char **why)
{
	*why = "";
	if (!cli_resolve(cmd, path, cap))
		return CLI_REACH_OK;
	return judge(path, 0, why);
}

/* The tracer keeps a setuid program's privileges only when it may trace
 * it without making the exec unsafe (CAP_SYS_PTRACE) and install its
 * filter without no_new_privs (CAP_SYS_ADMIN); otherwise the kernel
 * runs the program with the caller's own. */
int cli_tracer_keeps_privileges(void)
{
	return nsp_proc_has_cap(CAP_SYS_PTRACE) == 1 && nsp_proc_has_cap(CAP_SYS_ADMIN) == 1;
}

/* The sections named in the file's section header string table: whether
 * one named want is there. */
static int has_section(int fd, const Elf64_Ehdr *eh, const Elf64_Shdr *names, const char *want)
{
	size_t wl = strlen(want) + 1;

	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr sh;
		char name[32];
		off_t at = (off_t)(eh->e_shoff + (Elf64_Off)i * eh->e_shentsize);
		if (pread(fd, &sh, sizeof(sh), at) != (ssize_t)sizeof(sh))
			return -1;
		if (sh.sh_name >= names->sh_size || wl > sizeof(name) ||
		    pread(fd, name, wl, (off_t)(names->sh_offset + sh.sh_name)) != (ssize_t)wl)
			continue;
		if (!memcmp(name, want, wl))
			return 1;
	}
	return 0;
}

int cli_elf_pure_go(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Shdr names;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != NATIVE_MACHINE ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || !eh.e_shnum || eh.e_shnum > 256 ||
	    eh.e_shstrndx >= eh.e_shnum || has_interp(fd, &eh))
		return 0;
	if (pread(fd, &names, sizeof(names),
		  (off_t)(eh.e_shoff + (Elf64_Off)eh.e_shstrndx * sizeof(Elf64_Shdr))) !=
	    (ssize_t)sizeof(names))
		return 0;
	/* Go's own linker writes .go.buildinfo and no .init: a program
	 * linked by the system's (cgo) has the C library's start files. */
	return has_section(fd, &eh, &names, ".go.buildinfo") == 1 &&
	       has_section(fd, &eh, &names, ".init") == 0;
}
