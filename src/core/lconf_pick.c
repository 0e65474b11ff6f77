/* Pure: where Limine looks for limine.conf, which entry it boots by default, and the note lines. */
#include "core/lconf_int.h"

/* CONFIG.md, "Location of the config file" (Limine 10.x trunk): after <EFI app dir>/limine.conf,
 * these four, in this order, on each volume. */
const char *const lconf_search_paths[LCONF_SEARCH_PATH_COUNT] = {
    "/boot/limine/limine.conf",
    "/boot/limine.conf",
    "/limine/limine.conf",
    "/limine.conf",
};

/* Limine keeps the directory of its own executable (every '\' made '/') and appends limine.conf;
 * an executable path without a separator gives "/limine.conf". */
bool lconf_app_dir_path(const char *image_path, char *out, size_t cap)
{
    static const char name[] = "limine.conf";
    size_t i, dir = 0, n = 0;

    bool lead;

    for (i = 0; image_path[i] != '\0'; i++)
        if (image_path[i] == '\\' || image_path[i] == '/')
            dir = i + 1;
    lead = dir == 0 || (image_path[0] != '\\' && image_path[0] != '/'); /* a '/' to add */
    if (i == 0 || cap < (lead ? 1 : 0) + dir + sizeof name)
        return false;
    if (lead)
        out[n++] = '/';
    for (i = 0; i < dir; i++)
        out[n++] = image_path[i] == '\\' ? '/' : image_path[i];
    for (i = 0; i < sizeof name; i++)
        out[n++] = name[i];
    return true;
}

/* --- Limine's menu rows ----------------------------------------------------------------------- */

/* Limine lists an entry unless its menu leaves it out on this machine (see lconf_entry). */
static bool listed(const struct lconf_entry *e)
{
    return !e->hidden && !e->orphan;
}

/* True when entry i is listed directly under dir (-1: the top level). */
static bool child_of(const struct lconf *c, unsigned i, int dir)
{
    return c->entries[i].parent == dir && listed(&c->entries[i]);
}

/* Rows Limine's menu shows under dir: its children, and under each open directory its rows. */
static unsigned rows_below(const struct lconf *c, int dir)
{
    unsigned i, rows = 0;

    for (i = 0; i < c->entry_count; i++) {
        if (!child_of(c, i, dir))
            continue;
        rows++;
        if (c->entries[i].directory && c->entries[i].expanded)
            rows += rows_below(c, (int)i);
    }
    return rows;
}

/* Index of the entry on row *row (0-based) of the rows under dir, or -1 (*row counts down). */
static int entry_at_row(const struct lconf *c, int dir, unsigned *row)
{
    unsigned i;
    int found;

    for (i = 0; i < c->entry_count; i++) {
        if (!child_of(c, i, dir))
            continue;
        if (*row == 0)
            return (int)i;
        (*row)--;
        if (c->entries[i].directory && c->entries[i].expanded) {
            found = entry_at_row(c, (int)i, row);
            if (found >= 0)
                return found;
        }
    }
    return -1;
}

/* --- default_entry as a path: "Dir/Name", '\' escapes the next byte, "#N" the Nth duplicate --- */

struct component {
    struct slice raw;  /* escapes still in */
    unsigned dup;      /* 0 = the first entry of that name */
    struct slice rest; /* after the '/' that ends it */
};

/* True for '0'..'9'. */
static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Splits the first component off path: up to an unescaped '/', or up to a '#' followed by nothing
 * but digits up to that '/' or the end (the duplicate number). */
static struct component next_component(struct slice path)
{
    struct component k = { { path.p, 0 }, 0, { path.p + path.n, 0 } };
    size_t i = 0, j;
    uint64_t dup;

    while (i < path.n && path.p[i] != '/') {
        if (path.p[i] == '\\' && i + 1 < path.n) {
            i += 2;
            continue;
        }
        for (j = i + 1; path.p[i] == '#' && j < path.n && is_digit(path.p[j]); j++)
            ;
        if (path.p[i] == '#' && j > i + 1 && (j == path.n || path.p[j] == '/')) {
            k.raw.n = i;
            k.dup = parse_decimal((struct slice){ path.p + i + 1, j - i - 1 }, UINT32_MAX, &dup)
                        ? (unsigned)dup
                        : UINT32_MAX;
            if (j < path.n)
                k.rest = (struct slice){ path.p + j + 1, path.n - j - 1 };
            return k;
        }
        i++;
    }
    k.raw.n = i;
    if (i < path.n)
        k.rest = (struct slice){ path.p + i + 1, path.n - i - 1 };
    return k;
}

/* True when raw, unescaped, is exactly name. */
static bool component_is(struct slice raw, const char *name)
{
    size_t i = 0, n = 0;

    while (i < raw.n) {
        if (raw.p[i] == '\\' && i + 1 < raw.n)
            i++;
        if (name[n] == '\0' || name[n] != raw.p[i])
            return false;
        i++;
        n++;
    }
    return name[n] == '\0';
}

/* Limine's lookup under dir: the last component names an entry, the others directories, which the
 * lookup opens. Returns the entry's index and its row in *row (counted from base), or -1. */
static int find_path(const struct lconf *c, int dir, struct slice path, unsigned base,
                     unsigned *row)
{
    struct component k = next_component(path);
    bool last = k.rest.n == 0;
    unsigned i, same = 0;

    for (i = 0; i < c->entry_count; i++) {
        const struct lconf_entry *e = &c->entries[i];
        bool match;

        if (!child_of(c, i, dir))
            continue;
        match = component_is(k.raw, lconf_text(c, e->name));
        if (match && same == k.dup && last && !e->directory) {
            *row = base;
            return (int)i;
        }
        if (match && same == k.dup && !last && e->directory)
            return find_path(c, (int)i, k.rest, base + 1, row);
        same += match;
        base++;
        if (e->directory && e->expanded)
            base += rows_below(c, (int)i);
    }
    return -1;
}

/* True when s is nothing but decimal digits (Limine takes an empty default_entry as row 0 too). */
static bool all_digits(struct slice s)
{
    size_t i;

    for (i = 0; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

/* default_entry: digits are a 1-based row of the menu as it opens (0 counts as 1); anything else an
 * entry path. A row past the end, or a path naming nothing, gives row 1 - as in Limine's menu.c.
 * A directory on that row is not booted: Limine waits at its menu instead. */
const struct lconf_entry *lconf_default_entry(const struct lconf *c, struct lconf_pick *pick,
                                              struct lconf_diag *diag)
{
    char q[QUOTE_MAX + 4];
    struct lconf_diag scratch;
    struct lconf_pick spick;
    struct slice v = lconf_slice(c, c->default_entry);
    unsigned rows = rows_below(c, -1), row = 0;
    uint64_t n = 0;
    int found = -1;

    diag = diag != NULL ? diag : &scratch;
    pick = pick != NULL ? pick : &spick;
    lconf_diag_clear(diag);
    *pick = (struct lconf_pick){ 0, false };
    if (rows == 0) {
        lconf_fail(diag, LCONF_ERR_NO_ENTRY, 0,
                   c->entry_count == 0 ? "no entry (an entry starts with '/Title')"
                                       : "no entry Limine lists on UEFI x86-64 (protocol bios, "
                                         "if_fw_type or if_arch hide them all)");
        return NULL;
    }
    if (c->default_entry.off != 0 && all_digits(v)) {
        if (v.n > 0 && !parse_decimal(v, UINT32_MAX, &n))
            n = UINT32_MAX;
        row = n > 0 ? (unsigned)(n - 1) : 0;
        pick->fell_back = row >= rows;
    } else if (c->default_entry.off != 0) {
        found = find_path(c, -1, v, 0, &row);
        pick->fell_back = found < 0;
    }
    if (pick->fell_back)
        row = 0;
    if (found < 0) {
        unsigned r = row;
        found = entry_at_row(c, -1, &r);
    }
    pick->menu_index = row + 1;
    if (c->entries[found].directory) {
        lconf_fail(diag, LCONF_ERR_NO_ENTRY,
                   c->default_entry.off != 0 ? c->default_entry_line : c->entries[found].line,
                   "the default entry (menu row %u) is the directory '%s': Limine waits at its "
                   "menu; set default_entry to an entry inside it",
                   row + 1, quote(q, lconf_slice(c, c->entries[found].name)));
        return NULL;
    }
    return &c->entries[found];
}

const struct lconf_entry *lconf_find_entry(const struct lconf *c, const char *path, size_t len)
{
    unsigned row = 0;
    int found = find_path(c, -1, (struct slice){ path, len }, 0, &row);

    return found >= 0 ? &c->entries[found] : NULL;
}

/* How many entries under e's parent before e have e's name: Limine's "#N" for duplicates. */
static unsigned duplicate_number(const struct lconf *c, const struct lconf_entry *e)
{
    unsigned n = 0;

    for (const struct lconf_entry *o = c->entries; o < e; o++)
        n += o->parent == e->parent && child_of(c, (unsigned)(o - c->entries), e->parent) &&
             slice_equals(lconf_slice(c, o->name), lconf_text(c, e->name), false);
    return n;
}

/* Appends e's name to out[*n..cap), '/', '\' and '#' escaped, then "#N" for a duplicate. */
static bool append_name(const struct lconf *c, const struct lconf_entry *e, char *out, size_t cap, size_t *n)
{
    struct slice name = lconf_slice(c, e->name);
    unsigned dup = duplicate_number(c, e);

    for (size_t i = 0; i < name.n; i++) {
        bool escape = name.p[i] == '/' || name.p[i] == '\\' || name.p[i] == '#';
        if (*n + 2 >= cap)
            return false;
        if (escape)
            out[(*n)++] = '\\';
        out[(*n)++] = name.p[i];
    }
    if (dup > 0)
        *n += fmt_format(out + *n, cap - *n, "#%u", dup);
    return *n < cap;
}

bool lconf_entry_path(const struct lconf *c, const struct lconf_entry *e, char *out, size_t cap)
{
    const struct lconf_entry *chain[LCONF_PATH_DEPTH_MAX];
    unsigned depth = 0;
    size_t n = 0;

    for (; e != NULL; e = e->parent >= 0 ? &c->entries[e->parent] : NULL) {
        if (depth == LCONF_PATH_DEPTH_MAX)
            return false;
        chain[depth++] = e;
    }
    while (depth-- > 0) {
        if (n > 0 && n + 1 < cap)
            out[n++] = '/';
        if (!append_name(c, chain[depth], out, cap, &n))
            return false;
    }
    if (cap == 0)
        return false;
    out[n] = '\0';
    return true;
}

/* --- notes ------------------------------------------------------------------------------------ */

static const char *const note_reasons[] = {
    [LCONF_NOTE_UNKNOWN_KEY] = "not a Limine option; ignored, as Limine does",
    [LCONF_NOTE_IGNORED_KEY] = "Limine menu, terminal or other-protocol option; ignored",
    [LCONF_NOTE_MISPLACED] = "Limine does not read it here (global options go before the first "
                             "entry, entry options under an entry); ignored",
    [LCONF_NOTE_DUPLICATE] = "given again; Limine uses the first",
    [LCONF_NOTE_NOT_AN_OPTION] = "no ':' - not an option, entry, macro or comment; ignored, as "
                                 "Limine does",
    [LCONF_NOTE_STRAY_MODULE_STRING] = "no module_path of its own before it; ignored, as Limine does",
    [LCONF_NOTE_ORPHAN_ENTRY] = "sub-entry before any top-level entry; not in Limine's menu",
    [LCONF_NOTE_UNDEFINED_MACRO] = "macro never defined; replaced by nothing, as Limine does",
};

void lconf_note_format(const struct lconf *c, const struct lconf_note *n, char *buf, size_t cap)
{
    char q[QUOTE_MAX + 4];
    const char *why = (unsigned)n->kind < ARRAY_LEN(note_reasons) ? note_reasons[n->kind] : "?";

    fmt_format(buf, cap, "limine.conf:%u: '%s': %s", n->line, quote(q, lconf_slice(c, n->key)),
               why);
}
