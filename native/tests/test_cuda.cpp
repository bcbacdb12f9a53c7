// CUDA kernels against the CPU kernels (themselves checked against float64
// references) on random inputs, with timings for native/GPU_RESULTS.md.
// Exits 77, which ctest reports as skipped, when this build has no CUDA
// kernels or the machine has no GPU: a skipped GPU test is never a pass.
#include <chrono>

#include "rlaif/cuda.h"
#include "rlaif/gae.h"
#include "rlaif/logprobs.h"
#include "rlaif/whiten.h"
#include "test_util.h"

#ifdef RLAIF_TEST_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace {
constexpr int kSkip = 77;
}

#ifndef RLAIF_TEST_WITH_CUDA
int main() {
    rt::check(rlaif_cuda_compiled() == 0, "stub build reports no CUDA kernels");
    rt::check(rlaif_gae_cuda(RLAIF_DTYPE_F32, nullptr, nullptr, nullptr, nullptr, 1, 1, 0.9f, 0.9f, nullptr, nullptr,
                             nullptr, nullptr) == RLAIF_ERR_NO_CUDA, "stub gae returns RLAIF_ERR_NO_CUDA");
    if (rt::failures() != 0) return 1;
    std::printf("test_cuda: SKIPPED (library built without CUDA kernels)\n");
    return kSkip;
}
#else

namespace {

#define CUDA_OK(call)                                                                                  \
    do {                                                                                               \
        cudaError_t e_ = (call);                                                                       \
        if (e_ != cudaSuccess) {                                                                       \
            std::fprintf(stderr, "CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
            std::exit(1);                                                                              \
        }                                                                                              \
    } while (0)

template <typename T>
T *to_device(const std::vector<T> &h) {
    T *d = nullptr;
    CUDA_OK(cudaMalloc(&d, h.size() * sizeof(T) + 1));
    CUDA_OK(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

template <typename T>
std::vector<T> to_host(const T *d, size_t n) {
    std::vector<T> h(n);
    CUDA_OK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
}

double max_abs_diff(const std::vector<float> &a, const std::vector<float> &b) {
    double m = 0;
    for (size_t i = 0; i < a.size(); ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
    return m;
}

template <typename F>
double time_ms(F &&f, int reps) {
    cudaEvent_t a, b;
    CUDA_OK(cudaEventCreate(&a));
    CUDA_OK(cudaEventCreate(&b));
    f();  // warm-up
    CUDA_OK(cudaEventRecord(a));
    for (int i = 0; i < reps; ++i) f();
    CUDA_OK(cudaEventRecord(b));
    CUDA_OK(cudaEventSynchronize(b));
    float ms = 0;
    CUDA_OK(cudaEventElapsedTime(&ms, a, b));
    return ms / reps;
}

void gae_case(int64_t B, int64_t T, rt::MaskKind mk, std::mt19937_64 &rng) {
    const size_t n = static_cast<size_t>(B * T);
    auto r = rt::normal(n, 0, 1, rng), v = rt::normal(n, 0, 1, rng), boot = rt::normal(B, 0, 1, rng);
    auto m = rt::make_mask(mk, B, T, rng);
    std::vector<float> ca(n), cr(n);
    rlaif_gae(RLAIF_DTYPE_F32, r.data(), v.data(), m.data(), boot.data(), B, T, 0.99f, 0.95f, ca.data(), cr.data(),
              nullptr);
    float *dr = to_device(r), *dv = to_device(v), *db = to_device(boot), *da = to_device(ca), *dt = to_device(cr);
    uint8_t *dm = to_device(m);
    int32_t *dflag = to_device(std::vector<int32_t>{7});
    auto call = [&] {
        return rlaif_gae_cuda(RLAIF_DTYPE_F32, dr, dv, dm, db, B, T, 0.99f, 0.95f, da, dt, dflag, nullptr);
    };
    rt::check(call() == RLAIF_OK, "gae_cuda status: " + std::string(rlaif_cuda_last_error()));
    CUDA_OK(cudaDeviceSynchronize());
    const double ea = max_abs_diff(to_host(da, n), ca), er = max_abs_diff(to_host(dt, n), cr);
    rt::check(to_host(dflag, 1)[0] == 0, "gae_cuda nan flag 0");
    char what[160];
    std::snprintf(what, sizeof what, "gae B=%lld T=%lld %s", static_cast<long long>(B), static_cast<long long>(T),
                  rt::name(mk));
    rt::check(ea <= 1e-4 && er <= 1e-4, std::string(what) + ": GPU vs CPU max abs error");
    const double ms = time_ms(call, 20);
    const double gbs = n * (4.0 + 4.0 + 1.0 + 4.0 + 4.0) / (ms * 1e6);
    std::printf("RESULT %s max_abs_err_adv=%.3g max_abs_err_ret=%.3g time_ms=%.4f GB/s=%.1f\n", what, ea, er, ms, gbs);
    for (void *p : {(void *)dr, (void *)dv, (void *)db, (void *)da, (void *)dt, (void *)dm, (void *)dflag}) cudaFree(p);
}

void whiten_case(int64_t n, rt::MaskKind mk, double mean, std::mt19937_64 &rng) {
    auto x = rt::normal(static_cast<size_t>(n), mean, 2.0, rng);
    auto m = rt::make_mask(mk, 1, n, rng);
    std::vector<float> co(static_cast<size_t>(n));
    double cst[3];
    rlaif_whiten(RLAIF_DTYPE_F32, x.data(), m.data(), n, 1, 1e-8, co.data(), cst);
    float *dx = to_device(x), *dout = to_device(co);
    uint8_t *dm = to_device(m);
    double *dst = to_device(std::vector<double>(3, 0.0));
    auto call = [&] { return rlaif_whiten_cuda(RLAIF_DTYPE_F32, dx, dm, n, 1, 1e-8, dout, dst, nullptr); };
    rt::check(call() == RLAIF_OK, "whiten_cuda status: " + std::string(rlaif_cuda_last_error()));
    CUDA_OK(cudaDeviceSynchronize());
    auto gst = to_host(dst, 3);
    const double eo = max_abs_diff(to_host(dout, static_cast<size_t>(n)), co);
    char what[160];
    std::snprintf(what, sizeof what, "whiten n=%lld %s mean=%g", static_cast<long long>(n), rt::name(mk), mean);
    rt::check(gst[0] == cst[0], std::string(what) + ": count");
    auto close = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || std::fabs(a - b) <= 1e-9 * (1 + std::fabs(b)); };
    rt::check(close(gst[1], cst[1]) && close(gst[2], cst[2]), std::string(what) + ": mean/var");
    rt::check(eo <= 1e-5, std::string(what) + ": output max abs error");
    const double ms = time_ms(call, 20);
    const double gbs = n * (4.0 + 1.0 + 4.0) / (ms * 1e6);
    std::printf("RESULT %s max_abs_err=%.3g mean_err=%.3g time_ms=%.4f GB/s=%.1f\n", what, eo,
                std::fabs(gst[1] - cst[1]), ms, gbs);
    for (void *p : {(void *)dx, (void *)dout, (void *)dm, (void *)dst}) cudaFree(p);
}

void logprobs_case(int64_t N, int64_t V, float temp, std::mt19937_64 &rng) {
    auto x = rt::normal(static_cast<size_t>(N * V), 0.0, 2.0, rng);
    std::vector<int64_t> tg(N);
    std::uniform_int_distribution<int64_t> tok(0, V - 1);
    for (auto &t : tg) t = tok(rng);
    tg[0] = -100;  // ignored row
    auto m = rt::make_mask(rt::MaskKind::Holes, 1, N, rng);
    const int64_t K = 4;
    std::vector<float> lp(N), ent(N), lse(N), tv(N * K), g = rt::normal(N, 0, 1, rng), h = rt::normal(N, 0, 1, rng);
    std::vector<int64_t> ti(N * K);
    rlaif_logprobs_forward(RLAIF_DTYPE_F32, x.data(), N, V, tg.data(), m.data(), temp, -100, lp.data(), ent.data(),
                           lse.data(), K, tv.data(), ti.data());
    std::vector<float> grad(static_cast<size_t>(N * V));
    rlaif_logprobs_backward(RLAIF_DTYPE_F32, x.data(), N, V, tg.data(), m.data(), temp, -100, lse.data(), ent.data(),
                            g.data(), h.data(), grad.data());
    float *dx = to_device(x), *dlp = to_device(lp), *dent = to_device(ent), *dlse = to_device(lse), *dtv = to_device(tv);
    float *dg = to_device(g), *dh = to_device(h), *dgrad = to_device(grad);
    int64_t *dtg = to_device(tg), *dti = to_device(ti);
    uint8_t *dm = to_device(m);
    auto fwd = [&] {
        return rlaif_logprobs_forward_cuda(RLAIF_DTYPE_F32, dx, N, V, dtg, dm, temp, -100, dlp, dent, dlse, K, dtv, dti,
                                           nullptr);
    };
    auto bwd = [&] {
        return rlaif_logprobs_backward_cuda(RLAIF_DTYPE_F32, dx, N, V, dtg, dm, temp, -100, dlse, dent, dg, dh, dgrad,
                                            nullptr);
    };
    rt::check(fwd() == RLAIF_OK && bwd() == RLAIF_OK, "logprobs_cuda status: " + std::string(rlaif_cuda_last_error()));
    CUDA_OK(cudaDeviceSynchronize());
    const double el = max_abs_diff(to_host(dlp, N), lp), ee = max_abs_diff(to_host(dent, N), ent);
    const double eg = max_abs_diff(to_host(dgrad, N * V), grad);
    const bool same_topk = to_host(dti, N * K) == ti;
    char what[160];
    std::snprintf(what, sizeof what, "logprobs N=%lld V=%lld temp=%g", static_cast<long long>(N),
                  static_cast<long long>(V), temp);
    rt::check(el <= 1e-4 && ee <= 1e-4 && eg <= 1e-5 && same_topk, std::string(what) + ": GPU vs CPU");
    const double fms = time_ms(fwd, 10), bms = time_ms(bwd, 10);
    std::printf("RESULT %s max_abs_err_logp=%.3g entropy=%.3g grad=%.3g topk_same=%d fwd_ms=%.4f bwd_ms=%.4f "
                "fwd_GB/s=%.1f\n", what, el, ee, eg, same_topk ? 1 : 0, fms, bms, N * V * 4.0 / (fms * 1e6));
    for (void *p : {(void *)dx, (void *)dlp, (void *)dent, (void *)dlse, (void *)dtv, (void *)dg, (void *)dh,
                    (void *)dgrad, (void *)dtg, (void *)dti, (void *)dm})
        cudaFree(p);
}

void copy_bandwidth(int64_t bytes) {
    void *a, *b;
    CUDA_OK(cudaMalloc(&a, bytes));
    CUDA_OK(cudaMalloc(&b, bytes));
    const double ms = time_ms([&] { CUDA_OK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice)); }, 20);
    std::printf("RESULT copy bytes=%lld time_ms=%.4f GB/s(read+write)=%.1f\n", static_cast<long long>(bytes), ms,
                2.0 * bytes / (ms * 1e6));
    cudaFree(a);
    cudaFree(b);
}

}  // namespace

int main() {
    if (rlaif_cuda_device_count() == 0) {
        std::printf("test_cuda: SKIPPED (CUDA kernels compiled for %s, but no GPU is visible)\n",
                    rlaif_cuda_architectures());
        return kSkip;
    }
    cudaDeviceProp prop{};
    CUDA_OK(cudaGetDeviceProperties(&prop, 0));
    std::printf("DEVICE %s sm_%d%d\n", prop.name, prop.major, prop.minor);
    std::mt19937_64 rng(99);
    const int64_t shapes[][2] = {{1, 1}, {1, 8192}, {64, 512}, {256, 1024}, {512, 4096}};
    for (auto &s : shapes)
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::Holes, rt::MaskKind::LeftPad, rt::MaskKind::AllFalse})
            gae_case(s[0], s[1], mk, rng);
    for (int64_t n : {1LL, 2LL, 8192LL, 256LL * 1024, 512LL * 4096})
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::Holes, rt::MaskKind::AllFalse}) whiten_case(n, mk, 0.5, rng);
    whiten_case(1 << 22, rt::MaskKind::Holes, 1e5, rng);
    logprobs_case(3, 7, 1.0f, rng);
    logprobs_case(64, 50257, 1.0f, rng);
    logprobs_case(256, 151936, 0.7f, rng);
    copy_bandwidth(512LL * 4096 * 17 / 2);
    return rt::finish("test_cuda");
}
#endif
