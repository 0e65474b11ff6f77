/* libFuzzer harness: ember-inspect's whole pipeline (the loader's own steps, in its order) on a fuzzed
 * kernel and ember.cfg, then both report formats. Input: u16 config length (little-endian; 0xFFFF:
 * no ember.cfg), the config's bytes, then the kernel file's bytes (each in an exactly-sized heap
 * block, so ASan reports any read past either). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

#define NO_CONFIG 0xFFFFu
#define OUTPUT_MAX (256 * 1024)

#define FUZZ_NAME "fuzz_inspect"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct inspect_report report;
    static char out[OUTPUT_MAX];
    size_t config_len;

    if (size < 2)
        return 0;
    config_len = data[0] | (size_t)data[1] << 8;
    bool has_config = config_len != NO_CONFIG;
    if (!has_config)
        config_len = 0;
    if (config_len > size - 2)
        return 0;
    char *config = has_config ? malloc(config_len + 1) : NULL;
    size_t kernel_size = size - 2 - config_len;
    uint8_t *kernel = malloc(kernel_size + 1);
    if ((has_config && config == NULL) || kernel == NULL)
        abort();
    if (has_config)
        memcpy(config, data + 2, config_len);
    memcpy(kernel, data + 2 + config_len, kernel_size);

    bool host_ok = inspect_run(kernel, kernel_size, config, config_len, &report);
    check(host_ok || !expect_ok, "a seed is modelled without running out of host memory");
    if (host_ok) {
        bool refused = report.verdict == INSPECT_REFUSED;
        check(!refused || (report.stage != NULL && report.diag.rule_name != NULL),
              "a refusal names its stage and rule");
        check(!refused || report.diag.rule != DECIDE_FIRMWARE, "the host reader never fails like firmware");
        check(!refused || report.diag.message[0] != '\0', "a refusal carries the loader's error line");
        check(!refused || !expect_ok || report.stage != NULL, "seeds are judged");
        check(inspect_format_text(&report, out, sizeof out) < sizeof out, "the text report fits");
        check(inspect_format_json(&report, out, sizeof out), "the JSON report fits");
    }
    free(kernel);
    free(config);
    return 0;
}
