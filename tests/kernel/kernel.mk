# Sample kernel and its variants (included by the top-level Makefile).
KERNEL_DIR := tests/kernel
KERNEL_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-pic -fno-pie -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
	$(INCLUDES) -I$(KERNEL_DIR) -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments
KERNEL_SRCS := $(KERNEL_DIR)/entry.S $(KERNEL_DIR)/traps.S $(KERNEL_DIR)/idt.c $(KERNEL_DIR)/main.c $(KERNEL_DIR)/io.c $(KERNEL_DIR)/pagewalk.c \
	$(KERNEL_DIR)/checks_cpu.c $(KERNEL_DIR)/checks_memory.c $(KERNEL_DIR)/checks_config.c $(KERNEL_DIR)/checks_fb.c $(KERNEL_DIR)/checks_layout.c \
	$(KERNEL_DIR)/checks_smp.c $(KERNEL_DIR)/checks_reuse.c tests/include/aptest.c tests/include/ap_entry.S src/core/fmt.c

# variant name -> extra compiler flags, linker script and --defsym layout
KV_default_CFLAGS :=
KV_default_LAYOUT := --defsym=KERNEL_VMA=0xffffffff80100000 --defsym=KERNEL_LMA=0x100000 --defsym=SEGMENT_ALIGN=0x1000
KV_default_LDS := $(KERNEL_DIR)/kernel.ld

# Segments and physical/virtual addresses on 2 MiB boundaries: ember can map them with 2 MiB pages.
KV_aligned2m_CFLAGS := -DBSS_SIZE=0x400000 -DEXPECT_2M_DATA
KV_aligned2m_LAYOUT := --defsym=KERNEL_VMA=0xffffffff80200000 --defsym=KERNEL_LMA=0x2000000 --defsym=SEGMENT_ALIGN=0x200000
KV_aligned2m_LDS := $(KERNEL_DIR)/kernel.ld

# Odd, non-2 MiB-aligned addresses: only 4 KiB pages fit.
KV_unaligned_CFLAGS :=
KV_unaligned_LAYOUT := --defsym=KERNEL_VMA=0xffffffff80123000 --defsym=KERNEL_LMA=0x345000 --defsym=SEGMENT_ALIGN=0x1000
KV_unaligned_LDS := $(KERNEL_DIR)/kernel.ld

# A physical address the firmware already uses: ember must fall back to AllocateAnyPages.
KV_physbusy_CFLAGS :=
KV_physbusy_LAYOUT := --defsym=KERNEL_VMA=0xffffffff80100000 --defsym=KERNEL_LMA=0x1F000000 --defsym=SEGMENT_ALIGN=0x1000
KV_physbusy_LDS := $(KERNEL_DIR)/kernel.ld

# 64 MiB of .bss: zeroed by ember, never read from the file.
KV_bigbss_CFLAGS := -DBSS_SIZE=0x4000000
KV_bigbss_LAYOUT := $(KV_default_LAYOUT)
KV_bigbss_LDS := $(KERNEL_DIR)/kernel.ld

# Every p_paddr 0x800 into its page while the p_vaddrs are page-aligned: no page mapping puts a
# segment at its p_paddr, so ember must place the kernel elsewhere and report where it really is.
KV_paddroff_CFLAGS :=
KV_paddroff_LAYOUT := --defsym=KERNEL_VMA=0xffffffff80100000 --defsym=KERNEL_LMA=0x100800 --defsym=SEGMENT_ALIGN=0x1000
KV_paddroff_LDS := $(KERNEL_DIR)/kernel.ld

# A lower-half stub page at 0x400000 (paddr == vaddr) plus the higher-half body with its p_paddr in
# memory the firmware uses: the body moves into one span, the stub stays at phys == virt, and
# bootinfo must describe the two parts apart (kernel_virt/phys_* and kernel_lower_*).
KV_mixed_CFLAGS := -DMIXED_STUB=0x400000
KV_mixed_LAYOUT := --defsym=STUB_VMA=0x400000 --defsym=KERNEL_VMA=0xffffffff80100000 --defsym=KERNEL_LMA=0x1F000000 \
	--defsym=SEGMENT_ALIGN=0x1000
KV_mixed_LDS := $(KERNEL_DIR)/kernel-mixed.ld

# Many small PT_LOAD segments.
KV_manyseg_CFLAGS := -DMANY_SEGMENTS
KV_manyseg_LAYOUT := $(KV_default_LAYOUT)
KV_manyseg_LDS := $(KERNEL_DIR)/kernel-many.ld
KV_manyseg_EXTRA := $(KERNEL_DIR)/many.c

# Linked in the lower half with vaddr == paddr, like many hobby kernels: its pages replace the
# firmware's identity mapping of the same addresses.
# LOWER_HALF adds the check that every kernel page sits at paddr == vaddr.
KV_lowhalf_CFLAGS := -mcmodel=small -DLOWER_HALF
KV_lowhalf_LAYOUT := --defsym=KERNEL_VMA=0x400000 --defsym=KERNEL_LMA=0x400000 --defsym=SEGMENT_ALIGN=0x1000
KV_lowhalf_LDS := $(KERNEL_DIR)/kernel.ld

# Lower half, vaddr == paddr running into memory OVMF keeps (ACPI NVS from 0x806000 in a 512 MiB
# guest): ember must refuse it before mapping anything.
KV_lowfw_CFLAGS := -mcmodel=small -DLOWER_HALF
KV_lowfw_LAYOUT := --defsym=KERNEL_VMA=0x805000 --defsym=KERNEL_LMA=0x805000 --defsym=SEGMENT_ALIGN=0x1000
KV_lowfw_LDS := $(KERNEL_DIR)/kernel.ld

# Lower half, vaddr == paddr near the top of a 512 MiB guest, free when efi_main starts: ember's own
# allocations must not take it before the kernel is placed.
KV_lowtop_CFLAGS := -mcmodel=small -DLOWER_HALF
KV_lowtop_LAYOUT := --defsym=KERNEL_VMA=0x1fe03000 --defsym=KERNEL_LMA=0x1fe03000 --defsym=SEGMENT_ALIGN=0x1000
KV_lowtop_LDS := $(KERNEL_DIR)/kernel.ld

# Lower half, vaddr in free RAM but p_paddr in memory the firmware uses: the segments still belong
# at paddr == vaddr (a lower-half kernel replaces the identity mapping of its own addresses).
KV_lowbusy_CFLAGS := -mcmodel=small -DLOWER_HALF
KV_lowbusy_LAYOUT := --defsym=KERNEL_VMA=0x600000 --defsym=KERNEL_LMA=0x1F000000 --defsym=SEGMENT_ALIGN=0x1000
KV_lowbusy_LDS := $(KERNEL_DIR)/kernel.ld

# Lower half, vaddr == paddr in free RAM, a second layout besides lowhalf: no segment size is a
# multiple of 2 MiB, and the 2.2 MiB .data/.bss crosses the 2 MiB boundary at 0x2200000. Not at
# 0x800000: OVMF keeps ACPI NVS at 0x806000-0x808000 and 0x810000-0x900000 (512 MiB guest).
KV_lowfree_CFLAGS := -mcmodel=small -DLOWER_HALF -DBSS_SIZE=0x234560
KV_lowfree_LAYOUT := --defsym=KERNEL_VMA=0x2000000 --defsym=KERNEL_LMA=0x2000000 --defsym=SEGMENT_ALIGN=0x1000
KV_lowfree_LDS := $(KERNEL_DIR)/kernel.ld

# Bench kernels (make bench): 16 / 64 MiB of initialised .rodata payload; 2 MiB-aligned or not.
KV_bench16_CFLAGS := -DPAYLOAD_SIZE=0x1000000
KV_bench16_LAYOUT := $(KV_default_LAYOUT)
KV_bench16_LDS := $(KERNEL_DIR)/kernel.ld
KV_bench64_CFLAGS := -DPAYLOAD_SIZE=0x4000000
KV_bench64_LAYOUT := $(KV_default_LAYOUT)
KV_bench64_LDS := $(KERNEL_DIR)/kernel.ld
KV_bench64a_CFLAGS := -DPAYLOAD_SIZE=0x4000000 -DBSS_SIZE=0x400000
KV_bench64a_LAYOUT := $(KV_aligned2m_LAYOUT)
KV_bench64a_LDS := $(KERNEL_DIR)/kernel.ld

KERNEL_VARIANTS := default aligned2m unaligned physbusy paddroff mixed bigbss manyseg lowhalf lowfw lowtop lowbusy lowfree bench16 bench64 bench64a

# Objects also depend on this file: a variant's flags live here, and changing them must rebuild it.
define kernel_variant
$(BUILD)/kernel/$(1)/%.o: %.c $(KERNEL_DIR)/kernel.mk | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	$(Q)$(CC) $(KERNEL_CFLAGS) $$(KV_$(1)_CFLAGS) -c $$< -o $$@
$(BUILD)/kernel/$(1)/%.o: %.S $(KERNEL_DIR)/kernel.mk | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	$(Q)$(CC) $(KERNEL_CFLAGS) $$(KV_$(1)_CFLAGS) -c $$< -o $$@
$(BUILD)/kernel/kernel-$(1).elf: $(patsubst %,$(BUILD)/kernel/$(1)/%.o,$(basename $(KERNEL_SRCS) $(KV_$(1)_EXTRA))) $$(KV_$(1)_LDS)
	@echo "  LD      $$@"
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $$(KV_$(1)_LDS) $$(KV_$(1)_LAYOUT) $$(filter %.o,$$^) -o $$@
endef
$(foreach v,$(KERNEL_VARIANTS),$(eval $(call kernel_variant,$(v))))

$(BUILD)/kernel/kernel.elf: $(BUILD)/kernel/kernel-default.elf
	cp $< $@

.PHONY: kernels
TEST_KERNEL_VARIANTS := $(filter-out bench%,$(KERNEL_VARIANTS))
kernels: $(BUILD)/kernel/kernel.elf $(foreach v,$(TEST_KERNEL_VARIANTS),$(BUILD)/kernel/kernel-$(v).elf)
