/* o2_inline built by clang -O2: its DWARF has no .debug_aranges (clang's
 * default), which libdw before 0.192 needs to find the unit of an
 * address, so the symbolizer finds it by walking the units. */
#include "o2_inline.c"
