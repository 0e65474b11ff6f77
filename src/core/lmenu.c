/* Pure: the boot menu's rows, cursor and keys (lmenu.h). */
#include "core/lmenu.h"
#include "core/fmt.h"

/* Listed on this machine (Limine's menu leaves hidden and orphan entries out). */
static bool listed(const struct lconf_entry *e)
{
    return !e->hidden && !e->orphan;
}

/* Shown: listed, and every directory above it listed and open. */
static bool shown(const struct lmenu *m, unsigned i)
{
    const struct lconf_entry *e = &m->c->entries[i];

    if (!listed(e))
        return false;
    for (int p = e->parent; p >= 0; p = m->c->entries[p].parent)
        if (!m->open[p] || !listed(&m->c->entries[p]))
            return false;
    return true;
}

static void rebuild_rows(struct lmenu *m)
{
    m->row_count = 0;
    for (unsigned i = 0; i < m->c->entry_count; i++)
        if (shown(m, i))
            m->rows[m->row_count++] = i;
}

void lmenu_init(struct lmenu *m, const struct lconf *c, const struct lconf_entry *dflt)
{
    int want = dflt != NULL ? (int)(dflt - c->entries) : -1;

    m->c = c;
    m->cursor = 0;
    for (unsigned i = 0; i < c->entry_count; i++)
        m->open[i] = c->entries[i].directory && c->entries[i].expanded;
    for (int p = want >= 0 ? c->entries[want].parent : -1; p >= 0; p = c->entries[p].parent)
        m->open[p] = true;
    rebuild_rows(m);
    for (unsigned r = 0; r < m->row_count; r++)
        if ((int)m->rows[r] == want)
            m->cursor = r;
}

const struct lconf_entry *lmenu_key(struct lmenu *m, enum lmenu_key k)
{
    unsigned at;

    if (m->row_count == 0)
        return NULL;
    switch (k) {
    case LMENU_KEY_UP: m->cursor = (m->cursor + m->row_count - 1) % m->row_count; return NULL;
    case LMENU_KEY_DOWN: m->cursor = (m->cursor + 1) % m->row_count; return NULL;
    case LMENU_KEY_ENTER:
        at = m->rows[m->cursor];
        if (!m->c->entries[at].directory)
            return &m->c->entries[at];
        m->open[at] = !m->open[at];
        rebuild_rows(m);
        for (unsigned r = 0; r < m->row_count; r++) /* the directory keeps the cursor */
            if (m->rows[r] == at)
                m->cursor = r;
        return NULL;
    default: return NULL;
    }
}

void lmenu_row_text(const struct lmenu *m, unsigned r, char *buf, size_t cap)
{
    const struct lconf_entry *e = &m->c->entries[m->rows[r]];
    static const char pad[] = "                ";
    unsigned indent = 2 * (e->depth - 1) < sizeof pad - 1 ? 2 * (e->depth - 1) : sizeof pad - 1;

    fmt_format(buf, cap, "%s%s%s%s", r == m->cursor ? "> " : "  ", pad + sizeof pad - 1 - indent,
               e->directory ? (m->open[m->rows[r]] ? "[-] " : "[+] ") : "", lconf_text(m->c, e->name));
}

uint32_t lmenu_timeout_ms(const struct lconf *c)
{
    if (c->timeout_never)
        return LMENU_WAIT;
    return c->timeout_set ? c->timeout_ms : LMENU_DEFAULT_TIMEOUT_MS;
}
