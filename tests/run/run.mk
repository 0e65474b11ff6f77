# The outcome kernel of tests/run/test-run.sh (included by the top-level Makefile), built with the
# sample kernel's flags and linker script: build/kernel/outcome.elf.
$(BUILD)/kernel/outcome/outcome.o: tests/run/outcome.c tests/run/run.mk tests/kernel/kernel.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/outcome.elf: $(BUILD)/kernel/outcome/outcome.o $(KV_default_LDS)
	@echo "  LD      $@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(KV_default_LDS) $(KV_default_LAYOUT) $< -o $@

kernels: $(BUILD)/kernel/outcome.elf
