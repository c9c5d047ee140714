# Tracer mode (tools/trace/): build/namspill-trace follows a process tree
# with ptrace + seccomp and reports like the preloaded shim.  It links the
# layers of lib/ the tools use from the archive, and elfutils' unwinder
# for stacks taken from outside.

TRACE_SRC = $(wildcard tools/trace/*.c)
TRACE_OBJ = $(TRACE_SRC:%.c=$(BUILD)/obj/%.o)

$(BUILD)/namspill-trace: $(TRACE_OBJ) $(COMMON_OBJ) $(BUILD)/libnsp.a
	$(CC) -o $@ $(TRACE_OBJ) $(COMMON_OBJ) $(BUILD)/libnsp.a $(LDFLAGS) \
		-ldw -lelf -ldl -lpthread

all: $(BUILD)/namspill-trace
