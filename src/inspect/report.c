/* ember-inspect's output: the report as text, or as one JSON object with the same facts. */
#include "core/fmt.h"
#include "inspect.h"
#include "json.h"

struct text {
    char *buf;
    size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void say(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t n = fmt_vformat(t->len < t->cap ? t->buf + t->len : NULL, t->len < t->cap ? t->cap - t->len : 0, fmt, ap);
    va_end(ap);
    t->len += n;
}

static const char *perm(uint32_t f)
{
    static const char *const names[8] = { "---", "--X", "-W-", "-WX", "R--", "R-X", "RW-", "RWX" };
    return names[f & 7];
}

static const char *protocol_name(enum decide_protocol p)
{
    return p == DECIDE_PROTO_LIMINE ? "limine" : "ember";
}

static void text_segments(const struct inspect_report *r, struct text *t)
{
    say(t, "segments: %u PT_LOAD (program header as readelf numbers it, vaddr, p_paddr, where ember would put it, "
        "file/memory bytes, permissions, pages)\n", r->plan.count);
    for (unsigned k = 0; k < r->plan.count; k++) {
        const struct elf_segment *s = &r->plan.segments[k];
        say(t, "  %2u  0x%016llx  0x%llx  0x%llx  file 0x%llx  mem 0x%llx  %s  %u x 4 KiB, %u x 2 MiB\n", s->phdr,
            (unsigned long long)s->vaddr, (unsigned long long)s->paddr, (unsigned long long)r->segs[k].phys,
            (unsigned long long)s->filesz, (unsigned long long)s->memsz, perm(s->flags), r->segs[k].pages_4k,
            r->segs[k].pages_2m);
    }
    say(t, "placement: %s\n", r->placement);
    say(t, "page tables: %s%u pages for the kernel's own mapping (root included)\n",
        r->tables_beyond_model ? "more than " : "", r->table_pages);
}

static void text_config(const struct inspect_report *r, struct text *t)
{
    const struct ember_config *c = &r->cfg;
    say(t, "config (%s%s):\n", r->config_given ? (r->config_source[0] ? r->config_source : "ember.cfg") : "no ember.cfg: defaults",
        r->config_given ? " as parsed" : "");
    say(t, "  kernel=%s\n  protocol=%s\n  cmdline=\"%s\"\n  stack_size=%llu\n  smp=%s\n  allow_wx=%s\n",
        c->kernel, config_protocol_name(c->protocol), c->cmdline, (unsigned long long)c->stack_size, config_smp_name(c->smp),
        c->allow_wx ? "yes" : "no");
    say(t, "  log_level=%s\n  serial=%s\n", config_log_level_name(c->log_level), config_serial_name(c->serial));
    if (c->has_kernel_sha256)
        say(t, "  kernel_sha256=(pinned)\n");
    for (unsigned i = 0; i < c->module_count; i++)
        say(t, "  module=%s%s%s%s\n", c->modules[i].path, c->modules[i].name[0] ? " " : "", c->modules[i].name,
            c->modules[i].has_sha256 ? " sha256=(pinned)" : "");
}

size_t inspect_format_text(const struct inspect_report *r, char *buf, size_t cap)
{
    struct text t = { buf, cap, 0 };

    if (r->verdict == INSPECT_REFUSED) {
        say(&t, "verdict: ember would refuse this kernel (stage '%s', rule %s)\n", r->stage, r->diag.rule_name);
        say(&t, "[ERROR] (ember): %s\n", r->diag.message);
    } else {
        say(&t, "verdict: ember would boot this kernel%s%s\n", r->condition[0] ? " if " : "", r->condition);
    }
    say(&t, "kernel: %llu bytes, SHA-256 %s\n", (unsigned long long)r->kernel_size,
        r->kernel_sha256[0] ? r->kernel_sha256 : "(not computed)");
    if (r->have_protocol)
        say(&t, "protocol: %s (%s)\n", protocol_name(r->protocol), r->protocol_why);
    if (r->have_plan) {
        say(&t, "entry: 0x%llx%s\n", (unsigned long long)(r->have_protocol ? r->entry : r->plan.entry),
            r->plan.is_dyn ? " (relocatable, slid)" : "");
        if (r->have_protocol)
            say(&t, "stack: %llu KiB\n", (unsigned long long)(r->stack_size / KIB));
        text_segments(r, &t);
    }
    if (r->limine_scanned) {
        say(&t, "limine: base revision %llu (%s), %zu request(s)\n", (unsigned long long)r->base_revision,
            r->scan.has_tag ? "from the kernel's tag" : "no tag", r->request_count);
        for (size_t i = 0; i < r->request_count; i++)
            say(&t, "  %s (revision %llu) at 0x%llx: %s\n", lscan_kind_name(r->requests[i].kind),
                (unsigned long long)r->requests[i].revision, (unsigned long long)r->requests[i].vaddr,
                r->requests[i].answer);
    }
    for (unsigned i = 0; i < r->multiboot_count; i++)
        say(&t, "%s\n", r->multiboot[i]);
    text_config(r, &t);
    if (r->warning_count > 0)
        say(&t, "warnings (the loader logs them as WARN lines):\n");
    for (unsigned i = 0; i < r->warning_count; i++)
        say(&t, "  - %s\n", r->warnings[i]);
    if (r->assumption_count > 0)
        say(&t, "assumed (known only at boot):\n");
    for (unsigned i = 0; i < r->assumption_count; i++)
        say(&t, "  - %s\n", r->assumptions[i]);
    return t.len;
}

static void json_segments(const struct inspect_report *r, struct json_out *j)
{
    json_key(j, "segments");
    json_begin_array(j);
    for (unsigned k = 0; k < r->plan.count; k++) {
        const struct elf_segment *s = &r->plan.segments[k];
        json_begin_object(j);
        json_key(j, "program_header"), json_uint(j, s->phdr);
        json_key(j, "vaddr"), json_hex(j, s->vaddr);
        json_key(j, "paddr"), json_hex(j, s->paddr);
        json_key(j, "phys"), json_hex(j, r->segs[k].phys);
        json_key(j, "filesz"), json_uint(j, s->filesz);
        json_key(j, "memsz"), json_uint(j, s->memsz);
        json_key(j, "permissions"), json_string(j, perm(s->flags));
        json_key(j, "pages_4k"), json_uint(j, r->segs[k].pages_4k);
        json_key(j, "pages_2m"), json_uint(j, r->segs[k].pages_2m);
        json_end_object(j);
    }
    json_end_array(j);
    json_key(j, "placement"), json_string(j, r->placement);
    json_key(j, "page_table_pages"), json_uint(j, r->table_pages);
    json_key(j, "page_tables_beyond_model"), json_bool(j, r->tables_beyond_model);
    json_key(j, "kernel_memory_bytes"), json_uint(j, r->kernel_bytes);
}

static void json_limine(const struct inspect_report *r, struct json_out *j)
{
    json_key(j, "limine");
    if (!r->limine_scanned) {
        json_null(j);
        return;
    }
    json_begin_object(j);
    json_key(j, "base_revision"), json_uint(j, r->base_revision);
    json_key(j, "has_tag"), json_bool(j, r->scan.has_tag);
    json_key(j, "requests");
    json_begin_array(j);
    for (size_t i = 0; i < r->request_count; i++) {
        json_begin_object(j);
        json_key(j, "kind"), json_string(j, lscan_kind_name(r->requests[i].kind));
        json_key(j, "revision"), json_uint(j, r->requests[i].revision);
        json_key(j, "vaddr"), json_hex(j, r->requests[i].vaddr);
        json_key(j, "answered"), json_bool(j, r->requests[i].verdict == LSCAN_VERDICT_OK &&
                                                  lscan_never_answered(r->requests[i].kind) == NULL &&
                                                  r->requests[i].kind != LSCAN_UNKNOWN);
        json_key(j, "answer"), json_string(j, r->requests[i].answer);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

static void json_config(const struct inspect_report *r, struct json_out *j)
{
    const struct ember_config *c = &r->cfg;
    json_key(j, "config");
    json_begin_object(j);
    json_key(j, "from_file"), json_bool(j, r->config_given);
    json_key(j, "kernel"), json_string(j, c->kernel);
    json_key(j, "protocol"), json_string(j, config_protocol_name(c->protocol));
    json_key(j, "cmdline"), json_string(j, c->cmdline);
    json_key(j, "stack_size"), json_uint(j, c->stack_size);
    json_key(j, "smp"), json_string(j, config_smp_name(c->smp));
    json_key(j, "allow_wx"), json_bool(j, c->allow_wx);
    json_key(j, "log_level"), json_string(j, config_log_level_name(c->log_level));
    json_key(j, "serial"), json_string(j, config_serial_name(c->serial));
    json_key(j, "kernel_sha256_pinned"), json_bool(j, c->has_kernel_sha256);
    json_key(j, "source"), json_string(j, r->config_given ? (r->config_source[0] ? r->config_source : "ember.cfg") : "");
    json_key(j, "fail_alloc_at"), json_uint(j, c->fail_alloc_at);
    json_key(j, "test_faults");
    json_begin_array(j);
    for (uint32_t bit = 1; bit != 0 && bit <= c->test_faults; bit <<= 1)
        if (c->test_faults & bit)
            json_string(j, config_fault_name(bit));
    json_end_array(j);
    json_key(j, "modules");
    json_begin_array(j);
    for (unsigned i = 0; i < c->module_count; i++) {
        json_begin_object(j);
        json_key(j, "path"), json_string(j, c->modules[i].path);
        json_key(j, "name"), json_string(j, c->modules[i].name);
        json_key(j, "sha256_pinned"), json_bool(j, c->modules[i].has_sha256);
        json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
}

bool inspect_format_json(const struct inspect_report *r, char *buf, size_t cap)
{
    struct json_out j;

    json_init(&j, buf, cap);
    json_begin_object(&j);
    json_key(&j, "verdict"), json_string(&j, r->verdict == INSPECT_BOOTS ? "boot" : "refuse");
    json_key(&j, "stage"), r->stage ? json_string(&j, r->stage) : json_null(&j);
    json_key(&j, "rule"), r->verdict == INSPECT_REFUSED ? json_string(&j, r->diag.rule_name) : json_null(&j);
    json_key(&j, "error"), r->verdict == INSPECT_REFUSED ? json_string(&j, r->diag.message) : json_null(&j);
    json_key(&j, "condition"); /* what a boot verdict depends on, beyond the file */
    r->verdict == INSPECT_BOOTS && r->condition[0] ? json_string(&j, r->condition) : json_null(&j);
    json_key(&j, "kernel_size"), json_uint(&j, r->kernel_size);
    json_key(&j, "kernel_sha256"), json_string(&j, r->kernel_sha256);
    json_key(&j, "protocol"), r->have_protocol ? json_string(&j, protocol_name(r->protocol)) : json_null(&j);
    json_key(&j, "protocol_reason"), r->have_protocol ? json_string(&j, r->protocol_why) : json_null(&j);
    if (r->have_plan) {
        json_key(&j, "entry"), json_hex(&j, r->have_protocol ? r->entry : r->plan.entry);
        json_key(&j, "relocatable"), json_bool(&j, r->plan.is_dyn);
        json_key(&j, "stack_size"), r->have_protocol ? json_uint(&j, r->stack_size) : json_null(&j);
        json_segments(r, &j);
    }
    json_limine(r, &j);
    json_config(r, &j);
    json_key(&j, "multiboot");
    json_begin_array(&j);
    for (unsigned i = 0; i < r->multiboot_count; i++)
        json_string(&j, r->multiboot[i]);
    json_end_array(&j);
    json_key(&j, "warnings");
    json_begin_array(&j);
    for (unsigned i = 0; i < r->warning_count; i++)
        json_string(&j, r->warnings[i]);
    json_end_array(&j);
    json_key(&j, "assumptions");
    json_begin_array(&j);
    for (unsigned i = 0; i < r->assumption_count; i++)
        json_string(&j, r->assumptions[i]);
    json_end_array(&j);
    json_end_object(&j);
    return json_finish(&j);
}
