/* ELF plan rules for relocatable (ET_DYN) kernels and the minimum-address floor (Limine protocol). */
#include "core/bytes.h"
#include "core/elf.h"

#include "core/types.h"
#include "elf_rules.h"


/* True when [vaddr, vaddr + size) lies inside the file-backed bytes [vaddr, vaddr + filesz) of one
 * planned segment (linked addresses, before any slide). */
static bool inside_file_bytes(const struct elf_plan *plan, uint64_t vaddr, uint64_t size)
{
    for (unsigned i = 0; i < plan->count; i++) {
        const struct elf_segment *seg = &plan->segments[i];
        if (vaddr >= seg->vaddr && vaddr - seg->vaddr <= seg->filesz
            && size <= seg->filesz - (vaddr - seg->vaddr))
            return true;
    }
    return false;
}

/* Records the one PT_DYNAMIC of an ET_DYN in plan (is_dyn, dynamic_vaddr, dynamic_size; still
 * linked addresses). It must hold at least one entry and lie in one segment's file bytes: a
 * dynamic array in .bss would read as empty and the kernel would silently run unrelocated. */
static enum elf_error record_dynamic(struct elf_plan *plan, const elf64_ehdr_t *eh,
                                     const struct elf_dynamic_phdrs *dyn, struct elf_diag *diag)
{
    const elf64_phdr_t *ph = &dyn->first;

    if (dyn->count == 0)
        return fail(diag, ELF_ERR_DYN_WITHOUT_DYNAMIC,
                    "ET_DYN but none of 0x%x phdrs is PT_DYNAMIC: nothing says how to relocate it",
                    eh->e_phnum);
    if (dyn->count > 1)
        return fail(diag, ELF_ERR_BAD_DYNAMIC, "program headers %u and %u are both PT_DYNAMIC",
                    dyn->first_index, dyn->second_index);
    if (ph->p_memsz < ELF_DYN_ENTRY_SIZE)
        return fail(diag, ELF_ERR_BAD_DYNAMIC,
                    "program header %u PT_DYNAMIC p_memsz 0x%lx < one entry (0x%x bytes)", dyn->first_index,
                    ph->p_memsz, ELF_DYN_ENTRY_SIZE);
    if (!inside_file_bytes(plan, ph->p_vaddr, ph->p_memsz))
        return fail(diag, ELF_ERR_BAD_DYNAMIC,
                    "program header %u PT_DYNAMIC [0x%lx, +0x%lx) is not inside the file bytes of one "
                    "PT_LOAD", dyn->first_index, ph->p_vaddr, ph->p_memsz);
    plan->is_dyn = true;
    plan->dynamic_vaddr = ph->p_vaddr;
    plan->dynamic_size = ph->p_memsz;
    return ELF_OK;
}

/* The slide granule: ELF_SLIDE_GRANULE or the largest p_align of a planned segment, whichever is
 * larger (a power of two: every p_align was checked to be one). */
static uint64_t slide_granule(const struct elf_plan *plan)
{
    uint64_t granule = ELF_SLIDE_GRANULE;

    for (unsigned i = 0; i < plan->count; i++)
        if (plan->segments[i].align > granule)
            granule = plan->segments[i].align;
    return granule;
}

/* Sets *slide to 0 when plan->vaddr_min >= min_vaddr, else to the smallest multiple of the
 * granule that lifts vaddr_min to min_vaddr or above. Being a multiple of every p_align, the slide
 * keeps vaddr == offset (mod p_align) and each segment's 2 MiB alignment, so 2 MiB pages fit
 * wherever they fitted as linked. Fails when the slid image would pass 2^64 or not lie wholly in
 * one canonical half. */
static enum elf_error choose_slide(const struct elf_plan *plan, uint64_t min_vaddr, uint64_t *slide,
                                   struct elf_diag *diag)
{
    uint64_t granule = slide_granule(plan), s, lo, end;

    *slide = 0;
    if (plan->vaddr_min >= min_vaddr)
        return ELF_OK;
    if (!align_up_checked(min_vaddr - plan->vaddr_min, granule, &s)
        || __builtin_add_overflow(plan->vaddr_end, s, &end))
        return fail(diag, ELF_ERR_SLIDE_OUT_OF_RANGE,
                    "sliding [0x%lx, 0x%lx) up to 0x%lx in steps of 0x%lx wraps 2^64",
                    plan->vaddr_min, plan->vaddr_end, min_vaddr, granule);
    lo = plan->vaddr_min + s;
    if (!is_canonical(lo) || ((lo ^ (end - 1)) >> 47) != 0)
        return fail(diag, ELF_ERR_SLIDE_OUT_OF_RANGE,
                    "slide 0x%lx puts [0x%lx, 0x%lx) at [0x%lx, 0x%lx): not in one canonical "
                    "half", s, plan->vaddr_min, plan->vaddr_end, lo, end);
    *slide = s;
    return ELF_OK;
}

/* Adds slide to every virtual address the plan holds (not offsets, not paddrs, not the entry,
 * which elf_build_plan takes from the header). */
static void apply_slide(struct elf_plan *plan, uint64_t slide)
{
    for (unsigned i = 0; i < plan->count; i++)
        plan->segments[i].vaddr += slide;
    for (unsigned i = 0; i < plan->region_count; i++)
        plan->regions[i].vaddr += slide;
    plan->vaddr_min += slide;
    plan->vaddr_end += slide;
    plan->dynamic_vaddr += slide;
    plan->slide = slide;
}

/* kaslr: moves the slide up by seed's pick of the granule steps that keep the slid image below the
 * last granule of the address space (so its end stays representable); returns how many positions
 * there were (1 when none but the smallest). */
static uint64_t randomise_slide(const struct elf_plan *plan, uint64_t seed, uint64_t *slide)
{
    uint64_t granule = slide_granule(plan), end = plan->vaddr_end + *slide, top = 0 - granule, steps;

    if (end > top || plan->vaddr_min + *slide < plan->vaddr_min) /* wrapped: nothing to spare */
        return 1;
    steps = (top - end) / granule + 1;
    *slide += (seed % steps) * granule;
    return steps;
}

enum elf_error elf_place(struct elf_plan *plan, const elf64_ehdr_t *eh,
                         const struct elf_dynamic_phdrs *dyn, const struct elf_options *opts,
                         struct elf_diag *diag)
{
    uint64_t min_vaddr = opts != NULL ? opts->min_vaddr : 0, slide;
    enum elf_error err;

    if (eh->e_type != ELF_TYPE_DYN) {
        if (plan->vaddr_min < min_vaddr)
            return fail(diag, ELF_ERR_BELOW_MIN_VADDR,
                        "segment at p_vaddr 0x%lx (page 0x%lx) is below 0x%lx: an ET_EXEC "
                        "cannot be slid, link it at or above", plan->segments[0].vaddr,
                        plan->vaddr_min, min_vaddr);
        return ELF_OK;
    }
    err = record_dynamic(plan, eh, dyn, diag);
    if (err == ELF_OK)
        err = choose_slide(plan, min_vaddr, &slide, diag);
    if (err == ELF_OK && opts != NULL && opts->kaslr_seed != 0 && min_vaddr != 0) /* in the top half only */
        plan->slide_positions = randomise_slide(plan, opts->kaslr_seed, &slide);
    if (err == ELF_OK)
        apply_slide(plan, slide);
    return err;
}
