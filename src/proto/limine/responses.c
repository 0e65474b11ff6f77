/* Limine protocol responses: one bootloader-reclaimable block holds every response, string, file
 * record, the GDT and the memory-map entries; pointers in it are direct-map addresses. */
#include "core/fbgeom.h"
#include "core/fmt.h"
#include "core/lmemmap.h"
#include "uefi/log.h"
#include "core/memmap.h"
#include "core/volume.h"
#include "proto/limine/state.h"

#ifndef EMBER_VERSION
#define EMBER_VERSION "dev"
#endif
#define BLOCK_FIXED_BYTES (24 * KIB)  /* responses, strings, files, GDT, video modes */
#define ENTROPY_MAX_VALUES 4096       /* Limine's limit on value_count (the spec lets a loader set one) */
#define MAX_VIDEO_MODES 64
/* Base revisions in which a firmware table's address is physical rather than in the direct map:
 * the RSDP in 3 only, SMBIOS and the EFI system table in 3 and 4 (the spec's summary). */
#define REVISION_PHYSICAL_TABLES 3
#define REVISION_PHYSICAL_RSDP_LAST 3
#define REVISION_PHYSICAL_SMBIOS_LAST 4
#define ALIGN_BYTES 16

/* Bytes from the block, zeroed, 16-byte aligned; NULL when the block is full (sized with room). */
static void *take(struct limine_state *st, uint64_t size)
{
    uint64_t at = (st->block_used + ALIGN_BYTES - 1) & ~(uint64_t)(ALIGN_BYTES - 1);

    if (at + size > st->block_size)
        return NULL;
    st->block_used = at + size;
    return st->block + at;
}

/* The direct-map address of something in the block (or any identity pointer). */
static uint64_t hhdm(const struct boot *b, const void *p)
{
    return b->hhdm_offset + (uint64_t)(uintptr_t)p;
}

/* A copy of s in the block with '\' turned into '/', and a leading '/' when with_slash. */
static uint64_t copy_string(struct boot *b, struct limine_state *st, const char *s, bool with_slash)
{
    size_t len = 0;
    while (s[len] != '\0')
        len++;
    bool add = with_slash && s[0] != '/' && s[0] != '\\';
    char *out = take(st, len + 2);
    if (out == NULL)
        return 0;
    size_t n = 0;
    if (add)
        out[n++] = '/';
    for (size_t i = 0; i < len; i++)
        out[n++] = s[i] == '\\' ? '/' : s[i];
    out[n] = '\0';
    return hhdm(b, out);
}

/* The kernel's command line in the block, made once: the executable cmdline response and the
 * executable file's string are the same memory (the spec says so). */
static uint64_t kernel_cmdline(struct boot *b, struct limine_state *st)
{
    if (st->cmdline_va == 0)
        st->cmdline_va = copy_string(b, st, b->config.cmdline, false);
    return st->cmdline_va;
}

/* A limine_file for a loaded file at phys (size bytes) read from path (its volume prefix, if any,
 * left out: the path is the one on the volume `where` describes). NULL when the block is full. */
static struct limine_file *file_record(struct boot *b, struct limine_state *st, uint64_t phys, uint64_t size,
                                       const char *path, const struct volume_where *where, const char *string)
{
    struct limine_file *f = take(st, sizeof *f);
    struct volume_ref volume;
    const char *on_volume, *why;

    if (f == NULL)
        return NULL;
    f->address = b->hhdm_offset + phys;
    f->size = size;
    f->path = copy_string(b, st, volume_split(path, &volume, &on_volume, &why) ? on_volume : path, true);
    f->string = string != NULL ? copy_string(b, st, string, false) : kernel_cmdline(b, st);
    f->media_type = LIMINE_MEDIA_TYPE_GENERIC;
    f->partition_index = where->partition;
    f->mbr_disk_id = where->mbr_disk_id;
    __builtin_memcpy(&f->gpt_disk_uuid, where->gpt_disk_guid, sizeof f->gpt_disk_uuid); /* both EFI GUID order */
    __builtin_memcpy(&f->gpt_part_uuid, where->gpt_part_guid, sizeof f->gpt_part_uuid);
    return f;
}

/* Mask size and shift of a channel mask (0 gives 0, 0). A loop, not __builtin_popcount: that is a
 * libgcc call, and the loader links no libgcc. */
static void channel(uint32_t mask, uint8_t *size, uint8_t *shift)
{
    uint8_t bits = 0;

    for (uint32_t m = mask; m != 0; m &= m - 1)
        bits++;
    *size = bits;
    *shift = mask != 0 ? (uint8_t)__builtin_ctz(mask) : 0;
}

static void describe_pixels(const struct ember_framebuffer *fb, struct limine_video_mode *m)
{
    m->pitch = fb->pitch;
    m->width = fb->width;
    m->height = fb->height;
    m->bpp = (uint16_t)fb->bpp;
    m->memory_model = LIMINE_FRAMEBUFFER_RGB;
    channel(fb->red_mask, &m->red_mask_size, &m->red_mask_shift);
    channel(fb->green_mask, &m->green_mask_size, &m->green_mask_shift);
    channel(fb->blue_mask, &m->blue_mask_size, &m->blue_mask_shift);
}

/* Every GOP mode fbgeom can describe, into modes[]; returns how many. QueryMode's buffers are freed. */
static uint64_t list_video_modes(struct boot *b, struct limine_state *st, uint64_t *ptrs)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    uint64_t n = 0;

    if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &efi_gop_guid, NULL, (void **)&gop)) || gop->Mode == NULL)
        return 0;
    for (UINT32 i = 0; i < gop->Mode->MaxMode && n < MAX_VIDEO_MODES; i++) {
        EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = NULL;
        UINTN size = 0;
        if (EFI_ERROR(uefi_call_wrapper(gop->QueryMode, 4, gop, i, &size, &info)) || info == NULL)
            continue;
        struct gop_mode g = { (uint32_t)info->PixelFormat, info->PixelInformation.RedMask,
                              info->PixelInformation.GreenMask, info->PixelInformation.BlueMask,
                              info->PixelInformation.ReservedMask, info->HorizontalResolution,
                              info->VerticalResolution, info->PixelsPerScanLine,
                              b->facts.framebuffer.base, UINT64_MAX / 2 };
        struct ember_framebuffer fb;
        const char *why;
        struct limine_video_mode *m;
        if (fbgeom_from_gop(&g, &fb, &why) && (m = take(st, sizeof *m)) != NULL) {
            describe_pixels(&fb, m);
            ptrs[n++] = hhdm(b, m);
        }
        uefi_call_wrapper(BS->FreePool, 1, info);
    }
    return n;
}

static void *answer_framebuffer(struct boot *b, struct limine_state *st)
{
    const struct ember_framebuffer *fb = &b->facts.framebuffer;
    struct limine_framebuffer_response *r;
    struct limine_framebuffer *f;
    uint64_t *one, *modes;

    if (fb->base == 0) /* the spec: no framebuffer, no response */
        return NULL;
    r = take(st, sizeof *r);
    f = take(st, sizeof *f);
    one = take(st, sizeof *one);
    modes = take(st, MAX_VIDEO_MODES * sizeof *modes);
    if (r == NULL || f == NULL || one == NULL || modes == NULL)
        return NULL;
    struct limine_video_mode cur;
    describe_pixels(fb, &cur);
    f->address = b->hhdm_offset + fb->base;
    f->width = cur.width;
    f->height = cur.height;
    f->pitch = cur.pitch;
    f->bpp = cur.bpp;
    f->memory_model = cur.memory_model;
    f->red_mask_size = cur.red_mask_size, f->red_mask_shift = cur.red_mask_shift;
    f->green_mask_size = cur.green_mask_size, f->green_mask_shift = cur.green_mask_shift;
    f->blue_mask_size = cur.blue_mask_size, f->blue_mask_shift = cur.blue_mask_shift;
    f->mode_count = list_video_modes(b, st, modes);
    f->modes = hhdm(b, modes);
    *one = hhdm(b, f);
    r->revision = LIMINE_FRAMEBUFFER_RESPONSE_REVISION_MODES;
    r->framebuffer_count = 1;
    r->framebuffers = hhdm(b, one);
    return r;
}

static void *answer_modules(struct boot *b, struct limine_state *st)
{
    struct limine_module_response *r;
    uint64_t *ptrs;

    if (b->module_count == 0)
        return NULL; /* the spec: no response when there are no modules */
    r = take(st, sizeof *r);
    ptrs = take(st, (b->module_count + 1) * sizeof *ptrs);
    if (r == NULL || ptrs == NULL)
        return NULL;
    for (unsigned i = 0; i < b->module_count; i++) {
        const struct loaded_module *m = &b->modules[i];
        struct limine_file *f = file_record(b, st, m->base, m->size, m->path, &m->where, m->string);
        if (f == NULL)
            return NULL;
        ptrs[i] = hhdm(b, f);
    }
    r->revision = LIMINE_MODULE_RESPONSE_REVISION_INTERNAL;
    r->module_count = b->module_count;
    r->modules = hhdm(b, ptrs);
    return r;
}

/* A firmware table's address as the revision wants it: physical in revisions 3..physical_last,
 * else in the direct map. */
static uint64_t table_address(const struct boot *b, uint64_t phys, uint64_t physical_last)
{
    const struct limine_state *st = limine_state_of((struct boot *)b);
    bool physical = st->revision >= REVISION_PHYSICAL_TABLES && st->revision <= physical_last;
    if (phys == 0)
        return 0;
    return physical ? phys : b->hhdm_offset + phys;
}

/* Two-word responses: revision plus one value. */
static void *answer_value(struct limine_state *st, uint64_t value)
{
    uint64_t *r = take(st, 2 * sizeof *r);
    if (r != NULL)
        r[1] = value;
    return r;
}

static void *answer_simple(struct boot *b, struct limine_state *st, enum lscan_kind kind)
{
    switch (kind) {
    case LSCAN_BOOTLOADER_INFO: {
        struct limine_bootloader_info_response *r = take(st, sizeof *r);
        if (r != NULL) {
            r->name = copy_string(b, st, "ember", false);
            r->version = copy_string(b, st, EMBER_VERSION, false);
        }
        return r;
    }
    case LSCAN_FIRMWARE_TYPE: return answer_value(st, LIMINE_FIRMWARE_TYPE_UEFI64);
    case LSCAN_STACK_SIZE: return take(st, sizeof(struct limine_stack_size_response));
    case LSCAN_HHDM: return answer_value(st, b->hhdm_offset);
    case LSCAN_PAGING_MODE: return answer_value(st, LIMINE_PAGING_MODE_X86_64_4LVL);
    case LSCAN_ENTRY_POINT: return take(st, sizeof(struct limine_entry_point_response));
    case LSCAN_EXECUTABLE_CMDLINE: return answer_value(st, kernel_cmdline(b, st));
    case LSCAN_RSDP: return b->facts.acpi_rsdp != 0 ? answer_value(st, table_address(b, b->facts.acpi_rsdp, REVISION_PHYSICAL_RSDP_LAST)) : NULL;
    case LSCAN_EFI_SYSTEM_TABLE: return answer_value(st, table_address(b, b->facts.efi_system_table, REVISION_PHYSICAL_SMBIOS_LAST));
    case LSCAN_TSC_FREQUENCY: return b->facts.tsc_hz != 0 ? answer_value(st, b->facts.tsc_hz) : NULL;
    case LSCAN_BOOTLOADER_PERFORMANCE:
        if (boot_tsc_per_us(b) == 0 || (st->perf = take(st, sizeof *st->perf)) == NULL)
            return NULL;
        st->perf->init_usec = b->tsc.entry / boot_tsc_per_us(b); /* reset_usec 0: the TSC's origin */
        return st->perf;
    case LSCAN_DATE_AT_BOOT: return b->facts.boot_time != 0 ? answer_value(st, b->facts.boot_time) : NULL;
    case LSCAN_SMBIOS: {
        struct limine_smbios_response *r = NULL;
        if (b->facts.smbios2_entry == 0 && b->facts.smbios3_entry == 0)
            return NULL;
        if ((r = take(st, sizeof *r)) != NULL) {
            r->entry_32 = table_address(b, b->facts.smbios2_entry, REVISION_PHYSICAL_SMBIOS_LAST);
            r->entry_64 = table_address(b, b->facts.smbios3_entry, REVISION_PHYSICAL_SMBIOS_LAST);
        }
        return r;
    }
    case LSCAN_EXECUTABLE_ADDRESS: {
        struct limine_executable_address_response *r = take(st, sizeof *r);
        struct kernel_extent k = boot_kernel_extent(b, false); /* Limine kernels lie above the floor */
        if (r != NULL) {
            r->physical_base = k.phys_base;
            r->virtual_base = k.virt_base;
        }
        return r;
    }
    default: return NULL;
    }
}


/* Entropy: the values the request's value_count asks for, up to ENTROPY_MAX_VALUES. */
static void *answer_entropy(struct boot *b, struct limine_state *st)
{
    const struct lscan_request *q = limine_find_request(st, LSCAN_ENTROPY);
    struct decide_diag unused; /* decide_requests_whole refused any request cut off before this */
    uint64_t asked = 0, count;
    struct limine_entropy_response *r;
    uint64_t *values;
    const char *source;

    decide_request_field(q, __builtin_offsetof(struct limine_entropy_request, value_count), &asked, &unused);
    count = asked < ENTROPY_MAX_VALUES ? asked : ENTROPY_MAX_VALUES;
    r = take(st, sizeof *r);
    values = take(st, (count ? count : 1) * sizeof *values);
    if (r == NULL || values == NULL || (count != 0 && (source = efi_fill_random(values, count)) == NULL))
        return NULL;
    if (count != 0)
        log_info("limine: entropy: %llu of %llu values asked for, from %s", (unsigned long long)count,
                 (unsigned long long)asked, source);
    r->value_count = count;
    r->values = hhdm(b, values);
    return r;
}

/* The response for one request, or NULL when ember does not answer it (logged by the caller). */
static void *answer(struct boot *b, struct limine_state *st, enum lscan_kind kind)
{
    switch (kind) {
    case LSCAN_FRAMEBUFFER: return answer_framebuffer(b, st);
    case LSCAN_MODULE: return answer_modules(b, st);
    case LSCAN_EXECUTABLE_FILE: {
        struct limine_executable_file_response *r = take(st, sizeof *r);
        struct limine_file *f = b->kernel.file_copy != 0 ? file_record(b, st, b->kernel.file_copy, b->kernel.file_copy_size,
                                                                b->config.kernel, &b->kernel.file.where, NULL)
                                                   : NULL;
        if (r == NULL || f == NULL)
            return NULL;
        r->executable_file = hhdm(b, f);
        return r;
    }
    case LSCAN_MEMMAP: {
        st->memmap = take(st, sizeof *st->memmap);
        st->entries = take(st, st->entries_cap * sizeof *st->entries);
        st->entry_ptrs = take(st, st->entries_cap * sizeof *st->entry_ptrs);
        return st->entries != NULL && st->entry_ptrs != NULL ? st->memmap : NULL;
    }
    case LSCAN_EFI_MEMMAP: return st->efi_memmap = take(st, sizeof *st->efi_memmap);
    case LSCAN_MP: return limine_mp_answer(b, st);
    case LSCAN_ENTROPY: return answer_entropy(b, st);
    case LSCAN_KEEP_IOMMU: return take(st, sizeof(struct limine_keep_iommu_response));
    default: return answer_simple(b, st, kind);
    }
}

EFI_STATUS limine_build_responses(struct boot *b)
{
    struct limine_state *st = limine_state_of(b);
    uint64_t *gdt;

    st->entries_cap = b->memory.memmap_capacity + 2; /* conversion adds at most the first-page split */
    st->block_size = BLOCK_FIXED_BYTES + ENTROPY_MAX_VALUES * sizeof(uint64_t) +
                     st->entries_cap * (sizeof *st->entries + sizeof *st->entry_ptrs);
    st->block_size = (st->block_size + PAGE_SIZE_4K - 1) & ~(PAGE_SIZE_4K - 1);
    EFI_STATUS status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE,
                                        (UINTN)(st->block_size / PAGE_SIZE_4K), &st->block_phys);
    if (EFI_ERROR(status))
        return status;
    st->block = (uint8_t *)(uintptr_t)st->block_phys;
    uefi_call_wrapper(BS->SetMem, 3, st->block, (UINTN)st->block_size, 0);
    if ((gdt = take(st, GDT_LIMINE_ENTRIES * sizeof *gdt)) == NULL)
        return EFI_OUT_OF_RESOURCES;
    gdt_build_limine(gdt);
    st->gdt_phys = (uint64_t)(uintptr_t)gdt;
    for (size_t i = 0; i < st->scan.count; i++) {
        struct lscan_request *r = &st->scan.requests[i];
        if (r->verdict != LSCAN_VERDICT_OK || lscan_never_answered(r->kind) != NULL)
            continue; /* logged at prepare */
        void *resp = answer(b, st, r->kind);
        st->answered[i] = resp != NULL;
        /* 0 for no answer: a value left in the file would read as a response (lscan_tolerated) */
        ((struct limine_request_header *)(void *)r->ptr)->response = resp != NULL ? hhdm(b, resp) : 0;
        log_info("limine: request %s (revision %llu) at 0x%llx: %s", lscan_kind_name(r->kind),
                 (unsigned long long)r->revision, (unsigned long long)r->vaddr,
                 resp != NULL ? "answered" : "not answered: nothing to report on this machine");
    }
    return EFI_SUCCESS;
}

void limine_finish_responses(struct boot *b)
{
    struct limine_state *st = limine_state_of(b);

    limine_mp_finish(b, st);
    if (st->memmap != NULL) {
        size_t n = lmemmap_convert(b->memory.memmap, b->memory.memmap_count, st->revision, &st->firmware,
                                   st->entries, st->entries_cap);
        for (size_t i = 0; i < n; i++)
            st->entry_ptrs[i] = hhdm(b, &st->entries[i]);
        st->memmap->entry_count = n;
        st->memmap->entries = hhdm(b, st->entry_ptrs);
    }
    if (st->efi_memmap != NULL) {
        st->efi_memmap->memmap = hhdm(b, b->memory.efi_map);
        st->efi_memmap->memmap_size = b->memory.final_map_size;
        st->efi_memmap->desc_size = b->memory.final_desc_size;
        st->efi_memmap->desc_version = b->memory.final_desc_version;
    }
}
