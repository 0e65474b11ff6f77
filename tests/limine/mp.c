/* Probe kernels "mp", "mp-x2apic" (X2APIC_FLAG), "mp-r0" (MP_REVISION=0: the identity map stays) and
 * "mp-r5" (MP_REVISION=5: every CPU's local APIC initialised): base revision MP_REVISION (3 unless
 * given) with the MP request (flags bit 0 in mp-x2apic). Checks the response against the spec -
 * revision, flags against the BSP's own APIC mode, bsp_lapic_id, the CPU list in
 * bootloader-reclaimable memory with NULL goto addresses - then releases every AP and holds each to
 * "the same state as the BSP at entry", RDI = its own info, its own stack of the requested size. The
 * command line's "smp_expect=N" is the cpu_count to expect. With CHECK_AP_LAPIC (on from base
 * revision 5) each AP also reads its own local APIC registers into its slot, printing nothing, and
 * the BSP judges them and its own by base revision 5's rules (checks_lapic.c). */
#include "core/fmt.h"
#include "cpu.h"
#include "lapic_regs.h"
#include "probe.h"
#include "requests.h"
#include "tests/include/aptest.h"

#ifndef MP_REVISION
#define MP_REVISION 3
#endif
#ifndef CHECK_AP_LAPIC
#define CHECK_AP_LAPIC (MP_REVISION >= 5)
#endif
#define MP_STACK_SIZE (128 * 1024) /* above the 64 KiB default: the APs must get the requested size */
#define MAX_CPUS 64
#define MSR_APIC_BASE 0x1Bu
#define APIC_BASE_X2APIC (1ULL << 10) /* EXTD (SDM Vol. 3A 11.12.1) */
#define EXTRA_ARGUMENT_BASE 0x11AE000000000000ULL
#ifdef X2APIC_FLAG
#define KERNEL_NAME "mp-x2apic"
#define MP_FLAGS LP_MP_REQUEST_X2APIC
#elif MP_REVISION == 0
#define KERNEL_NAME "mp-r0"
#define MP_FLAGS 0
#elif MP_REVISION == 5
#define KERNEL_NAME "mp-r5"
#define MP_FLAGS 0
#else
#define KERNEL_NAME "mp"
#define MP_FLAGS 0
#endif

REQUEST_MARKERS;
REQUEST uint64_t base_revision[3] = LP_BASE_REVISION(MP_REVISION);
REQUEST struct lp_hhdm_request hhdm_req = { .id = LP_ID_HHDM };
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP };
REQUEST struct lp_stack_size_request stack_size_req = { .id = LP_ID_STACK_SIZE, .stack_size = MP_STACK_SIZE };
REQUEST struct lp_executable_cmdline_request cmdline_req = { .id = LP_ID_EXECUTABLE_CMDLINE };
REQUEST struct lp_mp_request mp_req = { .id = LP_ID_MP, .flags = MP_FLAGS };
#if CHECK_AP_LAPIC
REQUEST struct lp_rsdp_request rsdp_req = { .id = LP_ID_RSDP }; /* the MADT's LINT NMI entries */
#define RSDP_RESPONSE (rsdp_req.response)
#else
#define RSDP_RESPONSE NULL /* the other variants keep their requests as they were */
#endif

/* One AP's local APIC as it read it; done is set (release) after regs is written. */
struct ap_lapic_slot {
    struct lapic_regs regs;
    volatile uint32_t done;
};

static struct lp_mp_response *mp;
static struct ap_expect expects[MAX_CPUS];
static struct ap_report reports[MAX_CPUS];
static volatile uint32_t aps_in, aps_stray;
static struct ap_lapic_slot ap_lapics[MAX_CPUS];
static volatile uint32_t *ap_lapic_mmio; /* set by the BSP before any AP is released */
static uint64_t ap_lapic_mmio_phys;

/* Where a released AP lands (ap_entry.S): finds its info from RDI, checks and reports. */
void ap_main(uint64_t rdi, const struct ap_frame *f)
{
    ap_load_bsp_idt();
    for (uint64_t i = 0; i < mp->cpu_count && i < MAX_CPUS; i++) {
        if ((uint64_t)mp->cpus[i] != rdi)
            continue;
        ap_evaluate(f, &expects[i], ((volatile struct lp_mp_info *)rdi)->extra_argument, &reports[i]);
        if (CHECK_AP_LAPIC) {
            lapic_read_regs(ap_lapic_mmio, ap_lapic_mmio_phys, &ap_lapics[i].regs);
            __atomic_store_n(&ap_lapics[i].done, 1, __ATOMIC_RELEASE);
        }
        ap_count_in_and_halt(&aps_in);
    }
    ap_count_in_and_halt(&aps_stray);
}

/* The response and its CPU list before anything is released. Returns the number of APs listed. */
static unsigned check_mp_response(bool x2apic, uint64_t expect)
{
    unsigned bsps = 0, bad_ptrs = 0, dup_ids = 0, dirty = 0, n = (unsigned)mp->cpu_count;
    uint32_t own = ap_own_apic_id(x2apic);

    check(mp->flags == (x2apic ? LP_MP_RESPONSE_X2APIC : 0) && (MP_FLAGS || !x2apic), EXIT_FAIL_CPU,
          "MP flags: x2APIC as IA32_APIC_BASE says, only when asked", "flags 0x%x, EXTD %u, asked %u", mp->flags,
          x2apic, (unsigned)MP_FLAGS);
    check(mp->bsp_lapic_id == own, EXIT_FAIL_CPU, "MP bsp_lapic_id is this CPU", "%u, own %u", mp->bsp_lapic_id,
          own);
    check(mp->cpu_count == expect && n <= MAX_CPUS, EXIT_FAIL_CPU, "MP cpu_count", "%llu, expected %llu",
          (unsigned long long)mp->cpu_count, (unsigned long long)expect);
    if (n > MAX_CPUS || !in_reclaimable(mp->cpus, n * sizeof mp->cpus[0])) {
        check(false, EXIT_FAIL_PAGING, "MP cpus array in bootloader-reclaimable memory", "at %p", (void *)mp->cpus);
        return 0;
    }
    for (unsigned i = 0; i < n; i++) {
        const struct lp_mp_info *c = mp->cpus[i];
        if (!hhdm_pointer(c) || !in_reclaimable(c, sizeof *c)) {
            bad_ptrs++;
            continue;
        }
        bsps += c->lapic_id == mp->bsp_lapic_id;
        dirty += c->goto_address != 0;
        for (unsigned j = 0; j < i; j++)
            dup_ids += hhdm_pointer(mp->cpus[j]) && mp->cpus[j]->lapic_id == c->lapic_id;
    }
    check(bad_ptrs == 0, EXIT_FAIL_PAGING, "MP info pointers: HHDM, bootloader-reclaimable", "%u of %u bad",
          bad_ptrs, n);
    check(bsps == 1 && dup_ids == 0 && dirty == 0, EXIT_FAIL_CPU, "MP list: the BSP once, distinct IDs, NULL gotos",
          "%u BSP entries, %u duplicate IDs, %u non-NULL goto addresses", bsps, dup_ids, dirty);
    return bad_ptrs == 0 ? n - bsps : 0;
}

/* Each AP's stack, from the RSP it arrived with: the requested size, mapped writable, reclaimable,
 * and not shared with the BSP or another AP. */
static void check_ap_stack(unsigned i)
{
    uint64_t top = reports[i].rsp + 8, bad = 0, unmapped = 0, shared = 0;

    for (uint64_t va = top - MP_STACK_SIZE; va < top; va += PAGE_SIZE) {
        struct leaf leaf;
        unmapped += !page_walk(va, &leaf) || !leaf.writable;
    }
    for (unsigned j = 0; j < mp->cpu_count; j++)
        shared += j != i && reports[j].arrived && reports[j].rsp + 8 > top - MP_STACK_SIZE && reports[j].rsp < top;
    shared += entry_state.rsp + 8 > top - MP_STACK_SIZE && entry_state.rsp < top;
    bool typed = virt_range_typed((const void *)(top - MP_STACK_SIZE), MP_STACK_SIZE, LP_MEM_BOOTLOADER_RECLAIMABLE,
                                  &bad);
    check(unmapped == 0 && typed && shared == 0, EXIT_FAIL_CPU, "AP stack", "lapic %u: top 0x%llx, %u KiB: %llu pages "
          "not RW, %s, %llu shared", mp->cpus[i]->lapic_id, (unsigned long long)top, MP_STACK_SIZE / 1024,
          (unsigned long long)unmapped, typed ? "reclaimable" : "NOT reclaimable", (unsigned long long)shared);
}

/* Releases every AP, waits (bounded) for all of them, reports each one's state and stack. */
static void release_and_check_aps(bool x2apic, unsigned aps)
{
    struct ap_expect bsp;
    const struct entry_state *e = &entry_state;

    ap_expect_bsp(&bsp, x2apic);
    bsp.cr0 = e->cr0, bsp.cr3 = e->cr3, bsp.cr4 = e->cr4; /* "the same state as the BSP at entry" */
    bsp.cs = e->cs, bsp.ds = e->ds, bsp.es = e->es, bsp.ss = e->ss, bsp.fs = e->fs, bsp.gs = e->gs;
    for (unsigned i = 0; i < mp->cpu_count; i++) {
        struct lp_mp_info *c = mp->cpus[i];
        if (c->lapic_id == mp->bsp_lapic_id)
            continue;
        expects[i] = bsp;
        expects[i].rdi = (uint64_t)c;
        expects[i].rsp = AP_ANY_RSP;
        expects[i].apic_id = c->lapic_id;
        expects[i].extra_argument = EXTRA_ARGUMENT_BASE + i;
        ap_release(&c->goto_address, &c->extra_argument, expects[i].extra_argument);
    }
    bool all = ap_wait_count(&aps_in, aps);
    check(all && aps_stray == 0, EXIT_FAIL_CPU, "every AP ran the kernel's code", "%u of %u checked in, %u stray",
          aps_in, aps, aps_stray);
    for (unsigned i = 0; i < mp->cpu_count; i++) {
        if (mp->cpus[i]->lapic_id == mp->bsp_lapic_id)
            continue;
        bool arrived = __atomic_load_n(&reports[i].arrived, __ATOMIC_ACQUIRE) != 0;
        check(arrived && reports[i].failures == 0, EXIT_FAIL_CPU, "AP state at release", "lapic %u: %s",
              mp->cpus[i]->lapic_id, arrived ? reports[i].first : "never arrived");
        if (arrived)
            check_ap_stack(i);
    }
}

/* Each released AP's local APIC, from the registers it read itself, by the rules the BSP's are held
 * to; the check names start "AP <lapic id> ". */
static void check_ap_lapics(const struct lp_rsdp_response *rsdp)
{
    char who[16];

    for (unsigned i = 0; i < mp->cpu_count && i < MAX_CPUS; i++) {
        if (mp->cpus[i]->lapic_id == mp->bsp_lapic_id)
            continue;
        fmt_format(who, sizeof who, "AP %u ", mp->cpus[i]->lapic_id);
        if (!__atomic_load_n(&ap_lapics[i].done, __ATOMIC_ACQUIRE)) {
            check(false, EXIT_FAIL_CPU, "AP local APIC read", "lapic %u: never reported its registers",
                  mp->cpus[i]->lapic_id);
            continue;
        }
        judge_local_apic(who, &ap_lapics[i].regs, rsdp);
    }
}

__attribute__((noreturn)) void probe_main(void);

/* The ELF entry point. */
void probe_main(void)
{
    char value[16];

    probe_start(KERNEL_NAME, base_revision, MP_REVISION, hhdm_req.response, memmap_req.response);
    boot.requested_stack = MP_STACK_SIZE;
    check_base_revision(base_revision, true);
    check_entry_registers(true);
    check_entry_cpu();
    const struct lp_executable_cmdline_response *c = cmdline_req.response;
    const char *want = c && c->cmdline ? word_value(c->cmdline, "smp_expect", value, sizeof value) : NULL;
    if (!boot.have_hhdm || want == NULL) {
        check(false, EXIT_FAIL_RESPONSE, "HHDM response and smp_expect= in the cmdline", "HHDM %s, cmdline %s",
              boot.have_hhdm ? "present" : "NULL", c && c->cmdline ? c->cmdline : "(none)");
        probe_finish();
    }
    check_stack();
    mp = mp_req.response;
    if (check_response(mp, "MP", LP_RESPONSE_REVISION_MAX)) {
        bool x2apic = (cpu_rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC) != 0;
        unsigned aps = check_mp_response(x2apic, parse_dec(want));
        if (CHECK_AP_LAPIC) {
            check_local_apic(RSDP_RESPONSE);
            ap_lapic_mmio = lapic_mmio_map(&ap_lapic_mmio_phys); /* the APs must not change the page tables */
        }
        release_and_check_aps(x2apic, aps);
        if (CHECK_AP_LAPIC)
            check_ap_lapics(RSDP_RESPONSE);
    }
    probe_finish();
}
