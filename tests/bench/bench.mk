# `make bench`: I/O-floor and firmware-only EFI apps, big bench kernels, and the benchmark runner.
BENCH_APPS := $(BUILD)/bench/FLOOR.EFI $(BUILD)/bench/NULL.EFI

$(BUILD)/bench/%.so: $(BUILD)/efi/tests/bench/%.c.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $^ -L$(EFI_LIB) -lefi -lgnuefi -o $@
$(BUILD)/bench/FLOOR.EFI: $(BUILD)/bench/floor.so
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@
$(BUILD)/bench/NULL.EFI: $(BUILD)/bench/null.so
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

BENCH_KERNELS := $(BUILD)/kernel/kernel-bench16.elf $(BUILD)/kernel/kernel-bench64.elf $(BUILD)/kernel/kernel-bench64a.elf \
	$(BUILD)/limine/bench64l.elf

.PHONY: bench
bench: $(BUILD)/BOOTX64.EFI $(BENCH_APPS) $(BENCH_KERNELS) kernels | $(DEPS_STAMP)
	python3 tests/bench/bench.py $(BENCH_ARGS)
