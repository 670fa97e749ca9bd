/* f32 numerics: a Mandelbrot set in single precision, then a separable 5-tap f32 blur of the
 * iteration counts and f32<->int conversions.  Size: image width (height is width/2). */
#include <string.h>
#include "bench.h"

int main(int argc, char **argv) {
    long w = bench_size(argc, argv, 1400), h = w / 2 > 0 ? w / 2 : 1;
    float *img = malloc(sizeof(float) * (size_t)(w * h)), *tmp = malloc(sizeof(float) * (size_t)(w * h));
    if (!img || !tmp) return 1;
    uint64_t iters = 0;
    for (long y = 0; y < h; y++) {
        float ci = -1.0f + 2.0f * (float)y / (float)h;
        for (long x = 0; x < w; x++) {
            float cr = -2.2f + 3.0f * (float)x / (float)w, zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi < 4.0f) {
                float t = zr * zr - zi * zi + cr;
                zi = 2.0f * zr * zi + ci;
                zr = t;
                k++;
            }
            iters += (uint64_t)k;
            img[y * w + x] = (float)k / 200.0f;
        }
    }
    static const float tap[5] = {0.0625f, 0.25f, 0.375f, 0.25f, 0.0625f};
    for (int pass = 0; pass < 4; pass++) {
        for (long y = 0; y < h; y++)
            for (long x = 0; x < w; x++) {
                float s = 0;
                for (int t = -2; t <= 2; t++) { long xx = x + t < 0 ? 0 : x + t >= w ? w - 1 : x + t; s += tap[t + 2] * img[y * w + xx]; }
                tmp[y * w + x] = s;
            }
        for (long y = 0; y < h; y++)
            for (long x = 0; x < w; x++) {
                float s = 0;
                for (int t = -2; t <= 2; t++) { long yy = y + t < 0 ? 0 : y + t >= h ? h - 1 : y + t; s += tap[t + 2] * tmp[yy * w + x]; }
                img[y * w + x] = s;
            }
    }
    uint64_t acc = iters;
    for (long i = 0; i < w * h; i++) { uint32_t bits; memcpy(&bits, &img[i], 4); acc = acc * 31 + bits + (uint64_t)(int)(img[i] * 1000.0f); }
    bench_report("mandel_f32", w, acc);
    free(img); free(tmp);
    return 0;
}
