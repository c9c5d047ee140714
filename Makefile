# namspill -- see README.md.  `make` builds, `make demo` shows a report,
# `make check` runs every test, `make bench` measures.

CC      ?= cc
CFLAGS  ?= -O2 -g
BUILD   ?= build
# SAN: sanitizer flags for everything built, library and tests (tests/san.mk)
SAN     ?=
NSP_CFLAGS = -std=gnu11 -Wall -Wextra -Wshadow -fPIC -fvisibility=hidden \
	-fno-omit-frame-pointer -Iinclude -Ilib -Ishim -D_GNU_SOURCE $(SAN) $(CFLAGS)
LDFLAGS += $(SAN)

LIB_SRC  = $(wildcard lib/*.c)
SHIM_SRC = $(wildcard shim/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
SHIM_OBJ = $(SHIM_SRC:%.c=$(BUILD)/obj/%.o)
HDRS     = $(wildcard include/*.h lib/*.h shim/*.h)

all: $(BUILD)/libnamspill.so $(BUILD)/libnamspill.so.0

$(BUILD)/obj/%.o: %.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(NSP_CFLAGS) -c -o $@ $<

$(BUILD)/libnamspill.so: $(LIB_OBJ) $(SHIM_OBJ) shim/namspill.map
	$(CC) -shared -o $@ $(LIB_OBJ) $(SHIM_OBJ) -Wl,--version-script=shim/namspill.map \
		-Wl,-z,defs -Wl,-soname,libnamspill.so.0 $(LDFLAGS) -ldl -lpthread

# The soname, so programs linked with -Lbuild -lnamspill find it at run time.
$(BUILD)/libnamspill.so.0: $(BUILD)/libnamspill.so
	ln -sf libnamspill.so $@

# lib/ without the shim: for unit tests and the tools (namspill, namspill-trace).
$(BUILD)/libnsp.a: $(LIB_OBJ)
	ar rcs $@ $^

# Each area adds its own targets: tests/tests.mk, examples/examples.mk, ...
include $(sort $(wildcard */*.mk))

clean:
	rm -rf $(BUILD)

.PHONY: all clean
