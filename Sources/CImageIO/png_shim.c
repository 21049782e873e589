#include "CImageIO.h"
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *error;
    size_t error_len;
} png_context;

static void on_png_error(png_structp png, png_const_charp message) {
    png_context *ctx = png_get_error_ptr(png);
    if (ctx && ctx->error && ctx->error_len)
        snprintf(ctx->error, ctx->error_len, "%s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png; (void)message; /* ignored, never printed */
}

void cellar_free(void *pointer) { free(pointer); }

int cellar_png_read(const char *path, uint32_t max_dimension,
                    cellar_png_image *out, char *error, size_t error_len) {
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) { snprintf(error, error_len, "cannot open file"); return 4; }
    unsigned char sig[8];
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
        fclose(fp);
        snprintf(error, error_len, "not a PNG file (bad signature)");
        return 1;
    }
    png_context ctx = { error, error_len };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        if (png) png_destroy_read_struct(&png, NULL, NULL);
        fclose(fp);
        snprintf(error, error_len, "out of memory");
        return 4;
    }
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = 3;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        return status;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, max_dimension, max_dimension);
    png_read_info(png, info);
    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1) png_set_swap(png); /* host is little-endian */
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    pixels = malloc(rowbytes * (size_t)height);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!pixels || !rows) { snprintf(error, error_len, "out of memory"); status = 4; png_longjmp(png, 1); }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    out->width = width;
    out->height = height;
    out->bit_depth = out_depth;
    out->channels = channels;
    out->pixels = pixels;
    return 0;
}

/* A growing memory buffer for cellar_png_encode. */
typedef struct {
    unsigned char *data;
    size_t length;
    size_t capacity;
} png_memory;

static void on_png_memory_write(png_structp png, png_bytep bytes, png_size_t length) {
    png_memory *m = png_get_io_ptr(png);
    if (m->length + length > m->capacity) {
        size_t capacity = m->capacity ? m->capacity : 65536;
        while (capacity < m->length + length) capacity *= 2;
        unsigned char *grown = realloc(m->data, capacity);
        if (!grown) png_error(png, "out of memory");
        m->data = grown;
        m->capacity = capacity;
    }
    memcpy(m->data + m->length, bytes, length);
    m->length += length;
}

static void on_png_memory_flush(png_structp png) { (void)png; }

int cellar_png_encode(const void *pixels, uint32_t width, uint32_t height, int bit_depth,
                      int channels, int compression_level, int filter,
                      unsigned char **out, size_t *out_len, char *error, size_t error_len) {
    static const int color_types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                        PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA };
    *out = NULL;
    *out_len = 0;
    if (channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        snprintf(error, error_len, "unsupported PNG layout: %d channels, %d bits", channels, bit_depth);
        return 3;
    }
    png_context ctx = { error, error_len };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        if (png) png_destroy_write_struct(&png, NULL);
        snprintf(error, error_len, "out of memory");
        return 4;
    }
    png_memory memory = { NULL, 0, 0 };
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(memory.data);
        png_destroy_write_struct(&png, &info);
        return 3;
    }
    png_set_write_fn(png, &memory, on_png_memory_write, on_png_memory_flush);
    png_set_compression_level(png, compression_level);
    if (filter) png_set_filter(png, PNG_FILTER_TYPE_BASE, filter);
    png_set_IHDR(png, info, width, height, bit_depth, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth == 16) {
        uint16_t probe = 1;
        if (*(uint8_t *)&probe == 1) png_set_swap(png);
    }
    size_t rowbytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    rows = malloc(sizeof(png_bytep) * (size_t)(height ? height : 1));
    if (!rows) { snprintf(error, error_len, "out of memory"); png_longjmp(png, 1); }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * rowbytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *out = memory.data;
    *out_len = memory.length;
    return 0;
}

int cellar_png_write(const char *path, const void *pixels, uint32_t width,
                     uint32_t height, int bit_depth, int channels,
                     int compression_level, char *error, size_t error_len) {
    /* Encoded in memory (one encoder for files and for `cellar serve`), then written. */
    FILE *fp = fopen(path, "wb");
    if (!fp) { snprintf(error, error_len, "cannot create file"); return 4; }
    unsigned char *data = NULL;
    size_t length = 0;
    int status = cellar_png_encode(pixels, width, height, bit_depth, channels, compression_level, 0,
                                   &data, &length, error, error_len);
    if (status != 0) { fclose(fp); return status; }
    size_t written = fwrite(data, 1, length, fp);
    free(data);
    if (fclose(fp) != 0 || written != length) { snprintf(error, error_len, "write failed (disk full?)"); return 4; }
    return 0;
}

