/* Sample kernel checks: the command line and modules from ember.cfg arrive intact.
 * The cmdline may carry expectations: "expect_module=NAME:FNV1A32HEX" per module. */
#include "kernel.h"

/* FNV-1a, 32 bits: the module checksum the tests compute on the host too. */
static uint32_t fnv1a32(const uint8_t *p, uint64_t len)
{
    uint32_t h = 0x811c9dc5u;
    for (uint64_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x01000193u;
    return h;
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix != '\0')
        if (*s++ != *prefix++)
            return false;
    return true;
}

static bool same_word(const char *a, const char *b, uint64_t len)
{
    for (uint64_t i = 0; i < len; i++)
        if (a[i] != b[i] || a[i] == '\0')
            return false;
    return b[len] == '\0';
}

static uint32_t parse_hex(const char *s, unsigned *digits)
{
    uint32_t v = 0;
    for (*digits = 0;; (*digits)++, s++) {
        char c = *s;
        unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16u;
        if (d == 16)
            return v;
        v = v * 16 + d;
    }
}

/* Checks one "expect_module=NAME:HEX" token against the module list. */
static void check_expected_module(const struct ember_bootinfo *info, const char *token)
{
    const char *name = token + 14, *colon = name;
    unsigned digits;
    while (*colon != ':' && *colon != ' ' && *colon != '\0')
        colon++;
    uint32_t want = *colon == ':' ? parse_hex(colon + 1, &digits) : 0;
    for (uint64_t i = 0; i < info->module_count; i++) {
        const struct ember_module *m = &info->modules[i];
        if (!same_word(name, m->name, (uint64_t)(colon - name)))
            continue;
        uint32_t got = fnv1a32((const uint8_t *)m->base, m->size);
        check(got == want && (m->base & 0xFFF) == 0, EXIT_FAIL_CONFIG, "module contents",
              "%s: %llu bytes at 0x%llx, fnv1a32 %08x (expected %08x)", m->name,
              (unsigned long long)m->size, (unsigned long long)m->base, got, want);
        return;
    }
    char wanted[64];
    uint64_t n = 0;
    for (; n + 1 < sizeof wanted && name + n < colon; n++)
        wanted[n] = name[n];
    wanted[n] = '\0';
    check(false, EXIT_FAIL_CONFIG, "module present", "no module named %s", wanted);
}

uint64_t cmdline_number(const struct ember_bootinfo *info, const char *key, uint64_t dflt)
{
    uint64_t key_len = 0;
    while (key[key_len] != '\0')
        key_len++;
    for (const char *p = info->cmdline; *p != '\0'; p++) {
        if ((p != info->cmdline && p[-1] != ' ') || !starts_with(p, key))
            continue;
        uint64_t v = 0;
        for (p += key_len; *p >= '0' && *p <= '9'; p++)
            v = v * 10 + (uint64_t)(*p - '0');
        return v;
    }
    return dflt;
}

void check_config(const struct ember_bootinfo *info)
{
    kprintf("ember-kernel: cmdline: \"%s\"\n", info->cmdline);
    for (uint64_t i = 0; i < info->module_count; i++)
        kprintf("ember-kernel: module %s: %llu bytes at 0x%llx, fnv1a32 %08x\n", info->modules[i].name,
                (unsigned long long)info->modules[i].size, (unsigned long long)info->modules[i].base,
                fnv1a32((const uint8_t *)info->modules[i].base, info->modules[i].size));
    for (const char *p = info->cmdline; *p != '\0'; p++)
        if ((p == info->cmdline || p[-1] == ' ') && starts_with(p, "expect_module="))
            check_expected_module(info, p);
}
