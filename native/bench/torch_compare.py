#!/usr/bin/env python3
"""CUDA kernels of librlaif_cuda.so side by side with eager PyTorch on the same GPU.

For each kernel: the answer is checked against float64 PyTorch (an implementation independent
of ours: autograd gives the reference gradients), then both are timed with CUDA events in the
same process, so the ratios in native/GPU_RESULTS.md come from one run on one card. Peak extra
GPU memory is read from torch.cuda.max_memory_allocated.

Runs where a GPU, PyTorch and a CUDA build of the library are present (no JDK needed):
    python3 native/bench/torch_compare.py --lib build-gpu/lib/librlaif_cuda.so --json out.json
"""
import argparse
import ctypes as C
import json
import sys
import traceback

import torch

F32, BF16 = 0, 1
AGG_TOKEN_MEAN = 0
KL_K3 = 2
NUM_STATS = 17


class PpoOptions(C.Structure):
    _fields_ = [("aggregation", C.c_int32), ("kl_estimator", C.c_int32), ("eps_low", C.c_double),
                ("eps_high", C.c_double), ("dual_clip", C.c_double), ("value_clip", C.c_double),
                ("vf_coef", C.c_double), ("kl_coef", C.c_double), ("ent_coef", C.c_double),
                ("norm_constant", C.c_double)]


def ptr(t):
    return C.c_void_p(t.data_ptr()) if t is not None else C.c_void_p(0)


def stream():
    return C.c_void_p(torch.cuda.current_stream().cuda_stream)


def load(path):
    lib = C.CDLL(path)
    lib.rlaif_cuda_last_error.restype = C.c_char_p
    lib.rlaif_ppo_loss_cuda_workspace_bytes.restype = C.c_int64
    lib.rlaif_ppo_loss_cuda_workspace_bytes.argtypes = [C.c_int64, C.c_int64]
    i64, f32, f64, vp = C.c_int64, C.c_float, C.c_double, C.c_void_p
    lib.rlaif_gae_cuda.argtypes = [C.c_int, vp, vp, vp, vp, i64, i64, f32, f32, vp, vp, vp, vp]
    lib.rlaif_whiten_cuda.argtypes = [C.c_int, vp, vp, i64, C.c_int, f64, vp, vp, vp]
    lib.rlaif_logprobs_forward_cuda.argtypes = [C.c_int, vp, i64, i64, vp, vp, f32, i64, vp, vp, vp, i64, vp, vp, vp]
    lib.rlaif_logprobs_backward_cuda.argtypes = [C.c_int, vp, i64, i64, vp, vp, f32, i64, vp, vp, vp, vp, vp, vp]
    lib.rlaif_ppo_loss_cuda.argtypes = [C.c_int, vp, vp, vp, vp, vp, vp, vp, vp, vp, i64, i64,
                                        C.POINTER(PpoOptions), vp, vp, vp, vp, vp, vp]
    return lib


def check(lib, status, what):
    if status != 0:
        raise RuntimeError(f"{what}: status {status}: {lib.rlaif_cuda_last_error().decode()}")


def time_ms(fn, reps):
    fn()
    torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(reps):
        fn()
    b.record()
    b.synchronize()
    return a.elapsed_time(b) / reps


def peak_extra_mb(fn):
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    fn()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - base) / 2**20


def copy_gbs(nbytes):
    a = torch.empty(nbytes, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    ms = time_ms(lambda: b.copy_(a), 20)
    return 2 * nbytes / (ms * 1e6)


def rel_err(a, b):
    return ((a.double() - b.double()).abs().max() / (b.double().abs().max() + 1e-30)).item()


# ---------------------------------------------------------------- GAE
def eager_gae(r, v, gamma, lam):
    """The reverse loop that TRL's PPO trainer runs (every position valid, bootstrap 0)."""
    T = r.shape[1]
    last = torch.zeros_like(r[:, 0])
    out = []
    for t in reversed(range(T)):
        nextv = v[:, t + 1] if t < T - 1 else torch.zeros_like(last)
        delta = r[:, t] + gamma * nextv - v[:, t]
        last = delta + gamma * lam * last
        out.append(last)
    adv = torch.stack(out[::-1], 1)
    return adv, adv + v


def bench_gae(lib, B, T, results):
    g = torch.Generator(device="cuda").manual_seed(B * T)
    r = torch.randn(B, T, device="cuda", generator=g)
    v = torch.randn(B, T, device="cuda", generator=g)
    m = torch.ones(B, T, dtype=torch.uint8, device="cuda")
    adv, ret = torch.empty_like(r), torch.empty_like(r)
    flag = torch.zeros(1, dtype=torch.int32, device="cuda")
    gamma, lam = 0.99, 0.95

    def ours():
        check(lib, lib.rlaif_gae_cuda(F32, ptr(r), ptr(v), ptr(m), None, B, T, gamma, lam, ptr(adv), ptr(ret),
                                      ptr(flag), stream()), "gae")

    ours()
    ref_adv, ref_ret = eager_gae(r.double(), v.double(), gamma, lam)
    err = max(rel_err(adv, ref_adv), rel_err(ret, ref_ret))
    t_ours = time_ms(ours, 20)
    t_eager = time_ms(lambda: eager_gae(r, v, gamma, lam), 2 if T > 1024 else 3)
    nbytes = B * T * (4 + 4 + 1 + 4 + 4)
    results.append(dict(kernel="gae", shape=f"{B}x{T}", rel_err_vs_f64=err, ours_ms=t_ours, eager_ms=t_eager,
                        speedup=t_eager / t_ours, ours_GBs=nbytes / (t_ours * 1e6)))


# ---------------------------------------------------------------- whitening
def bench_whiten(lib, n, results):
    g = torch.Generator(device="cuda").manual_seed(n)
    x = torch.randn(n, device="cuda", generator=g) * 3 + 0.5
    m = (torch.rand(n, device="cuda", generator=g) < 0.8).to(torch.uint8)
    out = torch.empty_like(x)
    st = torch.zeros(3, dtype=torch.float64, device="cuda")
    eps = 1e-8

    def ours():
        check(lib, lib.rlaif_whiten_cuda(F32, ptr(x), ptr(m), n, 1, eps, ptr(out), ptr(st), stream()), "whiten")

    def eager(xx):
        mf = m.to(xx.dtype)
        cnt = mf.sum()
        mean = (xx * mf).sum() / cnt
        var = (((xx - mean) ** 2) * mf).sum() / (cnt - 1)
        return (xx - mean) * torch.rsqrt(var + eps) * mf

    ours()
    err = rel_err(out, eager(x.double()))
    t_ours, t_eager = time_ms(ours, 50), time_ms(lambda: eager(x), 20)
    nbytes = n * (4 + 1 + 4)  # x and mask read (twice within the kernel, counted once), out written
    results.append(dict(kernel="whiten", shape=str(n), rel_err_vs_f64=err, ours_ms=t_ours, eager_ms=t_eager,
                        speedup=t_eager / t_ours, ours_GBs=nbytes / (t_ours * 1e6)))


# ---------------------------------------------------------------- log-probs from logits
def bench_logprobs(lib, N, V, dtype, results):
    g = torch.Generator(device="cuda").manual_seed(N + V)
    x = (torch.randn(N, V, device="cuda", generator=g) * 2).to(dtype)
    tg = torch.randint(0, V, (N,), device="cuda", generator=g)
    m = torch.ones(N, dtype=torch.uint8, device="cuda")
    up = torch.randn(N, device="cuda", generator=g)
    lp, lse = torch.empty(N, device="cuda"), torch.empty(N, device="cuda")
    code = F32 if dtype == torch.float32 else BF16
    grad = torch.empty_like(x)

    def fwd():
        check(lib, lib.rlaif_logprobs_forward_cuda(code, ptr(x), N, V, ptr(tg), ptr(m), 1.0, -100, ptr(lp), None,
                                                   ptr(lse), 0, None, None, stream()), "logprobs fwd")

    def bwd():
        check(lib, lib.rlaif_logprobs_backward_cuda(code, ptr(x), N, V, ptr(tg), ptr(m), 1.0, -100, ptr(lse), None,
                                                    ptr(up), None, ptr(grad), stream()), "logprobs bwd")

    def ours():
        fwd()
        bwd()

    def eager():
        xx = x.detach().requires_grad_(True)
        out = torch.log_softmax(xx.float(), -1).gather(1, tg[:, None])[:, 0]
        out.backward(up)
        return out, xx.grad

    ours()
    xr = x.detach().double().requires_grad_(True)
    ref = torch.log_softmax(xr, -1).gather(1, tg[:, None])[:, 0]
    ref.backward(up.double())
    err_lp = (lp.double() - ref).abs().max().item()
    err_grad = (grad.double() - xr.grad).abs().max().item()
    del xr, ref
    torch.cuda.empty_cache()
    mem_ours, mem_eager = peak_extra_mb(ours), peak_extra_mb(eager)
    t_ours, t_eager = time_ms(ours, 5), time_ms(eager, 5)
    t_fwd = time_ms(fwd, 5)
    K = 5  # the labeler's score distribution: the top few tokens of a row
    tv, ti = torch.empty(N, K, device="cuda"), torch.empty(N, K, dtype=torch.int64, device="cuda")

    def fwd_topk():
        check(lib, lib.rlaif_logprobs_forward_cuda(code, ptr(x), N, V, ptr(tg), ptr(m), 1.0, -100, ptr(lp), None,
                                                   ptr(lse), K, ptr(tv), ptr(ti), stream()), "logprobs topk")

    fwd_topk()
    ref_lsm = torch.log_softmax(x.double(), -1)
    ref_v = ref_lsm.topk(K, -1).values
    # Tie-aware (bf16 rows have exact ties, ordered differently by torch.topk): the values agree
    # and each returned index holds the value returned for it.
    topk_same = bool((tv.double() - ref_v).abs().max().item() < 1e-4
                     and (ref_lsm.gather(1, ti) - tv.double()).abs().max().item() < 1e-4)
    del ref_lsm
    t_topk = time_ms(fwd_topk, 5)
    t_topk_eager = time_ms(lambda: torch.log_softmax(x.float(), -1).topk(K, -1), 5)
    el = x.element_size()
    results.append(dict(kernel="logprobs fwd+bwd", shape=f"N={N} V={V} {str(dtype)[6:]}", abs_err_logp=err_lp,
                        abs_err_grad=err_grad, ours_ms=t_ours, eager_ms=t_eager, speedup=t_eager / t_ours,
                        ours_fwd_ms=t_fwd, ours_fwd_GBs=N * V * el / (t_fwd * 1e6),
                        ours_GBs=N * V * el * 3 / (t_ours * 1e6), ours_fwd_top5_ms=t_topk,
                        eager_log_softmax_top5_ms=t_topk_eager, top5_matches_f64=topk_same,
                        ours_peak_extra_MiB=mem_ours,
                        eager_peak_extra_MiB=mem_eager))


# ---------------------------------------------------------------- fused PPO loss
EPS_LOW, EPS_HIGH, DUAL, VCLIP, VF, KLC, ENT = 0.2, 0.28, 3.0, 0.2, 0.1, 0.05, 0.01


def eager_ppo(logp, old, adv, mask, ref, v, oldv, ret, ent):
    """The eager composition of the header's formulas (token-mean), with the usual statistics."""
    mf = mask.to(logp.dtype)
    n = mf.sum()
    lr = (logp - old).clamp(-20, 20)
    ratio = lr.exp()
    pg = torch.maximum(-adv * ratio, -adv * ratio.clamp(1 - EPS_LOW, 1 + EPS_HIGH))
    pg = torch.where(adv < 0, torch.minimum(pg, -adv * DUAL), pg)
    vc = torch.clamp(v, oldv - VCLIP, oldv + VCLIP)
    vf = 0.5 * torch.maximum((v - ret) ** 2, (vc - ret) ** 2)
    dc = (ref - logp).clamp(-20, 20)
    kl = dc.exp() - dc - 1
    loss = ((pg + VF * vf + KLC * kl - ENT * ent) * mf).sum() / n
    with torch.no_grad():
        stats = torch.stack([((ratio < 1 - EPS_LOW) & (adv < 0)).to(mf.dtype).mul(mf).sum() / n,
                             ((ratio > 1 + EPS_HIGH) & (adv > 0)).to(mf.dtype).mul(mf).sum() / n,
                             (0.5 * lr * lr * mf).sum() / n, (ratio * mf).sum() / n])
    return loss, stats


def bench_ppo(lib, B, T, results):
    g = torch.Generator(device="cuda").manual_seed(B * T + 1)
    rn = lambda s=1.0: torch.randn(B, T, device="cuda", generator=g) * s  # noqa: E731
    old = rn(0.5) - 2
    logp = old + rn(0.3)
    adv, ref, oldv, ret, ent = rn(), old + rn(0.2), rn(), rn(), rn().abs()
    v = oldv + rn(0.3)
    m = (torch.rand(B, T, device="cuda", generator=g) < 0.9).to(torch.uint8)
    gl, gv, ge = torch.empty_like(logp), torch.empty_like(v), torch.empty_like(ent)
    st = torch.zeros(NUM_STATS, dtype=torch.float64, device="cuda")
    ws = torch.empty(max(16, lib.rlaif_ppo_loss_cuda_workspace_bytes(B, T)), dtype=torch.uint8, device="cuda")
    o = PpoOptions(AGG_TOKEN_MEAN, KL_K3, EPS_LOW, EPS_HIGH, DUAL, VCLIP, VF, KLC, ENT, 1.0)

    def ours():
        check(lib, lib.rlaif_ppo_loss_cuda(F32, ptr(logp), ptr(old), ptr(adv), ptr(m), ptr(ref), ptr(v), ptr(oldv),
                                           ptr(ret), ptr(ent), B, T, C.byref(o), ptr(gl), ptr(gv), ptr(ge), ptr(st),
                                           ptr(ws), stream()), "ppo")

    def eager():
        a, b, c = (t.detach().requires_grad_(True) for t in (logp, v, ent))
        loss, stats = eager_ppo(a, old, adv, m, ref, b, oldv, ret, c)
        loss.backward()
        return loss, stats, a.grad, b.grad, c.grad

    ours()
    torch.cuda.synchronize()
    d = lambda t: t.double()  # noqa: E731
    a, b, c = (d(t).requires_grad_(True) for t in (logp, v, ent))
    loss64, _ = eager_ppo(a, d(old), d(adv), m, d(ref), b, d(oldv), d(ret), c)
    loss64.backward()
    err_loss = abs(st[0].item() - loss64.item())
    err_gl = (gl.double() - a.grad).abs().max().item() / (a.grad.abs().max().item() + 1e-30)
    err_gv = (gv.double() - b.grad).abs().max().item() / (b.grad.abs().max().item() + 1e-30)
    err_ge = (ge.double() - c.grad).abs().max().item() / (c.grad.abs().max().item() + 1e-30)
    t_ours, t_eager = time_ms(ours, 20), time_ms(eager, 10)
    n = B * T
    nbytes = n * (8 * 4 + 1 + 3 * 4)
    results.append(dict(kernel="ppo loss fwd+bwd", shape=f"{B}x{T}", abs_err_loss=err_loss, rel_err_grad_logp=err_gl,
                        rel_err_grad_values=err_gv, rel_err_grad_entropy=err_ge, ours_ms=t_ours, eager_ms=t_eager,
                        speedup=t_eager / t_ours, ours_GBs=nbytes / (t_ours * 1e6),
                        ours_peak_extra_MiB=peak_extra_mb(ours), eager_peak_extra_MiB=peak_extra_mb(eager)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--json")
    args = ap.parse_args()
    lib = load(args.lib)
    torch.manual_seed(0)
    info = dict(device=torch.cuda.get_device_name(0), torch=torch.__version__,
                copy_GBs_read_plus_write=copy_gbs(512 * 4096 * 17 // 2))
    print("DEVICE", json.dumps(info), flush=True)
    results, failures = [], []
    cases = [(bench_gae, 256, 1024), (bench_gae, 512, 4096), (bench_whiten, 512 * 4096),
             (bench_whiten, 1 << 26), (bench_ppo, 256, 1024), (bench_ppo, 1024, 2048),
             (bench_ppo, 512, 4096), (bench_logprobs, 1024, 50257, torch.float32),
             (bench_logprobs, 4096, 151936, torch.float32), (bench_logprobs, 4096, 151936, torch.bfloat16)]
    for fn, *a in cases:
        try:
            fn(lib, *a, results)
            print("RESULT", json.dumps(results[-1]), flush=True)
        except Exception:  # report and go on: one broken case must not hide the others
            failures.append(f"{fn.__name__}{tuple(a)}: {traceback.format_exc()}")
            print("FAILED", failures[-1], flush=True)
        torch.cuda.empty_cache()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(info=info, results=results, failures=failures), f, indent=1)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
