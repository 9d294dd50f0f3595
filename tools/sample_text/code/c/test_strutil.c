/* test_strutil.c - unit tests for strutil.c
 * Build: cc -Wall -o test_strutil test_strutil.c strutil.c && ./test_strutil
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"

static int failures, checks;

#define CHECK(cond)                                                        \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                      \
        }                                                                  \
    } while (0)

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static void test_lcpy(void)
{
    char buf[6];
    CHECK(str_lcpy(buf, "hello world", sizeof buf) == 11);
    CHECK_STR(buf, "hello");
    CHECK(str_lcpy(buf, "hi", sizeof buf) == 2);
    CHECK_STR(buf, "hi");
}

static void test_trim(void)
{
    char a[] = "  padded \t\n";
    char b[] = "   ";
    char c[] = "clean";
    CHECK_STR(str_trim(a), "padded");
    CHECK_STR(str_trim(b), "");
    CHECK_STR(str_trim(c), "clean");
}

static void test_prefix_suffix(void)
{
    CHECK(str_starts_with("filename.txt", "file"));
    CHECK(!str_starts_with("file", "filename"));
    CHECK(str_ends_with("filename.txt", ".txt"));
    CHECK(!str_ends_with("txt", ".txt"));
    CHECK(str_ends_with("anything", ""));
}

static void test_split(void)
{
    char line[] = "a,b,,d";
    char *f[8];
    CHECK(str_split(line, ',', f, 8) == 4);
    CHECK_STR(f[0], "a");
    CHECK_STR(f[2], "");
    CHECK_STR(f[3], "d");

    char limited[] = "k=v=w";
    CHECK(str_split(limited, '=', f, 2) == 2);
    CHECK_STR(f[1], "v=w");
}

static void test_replace(void)
{
    char *r = str_replace("the cat sat on the mat", "at", "og");
    CHECK_STR(r, "the cog sog on the mog");
    free(r);
    r = str_replace("aaa", "a", "");
    CHECK_STR(r, "");
    free(r);
    r = str_replace("no match", "xyz", "!");
    CHECK_STR(r, "no match");
    free(r);
}

int main(void)
{
    test_lcpy();
    test_trim();
    test_prefix_suffix();
    test_split();
    test_replace();
    printf("%d/%d checks passed\n", checks - failures, checks);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
