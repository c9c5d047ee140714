/* Naming raw addresses: module and offset from the mappings of files,
 * function and file:line from the table a helper sent (symproto.c) or
 * from a namer attached by whoever may allocate (lib/dw). */
#ifndef NSP_SYM_H
#define NSP_SYM_H

#include "report/report.h"

struct nsp_frame {
	uintptr_t ip;
	const char *function, *module, *file;
	uintptr_t offset; /* ip - module base */
	int line;
	int inlined; /* inlined into the next frame (same ip) */
};

#define NSP_MAX_INLINE 8

struct nsp_map;
struct nsp_sym;
/* Module and offset only, until a table or a namer is given. */
struct nsp_sym *nsp_sym_open(struct nsp_arena *a);
/* The same for another process (the tracer); pid must stay stopped. */
struct nsp_sym *nsp_sym_open_pid(struct nsp_arena *a, pid_t pid);
/* The mappings of files the addresses are looked up in, read on first need. */
const struct nsp_map *nsp_sym_maps(struct nsp_sym *s);
/* Mappings read elsewhere (from a maps file the process handed over). */
void nsp_sym_set_maps(struct nsp_sym *s, struct nsp_map *maps);

/* Names what the mappings alone cannot: f[0] holds module and offset of
 * pc (a call's address, in mapping m of maps, NULL if none) on entry;
 * returns how many frames it filled (>= 1), inlined functions first. */
struct nsp_namer {
	int (*frames)(void *ctx, const struct nsp_map *maps, const struct nsp_map *m, uintptr_t pc,
		      struct nsp_frame *f, int max);
	void (*close)(void *ctx);
	void *ctx;
};
void nsp_sym_set_namer(struct nsp_sym *s, const struct nsp_namer *n);
/* Frames at ip, functions inlined there first; returns how many (>= 1). */
int nsp_sym_frames(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f, int max);
/* The innermost of them. */
void nsp_sym_frame(struct nsp_sym *s, uintptr_t ip, struct nsp_frame *f);
/* Name of the function at a code address that is not a return address. */
void nsp_sym_entry(struct nsp_sym *s, uintptr_t addr, struct nsp_frame *f);
void nsp_sym_close(struct nsp_sym *s);

/* ---- symproto.c: frames named by another process (namspill-symbolize) */

struct nsp_symentry {
	uintptr_t ip;
	int n;
	struct nsp_frame *f;
};

struct nsp_symtab {
	size_t n;
	struct nsp_symentry *e; /* ascending ip */
};

void nsp_proto_head(struct nsp_out *o, uintptr_t ip, int n);
void nsp_proto_frame(struct nsp_out *o, const struct nsp_frame *f);
/* Parses an answer in place; buf has one spare byte after len. */
int nsp_proto_parse(char *buf, size_t len, struct nsp_arena *a, struct nsp_symtab *t);
int nsp_symtab_frames(const struct nsp_symtab *t, uintptr_t ip, struct nsp_frame *f, int max);
void nsp_sym_set_table(struct nsp_sym *s, const struct nsp_symtab *t);

/* ---- text.c: pieces of the text report, for other text writers */

void nsp_text_where(struct nsp_out *o, const struct nsp_frame *f); /* " in F file:line" */
/* One frame line: "    #n 0xIP in F file:line (module+0xoff) [inlined]". */
void nsp_text_frame(struct nsp_out *o, uint64_t n, const struct nsp_frame *f);
void nsp_text_no_stack(struct nsp_out *o); /* the line for an empty stack */
void nsp_text_stack(struct nsp_out *o, const struct nsp_stack *st, struct nsp_sym *s);
void nsp_text_cause(struct nsp_out *o, const struct nsp_cause *c, struct nsp_sym *s);
void nsp_text_ns(struct nsp_out *o, const struct nsp_verdict *v, size_t nthreads, int type,
		 const struct namspill_nsid *here);

/* ---- text_path.c */

/* "net:[4026532177] (ip netns sandbox)"; ino 0: "net:[?]". */
void nsp_text_nsid(struct nsp_out *o, const struct nsp_nsnames *names, int type, uint64_t ino);
/* nsp_text_ns with the names of r. */
void nsp_text_ns_named(struct nsp_out *o, const struct nsp_report *r, int type,
		       const struct namspill_nsid *here);
/* "  tried to go back by setns(...) at f x.c:41 — EPERM (...)" lines. */
void nsp_text_failed(struct nsp_out *o, const struct nsp_report *r, const struct nsp_spill *sp,
		     struct nsp_sym *s);
/* The path lines of a spill, one per switch. */
void nsp_text_path(struct nsp_out *o, const struct nsp_report *r, const struct nsp_spill *sp,
		   struct nsp_sym *s);

#endif
