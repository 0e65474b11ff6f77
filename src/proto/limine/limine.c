/* The Limine boot protocol, base revisions 0-3: finding the kernel's requests, its address space
 * per revision and the handoff. Responses are built in limine_resp.c. */
#include "core/acpi.h"
#include "core/fmt.h"
#include "core/fwranges.h"
#include "uefi/log.h"
#include "core/lmemmap.h"
#include "core/memmap.h"
#include "core/reloc.h"
#include "proto/limine/machine.h"
#include "proto/limine/state.h"

#define REVISION_IDENTITY_MAP_LAST 0   /* only revision 0 keeps the identity map */
#define FOUR_GIB (4 * GIB)
#define REVISION_STRICT_ENTRY_STATE 5 /* CR0/CR4/EFER cleared beyond the listed bits; NMI/ExtINT masked */
#define REVISION_FOUR_GIB_LAST 2       /* revisions 0-2 map all of [0, 4 GiB) in the direct map */
/* The trampoline's executable alias: the last page of the window ember keeps for its direct map
 * (kernels may not be linked there, and no machine fills 64 TiB of it). */
#define TRAMPOLINE_ALIAS (EMBER_HHDM_OFFSET + EMBER_HHDM_MAX_SIZE - PAGE_SIZE_4K)

/* The kernel's loaded segments, as the scanner wants them. Returns their number. */
static size_t loaded_segments(const struct boot *b, struct lscan_segment *out)
{
    return decide_scan_segments(&b->kernel.plan, b->kernel.loaded.base, out);
}

const struct lscan_request *limine_find_request(const struct limine_state *st, enum lscan_kind k)
{
    return decide_find_request(&st->scan, k);
}

/* Logs every request the scan found that will not be answered, and why. */
static void log_unanswerable(const struct lscan_result *scan)
{
    for (size_t i = 0; i < scan->count; i++) {
        const struct lscan_request *r = &scan->requests[i];
        const char *why = r->verdict != LSCAN_VERDICT_OK ? lscan_verdict_name(r->verdict)
                                                         : lscan_never_answered(r->kind);
        if (why != NULL)
            log_info("limine: request %s (revision %llu) at 0x%llx: not answered: %s", lscan_kind_name(r->kind),
                     (unsigned long long)r->revision, (unsigned long long)r->vaddr, why);
    }
}

struct copy_cursor {
    uint8_t *to;
};

static void copy_out(void *ctx, const void *data, uint64_t len)
{
    struct copy_cursor *c = ctx;
    uefi_call_wrapper(BS->CopyMem, 3, c->to, (void *)data, (UINTN)len);
    c->to += len;
}

/* The executable file request wants the kernel's file: built from the bytes already in memory and
 * only the rest read (no second read of the segments), before any relocation changes them. Typed
 * modules memory, like Limine's "executable and modules". */
static EFI_STATUS copy_kernel_file(struct boot *b, const struct lscan_result *scan)
{
    UINTN pages = (UINTN)((b->kernel.file.size + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K);
    EFI_STATUS status;
    struct copy_cursor c;

    if (decide_find_request(scan, LSCAN_EXECUTABLE_FILE) == NULL)
        return EFI_SUCCESS;
    status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_MODULES, pages ? pages : 1, &b->kernel.file_copy);
    if (EFI_ERROR(status))
        return status;
    c.to = (uint8_t *)(uintptr_t)b->kernel.file_copy;
    status = boot_walk_kernel_file(b, copy_out, &c);
    b->kernel.file_copy_size = b->kernel.file.size;
    if (!EFI_ERROR(status))
        log_info("limine: kernel file copied for the executable file request: %llu bytes at 0x%llx",
                 (unsigned long long)b->kernel.file_copy_size, (unsigned long long)b->kernel.file_copy);
    return status;
}

#define SHT_SYMTAB 2
#define SECTION_HEADER_SIZE 64
#define MAX_SECTIONS 512
#define MAX_SYMBOL_BYTES (4 * MIB)
#define MAX_BSS_HINTS 8

/* One ELF64 section header's type, link, offset and size, read from the still-open kernel file. */
static bool read_section(struct boot *b, unsigned index, uint32_t *type, uint32_t *link, uint64_t *offset,
                         uint64_t *size)
{
    uint8_t sh[SECTION_HEADER_SIZE];
    uint64_t at = b->kernel.headers.ehdr.e_shoff + (uint64_t)index * SECTION_HEADER_SIZE;

    if (at + SECTION_HEADER_SIZE > b->kernel.file.size || EFI_ERROR(file_read_at(&b->kernel.file, at, sh, sizeof sh)))
        return false;
    __builtin_memcpy(type, sh + 4, sizeof *type); /* Elf64_Shdr: sh_type, sh_offset, sh_size, sh_link */
    __builtin_memcpy(offset, sh + 24, sizeof *offset);
    __builtin_memcpy(size, sh + 32, sizeof *size);
    __builtin_memcpy(link, sh + 40, sizeof *link);
    return *offset <= b->kernel.file.size && *size <= b->kernel.file.size - *offset && *size <= MAX_SYMBOL_BYTES;
}

/* Reads [offset, offset + size) of the kernel file into a new pool buffer (NULL on failure). */
static void *read_blob(struct boot *b, uint64_t offset, uint64_t size)
{
    void *p = NULL;
    if (EFI_ERROR(mem_alloc_pool(size + 1, &p)))
        return NULL;
    if (EFI_ERROR(file_read_at(&b->kernel.file, offset, p, size))) {
        mem_free_pool(p);
        return NULL;
    }
    ((char *)p)[size] = '\0';
    return p;
}

/* The classic "my response is NULL": a request the compiler put in .bss is all zero in the file,
 * so no loader sees it. When the kernel keeps a symbol table, name such symbols (a warning only). */
static void hint_bss_requests(struct boot *b)
{
    const elf64_ehdr_t *eh = &b->kernel.headers.ehdr;
    struct lscan_segment segs[ELF_MAX_LOAD_SEGMENTS];
    struct lscan_bss_symbol hints[MAX_BSS_HINTS];
    uint32_t type, link, t2, l2;
    uint64_t off, size, str_off, str_size;

    if (eh->e_shentsize != SECTION_HEADER_SIZE || eh->e_shnum > MAX_SECTIONS)
        return;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (!read_section(b, i, &type, &link, &off, &size) || type != SHT_SYMTAB ||
            !read_section(b, link, &t2, &l2, &str_off, &str_size))
            continue;
        void *symtab = read_blob(b, off, size), *strtab = symtab != NULL ? read_blob(b, str_off, str_size) : NULL;
        size_t n = strtab != NULL ? lscan_bss_symbols(symtab, size, strtab, str_size, b->kernel.plan.slide, segs,
                                                      loaded_segments(b, segs), hints, MAX_BSS_HINTS) : 0;
        for (size_t k = 0; k < n && k < MAX_BSS_HINTS; k++)
            log_warn("limine: symbol '%s' at 0x%llx (%llu bytes) is in .bss, so it is zero in the file and never "
                     "seen as a request: give it its id as an initialiser (and keep it with `used`)", hints[k].name,
                     (unsigned long long)hints[k].vaddr, (unsigned long long)hints[k].size);
        mem_free_pool(strtab);
        mem_free_pool(symtab);
        return;
    }
}

EFI_STATUS limine_after_scan(struct boot *b, const struct lscan_result *scan)
{
    log_unanswerable(scan);
    hint_bss_requests(b);
    return copy_kernel_file(b, scan);
}

/* Carries out pipe_choose_protocol's Limine decisions: the scan and revision kept for the
 * responses, the stack and entry, the internal modules first in the module list, the MP request. */
static EFI_STATUS limine_prepare(struct boot *b)
{
    const struct limine_decision *d = &b->decision->limine;
    struct ember_config *c = &b->config;
    struct limine_state *st;
    EFI_STATUS status = mem_alloc_pool(sizeof *st, (void **)&st);

    if (EFI_ERROR(status))
        return status;
    uefi_call_wrapper(BS->SetMem, 3, st, sizeof *st, 0);
    b->proto_state = st;
    st->scan = d->scan;
    st->revision = d->revision;
    st->entry = b->decision->entry;
    b->stack_size = b->decision->stack_size;
    for (unsigned i = c->module_count; i-- > 0;)
        c->modules[i + d->internal_count] = c->modules[i];
    for (unsigned i = 0; i < d->internal_count; i++)
        c->modules[i] = d->internal[i];
    c->module_count += d->internal_count;
    b->smp.lapic_init = st->revision >= REVISION_STRICT_ENTRY_STATE; /* each AP sets its local APIC up */
    return limine_mp_prepare(b, st);
}

/* Bytes of the NUL-terminated UCS-2 string s, its terminator included. */
static uint64_t ucs2_size(const CHAR16 *s)
{
    uint64_t n = 1;
    while (s != NULL && s[n - 1] != 0)
        n++;
    return n * sizeof *s;
}

/* Firmware data the spec puts in the direct map: from revision 4 the ACPI tables, from 5 also
 * SMBIOS and the EFI system table with what stays valid after ExitBootServices (runtime services
 * table, configuration table, vendor string), none of which UEFI promises to keep in runtime memory. */
static void find_firmware_ranges(struct boot *b, struct limine_state *st)
{
    struct lmemmap_firmware_ranges *fw = &st->firmware;
    struct acpi_access io = { boot_acpi_identity, b };
    unsigned acpi, smbios = 0;

    if (st->revision < LMEMMAP_REVISION_ACPI_MAPPED)
        return;
    acpi = fwranges_acpi(&io, b->facts.acpi_rsdp, fw);
    if (st->revision >= LMEMMAP_REVISION_RUNTIME_MAPPED) {
        smbios = fwranges_smbios(&io, b->facts.smbios2_entry, b->facts.smbios3_entry, fw);
        lmemmap_add_firmware_range(fw, (uintptr_t)ST, ST->Hdr.HeaderSize);
        lmemmap_add_firmware_range(fw, (uintptr_t)ST->RuntimeServices, ST->RuntimeServices->Hdr.HeaderSize);
        lmemmap_add_firmware_range(fw, (uintptr_t)ST->ConfigurationTable,
                                   ST->NumberOfTableEntries * sizeof(EFI_CONFIGURATION_TABLE));
        lmemmap_add_firmware_range(fw, (uintptr_t)ST->FirmwareVendor, ucs2_size(ST->FirmwareVendor));
    }
    log_info("limine: %u ACPI tables, %u SMBIOS ranges%s in %u direct-mapped page ranges", acpi, smbios,
             st->revision >= LMEMMAP_REVISION_RUNTIME_MAPPED ? " and the EFI system table" : "", fw->count);
    if (fw->overflow != 0)
        log_warn("limine: %u firmware ranges past the first %u are not in the direct map", fw->overflow,
                 LMEMMAP_MAX_FIRMWARE_RANGES);
}

/* Physical [0, 4 GiB) and every region the revision's direct map covers (lmemmap_hhdm_covers),
 * from the current memory map: later allocations come out of usable memory, which is covered. */
static EFI_STATUS map_hhdm(struct boot *b, struct limine_state *st)
{
    void *raw;
    UINTN size, desc_size;
    size_t count = 0, cap;
    struct ember_memmap_entry *map = NULL;
    const struct ember_framebuffer *fb = &b->facts.framebuffer;
    struct ember_memmap_entry extra = { fb->base, fb->size, EMBER_MEM_FRAMEBUFFER, 0 };
    EFI_STATUS status = mem_get_map(&raw, &size, &desc_size);

    if (EFI_ERROR(status))
        return status;
    cap = MEMMAP_OUT_SLOTS(size / desc_size);
    status = mem_alloc_pool(cap * sizeof *map, (void **)&map);
    if (!EFI_ERROR(status) && memmap_normalize(raw, size, desc_size, &extra, fb->base != 0, map, cap, &count) != MEMMAP_OK)
        status = EFI_LOAD_ERROR;
    /* the spec: direct-map pages are supervisor rwx, write-back, the framebuffer write-combining;
     * the framebuffer goes first so that the rest keeps its smaller pages around it */
    if (!EFI_ERROR(status) && fb->base != 0)
        status = space_map_direct(b, st->space, fb->base, fb->size, PAGE_WRITE_EXECUTE_WC);
    if (!EFI_ERROR(status) && st->revision <= REVISION_FOUR_GIB_LAST)
        status = space_map_direct(b, st->space, 0, FOUR_GIB, PAGE_WRITE_EXECUTE);
    for (size_t i = 0; i < count && !EFI_ERROR(status); i++)
        if (lmemmap_hhdm_covers(map[i].type, st->revision, map[i].base))
            status = space_map_direct(b, st->space, map[i].base, map[i].length, PAGE_WRITE_EXECUTE);
    for (unsigned i = 0; i < st->firmware.count && !EFI_ERROR(status); i++)
        status = space_map_direct(b, st->space, st->firmware.base[i], st->firmware.end[i] - st->firmware.base[i],
                                  PAGE_WRITE_EXECUTE);
    mem_free_pool(map);
    mem_free_pool(raw);
    return status;
}

/* The trampoline page, executable at TRAMPOLINE_ALIAS in the loader's and the kernel's tables. */
static EFI_STATUS map_trampoline(struct boot *b, struct limine_state *st)
{
    EFI_STATUS status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_RECLAIMABLE, 1, &st->trampoline);
    enum pg_error err = PG_OK;

    if (EFI_ERROR(status))
        return status;
    st->trampoline_alias = TRAMPOLINE_ALIAS;
    err = map4k_to(st->space, virt(TRAMPOLINE_ALIAS), phys(st->trampoline), PAGE_EXECUTABLE);
    if (err == PG_OK && st->space != &b->space)
        err = map4k_to(&b->space, virt(TRAMPOLINE_ALIAS), phys(st->trampoline), PAGE_EXECUTABLE);
    return err == PG_OK ? EFI_SUCCESS : paging_failure(err, "mapping the handoff trampoline", TRAMPOLINE_ALIAS);
}

/* Revision 0: ember's own tables (identity map kept). Later revisions: fresh tables, so the lower
 * half is empty, with the segments, the direct map and the trampoline. */
static EFI_STATUS limine_map(struct boot *b)
{
    struct limine_state *st = limine_state_of(b);
    EFI_STATUS status;

    st->space = &b->space;
    if (st->revision > REVISION_IDENTITY_MAP_LAST) {
        phys_addr_t root;
        st->kspace = b->space;
        if (!st->kspace.alloc.alloc(st->kspace.alloc.ctx, &root))
            return paging_failure(PG_NO_MEMORY, "new PML4 for the kernel", 0);
        uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)root.addr, PAGE_SIZE_4K, 0);
        st->kspace.root = root;
        st->space = &st->kspace;
    }
    b->kernel_space = st->space;
    status = space_map_segments(b, st->space);
    find_firmware_ranges(b, st);
    if (!EFI_ERROR(status))
        status = map_hhdm(b, st);
    if (!EFI_ERROR(status))
        status = map_trampoline(b, st);
    if (!EFI_ERROR(status))
        log_info("limine: kernel tables at 0x%llx (%s), direct map at 0x%llx", (unsigned long long)st->space->root.addr,
                 st->revision > REVISION_IDENTITY_MAP_LAST ? "no identity map" : "identity map kept",
                 (unsigned long long)b->hhdm_offset);
    return status;
}

static EFI_STATUS limine_build(struct boot *b)
{
    struct limine_state *st = limine_state_of(b);

    st->ioapic_count = proto_find_ioapics(b, "limine", st->ioapics, LIMINE_MAX_IOAPICS);
    return limine_build_responses(b);
}

/* After ExitBootServices and the APs: responses, interrupt controllers, and from revision 5 the
 * IOMMUs (unless the kernel asked to keep them) and the BSP's local APIC. */
static void limine_finish(struct boot *b)
{
    struct limine_state *st = limine_state_of(b);

    limine_finish_responses(b);
    /* the entry state: from revision 5 the I/O APICs' NMI and ExtINT entries masked too */
    proto_mask_interrupts(b, st->ioapics, st->ioapic_count, st->revision >= REVISION_STRICT_ENTRY_STATE, "limine");
    if (st->revision >= REVISION_STRICT_ENTRY_STATE) {
        limine_iommus_off(b, limine_find_request(st, LSCAN_KEEP_IOMMU) != NULL);
        limine_lapic_init_bsp(b);
    }
}

/* Fills the trampoline's arguments and jumps to its alias: CR3, GDT, PAT, stack, entry. */
__attribute__((noreturn)) static void limine_enter(struct boot *b)
{
    struct limine_state *st = limine_state_of(b);
    bool strict_state = st->revision >= REVISION_STRICT_ENTRY_STATE;
    if (st->perf != NULL) /* answered only with a calibrated TSC */
        st->perf->exec_usec = b->tsc.handoff / boot_tsc_per_us(b);
    struct trampoline_args args = {
        .cr3 = st->space->root.addr,
        .pat = ARCH_PAT_LIMINE,
        .rsp = b->hhdm_offset + b->stack + b->stack_size,
        .entry = st->entry,
        .cr0_keep = strict_state ? ARCH_CR0_LIMINE_KEEP : ARCH_KEEP_ALL,
        .cr4_keep = strict_state ? ARCH_CR4_LIMINE_KEEP : ARCH_KEEP_ALL,
        .efer_keep = strict_state ? ARCH_EFER_LIMINE_KEEP : ARCH_KEEP_ALL,
        .gdt_limit = GDT_LIMINE_ENTRIES * 8 - 1,
        .gdt_base = b->hhdm_offset + st->gdt_phys,
    };

    arch_trampoline_install((void *)(uintptr_t)st->trampoline, &args);
    arch_trampoline_jump(st->trampoline_alias);
}

const struct protocol proto_limine = {
    .name = "limine",
    .stages = paging_stages,
    .prepare = limine_prepare,
    .map = limine_map,
    .build = limine_build,
    .finish = limine_finish,
    .enter = limine_enter,
};
