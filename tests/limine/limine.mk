# Limine-protocol probe kernels (included by the top-level Makefile): build/limine/*.elf.
# Each kernel is one main source (with its -D flags), the shared probe objects, and a variant of
# limine.ld.S. `make limine-kernels` builds them all; `kernels` depends on it.
LP_DIR   := tests/limine
LP_BUILD := $(BUILD)/limine

LP_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -fno-stack-protector -fno-stack-check \
	-fno-asynchronous-unwind-tables -mgeneral-regs-only -mno-red-zone $(INCLUDES) -I$(LP_DIR) -MMD -MP
# Build modes: a static higher-half kernel; a relocatable one; one built like the limine-c-template.
LP_MODE_static   := -mcmodel=kernel -fno-pic -fno-pie
LP_MODE_pie      := -fPIE
LP_MODE_template := -mcmodel=kernel -fno-pic -fno-pie -ffunction-sections -fdata-sections -m64 -march=x86-64 \
	-mno-80387 -mno-mmx -mno-sse -mno-sse2
LP_LDFLAGS        := -nostdlib -z max-page-size=0x1000 -z noexecstack
LP_LDMODE_static   := -static
LP_LDMODE_pie      := -pie --no-dynamic-linker -z text
LP_LDMODE_template := -static --gc-sections

LP_SHARED := $(LP_DIR)/common.c $(LP_DIR)/report.c $(LP_DIR)/idt.c $(LP_DIR)/traps.S $(LP_DIR)/entry.S \
	$(LP_DIR)/paging.c $(LP_DIR)/checks_cpu.c $(LP_DIR)/checks_gdt.c $(LP_DIR)/checks_memmap.c \
	$(LP_DIR)/checks_hhdm.c $(LP_DIR)/checks_files.c $(LP_DIR)/checks_firmware.c $(LP_DIR)/checks_time.c $(LP_DIR)/checks_fb.c \
	$(LP_DIR)/acpi.c $(LP_DIR)/checks_tables.c $(LP_DIR)/checks_lapic.c $(LP_DIR)/lapic_regs.c $(LP_DIR)/checks_iommu.c src/core/fmt.c
lp_objs = $(patsubst %,$(LP_BUILD)/obj/$(1)/%.o,$(basename $(LP_SHARED)))

# Linker-script variants (limine.ld.S preprocessed): name -> cpp defines.
LP_LDS_markers   := -DMARKERS
LP_LDS_nomarkers :=
LP_LDS_pie       := -DMARKERS -DPIE
LP_LDS_reversed  := -DMARKERS -DREVERSED
LP_LDS_zeroload  := -DMARKERS -DZERO_LOADS
LP_LDS_wx        := -DMARKERS -DWX_DATA
$(LP_BUILD)/ld/%.ld: $(LP_DIR)/limine.ld.S $(LP_DIR)/limine.mk | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CPP     $@"
	$(Q)$(CC) -E -P -undef -x c $(LP_LDS_$*) $< -o $@

# Kernels: main source, build mode, defines, linker-script variant, extra linker flags, post-link step.
lp_probe = $(eval LK_$(1)_SRC := probe_main.c)$(eval LK_$(1)_MODE := static)$(eval LK_$(1)_LDS := $(3)) \
	$(eval LK_$(1)_DEFS := -DPROBE_BASE_REVISION=$(2) -DPROBE_NAME='"$(1)"')$(eval LK_$(1)_LDEXTRA := -e probe_elf_entry)
$(call lp_probe,probe-r0,0,nomarkers)
$(call lp_probe,probe-r1,1,markers)
$(call lp_probe,probe-r2,2,markers)
$(call lp_probe,probe-r3,3,markers)
$(call lp_probe,probe-r4,4,markers)
$(call lp_probe,probe-r5,5,markers)
$(call lp_probe,probe-r6,6,markers)
$(call lp_probe,newer-revision,99,markers)
$(call lp_probe,probe-reversed,3,reversed)
LK_template_SRC := template.c
LK_template_MODE := template
LK_template_LDS := markers
LK_zeroload_SRC := template.c
LK_zeroload_MODE := template
LK_zeroload_LDS := zeroload
LK_zeroload_DEFS := -DZEROLOAD
# template-wx: the template with a writable and executable data segment
LK_template-wx_SRC := template.c
LK_template-wx_MODE := template
LK_template-wx_LDS := wx
LK_template-wx_DEFS := -DWX_DATA
LK_template-wx_LDEXTRA := --no-warn-rwx-segments
# make bench: the template kernel with 64 MiB of .rodata payload (not in `kernels`: bench only)
LK_bench64l_SRC := template.c
LK_bench64l_MODE := template
LK_bench64l_LDS := markers
LK_bench64l_DEFS := -DPAYLOAD_SIZE=0x4000000
LK_bench64l_LDEXTRA := -u bench_payload
LK_reloc_SRC := reloc.c
LK_reloc_MODE := pie
LK_reloc_LDS := pie
LK_reloc_LDEXTRA := -e probe_elf_entry
# reloc-bss: a relocated pointer at the end of the data segment's file bytes, then cut off them
# (p_filesz), so its relocation writes into zero-filled memory
LK_reloc-bss_SRC := reloc.c
LK_reloc-bss_MODE := pie
LK_reloc-bss_LDS := pie
LK_reloc-bss_DEFS := -DBSS_TAIL
LK_reloc-bss_LDEXTRA := -e probe_elf_entry
LK_reloc-bss_POST := python3 $(LP_DIR)/trim_filesz.py --symbol tail_pointer
LK_relr_SRC := reloc.c
LK_relr_MODE := pie
LK_relr_LDS := pie
LK_relr_DEFS := -DRELR
LK_relr_LDEXTRA := -e probe_elf_entry -z pack-relative-relocs
# MP probes: the shared AP entry and checks (tests/include) linked in as extra objects.
LK_mp_SRC := mp.c
LK_mp_MODE := static
LK_mp_LDS := markers
LK_mp_EXTRA := tests/include/aptest.c tests/include/ap_entry.S
LK_mp-x2apic_SRC := mp.c
LK_mp-x2apic_MODE := static
LK_mp-x2apic_LDS := markers
LK_mp-x2apic_DEFS := -DX2APIC_FLAG
LK_mp-x2apic_EXTRA := $(LK_mp_EXTRA)
LK_mp-r0_SRC := mp.c
LK_mp-r0_MODE := static
LK_mp-r0_LDS := markers
LK_mp-r0_DEFS := -DMP_REVISION=0
LK_mp-r0_EXTRA := $(LK_mp_EXTRA)
# mp-r5: base revision 5, where every AP's local APIC is initialised too; the APs read theirs
LK_mp-r5_SRC := mp.c
LK_mp-r5_MODE := static
LK_mp-r5_LDS := markers
LK_mp-r5_DEFS := -DMP_REVISION=5
LK_mp-r5_EXTRA := $(LK_mp_EXTRA)
lp_bad = $(eval LK_$(1)_SRC := $(2))$(eval LK_$(1)_MODE := static)$(eval LK_$(1)_LDS := markers)$(eval LK_$(1)_DEFS := $(3))
$(call lp_bad,bad-duplicate,bad.c,-DBAD_DUPLICATE)
$(call lp_bad,bad-response-set,bad.c,-DBAD_RESPONSE_SET)
$(call lp_bad,bad-misaligned,bad.c,-DBAD_MISALIGNED)
$(call lp_bad,bad-tag-outside,bad.c,-DBAD_TAG_OUTSIDE)
$(call lp_bad,outside-markers,edge.c,-DOUTSIDE_MARKERS)
$(call lp_bad,in-bss,edge.c,-DIN_BSS)
# in-bss: the request at the end of .data is cut off the segment's file bytes (p_filesz), so the
# loaded image holds zeros there while the file still holds the request.
LK_in-bss_POST := python3 $(LP_DIR)/trim_filesz.py

LIMINE_KERNELS := probe-r0 probe-r1 probe-r2 probe-r3 probe-r4 probe-r5 probe-r6 newer-revision probe-reversed template \
	template-wx zeroload reloc relr reloc-bss bad-duplicate bad-response-set bad-misaligned bad-tag-outside outside-markers \
	in-bss mp mp-x2apic mp-r0 mp-r5

define lp_mode_rules
$(LP_BUILD)/obj/$(1)/%.o: %.c $(LP_DIR)/limine.mk | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	$(Q)$(CC) $(LP_CFLAGS) $(LP_MODE_$(1)) -c $$< -o $$@
$(LP_BUILD)/obj/$(1)/%.o: %.S $(LP_DIR)/limine.mk | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	$(Q)$(CC) $(LP_CFLAGS) $(LP_MODE_$(1)) -c $$< -o $$@
endef
$(foreach m,static pie template,$(eval $(call lp_mode_rules,$(m))))

define lp_kernel_rules
$(LP_BUILD)/main/$(1).o: $(LP_DIR)/$(LK_$(1)_SRC) $(LP_DIR)/limine.mk | $(DEPS_STAMP)
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$@"
	$(Q)$(CC) $(LP_CFLAGS) $(LP_MODE_$(LK_$(1)_MODE)) $(LK_$(1)_DEFS) -c $$< -o $$@
$(LP_BUILD)/$(1).elf: $(LP_BUILD)/main/$(1).o $(call lp_objs,$(LK_$(1)_MODE)) \
		$(patsubst %,$(LP_BUILD)/obj/$(LK_$(1)_MODE)/%.o,$(basename $(LK_$(1)_EXTRA))) $(LP_BUILD)/ld/$(LK_$(1)_LDS).ld
	@echo "  LD      $$@"
	$(Q)$(LD) $(LP_LDFLAGS) $(LP_LDMODE_$(LK_$(1)_MODE)) $(LK_$(1)_LDEXTRA) -T $(LP_BUILD)/ld/$(LK_$(1)_LDS).ld \
		$$(filter %.o,$$^) -o $$@$(if $(LK_$(1)_POST),.linked)
	$(if $(LK_$(1)_POST),$(Q)$(LK_$(1)_POST) $$@.linked $$@)
endef
$(foreach k,$(LIMINE_KERNELS) bench64l,$(eval $(call lp_kernel_rules,$(k))))

.PHONY: limine-kernels
limine-kernels: $(patsubst %,$(LP_BUILD)/%.elf,$(LIMINE_KERNELS))
kernels: limine-kernels
