/* Probe kernels: how they declare requests, like a real Limine kernel does - in their own kept,
 * writable section, volatile so the compiler neither drops them nor assumes the loader left them
 * alone, and between the start and end markers (limine.ld.S drops the markers in its no-markers
 * variant). */
#ifndef LPROBE_REQUESTS_H
#define LPROBE_REQUESTS_H

#include "proto.h"

#define REQUEST __attribute__((used, section(".requests"), aligned(8))) static volatile

/* The start and end markers, in the sections limine.ld.S places around .requests. */
#define REQUEST_MARKERS                                                                                       \
    __attribute__((used, section(".requests_start"), aligned(8))) static volatile uint64_t requests_start_marker[4] = \
        LP_START_MARKER;                                                                                      \
    __attribute__((used, section(".requests_end"), aligned(8))) static volatile uint64_t requests_end_marker[2] =   \
        LP_END_MARKER

/* Entry points from entry.S. */
void probe_entry(void);
void probe_elf_entry(void);

#endif
