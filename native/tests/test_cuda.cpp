// CUDA kernels against the CPU kernels (themselves checked against float64
// references) on random inputs, with timings for native/GPU_RESULTS.md.
// Exits 77, which ctest reports as skipped, when this build has no CUDA
// kernels or the machine has no GPU: a skipped GPU test is never a pass.
#include <chrono>

#include "rlaif/cuda.h"
#include "rlaif/gae.h"
#include "rlaif/logprobs.h"
#include "rlaif/ppo_loss.h"
#include "rlaif/whiten.h"
#include "ppo_reference.h"
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
    rt::check(rlaif_ppo_loss_cuda(RLAIF_DTYPE_F32, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                  nullptr, nullptr, nullptr, 1, 1, nullptr, nullptr, nullptr, nullptr, nullptr,
                                  nullptr, nullptr) == RLAIF_ERR_NO_CUDA, "stub ppo loss returns RLAIF_ERR_NO_CUDA");
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
    // Masked inputs may hold anything: NaN there must not reach any output.
    for (size_t i = 0; i < n; ++i)
        if (!m[i]) r[i] = v[i] = NAN;
    std::vector<float> ca(n), cr(n);
    rlaif_gae(RLAIF_DTYPE_F32, r.data(), v.data(), m.data(), boot.data(), B, T, 0.99f, 0.95f, ca.data(), cr.data(),
              nullptr);
    const std::vector<float> garbage(n, NAN);  // outputs start as NaN: every element must be written
    float *dr = to_device(r), *dv = to_device(v), *db = to_device(boot), *da = to_device(garbage);
    float *dt = to_device(garbage);
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
    size_t first_valid = 0;
    while (first_valid < n && !m[first_valid]) ++first_valid;
    if (first_valid < n) {  // a NaN at a valid position raises the flag
        const float nan = NAN;
        CUDA_OK(cudaMemcpy(dr + first_valid, &nan, sizeof nan, cudaMemcpyHostToDevice));
        rt::check(call() == RLAIF_OK && to_host(dflag, 1)[0] == 1, std::string(what) + ": nan flag raised");
        CUDA_OK(cudaMemcpy(dr + first_valid, &r[first_valid], sizeof nan, cudaMemcpyHostToDevice));
    }
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

rlaif_ppo_options ppo_options(int aggregation) {
    rlaif_ppo_options o{};
    o.aggregation = aggregation;
    o.kl_estimator = RLAIF_PPO_KL_K3;
    o.eps_low = 0.2, o.eps_high = 0.28, o.dual_clip = 3.0, o.value_clip = 0.2;
    o.vf_coef = 0.1, o.kl_coef = 0.05, o.ent_coef = 0.01, o.norm_constant = 1000.0;
    return o;
}

// The same token math runs on both sides (src/common/ppo_token.h); only expf (a
// few ulps apart), nvcc's fused multiply-adds and the order of the float64 sums differ.
// policy != CLIP also exercises the importance weights and the row divisor.
void ppo_case(int64_t B, int64_t T, rt::MaskKind mk, int aggregation, std::mt19937_64 &rng,
              int policy = RLAIF_PPO_POLICY_CLIP) {
    rlaif_ppo_options o = ppo_options(aggregation);
    o.policy_loss = policy;
    if (policy == RLAIF_PPO_POLICY_GSPO) o.eps_low = 0.003, o.eps_high = 0.004;
    if (policy == RLAIF_PPO_POLICY_CISPO) o.dual_clip = 0.0;
    if (policy != RLAIF_PPO_POLICY_CLIP) o.row_norm = 0.5 * static_cast<double>(B);
    PpoData d = make_ppo_data(B, T, mk, o, true, true, true, rng);
    if (policy == RLAIF_PPO_POLICY_GSPO) gspo_avoid_kinks(d, o);
    if (policy != RLAIF_PPO_POLICY_CLIP) add_isw(d, rng);
    const size_t n = static_cast<size_t>(B * T);
    std::vector<float> cgl(n), cgv(n), cge(n);
    double cst[RLAIF_PPO_NUM_STATS];
    std::vector<char> cws(static_cast<size_t>(rlaif_ppo_loss_workspace_bytes(B, T)) + 16);
    rt::check(rlaif_ppo_loss(RLAIF_DTYPE_F32, d.logp.data(), d.old_logp.data(), d.adv.data(), d.mask.data(),
                             d.ref.data(), d.values.data(), d.old_values.data(), d.returns.data(), d.entropy.data(),
                             d.isw.empty() ? nullptr : d.isw.data(), B, T, &o, cgl.data(), cgv.data(), cge.data(), cst,
                             cws.data()) == RLAIF_OK,
              "ppo cpu status");
    float *dl = to_device(d.logp), *dol = to_device(d.old_logp), *da = to_device(d.adv), *dr = to_device(d.ref);
    float *dv = to_device(d.values), *dov = to_device(d.old_values), *dret = to_device(d.returns);
    float *de = to_device(d.entropy);
    float *dis = d.isw.empty() ? nullptr : to_device(d.isw);
    const std::vector<float> garbage(n, NAN);  // outputs start as NaN: every element must be written
    float *dgl = to_device(garbage), *dgv = to_device(garbage), *dge = to_device(garbage);
    uint8_t *dm = to_device(d.mask);
    double *dst = to_device(std::vector<double>(RLAIF_PPO_NUM_STATS, 0.0));
    uint8_t *dws = to_device(std::vector<uint8_t>(static_cast<size_t>(rlaif_ppo_loss_cuda_workspace_bytes(B, T))));
    auto call = [&] {
        return rlaif_ppo_loss_cuda(RLAIF_DTYPE_F32, dl, dol, da, dm, dr, dv, dov, dret, de, dis, B, T, &o, dgl, dgv,
                                   dge, dst, dws, nullptr);
    };
    rt::check(call() == RLAIF_OK, "ppo_loss_cuda status: " + std::string(rlaif_cuda_last_error()));
    CUDA_OK(cudaDeviceSynchronize());
    const auto gst = to_host(dst, RLAIF_PPO_NUM_STATS);
    const auto ggl = to_host(dgl, n), ggv = to_host(dgv, n), gge = to_host(dge, n);
    char what[160];
    std::snprintf(what, sizeof what, "ppo_loss B=%lld T=%lld %s agg=%d policy=%d", static_cast<long long>(B),
                  static_cast<long long>(T), rt::name(mk), aggregation, policy);
    // Statistics: counts exact; the loss terms to float32 rounding of their summands (which may
    // cancel), the other sums to that of their value.
    const PpoReference ref = ppo_reference(d, o);
    double scale[RLAIF_PPO_NUM_STATS];
    for (int k = 0; k < RLAIF_PPO_NUM_STATS; ++k) scale[k] = 1.0 + std::fabs(cst[k]);
    scale[RLAIF_PPO_STAT_POLICY_LOSS] = ref.scale_pg;
    scale[RLAIF_PPO_STAT_VALUE_LOSS] = ref.scale_vf;
    scale[RLAIF_PPO_STAT_KL_LOSS] = ref.scale_kl;
    scale[RLAIF_PPO_STAT_ENTROPY] = ref.scale_ent;
    scale[RLAIF_PPO_STAT_LOSS] =
        ref.scale_pg + o.vf_coef * ref.scale_vf + o.kl_coef * ref.scale_kl + o.ent_coef * ref.scale_ent;
    bool stats_ok = true;
    for (int k = 0; k < RLAIF_PPO_NUM_STATS; ++k) {
        const bool ok = (std::isnan(gst[k]) && std::isnan(cst[k])) || std::fabs(gst[k] - cst[k]) <= 1e-6 * scale[k];
        if (!ok) std::fprintf(stderr, "%s: stat %d GPU %.17g CPU %.17g\n", what, k, gst[k], cst[k]);
        stats_ok = stats_ok && ok;
    }
    rt::check(stats_ok, std::string(what) + ": statistics");
    // Gradients: per-element error against the magnitude of its parts (as in test_ppo_loss).
    double worst = 0, max_err = 0;
    for (size_t i = 0; i < n; ++i) {
        const double e = std::fabs(ggl[i] - cgl[i]);
        max_err = std::max(max_err, e);
        worst = std::max(worst, e / (1e-5 * (ref.scale_logp[i] + std::fabs(cgl[i])) + 1e-30));
    }
    const double ev = max_abs_diff(ggv, cgv), ee = max_abs_diff(gge, cge);
    rt::check(worst <= 1.0, std::string(what) + ": grad_logp GPU vs CPU");
    rt::check(ev <= 1e-5 * (1.0 + max_abs_diff(cgv, std::vector<float>(n, 0.0f))), std::string(what) + ": grad_values");
    rt::check(ee == 0.0, std::string(what) + ": grad_entropy");
    // Deterministic: a second run gives the same bits.
    rt::check(call() == RLAIF_OK, "ppo_loss_cuda second run");
    CUDA_OK(cudaDeviceSynchronize());
    const auto gst2 = to_host(dst, RLAIF_PPO_NUM_STATS);
    rt::check(std::memcmp(gst.data(), gst2.data(), sizeof(double) * RLAIF_PPO_NUM_STATS) == 0,
              std::string(what) + ": run-to-run identical statistics");
    const double ms = time_ms(call, 20);
    // Bytes: 8 inputs of 4 bytes, the mask twice, 3 gradients of 4 bytes.
    const double gbs = n * (8 * 4.0 + 2.0 + 3 * 4.0) / (ms * 1e6);
    std::printf("RESULT %s max_abs_err_grad_logp=%.3g max_abs_err_grad_values=%.3g loss_err=%.3g time_ms=%.4f "
                "GB/s=%.1f\n",
                what, max_err, ev, std::fabs(gst[RLAIF_PPO_STAT_LOSS] - cst[RLAIF_PPO_STAT_LOSS]), ms, gbs);
    for (void *p : {(void *)dl, (void *)dol, (void *)da, (void *)dr, (void *)dv, (void *)dov, (void *)dret, (void *)de,
                    (void *)dgl, (void *)dgv, (void *)dge, (void *)dm, (void *)dst, (void *)dws, (void *)dis})
        if (p != nullptr) cudaFree(p);
}

void logprobs_case(int64_t N, int64_t V, float temp, int64_t K, std::mt19937_64 &rng) {
    auto x = rt::normal(static_cast<size_t>(N * V), 0.0, 2.0, rng);
    std::vector<int64_t> tg(N);
    std::uniform_int_distribution<int64_t> tok(0, V - 1);
    for (auto &t : tg) t = tok(rng);
    tg[0] = -100;  // ignored row
    auto m = rt::make_mask(rt::MaskKind::Holes, 1, N, rng);
    std::vector<float> lp(N), ent(N), lse(N), tv(N * K), g = rt::normal(N, 0, 1, rng), h = rt::normal(N, 0, 1, rng);
    std::vector<int64_t> ti(N * K);
    rlaif_logprobs_forward(RLAIF_DTYPE_F32, x.data(), N, V, tg.data(), m.data(), temp, -100, lp.data(), ent.data(),
                           lse.data(), K, tv.data(), ti.data());
    std::vector<float> grad(static_cast<size_t>(N * V));
    rlaif_logprobs_backward(RLAIF_DTYPE_F32, x.data(), N, V, tg.data(), m.data(), temp, -100, lse.data(), ent.data(),
                            g.data(), h.data(), grad.data());
    const std::vector<float> nan_n(N, NAN), nan_nk(N * K, NAN), nan_nv(N * V, NAN);
    float *dx = to_device(x), *dlp = to_device(nan_n), *dent = to_device(nan_n), *dlse = to_device(nan_n);
    float *dtv = to_device(nan_nk), *dg = to_device(g), *dh = to_device(h), *dgrad = to_device(nan_nv);
    int64_t *dtg = to_device(tg), *dti = to_device(std::vector<int64_t>(N * K, -7));
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
    const bool same_topk = to_host(dti, N * K) == ti && max_abs_diff(to_host(dtv, N * K), tv) <= 1e-4;
    char what[160];
    std::snprintf(what, sizeof what, "logprobs N=%lld V=%lld temp=%g top_k=%lld", static_cast<long long>(N),
                  static_cast<long long>(V), temp, static_cast<long long>(K));
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
    const int64_t shapes[][2] = {{1, 1}, {1, 8192}, {3, 2049}, {2, 5000}, {64, 512}, {256, 1024}, {512, 4096}};
    for (auto &s : shapes)
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::Holes, rt::MaskKind::LeftPad, rt::MaskKind::AllFalse})
            gae_case(s[0], s[1], mk, rng);
    for (int64_t n : {1LL, 2LL, 8192LL, 256LL * 1024, 512LL * 4096})
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::Holes, rt::MaskKind::AllFalse}) whiten_case(n, mk, 0.5, rng);
    whiten_case(1 << 22, rt::MaskKind::Holes, 1e5, rng);
    logprobs_case(3, 7, 1.0f, 4, rng);
    logprobs_case(3, 7, 1.0f, 7, rng);
    logprobs_case(64, 50257, 1.0f, 4, rng);
    logprobs_case(64, 50257, 1.0f, 16, rng);
    logprobs_case(8, 50257, 1.0f, 20, rng);  // k above the block path: one thread scans the row
    logprobs_case(256, 151936, 0.7f, 4, rng);
    logprobs_case(256, 151936, 0.7f, 0, rng);
    const int64_t ppo_shapes[][2] = {{1, 1}, {5, 33}, {64, 512}, {256, 1024}, {512, 4096}, {2, 100000}};
    for (auto &s : ppo_shapes)
        for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::Holes, rt::MaskKind::AllFalse})
            for (int agg = 0; agg < 4; ++agg)
                if (agg == 0 || s[0] * s[1] <= 256 * 1024) ppo_case(s[0], s[1], mk, agg, rng);
    // GSPO (per-row ratio, row reduction and broadcast) and CISPO, with importance weights and row_norm.
    for (int policy : {RLAIF_PPO_POLICY_GSPO, RLAIF_PPO_POLICY_CISPO})
        for (auto &s : ppo_shapes)
            for (auto mk : {rt::MaskKind::AllTrue, rt::MaskKind::Holes, rt::MaskKind::AllFalse})
                for (int agg : {RLAIF_PPO_AGG_TOKEN_MEAN, RLAIF_PPO_AGG_SEQ_MEAN_TOKEN_MEAN})
                    if (agg == 0 || s[0] * s[1] <= 256 * 1024) ppo_case(s[0], s[1], mk, agg, rng, policy);
    copy_bandwidth(512LL * 4096 * 17 / 2);
    return rt::finish("test_cuda");
}
#endif
