/* Probe kernels' linker script, in the limine-c-template's layout: one PT_LOAD for the requests
 * (kept, between the start and end marker sections), then text, rodata and data, at
 * 0xffffffff80000000. Preprocessed (cpp -P -undef) into variants (limine.mk):
 *   MARKERS     keep the marker sections (without it they are discarded: "no markers")
 *   PIE         linked at 0 for a relocatable ET_DYN with PT_DYNAMIC
 *   ZERO_LOADS  two zero-size PT_LOADs at vaddr 0 before the real ones
 * .requests_pre lands before the start marker and .requests_tail at the end of the data segment's
 * file bytes: the outside-markers, in-bss and reloc-bss kernels use them. */
OUTPUT_FORMAT(elf64-x86-64)
ENTRY(probe_entry)

PHDRS
{
#ifdef ZERO_LOADS
    empty0   PT_LOAD;
    empty1   PT_LOAD;
#endif
    requests PT_LOAD FLAGS(6); /* RW- */
    text     PT_LOAD FLAGS(5); /* R-X */
    rodata   PT_LOAD FLAGS(4); /* R-- */
#ifdef WX_DATA
    data     PT_LOAD FLAGS(7); /* RWX: a segment Limine maps W+X */
#else
    data     PT_LOAD FLAGS(6); /* RW- */
#endif
#ifdef PIE
    dynamic  PT_DYNAMIC FLAGS(6);
#endif
}

SECTIONS
{
#ifdef PIE
    . = 0;
#else
    . = 0xffffffff80000000;
#endif
    __image_start = .;
    __requests_start = .;
    .requests : {
        KEEP(*(.requests_pre))
#if defined(MARKERS) && !defined(REVERSED)
        KEEP(*(.requests_start))
#endif
        KEEP(*(.requests))
#ifdef MARKERS
        KEEP(*(.requests_end))
#endif
#ifdef REVERSED /* as some real linker scripts have it: the start marker after the end marker */
        KEEP(*(.requests_start))
#endif
    } :requests
    __requests_end = .;

    . = ALIGN(CONSTANT(MAXPAGESIZE));
    __text_start = .;
    .text : { *(.text.entry) *(.text .text.*) } :text
    __text_end = .;

    . = ALIGN(CONSTANT(MAXPAGESIZE));
    __rodata_start = .;
    .rodata : { *(.rodata .rodata.*) } :rodata
#ifdef PIE
    .dynsym : { *(.dynsym) } :rodata
    .dynstr : { *(.dynstr) } :rodata
    .hash : { *(.hash) } :rodata
    .gnu.hash : { *(.gnu.hash) } :rodata
    .rela.dyn : { *(.rela .rela.*) } :rodata
    .relr.dyn : { *(.relr.dyn) } :rodata
#endif
    __rodata_end = .;

    . = ALIGN(CONSTANT(MAXPAGESIZE));
    __data_start = .;
    .data : { *(.data .data.*) } :data
#ifdef PIE
    .dynamic : { *(.dynamic) } :data :dynamic
    .got : { *(.got .got.*) } :data
#endif
    .data.tail : { KEEP(*(.requests_tail)) } :data
    __data_end = .;
    __bss_start = .;
    .bss : { *(.bss .bss.*) *(COMMON) } :data
    . = ALIGN(CONSTANT(MAXPAGESIZE));
    __image_end = .;

    /DISCARD/ : {
        *(.eh_frame*) *(.note .note.*) *(.interp) *(.comment)
#ifndef MARKERS
        *(.requests_start) *(.requests_end)
#endif
    }
}
