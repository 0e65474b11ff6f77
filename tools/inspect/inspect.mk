# build/ember-inspect (included by the top-level Makefile): the host tool built from the loader's own
# pure modules, and `make inspect KERNEL=... [CONFIG=...]`.
INSPECT := $(BUILD)/ember-inspect

$(INSPECT): $(patsubst %.c,$(BUILD)/host/%.o,$(INSPECT_SRCS))
	@echo "  LINK    $@"
	$(Q)$(CC) $^ -o $@

# The same tool under ASan+UBSan, for `make test` (tests/inspect/check_inspect.py).
$(BUILD)/host-san/ember-inspect: $(patsubst %.c,$(BUILD)/host-san/%.o,$(INSPECT_SRCS))
	@echo "  LINK    $@"
	$(Q)$(CC) $(SAN_FLAGS) $^ -o $@

# The JSON writer's unit tests link it like a pure module.
UNIT_DEPS_json := tools/inspect/json.c

# KERNEL defaults to the sample kernel, as for `make run`; its exit status is ember-inspect's.
.PHONY: inspect
inspect: $(INSPECT) $(KERNEL)
	$(Q)$(INSPECT) $(KERNEL) $(if $(CONFIG),--config $(CONFIG)) $(if $(JSON),--json)
