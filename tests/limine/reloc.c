/* Probe kernels "reloc" and "relr" (RELR): relocatable (-fPIE, linked -pie at vaddr 0: ET_DYN with
 * PT_DYNAMIC; R_X86_64_RELATIVE relocations, or packed DT_RELR ones with -z pack-relative-relocs).
 * The loader must slide it into the top 2 GiB and apply every relocation: the kernel checks tables
 * of absolute pointers against addresses it computes RIP-relatively, and that the Executable Address
 * and Executable File responses agree with the slide. It also requests an entry point: that pointer
 * lives in a request and is itself relocated, so the loader must relocate before it reads it. */
#include "probe.h"
#include "requests.h"

#define RELOC_REVISION 3
#define LINK_BASE 0 /* limine.ld.S -DPIE links the image at 0 */

#ifdef RELR
#define KERNEL_NAME "relr"
#elif defined(BSS_TAIL)
#define KERNEL_NAME "reloc-bss"
#else
#define KERNEL_NAME "reloc"
#endif

REQUEST_MARKERS;
REQUEST uint64_t base_revision[3] = LP_BASE_REVISION(RELOC_REVISION);
REQUEST struct lp_hhdm_request hhdm_req = { .id = LP_ID_HHDM };
REQUEST struct lp_memmap_request memmap_req = { .id = LP_ID_MEMMAP };
REQUEST struct lp_executable_address_request executable_address_req = { .id = LP_ID_EXECUTABLE_ADDRESS };
REQUEST struct lp_executable_file_request executable_file_req = { .id = LP_ID_EXECUTABLE_FILE };
REQUEST struct lp_entry_point_request entry_point_req = { .id = LP_ID_ENTRY_POINT, .entry = probe_entry };

/* Targets of the pointer tables: distinct functions and data the tables point at. */
__attribute__((noinline)) static void target_a(void) { __asm__ volatile(""); }
__attribute__((noinline)) static void target_b(void) { __asm__ volatile("nop"); }
static int data_word = 42;
static const char string_a[] = "relocated string a", string_b[] = "relocated string b";

/* Absolute addresses: each needs a relocation (RELATIVE or RELR) to be right after the slide. */
static void (*const function_table[])(void) = { target_a, target_b, probe_entry };
static const char *const string_table[] = { string_a, string_b };
static int *const data_pointer = &data_word;
static const void *const self_pointer = &self_pointer;
#ifdef BSS_TAIL
/* Last in the data segment's file bytes, then cut off them (trim_filesz.py): the loaded image has
 * zeros here, and only the relocation (RELA: the addend is in the entry) gives it its value. */
__attribute__((section(".requests_tail"), used)) static const int *tail_pointer = &data_word;
#endif

/* Reads a pointer-sized table slot without letting the compiler use the initialiser instead. */
static uint64_t slot(const void *table, unsigned i)
{
    return ((const volatile uint64_t *)table)[i];
}

/* Every relocated pointer equals the address the code computes RIP-relatively. */
static void check_relocations(void)
{
    uint64_t want_fn[] = { (uint64_t)target_a, (uint64_t)target_b, (uint64_t)probe_entry };
    uint64_t want_str[] = { (uint64_t)string_a, (uint64_t)string_b };
    unsigned wrong = 0, total = 0;

    for (unsigned i = 0; i < sizeof want_fn / sizeof want_fn[0]; i++, total++)
        wrong += slot(function_table, i) != want_fn[i];
    for (unsigned i = 0; i < sizeof want_str / sizeof want_str[0]; i++, total++)
        wrong += slot(string_table, i) != want_str[i];
    wrong += slot(&data_pointer, 0) != (uint64_t)&data_word;
    wrong += slot(&self_pointer, 0) != (uint64_t)&self_pointer;
    total += 2;
    check(wrong == 0, EXIT_FAIL_RELOC, "relocated pointers", "%u of %u wrong (function table[0] 0x%llx, want 0x%llx)",
          wrong, total, (unsigned long long)slot(function_table, 0), (unsigned long long)want_fn[0]);
    check(*(volatile int *)slot(&data_pointer, 0) == 42, EXIT_FAIL_RELOC, "relocated data pointer dereferences",
          "%p", (void *)slot(&data_pointer, 0));
#ifdef BSS_TAIL
    check(slot(&tail_pointer, 0) == (uint64_t)&data_word, EXIT_FAIL_RELOC, "relocated pointer past p_filesz",
          "0x%llx, want %p", (unsigned long long)slot(&tail_pointer, 0), (void *)&data_word);
#endif
}

__attribute__((noreturn)) void probe_main(void);

/* The requested entry point (relocated): slide, relocations, then the layout checks. */
void probe_main(void)
{
    probe_start(KERNEL_NAME, base_revision, RELOC_REVISION, hhdm_req.response, memmap_req.response);
    uint64_t slide = (uint64_t)__image_start - LINK_BASE;
    check_base_revision(base_revision, true);
    check(entry_state.rip >= HIGHER_HALF_KERNEL && (uint64_t)__image_start >= HIGHER_HALF_KERNEL, EXIT_FAIL_RELOC,
          "slid into the top 2 GiB", "entry at 0x%llx, image at %p, slide 0x%llx", (unsigned long long)entry_state.rip,
          (void *)__image_start, (unsigned long long)slide);
    check(slide % PAGE_SIZE == 0, EXIT_FAIL_RELOC, "slide page-aligned", "0x%llx", (unsigned long long)slide);
    check_relocations();
    check_response(entry_point_req.response, "entry point", LP_RESPONSE_REVISION_MAX);
    check_entry_registers(true);
    check_entry_cpu();
    if (!boot.have_hhdm) {
        check(false, EXIT_FAIL_RESPONSE, "HHDM response", "NULL: nothing else can be checked");
        probe_finish();
    }
    check_memmap();
    check_kernel_mapping();
    check_executable_address(executable_address_req.response, entry_state.rip);
    check_executable_file(executable_file_req.response, (uint64_t)probe_elf_entry - slide, slide, NULL);
    probe_finish();
}
