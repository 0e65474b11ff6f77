# `make bench`: I/O-floor and firmware-only EFI apps, big bench kernels, and the benchmark runner.
BENCH_APPS := $(BUILD)/bench/FLOOR.EFI $(BUILD)/bench/NULL.EFI $(BUILD)/bench/BOOTX64-O2.EFI

$(BUILD)/bench/%.so: $(BUILD)/efi/tests/bench/%.c.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $^ -L$(EFI_LIB) -lefi -lgnuefi -o $@
$(BUILD)/bench/FLOOR.EFI: $(BUILD)/bench/floor.so
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@
$(BUILD)/bench/NULL.EFI: $(BUILD)/bench/null.so
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

# The loader at -O2, measured next to the -Os one that ships (the "ember -O2" rows).
EFI_O2_OBJS := $(patsubst %,$(BUILD)/efi-O2/%.o,$(LOADER_SRCS))
$(BUILD)/efi-O2/%.c.o: %.c Makefile | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(subst -Os,-O2,$(EFI_CFLAGS)) -c $< -o $@
$(BUILD)/efi-O2/%.S.o: %.S Makefile | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(subst -Os,-O2,$(EFI_CFLAGS)) -c $< -o $@
$(BUILD)/bench/ember-O2.so: $(EFI_O2_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $^ -L$(EFI_LIB) -lgnuefi -o $@
$(BUILD)/bench/BOOTX64-O2.EFI: $(BUILD)/bench/ember-O2.so
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --strip-all --target efi-app-x86_64 --subsystem=10 $< $@

BENCH_KERNELS := $(BUILD)/kernel/kernel-bench16.elf $(BUILD)/kernel/kernel-bench64.elf $(BUILD)/kernel/kernel-bench64a.elf \
	$(BUILD)/limine/bench64l.elf

.PHONY: bench
bench: $(BUILD)/BOOTX64.EFI $(BENCH_APPS) $(BENCH_KERNELS) kernels | $(DEPS_STAMP)
	python3 tests/bench/bench.py $(BENCH_ARGS)
