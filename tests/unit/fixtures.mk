# Relocatable kernels linked by the host toolchain from tests/unit/reloc_kernel.c (included by the
# top-level Makefile), for the unit tests that plan and relocate real ld output.
RELOC_FIXTURE_DIR := $(BUILD)/host/reloc-fixtures
RELOC_FIXTURES := $(RELOC_FIXTURE_DIR)/static-pie-relr.elf $(RELOC_FIXTURE_DIR)/shared-now.elf
RELOC_FIXTURE_FLAGS := -std=gnu11 -O2 $(WARN) -ffreestanding -fno-stack-protector -nostdlib \
	-Wl,-e,kentry -Wl,-z,noexecstack
# The tests that read them learn where from RELOC_FIXTURE_DIR and are built after them.
RELOC_FIXTURE_USERS := test_reloc_linked test_elf_dyn

# Static PIE, relative relocations packed as DT_RELR (binutils 2.38+), as Limine kernels link.
$(RELOC_FIXTURE_DIR)/static-pie-relr.elf: tests/unit/reloc_kernel.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(RELOC_FIXTURE_FLAGS) -fpie -static-pie -Wl,--no-dynamic-linker \
		-Wl,-z,pack-relative-relocs $< -o $@

# Shared object bound now: preemptible symbols give R_X86_64_64, GLOB_DAT and JUMP_SLOT.
$(RELOC_FIXTURE_DIR)/shared-now.elf: tests/unit/reloc_kernel.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(RELOC_FIXTURE_FLAGS) -fpic -shared -Wl,-z,now $< -o $@

$(foreach t,$(RELOC_FIXTURE_USERS),$(foreach v,host host-san,\
	$(eval $(BUILD)/$(v)/tests/unit/$(t).o: HOST_CFLAGS += -DRELOC_FIXTURE_DIR='"$(abspath $(RELOC_FIXTURE_DIR))"')\
	$(eval $(BUILD)/$(v)/$(t): | $(RELOC_FIXTURES))))
