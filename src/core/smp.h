/* Application processors (pure): which MADT processors to start, and the INIT-SIPI-SIPI sequence
 * over struct smp_ops, so tests can replace the local APIC and the clock with fakes. The loader's
 * stages are in src/uefi/aps.c; the AP code itself is arch/x86_64/ap_boot.S. */
#ifndef EMBER_SMP_H
#define EMBER_SMP_H

#include "core/acpi.h"
#include "core/types.h"

#define SMP_MAX_CPUS MADT_MAX_CPUS
/* xAPIC destination IDs are 8 bits and 0xFF is the broadcast: higher IDs need x2APIC. */
#define SMP_XAPIC_MAX_ID 254u

enum smp_verdict {
    SMP_START = 0,           /* an AP ember starts */
    SMP_IS_BSP,              /* the processor running ember */
    SMP_SKIP_DISABLED,       /* MADT flags: neither enabled nor online-capable */
    SMP_SKIP_ONLINE_CAPABLE, /* MADT flags: can be hot-added later, not present now */
    SMP_SKIP_NEEDS_X2APIC,   /* APIC ID above SMP_XAPIC_MAX_ID without x2APIC */
    SMP_SKIP_DUPLICATE,      /* an APIC ID listed before */
    SMP_VERDICT_COUNT
};

struct smp_cpu {
    uint32_t apic_id, acpi_uid;
    enum smp_verdict verdict;
};

struct smp_plan {
    unsigned count;                   /* every processor entry of the MADT, in table order */
    struct smp_cpu cpus[SMP_MAX_CPUS];
    unsigned to_start;                /* entries with SMP_START */
    int bsp_index;                    /* the BSP's entry, -1 when the MADT does not list it */
};

#define SMP_PLAN_X2APIC 1u          /* APIC IDs above 254 can be addressed */
#define SMP_PLAN_START_DISABLED 2u  /* test fault smp-start-disabled: start disabled entries too */

void smp_plan_cpus(const struct madt_info *madt, uint32_t bsp_apic_id, unsigned flags, struct smp_plan *out);

/* "disabled in the MADT", ...: the reason an entry is not started. */
const char *smp_verdict_reason(enum smp_verdict v);

/* Limine's x2APIC rule (its common/sys/smp.c): a kernel that does not accept x2APIC (the MP
 * request's flags bit 0 clear, or no MP request) gets xAPIC mode even when the firmware switched
 * x2APIC on; when the platform locked x2APIC on, Limine panics for an MP request and leaves it as it
 * is otherwise. */
enum smp_x2apic_action {
    SMP_X2APIC_LEAVE,       /* off, or the kernel accepts it */
    SMP_X2APIC_SWITCH_OFF,  /* back to xAPIC mode */
    SMP_X2APIC_KEEP_LOCKED, /* locked on, no MP request: leave it, say so */
    SMP_X2APIC_REFUSE,      /* locked on and the MP request does not accept it */
};
enum smp_x2apic_action smp_x2apic_action(bool firmware_on, bool kernel_accepts, bool can_switch_off,
                                         bool mp_requested);

/* One AP as arch/x86_64/ap_boot.S sees it (layout fixed: 40 bytes). The AP finds its slot by
 * APIC ID, reads the three addresses, then moves state WAITING -> ARRIVED with one cmpxchg; the
 * BSP moves a late one WAITING -> ABANDONED the same way, so each slot has exactly one outcome. */
enum ap_slot_state { AP_SLOT_WAITING = 1, AP_SLOT_ARRIVED = 2, AP_SLOT_ABANDONED = 3 };

struct ap_slot {
    uint32_t apic_id;
    uint32_t state;      /* enum ap_slot_state */
    uint64_t stack_top;  /* 16-byte aligned; RSP = stack_top - 8 with a zero return address */
    uint64_t goto_ptr;   /* kernel-virtual address of the 8-byte field the parked AP polls */
    uint64_t argument;   /* RDI when released */
    uint64_t lapic_plan; /* kernel-virtual struct lapic_plan applied before check-in, or 0 */
};

struct smp_ops {
    void (*send_init)(void *ctx, uint32_t apic_id);
    void (*send_startup)(void *ctx, uint32_t apic_id, uint8_t vector);
    uint64_t (*now)(void *ctx); /* TSC ticks */
    void *ctx;
};

/* The SDM's delays (Vol. 3A 9.4.4.1): 10 ms after INIT, 200 us after each STARTUP. */
#define SMP_INIT_DELAY_US 10000u
#define SMP_STARTUP_DELAY_US 200u
/* TSC rate assumed when ember could not calibrate: high, so every delay is at least as long. */
#define SMP_TSC_HZ_UNKNOWN 10000000000ull

struct smp_start_result {
    unsigned arrived, missing;
    uint64_t elapsed_us;    /* from the first INIT to the last check-in (or the deadline) */
};

/* INIT to every slot, 10 ms, STARTUP to every slot, 200 us, a second STARTUP to slots still
 * waiting, then up to timeout_us for all to check in; slots still waiting are abandoned. */
void smp_start_aps(const struct smp_ops *ops, struct ap_slot *slots, unsigned n, uint8_t vector,
                   uint64_t tsc_hz, uint64_t timeout_us, struct smp_start_result *out);

#endif
