/* Sample kernel checks: where the kernel's pages sit in physical memory. bootinfo.h promises one
 * contiguous placement keeping the ELF's relative layout (phys = virt - kernel_virt_base +
 * kernel_phys_base), and for a lower-half kernel (LOWER_HALF) phys == virt. */
#include "core/fmt.h"
#include "kernel.h"

#define PAGE_SIZE 4096ULL

/* The outcome of comparing every kernel page's physical address with an expected one. */
struct placement {
    unsigned pages, gaps, misplaced;
    uint64_t first_virt, first_phys, first_want; /* the first misplaced page */
    bool first_mapped;
};

/* True when virt lies in .text, .rodata or .data/.bss as the linker script names them. Pages
 * between those (alignment gaps, manyseg's extra segments) may be unmapped. */
static bool in_named_segment(uint64_t virt)
{
    char *const ranges[][2] = { { __kernel_start, __text_end }, { __rodata_start, __rodata_end },
                                { __data_start, __kernel_end } };
    for (unsigned r = 0; r < 3; r++)
        if (virt >= ((uint64_t)ranges[r][0] & ~(PAGE_SIZE - 1)) && virt < (uint64_t)ranges[r][1])
            return true;
    return false;
}

/* Walks every page of [__kernel_start, __kernel_end) and compares its physical address with
 * virt + delta (mod 2^64). An unmapped page outside the named segments is a gap; an unmapped page
 * inside one is misplaced. */
static struct placement survey_kernel_pages(const struct ember_bootinfo *info, uint64_t delta)
{
    struct placement p = { 0 };

    for (uint64_t va = (uint64_t)__kernel_start & ~(PAGE_SIZE - 1); va < (uint64_t)__kernel_end; va += PAGE_SIZE) {
        struct kernel_leaf leaf;
        bool mapped = walk_page_tables(info, va, &leaf);
        p.pages++;
        if (!mapped && !in_named_segment(va)) {
            p.gaps++;
            continue;
        }
        if (mapped && leaf.phys == va + delta)
            continue;
        if (p.misplaced++ == 0) {
            p.first_virt = va;
            p.first_phys = mapped ? leaf.phys : 0;
            p.first_want = va + delta;
            p.first_mapped = mapped;
        }
    }
    return p;
}

/* Records one check for a survey: passes when no page is misplaced; names the first one that is. */
static void report_placement(const char *name, const struct placement *p)
{
    char first[96] = "";

    if (p->misplaced != 0 && p->first_mapped)
        fmt_format(first, sizeof first, " (first 0x%llx at 0x%llx, expected 0x%llx)",
                   (unsigned long long)p->first_virt, (unsigned long long)p->first_phys,
                   (unsigned long long)p->first_want);
    else if (p->misplaced != 0)
        fmt_format(first, sizeof first, " (first 0x%llx unmapped, expected at 0x%llx)",
                   (unsigned long long)p->first_virt, (unsigned long long)p->first_want);
    check(p->misplaced == 0 && p->pages > p->gaps, EXIT_FAIL_SEGMENTS, name, "%u pages, %u gaps, %u misplaced%s",
          p->pages, p->gaps, p->misplaced, first);
}

#ifdef MIXED_STUB
#define STUB_MAGIC 0x4255545344455849ULL /* kernel-mixed.ld's QUAD in the stub page */

/* A kernel in both halves: the higher-half part in kernel_virt_* (from this kernel's first
 * higher-half page, less than 1 GiB long), the one-page stub in kernel_lower_* at phys == virt with
 * its bytes loaded. */
static void check_mixed_parts(const struct ember_bootinfo *info)
{
    struct kernel_leaf leaf;
    bool mapped = walk_page_tables(info, MIXED_STUB, &leaf);
    bool v3 = info->version >= 3 && info->size >= offsetof(struct ember_bootinfo, kernel_lower_size) + 8;

    check(info->kernel_virt_base == ((uint64_t)__kernel_start & ~(PAGE_SIZE - 1)) &&
              info->kernel_virt_size == (uint64_t)__kernel_end - info->kernel_virt_base,
          EXIT_FAIL_SEGMENTS, "kernel_virt_* is the higher-half part", "base 0x%llx, size 0x%llx",
          (unsigned long long)info->kernel_virt_base, (unsigned long long)info->kernel_virt_size);
    check(v3 && info->kernel_lower_virt_base == MIXED_STUB && info->kernel_lower_size == PAGE_SIZE,
          EXIT_FAIL_SEGMENTS, "kernel_lower_* is the lower-half stub", "version %u, base 0x%llx, size 0x%llx",
          info->version, v3 ? (unsigned long long)info->kernel_lower_virt_base : 0ULL,
          v3 ? (unsigned long long)info->kernel_lower_size : 0ULL);
    check(mapped && leaf.phys == MIXED_STUB && *(volatile const uint64_t *)MIXED_STUB == STUB_MAGIC,
          EXIT_FAIL_SEGMENTS, "lower-half stub at phys == virt, loaded", "mapped %d at 0x%llx", mapped,
          mapped ? (unsigned long long)leaf.phys : 0ULL);
}
#endif

/* Checks the physical placement of every kernel page against bootinfo.h's promises. */
void check_kernel_placement(const struct ember_bootinfo *info)
{
#ifdef MIXED_STUB
    check_mixed_parts(info);
#endif
    struct placement p = survey_kernel_pages(info, info->kernel_phys_base - info->kernel_virt_base);
    report_placement("kernel keeps its ELF layout in physical memory", &p);
#ifdef LOWER_HALF
    p = survey_kernel_pages(info, 0);
    report_placement("lower-half kernel at paddr == vaddr", &p);
#endif
}
