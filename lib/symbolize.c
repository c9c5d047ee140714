/* Naming raw addresses, only when a report is written.  Module and offset
 * come from /proc/self/maps (read with plain syscalls, so this part works
 * in a signal handler).  Function names, including static functions from
 * .symtab, and file:line from DWARF come from elfutils libdwfl, loaded
 * privately on first use like libunwind. */
#include <dlfcn.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nsp.h"

struct map {
	struct map *next;
	uintptr_t lo, hi, base;
	const char *path;
};

struct dw {
	Dwfl *(*begin)(const Dwfl_Callbacks *);
	int (*proc_report)(Dwfl *, pid_t);
	int (*report_end)(Dwfl *, void *, void *);
	Dwfl_Module *(*addrmodule)(Dwfl *, Dwarf_Addr);
	const char *(*addrinfo)(Dwfl_Module *, GElf_Addr, GElf_Off *, GElf_Sym *,
				GElf_Word *, Elf **, Dwarf_Addr *);
	Dwfl_Line *(*getsrc)(Dwfl_Module *, Dwarf_Addr);
	const char *(*lineinfo)(Dwfl_Line *, Dwarf_Addr *, int *, int *, Dwarf_Word *,
				Dwarf_Word *);
	void (*end)(Dwfl *);
	Dwfl_Callbacks cb;
	char *(*demangle)(const char *, char *, size_t *, int *);
};

struct nsp_sym {
	struct nsp_arena *a;
	struct map *maps;
	struct dw dw;
	Dwfl *dwfl;
};

static uintptr_t hex(const char **s)
{
	uintptr_t v = 0;

	for (;; (*s)++) {
		char c = **s;
		if (c >= '0' && c <= '9')
			v = v * 16 + (uintptr_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uintptr_t)(c - 'a' + 10);
		else
			return v;
	}
}

static const char *skip_field(const char *p)
{
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	return p;
}

/* "lo-hi perms offset dev inode   path"; the module base is where its
 * first mapping (file offset 0) starts, as in "(module+0x1234)". */
static struct map *add_map_line(struct nsp_sym *s, const char *line, struct map *prev)
{
	const char *p = line, *path;
	uintptr_t lo, hi, off;
	size_t plen;
	struct map *m;

	lo = hex(&p);
	if (*p++ != '-')
		return prev;
	hi = hex(&p);
	p = skip_field(p);
	off = hex(&p);
	path = strchr(p, '/');
	if (!path)
		return prev; /* anonymous, [stack], [vdso]: no module */
	plen = strlen(path);
	m = nsp_arena_alloc(s->a, sizeof(*m) + plen + 1);
	if (!m)
		return prev;
	memcpy((char *)(m + 1), path, plen + 1);
	m->next = NULL;
	m->lo = lo;
	m->hi = hi;
	m->path = (char *)(m + 1);
	m->base = lo - off;
	if (prev && !strcmp(prev->path, m->path))
		m->base = prev->base;
	if (prev)
		prev->next = m;
	else
		s->maps = m;
	return m;
}

static void read_maps(struct nsp_sym *s)
{
	char buf[4096], line[4096 + 256];
	size_t ll = 0;
	ssize_t n;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	struct map *last = NULL;

	if (fd < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = 0;
			last = add_map_line(s, line, last);
			ll = 0;
		}
	}
	close(fd);
}

static void load_dw(struct dw *d)
{
	void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);

	d->demangle = (char *(*)(const char *, char *, size_t *, int *))dlsym(RTLD_DEFAULT, "__cxa_demangle");
	if (!h)
		return;
#define SYM(field, name) (*(void **)&d->field = dlsym(h, name))
	SYM(begin, "dwfl_begin");
	SYM(proc_report, "dwfl_linux_proc_report");
	SYM(report_end, "dwfl_report_end");
	SYM(addrmodule, "dwfl_addrmodule");
	SYM(addrinfo, "dwfl_module_addrinfo");
	SYM(getsrc, "dwfl_module_getsrc");
	SYM(lineinfo, "dwfl_lineinfo");
	SYM(end, "dwfl_end");
	SYM(cb.find_elf, "dwfl_linux_proc_find_elf");
	SYM(cb.find_debuginfo, "dwfl_standard_find_debuginfo");
#undef SYM
	if (!d->begin || !d->proc_report || !d->report_end || !d->addrmodule ||
	    !d->addrinfo || !d->getsrc || !d->lineinfo || !d->end ||
	    !d->cb.find_elf || !d->cb.find_debuginfo)
		d->begin = NULL;
}

struct nsp_sym *nsp_sym_open(struct nsp_arena *a, int full)
{
	struct nsp_sym *s = nsp_arena_alloc(a, sizeof(*s));

	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->a = a;
	read_maps(s);
	if (!full)
		return s;
	load_dw(&s->dw);
	if (s->dw.begin && (s->dwfl = s->dw.begin(&s->dw.cb))) {
		if (s->dw.proc_report(s->dwfl, getpid()) != 0 ||
		    s->dw.report_end(s->dwfl, NULL, NULL) != 0) {
			s->dw.end(s->dwfl);
			s->dwfl = NULL;
		}
	}
	return s;
}

static const char *copy_str(struct nsp_arena *a, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	char *p = src ? nsp_arena_alloc(a, n + 1) : NULL;

	if (p)
		memcpy(p, src, n + 1);
	return p;
}

static const char *demangled(struct nsp_sym *s, const char *name)
{
	int st = -1;
	char *d;
	const char *r;

	if (!name || strncmp(name, "_Z", 2) || !s->dw.demangle)
		return name;
	d = s->dw.demangle(name, NULL, NULL, &st);
	if (st != 0 || !d)
		return name;
	r = copy_str(s->a, d);
	free(d);
	return r ? r : name;
}

void nsp_sym_frame(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f)
{
	/* ip is a return address: the call is the byte before it. */
	uintptr_t pc = ip ? ip - 1 : 0;

	memset(f, 0, sizeof(*f));
	f->ip = ip;
	if (!s)
		return;
	for (const struct map *m = s->maps; m; m = m->next) {
		if (pc >= m->lo && pc < m->hi) {
			f->module = m->path;
			f->offset = ip - m->base;
			break;
		}
	}
	if (s->dwfl) {
		Dwfl_Module *mod = s->dw.addrmodule(s->dwfl, pc);
		GElf_Off off;
		GElf_Sym sym;
		Dwfl_Line *line;
		int ln = 0;

		if (!mod)
			return;
		f->function = demangled(s, s->dw.addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL));
		line = s->dw.getsrc(mod, pc);
		if (line) {
			f->file = s->dw.lineinfo(line, NULL, &ln, NULL, NULL, NULL);
			f->line = ln;
		}
	}
}

void nsp_sym_close(struct nsp_sym *s)
{
	if (s && s->dwfl)
		s->dw.end(s->dwfl);
}
