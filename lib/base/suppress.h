/* Suppression rules: parser and matcher, pure (buffers in, no I/O). */
#ifndef NSP_SUPPRESS_H
#define NSP_SUPPRESS_H

#include "base/base.h"

enum { NSP_SUPP_SPILL = 1, NSP_SUPP_MODULE = 2 };

#define NSP_SUPP_MAX 1024

struct nsp_supp_rule {
	uint32_t off; /* pattern at text + off, NUL-terminated */
	uint16_t len;
	uint8_t kind;
};

struct nsp_supp {
	size_t n, used;
	struct nsp_supp_rule rule[NSP_SUPP_MAX];
	char text[(size_t)64 << 10];
};

/* Whole-string match of name against pat (pn bytes): '*' and '?'. */
int nsp_glob(const char *pat, size_t pn, const char *name);
/* Called once per bad line: why, then the item quoted (not NUL-terminated). */
typedef void (*nsp_supp_err_fn)(void *ctx, size_t line, const char *why,
				const char *item, size_t item_len);
/* Adds the rules of a suppression file's text (len bytes) to set, which
 * starts zeroed; returns the number of bad lines. */
int nsp_supp_parse(struct nsp_supp *set, const char *buf, size_t len, nsp_supp_err_fn err,
		   void *ctx);
/* Does any rule of this kind match name (a module also by base name)? */
int nsp_supp_match(const struct nsp_supp *set, int kind, const char *name);

#endif
