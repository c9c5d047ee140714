# namspill -- see README.md.  `make` builds, `make demo` shows a report,
# `make check` runs every test, `make check-peers` other projects' test
# suites under namspill, `make bench` measures.

CC      ?= cc
CFLAGS  ?= -O2 -g
BUILD   ?= build
# SAN: sanitizer flags for everything built, library and tests (tests/san.mk)
SAN     ?=
# Dependencies on headers come from the compiler (-MMD), object by object.
NSP_CFLAGS = -std=gnu11 -Wall -Wextra -Wshadow -fPIC -fvisibility=hidden \
	-fno-omit-frame-pointer -Iinclude -Ilib -D_GNU_SOURCE -MMD -MP $(SAN) $(CFLAGS)
LDFLAGS += $(SAN)

# lib/ in layers (see README, "Layout"): base and report are safe anywhere,
# rt is the runtime inside the program, dw names frames with elfutils, api
# is the public API.  The tools link base, report and dw from libnsp.a.
TOOL_LAYERS = base report dw
LIB_SRC  = $(foreach l,$(TOOL_LAYERS) rt api,$(wildcard lib/$(l)/*.c))
TOOL_SRC = $(foreach l,$(TOOL_LAYERS),$(wildcard lib/$(l)/*.c))
SHIM_SRC = $(wildcard shim/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_OBJ = $(TOOL_SRC:%.c=$(BUILD)/obj/%.o)
SHIM_OBJ = $(SHIM_SRC:%.c=$(BUILD)/obj/%.o)

all: $(BUILD)/libnamspill.so $(BUILD)/libnamspill.so.0

$(BUILD)/obj/%.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(NSP_CFLAGS) -c -o $@ $<

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# What every process pays for the library is kept small (docs/performance.md):
# -Bsymbolic-functions: our own calls to, and addresses of, the functions
# we export (the wrappers) bind to ours when the library is linked, not
# by a lookup of each in every process at start-up.  No crti.o/crtn.o
# (-nostartfiles, the compiler's crtbeginS.o/crtendS.o kept): their _init
# and _fini, which nothing of ours uses, would sit at the two ends of the
# code, one more page to read in at start and one at exit.
CRT_BEGIN := $(shell $(CC) -print-file-name=crtbeginS.o)
CRT_END := $(shell $(CC) -print-file-name=crtendS.o)
$(BUILD)/libnamspill.so: $(LIB_OBJ) $(SHIM_OBJ) shim/namspill.map
	$(CC) -shared -nostartfiles -o $@ $(CRT_BEGIN) $(LIB_OBJ) $(SHIM_OBJ) $(CRT_END) \
		-Wl,--version-script=shim/namspill.map -Wl,-z,defs -Wl,-Bsymbolic-functions \
		-Wl,-soname,libnamspill.so.0 $(LDFLAGS) -ldl -lpthread

# The soname, so programs linked with -Lbuild -lnamspill find it at run time.
$(BUILD)/libnamspill.so.0: $(BUILD)/libnamspill.so
	ln -sf libnamspill.so $@

# The layers the tools use (namspill, namspill-trace, namspill-symbolize).
$(BUILD)/libnsp.a: $(TOOL_OBJ)
	rm -f $@
	ar rcs $@ $^

# Everything of lib/ without the shim: for unit tests of the runtime.
$(BUILD)/libnsp-rt.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

# Tools found once, for every area: clang (its libFuzzer, and test programs
# built by clang), Go, Criterion.  Empty where missing.
CLANG := $(shell command -v clang-14 2>/dev/null || command -v clang 2>/dev/null)
GO := $(shell command -v go 2>/dev/null)
CRITERION := $(wildcard /usr/include/criterion/criterion.h)
# A program of the public API, linked as a user's would be.
API_LINK = -I include -L $(BUILD) -lnamspill -Wl,-rpath,$(abspath $(BUILD))

# Code the tools share (tools/common): stacks of other processes.
COMMON_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/common/*.c))

# Each area adds its own targets, in this order (later ones use the
# variables of earlier ones: LIB_SRC, TOOL_SRC, API_LINK, ...).
include tools/cli.mk tools/symbolize.mk tools/trace.mk
include examples/examples.mk examples/api.mk
include tests/tests.mk tests/fuzz.mk tests/san.mk
include bench/bench.mk dist/install.mk

clean:
	rm -rf $(BUILD)

.PHONY: all clean
