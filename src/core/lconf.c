/* Pure: parses limine.conf (`key: value` options, /entries, ${macros}, # comment lines) into struct lconf. */
#include "core/lconf_int.h"

#define MACRO_NAME_MAX 1023   /* Limine stops ("macro name too long") past these two */
#define MACRO_VALUE_MAX 2047
#define TIMEOUT_DEFAULT_MS 5000 /* Limine's wait without a timeout option */
#define NOTE_KEY_MAX QUOTE_MAX /* bytes of a noted key kept */
#define UTF8_BOM "\xef\xbb\xbf"

static const char error_names[][12] = {
    [LCONF_OK] = "ok",
    [LCONF_ERR_SYNTAX] = "syntax",
    [LCONF_ERR_BAD_VALUE] = "bad-value",
    [LCONF_ERR_TOO_LONG] = "too-long",
    [LCONF_ERR_TOO_MANY] = "too-many",
    [LCONF_ERR_NO_ENTRY] = "no-entry",
    [LCONF_ERR_PROTOCOL] = "protocol",
    [LCONF_ERR_NO_PATH] = "no-path",
    [LCONF_ERR_UNSUPPORTED] = "unsupported",
};

const char *lconf_error_name(enum lconf_error err)
{
    if ((unsigned)err < ARRAY_LEN(error_names))
        return error_names[err];
    return "unknown";
}

const char *lconf_text(const struct lconf *c, struct lconf_ref r)
{
    if (r.off == 0 || r.off >= c->arena_used)
        return NULL;
    return c->arena + r.off;
}

enum lconf_error lconf_vfail(struct lconf_diag *d, enum lconf_error code, unsigned line,
                             const char *fmt, va_list ap)
{
    char prefix[32];

    d->code = code;
    d->line = line;
    if (line != 0)
        fmt_format(prefix, sizeof prefix, "limine.conf:%u: ", line);
    else
        fmt_format(prefix, sizeof prefix, "limine.conf: ");
    fmt_vdiag(d->message, sizeof d->message, prefix, fmt, ap);
    return code;
}

enum lconf_error lconf_fail(struct lconf_diag *d, enum lconf_error code, unsigned line,
                            const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    lconf_vfail(d, code, line, fmt, ap);
    va_end(ap);
    return code;
}

enum lconf_error lconf_pfail(struct lparser *ps, enum lconf_error code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    lconf_vfail(ps->diag, code, ps->line, fmt, ap);
    va_end(ap);
    return code;
}

/* --- storage ---------------------------------------------------------------------------------- */

/* Copies s with a NUL into the arena and points *ref at it; '\r' bytes are dropped, as Limine
 * drops them everywhere. Fails (too-long) when the arena is full. */
enum lconf_error lconf_keep(struct lparser *ps, struct slice s, struct lconf_ref *ref)
{
    struct lconf *c = ps->c;
    uint32_t at = c->arena_used;
    size_t i;

    if (s.n >= LCONF_ARENA_BYTES - at)
        return lconf_pfail(ps, LCONF_ERR_TOO_LONG, "the file's text passes ember's %u-byte store",
                    (unsigned)LCONF_ARENA_BYTES);
    for (i = 0; i < s.n; i++)
        if (s.p[i] != '\r')
            c->arena[c->arena_used++] = s.p[i];
    c->arena[c->arena_used++] = '\0';
    ref->off = at;
    return LCONF_OK;
}

/* Counts a note and keeps the first LCONF_MAX_NOTES (key cut to NOTE_KEY_MAX bytes). A note is
 * information: a full arena leaves its key absent instead of failing the parse. */
void lconf_note(struct lparser *ps, enum lconf_note_kind kind, struct slice key)
{
    struct lconf *c = ps->c;
    struct lconf_note *n;
    struct lconf_diag saved = *ps->diag;

    if (c->note_count++ >= LCONF_MAX_NOTES)
        return;
    n = &c->notes[c->note_count - 1];
    n->kind = kind;
    n->line = ps->line;
    n->key.off = 0;
    if (key.n > NOTE_KEY_MAX)
        key.n = NOTE_KEY_MAX;
    if (lconf_keep(ps, key, &n->key) != LCONF_OK)
        *ps->diag = saved;
}

/* --- lines and macros ------------------------------------------------------------------------- */

/* True when a and b hold the same bytes. */
static bool slices_equal(struct slice a, struct slice b)
{
    size_t i;

    if (a.n != b.n)
        return false;
    for (i = 0; i < a.n; i++)
        if (a.p[i] != b.p[i])
            return false;
    return true;
}

/* Calls fn on every line of text[start..len), numbered from 1 in ps->line, without its '\n' and
 * without blanks or '\r' at either end (Limine strips them before anything else). */
static enum lconf_error each_line(struct lparser *ps, const char *text, size_t len, size_t start,
                                  enum lconf_error (*fn)(struct lparser *ps, struct slice line))
{
    size_t pos = start;
    enum lconf_error err;

    ps->line = 0;
    while (pos < len) {
        struct slice line = { text + pos, find_char((struct slice){ text + pos, len - pos }, '\n') };

        ps->line++;
        pos += line.n + 1;
        if (find_char(line, '\0') < line.n)
            return lconf_pfail(ps, LCONF_ERR_SYNTAX, "NUL byte in line (is the file UTF-16?)");
        while (line.n > 0 && (is_blank(line.p[line.n - 1]) || line.p[line.n - 1] == '\r'))
            line.n--;
        while (line.n > 0 && (is_blank(line.p[0]) || line.p[0] == '\r')) {
            line.p++;
            line.n--;
        }
        err = fn(ps, line);
        if (err != LCONF_OK)
            return err;
    }
    return LCONF_OK;
}

/* True when line is `${NAME}=VALUE` (nothing between '}' and '='); sets name and value. */
static bool macro_definition(struct slice line, struct slice *name, struct slice *value)
{
    size_t close;

    if (line.n < 2 || line.p[0] != '$' || line.p[1] != '{')
        return false;
    close = find_char(line, '}');
    if (close + 1 >= line.n || line.p[close + 1] != '=')
        return false;
    *name = (struct slice){ line.p + 2, close - 2 };
    *value = (struct slice){ line.p + close + 2, line.n - close - 2 };
    return true;
}

/* First pass: Limine gathers every definition, wherever it stands, before expanding any use. */
static enum lconf_error collect_macro(struct lparser *ps, struct slice line)
{
    struct slice name, value;

    if (!macro_definition(line, &name, &value))
        return LCONF_OK;
    if (name.n > MACRO_NAME_MAX || value.n > MACRO_VALUE_MAX)
        return lconf_pfail(ps, LCONF_ERR_TOO_LONG, "macro %s too long (max %d bytes)",
                    name.n > MACRO_NAME_MAX ? "name" : "value",
                    name.n > MACRO_NAME_MAX ? MACRO_NAME_MAX : MACRO_VALUE_MAX);
    if (ps->macro_count == LCONF_MAX_MACROS)
        return lconf_pfail(ps, LCONF_ERR_TOO_MANY, "more than %d macros", LCONF_MAX_MACROS);
    ps->macros[ps->macro_count++] = (struct macro){ name, value };
    return LCONF_OK;
}

/* The value of macro name: the file's last definition of it, else a built-in (ember runs where
 * Limine's ARCH is x86-64 and FW_TYPE is UEFI). False when nothing defines it. */
static bool macro_value(const struct lparser *ps, struct slice name, struct slice *value)
{
    static const char arch[] = "x86-64", fw_type[] = "UEFI";
    unsigned i;

    for (i = ps->macro_count; i-- > 0;) {
        if (slices_equal(name, ps->macros[i].name)) {
            *value = ps->macros[i].value;
            return true;
        }
    }
    if (slice_equals(name, "ARCH", false)) {
        *value = (struct slice){ arch, sizeof arch - 1 };
        return true;
    }
    if (slice_equals(name, "FW_TYPE", false)) {
        *value = (struct slice){ fw_type, sizeof fw_type - 1 };
        return true;
    }
    return false;
}

/* Appends s (without '\r') to ps->buf at *n; fails when the line outgrows LCONF_LINE_MAX. */
static enum lconf_error append(struct lparser *ps, size_t *n, struct slice s)
{
    size_t i;

    for (i = 0; i < s.n; i++) {
        if (s.p[i] == '\r')
            continue;
        if (*n == LCONF_LINE_MAX)
            return lconf_pfail(ps, LCONF_ERR_TOO_LONG, "line longer than %d bytes with its macros expanded",
                        LCONF_LINE_MAX);
        ps->buf[(*n)++] = s.p[i];
    }
    return LCONF_OK;
}

/* Sets *out to line with every ${NAME} replaced by its value (an undefined one by nothing, noted). */
static enum lconf_error expand(struct lparser *ps, struct slice line, struct slice *out)
{
    size_t i = 0, n = 0, close;
    struct slice name, value;
    enum lconf_error err;

    while (i < line.n) {
        size_t start = i;

        while (i < line.n && !(line.p[i] == '$' && i + 1 < line.n && line.p[i + 1] == '{'))
            i++;
        err = append(ps, &n, (struct slice){ line.p + start, i - start });
        if (err != LCONF_OK || i == line.n)
            break;
        name = (struct slice){ line.p + i + 2, line.n - i - 2 };
        close = find_char(name, '}');
        if (close == name.n)
            return lconf_pfail(ps, LCONF_ERR_SYNTAX, "'${' without a closing '}' (Limine stops here too)");
        name.n = close;
        if (!macro_value(ps, name, &value)) {
            lconf_note(ps, LCONF_NOTE_UNDEFINED_MACRO, name);
            value = (struct slice){ "", 0 };
        }
        err = append(ps, &n, value);
        if (err != LCONF_OK)
            break;
        i += 2 + close + 1;
    }
    if (err != LCONF_OK)
        return err;
    *out = (struct slice){ ps->buf, n };
    return LCONF_OK;
}

/* --- entries ---------------------------------------------------------------------------------- */

/* Links new entry e (not yet counted) into the tree the way Limine's menu builds it. */
static enum lconf_error place_entry(struct lparser *ps, struct lconf_entry *e, struct slice name)
{
    char q[QUOTE_MAX + 4];
    struct lconf *c = ps->c;
    int prev = (int)c->entry_count - 1, parent;

    if (!ps->top_seen && e->depth > 1) {
        e->orphan = true;
        lconf_note(ps, LCONF_NOTE_ORPHAN_ENTRY, name);
        return LCONF_OK;
    }
    if (e->depth == 1) {
        ps->top_seen = true;
        return LCONF_OK;
    }
    if (e->depth > c->entries[prev].depth + 1)
        return lconf_pfail(ps, LCONF_ERR_SYNTAX,
                    "sub-entry '%s' is %u levels below the entry on line %u (Limine stops: "
                    "parentless child)", quote(q, name), e->depth - c->entries[prev].depth,
                    c->entries[prev].line);
    if (e->depth == c->entries[prev].depth + 1) {
        c->entries[prev].directory = true;
        e->parent = prev;
        return LCONF_OK;
    }
    parent = prev;
    while (parent >= 0 && c->entries[parent].depth >= e->depth)
        parent = c->entries[parent].parent;
    e->parent = parent;
    return LCONF_OK;
}

/* `/Title`, `//+Title`...: one slash per level, '+' opens a directory, spaces before the title
 * dropped. Limine reads only the line's first LCONF_NAME_LINE_MAX bytes. */
static enum lconf_error parse_entry_line(struct lparser *ps, struct slice line)
{
    char q[QUOTE_MAX + 4];
    struct lconf *c = ps->c;
    struct lconf_entry *e;
    struct slice name;
    unsigned depth = 0;
    enum lconf_error err;

    if (line.n > LCONF_NAME_LINE_MAX)
        line.n = LCONF_NAME_LINE_MAX;
    while (depth < line.n && line.p[depth] == '/')
        depth++;
    name = (struct slice){ line.p + depth, line.n - depth };
    if (c->entry_count == LCONF_MAX_ENTRIES)
        return lconf_pfail(ps, LCONF_ERR_TOO_MANY, "more than %d entries", LCONF_MAX_ENTRIES);
    e = &c->entries[c->entry_count];
    __builtin_memset(e, 0, sizeof *e);
    e->line = ps->line;
    e->depth = depth;
    e->parent = -1;
    e->expanded = name.n > 0 && name.p[0] == '+';
    if (e->expanded) {
        name.p++;
        name.n--;
    }
    while (name.n > 0 && name.p[0] == ' ') {
        name.p++;
        name.n--;
    }
    if (name.n == 0)
        return lconf_pfail(ps, LCONF_ERR_SYNTAX, "entry '%s' has no title", quote(q, line));
    err = lconf_keep(ps, name, &e->name);
    if (err == LCONF_OK)
        err = place_entry(ps, e, name);
    if (err != LCONF_OK)
        return err;
    ps->current = (int)c->entry_count++;
    return LCONF_OK;
}

/* True when word is one of the blank-separated words of s (ASCII case ignored). */
static bool has_word(struct slice s, const char *word)
{
    size_t i = 0, start;

    while (i < s.n) {
        while (i < s.n && is_blank(s.p[i]))
            i++;
        start = i;
        while (i < s.n && !is_blank(s.p[i]))
            i++;
        if (i > start && slice_equals((struct slice){ s.p + start, i - start }, word, true))
            return true;
    }
    return false;
}

/* Limine on UEFI x86-64 leaves out of its menu (never a directory): BIOS chainload entries, and
 * entries whose if_fw_type or if_arch names another machine. */
static bool hidden_here(const struct lconf *c, const struct lconf_entry *e)
{
    struct slice proto = lconf_slice(c, e->protocol);

    if (e->directory)
        return false;
    if (slice_equals(proto, "bios", false) || slice_equals(proto, "bios_chainload", false))
        return true;
    if (e->if_fw_type.off != 0 && !slice_equals(lconf_slice(c, e->if_fw_type), "UEFI", true))
        return true;
    return e->if_arch.off != 0 && !has_word(lconf_slice(c, e->if_arch), "x86-64");
}


/* --- the file --------------------------------------------------------------------------------- */

/* Second pass: one trimmed line. Comment lines and macro definitions are skipped before expansion;
 * what the expansion leaves is an entry (a leading '/') or an option. */
static enum lconf_error parse_line(struct lparser *ps, struct slice line)
{
    struct slice name, value, x;
    enum lconf_error err;

    if (line.n == 0 || line.p[0] == '#' || macro_definition(line, &name, &value))
        return LCONF_OK;
    err = expand(ps, line, &x);
    if (err != LCONF_OK)
        return err;
    if (x.n == 0 || x.p[0] == '#')
        return LCONF_OK;
    if (x.p[0] == '/')
        return parse_entry_line(ps, x);
    return lconf_parse_option(ps, x);
}

/* The empty configuration: no entry, Limine's defaults, an arena whose offset 0 means absent. */
static void lconf_reset(struct lconf *c)
{
    __builtin_memset(c, 0, sizeof *c);
    c->timeout_ms = TIMEOUT_DEFAULT_MS;
    c->arena[0] = '\0';
    c->arena_used = 1;
}

/* Two passes over the lines, as Limine makes them: macros first (a use may come before its
 * definition), then everything else with macros expanded. Entry flags that depend on later lines
 * (directory, hidden) are final only at the end. */
enum lconf_error lconf_parse(const char *text, size_t len, struct lconf *out,
                             struct lconf_diag *diag)
{
    static const char bom[] = UTF8_BOM;
    struct lconf_diag scratch;
    struct lparser ps;
    size_t start = 0;
    enum lconf_error err;
    unsigned i;

    __builtin_memset(&ps, 0, sizeof ps);
    ps.c = out;
    ps.diag = diag != NULL ? diag : &scratch;
    ps.current = -1;
    lconf_diag_clear(ps.diag);
    lconf_reset(out);
    if (len > LCONF_FILE_MAX_BYTES)
        return lconf_fail(ps.diag, LCONF_ERR_TOO_LONG, 0, "%zu bytes, more than ember reads (%u)",
                          len, (unsigned)LCONF_FILE_MAX_BYTES);
    if (len >= sizeof bom - 1 && slice_equals((struct slice){ text, sizeof bom - 1 }, bom, false))
        start = sizeof bom - 1;
    err = each_line(&ps, text, len, start, collect_macro);
    if (err == LCONF_OK)
        err = each_line(&ps, text, len, start, parse_line);
    if (err != LCONF_OK)
        return err;
    for (i = 0; i < out->entry_count; i++)
        out->entries[i].hidden = hidden_here(out, &out->entries[i]);
    return LCONF_OK;
}
