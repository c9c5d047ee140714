/* Suppression files: the parser and the glob matcher, pure functions over
 * caller memory (no I/O, no malloc) so they are unit-tested and fuzzed as
 * they are.  One rule per line:
 *
 *     spill:FUNCTION_GLOB    a function of the cause (or creation) stack
 *     module:GLOB            a module path (or its base name)
 *     # comment
 *     spill:GLOB   # a comment after a rule: '#' after a blank
 *
 * '*' matches any run of bytes, '?' one byte; a pattern matches a whole
 * name.  A bad line is reported and skipped; the others still apply, and
 * so is a pattern that no name could match. */
#include <string.h>

#include "base/fmt.h"
#include "base/suppress.h"

#define NONE ((size_t)-1)

/* Iterative with one backtracking point, the last '*': no recursion and
 * at worst O(pattern * name), whatever the input. */
int nsp_glob(const char *pat, size_t pn, const char *s)
{
	size_t p = 0, star = NONE;
	const char *mark = s;

	while (*s) {
		if (p < pn && pat[p] == '*') {
			star = ++p;
			mark = s;
		} else if (p < pn && (pat[p] == '?' || pat[p] == *s)) {
			p++;
			s++;
		} else if (star != NONE) {
			p = star; /* let the last '*' take one more byte */
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (p < pn && pat[p] == '*')
		p++;
	return p == pn;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && blank(**s))
		(*s)++;
	while (*e > *s && blank((*e)[-1]))
		(*e)--;
}

static int kind_of(const char *s, size_t n)
{
	if (n == 5 && !memcmp(s, "spill", 5))
		return NSP_SUPP_SPILL;
	if (n == 6 && !memcmp(s, "module", 6))
		return NSP_SUPP_MODULE;
	return 0;
}

/* The end of the pattern in s..e: before a '#' that follows a blank (a
 * '#' within a word stays: C++ lambdas are named "{lambda()#1}"). */
static const char *before_comment(const char *s, const char *e)
{
	for (const char *p = s; p < e; p++)
		if (*p == '#' && (p == s || blank(p[-1])))
			return p;
	return e;
}

/* Why pattern s..e can never match a name of its kind, or NULL.  No name
 * holds a tab or DEL.  A demangled function name holds a blank only
 * within a C++ signature: parameter or template lists, "(anonymous
 * namespace)", "[clone .cold]", "operator new"; a module path may hold
 * any. */
static const char *never_matches(int kind, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (memchr(s, '\t', n) || memchr(s, 0x7f, n))
		return "pattern can never match (no name holds a tab or DEL):";
	if (kind == NSP_SUPP_SPILL && memchr(s, ' ', n) && !memchr(s, '(', n) &&
	    !memchr(s, '<', n) && !memchr(s, '[', n) && !memmem(s, n, "operator", 8))
		return "pattern can never match (a function name holds a blank only in a C++ "
		       "signature; a comment starts with a blank and '#'):";
	return NULL;
}

/* One line (without its newline): NULL if used or empty, else the reason
 * it is bad, with item and in set to the part to quote. */
static const char *line_rule(struct nsp_supp *set, const char *s, const char *e,
			     const char **item, size_t *in)
{
	const char *colon, *p, *why;
	int kind;

	trim(&s, &e);
	*item = s;
	*in = (size_t)(e - s);
	if (s == e || *s == '#')
		return NULL;
	for (p = s; p < e; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return "control character in line:";
	colon = memchr(s, ':', (size_t)(e - s));
	if (!colon)
		return "not a suppression (spill:PATTERN or module:PATTERN):";
	p = colon;
	trim(&s, &p);
	kind = kind_of(s, (size_t)(p - s));
	if (!kind) {
		*in = (size_t)(p - s);
		return "unknown suppression type (not spill or module):";
	}
	s = colon + 1;
	e = before_comment(s, e);
	trim(&s, &e);
	if (s == e)
		return "empty pattern:";
	if ((why = never_matches(kind, s, e))) {
		*item = s;
		*in = (size_t)(e - s);
		return why;
	}
	if ((size_t)(e - s) > 0xffff)
		return "pattern longer than 64 KiB:";
	if (set->n == NSP_SUPP_MAX || (size_t)(e - s) + 1 > sizeof(set->text) - set->used)
		return "too many suppressions (1024 rules or 64 KiB of patterns):";
	set->rule[set->n].kind = (uint8_t)kind;
	set->rule[set->n].len = (uint16_t)(e - s);
	set->rule[set->n].off = (uint32_t)set->used;
	memcpy(set->text + set->used, s, (size_t)(e - s));
	set->used += (size_t)(e - s);
	set->text[set->used++] = 0;
	set->n++;
	return NULL;
}

int nsp_supp_parse(struct nsp_supp *set, const char *buf, size_t len, nsp_supp_err_fn err,
		   void *ctx)
{
	const char *p = buf, *end = buf + len;
	size_t line = 0;
	int bad = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		const char *item, *why;
		size_t in;

		line++;
		why = line_rule(set, p, e, &item, &in);
		if (why) {
			bad++;
			if (err)
				err(ctx, line, why, item, in);
		}
		p = nl ? nl + 1 : end;
	}
	return bad;
}

int nsp_supp_match(const struct nsp_supp *set, int kind, const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct nsp_supp_rule *r = &set->rule[i];
		const char *pat = set->text + r->off;
		if (r->kind != kind)
			continue;
		if (nsp_glob(pat, r->len, name) ||
		    (kind == NSP_SUPP_MODULE && nsp_glob(pat, r->len, nsp_base_name(name))))
			return 1;
	}
	return 0;
}
