/* Which leaked threads a namspill_ignore leaves out.  Pure: the caller
 * names the functions, so this is unit-tested without threads. */
#include <fnmatch.h>

#include "api/api.h"

static int any_match(const char *const *patterns, const char *name)
{
	if (!patterns || !name)
		return 0;
	for (; *patterns; patterns++)
		if (fnmatch(*patterns, name, 0) == 0)
			return 1;
	return 0;
}

static int list_match(const char *const *patterns, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (any_match(patterns, names[i]))
			return 1;
	return 0;
}

int nsp_ignore_tid(const struct namspill_ignore *ig, pid_t tid)
{
	if (!ig || !ig->tids)
		return 0;
	for (const pid_t *t = ig->tids; *t; t++)
		if (*t == tid)
			return 1;
	return 0;
}

/* Symbolizing costs: only done when a pattern could use it. */
int nsp_ignore_wants_names(const struct namspill_ignore *ig)
{
	return ig && ((ig->top_functions && *ig->top_functions) ||
		      (ig->creator_functions && *ig->creator_functions) ||
		      (ig->stack_functions && *ig->stack_functions));
}

enum nsp_ignored nsp_ignore_match(const struct namspill_ignore *ig,
				  const struct nsp_leak_names *t)
{
	if (!ig)
		return NSP_IGN_NONE;
	if (nsp_ignore_tid(ig, t->tid))
		return NSP_IGN_TID;
	if (any_match(ig->top_functions, t->top))
		return NSP_IGN_TOP;
	if (list_match(ig->creator_functions, t->creator, t->ncreator))
		return NSP_IGN_CREATOR;
	if (list_match(ig->stack_functions, t->stack, t->nstack))
		return NSP_IGN_STACK;
	return NSP_IGN_NONE;
}
