/* Probe checks of the timing features (the TSC frequency against the kernel's own measurement over
 * a PIT interval, the bootloader performance moments in order and in the past) and of entropy. */
#include "cpu.h"
#include "probe.h"

#define PIT_HZ 1193182ULL
#define PIT_CH2_PORT 0x42
#define PIT_CMD_PORT 0x43
#define PIT_GATE_PORT 0x61
#define PIT_CH2_ONESHOT 0xB0 /* channel 2, lobyte/hibyte, mode 0 */
#define PIT_GATE 0x01
#define PIT_SPEAKER 0x02
#define PIT_OUT2 0x20
#define PIT_TICKS (PIT_HZ / 20) /* 50 ms */
#define TOLERANCE_PERCENT 25    /* TCG: the TSC follows the host clock, the PIT QEMU timers */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/* TSC ticks per second over a PIT channel-2 one-shot of PIT_TICKS (the speaker stays off). */
static uint64_t measure_tsc_hz(void)
{
    uint8_t gate = (uint8_t)((cpu_inb(PIT_GATE_PORT) & ~(PIT_SPEAKER | PIT_GATE)));

    cpu_outb(PIT_GATE_PORT, gate);
    cpu_outb(PIT_CMD_PORT, PIT_CH2_ONESHOT);
    cpu_outb(PIT_CH2_PORT, (uint8_t)(PIT_TICKS & 0xff));
    cpu_outb(PIT_CH2_PORT, (uint8_t)(PIT_TICKS >> 8));
    cpu_outb(PIT_GATE_PORT, gate | PIT_GATE); /* counting starts on the gate's rising edge */
    uint64_t start = rdtsc(), spins = 0;
    while (!(cpu_inb(PIT_GATE_PORT) & PIT_OUT2) && ++spins < (1ULL << 32))
        ;
    uint64_t ticks = rdtsc() - start;
    cpu_outb(PIT_GATE_PORT, gate);
    return ticks * (PIT_HZ / PIT_TICKS);
}

/* The median of MEASUREMENTS PIT measurements: under TCG a host that deschedules QEMU mid-interval
 * stretches one measurement several-fold, and a median of five shrugs off two such. */
#define MEASUREMENTS 5
static uint64_t median_tsc_hz(void)
{
    uint64_t m[MEASUREMENTS];
    for (unsigned i = 0; i < MEASUREMENTS; i++) {
        uint64_t v = measure_tsc_hz();
        unsigned k = i;
        for (; k > 0 && m[k - 1] > v; k--)
            m[k] = m[k - 1];
        m[k] = v;
    }
    return m[MEASUREMENTS / 2];
}

/* TSC frequency: within TOLERANCE_PERCENT of a PIT measurement. Returns it (0 without a response). */
uint64_t check_tsc_frequency(const struct lp_tsc_frequency_response *r)
{
    if (!check_response(r, "TSC frequency", LP_RESPONSE_REVISION_MAX))
        return 0;
    uint64_t measured = median_tsc_hz(), f = r->frequency;
    uint64_t diff = f > measured ? f - measured : measured - f;
    check(f != 0 && measured != 0 && diff * 100 <= measured * TOLERANCE_PERCENT, EXIT_FAIL_FIRMWARE,
          "TSC frequency agrees with the PIT", "%llu Hz, measured %llu Hz", (unsigned long long)f,
          (unsigned long long)measured);
    return f;
}

/* Bootloader performance: reset <= loader start <= handoff <= now, now from the TSC at tsc_hz. */
void check_bootloader_performance(const struct lp_bootloader_performance_response *r, uint64_t tsc_hz)
{
    if (!check_response(r, "bootloader performance", LP_RESPONSE_REVISION_MAX))
        return;
    uint64_t now = tsc_hz >= 1000000 ? rdtsc() / (tsc_hz / 1000000) : UINT64_MAX;
    check(r->reset_usec <= r->init_usec && r->init_usec < r->exec_usec && r->exec_usec <= now, EXIT_FAIL_FIRMWARE,
          "bootloader performance times in order", "reset %llu, init %llu, exec %llu, now %llu us",
          (unsigned long long)r->reset_usec, (unsigned long long)r->init_usec, (unsigned long long)r->exec_usec,
          (unsigned long long)now);
}

/* Entropy: with "entropy=yes" on the command line (a machine with an RNG), exactly `asked` values in
 * bootloader-reclaimable memory, not all alike; without it, no response is fine too. */
void check_entropy(const struct lp_entropy_response *r, uint64_t asked, const char *cmdline)
{
    char want[8];
    bool required = cmdline != NULL && word_value(cmdline, "entropy", want, sizeof want) && str_eq(want, "yes");

    if (r == NULL && !required) {
        note("entropy: no response (no RNG on this machine)");
        return;
    }
    if (!check_response(r, "entropy", LP_RESPONSE_REVISION_MAX))
        return;
    bool placed = r->value_count == asked && r->values != NULL && in_reclaimable(r->values, asked * sizeof *r->values);
    unsigned distinct = 0;
    for (uint64_t i = 0; placed && i < asked; i++)
        distinct += r->values[i] != 0 && (i == 0 || r->values[i] != r->values[i - 1]);
    check(placed && distinct == asked, EXIT_FAIL_FIRMWARE, "entropy values", "%llu of %llu, %u distinct non-zero",
          (unsigned long long)r->value_count, (unsigned long long)asked, distinct);
}
