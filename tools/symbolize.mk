# namspill-symbolize: names the frames of a report written in a signal
# handler (lib/symext.c starts it).  Lives next to the library.

$(BUILD)/obj/tools/symbolize/%.o: tools/symbolize/%.c Makefile
	@mkdir -p $(dir $@)
	$(CC) $(NSP_CFLAGS) -c -o $@ $<

$(BUILD)/namspill-symbolize: $(BUILD)/obj/tools/symbolize/main.o $(BUILD)/libnsp.a
	$(CC) -o $@ $< $(BUILD)/libnsp.a $(LDFLAGS) -ldl -lpthread

all: $(BUILD)/namspill-symbolize
