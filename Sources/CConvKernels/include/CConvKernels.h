#ifndef CCONVKERNELS_H
#define CCONVKERNELS_H

#include <stddef.h>

/// Direct 3×3 convolution (zero padding 1) of `cin` planar input channels into `cout`
/// output planes, bias added, ReLU when `relu` is non-zero. `planes[c]` points at input
/// channel c (`width × height`, row-major); `weights` is PyTorch's [cout][cin][3][3];
/// `output` holds `cout` planes of `width × height`. `scratch` must hold
/// cellar_conv3x3_scratch(cin, width) floats.
///
/// Output channels are taken eight at a time, pixels 8 (AVX2) or 16 (AVX-512) at a time,
/// each input vector load feeding eight fused multiply–adds: no im2col matrix. The widest
/// instruction set the CPU supports is chosen at run time; a portable version runs elsewhere.
/// O(width · height · cin · cout · 9).
void cellar_conv3x3(const float *const *planes, int cin, int cout, int width, int height,
                    const float *weights, const float *bias, int relu, float *output, float *scratch);

/// Floats of scratch that cellar_conv3x3 needs.
size_t cellar_conv3x3_scratch(int cin, int width);

/// The instruction set cellar_conv3x3 uses here: "avx512", "avx2" or "portable".
const char *cellar_conv3x3_isa(void);

/// cellar_conv3x3 with the named variant ("avx512", "avx2", "portable"), for tests of
/// every variant; returns 0 (and does nothing) when this CPU cannot run it.
int cellar_conv3x3_with(const char *isa, const float *const *planes, int cin, int cout, int width,
                        int height, const float *weights, const float *bias, int relu, float *output,
                        float *scratch);

#endif
