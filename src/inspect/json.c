/* JSON writer (see json.h). */
#include "json.h"

#include "core/fmt.h"

void json_init(struct json_out *j, char *buf, size_t cap)
{
    *j = (struct json_out){ .buf = buf, .cap = cap };
    if (cap > 0)
        buf[0] = '\0';
}

static void put(struct json_out *j, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (j->len + 1 >= j->cap) {
            j->overflow = true;
            return;
        }
        j->buf[j->len++] = s[i];
    }
    j->buf[j->len] = '\0';
}

static void put_str(struct json_out *j, const char *s)
{
    size_t n = 0;
    while (s[n] != '\0')
        n++;
    put(j, s, n);
}

/* Before any value: the comma after a previous item, and the check that a key came first in an
 * object. */
static void before_value(struct json_out *j)
{
    if (j->depth > 0 && j->in_object[j->depth - 1]) {
        if (!j->after_key)
            j->misuse = true;
        j->after_key = false;
        return;
    }
    if (j->depth > 0 && j->has_items[j->depth - 1])
        put(j, ",", 1);
    if (j->depth > 0)
        j->has_items[j->depth - 1] = true;
}

static void begin(struct json_out *j, bool object)
{
    before_value(j);
    if (j->depth == JSON_MAX_DEPTH) {
        j->misuse = true;
        return;
    }
    put(j, object ? "{" : "[", 1);
    j->has_items[j->depth] = false;
    j->in_object[j->depth] = object;
    j->depth++;
}

static void end(struct json_out *j, bool object)
{
    if (j->depth == 0 || j->in_object[j->depth - 1] != object || j->after_key) {
        j->misuse = true;
        return;
    }
    j->depth--;
    put(j, object ? "}" : "]", 1);
}

void json_begin_object(struct json_out *j) { begin(j, true); }
void json_end_object(struct json_out *j) { end(j, true); }
void json_begin_array(struct json_out *j) { begin(j, false); }
void json_end_array(struct json_out *j) { end(j, false); }

/* The string with quotes; control characters, quote and backslash escaped (RFC 8259 section 7). */
static void put_quoted(struct json_out *j, const char *s)
{
    put(j, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            put(j, esc, 2);
        } else if (c == '\n') {
            put(j, "\\n", 2);
        } else if (c == '\t') {
            put(j, "\\t", 2);
        } else if (c == '\r') {
            put(j, "\\r", 2);
        } else if (c < 0x20 || c == 0x7f) {
            fmt_format(esc, sizeof esc, "\\u%04x", c);
            put_str(j, esc);
        } else {
            put(j, (const char *)&c, 1);
        }
    }
    put(j, "\"", 1);
}

void json_key(struct json_out *j, const char *name)
{
    if (j->depth == 0 || !j->in_object[j->depth - 1] || j->after_key) {
        j->misuse = true;
        return;
    }
    if (j->has_items[j->depth - 1])
        put(j, ",", 1);
    j->has_items[j->depth - 1] = true;
    put_quoted(j, name);
    put(j, ":", 1);
    j->after_key = true;
}

void json_string(struct json_out *j, const char *s)
{
    before_value(j);
    put_quoted(j, s != NULL ? s : "");
}

void json_uint(struct json_out *j, uint64_t v)
{
    char n[24];
    before_value(j);
    fmt_format(n, sizeof n, "%llu", (unsigned long long)v);
    put_str(j, n);
}

void json_int(struct json_out *j, int64_t v)
{
    char n[24];
    before_value(j);
    fmt_format(n, sizeof n, "%lld", (long long)v);
    put_str(j, n);
}

void json_bool(struct json_out *j, bool v)
{
    before_value(j);
    put_str(j, v ? "true" : "false");
}

void json_null(struct json_out *j)
{
    before_value(j);
    put_str(j, "null");
}

void json_hex(struct json_out *j, uint64_t v)
{
    char n[24];
    fmt_format(n, sizeof n, "0x%llx", (unsigned long long)v);
    json_string(j, n);
}

bool json_finish(const struct json_out *j)
{
    return !j->overflow && !j->misuse && j->depth == 0 && !j->after_key && j->len > 0;
}
