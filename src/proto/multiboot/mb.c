/* The Multiboot 1 and 2 protocols: the kernel's bytes at their physical addresses, the information
 * structure below 4 GiB (core/mbinfo.c), then the 32-bit entry through arch/x86_64/mb_enter.S after
 * ExitBootServices. The firmware's page tables stay in CR3 until the trampoline turns paging off. */
#include "core/fmt.h"
#include "core/memmap.h"
#include "proto/multiboot/mb.h"
#include "uefi/log.h"

#define BELOW_4G 0xFFFFFFFFULL
#define INFO_FIXED_BYTES (16 * KIB)   /* strings, modules, framebuffer, RSDP copies */
#define INFO_SECTIONS_BYTES (MB_MAX_SECTIONS * 64) /* the section header table's copy (MB2 tag 9) */
#define RSDP_V1_BYTES 20
#define RSDP_V2_BYTES 36
#define SMBIOS3_LENGTH_AT 6      /* "_SM3_" entry point: length, then major, minor */
#define SMBIOS2_LENGTH_AT 5      /* "_SM_" entry point: length, then major, minor */
#ifndef EMBER_VERSION
#define EMBER_VERSION "dev"
#endif
#define BOOTLOADER_NAME "ember " EMBER_VERSION

extern const uint8_t mb_enter_start[], mb_enter_end[], mb_enter_gdt[], mb_enter_gdtr_base[], mb_enter_moves[];

/* struct protocol's adopt: the header's plan in a fresh struct mb_boot (pool). */
static EFI_STATUS adopt(struct boot *b, const struct pipe_multiboot *kernel)
{
    EFI_STATUS status = mem_alloc_pool(sizeof(struct mb_boot), &b->proto_state);

    if (EFI_ERROR(status))
        return status;
    uefi_call_wrapper(BS->SetMem, 3, b->proto_state, sizeof(struct mb_boot), 0);
    mb_state_of(b)->kernel = *kernel;
    log_info("multiboot%s kernel %s: booted by the Multiboot%s protocol", kernel->version == 2 ? "2" : "",
             b->config.kernel, kernel->version == 2 ? " 2" : "");
    return EFI_SUCCESS;
}

/* Range r's pages: claimed at their address, or - when they are boot-services memory now, free
 * once ExitBootServices returns - staged in pages below 4 GiB that the trampoline moves into place
 * with paging off (as GRUB's relocator does). Anything else is refused naming the range. *at is
 * where its bytes go now. */
static EFI_STATUS claim_or_stage(struct boot *b, const struct mb_pages *r, uint8_t **at)
{
    struct place_ops ops = boot_place_ops(b);
    uint64_t bytes = (uint64_t)r->pages * PAGE_SIZE_4K, busy_at = r->base;
    uint32_t type = MEMMAP_NO_DESCRIPTOR;
    EFI_PHYSICAL_ADDRESS staging = BELOW_4G;
    UINTN map_size = 0, desc_size = 0;
    void *map = NULL;
    bool later = false;

    *at = (uint8_t *)(uintptr_t)r->base;
    if (ops.claim_at(ops.ctx, r->base, r->pages))
        return EFI_SUCCESS;
    if (!EFI_ERROR(mem_get_map(&map, &map_size, &desc_size))) {
        later = memmap_range_free_at_exit(map, map_size, desc_size, r->base, bytes, &busy_at, &type);
        mem_free_pool(map);
    }
    if (later && mb_state_of(b)->kernel.keep_boot_services) {
        log_error("multiboot2: physical [0x%x, 0x%llx) is boot-services memory (%s), and the kernel keeps boot "
                  "services running: link it where the firmware's map has free memory", (unsigned)r->base,
                  (unsigned long long)(r->base + bytes), memmap_uefi_type_name(type));
        return EFI_OUT_OF_RESOURCES;
    }
    if (!later) {
        log_error("multiboot: physical [0x%x, 0x%llx) is not free (%s at 0x%llx), and will not be after "
                  "ExitBootServices: link the kernel where the machine has RAM", (unsigned)r->base,
                  (unsigned long long)(r->base + bytes), memmap_uefi_type_name(type), (unsigned long long)busy_at);
        return EFI_OUT_OF_RESOURCES;
    }
    EFI_STATUS status = mem_alloc_pages(AllocateMaxAddress, EMBER_UEFI_TYPE_RECLAIMABLE, r->pages, &staging);
    if (EFI_ERROR(status)) {
        log_error("multiboot: no room below 4 GiB to stage [0x%x, 0x%llx): %s", (unsigned)r->base,
                  (unsigned long long)(r->base + bytes), efi_status_name(status));
        return status;
    }
    uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)staging, (UINTN)bytes, 0);
    struct mb_boot *mb = mb_state_of(b);
    mb->moves[mb->move_count++] = (typeof(mb->moves[0])){ (uint32_t)staging, r->base, (uint32_t)bytes };
    log_info("multiboot: physical [0x%x, 0x%llx) is boot-services memory until ExitBootServices: staged at 0x%llx, "
             "moved into place after it", (unsigned)r->base, (unsigned long long)(r->base + bytes),
             (unsigned long long)staging);
    *at = (uint8_t *)(uintptr_t)staging;
    return EFI_SUCCESS;
}

static void mb_section_none(struct mb_boot *mb, void *table)
{
    mem_free_pool(table);
    mb->sections.num = 0;
}

/* The ELF section header table and the sections it names that no segment loads (symbols,
 * strings), below 4 GiB, each sh_addr set to where its bytes now are. A file without them, or with
 * more than ember gives, goes without the tag (logged). */
static EFI_STATUS load_sections(struct boot *b)
{
    struct mb_boot *mb = mb_state_of(b);
    uint8_t head[64];
    char why[MB_PLAN_MESSAGE_MAX];
    uint32_t extra = 0, table_bytes;
    uint64_t offset, size, cursor;
    EFI_PHYSICAL_ADDRESS at = BELOW_4G;
    uint8_t *table;
    size_t head_bytes = b->kernel.file.size < sizeof head ? (size_t)b->kernel.file.size : sizeof head;
    EFI_STATUS status = file_read_at(&b->kernel.file, 0, head, head_bytes);

    if (EFI_ERROR(status))
        return status;
    if (!mb_sections_find(head, head_bytes, b->kernel.file.size, &mb->sections, why)) {
        log_info("multiboot: ELF section headers not given: %s", why);
        mb->sections.num = 0;
        return EFI_SUCCESS;
    }
    table_bytes = mb->sections.num * mb->sections.entsize;
    status = mem_alloc_pool(table_bytes, (void **)&table);
    if (!EFI_ERROR(status))
        status = file_read_at(&b->kernel.file, mb->sections.table_offset, table, table_bytes);
    if (!EFI_ERROR(status) && !mb_sections_size(table, &mb->sections, b->kernel.file.size, &extra)) {
        log_info("multiboot: ELF section headers not given: a section lies outside the file or they pass %u KiB",
                 (unsigned)(MB_SECTIONS_MAX_BYTES / KIB));
        mb_section_none(mb, table);
        return EFI_SUCCESS;
    }
    if (!EFI_ERROR(status))
        status = mem_alloc_pages(AllocateMaxAddress, EMBER_UEFI_TYPE_RECLAIMABLE, (extra + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K,
                                 &at);
    if (EFI_ERROR(status)) {
        mem_free_pool(table);
        return status;
    }
    uefi_call_wrapper(BS->CopyMem, 3, (void *)(uintptr_t)at, table, (UINTN)table_bytes);
    mem_free_pool(table);
    table = (uint8_t *)(uintptr_t)at;
    cursor = (table_bytes + 7) & ~7u;
    for (uint32_t i = 0; !EFI_ERROR(status) && i < mb->sections.num; i++) {
        if (!mb_section_loaded(table, &mb->sections, i, &offset, &size))
            continue;
        status = file_read_at(&b->kernel.file, offset, table + cursor, size);
        mb_section_set_addr(table, &mb->sections, i, at + cursor);
        cursor += (size + 7) & ~7ULL;
    }
    mb->sections_phys = at;
    log_info("multiboot: ELF section headers: %u at 0x%llx, %llu bytes with the sections no segment loads",
             (unsigned)mb->sections.num, (unsigned long long)at, (unsigned long long)cursor);
    return status;
}

/* The relocatable tag (MB2 3.1.12): when a page range at the link address is not free now, the
 * image moves, whole, to free memory inside [min_addr, max_addr], aligned as asked, lowest first
 * unless it prefers the highest. Not found: the link address and its staging or refusal stand. */
static void relocate_if_needed(struct boot *b)
{
    struct pipe_multiboot *k = &mb_state_of(b)->kernel;
    UINTN map_size = 0, desc_size = 0;
    void *map = NULL;
    uint64_t busy_at, at = 0;
    uint32_t type;
    bool all_free = true, found = false;

    if (!k->relocatable || EFI_ERROR(mem_get_map(&map, &map_size, &desc_size)))
        return;
    for (unsigned i = 0; i < k->plan.range_count; i++)
        all_free = all_free && memmap_range_is_free(map, map_size, desc_size, k->plan.range[i].base,
                                                    (uint64_t)k->plan.range[i].pages * PAGE_SIZE_4K, &busy_at, &type);
    if (!all_free) {
        uint64_t align = k->reloc_align > PAGE_SIZE_4K ? k->reloc_align : PAGE_SIZE_4K;
        align = (align & (align - 1)) == 0 ? align : PAGE_SIZE_4K;
        found = memmap_find_free_within(map, map_size, desc_size, mb_plan_span(&k->plan), align, k->reloc_min,
                                        (uint64_t)k->reloc_max + 1, k->reloc_preference != 2, &at);
    }
    mem_free_pool(map);
    if (!found)
        return;
    log_info("multiboot2: relocatable tag: its link address 0x%x is not free; loaded at 0x%llx instead (inside "
             "[0x%x, 0x%x], %s first)", (unsigned)k->plan.load_base, (unsigned long long)at, (unsigned)k->reloc_min,
             (unsigned)k->reloc_max, k->reloc_preference == 2 ? "highest" : "lowest");
    mb_plan_move(&k->plan, (uint32_t)at + (k->plan.load_base - k->plan.range[0].base));
}

/* The framebuffer the header prefers (width x height, 32 bits per pixel), when GOP has that mode:
 * set before stage "gather firmware facts" reads the framebuffer. limine.conf's resolution, set
 * there, overrides it (as Limine). */
static void preferred_mode(const struct boot *b, const struct pipe_multiboot *k)
{
    if (k->fb_width != 0 && k->fb_height != 0 && b->config.fb_width == 0)
        boot_set_gop_mode(k->fb_width, k->fb_height, 32, "multiboot: the framebuffer the kernel prefers");
}

/* Stage "load multiboot kernel": each page range claimed (or staged), the file's bytes read into
 * it and the rest zeroed. */
static EFI_STATUS stage_load(struct boot *b)
{
    struct mb_boot *mb = mb_state_of(b);
    uint8_t *range_at[MB_MAX_SEGMENTS];

    relocate_if_needed(b);
    preferred_mode(b, &mb->kernel);
    for (unsigned i = 0; i < mb->kernel.plan.range_count; i++) {
        EFI_STATUS status = claim_or_stage(b, &mb->kernel.plan.range[i], &range_at[i]);
        if (EFI_ERROR(status))
            return status;
    }
    for (unsigned i = 0; i < mb->kernel.plan.count; i++) {
        const struct mb_segment *s = &mb->kernel.plan.seg[i];
        unsigned r = 0;
        while (r + 1 < mb->kernel.plan.range_count && mb->kernel.plan.range[r + 1].base <= s->paddr)
            r++;
        uint8_t *at = range_at[r] + (s->paddr - mb->kernel.plan.range[r].base);
        EFI_STATUS status = s->filesz > 0 ? file_read_at(&b->kernel.file, s->file_offset, at, s->filesz) : EFI_SUCCESS;
        if (EFI_ERROR(status))
            return status;
        uefi_call_wrapper(BS->SetMem, 3, at + s->filesz, (UINTN)(s->memsz - s->filesz), 0);
        log_info("multiboot: segment %u: %u bytes at 0x%x, %u zeroed", i, (unsigned)s->filesz, (unsigned)s->paddr,
                 (unsigned)(s->memsz - s->filesz));
    }
    if (!mb->kernel.plan.from_address_fields) {
        EFI_STATUS status = load_sections(b);
        if (EFI_ERROR(status))
            return status;
    }
    b->kernel.plan.entry = mb->kernel.plan.entry;
    b->stack_size = b->config.stack_size;
    b->tsc.headers = b->tsc.kernel_read = b->tsc.mapped = arch_timestamp();
    file_close(&b->kernel.file);
    return EFI_SUCCESS;
}

static EFI_STATUS no_step(struct boot *b)
{
    (void)b;
    return EFI_SUCCESS;
}

/* GOP's framebuffer as Multiboot's RGB description. */
static bool framebuffer(const struct boot *b, struct mb_fb *out)
{
    const struct ember_framebuffer *fb = &b->facts.framebuffer;
    uint32_t masks[3] = { fb->red_mask, fb->green_mask, fb->blue_mask };
    uint8_t pos[3], size[3];

    if (fb->base == 0 || fb->base + fb->size > BELOW_4G + 1)
        return false;
    for (unsigned c = 0; c < 3; c++) {
        pos[c] = masks[c] ? (uint8_t)__builtin_ctz(masks[c]) : 0;
        size[c] = 0;
        for (uint32_t m = masks[c]; m != 0; m &= m - 1)
            size[c]++;
    }
    *out = (struct mb_fb){ fb->base, fb->pitch, fb->width, fb->height, (uint8_t)fb->bpp,
                           pos[0], size[0], pos[1], size[1], pos[2], size[2] };
    return true;
}

/* Modules as Multiboot lists them: below 4 GiB (stage "load modules" put them there). */
static unsigned module_list(const struct boot *b, struct mb_module_info *out)
{
    for (unsigned i = 0; i < b->module_count; i++)
        out[i] = (struct mb_module_info){ (uint32_t)b->modules[i].base,
                                          (uint32_t)(b->modules[i].base + b->modules[i].size),
                                          b->modules[i].string };
    return b->module_count;
}

/* Tag 13: SMBIOS's version and a copy of its entry point (3.x preferred), when the firmware has one. */
static void smbios_tag(struct boot *b)
{
    const uint8_t *ep = (const uint8_t *)(uintptr_t)(b->facts.smbios3_entry ? b->facts.smbios3_entry
                                                                              : b->facts.smbios2_entry);
    unsigned at = b->facts.smbios3_entry ? SMBIOS3_LENGTH_AT : SMBIOS2_LENGTH_AT;

    if (ep != NULL)
        mb2_smbios_tag(&mb_state_of(b)->w, ep[at + 1], ep[at + 2], ep, ep[at]);
}

/* The information structure's room (below 4 GiB, reserved in the map as ember's) and the
 * trampoline page; then what is known before the final memory map. */
static EFI_STATUS build(struct boot *b)
{
    struct mb_boot *mb = mb_state_of(b);
    struct mb_module_info mods[EMBER_MAX_MODULES];
    struct mb_fb fb;
    unsigned count = module_list(b, mods);
    uint32_t cap = INFO_FIXED_BYTES + INFO_SECTIONS_BYTES + mb2_memory_map_bytes(b->memory.memmap_capacity) + (uint32_t)b->memory.efi_map_capacity;
    EFI_PHYSICAL_ADDRESS info = BELOW_4G, tramp = BELOW_4G;
    EFI_STATUS status = mem_alloc_pages(AllocateMaxAddress, EMBER_UEFI_TYPE_RECLAIMABLE,
                                        (cap + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K, &info);

    if (!EFI_ERROR(status))
        status = mem_alloc_pages(AllocateMaxAddress, EfiLoaderCode, 1, &tramp);
    if (EFI_ERROR(status)) {
        log_error("multiboot: no room below 4 GiB for the information structure: %s", efi_status_name(status));
        return status;
    }
    mb->held_cap = b->memory.memmap_capacity + 2 * MB_MAX_SEGMENTS;
    status = mem_alloc_pool(mb->held_cap * sizeof *mb->held_map, (void **)&mb->held_map);
    if (EFI_ERROR(status))
        return status;
    mb->trampoline = tramp;
    mb->ioapic_count = proto_find_ioapics(b, "multiboot", mb->ioapics, MB_MAX_IOAPICS);
    mb->ioapic_count = proto_keep_identity_mapped(mb->ioapics, mb->ioapic_count, "multiboot");
    uefi_call_wrapper(BS->CopyMem, 3, (void *)(uintptr_t)tramp, (void *)mb_enter_start,
                      (UINTN)(mb_enter_end - mb_enter_start));
    *(uint64_t *)(uintptr_t)(tramp + (uint64_t)(mb_enter_gdtr_base - mb_enter_start)) =
        tramp + (uint64_t)(mb_enter_gdt - mb_enter_start);
    uint32_t *moves = (uint32_t *)(uintptr_t)(tramp + (uint64_t)(mb_enter_moves - mb_enter_start));
    moves[0] = mb->move_count;
    uefi_call_wrapper(BS->CopyMem, 3, moves + 1, mb->moves, (UINTN)(mb->move_count * sizeof mb->moves[0]));
    if (mb->kernel.version == 1) {
        mb1_begin(&mb->w, (uint8_t *)(uintptr_t)info, (uint32_t)info, cap);
        mb1_set_string(&mb->w, MB1_INFO_CMDLINE, b->config.cmdline);
        mb1_set_string(&mb->w, MB1_INFO_LOADER_NAME, BOOTLOADER_NAME);
        mb1_set_modules(&mb->w, mods, count);
        if (mb->sections.num != 0)
            mb1_set_elf_sections(&mb->w, mb->sections.num, mb->sections.entsize, (uint32_t)mb->sections_phys,
                                 mb->sections.shndx);
        if (framebuffer(b, &fb))
            mb1_set_framebuffer(&mb->w, &fb);
        return EFI_SUCCESS;
    }
    mb2_begin(&mb->w, (uint8_t *)(uintptr_t)info, (uint32_t)info, cap);
    mb2_string_tag(&mb->w, MB2_INFO_CMDLINE, b->config.cmdline);
    mb2_string_tag(&mb->w, MB2_INFO_LOADER_NAME, BOOTLOADER_NAME);
    for (unsigned i = 0; i < count; i++)
        mb2_module_tag(&mb->w, &mods[i]);
    if (framebuffer(b, &fb))
        mb2_framebuffer_tag(&mb->w, &fb);
    mb2_u64_tag(&mb->w, MB2_INFO_EFI64_SYSTEM_TABLE, b->facts.efi_system_table);
    /* the old tag always (its 20 bytes are an ACPI 1.0 RSDP in every revision: kernels that read
     * only tag 14 find ACPI), the new one too from ACPI 2.0 on - as GRUB and Limine give both */
    if (b->facts.acpi_rsdp != 0)
        mb2_copy_tag(&mb->w, MB2_INFO_ACPI_OLD, (const void *)(uintptr_t)b->facts.acpi_rsdp, RSDP_V1_BYTES);
    if (b->facts.acpi_rsdp != 0 && b->facts.acpi_revision == 2)
        mb2_copy_tag(&mb->w, MB2_INFO_ACPI_NEW, (const void *)(uintptr_t)b->facts.acpi_rsdp, RSDP_V2_BYTES);
    mb2_u32_tag(&mb->w, MB2_INFO_LOAD_BASE, mb->kernel.plan.load_base);
    smbios_tag(b);
    if (mb->sections.num != 0)
        mb2_elf_sections_tag(&mb->w, mb->sections.num, mb->sections.entsize, mb->sections.shndx,
                             (const void *)(uintptr_t)mb->sections_phys);
    if (mb->kernel.keep_boot_services) { /* the kernel reads the memory map and exits boot services itself */
        mb2_copy_tag(&mb->w, MB2_INFO_EFI_BS_NOT_TERMINATED, NULL, 0);
        mb2_u64_tag(&mb->w, MB2_INFO_EFI64_IMAGE_HANDLE, (uint64_t)(uintptr_t)b->image);
        mb->size = mb2_finish(&mb->w);
        return mb->size != 0 ? EFI_SUCCESS : EFI_BUFFER_TOO_SMALL;
    }
    return EFI_SUCCESS;
}

/* After ExitBootServices: the memory information from the final map, then the structure is done. */
static void finish(struct boot *b)
{
    struct mb_boot *mb = mb_state_of(b);
    uint32_t lower, upper;
    size_t n = mb_hold_ranges(b->memory.memmap, b->memory.memmap_count, mb->kernel.plan.range,
                              mb->kernel.plan.range_count, mb->held_map, mb->held_cap);

    /* the kernel enters with IF clear; no line the firmware left open may fire once it sets it */
    proto_mask_interrupts(b, mb->ioapics, mb->ioapic_count, true, "multiboot");
    mb_basic_memory(mb->held_map, n, &lower, &upper);
    if (mb->kernel.version == 1) {
        mb1_set_memory(&mb->w, lower, upper);
        mb1_set_memory_map(&mb->w, mb->held_map, n);
        mb->size = mb->w.overflow || n == 0 ? 0 : mb->w.used;
        return;
    }
    mb2_basic_memory_tag(&mb->w, lower, upper);
    mb2_memory_map_tag(&mb->w, mb->held_map, n);
    mb2_efi_map_tag(&mb->w, (uint32_t)b->memory.final_desc_size, b->memory.final_desc_version, b->memory.efi_map,
                    (uint32_t)b->memory.final_map_size);
    mb->size = n == 0 ? 0 : mb2_finish(&mb->w);
}

__attribute__((noreturn)) static void enter(struct boot *b)
{
    struct mb_boot *mb = mb_state_of(b);
    void (*go)(uint64_t, uint64_t, uint64_t) = (void (*)(uint64_t, uint64_t, uint64_t))(uintptr_t)mb->trampoline;

    log_info("multiboot%s: information structure at 0x%x (%u bytes), entry 0x%x %s", mb->kernel.version == 2 ? "2" : "",
             (unsigned)mb->w.phys, (unsigned)mb->size, (unsigned)mb->kernel.plan.entry,
             mb->kernel.keep_boot_services ? "in 64-bit mode, boot services running" : "in 32-bit protected mode");
    if (mb->kernel.keep_boot_services)
        arch_mb_enter_efi64(mb->kernel.plan.entry, MB2_BOOT_MAGIC, mb->w.phys);
    go(mb->kernel.plan.entry, mb->kernel.version == 2 ? MB2_BOOT_MAGIC : MB1_BOOT_MAGIC, mb->w.phys);
    arch_halt();
}

/* A kernel entered with boot services running (MB2 EFI amd64 entry) exits them itself. */
static EFI_STATUS exit_boot_services(struct boot *b)
{
    return mb_state_of(b)->kernel.keep_boot_services ? EFI_SUCCESS : stage_exit_boot_services(b);
}

static EFI_STATUS finish_handoff(struct boot *b)
{
    return mb_state_of(b)->kernel.keep_boot_services ? EFI_SUCCESS : stage_finish_handoff(b);
}

/* Physical placement, no page tables of ember's, APs untouched. */
static const struct stage stages[] = {
    { "load multiboot kernel", stage_load },
    { "gather firmware facts", stage_gather_facts },
    { "check the machine", mb_stage_check_machine },
    { "load modules", stage_load_modules },
    { "build handoff", stage_build_handoff },
    { "exit boot services", exit_boot_services },
    { "finish handoff", finish_handoff },
    { NULL, NULL },
};

/* Both protocols share every step: the version in the header's plan says which structure to build. */
#define MULTIBOOT_PROTOCOL(protocol_name)                                                                  \
    {                                                                                                      \
        .name = protocol_name, .stages = stages, .module_limit = BELOW_4G /* the kernel addresses 32 bits */, \
        .adopt = adopt, .prepare = no_step, .map = no_step, .build = build, .finish = finish, .enter = enter, \
    }

const struct protocol proto_multiboot1 = MULTIBOOT_PROTOCOL("multiboot1");
const struct protocol proto_multiboot2 = MULTIBOOT_PROTOCOL("multiboot2");
