/* hexdump.c - print a canonical hex+ASCII dump of a file.
 *
 *   hexdump [-n length] [-s offset] [-w width] [file]
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void dump_line(unsigned long offset, const unsigned char *buf, size_t n, size_t width)
{
    printf("%08lx  ", offset);
    for (size_t i = 0; i < width; i++) {
        if (i < n)
            printf("%02x ", buf[i]);
        else
            fputs("   ", stdout);
        if (i % 8 == 7)
            putchar(' ');
    }
    putchar('|');
    for (size_t i = 0; i < n; i++)
        putchar(isprint(buf[i]) ? buf[i] : '.');
    puts("|");
}

int main(int argc, char **argv)
{
    long limit = -1, skip = 0;
    size_t width = 16;
    int opt;

    while ((opt = getopt(argc, argv, "n:s:w:")) != -1) {
        switch (opt) {
        case 'n': limit = strtol(optarg, NULL, 0); break;
        case 's': skip = strtol(optarg, NULL, 0); break;
        case 'w': width = (size_t)strtoul(optarg, NULL, 0); break;
        default:
            fprintf(stderr, "usage: %s [-n len] [-s off] [-w width] [file]\n", argv[0]);
            return 2;
        }
    }
    if (width == 0 || width > 64) {
        fprintf(stderr, "hexdump: width must be 1..64\n");
        return 2;
    }

    FILE *fp = stdin;
    if (optind < argc && !(fp = fopen(argv[optind], "rb"))) {
        fprintf(stderr, "hexdump: %s: %s\n", argv[optind], strerror(errno));
        return 1;
    }
    if (skip > 0 && fseek(fp, skip, SEEK_SET) != 0) {
        /* not seekable (pipe): read and discard */
        for (long i = 0; i < skip && getc(fp) != EOF; i++)
            ;
    }

    unsigned char buf[64];
    unsigned long offset = (unsigned long)skip;
    while (limit != 0) {
        size_t want = width;
        if (limit > 0 && (size_t)limit < want)
            want = (size_t)limit;
        size_t n = fread(buf, 1, want, fp);
        if (n == 0)
            break;
        dump_line(offset, buf, n, width);
        offset += n;
        if (limit > 0)
            limit -= (long)n;
    }
    printf("%08lx\n", offset);
    if (fp != stdin)
        fclose(fp);
    return 0;
}
