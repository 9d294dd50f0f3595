#ifndef STRUTIL_H
#define STRUTIL_H

/*
 * strutil.h - small string helpers missing from the C standard library.
 *
 * None of these functions allocate unless documented otherwise.
 */

#include <stddef.h>

/* Copies at most size-1 bytes and always NUL-terminates. Returns strlen(src). */
size_t str_lcpy(char *dst, const char *src, size_t size);

/* Trims leading and trailing whitespace in place; returns s. */
char *str_trim(char *s);

/* Returns 1 if s starts (ends) with prefix (suffix). */
int str_starts_with(const char *s, const char *prefix);
int str_ends_with(const char *s, const char *suffix);

/* Splits s on delim into at most max fields, modifying s. Returns field count. */
size_t str_split(char *s, char delim, char **fields, size_t max);

/* Replaces every occurrence of `from` with `to`; caller frees the result. */
char *str_replace(const char *s, const char *from, const char *to);

#endif
