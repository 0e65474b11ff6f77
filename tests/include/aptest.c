/* Test kernels' application-processor checks (see aptest.h). Freestanding: its own few instructions. */
#include "aptest.h"
#include "core/fmt.h"

#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_DF (1ULL << 10)
#define MSR_EFER 0xC0000080u
#define MSR_PAT 0x277u
#define MSR_X2APIC_ID 0x802u
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_SECONDS 0x00
#define WAIT_SECOND_TICKS 3 /* three changes of the seconds register: at least 2 s */

struct __attribute__((packed)) ap_idtr {
    uint16_t limit;
    uint64_t base;
};

static struct ap_idtr bsp_idtr;

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static uint16_t read_sel(int which)
{
    uint16_t v = 0;
    switch (which) {
    case 0: __asm__ volatile("mov %%cs, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%ss, %0" : "=r"(v)); break;
    case 4: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
    default: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
    }
    return v;
}

void ap_expect_bsp(struct ap_expect *e, bool x2apic)
{
    struct ap_gdtr g;
    uint64_t cr0, cr3, cr4;

    __asm__ volatile("sgdt %0" : "=m"(g));
    __asm__ volatile("sidt %0" : "=m"(bsp_idtr));
    __asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2" : "=r"(cr0), "=r"(cr3), "=r"(cr4));
    *e = (struct ap_expect){
        .cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = rdmsr(MSR_EFER), .pat = rdmsr(MSR_PAT),
        .gdt_base = g.base, .gdt_limit = g.limit, .cs = read_sel(0), .ds = read_sel(1), .es = read_sel(2),
        .ss = read_sel(3), .fs = read_sel(4), .gs = read_sel(5), .x2apic = x2apic,
    };
}

void ap_load_bsp_idt(void)
{
    __asm__ volatile("lidt %0" : : "m"(bsp_idtr) : "memory");
}

uint32_t ap_own_apic_id(bool x2apic)
{
    uint32_t a, b, c, d;

    if (x2apic)
        return (uint32_t)rdmsr(MSR_X2APIC_ID);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return b >> 24;
}

/* One rule: its name and the value the AP had against the one it should have had. */
struct ap_rule {
    const char *name;
    uint64_t got, want;
};

void ap_evaluate(const struct ap_frame *f, const struct ap_expect *e, uint64_t extra_seen, struct ap_report *r)
{
    uint64_t nonzero = 0;
    const uint64_t others[] = { f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rbp, f->r8, f->r9,
                                f->r10, f->r11, f->r12, f->r13, f->r14, f->r15 };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        nonzero += others[i] != 0;
    const struct ap_rule rules[] = {
        { "RDI = its own entry", f->rdi, e->rdi },
        { "RSP = top of its own stack - 8", f->rsp, e->rsp == AP_ANY_RSP ? f->rsp : e->rsp },
        { "zero return address at RSP", *(const uint64_t *)f->rsp, 0 },
        { "RSP + 8 16-byte aligned", (f->rsp + 8) % 16, 0 },
        { "IF and DF clear (RFLAGS)", f->rflags & (RFLAGS_IF | RFLAGS_DF), 0 },
        { "other general registers zero (count non-zero)", nonzero, 0 },
        { "CR0 as the BSP", f->cr0, e->cr0 },
        { "CR3 as the BSP", f->cr3, e->cr3 },
        { "CR4 as the BSP", f->cr4, e->cr4 },
        { "EFER as the BSP", f->efer, e->efer },
        { "PAT as the BSP", f->pat, e->pat },
        { "GDTR base as the BSP", f->gdtr.base, e->gdt_base },
        { "GDTR limit as the BSP", f->gdtr.limit, e->gdt_limit },
        { "CS as the BSP", f->cs, e->cs },
        { "DS as the BSP", f->ds, e->ds },
        { "ES as the BSP", f->es, e->es },
        { "SS as the BSP", f->ss, e->ss },
        { "FS as the BSP", f->fs, e->fs },
        { "GS as the BSP", f->gs, e->gs },
        { "APIC ID of its entry", ap_own_apic_id(e->x2apic), e->apic_id },
        { "extra argument as stored before release", extra_seen, e->extra_argument },
    };
    r->rsp = f->rsp;
    r->failures = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (rules[i].got == rules[i].want)
            continue;
        if (r->failures++ == 0)
            fmt_format(r->first, sizeof r->first, "%s: 0x%llx, expected 0x%llx", rules[i].name,
                       (unsigned long long)rules[i].got, (unsigned long long)rules[i].want);
    }
    if (r->failures == 0)
        fmt_format(r->first, sizeof r->first, "%u rules hold", (unsigned)(sizeof rules / sizeof rules[0]));
    __atomic_store_n(&r->arrived, 1, __ATOMIC_RELEASE);
}

void ap_release(volatile uint64_t *goto_address, volatile uint64_t *extra, uint64_t extra_argument)
{
    *extra = extra_argument;
    __atomic_store_n(goto_address, (uint64_t)(uintptr_t)ap_entry, __ATOMIC_RELEASE);
}

static uint8_t cmos_seconds(void)
{
    uint8_t v;
    __asm__ volatile("outb %0, %1" : : "a"((uint8_t)CMOS_SECONDS), "Nd"((uint16_t)CMOS_INDEX));
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)CMOS_DATA));
    return v;
}

bool ap_wait_count(volatile uint32_t *count, uint32_t want)
{
    uint8_t last = cmos_seconds();
    unsigned ticks = 0;

    while (__atomic_load_n(count, __ATOMIC_ACQUIRE) < want) {
        uint8_t now = cmos_seconds();
        if (now != last && ++ticks >= WAIT_SECOND_TICKS)
            return false;
        last = now;
        __asm__ volatile("pause");
    }
    return true;
}

void ap_count_in_and_halt(volatile uint32_t *count)
{
    __atomic_fetch_add(count, 1, __ATOMIC_ACQ_REL);
    for (;;)
        __asm__ volatile("cli; hlt");
}
