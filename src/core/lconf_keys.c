/* Pure: the options of limine.conf - which Limine reads where, and how ember keeps each (see lconf.c). */
#include "core/lconf_int.h"

#define NO_LINE ((size_t)-1)
#define MS_PER_S 1000
#define MS_FRACTION_DIGITS 3
#define TIMEOUT_MAX_S 9999 /* Limine's cap */

enum global_key { G_TIMEOUT, G_DEFAULT_ENTRY, G_QUIET, G_SERIAL, G_VERBOSE, G_REMEMBER, G_HASH_PANIC };

static const char *const global_names[] = {
    "timeout", "default_entry", "quiet", "serial", "verbose", "remember_last_entry", "hash_mismatch_panic",
};

/* Global options Limine reads for its menu, terminal or other firmware; ember has no use for them.
 * A name ending in '*' stands for every name it starts. */
static const char *const ignored_globals[] = {
    "interface_*", "term_*", "wallpaper*", "backdrop", "graphics", "serial_baudrate",
    "global_dtb", "randomise_memory", "randomize_memory", "measured_boot",
    "firmware_logo", "keyboard_layout", "mouse", "editor_enabled", "editor_highlighting",
    "editor_validation",
};

/* One value per entry, first one kept: its field and the field recording its line. */
struct local_rule {
    const char *name;
    size_t field;      /* offset of a struct lconf_ref in struct lconf_entry */
    size_t line_field; /* offset of an unsigned, or NO_LINE */
};

#define RULE(name, field, line) { name, offsetof(struct lconf_entry, field), line }
#define LINE(field) offsetof(struct lconf_entry, field)
static const struct local_rule local_rules[] = {
    RULE("comment", comment, NO_LINE),
    RULE("protocol", protocol, LINE(protocol_line)),
    RULE("path", path, LINE(path_line)),
    RULE("kernel_path", kernel_path, LINE(kernel_path_line)),
    RULE("cmdline", cmdline, NO_LINE),
    RULE("kernel_cmdline", kernel_cmdline, NO_LINE),
    RULE("kaslr", kaslr, LINE(kaslr_line)),
    RULE("randomise_hhdm_base", randomise_hhdm_base, NO_LINE),
    RULE("randomize_hhdm_base", randomize_hhdm_base, NO_LINE),
    RULE("paging_mode", paging_mode, LINE(paging_line)),
    RULE("max_paging_mode", max_paging_mode, LINE(paging_line)),
    RULE("min_paging_mode", min_paging_mode, LINE(paging_line)),
    RULE("if_fw_type", if_fw_type, NO_LINE),
    RULE("if_arch", if_arch, NO_LINE),
};

/* Entry options with their own handling (modules, options kept as a line only). */
enum special_key { S_MODULE_PATH, S_MODULE_STRING, S_MODULE_CMDLINE, S_RESOLUTION, S_TEXTMODE,
                   S_DTB_PATH };
static const char *const special_names[] = {
    "module_path", "module_string", "module_cmdline", "resolution", "textmode", "dtb_path",
};

/* Options of Limine's other protocols: a Limine-protocol entry does not use them. */
static const char *const ignored_locals[] = {
    "image_path", "entry", "drive", "partition", "mbr_id", "gpt_uuid", "gpt_guid", "initrd_path",
};

/* True when key is names's pattern: equal (ASCII case ignored) or, for a pattern ending in '*',
 * starting with what comes before the '*'. */
static bool key_matches(struct slice key, const char *pattern)
{
    size_t i;

    for (i = 0; pattern[i] != '\0' && pattern[i] != '*'; i++)
        if (i == key.n || lower(key.p[i]) != lower(pattern[i]))
            return false;
    return pattern[i] == '*' || i == key.n;
}

/* Index of the first of names[0..count) that key matches, or -1. */
static int find_key(struct slice key, const char *const *names, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (key_matches(key, names[i]))
            return (int)i;
    return -1;
}

/* Limine's reading of a timeout: leading digits are seconds, then '.' and digits a fraction (to the
 * millisecond, a further non-zero digit rounding up); no digit at all reads as 0; at most 9999 s. */
static uint32_t timeout_ms(struct slice v)
{
    uint64_t seconds = 0, ms = 0;
    unsigned digits = 0;
    bool any = false, round_up = false;
    size_t i = 0;

    for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++) {
        any = true;
        if (seconds <= TIMEOUT_MAX_S)
            seconds = seconds * 10 + (uint64_t)(v.p[i] - '0');
    }
    if (i < v.n && v.p[i] == '.') {
        for (i++; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; i++) {
            any = true;
            if (digits < MS_FRACTION_DIGITS) {
                ms = ms * 10 + (uint64_t)(v.p[i] - '0');
                digits++;
            } else if (v.p[i] != '0') {
                round_up = true;
            }
        }
        for (; digits < MS_FRACTION_DIGITS; digits++)
            ms *= 10;
        if (round_up && ms < MS_PER_S - 1)
            ms++;
    }
    if (!any)
        return 0;
    if (seconds >= TIMEOUT_MAX_S)
        return TIMEOUT_MAX_S * MS_PER_S;
    return (uint32_t)(seconds * MS_PER_S + ms);
}

/* Applies the first occurrence of a global option. Limine compares quiet, serial and verbose with
 * "yes" exactly, remember_last_entry with either case, hash_mismatch_panic with "no" in either case. */
static enum lconf_error apply_global(struct lparser *ps, enum global_key k, struct slice v)
{
    struct lconf *c = ps->c;

    switch (k) {
    case G_TIMEOUT:
        c->timeout_set = true;
        c->timeout_never = slice_equals(v, "no", false);
        c->timeout_ms = c->timeout_never ? 0 : timeout_ms(v);
        return LCONF_OK;
    case G_DEFAULT_ENTRY:
        c->default_entry_line = ps->line;
        return lconf_keep(ps, v, &c->default_entry);
    case G_QUIET:
        c->quiet = slice_equals(v, "yes", false);
        return LCONF_OK;
    case G_SERIAL:
        c->serial = slice_equals(v, "yes", false);
        return LCONF_OK;
    case G_VERBOSE:
        c->verbose = slice_equals(v, "yes", false);
        return LCONF_OK;
    case G_REMEMBER:
        c->remember_last_entry = slice_equals(v, "yes", true);
        return LCONF_OK;
    case G_HASH_PANIC:
        c->hash_mismatch_warns = slice_equals(v, "no", true);
        return LCONF_OK;
    }
    return LCONF_OK;
}

/* True when key names an entry option of any protocol. */
static bool is_entry_key(struct slice key)
{
    size_t i;

    for (i = 0; i < ARRAY_LEN(local_rules); i++)
        if (key_matches(key, local_rules[i].name))
            return true;
    return find_key(key, special_names, ARRAY_LEN(special_names)) >= 0
           || find_key(key, ignored_locals, ARRAY_LEN(ignored_locals)) >= 0;
}

/* An option before the first entry: Limine reads only global options there. */
static enum lconf_error global_option(struct lparser *ps, struct slice key, struct slice v)
{
    int i = find_key(key, global_names, ARRAY_LEN(global_names));

    if (i >= 0 && (ps->globals_seen & (1u << i)) != 0) {
        lconf_note(ps, LCONF_NOTE_DUPLICATE, key);
    } else if (i >= 0) {
        ps->globals_seen |= 1u << i;
        return apply_global(ps, (enum global_key)i, v);
    } else if (find_key(key, ignored_globals, ARRAY_LEN(ignored_globals)) >= 0) {
        lconf_note(ps, LCONF_NOTE_IGNORED_KEY, key);
    } else {
        lconf_note(ps, is_entry_key(key) ? LCONF_NOTE_MISPLACED : LCONF_NOTE_UNKNOWN_KEY, key);
    }
    return LCONF_OK;
}

/* Keeps the first value of a single-valued entry option, and the line it came from. */
static enum lconf_error set_single(struct lparser *ps, struct lconf_entry *e,
                                   const struct local_rule *rule, struct slice key, struct slice v)
{
    struct lconf_ref *ref = (struct lconf_ref *)(void *)((char *)e + rule->field);
    unsigned *line;

    if (ref->off != 0) {
        lconf_note(ps, LCONF_NOTE_DUPLICATE, key);
        return LCONF_OK;
    }
    if (rule->line_field != NO_LINE) {
        line = (unsigned *)(void *)((char *)e + rule->line_field);
        if (*line == 0)
            *line = ps->line;
    }
    return lconf_keep(ps, v, ref);
}

/* module_path opens a module; past EMBER_MAX_MODULES it is only counted (lconf_to_ember refuses
 * the entry if it is the one booted). */
static enum lconf_error module_path(struct lparser *ps, struct lconf_entry *e, struct slice v)
{
    struct lconf_module *m;

    e->module_total++;
    if (e->module_count == EMBER_MAX_MODULES)
        return LCONF_OK;
    m = &e->modules[e->module_count++];
    m->line = ps->line;
    return lconf_keep(ps, v, &m->path);
}

/* module_string / module_cmdline: Limine gives a module the first of each that follows its
 * module_path before the next one; any other is noted and unused. */
static enum lconf_error module_string(struct lparser *ps, struct lconf_entry *e, struct slice key,
                                     struct slice v, bool is_cmdline)
{
    struct lconf_ref *ref;

    if (e->module_total == 0) {
        lconf_note(ps, LCONF_NOTE_STRAY_MODULE_STRING, key);
        return LCONF_OK;
    }
    if (e->module_total > e->module_count)
        return LCONF_OK;
    ref = is_cmdline ? &e->modules[e->module_count - 1].cmdline
                     : &e->modules[e->module_count - 1].string;
    if (ref->off != 0) {
        lconf_note(ps, LCONF_NOTE_STRAY_MODULE_STRING, key);
        return LCONF_OK;
    }
    return lconf_keep(ps, v, ref);
}

/* Modules, and the options kept only as the line they stand on. */
static enum lconf_error special_option(struct lparser *ps, struct lconf_entry *e,
                                       enum special_key k, struct slice key, struct slice v)
{
    unsigned *line;

    if (k == S_MODULE_PATH)
        return module_path(ps, e, v);
    if (k == S_MODULE_STRING || k == S_MODULE_CMDLINE)
        return module_string(ps, e, key, v, k == S_MODULE_CMDLINE);
    line = k == S_RESOLUTION ? &e->resolution_line
           : k == S_TEXTMODE ? &e->textmode_line
                             : &e->dtb_path_line;
    if (*line != 0)
        lconf_note(ps, LCONF_NOTE_DUPLICATE, key);
    else
        *line = ps->line;
    return k == S_RESOLUTION && *line == ps->line ? lconf_keep(ps, v, &e->resolution) : LCONF_OK;
}

/* An option inside an entry: Limine reads only entry options there. */
static enum lconf_error entry_option(struct lparser *ps, struct lconf_entry *e, struct slice key,
                                     struct slice v)
{
    size_t i;
    int k;

    for (i = 0; i < ARRAY_LEN(local_rules); i++)
        if (key_matches(key, local_rules[i].name))
            return set_single(ps, e, &local_rules[i], key, v);
    k = find_key(key, special_names, ARRAY_LEN(special_names));
    if (k >= 0)
        return special_option(ps, e, (enum special_key)k, key, v);
    if (find_key(key, ignored_locals, ARRAY_LEN(ignored_locals)) >= 0)
        lconf_note(ps, LCONF_NOTE_IGNORED_KEY, key);
    else if (find_key(key, global_names, ARRAY_LEN(global_names)) >= 0
             || find_key(key, ignored_globals, ARRAY_LEN(ignored_globals)) >= 0)
        lconf_note(ps, LCONF_NOTE_MISPLACED, key);
    else
        lconf_note(ps, LCONF_NOTE_UNKNOWN_KEY, key);
    return LCONF_OK;
}

/* `key: value`: the key is everything before the first ':' (Limine matches it exactly, ASCII case
 * ignored), the value everything after it but the blanks that open it. */
enum lconf_error lconf_parse_option(struct lparser *ps, struct slice line)
{
    size_t colon = find_char(line, ':');
    struct slice key, value;

    if (colon == line.n) {
        lconf_note(ps, LCONF_NOTE_NOT_AN_OPTION, line);
        return LCONF_OK;
    }
    key = (struct slice){ line.p, colon };
    value = (struct slice){ line.p + colon + 1, line.n - colon - 1 };
    while (value.n > 0 && is_blank(value.p[0])) {
        value.p++;
        value.n--;
    }
    if (ps->current < 0)
        return global_option(ps, key, value);
    return entry_option(ps, &ps->c->entries[ps->current], key, value);
}
