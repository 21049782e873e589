// Small C shims around libtiff and libpng: variadic calls Swift cannot make,
// error handlers that capture messages instead of printing, and libpng's
// setjmp/longjmp error recovery kept inside C frames.
#ifndef CIMAGEIO_H
#define CIMAGEIO_H

#include <stddef.h>
#include <stdint.h>

typedef struct tiff TIFF;

#define CELLAR_MESSAGE_LEN 512

/// Messages libtiff reported for one open file (first error kept).
typedef struct {
    char error[CELLAR_MESSAGE_LEN];
    int error_count;
} cellar_tiff_messages;

/// Turns off libtiff's global stderr handlers. Idempotent.
void cellar_tiff_silence(void);

/// TIFFOpenExt with error/warning handlers that write into `messages`
/// and a cap on any single allocation libtiff makes.
TIFF *cellar_tiff_open(const char *path, const char *mode,
                       cellar_tiff_messages *messages, int64_t max_single_alloc);

int cellar_tiff_get_u16(TIFF *tif, uint32_t tag, uint16_t *value);
int cellar_tiff_get_u32(TIFF *tif, uint32_t tag, uint32_t *value);
int cellar_tiff_get_u16_defaulted(TIFF *tif, uint32_t tag, uint16_t *value);
/// StripOffsets / StripByteCounts / TileOffsets / TileByteCounts arrays.
int cellar_tiff_get_u64_array(TIFF *tif, uint32_t tag, const uint64_t **values);
int cellar_tiff_set_u16(TIFF *tif, uint32_t tag, uint16_t value);
int cellar_tiff_set_u32(TIFF *tif, uint32_t tag, uint32_t value);

/// A decoded PNG: 8- or 16-bit samples (16-bit in host order), `channels`
/// interleaved samples per pixel, rows contiguous. Free with `cellar_free`.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int channels;
    void *pixels;
} cellar_png_image;

/// Reads a PNG file, expanding palette and low-bit gray to 8 bits and
/// de-interlacing. Refuses images over `max_dimension` on either side before
/// allocating. Returns 0 on success, else writes a message to `error`:
/// 1 = not a PNG, 2 = too large, 3 = decode error, 4 = I/O error.
int cellar_png_read(const char *path, uint32_t max_dimension,
                    cellar_png_image *out, char *error, size_t error_len);

/// Writes `channels` (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) interleaved
/// samples of `bit_depth` 8 or 16 (16-bit given in host order).
/// Returns 0 on success, else writes a message to `error`.
int cellar_png_write(const char *path, const void *pixels, uint32_t width,
                     uint32_t height, int bit_depth, int channels,
                     int compression_level, char *error, size_t error_len);

/// Encodes like `cellar_png_write`, into memory: on success `*out` is a malloc'ed buffer of
/// `*out_len` bytes (free with `cellar_free`). `filter` is a PNG_FILTER_* mask (0 = libpng's
/// default choice). Returns 0 on success, else writes a message to `error`.
int cellar_png_encode(const void *pixels, uint32_t width, uint32_t height, int bit_depth,
                      int channels, int compression_level, int filter,
                      unsigned char **out, size_t *out_len, char *error, size_t error_len);

void cellar_free(void *pointer);

#endif
