/* Host tests of the README's examples: its text and the fenced block under a heading. */
#ifndef EMBER_TESTS_README_FIXTURES_H
#define EMBER_TESTS_README_FIXTURES_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FENCE "```"

/* True when the line at p starts with prefix. */
static inline bool line_starts(const char *p, const char *prefix)
{
    return strncmp(p, prefix, strlen(prefix)) == 0;
}

/* The start of the line after the one at p, or the terminating NUL. */
static inline const char *next_line(const char *p)
{
    const char *nl = strchr(p, '\n');

    return nl != NULL ? nl + 1 : p + strlen(p);
}

/* Finds, in NUL-terminated markdown, the first fenced code block under the heading line `heading`
 * (alone or followed by a blank) and before the next heading. Sets *start and *len to the block's
 * lines (without the fences) and returns true; false when there is no such heading, no fence before
 * the next heading, or no closing fence. */
static inline bool readme_find_block(const char *md, const char *heading, const char **start, size_t *len)
{
    const char *p = md, *body;
    size_t n = strlen(heading);

    while (*p != '\0' && !(line_starts(p, heading) && strchr(" \t\r\n", p[n]) != NULL))
        p = next_line(p);
    if (*p == '\0')
        return false;
    for (p = next_line(p); *p != '\0' && !line_starts(p, FENCE); p = next_line(p))
        if (*p == '#')
            return false;
    if (*p == '\0')
        return false;
    body = next_line(p);
    for (p = body; *p != '\0' && !line_starts(p, FENCE); p = next_line(p))
        ;
    if (*p == '\0')
        return false;
    *start = body;
    *len = (size_t)(p - body);
    return true;
}

/* README.md as a NUL-terminated heap string, or NULL when unreadable. $EMBER_README names the file
 * when set; otherwise README.md (scripts/test.sh runs from the repo root), then ../../README.md
 * (run from build/host/). */
static inline char *read_readme(void)
{
    const char *env = getenv("EMBER_README");
    const char *paths[] = { env != NULL ? env : "README.md", env != NULL ? NULL : "../../README.md" };
    FILE *f = NULL;
    char *text = NULL;
    long size;
    size_t i;

    for (i = 0; i < 2 && f == NULL; i++)
        if (paths[i] != NULL)
            f = fopen(paths[i], "rb");
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
        && (text = malloc((size_t)size + 1)) != NULL) {
        if (fread(text, 1, (size_t)size, f) == (size_t)size) {
            text[size] = '\0';
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(f);
    return text;
}

#endif
