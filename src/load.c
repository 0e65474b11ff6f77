/* Kernel loading: headers only first (validate before allocating), then segments straight to their pages. */
#include "ember/boot.h"
#include "ember/decide.h"
#include "ember/limine.h"
#include "ember/fmt.h"
#include "ember/log.h"
#include "ember/memmap.h"

/* Reads the ELF header and program header table into h (kept: the kernel pin hashes these very
 * bytes, the ones the plan was built from); the header is checked under opts. */
static EFI_STATUS read_headers(struct file *kernel, const struct elf_options *opts, struct kernel_headers *h,
                               struct elf_diag *diag)
{
    EFI_STATUS status;

    h->head_len = kernel->size < sizeof h->ehdr ? kernel->size : sizeof h->ehdr;
    status = file_read_at(kernel, 0, &h->ehdr, h->head_len);
    if (EFI_ERROR(status))
        return status;
    if (elf_check_header(&h->ehdr, h->head_len, kernel->size, opts, &h->phoff, &h->phsize, diag) != ELF_OK)
        return EFI_LOAD_ERROR;
    return file_read_at(kernel, h->phoff, h->phdrs, h->phsize);
}

/* Opens the kernel at path, reads its ELF header and program header table only (never the whole
 * file), validates them and fills *plan. Logs the seed's "Kernel ELF information" lines on success
 * and one error line naming the failed rule otherwise. On success *kernel stays open. */
static EFI_STATUS load_read_plan(EFI_FILE_HANDLE root, const char *path, const struct elf_options *opts,
                                 struct file *kernel, struct kernel_headers *h, struct elf_plan *plan)
{
    struct elf_diag diag = { ELF_OK, "" };
    EFI_STATUS status = file_open(root, path, false, kernel);

    if (EFI_ERROR(status))
        return status;
    struct decide_diag empty;
    if (!decide_kernel_size(path, kernel->size, &empty)) {
        log_error("%s", empty.message);
        status = EFI_LOAD_ERROR;
        goto fail;
    }
    status = read_headers(kernel, opts, h, &diag);
    if (!EFI_ERROR(status) && elf_build_plan(&h->ehdr, h->phdrs, kernel->size, opts, plan, &diag) != ELF_OK)
        status = EFI_LOAD_ERROR;
    if (diag.code != ELF_OK) {
        struct decide_diag d;
        decide_elf_failure(path, &diag, &d);
        log_error("%s", d.message);
    }
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

EFI_STATUS stage_read_kernel_headers(struct boot *b)
{
    struct elf_options opts;
    struct decide_diag diag;
    EFI_STATUS status;

    decide_elf_options(&b->config, &opts);
    status = load_read_plan(b->root, b->config.kernel, &opts, &b->kernel, &b->headers, &b->plan);
    if (!EFI_ERROR(status) &&
        !decide_replan_relocatable(&b->config, &b->headers.ehdr, b->headers.phdrs, b->kernel.size, &b->plan, &diag)) {
        log_error("%s", diag.message);
        status = EFI_LOAD_ERROR;
    }
    if (!EFI_ERROR(status) && b->plan.is_dyn)
        log_info("relocatable kernel (ET_DYN): slid by 0x%llx to 0x%llx", (unsigned long long)b->plan.slide,
                 (unsigned long long)b->plan.vaddr_min);

    b->tsc_headers = arch_timestamp();
    return status;
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
        if (s->filesz > 0 && (b->config.test_faults & CONFIG_FAULT_CORRUPT_KERNEL_READ)) {
            /* test_fault: a device that answers this read differently from any earlier one */
            *(volatile uint8_t *)(uintptr_t)(base.addr + at) ^= 0xFF;
            b->config.test_faults &= ~CONFIG_FAULT_CORRUPT_KERNEL_READ;
            log_warn("test_fault corrupt-kernel-read: flipped the byte at file offset 0x%llx after reading it",
                     (unsigned long long)s->offset);
        }
        cursor = at + s->filesz;
    }
    zero_bytes(base.addr + cursor, r->size - cursor);
    return EFI_SUCCESS;
}

EFI_STATUS stage_load_segments(struct boot *b)
{
    EFI_STATUS status = EFI_SUCCESS;

    for (unsigned i = 0; i < b->plan.region_count && !EFI_ERROR(status); i++) {
        const struct elf_region *r = &b->plan.regions[i];
        status = fill_region(b, r, b->regions[i].phys);
    }
    if (!EFI_ERROR(status))
        status = pin_check_kernel(b);
    if (EFI_ERROR(status))
        return status;
    log_info("kernel loaded: %u segment(s) in %u region(s), %llu Read calls",
             b->plan.count, b->plan.region_count, (unsigned long long)file_read_calls());
    b->tsc_kernel_read = arch_timestamp();
    return EFI_SUCCESS;
}

/* With sha256= on the module line, the bytes just read into the module's pages (the ones the kernel
 * gets) must hash to the pinned value. */
static EFI_STATUS check_module_pin(struct boot *b, unsigned index, EFI_PHYSICAL_ADDRESS addr, UINT64 size)
{
    const struct config_module *m = &b->config.modules[index];
    char what[CONFIG_PATH_MAX + 16];

    if (size > 0 && (b->config.test_faults & CONFIG_FAULT_CORRUPT_MODULE_READ)) {
        *(volatile uint8_t *)(uintptr_t)addr ^= 0xFF; /* test_fault: the device answered differently */
        log_warn("test_fault corrupt-module-read: flipped the first byte of module %u after reading it", index + 1);
    }
    if (!m->has_sha256)
        return EFI_SUCCESS;
    fmt_format(what, sizeof what, "module %u (%s)", index + 1, m->path);
    return pin_check_bytes(what, (const void *)(uintptr_t)addr, size, m->sha256);
}

/* Loads each ember.cfg module page-aligned (type modules), zero-filled to its page end. */
EFI_STATUS stage_load_modules(struct boot *b)
{
    for (unsigned i = 0; i < b->config.module_count; i++) {
        const struct config_module *m = &b->config.modules[i];
        struct loaded_module *out = &b->modules[b->module_count];
        EFI_PHYSICAL_ADDRESS addr;
        struct file f;
        EFI_STATUS status = file_open(b->root, m->path, m->optional, &f);
        if (status == EFI_NOT_FOUND && m->optional) {
            log_info("module %u (%s) not found: skipped (not required)", i + 1, m->path);
            continue;
        }
        if (EFI_ERROR(status)) {
            log_error("module %u (%s) cannot be loaded", i + 1, m->path);
            return status;
        }
        UINTN pages = (UINTN)((f.size + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K);
        status = mem_alloc_pages(AllocateAnyPages, EMBER_UEFI_TYPE_MODULES, pages ? pages : 1, &addr);
        if (!EFI_ERROR(status))
            status = file_read_at(&f, 0, (void *)(uintptr_t)addr, f.size);
        file_close(&f);
        if (!EFI_ERROR(status))
            status = check_module_pin(b, i, addr, f.size);
        if (EFI_ERROR(status))
            return status;
        zero_bytes(addr + f.size, (pages ? pages : 1) * PAGE_SIZE_4K - f.size);
        out->base = addr;
        out->size = f.size;
        out->path = m->path;
        fmt_format(out->name, sizeof out->name, "%s", m->name[0] != '\0' ? m->name : m->path);
        b->module_count++;
        log_info("module %s: %llu bytes at 0x%llx", out->name, (unsigned long long)f.size, (unsigned long long)addr);
    }
    return EFI_SUCCESS;
}
