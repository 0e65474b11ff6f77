/* Pure: turns the limine.conf entry Limine would boot into ember's config (lconf_to_ember). */
#include "core/lconf_int.h"
#include "core/blake2b.h"
#include "core/volume.h"

#define PAGING_4LEVEL 4
#define PAGING_5LEVEL 5

/* Protocols Limine boots that ember does not (CONFIG.md: protocol, and its aliases). */
static const char *const other_protocols[] = {
    "linux", "efi", "uefi", "efi_chainload",
    "efi_boot_entry", "bios", "bios_chainload",
};

/* Resources of a Limine path that ember does not read (CONFIG.md "Paths"; core/volume.h reads the rest). */
static const char *const unread_resources[] = { "odd", "tftp" };

/* The parts of a Limine path `[$]resource(argument):/path[#hash]`. */
struct lpath {
    bool gzip;            /* a leading '$': Limine decompresses the file */
    struct slice resource, arg, path;
    bool has_hash;
    struct slice hash;    /* after the path's last '#' */
};

/* Splits s the way Limine does: the resource ends at the first '(', the argument at the first
 * "):/" after it, the hash starts after the path's last '#'. False when s has not that form or the
 * path is empty. */
static bool split_path(struct slice s, struct lpath *lp)
{
    size_t open, i;

    lp->gzip = s.n > 0 && s.p[0] == '$';
    if (lp->gzip) {
        s.p++;
        s.n--;
    }
    open = find_char(s, '(');
    if (open == s.n)
        return false;
    lp->resource = (struct slice){ s.p, open };
    for (i = open + 1; i + 3 <= s.n; i++)
        if (s.p[i] == ')' && s.p[i + 1] == ':' && s.p[i + 2] == '/')
            break;
    if (i + 3 >= s.n)
        return false;
    lp->arg = (struct slice){ s.p + open + 1, i - open - 1 };
    lp->path = (struct slice){ s.p + i + 3, s.n - i - 3 };
    lp->has_hash = false;
    for (i = lp->path.n; i-- > 0;) {
        if (lp->path.p[i] == '#') {
            lp->has_hash = true;
            lp->hash = (struct slice){ lp->path.p + i + 1, lp->path.n - i - 1 };
            lp->path.n = i;
            break;
        }
    }
    return true;
}

/* True when words[0..count) holds s exactly. */
static bool one_of(struct slice s, const char *const *words, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        if (slice_equals(s, words[i], false))
            return true;
    return false;
}

/* Copies a hash Limine accepts (64, 128 or 256 hex digits: BLAKE3, BLAKE2b, long BLAKE3) into out. */
static bool copy_hash(struct slice h, char out[LCONF_HASH_MAX + 1])
{
    size_t i;

    if (h.n != 64 && h.n != 128 && h.n != LCONF_HASH_MAX)
        return false;
    for (i = 0; i < h.n; i++)
        if (hex_value(h.p[i]) < 0)
            return false;
    return copy_text(out, LCONF_HASH_MAX + 1, h);
}

/* Writes "/" + path into out[0..cap) with runs of '/' made one (ember paths are absolute,
 * '/'-separated). False when it does not fit. */
static bool ember_path(struct slice path, char *out, size_t cap)
{
    size_t i, n = 0;

    if (cap < 2)
        return false;
    out[n++] = '/';
    for (i = 0; i < path.n; i++) {
        if (path.p[i] == '/' && out[n - 1] == '/')
            continue;
        if (n + 1 >= cap)
            return false;
        out[n++] = path.p[i];
    }
    out[n] = '\0';
    return true;
}

/* Writes the volume prefix of lp into out[0..cap) and returns its length: "" for boot(): (ember's
 * boot volume is the one holding limine.conf), else "resource(argument):" as written, for
 * volume_split to read. cap when it does not fit. */
static size_t volume_prefix(const struct lpath *lp, char *out, size_t cap)
{
    size_t n = 0;

    if (slice_equals(lp->resource, "boot", false) && lp->arg.n == 0)
        return 0;
    if (lp->resource.n + lp->arg.n + 3 >= cap)
        return cap;
    for (size_t i = 0; i < lp->resource.n; i++)
        out[n++] = lp->resource.p[i];
    out[n++] = '(';
    for (size_t i = 0; i < lp->arg.n; i++)
        out[n++] = lp->arg.p[i];
    out[n++] = ')';
    out[n++] = ':';
    return n;
}

/* Converts the value v of option key (on line) to an ember path in out[0..cap) - "/dir/file" on
 * the boot volume, or "resource(argument):/dir/file" (core/volume.h) - and its hash, if any, into
 * hash. */
static enum lconf_error convert_path(struct lconf_diag *d, unsigned line, const char *key,
                                     struct slice v, char *out, size_t cap,
                                     char hash[LCONF_HASH_MAX + 1])
{
    char q[QUOTE_MAX + 4];
    struct lpath lp = { .has_hash = false };
    struct volume_ref ref;
    const char *rest, *why;
    size_t n;

    if (!split_path(v, &lp))
        return lconf_fail(d, LCONF_ERR_BAD_VALUE, line,
                          "%s '%s' is not a Limine path (expected boot():/dir/file)", key,
                          quote(q, v));
    if (lp.gzip)
        return lconf_fail(d, LCONF_ERR_UNSUPPORTED, line,
                          "%s '%s': gzip-compressed ($) files are not read yet", key, quote(q, v));
    hash[0] = '\0';
    if (lp.has_hash && !copy_hash(lp.hash, hash))
        return lconf_fail(d, LCONF_ERR_BAD_VALUE, line,
                          "%s '%s': a hash is 64, 128 or 256 hex digits (Limine stops too)", key,
                          quote(q, v));
    n = volume_prefix(&lp, out, cap);
    if (n == cap || !ember_path(lp.path, out + n, cap - n))
        return lconf_fail(d, LCONF_ERR_TOO_LONG, line, "%s '%s' too long (max %zu bytes)", key,
                          quote(q, v), cap - 1);
    if (volume_split(out, &ref, &rest, &why) && rest != out + n) /* a resource name with a '/' in it */
        return lconf_fail(d, LCONF_ERR_BAD_VALUE, line, "%s '%s': unknown resource (Limine's: boot hdd odd guid uuid "
                          "fslabel tftp)", key, quote(q, v));
    if (rest != out + n)
        return lconf_fail(d,
                          one_of(lp.resource, unread_resources, ARRAY_LEN(unread_resources))
                              ? LCONF_ERR_UNSUPPORTED
                              : LCONF_ERR_BAD_VALUE,
                          line, "%s '%s': %s", key, quote(q, v), why);
    return LCONF_OK;
}

/* `limine`, `multiboot`/`multiboot1` and `multiboot2`, spelt so (Limine compares protocol names
 * case-sensitively), into *out. */
static enum lconf_error check_protocol(const struct lconf *c, const struct lconf_entry *e,
                                       enum config_protocol *out, struct lconf_diag *d)
{
    char q[QUOTE_MAX + 4], t[QUOTE_MAX + 4];
    struct slice p = lconf_slice(c, e->protocol), title = lconf_slice(c, e->name);

    if (e->directory)
        return lconf_fail(d, LCONF_ERR_NO_ENTRY, e->line, "'%s' is a directory, not an entry",
                          quote(t, title));
    if (e->protocol.off == 0)
        return lconf_fail(d, LCONF_ERR_PROTOCOL, e->line,
                          "entry '%s' has no protocol (Limine refuses it too)", quote(t, title));
    *out = slice_equals(p, "limine", false)       ? PROTOCOL_LIMINE
           : slice_equals(p, "multiboot2", false) ? PROTOCOL_MULTIBOOT2
           : slice_equals(p, "multiboot", false) || slice_equals(p, "multiboot1", false) ? PROTOCOL_MULTIBOOT1
                                                  : PROTOCOL_AUTO;
    if (*out != PROTOCOL_AUTO)
        return LCONF_OK;
    if (slice_equals(p, "limine", true))
        return lconf_fail(d, LCONF_ERR_PROTOCOL, e->protocol_line,
                          "protocol '%s': Limine matches protocol names case-sensitively and "
                          "refuses it; write 'limine'", quote(q, p));
    if (one_of(p, other_protocols, ARRAY_LEN(other_protocols)))
        return lconf_fail(d, LCONF_ERR_PROTOCOL, e->protocol_line,
                          "protocol %s: ember boots Limine and Multiboot kernels only", quote(q, p));
    return lconf_fail(d, LCONF_ERR_PROTOCOL, e->protocol_line,
                      "unknown protocol '%s' (Limine refuses it too)", quote(q, p));
}

/* A path's #hash as a pin: 128 hex digits are BLAKE2b-512 (*has, out); BLAKE3's 64 or 256, which
 * ember does not compute, are refused rather than skipped; "" pins nothing. */
static enum lconf_error pin_from_hash(struct lconf_diag *d, unsigned line, const char *hash, bool *has,
                                      uint8_t out[BLAKE2B_DIGEST_SIZE])
{
    size_t n = 0;

    while (hash[n] != '\0')
        n++;
    if (n == 0)
        return LCONF_OK;
    if (n == BLAKE2B_HEX_DIGITS && parse_hex_bytes((struct slice){ hash, n }, out, BLAKE2B_DIGEST_SIZE)) {
        *has = true;
        return LCONF_OK;
    }
    return lconf_fail(d, LCONF_ERR_UNSUPPORTED, line, "a %zu-digit BLAKE3 #hash: ember checks BLAKE2b hashes only "
                      "(128 digits, b2sum)", n);
}

/* Kernel path (path before kernel_path, as Limine reads them) and command line (kernel_cmdline
 * before cmdline, as Limine's boot() reads them). */
static enum lconf_error kernel_and_cmdline(const struct lconf *c, const struct lconf_entry *e,
                                           struct ember_config *cfg, struct lconf_boot *b,
                                           struct lconf_diag *d)
{
    char t[QUOTE_MAX + 4];
    bool alias = e->path.off == 0;
    struct lconf_ref path = alias ? e->kernel_path : e->path;
    struct lconf_ref cmd = e->kernel_cmdline.off != 0 ? e->kernel_cmdline : e->cmdline;
    struct slice text = lconf_slice(c, cmd);
    enum lconf_error err;

    if (path.off == 0)
        return lconf_fail(d, LCONF_ERR_NO_PATH, e->line, "entry '%s' has no path (or kernel_path)",
                          quote(t, lconf_slice(c, e->name)));
    err = convert_path(d, alias ? e->kernel_path_line : e->path_line,
                       alias ? "kernel_path" : "path", lconf_slice(c, path), cfg->kernel,
                       sizeof cfg->kernel, b->kernel_hash);
    if (err == LCONF_OK)
        err = pin_from_hash(d, alias ? e->kernel_path_line : e->path_line, b->kernel_hash, &cfg->has_kernel_blake2b,
                            cfg->kernel_blake2b);
    if (err != LCONF_OK)
        return err;
    if (!copy_text(cfg->cmdline, sizeof cfg->cmdline, text))
        return lconf_fail(d, LCONF_ERR_TOO_LONG, e->line,
                          "entry '%s': command line too long (%zu bytes, max %zu)",
                          quote(t, lconf_slice(c, e->name)), text.n, sizeof cfg->cmdline - 1);
    return LCONF_OK;
}

/* Each module_path with its string (module_string, else module_cmdline, else ""). */
static enum lconf_error modules(const struct lconf *c, const struct lconf_entry *e,
                                struct ember_config *cfg, struct lconf_boot *b,
                                struct lconf_diag *d)
{
    char t[QUOTE_MAX + 4];
    unsigned i;
    enum lconf_error err;

    if (e->module_total > EMBER_MAX_MODULES)
        return lconf_fail(d, LCONF_ERR_TOO_MANY, e->modules[EMBER_MAX_MODULES - 1].line,
                          "entry '%s' has %u modules (ember loads at most %d)",
                          quote(t, lconf_slice(c, e->name)), e->module_total, EMBER_MAX_MODULES);
    for (i = 0; i < e->module_count; i++) {
        const struct lconf_module *lm = &e->modules[i];
        struct config_module *m = &cfg->modules[i];
        struct slice s = lconf_slice(c, lm->string.off != 0 ? lm->string : lm->cmdline);

        *m = (struct config_module){ .has_sha256 = false, .optional = false };
        err = convert_path(d, lm->line, "module_path", lconf_slice(c, lm->path), m->path,
                           sizeof m->path, b->module_hash[i]);
        if (err == LCONF_OK)
            err = pin_from_hash(d, lm->line, b->module_hash[i], &m->has_blake2b, m->blake2b);
        if (err != LCONF_OK)
            return err;
        if (!copy_text(m->name, sizeof m->name, s))
            return lconf_fail(d, LCONF_ERR_TOO_LONG, lm->line,
                              "module_string of this module too long (%zu bytes, ember keeps %zu)",
                              s.n, sizeof m->name - 1);
    }
    cfg->module_count = e->module_count;
    return LCONF_OK;
}

/* 4 or 5 from "4level"/"5level" (either case, as Limine reads them); 0 when absent. */
static enum lconf_error paging_level(const struct lconf *c, const struct lconf_entry *e,
                                     struct lconf_ref r, unsigned *level, struct lconf_diag *d)
{
    char q[QUOTE_MAX + 4];
    struct slice v = lconf_slice(c, r);

    *level = 0;
    if (r.off == 0)
        return LCONF_OK;
    if (slice_equals(v, "4level", true))
        *level = PAGING_4LEVEL;
    else if (slice_equals(v, "5level", true))
        *level = PAGING_5LEVEL;
    else
        return lconf_fail(d, LCONF_ERR_BAD_VALUE, e->paging_line,
                          "paging mode '%s': Limine takes 4level or 5level on x86-64 (and stops "
                          "otherwise)", quote(q, v));
    return LCONF_OK;
}

/* resolution: WIDTHxHEIGHT[xBPP], BPP 32 when left out (CONFIG.md). Anything else sets nothing:
 * Limine then picks a mode itself, ember keeps the firmware's (the loader says so). */
static void resolution(const struct lconf *c, const struct lconf_entry *e, struct ember_config *cfg)
{
    struct slice v = lconf_slice(c, e->resolution);
    uint32_t n[3] = { 0, 0, 32 };
    unsigned count = 0;
    size_t i = 0;

    while (count < 3 && i < v.n && v.p[i] >= '0' && v.p[i] <= '9') {
        uint32_t x = 0;
        for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9' && x < 100000; i++)
            x = x * 10 + (uint32_t)(v.p[i] - '0');
        n[count++] = x;
        if (i < v.n && v.p[i] == 'x' && count < 3)
            i++;
        else
            break;
    }
    if (count < 2 || i != v.n || n[0] == 0 || n[1] == 0 || n[0] >= 100000 || n[1] >= 100000 || n[2] == 0)
        return;
    cfg->fb_width = n[0];
    cfg->fb_height = n[1];
    cfg->fb_bpp = n[2];
}

/* kaslr (exactly "yes"), randomise_hhdm_base (either case; absent: as kaslr - Limine further
 * requires a relocatable kernel), and the paging-mode bounds (paging_mode sets both). */
static enum lconf_error switches(const struct lconf *c, const struct lconf_entry *e,
                                 struct lconf_boot *b, struct lconf_diag *d)
{
    struct lconf_ref hhdm = e->randomise_hhdm_base.off != 0 ? e->randomise_hhdm_base
                                                             : e->randomize_hhdm_base;
    struct lconf_ref pm = e->paging_mode;
    enum lconf_error err;

    b->kaslr = slice_equals(lconf_slice(c, e->kaslr), "yes", false);
    b->randomise_hhdm_base = hhdm.off != 0 ? slice_equals(lconf_slice(c, hhdm), "yes", true)
                                           : b->kaslr;
    err = paging_level(c, e, pm.off != 0 ? pm : e->max_paging_mode, &b->max_paging_level, d);
    if (err == LCONF_OK)
        err = paging_level(c, e, pm.off != 0 ? pm : e->min_paging_mode, &b->min_paging_level, d);
    if (err != LCONF_OK)
        return err;
    if (b->max_paging_level != 0 && b->max_paging_level < b->min_paging_level)
        return lconf_fail(d, LCONF_ERR_BAD_VALUE, e->paging_line,
                          "max_paging_mode is below min_paging_mode (Limine stops too)");
    return LCONF_OK;
}

enum lconf_error lconf_to_ember(const struct lconf *c, const struct lconf_entry *e,
                                struct ember_config *cfg, struct lconf_boot *boot,
                                struct lconf_diag *diag)
{
    struct lconf_diag scratch;
    enum lconf_error err;

    diag = diag != NULL ? diag : &scratch;
    lconf_diag_clear(diag);
    __builtin_memset(boot, 0, sizeof *boot);
    err = check_protocol(c, e, &cfg->protocol, diag);
    if (err != LCONF_OK)
        return err;
    cfg->from_limine_conf = true;
    err = kernel_and_cmdline(c, e, cfg, boot, diag);
    if (err == LCONF_OK)
        err = modules(c, e, cfg, boot, diag);
    if (err == LCONF_OK)
        err = switches(c, e, boot, diag);
    resolution(c, e, cfg);
    cfg->kaslr = boot->kaslr;
    cfg->randomise_hhdm = boot->randomise_hhdm_base;
    cfg->hash_mismatch_warns = c->hash_mismatch_warns;
    return err;
}
