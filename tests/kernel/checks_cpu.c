/* Sample kernel checks: boot info header, CPU state at entry, page permissions, direct map. */
#include "arch/x86_64/cpu.h"
#include "kernel.h"
#include "tests/include/cpuident.h"

#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_DF (1ULL << 10)
#define CR0_WP (1ULL << 16) /* SDM Vol. 3A §2.5: supervisor writes honour read-only pages */
#define ADDR_MASK 0x000FFFFFFFFFF000ULL

/* Checks the boot-info header and the CPU state entry.S captured (stack, RFLAGS, CR0, CR3). */
void check_bootinfo_and_cpu(const struct ember_bootinfo *info)
{
    check(info->magic == EMBER_BOOTINFO_MAGIC, EXIT_FAIL_BOOTINFO, "bootinfo magic", "0x%llx",
          (unsigned long long)info->magic);
    check(info->version == EMBER_BOOTINFO_VERSION, EXIT_FAIL_BOOTINFO, "bootinfo version", "%u",
          info->version);
    check(info->size == sizeof *info, EXIT_FAIL_BOOTINFO, "bootinfo size", "%u (expected %u)",
          info->size, (unsigned)sizeof *info);
    check((entry_rsp + 8) % 16 == 0, EXIT_FAIL_CPU_STATE, "stack alignment", "RSP 0x%llx",
          (unsigned long long)entry_rsp);
    check(entry_return_address == 0, EXIT_FAIL_CPU_STATE, "zero return address", "0x%llx",
          (unsigned long long)entry_return_address);
    check(!(entry_rflags & RFLAGS_IF), EXIT_FAIL_CPU_STATE, "interrupts off", "RFLAGS 0x%llx",
          (unsigned long long)entry_rflags);
    check(!(entry_rflags & RFLAGS_DF), EXIT_FAIL_CPU_STATE, "direction flag clear", "RFLAGS 0x%llx",
          (unsigned long long)entry_rflags);
    check(entry_cr0 & CR0_WP, EXIT_FAIL_CPU_STATE, "CR0.WP is set", "CR0 0x%llx", (unsigned long long)entry_cr0);
    check((entry_cr3 & ADDR_MASK) == info->page_table_root, EXIT_FAIL_CPU_STATE, "CR3 is the reported root",
          "CR3 0x%llx, root 0x%llx", (unsigned long long)entry_cr3,
          (unsigned long long)info->page_table_root);
    uint64_t stack_lo = info->stack_base + info->hhdm_offset;
    check(entry_rsp > stack_lo && entry_rsp < stack_lo + info->stack_size, EXIT_FAIL_CPU_STATE,
          "RSP inside the reported stack", "RSP 0x%llx, stack 0x%llx + 0x%llx",
          (unsigned long long)entry_rsp, (unsigned long long)stack_lo,
          (unsigned long long)info->stack_size);
}

/* Every page of [start, end) must be mapped with exactly this writability and executability. */
static void check_range_permissions(const struct ember_bootinfo *info, const char *name, char *start,
                                    char *end, bool writable, bool executable)
{
    unsigned pages = 0, wrong = 0;
    uint64_t first_wrong = 0;

    for (uint64_t va = (uint64_t)start & ~0xFFFULL; va < (uint64_t)end; va += 4096, pages++) {
        struct kernel_leaf leaf;
        bool ok = walk_page_tables(info, va, &leaf) && leaf.writable == writable &&
                  leaf.executable == executable;
        if (!ok && wrong++ == 0)
            first_wrong = va;
    }
    check(wrong == 0 && pages > 0, EXIT_FAIL_PAGING, name, "%u pages %s%s, %u wrong (first 0x%llx)",
          pages, writable ? "RW" : "R-", executable ? "X" : "-", wrong,
          (unsigned long long)first_wrong);
}

/* Bytes at virt (identity or kernel mapping) must equal the bytes at phys in the direct map. */
static bool same_through_direct_map(const struct ember_bootinfo *info, const void *virt, uint64_t phys,
                                    uint64_t len)
{
    const uint8_t *a = virt, *b = (const uint8_t *)(phys + info->hhdm_offset);
    for (uint64_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* bootinfo.h: XD (and EFER.NXE) exactly when the CPU has NX; the direct map in 1 GiB pages when the
 * CPU has them, else 2 MiB. Names the CPU, so a report shows which model QEMU emulated. */
static void check_cpu_features(const struct ember_bootinfo *info)
{
    struct cpu_ident id;
    bool nxe = (cpu_rdmsr(MSR_EFER) & EFER_NXE) != 0;

    cpuident_read(&id);
    uint32_t want_page = id.pages_1g ? 1u << 30 : 2u << 20;
    check(info->nx_enabled == id.nx && nxe == id.nx && info->hhdm_page_size == want_page, EXIT_FAIL_PAGING,
          "boot info follows CPUID", "%s family 0x%x model 0x%x: NX %s (nx_enabled %u, EFER.NXE %u), "
          "1 GiB pages %s (direct map page 0x%x)", id.vendor, id.family, id.model, id.nx ? "yes" : "no",
          info->nx_enabled, nxe, id.pages_1g ? "yes" : "no", info->hhdm_page_size);
}

void check_paging(const struct ember_bootinfo *info)
{
    bool nx = info->nx_enabled != 0;
    struct kernel_leaf leaf;

    check_cpu_features(info);
    check_range_permissions(info, ".text is R-X", __kernel_start, __text_end, false, true);
    /* without NX nothing can be non-executable: XD is a reserved bit then */
    check_range_permissions(info, nx ? ".rodata is R--" : ".rodata is R-X", __rodata_start, __rodata_end, false, !nx);
    check_range_permissions(info, nx ? ".data/.bss is RW-" : ".data/.bss is RWX", __data_start, __kernel_end, true,
                            !nx);
    if (!nx) {
        bool any_xd = walk_page_tables(info, (uint64_t)__data_start, &leaf) && (leaf.entry >> 63);
        check(!any_xd, EXIT_FAIL_PAGING, "no XD bits without NX", "leaf 0x%llx",
              (unsigned long long)leaf.entry);
    }
    check(same_through_direct_map(info, info, (uint64_t)info, sizeof *info), EXIT_FAIL_PAGING,
          "direct map equals identity map", "bootinfo at 0x%llx", (unsigned long long)(uint64_t)info);
    bool mapped = walk_page_tables(info, (uint64_t)__data_start, &leaf);
    check(mapped && same_through_direct_map(info, __data_start, leaf.phys, 4096), EXIT_FAIL_PAGING,
          "direct map equals kernel mapping", ".data phys 0x%llx", (unsigned long long)leaf.phys);
#ifdef EXPECT_2M_DATA
    check(walk_page_tables(info, (uint64_t)__data_start, &leaf) && leaf.page_size == 2 * 1024 * 1024,
          EXIT_FAIL_PAGING, ".data mapped with 2 MiB pages", "page size 0x%llx", (unsigned long long)leaf.page_size);
#endif
    uint64_t top = info->hhdm_size - 4096;
    check(walk_page_tables(info, top + info->hhdm_offset, &leaf) && leaf.phys == top &&
              leaf.page_size == info->hhdm_page_size && !leaf.executable == nx,
          EXIT_FAIL_PAGING, "direct map covers all memory", "size 0x%llx, page size 0x%x",
          (unsigned long long)info->hhdm_size, info->hhdm_page_size);
}
