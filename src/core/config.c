/* Pure: parses ember.cfg (`key = value`, # comments, "quoted" values, LF/CRLF) into struct ember_config. */
#include "core/config.h"
#include "core/fmt.h" /* also brings stdarg.h for fail() */
#include "core/config_text.h"
#include "core/volume.h"

#define CONFIG_LINE_MAX 2048   /* bytes per line, not counting the line end */
#define DEFAULT_KERNEL "/kernel.elf"
#define DEFAULT_STACK_SIZE (64 * KIB)
#define STACK_SIZE_MIN (16 * KIB)
#define STACK_SIZE_MAX (16 * MIB)
#define FAIL_ALLOC_AT_MAX 1000000
#define MODULE_SHA256_PREFIX "sha256="
#define MODULE_SHA256_PREFIX_LEN (sizeof MODULE_SHA256_PREFIX - 1)
#define CONFIG_KEY_COUNT 15
#define UTF8_BOM "\xef\xbb\xbf"

struct parser {
    struct ember_config *cfg;
    struct config_diag *diag;
    unsigned line;                          /* 1-based number of the line being parsed */
    const char *key;                        /* its key, as spelled in key_rules */
    unsigned first_line[CONFIG_KEY_COUNT];  /* line each key was first set on, 0 = not yet */
};

/* test_fault= names, in bit order: fault_names[i] names bit 1u << i. */
static const char *const fault_names[] = {
    "ebs-stale-key-once", "ebs-stale-key-always", "map-buffer-small",
    "clear-wp",           "corrupt-kernel-read",  "corrupt-module-read",
    "smp-start-disabled", "open-irqs",
};
_Static_assert(1u << (ARRAY_LEN(fault_names) - 1) == CONFIG_FAULT_OPEN_IRQS,
               "fault_names out of date");

/* The name of exactly one known fault bit, else "unknown" (see config.h). */
const char *config_fault_name(uint32_t bit)
{
    size_t i;

    for (i = 0; i < ARRAY_LEN(fault_names); i++)
        if (bit == 1u << i)
            return fault_names[i];
    return "unknown";
}

void config_defaults(struct ember_config *cfg)
{
    static const char kernel[] = DEFAULT_KERNEL;
    size_t i;

    *cfg = (struct ember_config){
        .log_level = LOG_INFO,
        .allow_wx = false,
        .stack_size = DEFAULT_STACK_SIZE,
        .demo_map = false,
        .strict = false,
        .serial = SERIAL_AUTO,
        .smp = SMP_NO,
        .has_kernel_sha256 = false,
        .fail_alloc_at = 0,
        .test_faults = 0,
        .protocol = PROTOCOL_AUTO,
    };
    for (i = 0; i < sizeof kernel; i++)
        cfg->kernel[i] = kernel[i];
}

/* --- diagnostics ------------------------------------------------------------------------------ */

/* Records code, the current line and "ember.cfg:LINE: <message>" in the diag; returns code. */
static enum config_error fail(struct parser *ps, enum config_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum config_error fail(struct parser *ps, enum config_error code, const char *fmt, ...)
{
    char prefix[32];
    va_list ap;

    ps->diag->code = code;
    ps->diag->line = ps->line;
    fmt_format(prefix, sizeof prefix, "ember.cfg:%u: ", ps->line);
    va_start(ap, fmt);
    fmt_vdiag(ps->diag->message, sizeof ps->diag->message, prefix, fmt, ap);
    va_end(ap);
    return code;
}

static enum config_error bad_value(struct parser *ps, struct slice value, const char *expected)
{
    char q[QUOTE_MAX + 4];
    return fail(ps, CONFIG_ERR_BAD_VALUE, "bad value '%s' for %s (expected %s)", quote(q, value),
                ps->key, expected);
}

static enum config_error too_long(struct parser *ps, const char *what, size_t len, size_t cap)
{
    return fail(ps, CONFIG_ERR_TOO_LONG, "%s %s too long (%zu bytes, max %zu)", ps->key, what, len,
                cap - 1);
}

/* --- one parser per key: each takes the trimmed value and fills ps->cfg ----------------------- */

/* Index of value among words (ASCII case ignored), or -1. */
static int match_word(struct slice value, const char *const *words, int n_words)
{
    int i;

    for (i = 0; i < n_words; i++)
        if (slice_equals(value, words[i], true))
            return i;
    return -1;
}

static enum config_error parse_bool(struct parser *ps, struct slice v, bool *out)
{
    static const char *const words[] = { "no", "yes", "false", "true", "0", "1", "off", "on" };
    int i = match_word(v, words, (int)ARRAY_LEN(words));

    if (i < 0)
        return bad_value(ps, v, "yes/no");
    *out = (i % 2) == 1;
    return CONFIG_OK;
}

/* A path's volume prefix, if it has one, is one core/volume.h reads. */
static enum config_error volume_checked(struct parser *ps, const char *path)
{
    struct volume_ref ref;
    const char *rest, *why;
    char q[QUOTE_MAX + 4];
    size_t n = 0;

    while (path[n] != '\0')
        n++;
    return volume_split(path, &ref, &rest, &why)
               ? CONFIG_OK
               : fail(ps, CONFIG_ERR_BAD_VALUE, "path '%s': %s", quote(q, (struct slice){ path, n }), why);
}

static enum config_error parse_kernel(struct parser *ps, struct slice v)
{
    if (v.n == 0)
        return bad_value(ps, v, "a path");
    if (!copy_text(ps->cfg->kernel, sizeof ps->cfg->kernel, v))
        return too_long(ps, "path", v.n, sizeof ps->cfg->kernel);
    return volume_checked(ps, ps->cfg->kernel);
}

static enum config_error parse_cmdline(struct parser *ps, struct slice v)
{
    if (!copy_text(ps->cfg->cmdline, sizeof ps->cfg->cmdline, v))
        return too_long(ps, "text", v.n, sizeof ps->cfg->cmdline);
    return CONFIG_OK;
}

/* Fills m's hash from word, the `sha256=HEX` word (prefix included) of module path's line; fails
 * naming the module when the word is not the line's last or HEX is not 64 hex digits. */
static enum config_error parse_module_sha256(struct parser *ps, struct config_module *m,
                                             struct slice path, struct slice word)
{
    char q[QUOTE_MAX + 4], qp[QUOTE_MAX + 4];
    struct slice hex = { word.p + MODULE_SHA256_PREFIX_LEN, word.n - MODULE_SHA256_PREFIX_LEN };

    if (find_char(hex, ' ') < hex.n || find_char(hex, '\t') < hex.n)
        return fail(ps, CONFIG_ERR_BAD_VALUE, "module '%s': sha256= must be the last word",
                    quote(qp, path));
    if (!parse_sha256(hex, m->sha256))
        return fail(ps, CONFIG_ERR_BAD_VALUE,
                    "bad sha256 '%s' for module '%s' (expected 64 hex digits)", quote(q, hex),
                    quote(qp, path));
    m->has_sha256 = true;
    return CONFIG_OK;
}

/* `module = PATH [NAME] [sha256=HEX]`: PATH is the first blank-separated word (not a sha256=
 * word), an optional last word sha256=HEX pins the file's SHA-256 (prefix case ignored), NAME is
 * the trimmed text between (a quoted value is trimmed here too). The module counts only when the
 * whole line is good. */
static enum config_error parse_module(struct parser *ps, struct slice v)
{
    struct config_module *m;
    struct slice path, name, hash;
    size_t hash_at;
    enum config_error err;

    if (ps->cfg->module_count >= EMBER_MAX_MODULES)
        return fail(ps, CONFIG_ERR_TOO_MANY_MODULES, "too many modules (max %d)",
                    EMBER_MAX_MODULES);
    v = trim(v);
    if (v.n == 0)
        return bad_value(ps, v, "PATH [NAME] [sha256=HEX]");
    if (find_word(v, MODULE_SHA256_PREFIX) == 0)
        return fail(ps, CONFIG_ERR_BAD_VALUE, "module sha256= without a path before it");
    path = v;
    path.n = 0;
    while (path.n < v.n && !is_blank(v.p[path.n]))
        path.n++;
    name = trim((struct slice){ v.p + path.n, v.n - path.n });
    hash_at = find_word(name, MODULE_SHA256_PREFIX);
    m = &ps->cfg->modules[ps->cfg->module_count];
    *m = (struct config_module){ .has_sha256 = false };
    if (!copy_text(m->path, sizeof m->path, path))
        return too_long(ps, "path", path.n, sizeof m->path);
    if ((err = volume_checked(ps, m->path)) != CONFIG_OK)
        return err;
    if (hash_at < name.n) {
        hash = (struct slice){ name.p + hash_at, name.n - hash_at };
        err = parse_module_sha256(ps, m, path, hash);
        if (err != CONFIG_OK)
            return err;
        name = trim((struct slice){ name.p, hash_at });
    }
    if (!copy_text(m->name, sizeof m->name, name))
        return too_long(ps, "name", name.n, sizeof m->name);
    ps->cfg->module_count++;
    return CONFIG_OK;
}

/* The words of the enum-valued keys, in enum order (config_*_name gives them back). */
static const char *const log_level_words[] = { "error", "warn", "info", "debug" };
static const char *const serial_words[] = { "auto", "on", "off" };
static const char *const protocol_words[] = { "auto", "ember", "limine", "multiboot1", "multiboot2" };
static const char *const smp_words[] = { "no", "yes", "x2apic" };

const char *config_log_level_name(enum log_level v)
{
    return (unsigned)v < ARRAY_LEN(log_level_words) ? log_level_words[v] : "unknown";
}

const char *config_serial_name(enum serial_mode v)
{
    return (unsigned)v < ARRAY_LEN(serial_words) ? serial_words[v] : "unknown";
}

const char *config_protocol_name(enum config_protocol v)
{
    return (unsigned)v < ARRAY_LEN(protocol_words) ? protocol_words[v] : "unknown";
}

const char *config_smp_name(enum smp_mode v)
{
    return (unsigned)v < ARRAY_LEN(smp_words) ? smp_words[v] : "unknown";
}

static enum config_error parse_log_level(struct parser *ps, struct slice v)
{
    int i = match_word(v, log_level_words, (int)ARRAY_LEN(log_level_words));

    if (i < 0)
        return bad_value(ps, v, "error/warn/info/debug");
    ps->cfg->log_level = (enum log_level)i;
    return CONFIG_OK;
}

static enum config_error parse_allow_wx(struct parser *ps, struct slice v)
{
    return parse_bool(ps, v, &ps->cfg->allow_wx);
}

static enum config_error parse_demo_map(struct parser *ps, struct slice v)
{
    return parse_bool(ps, v, &ps->cfg->demo_map);
}

static enum config_error parse_strict(struct parser *ps, struct slice v)
{
    return parse_bool(ps, v, &ps->cfg->strict);
}

static enum config_error parse_kaslr(struct parser *ps, struct slice v)
{
    return parse_bool(ps, v, &ps->cfg->kaslr);
}

/* `stack_size = N[K|M]`: bytes, a 4 KiB multiple within 16 KiB..16 MiB. */
static enum config_error parse_stack_size(struct parser *ps, struct slice v)
{
    struct slice digits = v;
    uint64_t unit = 1, value;
    char suffix = v.n > 0 ? lower(v.p[v.n - 1]) : '\0';

    if (suffix == 'k' || suffix == 'm') {
        unit = suffix == 'k' ? KIB : MIB;
        digits.n--;
    }
    if (!parse_decimal(digits, STACK_SIZE_MAX / unit, &value) || value * unit < STACK_SIZE_MIN
        || !is_aligned(value * unit, PAGE_SIZE_4K))
        return bad_value(ps, v, "16K..16M, a multiple of 4K");
    ps->cfg->stack_size = value * unit;
    return CONFIG_OK;
}

static enum config_error parse_serial(struct parser *ps, struct slice v)
{
    int i = match_word(v, serial_words, (int)ARRAY_LEN(serial_words));

    if (i < 0)
        return bad_value(ps, v, "auto/on/off");
    ps->cfg->serial = (enum serial_mode)i;
    return CONFIG_OK;
}

static enum config_error parse_smp(struct parser *ps, struct slice v)
{
    int i = match_word(v, smp_words, (int)ARRAY_LEN(smp_words));

    if (i < 0)
        return bad_value(ps, v, "no/yes/x2apic");
    ps->cfg->smp = (enum smp_mode)i;
    return CONFIG_OK;
}

/* protocol = auto | ember | limine | multiboot1 | multiboot2 (enum config_protocol order). */
static enum config_error parse_protocol(struct parser *ps, struct slice v)
{
    int i = match_word(v, protocol_words, (int)ARRAY_LEN(protocol_words));

    if (i < 0)
        return bad_value(ps, v, "auto/ember/limine/multiboot1/multiboot2");
    ps->cfg->protocol = (enum config_protocol)i;
    return CONFIG_OK;
}

static enum config_error parse_kernel_sha256(struct parser *ps, struct slice v)
{
    if (!parse_sha256(v, ps->cfg->kernel_sha256))
        return bad_value(ps, v, "64 hex digits");
    ps->cfg->has_kernel_sha256 = true;
    return CONFIG_OK;
}

static enum config_error parse_fail_alloc_at(struct parser *ps, struct slice v)
{
    uint64_t value;

    if (!parse_decimal(v, FAIL_ALLOC_AT_MAX, &value))
        return bad_value(ps, v, "a number 0..1000000");
    ps->cfg->fail_alloc_at = (unsigned)value;
    return CONFIG_OK;
}

/* `test_fault = NAME[,NAME...]`: ORs each named fault's bit into test_faults (ASCII case and
 * blanks around a name ignored); test_faults is untouched when any name is unknown. */
static enum config_error parse_test_fault(struct parser *ps, struct slice v)
{
    char q[QUOTE_MAX + 4];
    uint32_t bits = 0;
    struct slice name;
    size_t comma;
    int i;

    for (;;) {
        comma = find_char(v, ',');
        name = trim((struct slice){ v.p, comma });
        i = match_word(name, fault_names, (int)ARRAY_LEN(fault_names));
        if (i < 0)
            return fail(ps, CONFIG_ERR_BAD_VALUE, "unknown test_fault '%s'", quote(q, name));
        bits |= 1u << i;
        if (comma == v.n)
            break;
        v = (struct slice){ v.p + comma + 1, v.n - comma - 1 };
    }
    ps->cfg->test_faults |= bits;
    return CONFIG_OK;
}

struct key_rule {
    const char *name;
    enum config_error (*parse)(struct parser *ps, struct slice value);
    bool repeatable;
};

static const struct key_rule key_rules[] = {
    { "kernel", parse_kernel, false },
    { "cmdline", parse_cmdline, false },
    { "module", parse_module, true },
    { "log_level", parse_log_level, false },
    { "allow_wx", parse_allow_wx, false },
    { "stack_size", parse_stack_size, false },
    { "demo_map", parse_demo_map, false },
    { "strict", parse_strict, false },
    { "kaslr", parse_kaslr, false },
    { "serial", parse_serial, false },
    { "smp", parse_smp, false },
    { "protocol", parse_protocol, false },
    { "kernel_sha256", parse_kernel_sha256, false },
    { "fail_alloc_at", parse_fail_alloc_at, false },
    { "test_fault", parse_test_fault, true },
};
_Static_assert(ARRAY_LEN(key_rules) == CONFIG_KEY_COUNT, "CONFIG_KEY_COUNT out of date");

/* --- lines ------------------------------------------------------------------------------------ */

/* Finds key's rule, rejects a second use of a non-repeatable key, and applies value. */
static enum config_error apply_key(struct parser *ps, struct slice key, struct slice value)
{
    char q[QUOTE_MAX + 4];
    size_t i;

    for (i = 0; i < ARRAY_LEN(key_rules); i++)
        if (slice_equals(key, key_rules[i].name, false))
            break;
    if (i == ARRAY_LEN(key_rules))
        return fail(ps, CONFIG_ERR_UNKNOWN_KEY, "unknown key '%s': the README's ember.cfg section lists the keys", quote(q, key));
    if (ps->first_line[i] != 0 && !key_rules[i].repeatable)
        return fail(ps, CONFIG_ERR_DUPLICATE_KEY, "duplicate key '%s' (first set on line %u): keep one",
                    key_rules[i].name, ps->first_line[i]);
    if (ps->first_line[i] == 0)
        ps->first_line[i] = ps->line;
    ps->key = key_rules[i].name;
    return key_rules[i].parse(ps, value);
}

/* Sets *value from raw, the text after a line's '='. A value opening with '"' is the text up to
 * the next '"', kept as is; only blanks and a comment may follow. Otherwise it is raw up to any
 * trailing comment (a '#' after a blank), trimmed. Fails (syntax) when the quote is not closed or
 * is followed by anything else. */
static enum config_error line_value(struct parser *ps, struct slice raw, struct slice *value)
{
    char q[QUOTE_MAX + 4];
    struct slice v = trim(raw), after, rest;
    size_t close;

    if (v.n == 0 || v.p[0] != '"') {
        raw.n = comment_start(raw);
        *value = trim(raw);
        return CONFIG_OK;
    }
    close = 1 + find_char((struct slice){ v.p + 1, v.n - 1 }, '"');
    if (close == v.n)
        return fail(ps, CONFIG_ERR_SYNTAX, "unterminated quote: close the value with \"");
    after = (struct slice){ v.p + close + 1, v.n - close - 1 };
    rest = trim(after);
    if (rest.n > 0 && (rest.p == after.p || rest.p[0] != '#'))
        return fail(ps, CONFIG_ERR_SYNTAX, "unexpected '%s' after closing quote: quote the whole value", quote(q, after));
    *value = (struct slice){ v.p + 1, close - 1 };
    return CONFIG_OK;
}

/* Parses one line (without its '\n'): blank, a comment, or `key = value` with an optional
 * trailing comment. */
static enum config_error parse_line(struct parser *ps, struct slice line)
{
    char q[QUOTE_MAX + 4];
    struct slice key, value;
    enum config_error err;
    size_t eq;

    if (line.n > 0 && line.p[line.n - 1] == '\r')
        line.n--;
    if (line.n > CONFIG_LINE_MAX)
        return fail(ps, CONFIG_ERR_TOO_LONG, "line too long (%zu bytes, max %d)", line.n,
                    CONFIG_LINE_MAX);
    if (find_char(line, '\0') < line.n)
        return fail(ps, CONFIG_ERR_SYNTAX, "NUL byte in line (is the file UTF-16?): save it as UTF-8");
    line = trim(line);
    if (line.n == 0 || line.p[0] == '#')
        return CONFIG_OK;
    eq = find_char(line, '=');
    if (eq == line.n)
        return fail(ps, CONFIG_ERR_SYNTAX, "expected 'key = value', got '%s'", quote(q, line));
    key = trim((struct slice){ line.p, eq });
    if (key.n == 0)
        return fail(ps, CONFIG_ERR_SYNTAX, "missing key before '=' in '%s'", quote(q, line));
    err = line_value(ps, (struct slice){ line.p + eq + 1, line.n - eq - 1 }, &value);
    if (err != CONFIG_OK)
        return err;
    return apply_key(ps, key, value);
}

/* Stops at the first bad line; diag (may be NULL) gets its code, line and message, or CONFIG_OK,
 * 0 and "" on success. A leading UTF-8 byte-order mark is skipped. */
enum config_error config_parse(const char *text, size_t len, struct ember_config *cfg,
                               struct config_diag *diag)
{
    struct config_diag scratch;
    struct parser ps = { .cfg = cfg, .diag = diag != NULL ? diag : &scratch };
    struct slice bom = { text, sizeof UTF8_BOM - 1 };
    size_t pos = 0, end;
    enum config_error err;

    ps.diag->code = CONFIG_OK;
    ps.diag->line = 0;
    ps.diag->message[0] = '\0';
    if (len >= bom.n && slice_equals(bom, UTF8_BOM, false))
        pos = bom.n;
    while (pos < len) {
        end = pos + find_char((struct slice){ text + pos, len - pos }, '\n');
        ps.line++;
        err = parse_line(&ps, (struct slice){ text + pos, end - pos });
        if (err != CONFIG_OK)
            return err;
        pos = end + 1;
    }
    return CONFIG_OK;
}
