/* Pure: the names of ember.cfg parse errors (config.h), for messages and ember-inspect. */
#include "core/config.h"
#include "core/config_text.h"

static const char error_names[][17] = {
    [CONFIG_OK] = "ok",
    [CONFIG_ERR_SYNTAX] = "syntax",
    [CONFIG_ERR_UNKNOWN_KEY] = "unknown-key",
    [CONFIG_ERR_BAD_VALUE] = "bad-value",
    [CONFIG_ERR_TOO_LONG] = "too-long",
    [CONFIG_ERR_TOO_MANY_MODULES] = "too-many-modules",
    [CONFIG_ERR_DUPLICATE_KEY] = "duplicate-key",
};

const char *config_error_name(enum config_error err)
{
    if ((unsigned)err < ARRAY_LEN(error_names))
        return error_names[err];
    return "unknown";
}
