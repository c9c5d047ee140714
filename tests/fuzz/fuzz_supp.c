/* libFuzzer target: suppression files (lib/suppress.c): the line parser,
 * then the glob matcher against a reference, on rules and names taken
 * from the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "base/suppress.h"

struct seen {
	const char *buf;
	size_t len, last_line;
};

/* Each bad line once, in order, quoting a part of the input. */
static void err(void *ctx, size_t line, const char *why, const char *item, size_t item_len)
{
	struct seen *s = ctx;

	if (!why || line <= s->last_line || item < s->buf || item + item_len > s->buf + s->len)
		abort();
	s->last_line = line;
}

#define REF_PAT 64
#define REF_NAME 32

/* The textbook table: m[i][j] says whether p[i..] matches s[j..]. */
static int ref_glob(const char *p, size_t pn, const char *s)
{
	static unsigned char m[REF_PAT + 1][REF_NAME + 1];
	size_t sn = strlen(s);

	for (size_t i = pn + 1; i-- > 0;)
		for (size_t j = sn + 1; j-- > 0;) {
			if (i == pn)
				m[i][j] = j == sn;
			else if (p[i] == '*')
				m[i][j] = m[i + 1][j] || (j < sn && m[i][j + 1]);
			else
				m[i][j] = j < sn && (p[i] == '?' || p[i] == s[j]) && m[i + 1][j + 1];
		}
	return m[0][0];
}

static void check_rules(const struct nsp_supp *set)
{
	if (set->n > NSP_SUPP_MAX || set->used > sizeof(set->text))
		abort();
	for (size_t i = 0; i < set->n; i++) {
		const struct nsp_supp_rule *r = &set->rule[i];
		if (r->kind != NSP_SUPP_SPILL && r->kind != NSP_SUPP_MODULE)
			abort();
		const char *pat = set->text + r->off;
		if ((size_t)r->off + r->len >= set->used || set->text[r->off + r->len] ||
		    !r->len || memchr(pat, 0, r->len))
			abort();
		/* Comments are cut off and blanks trimmed; no kept pattern holds
		 * what no name can (a tab, DEL, a control character). */
		if (pat[0] == ' ' || pat[r->len - 1] == ' ' || memchr(pat, '\t', r->len) ||
		    memchr(pat, 0x7f, r->len))
			abort();
		for (size_t k = 0; k < r->len; k++)
			if ((unsigned char)pat[k] < 0x20 || (pat[k] == '#' && k && pat[k - 1] == ' '))
				abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static struct nsp_supp set;
	char *buf = malloc(n ? n : 1); /* exactly n bytes: overreads are caught */
	struct seen s = { buf, n, 0 };
	char name[REF_NAME + 1];
	size_t nl = n < REF_NAME ? n : REF_NAME;

	memset(&set, 0, sizeof(set));
	memcpy(buf, data, n);
	nsp_supp_parse(&set, buf, n, err, &s);
	check_rules(&set);
	/* A name from the input's last bytes, matched against every rule,
	 * and against the reference for the first few (it is slow). */
	memcpy(name, buf + n - nl, nl);
	name[nl] = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct nsp_supp_rule *r = &set.rule[i];
		int got = nsp_glob(set.text + r->off, r->len, name);
		if (i < 16 && r->len <= REF_PAT && got != ref_glob(set.text + r->off, r->len, name))
			abort();
	}
	nsp_supp_match(&set, NSP_SUPP_SPILL, name);
	nsp_supp_match(&set, NSP_SUPP_MODULE, name);
	free(buf);
	return 0;
}
