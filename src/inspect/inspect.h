/* ember-inspect: what ember would do with a kernel and an ember.cfg, computed on the host by the
 * loader's own pure modules (config, ELF plan, decide, Limine scan, relocation, paging). */
#ifndef EMBER_INSPECT_H
#define EMBER_INSPECT_H

#include "core/config.h"
#include "core/decide.h"
#include "core/elf.h"
#include "core/lscan.h"
#include "core/pipeline.h"

#define INSPECT_MAX_ASSUMPTIONS 16
#define INSPECT_MAX_WARNINGS 8
#define INSPECT_TEXT_MAX 240

enum inspect_verdict { INSPECT_BOOTS, INSPECT_REFUSED };

struct inspect_segment {
    uint64_t phys;             /* where it would sit (see report.placement) */
    unsigned pages_4k, pages_2m; /* leaves covering it in the kernel's tables */
};

struct inspect_request {
    enum lscan_kind kind;
    enum lscan_verdict verdict;
    uint64_t revision, vaddr;
    char answer[INSPECT_TEXT_MAX]; /* what ember would answer, or why not */
};

struct inspect_report {
    enum inspect_verdict verdict;
    const char *stage;           /* the loader stage that refuses, as its log names it */
    struct decide_diag diag;     /* the refusal: rule name and the loader's error line */
    bool config_given;
    char config_source[96];      /* where the config came from ("ember.cfg", a limine.conf path) */
    struct ember_config cfg;     /* after parsing (defaults without --config) */
    uint64_t kernel_size;
    char kernel_sha256[SHA256_HEX_SIZE];
    bool have_plan;
    struct elf_plan plan;
    struct kernel_placement placement_result; /* pipe_place's, over the model of physical memory */
    uint64_t region_phys[ELF_MAX_LOAD_SEGMENTS]; /* where each plan region would sit (the model) */
    struct inspect_segment segs[ELF_MAX_LOAD_SEGMENTS];
    char placement[INSPECT_TEXT_MAX];
    unsigned table_pages;        /* page-table pages for the kernel's own mapping, root included */
    bool tables_beyond_model;    /* more than the model holds: table_pages is a lower bound, no page counts */
    uint64_t kernel_bytes;       /* physical memory the kernel's regions take */
    bool have_protocol;
    enum decide_protocol protocol;
    char protocol_why[200];
    uint64_t stack_size, entry;
    bool limine_scanned;
    struct lscan_result scan;    /* its ptr fields point into freed memory after inspect_run */
    uint64_t base_revision;      /* the one ember would boot with */
    size_t request_count;
    struct inspect_request requests[LSCAN_MAX_REQUESTS];
    unsigned internal_modules;   /* module request revision 1: the kernel's own modules */
    struct pipe_multiboot multiboot_plan; /* version != 0: a Multiboot kernel, booted by that protocol */
    unsigned multiboot_count;    /* the loader's "multiboot..." lines: the header and its tags */
    char multiboot[INSPECT_MAX_WARNINGS][INSPECT_TEXT_MAX];
    unsigned warning_count;      /* the loader's WARN lines for this kernel */
    char warnings[INSPECT_MAX_WARNINGS][INSPECT_TEXT_MAX];
    unsigned assumption_count;
    char assumptions[INSPECT_MAX_ASSUMPTIONS][INSPECT_TEXT_MAX];
    char condition[INSPECT_TEXT_MAX]; /* what the boot verdict depends on ("" when nothing the file shows) */
};

/* Fills *r for the kernel file bytes (size bytes) and ember.cfg text (NULL: no ember.cfg). Returns
 * false only when the host runs out of memory. */
bool inspect_run(const uint8_t *kernel, uint64_t size, const char *config_text, size_t config_len,
                 struct inspect_report *r);

/* As inspect_run, with the configuration already made: limine.conf's default entry (--esp). */
bool inspect_run_parsed(const uint8_t *kernel, uint64_t size, const struct ember_config *cfg, struct inspect_report *r);

/* A report refusing at "read the config" with the loader's line (a limine.conf ember cannot use). */
void inspect_config_refused(struct inspect_report *r, const char *rule, const char *message);

/* esp.c: what the loader reads from a boot volume laid out in directory dir: ember.cfg, else the
 * first limine.conf of Limine's search order (its default entry), else the defaults. */
struct inspect_esp {
    char source[96];          /* "ember.cfg", "/boot/limine/limine.conf" or "" (defaults) */
    char *config_text;        /* ember.cfg's bytes (malloc'd), NULL otherwise */
    size_t config_len;
    bool parsed;              /* cfg holds limine.conf's default entry */
    bool refused;             /* limine.conf cannot be used: rule and message say why */
    struct ember_config cfg;
    const char *rule;
    char message[192];
};
/* Fills *out; false (with a message on stderr) when a file that exists cannot be read. */
bool inspect_esp_read(const char *dir, struct inspect_esp *out);

/* Adds one line to the report's assumptions (facts that exist only at boot). */
void inspect_assume(struct inspect_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* requests.c: each scanned request with what ember would answer (after a successful scan). */
void inspect_limine_requests(struct inspect_report *r);

/* pagemodel.c: maps each region at r->region_phys with the loader's paging code into a simulated
 * address space; fills pages_4k/pages_2m and table_pages. false when the host is out of memory or
 * the paging code refused (diag filled). */
bool inspect_page_model(struct inspect_report *r);

/* report.c: the report as text (stdout style) or as one JSON object, into buf. */
size_t inspect_format_text(const struct inspect_report *r, char *buf, size_t cap);
bool inspect_format_json(const struct inspect_report *r, char *buf, size_t cap);

#endif
