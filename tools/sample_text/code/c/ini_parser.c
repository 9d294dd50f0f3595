/*
 * ini_parser.c - a callback-based parser for simple INI files.
 *
 *   [server]
 *   port = 8080     ; comment
 *   host = example.org
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define INI_MAX_LINE 512

typedef int (*ini_handler)(void *user, const char *section,
                           const char *key, const char *value);

static char *trim(char *s)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static void strip_comment(char *s)
{
    for (char *p = s; *p; p++) {
        if ((*p == ';' || *p == '#') && (p == s || isspace((unsigned char)p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

/* Returns 0 on success, or the line number of the first error. */
int ini_parse_file(FILE *fp, ini_handler handler, void *user)
{
    char line[INI_MAX_LINE];
    char section[128] = "";
    int lineno = 0, error = 0;

    while (fgets(line, sizeof line, fp)) {
        lineno++;
        strip_comment(line);
        char *s = trim(line);
        if (*s == '\0')
            continue;

        if (*s == '[') {
            char *end = strchr(s, ']');
            if (!end) {
                if (!error) error = lineno;
                continue;
            }
            *end = '\0';
            snprintf(section, sizeof section, "%s", trim(s + 1));
            continue;
        }

        char *eq = strchr(s, '=');
        if (!eq)
            eq = strchr(s, ':');
        if (!eq) {
            if (!error) error = lineno;
            continue;
        }
        *eq = '\0';
        char *key = trim(s);
        char *value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        if (!handler(user, section, key, value) && !error)
            error = lineno;
    }
    return error;
}

#ifdef INI_DEMO
static int dump(void *user, const char *section, const char *key, const char *value)
{
    (void)user;
    printf("%s.%s = \"%s\"\n", *section ? section : "(global)", key, value);
    return 1;
}

int main(int argc, char **argv)
{
    FILE *fp = argc > 1 ? fopen(argv[1], "r") : stdin;
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    int err = ini_parse_file(fp, dump, NULL);
    if (err)
        fprintf(stderr, "parse error on line %d\n", err);
    return err ? 1 : 0;
}
#endif
