/*
 * crc32.c - CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320).
 *
 * The lookup table is computed once on first use instead of being
 * stored as a literal.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static uint32_t table[256];
static int table_ready;

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    table_ready = 1;
}

/* Continue a running CRC; pass 0 as `crc` for the first chunk. */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    if (!table_ready)
        crc32_init();
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

#ifdef CRC32_MAIN
int main(int argc, char **argv)
{
    unsigned char buf[65536];
    int status = 0;

    for (int i = 1; i < argc || i == 1; i++) {
        FILE *fp = (argc == 1) ? stdin : fopen(argv[i], "rb");
        if (!fp) {
            perror(argv[i]);
            status = 1;
            continue;
        }
        uint32_t crc = 0;
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
            crc = crc32_update(crc, buf, n);
        printf("%08x  %s\n", crc, argc == 1 ? "-" : argv[i]);
        if (fp != stdin)
            fclose(fp);
        if (argc == 1)
            break;
    }
    return status;
}
#endif
