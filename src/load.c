/* Kernel loading: headers only first (validate before allocating), then segments straight to their pages. */
#include "ember/boot.h"
#include "ember/fmt.h"
#include "ember/log.h"
#include "ember/memmap.h"
#include "ember/sha256.h"

static EFI_STATUS read_headers(struct file *kernel, elf64_ehdr_t *ehdr, elf64_phdr_t *phdrs,
                               struct elf_diag *diag)
{
    uint64_t phoff, phsize;
    uint64_t head_len = kernel->size < sizeof *ehdr ? kernel->size : sizeof *ehdr;
    EFI_STATUS status = file_read_at(kernel, 0, ehdr, head_len);

    if (EFI_ERROR(status))
        return status;
    if (elf_check_header(ehdr, head_len, kernel->size, &phoff, &phsize, diag) != ELF_OK)
        return EFI_LOAD_ERROR;
    return file_read_at(kernel, phoff, phdrs, phsize);
}

/* Opens the kernel at path, reads its ELF header and program header table only (never the whole
 * file), validates them and fills *plan. Logs the seed's "Kernel ELF information" lines on success
 * and one error line naming the failed rule otherwise. On success *kernel stays open. */
static EFI_STATUS load_read_plan(EFI_FILE_HANDLE root, const char *path, const struct elf_options *opts,
                                 struct file *kernel, struct elf_plan *plan)
{
    elf64_ehdr_t ehdr;
    elf64_phdr_t phdrs[ELF_MAX_PHNUM];
    struct elf_diag diag = { ELF_OK, "" };
    EFI_STATUS status = file_open(root, path, false, kernel);

    if (EFI_ERROR(status))
        return status;
    if (kernel->size == 0) {
        log_error("kernel %s is empty (0 bytes)", path);
        status = EFI_LOAD_ERROR;
        goto fail;
    }
    status = read_headers(kernel, &ehdr, phdrs, &diag);
    if (!EFI_ERROR(status) && elf_build_plan(&ehdr, phdrs, kernel->size, opts, plan, &diag) != ELF_OK)
        status = EFI_LOAD_ERROR;
    if (diag.code != ELF_OK)
        log_error("invalid kernel %s: %s", path, diag.message);
    if (EFI_ERROR(status))
        goto fail;
    log_info("Kernel ELF information:");
    log_info("  Entry Point         : 0x%llx", (unsigned long long)plan->entry);
    log_info("  Is 64-bit           : %d", 1);
    log_info("  # of Program Headers: %u", (unsigned)plan->phnum);
    log_info("  # of Section Headers: %u", (unsigned)plan->shnum);
    return EFI_SUCCESS;
fail:
    file_close(kernel);
    return status;
}

#define HASH_CHUNK (1 * MIB)

/* SHA-256 of the whole file, read in chunks through one pool buffer. */
static EFI_STATUS hash_file(struct file *f, uint8_t digest[SHA256_DIGEST_SIZE])
{
    struct sha256_ctx ctx;
    void *buffer = NULL;
    EFI_STATUS status = mem_alloc_pool(HASH_CHUNK, &buffer);

    sha256_init(&ctx);
    for (UINT64 at = 0; !EFI_ERROR(status) && at < f->size; at += HASH_CHUNK) {
        UINT64 len = f->size - at < HASH_CHUNK ? f->size - at : HASH_CHUNK;
        status = file_read_at(f, at, buffer, len);
        if (!EFI_ERROR(status))
            sha256_update(&ctx, buffer, (size_t)len);
    }
    sha256_final(&ctx, digest);
    mem_free_pool(buffer);
    return status;
}

/* With kernel_sha256= in ember.cfg, the kernel file must hash to exactly that value. */
static EFI_STATUS verify_kernel_hash(struct boot *b)
{
    uint8_t digest[SHA256_DIGEST_SIZE];
    char got[SHA256_HEX_SIZE], want[SHA256_HEX_SIZE];
    EFI_STATUS status = hash_file(&b->kernel, digest);

    if (EFI_ERROR(status))
        return status;
    sha256_to_hex(digest, got);
    sha256_to_hex(b->config.kernel_sha256, want);
    for (unsigned i = 0; i < SHA256_DIGEST_SIZE; i++)
        if (digest[i] != b->config.kernel_sha256[i]) {
            log_error("kernel %s SHA-256 mismatch: file has %s, ember.cfg pins %s", b->config.kernel, got, want);
            return EFI_SECURITY_VIOLATION;
        }
    log_info("kernel SHA-256 %s matches the pinned value", got);
    return EFI_SUCCESS;
}

EFI_STATUS stage_read_kernel_headers(struct boot *b)
{
    struct elf_options opts = { .allow_wx = b->config.allow_wx };
    EFI_STATUS status = load_read_plan(b->root, b->config.kernel, &opts, &b->kernel, &b->plan);

    if (!EFI_ERROR(status) && b->config.has_kernel_sha256)
        status = verify_kernel_hash(b);
    b->tsc_headers = arch_timestamp();
    return status;
}

/* Physical pages for a region: at its p_paddr when that range is free, else anywhere, keeping
 * phys == vaddr (mod 2 MiB) for regions big enough to use 2 MiB pages. */
static EFI_STATUS place_region(const struct elf_region *r, struct loaded_region *out)
{
    EFI_PHYSICAL_ADDRESS addr = r->paddr;
    UINTN pages = (UINTN)(r->size / PAGE_SIZE_4K);
    EFI_STATUS status = mem_alloc_pages(AllocateAddress, EMBER_UEFI_TYPE_KERNEL, pages, &addr);

    if (EFI_ERROR(status)) {
        uint64_t align = r->size >= PAGE_SIZE_2M ? PAGE_SIZE_2M : PAGE_SIZE_4K;
        status = mem_alloc_pages_aligned(EMBER_UEFI_TYPE_KERNEL, pages, align, r->vaddr, &addr);
        if (EFI_ERROR(status))
            return status;
        log_info("p_paddr 0x%llx is not free: region 0x%llx loaded at 0x%llx instead",
                 (unsigned long long)r->paddr, (unsigned long long)r->vaddr, (unsigned long long)addr);
    }
    out->phys = phys(addr);
    out->pages = pages;
    return EFI_SUCCESS;
}

static void zero_bytes(uint64_t addr, uint64_t len)
{
    if (len > 0)
        uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)addr, (UINTN)len, 0);
}

/* Reads each segment's p_filesz bytes straight to its final place and zeroes everything else in the
 * region (bss and the page slack around segments) exactly once. */
static EFI_STATUS fill_region(struct boot *b, const struct elf_region *r, phys_addr_t base)
{
    uint64_t cursor = 0; /* offset in the region up to which bytes are final */

    for (unsigned i = r->first; i < r->first + r->count; i++) {
        const struct elf_segment *s = &b->plan.segments[i];
        uint64_t at = s->vaddr - r->vaddr;
        log_info("segment vaddr 0x%llx paddr 0x%llx filesz 0x%llx memsz 0x%llx flags %c%c%c",
                 (unsigned long long)s->vaddr, (unsigned long long)(base.addr + at),
                 (unsigned long long)s->filesz, (unsigned long long)s->memsz, s->flags & ELF_PF_R ? 'R' : '-',
                 s->flags & ELF_PF_W ? 'W' : '-', s->flags & ELF_PF_X ? 'X' : '-');
        if (at > cursor)
            zero_bytes(base.addr + cursor, at - cursor);
        EFI_STATUS status = file_read_at(&b->kernel, s->offset, (void *)(uintptr_t)(base.addr + at), s->filesz);
        if (EFI_ERROR(status))
            return status;
        cursor = at + s->filesz;
    }
    zero_bytes(base.addr + cursor, r->size - cursor);
    return EFI_SUCCESS;
}

/* True when the firmware's PML4 maps anything in [vaddr, vaddr + size): only then can a kernel
 * region collide with the firmware's identity map (ember's own mappings never overlap a region). */
static bool firmware_maps_any(const struct boot *b, uint64_t vaddr, uint64_t size)
{
    const uint64_t *pml4 = (const uint64_t *)(uintptr_t)b->firmware_root.addr;
    for (uint64_t i = (vaddr >> PML4_SHIFT) & 511; i <= ((vaddr + size - 1) >> PML4_SHIFT & 511); i++)
        if (pml4[i] & PTE_P)
            return true;
    return false;
}

/* Maps a region. Pages the firmware's identity map already has there (a kernel linked in the lower
 * half) are unmapped first and the region is then mapped with 4 KiB pages. */
static EFI_STATUS map_region(struct boot *b, const struct elf_region *r, phys_addr_t base)
{
    unsigned replaced = 0;
    struct translation t;
    enum pg_error err = PG_OK;
    uint64_t check_size = firmware_maps_any(b, r->vaddr, r->size) ? r->size : 0;

    for (uint64_t off = 0; off < check_size && err == PG_OK; off += PAGE_SIZE_4K)
        if (pg_translate(&b->space, virt(r->vaddr + off), &t) == PG_OK) {
            replaced++;
            err = pg_unmap(&b->space, virt(r->vaddr + off));
        }
    if (replaced > 0) {
        log_info("region 0x%llx overlaps %u mapped pages (firmware identity map): replacing them",
                 (unsigned long long)r->vaddr, replaced);
        for (uint64_t off = 0; off < r->size && err == PG_OK; off += PAGE_SIZE_4K)
            err = map4k_to(&b->space, virt(r->vaddr + off), phys(base.addr + off), r->attr);
    } else if (err == PG_OK) {
        err = pg_map_range(&b->space, virt(r->vaddr), base, r->size, r->attr);
    }
    return err == PG_OK ? EFI_SUCCESS : paging_failure(err, "mapping kernel region", r->vaddr);
}

EFI_STATUS stage_load_segments(struct boot *b)
{
    for (unsigned i = 0; i < b->plan.region_count; i++) {
        const struct elf_region *r = &b->plan.regions[i];
        EFI_STATUS status = place_region(r, &b->regions[i]);
        if (!EFI_ERROR(status))
            status = fill_region(b, r, b->regions[i].phys);
        if (!EFI_ERROR(status))
            status = map_region(b, r, b->regions[i].phys);
        if (EFI_ERROR(status))
            return status;
    }
    log_info("kernel loaded: %u segment(s) in %u region(s), %llu Read calls",
             b->plan.count, b->plan.region_count, (unsigned long long)file_read_calls());
    file_close(&b->kernel);
    b->tsc_kernel_read = arch_timestamp();
    return EFI_SUCCESS;
}

/* Loads each ember.cfg module page-aligned (type modules), zero-filled to its page end. */
EFI_STATUS stage_load_modules(struct boot *b)
{
    for (unsigned i = 0; i < b->config.module_count; i++) {
        const struct config_module *m = &b->config.modules[i];
        struct ember_module *out = &b->info->modules[i];
        EFI_PHYSICAL_ADDRESS addr;
        struct file f;
        EFI_STATUS status = file_open(b->root, m->path, false, &f);
        if (EFI_ERROR(status)) {
            log_error("module %u (%s) cannot be loaded", i + 1, m->path);
            return status;
        }
        UINTN pages = (UINTN)((f.size + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K);
        status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_MODULES, pages ? pages : 1, &addr);
        if (!EFI_ERROR(status))
            status = file_read_at(&f, 0, (void *)(uintptr_t)addr, f.size);
        file_close(&f);
        if (EFI_ERROR(status))
            return status;
        zero_bytes(addr + f.size, (pages ? pages : 1) * PAGE_SIZE_4K - f.size);
        out->base = addr;
        out->size = f.size;
        fmt_format(out->name, sizeof out->name, "%s", m->name[0] != '\0' ? m->name : m->path);
        b->info->module_count = i + 1;
        log_info("module %s: %llu bytes at 0x%llx", out->name, (unsigned long long)f.size, (unsigned long long)addr);
    }
    return EFI_SUCCESS;
}
