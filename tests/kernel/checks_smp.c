/* Sample kernel checks: the CPU list of bootinfo version 2 and every parked AP's state at release
 * (include/ember/bootinfo.h, APPLICATION PROCESSORS). The cmdline says what to expect:
 * "smp_expect=N" CPUs listed (the BSP included), "smp_missing=M" of them reported missing; without
 * smp_expect the list must be empty (smp=no, the default); "smp_reuse_tables=1" adds checks_reuse.c. */
#include "arch/x86_64/cpu.h"
#include "kernel.h"
#include "tests/include/aptest.h"

#define MAX_CPUS 64
#define MSR_APIC_BASE 0x1Bu
#define APIC_BASE_X2APIC (1ULL << 10) /* EXTD: x2APIC mode (SDM Vol. 3A 11.12.1) */
#define EXTRA_ARGUMENT_BASE 0xE4B0000000000000ULL
#define NO_EXPECTATION UINT64_MAX

static const struct ember_bootinfo *smp_info;
static struct ap_expect expects[MAX_CPUS];
static struct ap_report reports[MAX_CPUS];
static volatile uint32_t aps_in, aps_stray;
static volatile uint64_t stray_rdi;

/* Where a released AP lands (from ap_entry.S): finds its entry from RDI, checks and reports. */
void ap_main(uint64_t rdi, const struct ap_frame *f)
{
    ap_load_bsp_idt();
    uint64_t base = smp_info->cpus, off = rdi - base, i = off / sizeof(struct ember_cpu);
    if (rdi < base || off % sizeof(struct ember_cpu) != 0 || i >= smp_info->cpu_count || i >= MAX_CPUS) {
        stray_rdi = rdi;
        ap_count_in_and_halt(&aps_stray);
    }
    const volatile struct ember_cpu *c = (const volatile struct ember_cpu *)rdi;
    ap_evaluate(f, &expects[i], c->extra_argument, &reports[i]);
    if (reuse_cr3 != 0)
        ap_run_on_own_tables(&aps_in);
    ap_count_in_and_halt(&aps_in);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* The list as it arrives: one BSP (this CPU), distinct APIC IDs, the expected missing count, AP
 * stacks of the kernel's size in reclaimable memory, disjoint from each other and the BSP's. */
static unsigned check_cpu_list(const struct ember_bootinfo *info, uint64_t missing_expected, bool x2apic)
{
    const struct ember_cpu *cpus = (const struct ember_cpu *)info->cpus;
    unsigned bsps = 0, parked = 0, missing = 0, dup_ids = 0, bad_stacks = 0, dirty = 0, n = info->cpu_count;
    uint32_t own = ap_own_apic_id(x2apic), bsp_id = UINT32_MAX;

    for (unsigned i = 0; i < n; i++) {
        const struct ember_cpu *c = &cpus[i];
        bsps += c->state == EMBER_CPU_BSP;
        parked += c->state == EMBER_CPU_PARKED;
        missing += c->state == EMBER_CPU_MISSING;
        bsp_id = c->state == EMBER_CPU_BSP ? c->apic_id : bsp_id;
        dirty += c->goto_address != 0 || c->extra_argument != 0 || c->reserved != 0;
        for (unsigned j = 0; j < i; j++) {
            dup_ids += cpus[j].apic_id == c->apic_id;
            bad_stacks += overlaps(c->stack_base, c->stack_size, cpus[j].stack_base, cpus[j].stack_size);
        }
        if (c->state == EMBER_CPU_BSP)
            bad_stacks += c->stack_base != info->stack_base || c->stack_size != info->stack_size;
        else
            bad_stacks += c->stack_size != info->stack_size || (c->stack_base & 0xFFF) != 0 ||
                          memmap_type_at(info, c->stack_base) != EMBER_MEM_BOOTLOADER_RECLAIMABLE ||
                          memmap_type_at(info, c->stack_base + c->stack_size - 1) != EMBER_MEM_BOOTLOADER_RECLAIMABLE;
    }
    check(bsps == 1 && bsp_id == own && info->bsp_apic_id == own, EXIT_FAIL_SMP, "one BSP entry, this CPU",
          "%u BSP entries, entry APIC ID %u, bsp_apic_id %u, own %u", bsps, bsp_id, info->bsp_apic_id, own);
    check(bsps + parked + missing == n && missing == missing_expected && info->cpus_parked == parked,
          EXIT_FAIL_SMP, "CPU states", "%u parked (cpus_parked %u), %u missing (expected %llu), of %u", parked,
          info->cpus_parked, missing, (unsigned long long)missing_expected, n);
    check(dup_ids == 0 && dirty == 0, EXIT_FAIL_SMP, "APIC IDs distinct, goto and extra argument zero",
          "%u duplicates, %u entries not zeroed", dup_ids, dirty);
    check(bad_stacks == 0, EXIT_FAIL_SMP, "per-CPU stacks", "%u wrong (size, alignment, memory type or overlap)",
          bad_stacks);
    check(memmap_type_at(info, info->cpus) == EMBER_MEM_BOOTLOADER_RECLAIMABLE, EXIT_FAIL_SMP,
          "CPU list in reclaimable memory", "at 0x%llx", (unsigned long long)info->cpus);
    return parked;
}

/* Releases every parked AP with its own expectations, waits (bounded) for all of them, and reports
 * each one's state. Missing APs are never released (the contract forbids it). */
static void release_and_check_aps(const struct ember_bootinfo *info, unsigned parked, bool x2apic)
{
    struct ember_cpu *cpus = (struct ember_cpu *)info->cpus;
    struct ap_expect bsp;

    ap_expect_bsp(&bsp, x2apic);
    bsp.cr0 = entry_cr0; /* the contract is the BSP's state at entry */
    bsp.cr3 = entry_cr3;
    smp_info = info;
    for (unsigned i = 0; i < info->cpu_count && i < MAX_CPUS; i++) {
        struct ember_cpu *c = &cpus[i];
        if (c->state != EMBER_CPU_PARKED)
            continue;
        expects[i] = bsp;
        expects[i].rdi = (uint64_t)c;
        expects[i].rsp = info->hhdm_offset + c->stack_base + c->stack_size - 8;
        expects[i].apic_id = c->apic_id;
        expects[i].extra_argument = EXTRA_ARGUMENT_BASE + i;
        ap_release(&c->goto_address, &c->extra_argument, expects[i].extra_argument);
    }
    bool all = ap_wait_count(&aps_in, parked);
    check(all && aps_stray == 0, EXIT_FAIL_SMP, "every parked AP ran the kernel's code",
          "%u of %u checked in, %u with a wrong RDI (last 0x%llx)", aps_in, parked, aps_stray,
          (unsigned long long)stray_rdi);
    for (unsigned i = 0; i < info->cpu_count && i < MAX_CPUS; i++) {
        if (cpus[i].state != EMBER_CPU_PARKED)
            continue;
        bool arrived = __atomic_load_n(&reports[i].arrived, __ATOMIC_ACQUIRE) != 0;
        check(arrived && reports[i].failures == 0, EXIT_FAIL_SMP, "AP state at release", "apic_id %u: %s",
              cpus[i].apic_id, arrived ? reports[i].first : "never arrived");
    }
}

void check_smp(const struct ember_bootinfo *info)
{
    uint64_t expect = cmdline_number(info, "smp_expect=", NO_EXPECTATION);
    uint64_t missing = cmdline_number(info, "smp_missing=", 0);

    if (expect == NO_EXPECTATION) {
        check(info->cpus == 0 && info->cpu_count == 0 && info->cpus_parked == 0 && info->bsp_apic_id == 0 &&
                  info->x2apic_enabled == 0, EXIT_FAIL_SMP, "no CPU list without smp=yes",
              "cpus 0x%llx, count %u, parked %u", (unsigned long long)info->cpus, info->cpu_count,
              info->cpus_parked);
        return;
    }
    bool x2apic = (cpu_rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC) != 0;
    check(info->cpu_count == expect && info->cpus != 0 && expect <= MAX_CPUS, EXIT_FAIL_SMP, "CPU count",
          "%u listed, expected %llu", info->cpu_count, (unsigned long long)expect);
    check(info->x2apic_enabled == (x2apic ? 1u : 0u), EXIT_FAIL_SMP, "x2apic_enabled matches IA32_APIC_BASE",
          "x2apic_enabled %u, EXTD %u", info->x2apic_enabled, x2apic);
    if (info->cpu_count != expect || info->cpus == 0 || expect > MAX_CPUS)
        return;
    unsigned parked = check_cpu_list(info, missing, x2apic);
    bool reuse = cmdline_number(info, "smp_reuse_tables=", 0) != 0;
    if (reuse)
        reuse_prepare(info); /* the kernel's own CR3 before any AP is released */
    release_and_check_aps(info, parked, x2apic);
    if (reuse && reuse_cr3 != 0)
        reuse_tables_and_check(parked);
}
