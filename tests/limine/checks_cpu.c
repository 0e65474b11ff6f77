/* Probe checks: the base-revision tag the loader wrote back, and "Machine State at Entry" for
 * x86-64 (registers, flags, control registers, EFER, PAT, selectors, GDT, stack). */
#include "cpu.h"
#include "probe.h"

#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_DF (1ULL << 10)
#define RFLAGS_VM (1ULL << 17)
#define CR0_PE (1ULL << 0)
#define CR0_ET (1ULL << 4)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)
#define RFLAGS_REV5 0x2ULL /* "RFLAGS is set to 0x00000002": only the always-one bit 1 */
#define CODE64_SELECTOR 0x28
#define SELECTOR_INDEX_MASK 0xFFF8u
#define SELECTOR_TI 0x4u    /* table indicator: 1 = LDT */
#define TSS64_AVAILABLE 0x9u /* system descriptor types (SDM Vol. 3A Table 3-2) */
#define TSS64_BUSY 0xBu
#define SYSTEM_DESC_SIZE 16 /* 64-bit TSS descriptors take two GDT slots */
#define DATA64_SELECTOR 0x30
#define STACK_ALIGN 16
#define DEFAULT_STACK (64 * 1024)
#define PLAUSIBLE_REVISION_MAX 100 /* a word 1 above this is not a revision number */ /* "at least 64KiB" without a stack size request */

/* "PAT0 -> WB, PAT1 -> WT, PAT2 -> UC-, PAT3 -> UC, PAT4 -> WP, PAT5 -> WC, PAT6/7 unspecified":
 * SDM memory-type encodings WB 6, WT 4, UC- 7, UC 0, WP 5, WC 1 in bytes 0-5. */
#define PAT_SPECIFIED 0x0000010500070406ULL
#define PAT_SPECIFIED_MASK 0x0000FFFFFFFFFFFFULL

static const char *const gpr_names[ENTRY_GPR_COUNT] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
                                                         "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

/* The tag after the loader ran: word 0 untouched; a supported revision has word 2 cleared and the
 * used revision in word 1 (mandatory for loaders that know revision 3); an unsupported (newer) one
 * keeps word 2 and must have been loaded with revision 3 or later. Sets boot.revision. */
void check_base_revision(volatile uint64_t *tag, bool expect_supported)
{
    uint64_t loaded = tag[LP_TAG_LOADED], requested = tag[LP_TAG_REQUESTED];
    bool known = loaded != LP_TAG_MAGIC1;

    check(tag[0] == LP_TAG_MAGIC0, EXIT_FAIL_REVISION, "base revision tag word 0 untouched", "0x%llx",
          (unsigned long long)tag[0]);
    if (expect_supported) {
        check(requested == 0, EXIT_FAIL_REVISION, "base revision supported (word 2 cleared)",
              "requested %llu, word 2 now %llu", (unsigned long long)boot.requested_revision,
              (unsigned long long)requested);
        check(known && loaded == boot.requested_revision, EXIT_FAIL_REVISION, "loaded revision written to word 1",
              "word 1 0x%llx", (unsigned long long)loaded);
    } else {
        check(requested == boot.requested_revision, EXIT_FAIL_REVISION, "unsupported revision left in word 2",
              "requested %llu, word 2 now %llu", (unsigned long long)boot.requested_revision,
              (unsigned long long)requested);
        check(known && loaded >= 3, EXIT_FAIL_REVISION, "loaded with base revision >= 3, written to word 1",
              "word 1 0x%llx", (unsigned long long)loaded);
    }
    boot.revision = known && loaded < PLAUSIBLE_REVISION_MAX ? (unsigned)loaded : (unsigned)boot.requested_revision;
    note("holding the loader to base revision %u", boot.revision);
}

/* "All other general purpose registers (rax-r15) are set to 0", RSP+8 16-byte aligned (the SysV
 * state at a function's first instruction) with "an invalid return address of 0" at RSP. */
void check_entry_registers(bool expect_zero_regs)
{
    unsigned nonzero = 0;
    char list[96] = "";
    uint64_t n = 0;

    for (unsigned i = 0; i < ENTRY_GPR_COUNT; i++) {
        if (entry_state.gpr[i] == 0)
            continue;
        nonzero++;
        for (const char *s = gpr_names[i]; *s != '\0' && n + 2 < sizeof list; s++)
            list[n++] = *s;
        list[n++] = ' ';
        list[n] = '\0';
    }
    if (expect_zero_regs)
        check(nonzero == 0, EXIT_FAIL_CPU, "general registers zero at entry", "%u non-zero: %s", nonzero,
              nonzero ? list : "none");
    check(entry_state.return_address == 0, EXIT_FAIL_CPU, "zero return address", "[RSP] 0x%llx",
          (unsigned long long)entry_state.return_address);
    check((entry_state.rsp + 8) % STACK_ALIGN == 0, EXIT_FAIL_CPU, "RSP + 8 16-byte aligned", "RSP 0x%llx",
          (unsigned long long)entry_state.rsp);
}

/* RFLAGS, CR0, CR4, EFER, the PAT, the selectors and the FS/GS bases as the spec sets them. */
void check_entry_cpu(void)
{
    uint64_t f = entry_state.rflags, cr0 = entry_state.cr0, cr4 = entry_state.cr4, efer = cpu_rdmsr(MSR_EFER);

    check(!(f & (RFLAGS_IF | RFLAGS_DF | RFLAGS_VM)), EXIT_FAIL_CPU, "IF, DF, VM clear", "RFLAGS 0x%llx",
          (unsigned long long)f);
    check((cr0 & (CR0_PE | CR0_ET | CR0_WP | CR0_PG)) == (CR0_PE | CR0_ET | CR0_WP | CR0_PG), EXIT_FAIL_CPU,
          "CR0 PE, ET, WP, PG set", "CR0 0x%llx", (unsigned long long)cr0);
    check((cr4 & CR4_PAE) && !(cr4 & CR4_LA57), EXIT_FAIL_CPU, "CR4 PAE set, LA57 clear (4-level requested)",
          "CR4 0x%llx", (unsigned long long)cr4);
    bool nxe_ok = boot.nx ? (efer & EFER_NXE) != 0 : (efer & EFER_NXE) == 0;
    check((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA) && nxe_ok, EXIT_FAIL_CPU,
          "EFER LME, LMA set; NXE iff the CPU has NX", "EFER 0x%llx, NX %s", (unsigned long long)efer,
          boot.nx ? "present" : "absent");
    if (boot.pat) {
        uint64_t pat = cpu_rdmsr(MSR_PAT);
        check((pat & PAT_SPECIFIED_MASK) == PAT_SPECIFIED, EXIT_FAIL_CPU, "PAT WB WT UC- UC WP WC",
              "IA32_PAT 0x%016llx", (unsigned long long)pat);
    }
    const struct entry_state *e = &entry_state;
    bool data_ok = e->ds == DATA64_SELECTOR && e->es == DATA64_SELECTOR && e->ss == DATA64_SELECTOR &&
                   e->fs == DATA64_SELECTOR && e->gs == DATA64_SELECTOR;
    check(e->cs == CODE64_SELECTOR && data_ok, EXIT_FAIL_CPU, "CS 0x28, DS ES SS FS GS 0x30",
          "CS 0x%x DS 0x%x ES 0x%x SS 0x%x FS 0x%x GS 0x%x", e->cs, e->ds, e->es, e->ss, e->fs, e->gs);
    uint64_t fs = cpu_rdmsr(MSR_FS_BASE), gs = cpu_rdmsr(MSR_GS_BASE);
    check(fs == 0 && gs == 0, EXIT_FAIL_CPU, "FS and GS bases 0 (trunk)", "FS 0x%llx GS 0x%llx",
          (unsigned long long)fs, (unsigned long long)gs);
}

/* Base revision 5: "All other cr0, cr4, and EFER bits beyond those specified above are cleared" -
 * CR0 exactly PE ET WP PG, CR4 exactly PAE (LA57 only under 5-level paging, which the probes do not
 * request), EFER exactly LME LMA plus NXE when the CPU has NX - and "RFLAGS is set to 0x00000002". */
static void check_exact_control_registers(void)
{
    uint64_t cr0 = entry_state.cr0, cr4 = entry_state.cr4, efer = cpu_rdmsr(MSR_EFER);
    uint64_t want_efer = EFER_LME | EFER_LMA | (boot.nx ? EFER_NXE : 0);

    check(cr0 == (CR0_PE | CR0_ET | CR0_WP | CR0_PG), EXIT_FAIL_CPU, "CR0 exactly PE ET WP PG (base revision >= 5)",
          "CR0 0x%llx, other bits 0x%llx", (unsigned long long)cr0,
          (unsigned long long)(cr0 & ~(CR0_PE | CR0_ET | CR0_WP | CR0_PG)));
    check(cr4 == CR4_PAE, EXIT_FAIL_CPU, "CR4 exactly PAE (base revision >= 5, 4-level)", "CR4 0x%llx, other bits 0x%llx",
          (unsigned long long)cr4, (unsigned long long)(cr4 & ~CR4_PAE));
    check(efer == want_efer, EXIT_FAIL_CPU, "EFER exactly LME LMA (NXE with NX) (base revision >= 5)",
          "EFER 0x%llx, expected 0x%llx", (unsigned long long)efer, (unsigned long long)want_efer);
    check(entry_state.rflags == RFLAGS_REV5, EXIT_FAIL_CPU, "RFLAGS 0x2 at entry (base revision >= 5)",
          "RFLAGS 0x%llx", (unsigned long long)entry_state.rflags);
}

/* Base revision 5: "The task register is loaded with base 0 and limit 0". The hidden base and limit
 * cannot be read back, so the GDT descriptor TR's selector names must say so: a 64-bit TSS descriptor
 * (LTR cannot load a null selector, so 0 means TR was never loaded) with base 0 and byte limit 0. */
static void check_task_register(void)
{
    struct descriptor_register gdtr = cpu_sgdt();
    uint16_t tr = entry_state.tr;
    unsigned index = tr & SELECTOR_INDEX_MASK;
    bool first_mapped = false, last_mapped = false;

    if (tr != 0 && !(tr & SELECTOR_TI) && index + SYSTEM_DESC_SIZE <= (unsigned)gdtr.limit + 1u) {
        virt_to_phys((const void *)(gdtr.base + index), &first_mapped);
        virt_to_phys((const void *)(gdtr.base + index + SYSTEM_DESC_SIZE - 1), &last_mapped);
    }
    if (!first_mapped || !last_mapped) {
        check(false, EXIT_FAIL_CPU, "TR base 0 limit 0 (base revision >= 5)",
              "TR selector 0x%x: null, in the LDT, past the GDT limit 0x%x or unmapped", tr, gdtr.limit);
        return;
    }
    const volatile uint64_t *d = (const volatile uint64_t *)(gdtr.base + index);
    uint64_t lo = d[0], hi = d[1];
    uint64_t base = ((lo >> 16) & 0xFFFFFF) | ((lo >> 56) & 0xFF) << 24 | (hi & 0xFFFFFFFF) << 32;
    uint64_t raw_limit = (lo & 0xFFFF) | ((lo >> 48) & 0xF) << 16;
    bool granular = (lo >> 55) & 1, present = (lo >> 47) & 1;
    unsigned type = (unsigned)(lo >> 40) & 0x1F; /* S = 0 and the 4-bit type */
    check(present && (type == TSS64_AVAILABLE || type == TSS64_BUSY) && base == 0 && raw_limit == 0 && !granular,
          EXIT_FAIL_CPU, "TR base 0 limit 0 (base revision >= 5)",
          "TR 0x%x: descriptor 0x%016llx %016llx: type 0x%x, base 0x%llx, limit 0x%llx%s", tr,
          (unsigned long long)hi, (unsigned long long)lo, type, (unsigned long long)base,
          (unsigned long long)raw_limit, granular ? " pages" : "");
}

/* Base revision 5: "The LDTR is loaded with the NULL selector" and "The IDTR is loaded with base 0
 * and limit 0", both as entry.S read them (the probe has loaded its own IDT since). */
static void check_null_descriptor_tables(void)
{
    check(entry_state.ldtr == 0, EXIT_FAIL_CPU, "LDTR null (base revision >= 5)", "LDTR 0x%x", entry_state.ldtr);
    check(entry_state.idt_base == 0 && entry_state.idt_limit == 0, EXIT_FAIL_CPU,
          "IDTR base 0 limit 0 at entry (base revision >= 5)", "base 0x%llx limit 0x%x",
          (unsigned long long)entry_state.idt_base, entry_state.idt_limit);
}

/* The stricter x86-64 entry state of base revision 5 and later; nothing before it. */
void check_entry_cpu_rev5(void)
{
    if (boot.revision < 5)
        return;
    check_exact_control_registers();
    check_task_register();
    check_null_descriptor_tables();
}

/* The stack: [RSP + 8 - size, RSP + 8) mapped writable and in bootloader-reclaimable memory, for
 * the requested size (64 KiB without a request). */
void check_stack(void)
{
    uint64_t size = boot.requested_stack ? boot.requested_stack : DEFAULT_STACK;
    uint64_t top = entry_state.rsp + 8, bad = 0, wrong = 0;

    for (uint64_t va = top - size; va < top; va += PAGE_SIZE) {
        struct leaf leaf;
        if (!page_walk(va, &leaf) || !leaf.writable) {
            if (wrong++ == 0)
                bad = va;
        }
    }
    check(wrong == 0, EXIT_FAIL_CPU, "stack mapped for the requested size",
          "top 0x%llx, %llu KiB, %llu pages unmapped or not RW (first 0x%llx)", (unsigned long long)top,
          (unsigned long long)(size / 1024), (unsigned long long)wrong, (unsigned long long)bad);
    check(virt_range_typed((const void *)(top - size), size, LP_MEM_BOOTLOADER_RECLAIMABLE, &bad), EXIT_FAIL_CPU,
          "stack in bootloader-reclaimable memory", "first page elsewhere 0x%llx", (unsigned long long)bad);
}
