/* ember-inspect --esp: the configuration the loader would read from a boot volume (a directory on
 * the host), in the loader's order: ember.cfg, else limine.conf where Limine looks for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "core/lconf.h"
#include "inspect.h"

/* Reads dir + rel (at most max bytes) into a malloc'd buffer. NULL when absent; *bad on a read error
 * or a file over max (a message on stderr). */
static char *read_rel(const char *dir, const char *rel, size_t max, size_t *len, bool *bad)
{
    char path[1024];
    FILE *f;
    char *buf = NULL;
    long n;

    snprintf(path, sizeof path, "%s/%s", dir, rel[0] == '/' ? rel + 1 : rel);
    if ((f = fopen(path, "rb")) == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (size_t)n > max || fseek(f, 0, SEEK_SET) != 0 ||
        (buf = malloc((size_t)n + 1)) == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "ember-inspect: cannot read %s\n", path);
        free(buf);
        buf = NULL;
        *bad = true;
    } else {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* limine.conf's default entry into out->cfg, or the refusal the loader would print. */
static void apply_limine_conf(const char *text, size_t len, struct inspect_esp *out)
{
    static struct lconf lc;
    struct lconf_diag diag;
    struct lconf_boot boot;
    const struct lconf_entry *e;

    config_defaults(&out->cfg);
    if (lconf_parse(text, len, &lc, &diag) != LCONF_OK || (e = lconf_default_entry(&lc, NULL, &diag)) == NULL ||
        lconf_to_ember(&lc, e, &out->cfg, &boot, &diag) != LCONF_OK) {
        out->refused = true;
        out->rule = lconf_error_name(diag.code);
        fmt_format(out->message, sizeof out->message, "%s (%s)", diag.message, out->source);
        return;
    }
    out->parsed = true;
}

bool inspect_esp_read(const char *dir, struct inspect_esp *out)
{
    bool bad = false;
    size_t len = 0;
    char *text;

    memset(out, 0, sizeof *out);
    config_defaults(&out->cfg);
    out->config_text = read_rel(dir, "ember.cfg", CONFIG_FILE_MAX_BYTES, &out->config_len, &bad);
    if (out->config_text != NULL || bad) {
        fmt_format(out->source, sizeof out->source, "ember.cfg");
        return !bad;
    }
    /* Limine looks beside its own executable first: ember's is /EFI/BOOT/BOOTX64.EFI on such a volume */
    text = read_rel(dir, LCONF_EFI_FALLBACK_PATH, LCONF_FILE_MAX_BYTES, &len, &bad);
    fmt_format(out->source, sizeof out->source, "%s", LCONF_EFI_FALLBACK_PATH);
    for (unsigned i = 0; text == NULL && !bad && i < LCONF_SEARCH_PATH_COUNT; i++) {
        text = read_rel(dir, lconf_search_paths[i], LCONF_FILE_MAX_BYTES, &len, &bad);
        fmt_format(out->source, sizeof out->source, "%s", lconf_search_paths[i]);
    }
    if (text == NULL) {
        out->source[0] = '\0';
        config_defaults(&out->cfg);
        return !bad;
    }
    apply_limine_conf(text, len, out);
    free(text);
    return true;
}
