/* Kernel loading: headers only first (validate before allocating), then segments straight to their pages. */
#include "uefi/boot.h"
#include "core/decide.h"
#include "ember/limine.h"
#include "core/fmt.h"
#include "core/mbheader.h"
#include "proto/proto.h"
#include "uefi/log.h"
#include "core/memmap.h"

/* Opens the kernel, reads and validates its ELF header and program header table only (never the
 * whole file) and plans it. Logs the "Kernel ELF information" lines on success. The kernel
 * stays open: later stages read its segments (and the pin the bytes it did not load). */
EFI_STATUS stage_read_kernel_headers(struct boot *b)
{
    struct decide_diag diag;
    EFI_STATUS status = volume_file_open(b, b->config.kernel, false, &b->kernel.file);
    struct pipe_reader rd = boot_kernel_reader(b);
    uint64_t seed = 0;

    struct pipe_sink sink = boot_sink(b);
    uint8_t *window = NULL;
    struct pipe_multiboot mb;
    bool go_on;

    if (!EFI_ERROR(status))
        status = mem_alloc_pool(MB2_SEARCH_BYTES, (void **)&window);
    if (EFI_ERROR(status))
        return status;
    go_on = pipe_check_multiboot(&b->config, &rd, window, &sink, &mb, &diag);
    mem_free_pool(window);
    if (!go_on)
        return log_refusal(b, &diag);
    status = proto_take_kernel(b, &mb);
    if (EFI_ERROR(status) || mb.version != 0) /* a Multiboot kernel: its protocol's stages load it */
        return status;
    if (b->config.kaslr)
        seed = efi_random64("kaslr");
    if (!pipe_read_headers(&b->config, seed, &rd, &b->kernel.headers, &b->kernel.plan, &diag))
        return log_refusal(b, &diag);
    log_info("Kernel ELF information:");
    log_info("  Entry Point         : 0x%llx", (unsigned long long)b->kernel.plan.entry);
    log_info("  Is 64-bit           : %d", 1);
    log_info("  # of Program Headers: %u", (unsigned)b->kernel.plan.phnum);
    log_info("  # of Section Headers: %u", (unsigned)b->kernel.plan.shnum);
    if (b->kernel.plan.is_dyn)
        log_info("relocatable kernel (ET_DYN): slid by 0x%llx to 0x%llx%s", (unsigned long long)b->kernel.plan.slide,
                 (unsigned long long)b->kernel.plan.vaddr_min,
                 b->kernel.plan.slide_positions > 1 ? " (kaslr: a random one of the positions in the top 2 GiB)" : "");
    b->tsc.headers = arch_timestamp();
    return EFI_SUCCESS;
}

static void zero_bytes(uint64_t addr, uint64_t len)
{
    if (len > 0)
        uefi_call_wrapper(BS->SetMem, 3, (void *)(uintptr_t)addr, (UINTN)len, 0);
}

/* test_fault corrupt-kernel-read: a device that answers a segment read differently from any
 * earlier one (the first byte of the first segment with file bytes flipped after the read). */
static void corrupt_first_segment(struct boot *b)
{
    for (unsigned k = 0; k < b->kernel.plan.count; k++) {
        const struct elf_segment *s = &b->kernel.plan.segments[k];
        uint8_t *p = pipe_image_ptr(&b->kernel.loaded, s->vaddr, 1);
        if (s->filesz == 0 || p == NULL)
            continue;
        *(volatile uint8_t *)p ^= 0xFF;
        b->config.test_faults &= ~CONFIG_FAULT_CORRUPT_KERNEL_READ;
        log_warn("test_fault corrupt-kernel-read: flipped the byte at file offset 0x%llx after reading it",
                 (unsigned long long)s->offset);
        return;
    }
}

/* Each segment's p_filesz bytes straight to its final place, every other byte of its region zeroed
 * once (pipe_load_regions), then the pin. */
EFI_STATUS stage_load_segments(struct boot *b)
{
    struct pipe_reader rd = boot_kernel_reader(b);
    struct decide_diag diag;
    EFI_STATUS status;

    b->kernel.loaded.plan = &b->kernel.plan;
    for (unsigned i = 0; i < b->kernel.plan.region_count; i++)
        b->kernel.loaded.base[i] = (uint8_t *)(uintptr_t)b->kernel.regions[i].phys.addr;
    for (unsigned k = 0; k < b->kernel.plan.count; k++) {
        const struct elf_segment *s = &b->kernel.plan.segments[k];
        log_info("segment vaddr 0x%llx paddr 0x%llx filesz 0x%llx memsz 0x%llx flags %c%c%c",
                 (unsigned long long)s->vaddr, (unsigned long long)(uintptr_t)pipe_image_ptr(&b->kernel.loaded, s->vaddr, 0),
                 (unsigned long long)s->filesz, (unsigned long long)s->memsz, s->flags & ELF_PF_R ? 'R' : '-',
                 s->flags & ELF_PF_W ? 'W' : '-', s->flags & ELF_PF_X ? 'X' : '-');
    }
    if (!pipe_load_regions(&b->kernel.loaded, &rd, &diag))
        return log_refusal(b, &diag);
    if (b->config.test_faults & CONFIG_FAULT_CORRUPT_KERNEL_READ)
        corrupt_first_segment(b);
    status = pin_check_kernel(b);
    if (EFI_ERROR(status))
        return status;
    log_info("kernel loaded: %u segment(s) in %u region(s), %llu Read calls",
             b->kernel.plan.count, b->kernel.plan.region_count, (unsigned long long)file_read_calls());
    b->tsc.kernel_read = arch_timestamp();
    return EFI_SUCCESS;
}

/* With sha256= on the module line or a Limine path's #<BLAKE2b> suffix, the bytes just read into the
 * module's pages (the ones the kernel gets) must hash to the pinned value. */
static EFI_STATUS check_module_pin(struct boot *b, unsigned index, EFI_PHYSICAL_ADDRESS addr, UINT64 size)
{
    const struct config_module *m = &b->config.modules[index];
    char what[CONFIG_PATH_MAX + 16];

    if (size > 0 && (b->config.test_faults & CONFIG_FAULT_CORRUPT_MODULE_READ)) {
        *(volatile uint8_t *)(uintptr_t)addr ^= 0xFF; /* test_fault: the device answered differently */
        log_warn("test_fault corrupt-module-read: flipped the first byte of module %u after reading it", index + 1);
    }
    fmt_format(what, sizeof what, "module %u (%s)", index + 1, m->path);
    if (m->has_blake2b) {
        struct blake2b_ctx ctx;
        uint8_t digest[BLAKE2B_DIGEST_SIZE];
        blake2b_init(&ctx);
        blake2b_update(&ctx, (const void *)(uintptr_t)addr, (size_t)size);
        blake2b_final(&ctx, digest);
        EFI_STATUS status = pin_blake2b_verdict(b, what, digest, m->blake2b);
        if (EFI_ERROR(status))
            return status;
    }
    return m->has_sha256 ? pin_check_bytes(what, (const void *)(uintptr_t)addr, size, m->sha256) : EFI_SUCCESS;
}

/* Loads each ember.cfg module page-aligned (type modules), zero-filled to its page end. */
EFI_STATUS stage_load_modules(struct boot *b)
{
    for (unsigned i = 0; i < b->config.module_count; i++) {
        const struct config_module *m = &b->config.modules[i];
        struct loaded_module *out = &b->modules[b->module_count];
        EFI_PHYSICAL_ADDRESS addr;
        struct file f;
        EFI_STATUS status = volume_file_open(b, m->path, m->optional, &f);
        if (status == EFI_NOT_FOUND && m->optional) {
            log_info("module %u (%s) not found: skipped (not required)", i + 1, m->path);
            continue;
        }
        if (EFI_ERROR(status)) {
            log_error("module %u (%s) cannot be loaded", i + 1, m->path);
            return status;
        }
        UINTN pages = (UINTN)((f.size + PAGE_SIZE_4K - 1) / PAGE_SIZE_4K);
        addr = b->proto->module_limit;
        status = mem_alloc_pages(addr != 0 ? AllocateMaxAddress : AllocateAnyPages, EMBER_UEFI_TYPE_MODULES,
                                 pages ? pages : 1, &addr);
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
        out->where = f.where;
        out->string = m->name;
        fmt_format(out->name, sizeof out->name, "%s", m->name[0] != '\0' ? m->name : m->path);
        b->module_count++;
        log_info("module %s: %llu bytes at 0x%llx", out->name, (unsigned long long)f.size, (unsigned long long)addr);
    }
    return EFI_SUCCESS;
}
