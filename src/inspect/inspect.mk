# build/ember-inspect (included by the top-level Makefile): the host tool linked with the loader's own
# pure code (libcore.a), and `make inspect KERNEL=... [CONFIG=...]`.
INSPECT := $(BUILD)/ember-inspect

$(INSPECT): $(BUILD)/host/src/inspect/main.o $(BUILD)/host/libinspect.a $(BUILD)/host/libcore.a
	@echo "  LINK    $@"
	$(Q)$(CC) $^ -o $@

# The same tool under ASan+UBSan, for `make test` (tests/inspect/check_inspect.py).
$(BUILD)/host-san/ember-inspect: $(BUILD)/host-san/src/inspect/main.o $(BUILD)/host-san/libinspect.a \
		$(BUILD)/host-san/libcore.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(SAN_FLAGS) $^ -o $@

# KERNEL defaults to the sample kernel, as for `make run`; its exit status is ember-inspect's.
.PHONY: inspect
inspect: $(INSPECT) $(KERNEL)
	$(Q)$(INSPECT) $(KERNEL) $(if $(CONFIG),--config $(CONFIG)) $(if $(JSON),--json)
