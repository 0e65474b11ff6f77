# libFuzzer harnesses for the pure parsers (included by the top-level Makefile).
# `make fuzz [FUZZ_SECONDS=N]` fuzzes each for N seconds (via tests/fuzz/test-fuzz.sh, which
# `make test` also runs, 20 s each).
FUZZ_DIR       := tests/fuzz
FUZZ_SECONDS   ?= 60
FUZZ_SANITIZE  := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS    := -std=gnu11 -g -O1 $(WARN) $(FUZZ_SANITIZE) -Iinclude -I. -MMD -MP
FUZZ_HARNESSES := elf config memmap acpi lscan reloc inspect
FUZZ_BINS      := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_HARNESSES))

# fuzz_X links the harness with the pure module X (src/X.c and any src/X_*.c) and the formatter,
# as the unit tests do.
# The ACPI harness also runs the SMP plan (src/smp.c) on every MADT that parses.
# The inspect harness links ember-inspect's sources (its main aside) with every module they run.
fuzz_srcs = $(if $(filter inspect,$(1)),$(FUZZ_DIR)/fuzz_inspect.c $(UNIT_DEPS_inspect),\
	$(FUZZ_DIR)/fuzz_$(1).c src/$(1).c $(wildcard src/$(1)_*.c) src/fmt.c $(if $(filter acpi,$(1)),src/smp.c))

$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@

define fuzz_rules
$(BUILD)/fuzz/fuzz_$(1): $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(call fuzz_srcs,$(1)))
	@echo "  CLANG   $$@"
	$(Q)$(CLANG) $(FUZZ_SANITIZE) $$^ -o $$@
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call fuzz_rules,$(h))))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

# Seeds the working corpora under build/fuzz/ (committed seeds + build/kernel/*.elf when built),
# then runs each harness for FUZZ_SECONDS: executions and findings per harness, crashes saved in
# build/fuzz/crashes/.
fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) $(FUZZ_DIR)/test-fuzz.sh --no-build
