# The examples of docs/api.md, built as a user
# would: -Iinclude -Lbuild -lnamspill, found at run time through the
# soname link.  The Criterion one only where Criterion is installed.

API_EXAMPLES = $(BUILD)/examples/api_assert $(BUILD)/examples/api_cmocka
ifneq ($(CRITERION),)
API_EXAMPLES += $(BUILD)/examples/api_criterion
endif

$(BUILD)/examples/api_%: examples/api_%.c include/namspill.h $(BUILD)/libnamspill.so.0
	@mkdir -p $(dir $@)
	$(CC) -g -O1 -Wall -Wextra -pthread $(SAN) -o $@ $< $(API_LINK) \
		$(if $(filter cmocka,$*),-lcmocka) $(if $(filter criterion,$*),-lcriterion)

tests: $(API_EXAMPLES)
