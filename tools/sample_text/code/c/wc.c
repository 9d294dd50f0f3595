/* wc.c - count lines, words and bytes, a small clone of wc(1). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct counts {
    unsigned long lines, words, bytes;
};

static int show_lines, show_words, show_bytes;

static int count_stream(FILE *fp, struct counts *c)
{
    int ch, in_word = 0;
    while ((ch = getc(fp)) != EOF) {
        c->bytes++;
        if (ch == '\n')
            c->lines++;
        if (isspace(ch)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            c->words++;
        }
    }
    return ferror(fp) ? -1 : 0;
}

static void print_counts(const struct counts *c, const char *name)
{
    if (show_lines)
        printf(" %7lu", c->lines);
    if (show_words)
        printf(" %7lu", c->words);
    if (show_bytes)
        printf(" %7lu", c->bytes);
    if (name)
        printf(" %s", name);
    putchar('\n');
}

int main(int argc, char **argv)
{
    int opt, status = 0;
    struct counts total = {0, 0, 0};

    while ((opt = getopt(argc, argv, "lwc")) != -1) {
        switch (opt) {
        case 'l': show_lines = 1; break;
        case 'w': show_words = 1; break;
        case 'c': show_bytes = 1; break;
        default:
            fprintf(stderr, "usage: %s [-lwc] [file ...]\n", argv[0]);
            return 2;
        }
    }
    if (!show_lines && !show_words && !show_bytes)
        show_lines = show_words = show_bytes = 1;

    if (optind == argc) {
        struct counts c = {0, 0, 0};
        if (count_stream(stdin, &c) != 0) {
            perror("stdin");
            return 1;
        }
        print_counts(&c, NULL);
        return 0;
    }

    for (int i = optind; i < argc; i++) {
        struct counts c = {0, 0, 0};
        FILE *fp = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "rb");
        if (!fp) {
            fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (count_stream(fp, &c) != 0) {
            fprintf(stderr, "wc: %s: read error\n", argv[i]);
            status = 1;
        }
        if (fp != stdin)
            fclose(fp);
        print_counts(&c, argv[i]);
        total.lines += c.lines;
        total.words += c.words;
        total.bytes += c.bytes;
    }
    if (argc - optind > 1)
        print_counts(&total, "total");
    return status;
}
