/*
 * base64.c - RFC 4648 base64 encoding and decoding.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static const char ALPHABET[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encoded_len(size_t n)
{
    return ((n + 2) / 3) * 4;
}

/* Encodes src into dst (which must hold base64_encoded_len(n) + 1 bytes). */
size_t base64_encode(const uint8_t *src, size_t n, char *dst)
{
    size_t i = 0, o = 0;
    while (i + 2 < n) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        dst[o++] = ALPHABET[(v >> 18) & 63];
        dst[o++] = ALPHABET[(v >> 12) & 63];
        dst[o++] = ALPHABET[(v >> 6) & 63];
        dst[o++] = ALPHABET[v & 63];
        i += 3;
    }
    if (i < n) {
        uint32_t v = (uint32_t)src[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)src[i + 1] << 8;
        dst[o++] = ALPHABET[(v >> 18) & 63];
        dst[o++] = ALPHABET[(v >> 12) & 63];
        dst[o++] = (i + 1 < n) ? ALPHABET[(v >> 6) & 63] : '=';
        dst[o++] = '=';
    }
    dst[o] = '\0';
    return o;
}

static int decode_char(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/*
 * Decodes n characters of src into dst. Accepts both the standard and the
 * URL-safe alphabet. Returns the decoded length, or -1 on invalid input.
 */
long base64_decode(const char *src, size_t n, uint8_t *dst)
{
    uint32_t acc = 0;
    int bits = 0;
    long out = 0;

    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '=')
            break;
        if (c == '\n' || c == '\r' || c == ' ')
            continue;
        int d = decode_char(c);
        if (d < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            dst[out++] = (uint8_t)(acc >> bits);
        }
    }
    return out;
}
