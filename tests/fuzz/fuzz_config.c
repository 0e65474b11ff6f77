/* libFuzzer harness: any input as ember.cfg through config_defaults + config_parse. */
#define _GNU_SOURCE /* memmem */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h> /* strncasecmp */

#include "core/config.h"

#define POISON 0xa5 /* fills the diag first, so a field the parser forgets to write shows up */
#define STACK_SIZE_MIN (16 * KIB)
#define STACK_SIZE_MAX (16 * MIB)
#define DEFAULT_STACK_SIZE (64 * KIB)
#define FAIL_ALLOC_AT_MAX 1000000u
#define FAULT_BITS ((CONFIG_FAULT_CORRUPT_MODULE_READ << 1) - 1) /* every enum config_fault bit */

#define FUZZ_NAME "fuzz_config"
#include "fuzz_common.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* s[0..cap) holds a NUL-terminated string without '\n'; with trimmed, no leading or trailing
 * blanks either. */
static void check_text(const char *s, size_t cap, bool non_empty, bool trimmed, const char *what)
{
    size_t len = strnlen(s, cap);

    check(len < cap, what);
    check(!non_empty || len > 0, what);
    check(memchr(s, '\n', len) == NULL, what);
    check(!trimmed || len == 0 || (!is_blank(s[0]) && !is_blank(s[len - 1])), what);
}

/* True when s holds a '#' after a blank, which outside quotes would have started a comment. */
static bool has_comment(const char *s)
{
    return strstr(s, " #") != NULL || strstr(s, "\t#") != NULL;
}

/* A bool object holds 0 or 1 (read as a byte: loading any other value as bool is UB). */
static bool bool_byte_ok(const bool *b)
{
    uint8_t byte;

    memcpy(&byte, b, 1);
    return byte <= 1;
}

static bool input_mentions(const uint8_t *data, size_t size, const char *key)
{
    return memmem(data, size, key, strlen(key)) != NULL;
}

/* input_mentions with ASCII case ignored. */
static bool input_mentions_nocase(const uint8_t *data, size_t size, const char *word)
{
    size_t i, n = strlen(word);

    for (i = 0; i + n <= size; i++)
        if (strncasecmp((const char *)data + i, word, n) == 0)
            return true;
    return false;
}

/* True when some blank-separated word of s starts with "sha256=", ASCII case ignored. */
static bool has_sha256_word(const char *s)
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++)
        if ((i == 0 || is_blank(s[i - 1])) && strncasecmp(s + i, "sha256=", 7) == 0)
            return true;
    return false;
}

/* A module's pinned hash: set only from a sha256= word, never left in its name; the digest is
 * all zero without it. */
static void check_module_hash(const struct config_module *m, const uint8_t *data, size_t size)
{
    static const uint8_t zero_digest[sizeof m->sha256];

    check(bool_byte_ok(&m->has_sha256), "module has_sha256 is 0 or 1");
    check(m->has_sha256 || memcmp(m->sha256, zero_digest, sizeof zero_digest) == 0,
          "module sha256 set only with has_sha256");
    check(!m->has_sha256 || input_mentions_nocase(data, size, "sha256="),
          "module sha256 needs sha256=");
    check(!has_sha256_word(m->name), "module name holds no sha256= word");
}

/* Every field of a successfully parsed config is in range and terminated in its array. */
static void check_config(const struct ember_config *cfg, const uint8_t *data, size_t size)
{
    static const uint8_t zero_digest[sizeof cfg->kernel_sha256];
    bool quoted = memchr(data, '"', size) != NULL;
    unsigned i;

    check_text(cfg->kernel, sizeof cfg->kernel, true, !quoted,
               "kernel: terminated, non-empty, trimmed unless quoted");
    check_text(cfg->cmdline, sizeof cfg->cmdline, false, !quoted,
               "cmdline: terminated, trimmed unless quoted");
    check(quoted || (!has_comment(cfg->kernel) && !has_comment(cfg->cmdline)),
          "kernel, cmdline: a '#' after a blank only when quoted");
    check(cfg->module_count <= EMBER_MAX_MODULES, "module_count <= EMBER_MAX_MODULES");
    for (i = 0; i < cfg->module_count; i++) {
        const struct config_module *m = &cfg->modules[i];
        /* a module value is trimmed before it is split into words, quoted or not */
        check_text(m->path, sizeof m->path, true, true, "module path: terminated, non-empty, trimmed");
        check(strpbrk(m->path, " \t") == NULL, "module path is one word");
        check_text(m->name, sizeof m->name, false, true, "module name: terminated, trimmed");
        check(quoted || !has_comment(m->name), "module name: a '#' after a blank only when quoted");
        check_module_hash(m, data, size);
    }
    check(cfg->module_count == 0 || input_mentions(data, size, "module"), "modules need module=");
    check(cfg->stack_size >= STACK_SIZE_MIN && cfg->stack_size <= STACK_SIZE_MAX
              && is_aligned(cfg->stack_size, PAGE_SIZE_4K),
          "stack_size a 4 KiB multiple in 16 KiB..16 MiB");
    check(cfg->stack_size == DEFAULT_STACK_SIZE || input_mentions(data, size, "stack_size"),
          "stack_size changes only with stack_size=");
    check(cfg->log_level <= LOG_DEBUG, "log_level in range");
    check(cfg->serial <= SERIAL_OFF, "serial in range");
    check(cfg->fail_alloc_at <= FAIL_ALLOC_AT_MAX, "fail_alloc_at <= 1000000");
    check((cfg->test_faults & ~FAULT_BITS) == 0, "test_faults holds only known faults");
    check(cfg->test_faults == 0 || input_mentions(data, size, "test_fault"),
          "test_faults change only with test_fault=");
    check(bool_byte_ok(&cfg->allow_wx) && bool_byte_ok(&cfg->demo_map)
              && bool_byte_ok(&cfg->has_kernel_sha256),
          "bools are 0 or 1");
    check(cfg->has_kernel_sha256
              || memcmp(cfg->kernel_sha256, zero_digest, sizeof zero_digest) == 0,
          "kernel_sha256 set only with has_kernel_sha256");
}

/* On error: a code with a name, a line within the input, and a printable, non-empty message
 * "ember.cfg:LINE: ..." NUL-terminated in its array. On success: line 0 and "". */
static void check_diag(enum config_error err, const struct config_diag *diag, const uint8_t *data,
                       size_t size)
{
    size_t len = strnlen(diag->message, sizeof diag->message), i, lines = 1;
    char prefix[32];
    int n;

    check(diag->code == err, "diag.code is the returned code");
    check(len < sizeof diag->message, "diag.message is NUL-terminated");
    if (err == CONFIG_OK) {
        check(diag->line == 0 && len == 0, "diag is line 0 and empty on success");
        return;
    }
    check(strcmp(config_error_name(err), "unknown") != 0, "error code has a name");
    for (i = 0; i < size; i++)
        lines += data[i] == '\n';
    check(diag->line >= 1 && diag->line <= lines, "diag.line within the input");
    n = snprintf(prefix, sizeof prefix, "ember.cfg:%u: ", diag->line);
    check(n > 0 && len > (size_t)n && memcmp(diag->message, prefix, (size_t)n) == 0,
          "diag.message is 'ember.cfg:LINE: ' and more");
    for (i = 0; i < len; i++)
        check(diag->message[i] >= ' ' && diag->message[i] <= '~', "diag.message is printable");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ember_config cfg, again;
    struct config_diag diag;
    enum config_error err;

    config_defaults(&cfg);
    memset(&diag, POISON, sizeof diag);
    err = config_parse((const char *)data, size, &cfg, &diag);
    check_diag(err, &diag, data, size);
    config_defaults(&again);
    check(config_parse((const char *)data, size, &again, NULL) == err,
          "a NULL diag changes nothing");
    if (err == CONFIG_OK)
        check_config(&cfg, data, size);
    check(!expect_ok || err == CONFIG_OK, "seed parses");
    return 0;
}
