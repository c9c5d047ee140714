/* Numbers to text and back, names in paths: the one place for them, so
 * nothing else formats a number by hand.  Writers take a buffer of at
 * least NSP_NUM_MAX bytes and return the length written (no NUL). */
#ifndef NSP_FMT_H
#define NSP_FMT_H

#include "base/base.h"

#define NSP_NUM_MAX 24 /* "-" and 20 decimal digits, or "0x" and 16 hex */

size_t nsp_fmt_dec(char *buf, uint64_t v);
size_t nsp_fmt_hex(char *buf, uint64_t v); /* lower case, no "0x" */

/* Digits at *p (hex: an optional "0x", at most 16 digits), *p moved past
 * them; the count of digits read (0: none).  A decimal value that does not
 * fit is -ERANGE, *v held at UINT64_MAX, every digit still read. */
int nsp_parse_dec(const char **p, const char *end, uint64_t *v);
int nsp_parse_hex(const char **p, const char *end, uint64_t *v);

/* buf = a, the decimal n, b; "" (and -ENAMETOOLONG) if it does not fit. */
int nsp_path_num(char *buf, size_t cap, const char *a, uint64_t n, const char *b);

/* The part after the last '/' (NULL stays NULL). */
const char *nsp_base_name(const char *path);

#endif
