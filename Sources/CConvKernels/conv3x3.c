// Direct 3×3 convolution for narrow layers (see CConvKernels.h).
//
// Per output row: the 3 input rows of every input channel are copied into zero-padded
// scratch rows (one zero column each side, rounded up to the vector width), and the
// weights are rearranged so the eight output channels of a (cin, ky, kx) tap are
// adjacent. The inner loop then loads one input vector and broadcasts eight weights.
#include "CConvKernels.h"
#include <string.h>

#define PAD 32   /* zero columns after each padded row: covers the widest vector's overrun */

size_t cellar_conv3x3_scratch(int cin, int width) {
    return (size_t)cin * 3 * (size_t)(width + 2 + PAD) + (size_t)cin * 9 * 8;
}

/* Padded rows y-1, y, y+1 of every channel: row (c, ky) at rows + (c*3+ky)*stride,
   element 0 is column -1. */
static void pad_rows(const float *const *planes, int cin, int width, int height, int y,
                     float *rows, int stride) {
    for (int c = 0; c < cin; c++) {
        for (int ky = 0; ky < 3; ky++) {
            float *r = rows + (size_t)(c * 3 + ky) * stride;
            int sy = y + ky - 1;
            r[0] = 0;
            if (sy < 0 || sy >= height) memset(r + 1, 0, sizeof(float) * (size_t)width);
            else memcpy(r + 1, planes[c] + (size_t)sy * width, sizeof(float) * (size_t)width);
            memset(r + 1 + width, 0, sizeof(float) * (size_t)(stride - width - 1));
        }
    }
}

/* Weights of output channels [co0, co0+8) as [cin][9][8] (missing channels zero). */
static void pack_weights(const float *weights, int cin, int cout, int co0, float *packed) {
    for (int c = 0; c < cin; c++)
        for (int t = 0; t < 9; t++)
            for (int j = 0; j < 8; j++) {
                int co = co0 + j;
                packed[(c * 9 + t) * 8 + j] = co < cout ? weights[((size_t)co * cin + c) * 9 + t] : 0.0f;
            }
}

/* One kernel body per vector width: V lanes of pixels, 8 output channels. */
#define DEFINE_KERNEL(NAME, V, ATTR)                                                          \
typedef float NAME##_vec __attribute__((ext_vector_type(V), aligned(4)));                   \
ATTR static void NAME(const float *const *planes, int cin, int cout, int width, int height,  \
                      const float *weights, const float *bias, int relu, float *output,      \
                      float *scratch) {                                                      \
    const int stride = width + 2 + PAD;                                                      \
    float *rows = scratch;                                                                   \
    float *packed = scratch + (size_t)cin * 3 * stride;                                      \
    const size_t plane = (size_t)width * height;                                             \
    for (int co0 = 0; co0 < cout; co0 += 8) {                                                \
        pack_weights(weights, cin, cout, co0, packed);                                       \
        const int nco = cout - co0 < 8 ? cout - co0 : 8;                                     \
        float b[8];                                                                          \
        for (int j = 0; j < 8; j++) b[j] = j < nco ? bias[co0 + j] : 0.0f;                   \
        for (int y = 0; y < height; y++) {                                                   \
            pad_rows(planes, cin, width, height, y, rows, stride);                           \
            for (int x = 0; x < width; x += V) {                                             \
                NAME##_vec a0 = b[0], a1 = b[1], a2 = b[2], a3 = b[3];                       \
                NAME##_vec a4 = b[4], a5 = b[5], a6 = b[6], a7 = b[7];                       \
                for (int c = 0; c < cin; c++) {                                              \
                    for (int ky = 0; ky < 3; ky++) {                                         \
                        const float *r = rows + (size_t)(c * 3 + ky) * stride + x;           \
                        const float *w = packed + (size_t)(c * 9 + ky * 3) * 8;              \
                        for (int kx = 0; kx < 3; kx++, w += 8) {                             \
                            NAME##_vec v = *(const NAME##_vec *)(r + kx);                    \
                            a0 += v * w[0]; a1 += v * w[1]; a2 += v * w[2]; a3 += v * w[3];  \
                            a4 += v * w[4]; a5 += v * w[5]; a6 += v * w[6]; a7 += v * w[7];  \
                        }                                                                    \
                    }                                                                        \
                }                                                                            \
                NAME##_vec acc[8] = {a0, a1, a2, a3, a4, a5, a6, a7};                        \
                const int n = width - x < V ? width - x : V;                                 \
                for (int j = 0; j < nco; j++) {                                              \
                    NAME##_vec o = acc[j];                                                   \
                    if (relu) o = o > 0 ? o : 0;                                             \
                    float *dst = output + (size_t)(co0 + j) * plane + (size_t)y * width + x; \
                    if (n == V) *(NAME##_vec *)dst = o;                                      \
                    else for (int i = 0; i < n; i++) dst[i] = o[i];                          \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
}

#if defined(__x86_64__) && defined(__clang__)
DEFINE_KERNEL(conv_avx512, 16, __attribute__((target("avx512f,fma"))))
DEFINE_KERNEL(conv_avx2, 8, __attribute__((target("avx2,fma"))))
#endif
DEFINE_KERNEL(conv_portable, 4, )

typedef void (*conv_fn)(const float *const *, int, int, int, int, const float *, const float *, int,
                        float *, float *);

static conv_fn pick(const char **name) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) { *name = "avx512"; return conv_avx512; }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) { *name = "avx2"; return conv_avx2; }
#endif
    *name = "portable";
    return conv_portable;
}

static conv_fn cached = 0;
static const char *cached_name = 0;

const char *cellar_conv3x3_isa(void) {
    const char *name = __atomic_load_n(&cached_name, __ATOMIC_RELAXED);
    if (!name) (void)pick(&name);
    return name;
}

int cellar_conv3x3_with(const char *isa, const float *const *planes, int cin, int cout, int width,
                        int height, const float *weights, const float *bias, int relu, float *output,
                        float *scratch) {
    conv_fn fn = 0;
    if (strcmp(isa, "portable") == 0) fn = conv_portable;
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    if (strcmp(isa, "avx2") == 0 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) fn = conv_avx2;
    if (strcmp(isa, "avx512") == 0 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) fn = conv_avx512;
#endif
    if (!fn) return 0;
    fn(planes, cin, cout, width, height, weights, bias, relu, output, scratch);
    return 1;
}

void cellar_conv3x3(const float *const *planes, int cin, int cout, int width, int height,
                    const float *weights, const float *bias, int relu, float *output, float *scratch) {
    conv_fn fn = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (!fn) {   /* every thread picks the same function: storing it twice is harmless */
        const char *name;
        fn = pick(&name);
        __atomic_store_n(&cached, fn, __ATOMIC_RELAXED);
        __atomic_store_n(&cached_name, name, __ATOMIC_RELAXED);
    }
    fn(planes, cin, cout, width, height, weights, bias, relu, output, scratch);
}
