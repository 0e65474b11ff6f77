# build/ember-inspect (included by the top-level Makefile): the host tool built from the loader's own
# pure modules, and `make inspect KERNEL=... [CONFIG=...]`.
INSPECT_SRCS := $(wildcard tools/inspect/*.c) src/config.c src/decide.c src/elf.c src/elf_dyn.c src/lscan.c \
	src/reloc.c src/sha256.c src/fmt.c arch/x86_64/paging.c
INSPECT := $(BUILD)/ember-inspect

$(INSPECT): $(patsubst %.c,$(BUILD)/host/%.o,$(INSPECT_SRCS))
	@echo "  LINK    $@"
	$(Q)$(CC) $^ -o $@

# The JSON writer's unit tests link it like a pure module.
UNIT_DEPS_json := tools/inspect/json.c

# KERNEL defaults to the sample kernel, as for `make run`; its exit status is ember-inspect's.
.PHONY: inspect
inspect: $(INSPECT) $(KERNEL)
	$(Q)$(INSPECT) $(KERNEL) $(if $(CONFIG),--config $(CONFIG)) $(if $(JSON),--json)
UNIT_DEPS_inspect := $(filter-out tools/inspect/main.c,$(INSPECT_SRCS))
