/* Naming and unwinding Go code from its pclntab alone.
 *
 * Go binaries keep a table the Go runtime itself reads for tracebacks
 * (the "pclntab"): function entries and names, and per function a few
 * pc-indexed value tables (source file, line, stack-pointer delta,
 * inline-tree index).  `go test` links with -s -w, so that table is all
 * a test binary has: no .symtab, no DWARF.  This module reads it from
 * the bytes of the ELF file (a file read or mapped by the caller, e.g.
 * /proc/PID/exe), names pcs with their inlined calls, and unwinds a
 * thread's Go stack from its sp and pc only, as the runtime's own
 * traceback does.
 *
 * Layouts: Go 1.16-1.17 (magic 0xfffffffa), 1.18-1.19 (0xfffffff0) and
 * 1.20 and later (0xfffffff1); either byte order, 4- or 8-byte
 * pointers, ELF32 or ELF64.  Go 1.2-1.15 tables (0xfffffffb) are
 * recognised and refused with -EPROTONOSUPPORT.
 *
 * Memory: nothing is allocated.  The caller owns the ELF bytes and the
 * struct nsp_gopcln; the bytes must stay valid and unchanged while the
 * table is used, because every string returned points into them.  No
 * global state: tables of different binaries may be used at once, and
 * a table may be read by many threads once opened.
 *
 * Errors are negative errno values:
 *   -EINVAL          bad argument
 *   -ENOEXEC         not an ELF file, or a truncated one
 *   -ENOENT          no pclntab found / pc outside every Go function
 *   -EPROTONOSUPPORT a pclntab of a Go release before 1.16
 *   -EBADMSG         the table is malformed where it was read
 *   -EOPNOTSUPP      unwinding asked on a link-register architecture
 */
#ifndef NSP_GOPCLN_H
#define NSP_GOPCLN_H

#include <stddef.h>
#include <stdint.h>

/* Where the table was found (struct nsp_gopcln.found_by). */
enum nsp_gopcln_where {
	NSP_GOPCLN_SECTION = 1, /* .gopclntab or .data.rel.ro.gopclntab */
	NSP_GOPCLN_RELRO_SCAN,  /* magic found inside .data.rel.ro */
	NSP_GOPCLN_SEGMENT_SCAN /* magic found in a read-only/data segment */
};

/* A region of the table: offset from its header, and length. */
struct nsp_gopcln_region {
	uint64_t off, len;
};

/* Filled by nsp_gopcln_open.  The fields are readable (tests and
 * diagnostics use them) but belong to the module. */
struct nsp_gopcln {
	const uint8_t *elf; /* the caller's ELF bytes */
	size_t elf_len;
	uintptr_t bias;     /* load bias: runtime address - link-time address */
	int version;        /* 116, 118 or 120: the first Go release of the layout */
	int big_endian;
	int elf64;
	uint16_t machine;   /* e_machine */
	uint8_t quantum;    /* pc quantum: 1 on x86, 4 on arm64 ... */
	uint8_t ptrsize;
	int found_by;       /* enum nsp_gopcln_where */

	const uint8_t *tab; /* the pclntab header, inside elf */
	uint64_t tab_len;   /* bytes available from tab */
	uint64_t tab_vaddr; /* link-time address of tab */
	uint64_t nfunc;
	uint64_t text_start; /* link-time base of entry offsets (1.18+) */
	struct nsp_gopcln_region funcname, cutab, filetab, pctab, ftab;

	/* Inline trees are found through go:func.* (1.18+), whose address
	 * only the runtime's moduledata holds; 0 when it was not found,
	 * and then lookups report no inlined calls. */
	uint64_t gofunc;
	uint64_t moduledata; /* its link-time address, 0 if not found */
	uint64_t min_pc, max_pc; /* link-time pc range of the functions */
};

/* One source position: a function, and where in it. */
struct nsp_gopcln_loc {
	const char *func; /* NUL-terminated, inside the ELF bytes */
	const char *file; /* NULL when the table has none for the pc */
	int32_t line;     /* 0 when unknown */
};

/* What a pc is.  Addresses are runtime addresses (bias applied). */
struct nsp_gopcln_sym {
	uintptr_t entry; /* entry of the physical (outermost) function */
	uintptr_t end;   /* first pc past it */
	/* The physical function, and its position at pc: the call site of
	 * the outermost inlined call when pc is in inlined code. */
	struct nsp_gopcln_loc fn;
	int32_t spdelta;  /* bytes the function has pushed at pc (pcsp), -1 if none */
	uint8_t funcid;   /* the runtime's funcID (values vary by release) */
	uint8_t flag;     /* funcFlag bits (1.17+): see NSP_GOPCLN_FLAG_* */
	/* Inlined calls at pc, innermost first: inl[0] is the function
	 * whose code pc is, at pc's own file:line; each next one is its
	 * caller, at the line of the call.  fn is the caller of the last. */
	uint32_t ninl;       /* entries filled in the caller's array */
	uint32_t inl_more;   /* 1 when more existed than the array held */
};

#define NSP_GOPCLN_FLAG_TOPFRAME 0x1 /* top of a stack: goexit, mstart... */
#define NSP_GOPCLN_FLAG_SPWRITE 0x2  /* writes SP: stack switch, no pcsp */

/* Opens the table of the ELF bytes elf[0..len).  bias is added to
 * every address the table holds (0 for a file looked at on disk or a
 * non-PIE executable).  The table is searched as .gopclntab (or
 * .data.rel.ro.gopclntab), then by its magic inside .data.rel.ro (PIE
 * and cgo builds linked by the system linker merge it there), then in
 * every PT_LOAD segment, non-executable ones first (section headers
 * stripped). */
int nsp_gopcln_open(struct nsp_gopcln *t, const void *elf, size_t len,
		    uintptr_t bias);

/* Load bias of a module from one of its mappings: the mapping starts
 * at start and maps the file from offset file_off (as /proc/PID/maps
 * shows). */
int nsp_gopcln_load_bias(const void *elf, size_t len, uintptr_t start,
			 uint64_t file_off, uintptr_t *bias);

/* Names pc.  inl may be NULL when inl_cap is 0.  Looks the pc up as
 * given: for a return address pass ret - 1, so that a call that is the
 * last instruction of an inlined body, or of the function, is named
 * after the call and not after what follows it. */
int nsp_gopcln_lookup(const struct nsp_gopcln *t, uintptr_t pc,
		      struct nsp_gopcln_sym *sym,
		      struct nsp_gopcln_loc *inl, size_t inl_cap);

/* The SP delta at pc alone (the cheap part of a lookup). */
int nsp_gopcln_spdelta(const struct nsp_gopcln *t, uintptr_t pc,
		       int32_t *delta);

/* The i-th function of the table (0 <= i < t->nfunc), for listings. */
int nsp_gopcln_func_at(const struct nsp_gopcln *t, uint64_t i,
		       uintptr_t *entry, uintptr_t *end, const char **name);

/* Reads n bytes of the target's memory at addr into buf; 0 or a
 * negative errno. */
typedef int (*nsp_gopcln_read_fn)(void *ctx, uintptr_t addr, void *buf,
				  size_t n);

/* Why an unwind stopped. */
enum nsp_gopcln_stop {
	NSP_GOPCLN_STOP_TOP = 1, /* reached a top frame: complete stack */
	NSP_GOPCLN_STOP_DEPTH,   /* the frame array is full */
	NSP_GOPCLN_STOP_UNKNOWN, /* a pc in no Go function (C code, junk) */
	NSP_GOPCLN_STOP_SPWRITE, /* a function that switches stacks */
	NSP_GOPCLN_STOP_BADSP,   /* no pcsp value, or sp not increasing */
	NSP_GOPCLN_STOP_READ     /* the read callback failed */
};

/* One physical frame.  Name it with nsp_gopcln_lookup(sym_pc) to get
 * the inlined calls too. */
struct nsp_gopcln_frame {
	uintptr_t pc;     /* the thread's pc, then each return address */
	uintptr_t sp;     /* sp while this frame runs at pc */
	uintptr_t sym_pc; /* pc to name: pc for frame 0, pc - 1 after a CALL */
	uintptr_t entry;  /* 0 when pc is in no Go function */
	const char *func; /* NULL when pc is in no Go function */
	int32_t spdelta;
};

/* Unwinds a thread stopped at (pc, sp), on x86 (386, amd64).
 *
 * Go code keeps no frame-pointer chain that can be trusted for this,
 * so each frame's size comes from the pcsp table: at pc, the function
 * has pushed spdelta bytes below the return address its caller's CALL
 * pushed, so
 *     fp = sp + spdelta(pc) + ptrsize,  return address at fp - ptrsize,
 *     caller's sp = fp,  caller's pc = that return address.
 * The innermost frame needs no special code for assembly functions
 * with a $0 frame, such as runtime/internal/syscall.Syscall6 in Go
 * 1.19, where a thread blocked in a raw system call has its pc (just
 * past the SYSCALL instruction): their pcsp is 0 throughout, so the
 * return address is the word at [sp].  The same holds at the entry of
 * any function, before its prologue runs.
 *
 * Frames are stored in frames[0..max); *n receives how many and *stop
 * why it ended (enum nsp_gopcln_stop).  A frame whose pc is in no Go
 * function is stored (func NULL) before stopping with _UNKNOWN.  The
 * top frame (runtime.goexit, runtime.mstart, runtime.rt0_go, or any
 * with the TOPFRAME flag) is stored, then _TOP.  A function that
 * writes SP (runtime.systemstack, runtime.mcall, ...) is stored, then
 * _SPWRITE: the runtime goes past it by switching to the stack saved
 * in the goroutine's state, which is not read here.  A frame called
 * by runtime.sigpanic or runtime.asyncPreempt (calls a signal handler
 * injects) is named at its pc itself, the interrupted instruction.
 * Returns 0, or a negative errno for bad arguments. */
int nsp_gopcln_unwind(const struct nsp_gopcln *t, uintptr_t pc, uintptr_t sp,
		      nsp_gopcln_read_fn read, void *ctx,
		      struct nsp_gopcln_frame *frames, size_t max, size_t *n,
		      int *stop);

/* A short name for an enum nsp_gopcln_stop value. */
const char *nsp_gopcln_stop_name(int stop);

#endif
