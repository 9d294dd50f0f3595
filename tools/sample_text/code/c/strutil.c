#include "strutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

size_t str_lcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len >= size ? size - 1 : len;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

char *str_trim(char *s)
{
    char *start = s, *end;
    while (isspace((unsigned char)*start))
        start++;
    end = start + strlen(start);
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    memmove(s, start, (size_t)(end - start));
    s[end - start] = '\0';
    return s;
}

int str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return lx <= ls && memcmp(s + ls - lx, suffix, lx) == 0;
}

size_t str_split(char *s, char delim, char **fields, size_t max)
{
    size_t n = 0;
    if (max == 0)
        return 0;
    fields[n++] = s;
    for (; *s; s++) {
        if (*s == delim && n < max) {
            *s = '\0';
            fields[n++] = s + 1;
        }
    }
    return n;
}

char *str_replace(const char *s, const char *from, const char *to)
{
    size_t lf = strlen(from), lt = strlen(to), count = 0;
    const char *p;

    if (lf == 0)
        return strdup(s);
    for (p = s; (p = strstr(p, from)); p += lf)
        count++;

    char *out = malloc(strlen(s) + count * (lt - lf) + 1);
    if (!out)
        return NULL;
    char *w = out;
    while ((p = strstr(s, from))) {
        memcpy(w, s, (size_t)(p - s));
        w += p - s;
        memcpy(w, to, lt);
        w += lt;
        s = p + lf;
    }
    strcpy(w, s);
    return out;
}
