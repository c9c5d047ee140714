# The command (tools/cli/): build/namspill runs a command tree with the
# shim or the tracer and judges it; `namspill ps` inspects live processes.
# It links lib/ from the archive, like the tracer.  NSP_LIBDIR is where it
# looks for an installed library when it is not next to it or in ../lib;
# a stamp rebuilds locate.o when LIBDIR changes (dist/install.mk).

CLI_SRC = $(wildcard tools/cli/*.c)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/obj/%.o)

$(BUILD)/obj/tools/cli/locate.o: NSP_CFLAGS += -DNSP_LIBDIR='"$(LIBDIR)"'
$(BUILD)/obj/tools/cli/locate.o: $(BUILD)/libdir.stamp

# SARIF's informationUri (sarif.c): where people read about namspill.  Set
# NAMSPILL_URL to the project's home when packaging.
NAMSPILL_URL ?= https://github.com/namspill/namspill
$(BUILD)/obj/tools/cli/sarif.o: NSP_CFLAGS += -DNSP_INFO_URI='"$(NAMSPILL_URL)"'

$(BUILD)/libdir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(LIBDIR)' | cmp -s - $@ || echo '$(LIBDIR)' > $@

$(BUILD)/namspill: $(CLI_OBJ) $(COMMON_OBJ) $(BUILD)/libnsp.a
	$(CC) -o $@ $(CLI_OBJ) $(COMMON_OBJ) $(BUILD)/libnsp.a $(LDFLAGS) -ldw -lelf -ldl -lpthread \
		-Wl,--export-dynamic-symbol=__lsan_is_turned_off

all: $(BUILD)/namspill

.PHONY: FORCE
