/* leak_setns built without debug info (-g0): names must come from .symtab. */
#include "leak_setns.c"
