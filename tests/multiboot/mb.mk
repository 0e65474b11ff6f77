# Multiboot probe kernels (included by the top-level Makefile): build/multiboot/mb1.elf and mb2.elf,
# 32-bit ELF kernels at 1 MiB built with the Debian toolchain (gcc -m32, ld -m elf_i386).
MB_DIR   := tests/multiboot
MB_BUILD := $(BUILD)/multiboot
MB_CFLAGS := -std=gnu11 -O2 -g -m32 -march=i686 $(WARN) -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mgeneral-regs-only -MMD -MP
MB_SRCS := $(MB_DIR)/entry.S $(MB_DIR)/probe.c $(MB_DIR)/info.c $(MB_DIR)/machine.c

define mb_rules
$(MB_BUILD)/$(1)/%.o: $(MB_DIR)/% $(MB_DIR)/mb.mk | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	$(Q)$(CC) $(MB_CFLAGS) $(2) -c $$< -o $$@
$(MB_BUILD)/$(1).elf: $(patsubst $(MB_DIR)/%,$(MB_BUILD)/$(1)/%.o,$(MB_SRCS)) $(MB_DIR)/$(3)
	@echo "  LD      $$@"
	$(Q)$(LD) -m elf_i386 -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T $(MB_DIR)/$(3) \
		$$(filter %.o,$$^) -o $$@
endef
$(eval $(call mb_rules,mb1,,mb.ld))
$(eval $(call mb_rules,mb2,-DMB2,mb.ld))
$(eval $(call mb_rules,mb1-aout,-DAOUT,mb.ld))
# linked at 0xC0100000, loaded at 1 MiB: the entry made physical, its own paging turned on
$(eval $(call mb_rules,mb2-hh,-DMB2 -DHIGHER_HALF,mb-hh.ld))

# The osdev wiki's Bare Bones, written here: boot.s, kernel.c, linker.ld, built as the wiki builds it
# (-ffreestanding -O2, linked with its script), greeting on COM1.
MB_BB := $(MB_DIR)/barebones
$(MB_BUILD)/barebones/%.o: $(MB_BB)/% $(MB_DIR)/mb.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -m32 -march=i686 -std=gnu99 -ffreestanding -O2 -Wall -Wextra -fno-pic -fno-pie -fno-stack-protector \
		-fno-asynchronous-unwind-tables -c $< -o $@
$(MB_BUILD)/barebones.elf: $(MB_BUILD)/barebones/boot.s.o $(MB_BUILD)/barebones/kernel.c.o $(MB_BB)/linker.ld
	@echo "  LD      $@"
	$(Q)$(LD) -m elf_i386 -nostdlib -z noexecstack --no-warn-rwx-segments -T $(MB_BB)/linker.ld $(filter %.o,$^) -o $@

# The EFI amd64 probe: x86-64 code, entered with boot services running (tags 7 and 9).
MB_EFI64_CFLAGS := -std=gnu11 -O2 -g -m64 -mno-red-zone -mcmodel=small $(WARN) -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only -DEFI64 -MMD -MP
$(MB_BUILD)/efi64/%.o: $(MB_DIR)/% $(MB_DIR)/mb.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(MB_EFI64_CFLAGS) -c $< -o $@
$(MB_BUILD)/mb2-efi64.elf: $(MB_BUILD)/efi64/efi64.S.o $(MB_BUILD)/efi64/efi64.c.o $(MB_BUILD)/efi64/probe.c.o \
		$(MB_DIR)/mb.ld
	@echo "  LD      $@"
	$(Q)$(LD) -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T $(MB_DIR)/mb.ld $(filter %.o,$^) -o $@

# The Multiboot 2 probe in an ELF64 file (an x86-64 kernel with a 32-bit entry, as many are built).
$(MB_BUILD)/mb2-elf64.elf: $(MB_BUILD)/mb2.elf
	@echo "  OBJCOPY $@"
	$(Q)objcopy -I elf32-i386 -O elf64-x86-64 $< $@

-include $(wildcard $(MB_BUILD)/*/*.d)

.PHONY: multiboot-kernels
multiboot-kernels: $(MB_BUILD)/mb2-efi64.elf $(MB_BUILD)/mb2-hh.elf $(MB_BUILD)/mb1.elf $(MB_BUILD)/mb1-aout.elf $(MB_BUILD)/mb2.elf $(MB_BUILD)/mb2-elf64.elf $(MB_BUILD)/barebones.elf
kernels: multiboot-kernels
