# Hardening: test libraries preloaded or dlopen'ed next to the shim, and a
# program linked against the shim (for setuid runs, where LD_PRELOAD of a
# non-system path is ignored by the loader).

HARDEN_SO_SRC = $(wildcard tests/func/lib/*.c)
HARDEN_SO = $(HARDEN_SO_SRC:tests/func/lib/%.c=$(BUILD)/tests/func/lib/%.so)

$(BUILD)/tests/func/lib/%.so: tests/func/lib/%.c tests/func/common.h
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -fPIC -shared -o $@ $<

# Linked, not preloaded: DT_NEEDED names the soname, found through an
# absolute RUNPATH (which the loader honours for setuid programs too).
$(BUILD)/tests/harden/libnamspill.so.0: $(BUILD)/libnamspill.so
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/tests/harden/h_leak_linked: tests/func/h_leak.c $(BUILD)/tests/harden/libnamspill.so.0
	$(CC) $(TEST_CFLAGS) -o $@ $< $(BUILD)/tests/harden/libnamspill.so.0 \
		-Wl,-rpath,$(abspath $(BUILD)/tests/harden)

tests: $(HARDEN_SO) $(BUILD)/tests/harden/h_leak_linked
