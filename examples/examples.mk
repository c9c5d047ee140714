# The bundled example: `make demo` installs what is missing, builds, and
# runs a program that leaves a thread in another network namespace.

$(BUILD)/demo: examples/demo.c
	@mkdir -p $(dir $@)
	$(CC) -g -O0 -pthread -o $@ $<

tests: $(BUILD)/demo

deps:
	@scripts/install-deps build

deps-all:
	@scripts/install-deps

demo: deps
	@$(MAKE) --no-print-directory all $(BUILD)/demo
	@echo "+ LD_PRELOAD=$(BUILD)/libnamspill.so $(BUILD)/demo"
	@LD_PRELOAD=$(BUILD)/libnamspill.so $(BUILD)/demo; \
	 rc=$$?; echo "(demo exited with status $$rc: 66 means namspill found a spill)"

.PHONY: deps deps-all demo
