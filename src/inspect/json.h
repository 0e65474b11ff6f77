/* A small JSON writer into a caller's buffer (ember-inspect's --json): objects, arrays, strings
 * escaped per RFC 8259, unsigned and signed integers, booleans, null. Commas are placed for the
 * caller; nesting is bounded. A write that does not fit sets overflow and keeps the buffer a valid
 * C string; the output is then incomplete and json_finish says so. */
#ifndef EMBER_INSPECT_JSON_H
#define EMBER_INSPECT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 16

struct json_out {
    char *buf;
    size_t cap, len;
    bool overflow;      /* something did not fit */
    bool misuse;        /* unbalanced end, too deep, a value where a key belongs */
    unsigned depth;
    bool has_items[JSON_MAX_DEPTH]; /* the container at this depth already holds an item */
    bool in_object[JSON_MAX_DEPTH];
    bool after_key;     /* a key was written, its value comes next */
};

void json_init(struct json_out *j, char *buf, size_t cap);
void json_begin_object(struct json_out *j);
void json_end_object(struct json_out *j);
void json_begin_array(struct json_out *j);
void json_end_array(struct json_out *j);
/* Inside an object: the next member's name. */
void json_key(struct json_out *j, const char *name);
void json_string(struct json_out *j, const char *s);
void json_uint(struct json_out *j, uint64_t v);
void json_int(struct json_out *j, int64_t v);
void json_bool(struct json_out *j, bool v);
void json_null(struct json_out *j);
/* "0x..." as a JSON string: addresses read better in hex and exceed 2^53. */
void json_hex(struct json_out *j, uint64_t v);
/* True when the document is complete and balanced and everything fit. */
bool json_finish(const struct json_out *j);

#endif
