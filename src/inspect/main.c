/* ember-inspect: the command line (see usage_text). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/volume.h"
#include "inspect.h"

#define EXIT_WOULD_BOOT 0
#define EXIT_WOULD_REFUSE 1
#define EXIT_USAGE 2
#define FILE_MAX_BYTES (1ULL << 30)
#define OUTPUT_MAX (256 * 1024)

static const char usage_text[] =
    "NAME\n"
    "    ember-inspect - tell, on the host, what ember would do with a kernel\n"
    "\n"
    "SYNOPSIS\n"
    "    ember-inspect KERNEL [--config EMBER.CFG] [--json]\n"
    "    ember-inspect --esp DIR [--volume VOLUME=DIR]... [--json]\n"
    "    ember-inspect --help\n"
    "\n"
    "DESCRIPTION\n"
    "    Runs ember's own configuration parser, ELF validation and planning, protocol choice, Limine\n"
    "    request scan, relocation and paging code on KERNEL (the file ember.cfg's kernel= names) and\n"
    "    prints the verdict: the protocol ember would choose and why; each PT_LOAD with its addresses,\n"
    "    sizes, permissions and page sizes; the page-table pages the kernel's mapping needs; every\n"
    "    Limine request and what ember would answer; the configuration after parsing; for a kernel or\n"
    "    configuration ember refuses, the exact error line the loader would print. Facts that exist\n"
    "    only at boot (free memory, framebuffer, ACPI tables, module files) are listed as assumptions.\n"
    "\n"
    "OPTIONS\n"
    "    --config EMBER.CFG  parse this ember.cfg (without it: ember's defaults, as with no ember.cfg)\n"
    "    --esp DIR           a boot volume's files: its ember.cfg, else its limine.conf where Limine looks\n"
    "                        (the default entry), else the defaults; the kernel is the one they name\n"
    "    --volume VOLUME=DIR another volume's files, for a kernel path that names it as limine.conf\n"
    "                        does: --volume 'fslabel(DATA)=/media/data' (also boot(N), hdd(D:P), guid(G))\n"
    "    --json              print one JSON object instead of text\n"
    "    --help, -h          print this text\n"
    "\n"
    "EXIT STATUS\n"
    "    0  ember would boot the kernel (under the assumptions printed)\n"
    "    1  ember would refuse it: the loader's error line is printed\n"
    "    2  usage error, or a file could not be read\n"
    "\n"
    "EXAMPLES\n"
    "    ember-inspect build/kernel/kernel.elf\n"
    "    ember-inspect build/limine/mp.elf --config ember.cfg --json\n"
    "    ember-inspect --esp /media/usb --json\n"
    "    make inspect KERNEL=build/kernel/kernel.elf CONFIG=ember.cfg\n";

/* Reads the whole file into a new buffer (+1 byte, NUL-terminated). NULL with a message on error. */
static char *read_file(const char *path, uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (uint64_t)n > FILE_MAX_BYTES ||
        fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
        fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "ember-inspect: cannot read %s\n", path);
        free(buf);
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *size = (uint64_t)n;
    return buf;
}

#define MAX_VOLUMES 8

struct args {
    const char *kernel, *config, *esp;
    const char *volumes[MAX_VOLUMES]; /* --volume VOLUME=DIR, as given */
    unsigned volume_count;
    bool json, help;
};

static bool parse_args(int argc, char **argv, struct args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            a->help = true;
        else if (strcmp(argv[i], "--json") == 0)
            a->json = true;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc && a->config == NULL)
            a->config = argv[++i];
        else if (strcmp(argv[i], "--esp") == 0 && i + 1 < argc && a->esp == NULL)
            a->esp = argv[++i];
        else if (strcmp(argv[i], "--volume") == 0 && i + 1 < argc && a->volume_count < MAX_VOLUMES &&
                 strchr(argv[i + 1], '=') != NULL)
            a->volumes[a->volume_count++] = argv[++i];
        else if (argv[i][0] != '-' && a->kernel == NULL)
            a->kernel = argv[i];
        else
            return false;
    }
    if (a->esp != NULL)
        return a->kernel == NULL && a->config == NULL;
    return (a->help || a->kernel != NULL) && a->volume_count == 0;
}

/* The directory holding the volume path's prefix names: the ESP for none or boot(), else the
 * --volume whose VOLUME is the same (compared as core/volume.h names them). NULL, with a message,
 * when the path is malformed or no --volume gives its volume. *rest is the path on the volume. */
static const char *volume_dir(const struct args *a, const char *path, const char **rest)
{
    struct volume_ref want, have;
    char want_name[VOLUME_NAME_MAX], have_name[VOLUME_NAME_MAX], spec[VOLUME_NAME_MAX + 4];
    const char *why, *ignored;

    if (!volume_split(path, &want, rest, &why)) {
        fprintf(stderr, "ember-inspect: %s: %s\n", path, why);
        return NULL;
    }
    if (want.kind == VOLUME_BOOT)
        return a->esp;
    volume_name(&want, want_name);
    for (unsigned i = 0; i < a->volume_count; i++) {
        const char *eq = strchr(a->volumes[i], '=');
        snprintf(spec, sizeof spec, "%.*s:/", (int)(eq - a->volumes[i]), a->volumes[i]);
        if (volume_split(spec, &have, &ignored, &why) && (volume_name(&have, have_name), strcmp(have_name, want_name) == 0))
            return eq + 1;
    }
    fprintf(stderr, "ember-inspect: the kernel %s is on %s: give that volume's files with --volume '%s=DIR'\n", path,
            want_name, want_name);
    return NULL;
}

/* --esp: the config the loader would read from the ESP, and the kernel it names there (or on a
 * --volume). */
static bool run_esp(const struct args *a, struct inspect_report *report)
{
    static struct inspect_esp esp;
    struct ember_config named;
    char path[1024];
    const char *dir, *rel;
    uint64_t ksize = 0;
    bool ok;

    if (!inspect_esp_read(a->esp, &esp))
        return false;
    if (esp.refused) {
        inspect_config_refused(report, esp.rule, esp.message);
        snprintf(report->config_source, sizeof report->config_source, "%s", esp.source);
        return true;
    }
    named = esp.cfg;
    if (esp.config_text != NULL) /* the kernel ember.cfg names; a bad ember.cfg is the report's refusal */
        config_parse(esp.config_text, esp.config_len, &named, NULL);
    if ((dir = volume_dir(a, named.kernel, &rel)) == NULL)
        return free(esp.config_text), false;
    rel += *rel == '/' || *rel == '\\';
    if (strlen(dir) + strlen(rel) + 2 > sizeof path) {
        fprintf(stderr, "ember-inspect: the kernel path under %s is too long\n", dir);
        return free(esp.config_text), false;
    }
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *c = path; *c; c++)
        *c = *c == '\\' ? '/' : *c;
    char *kernel = read_file(path, &ksize);
    if (kernel == NULL)
        return free(esp.config_text), false;
    ok = esp.parsed ? inspect_run_parsed((const uint8_t *)kernel, ksize, &esp.cfg, report)
                    : inspect_run((const uint8_t *)kernel, ksize, esp.config_text, esp.config_len, report);
    snprintf(report->config_source, sizeof report->config_source, "%s", esp.source);
    free(kernel);
    free(esp.config_text);
    return ok;
}

int main(int argc, char **argv)
{
    struct args a;
    uint64_t ksize = 0, csize = 0;
    static struct inspect_report report;
    static char out[OUTPUT_MAX];

    if (!parse_args(argc, argv, &a)) {
        fprintf(stderr, "usage: ember-inspect KERNEL [--config EMBER.CFG] [--json] | --esp DIR [--volume VOLUME=DIR]... [--json] (see --help)\n");
        return EXIT_USAGE;
    }
    if (a.help) {
        fputs(usage_text, stdout);
        return EXIT_WOULD_BOOT;
    }
    bool ok;
    if (a.esp != NULL) {
        if (!run_esp(&a, &report))
            return EXIT_USAGE;
        ok = true;
    } else {
        char *kernel = read_file(a.kernel, &ksize), *config = a.config ? read_file(a.config, &csize) : NULL;
        if (kernel == NULL || (a.config != NULL && config == NULL)) {
            free(kernel);
            return EXIT_USAGE;
        }
        ok = inspect_run((const uint8_t *)kernel, ksize, config, (size_t)csize, &report);
        free(kernel);
        free(config);
    }
    if (!ok) {
        fprintf(stderr, "ember-inspect: %s\n", report.placement[0] ? report.placement : "out of memory");
        return EXIT_USAGE;
    }
    if (a.json && !inspect_format_json(&report, out, sizeof out)) {
        fprintf(stderr, "ember-inspect: the JSON report did not fit in %u bytes\n", OUTPUT_MAX);
        return EXIT_USAGE;
    }
    if (!a.json && inspect_format_text(&report, out, sizeof out) >= sizeof out) {
        fprintf(stderr, "ember-inspect: the report did not fit in %u bytes\n", OUTPUT_MAX);
        return EXIT_USAGE;
    }
    fputs(out, stdout);
    if (a.json)
        putchar('\n');
    return report.verdict == INSPECT_BOOTS ? EXIT_WOULD_BOOT : EXIT_WOULD_REFUSE;
}
