# The in-process API (tests/suites/40-api): cmocka units of its pure
# logic, and programs that use it, linked with -lnamspill like a user's
# test suite (weak: not linked, the preload supplies it; cxx: C++).

API_UNIT_SRC = $(wildcard tests/api/unit_*.c)
API_PROG_SRC = $(filter-out $(API_UNIT_SRC),$(wildcard tests/api/*.c))
API_BIN = $(API_UNIT_SRC:tests/api/%.c=$(BUILD)/tests/api/%) \
	  $(API_PROG_SRC:tests/api/%.c=$(BUILD)/tests/api/%) $(BUILD)/tests/api/cxx

$(BUILD)/tests/api/unit_%: tests/api/unit_%.c $(BUILD)/libnsp-rt.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(BUILD)/libnsp-rt.a -lcmocka -ldl

$(BUILD)/tests/api/%: tests/api/%.c tests/func/common.h include/namspill.h \
		$(BUILD)/libnamspill.so.0
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(if $(filter weak,$*),,$(API_LINK))

$(BUILD)/tests/api/cxx: tests/api/cxx.cpp include/namspill.h $(BUILD)/libnamspill.so.0
	@mkdir -p $(dir $@)
	$(CXX) -std=c++11 -g -O1 -Wall -Wextra -pthread $(SAN) -o $@ $< $(API_LINK)

tests: $(API_BIN)
