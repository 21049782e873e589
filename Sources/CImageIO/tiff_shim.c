#include "CImageIO.h"
#include <stdio.h>
#include <tiffio.h>

void cellar_tiff_silence(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    cellar_tiff_messages *m = user;
    if (m && m->error_count++ == 0) {
        char text[CELLAR_MESSAGE_LEN];
        vsnprintf(text, sizeof text, fmt, ap);
        if (module && *module)
            snprintf(m->error, sizeof m->error, "%s: %s", module, text);
        else
            snprintf(m->error, sizeof m->error, "%s", text);
    }
    return 1; /* handled: do not call the global handler */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1; /* warnings (unknown tags, ...) are ignored */
}

TIFF *cellar_tiff_open(const char *path, const char *mode,
                       cellar_tiff_messages *messages, int64_t max_single_alloc) {
    cellar_tiff_silence();
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, messages);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, messages);
    if (max_single_alloc > 0) TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)max_single_alloc);
    TIFF *tif = TIFFOpenExt(path, mode, opts);
    TIFFOpenOptionsFree(opts);
    return tif;
}

int cellar_tiff_get_u16(TIFF *tif, uint32_t tag, uint16_t *value) { return TIFFGetField(tif, tag, value); }
int cellar_tiff_get_u32(TIFF *tif, uint32_t tag, uint32_t *value) { return TIFFGetField(tif, tag, value); }
int cellar_tiff_get_u16_defaulted(TIFF *tif, uint32_t tag, uint16_t *value) { return TIFFGetFieldDefaulted(tif, tag, value); }
int cellar_tiff_get_u64_array(TIFF *tif, uint32_t tag, const uint64_t **values) {
    uint64_t *v = NULL;
    int ok = TIFFGetField(tif, tag, &v);
    *values = v;
    return ok;
}
int cellar_tiff_set_u16(TIFF *tif, uint32_t tag, uint16_t value) { return TIFFSetField(tif, tag, value); }
int cellar_tiff_set_u32(TIFF *tif, uint32_t tag, uint32_t value) { return TIFFSetField(tif, tag, value); }
