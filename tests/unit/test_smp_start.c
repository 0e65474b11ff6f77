/* Host tests of smp_start_aps with a fake local APIC and clock: the order of INIT and STARTUP, the
 * SDM's delays, a second STARTUP only for APs not yet in, and the bounded wait for missing ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "core/smp.h"

#define HZ 1000000000ull /* 1 tick = 1 ns */
#define MAX_EVENTS 64

struct event {
    char kind;        /* 'I' INIT, 'S' STARTUP */
    uint32_t apic_id;
    uint64_t at;      /* fake TSC */
};

static struct fake {
    uint64_t tsc, step;
    struct event events[MAX_EVENTS];
    unsigned event_count;
    struct ap_slot *slots;
    unsigned n;
    uint32_t arrive_on_startup;  /* bit k: slot k checks in at its first STARTUP */
    uint32_t arrive_on_second;   /* bit k: slot k checks in at its second STARTUP only */
    unsigned startups[8];
} fake;

static void record(char kind, uint32_t apic_id)
{
    assert_true(fake.event_count < MAX_EVENTS);
    fake.events[fake.event_count++] = (struct event){ kind, apic_id, fake.tsc };
}

static void fake_init(void *ctx, uint32_t apic_id)
{
    (void)ctx;
    record('I', apic_id);
}

static void fake_startup(void *ctx, uint32_t apic_id, uint8_t vector)
{
    (void)ctx;
    assert_int_equal(vector, 0x9f);
    record('S', apic_id);
    for (unsigned k = 0; k < fake.n; k++) {
        if (fake.slots[k].apic_id != apic_id)
            continue;
        unsigned nth = ++fake.startups[k];
        if (((fake.arrive_on_startup >> k) & 1) || (nth == 2 && ((fake.arrive_on_second >> k) & 1)))
            fake.slots[k].state = AP_SLOT_ARRIVED;
    }
}

static uint64_t fake_now(void *ctx)
{
    (void)ctx;
    return fake.tsc += fake.step;
}

static const struct smp_ops ops = { fake_init, fake_startup, fake_now, NULL };
static struct ap_slot slots[4];

static int setup(void **state)
{
    (void)state;
    memset(&fake, 0, sizeof fake);
    fake.step = 1000; /* 1 us per clock read */
    for (unsigned k = 0; k < 4; k++)
        slots[k] = (struct ap_slot){ .apic_id = k + 1, .state = AP_SLOT_WAITING };
    fake.slots = slots;
    fake.n = 4;
    return 0;
}

static void test_every_ap_checks_in_after_one_startup(void **state)
{
    struct smp_start_result r;
    (void)state;
    fake.arrive_on_startup = 0xF;
    smp_start_aps(&ops, slots, 4, 0x9f, HZ, 1000000, &r);
    assert_int_equal(r.arrived, 4);
    assert_int_equal(r.missing, 0);
    assert_int_equal(fake.event_count, 8); /* 4 INIT, 4 STARTUP, no second round */
    for (unsigned k = 0; k < 4; k++) {
        assert_int_equal(fake.events[k].kind, 'I');
        assert_int_equal(fake.events[4 + k].kind, 'S');
        assert_int_equal(fake.events[4 + k].apic_id, k + 1);
    }
    assert_true(fake.events[4].at - fake.events[3].at >= SMP_INIT_DELAY_US * 1000);
    assert_true(r.elapsed_us < 20000);
}

static void test_second_startup_only_for_aps_not_in(void **state)
{
    struct smp_start_result r;
    (void)state;
    fake.arrive_on_startup = 0x5; /* slots 0 and 2 */
    fake.arrive_on_second = 0xA;  /* slots 1 and 3 */
    smp_start_aps(&ops, slots, 4, 0x9f, HZ, 1000000, &r);
    assert_int_equal(r.arrived, 4);
    assert_int_equal(fake.event_count, 10);
    assert_int_equal(fake.events[8].apic_id, 2);
    assert_int_equal(fake.events[9].apic_id, 4);
    assert_true(fake.events[8].at - fake.events[7].at >= SMP_STARTUP_DELAY_US * 1000);
}

static void test_missing_ap_is_abandoned_after_the_timeout(void **state)
{
    struct smp_start_result r;
    (void)state;
    fake.arrive_on_startup = 0x7; /* slot 3 never comes */
    smp_start_aps(&ops, slots, 4, 0x9f, HZ, 50000, &r);
    assert_int_equal(r.arrived, 3);
    assert_int_equal(r.missing, 1);
    assert_int_equal(slots[3].state, AP_SLOT_ABANDONED);
    assert_int_equal(slots[0].state, AP_SLOT_ARRIVED);
    assert_true(r.elapsed_us >= 50000);
    assert_true(r.elapsed_us < 80000);
}

static void test_uncalibrated_tsc_waits_at_least_as_long(void **state)
{
    struct smp_start_result r;
    (void)state;
    fake.arrive_on_startup = 0xF;
    fake.step = 10000; /* a 10 GHz clock read every us: the assumed rate */
    smp_start_aps(&ops, slots, 4, 0x9f, 0, 1000000, &r);
    assert_true(fake.events[4].at - fake.events[3].at >= SMP_INIT_DELAY_US * (SMP_TSC_HZ_UNKNOWN / 1000000));
}

static void test_no_slots_sends_nothing(void **state)
{
    struct smp_start_result r;
    (void)state;
    smp_start_aps(&ops, slots, 0, 0x9f, HZ, 1000, &r);
    assert_int_equal(fake.event_count, 0);
    assert_int_equal(r.arrived + r.missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_every_ap_checks_in_after_one_startup, setup),
        cmocka_unit_test_setup(test_second_startup_only_for_aps_not_in, setup),
        cmocka_unit_test_setup(test_missing_ap_is_abandoned_after_the_timeout, setup),
        cmocka_unit_test_setup(test_uncalibrated_tsc_waits_at_least_as_long, setup),
        cmocka_unit_test_setup(test_no_slots_sends_nothing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
