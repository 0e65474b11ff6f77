# libFuzzer harnesses for the pure parsers (included by the top-level Makefile).
# `make fuzz [FUZZ_SECONDS=N]` fuzzes each for N seconds (via tests/fuzz/test-fuzz.sh, which
# `make test` also runs, 15 s each).
FUZZ_DIR       := tests/fuzz
FUZZ_SECONDS   ?= 60
FUZZ_SANITIZE  := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_HARNESSES := elf config memmap acpi lscan reloc inspect lconf mbheader
FUZZ_BINS      := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_HARNESSES))

FUZZ_CFLAGS    := -std=gnu11 -g -O1 $(WARN) $(FUZZ_SANITIZE) $(INCLUDES) -MMD -MP

# Every harness links the pure code built once for fuzzing (libcore.a; fuzz_inspect also
# ember-inspect's libinspect.a), as the unit tests link theirs.
$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@
$(BUILD)/fuzz/libcore.a: $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(CORE_SRCS))
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/libinspect.a: $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(INSPECT_LIB_SRCS))
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

define fuzz_rules
$(BUILD)/fuzz/fuzz_$(1): $(BUILD)/fuzz/obj/$(FUZZ_DIR)/fuzz_$(1).o $(BUILD)/fuzz/libinspect.a $(BUILD)/fuzz/libcore.a
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
