# Tracer mode (tools/trace/): build/namspill-trace follows a process tree
# with ptrace + seccomp and reports like the preloaded shim.  It links the
# objects of lib/ it needs from the archive, and elfutils' unwinder for
# stacks taken from outside.

TRACE_SRC = $(wildcard tools/trace/*.c)
TRACE_OBJ = $(TRACE_SRC:%.c=$(BUILD)/obj/%.o)

$(BUILD)/obj/tools/trace/%.o: tools/trace/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(NSP_CFLAGS) -Itools/trace -c -o $@ $<

$(BUILD)/namspill-trace: $(TRACE_OBJ) $(BUILD)/libnsp.a
	$(CC) -o $@ $(TRACE_OBJ) $(BUILD)/libnsp.a $(LDFLAGS) \
		-ldw -lelf -ldl -lpthread

all: $(BUILD)/namspill-trace

# Test programs named static_* are linked statically (no preload can reach
# them); frame pointers kept so both unwinders are exercised.
$(BUILD)/tests/func/static_%: TEST_CFLAGS += -static -fno-omit-frame-pointer

# The Go test program, only where a Go toolchain is installed (the test
# skips otherwise).  Its build cache stays in the build tree.
GO := $(shell command -v go 2>/dev/null)
ifneq ($(GO),)
$(BUILD)/tests/func/go_leak: tests/func/go_leak.go
	@mkdir -p $(dir $@)
	GOCACHE=$(abspath $(BUILD))/gocache GO111MODULE=off \
		$(GO) build -o $@ tests/func/go_leak.go

tests: $(BUILD)/tests/func/go_leak
endif
