/* Limine module request revision 1: the modules a kernel names itself ("internal modules"). */
#include "ember/log.h"
#include "ember/proto_limine.h"

/* Copies the kernel's NUL-terminated string at vaddr into out[0..cap); false when it is not inside
 * the loaded image or does not fit. */
static bool kernel_string(const struct boot *b, uint64_t vaddr, char *out, size_t cap)
{
    for (size_t i = 0; i < cap; i++) {
        const char *c = limine_kernel_ptr(b, vaddr + i, 1);
        if (c == NULL)
            return false;
        out[i] = *c;
        if (*c == '\0')
            return true;
    }
    return false;
}

/* m's path: the kernel's directory, then path (relative to it, as the spec says). */
static bool internal_module_path(const struct boot *b, const char *path, struct config_module *m)
{
    size_t dir = 0, n = 0;
    for (size_t i = 0; b->config.kernel[i] != '\0'; i++)
        if (b->config.kernel[i] == '/' || b->config.kernel[i] == '\\')
            dir = i + 1;
    while (*path == '/' || *path == '\\')
        path++;
    for (; n < dir && n + 1 < sizeof m->path; n++)
        m->path[n] = b->config.kernel[n];
    for (; *path != '\0' && n + 1 < sizeof m->path; n++)
        m->path[n] = *path++;
    m->path[n] = '\0';
    return *path == '\0';
}

/* Module request revision 1: the modules the kernel names itself go first in the module list
 * (loaded by the core like ember.cfg's); without the required flag a missing file is skipped. */
EFI_STATUS limine_add_internal_modules(struct boot *b, const struct limine_state *st)
{
    const struct lscan_request *r = limine_find_request(st, LSCAN_MODULE);
    const struct limine_module_request *req = r != NULL ? (const void *)r->ptr : NULL;
    struct ember_config *c = &b->config;

    if (req == NULL || r->revision < LIMINE_MODULE_REQUEST_REVISION_INTERNAL || req->internal_module_count == 0)
        return EFI_SUCCESS;
    uint64_t n = req->internal_module_count;
    if (n > EMBER_MAX_MODULES - c->module_count) {
        log_error("limine: %llu internal modules and %u from ember.cfg: ember loads at most %u",
                  (unsigned long long)n, c->module_count, EMBER_MAX_MODULES);
        return EFI_INVALID_PARAMETER;
    }
    for (unsigned i = c->module_count; i-- > 0;)
        c->modules[i + n] = c->modules[i];
    for (uint64_t i = 0; i < n; i++) {
        const uint64_t *slot = limine_kernel_ptr(b, req->internal_modules + 8 * i, 8);
        const struct limine_internal_module *im = slot != NULL ? limine_kernel_ptr(b, *slot, sizeof *im) : NULL;
        struct config_module *m = &c->modules[i];
        char path[CONFIG_PATH_MAX];
        *m = (struct config_module){ .optional = im != NULL && !(im->flags & LIMINE_INTERNAL_MODULE_REQUIRED) };
        if (im == NULL || !kernel_string(b, im->path, path, sizeof path) ||
            !kernel_string(b, im->string, m->name, sizeof m->name) || !internal_module_path(b, path, m)) {
            log_error("limine: internal module %llu: its path or string is outside the kernel image or too long",
                      (unsigned long long)i + 1);
            return EFI_LOAD_ERROR;
        }
        log_info("limine: internal module %llu: %s (%s)", (unsigned long long)i + 1, m->path,
                 m->optional ? "optional" : "required");
    }
    c->module_count += (unsigned)n;
    return EFI_SUCCESS;
}

