package org.rlaif4j.rl;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.kernels.LogProbs;
import org.rlaif4j.kernels.LogProbsConfig;
import org.rlaif4j.kernels.LogProbsResult;
import org.rlaif4j.kernels.reference.EagerLogProbs;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHead;
import org.rlaif4j.model.ScalarHeadModel;

/**
 * Forward passes without gradients over a rollout's sequences {@code [B, P + N]}, in chunks of
 * rows, giving per-response-token quantities {@code [B, N]}. Position {@code P - 1 + t} of the
 * sequence predicts response token t, so the hidden states used are columns P - 1 .. P + N - 2.
 */
final class Scoring {
    private Scoring() {}

    /** Log-probs and entropy of the response tokens, and values when a shared head is given (else null). */
    record Scores(Tensor logp, Tensor entropy, Tensor values) {}

    /** The response-aligned slice {@code [B, N, H]} (contiguous) of full hidden states {@code [B, P + N, H]}. */
    static Tensor responseSlice(Tensor full, int p, int n) {
        return full.narrow(1, p - 1, n).contiguous();
    }

    /**
     * @param sharedHead a value head on {@code lm}'s backbone, or null
     * @param eager      libtorch log_softmax over full logits instead of the fused log-prob kernel
     */
    static Scores policy(CausalLm lm, ScalarHead sharedHead, Tensor seq, Tensor attn, int p, int n, Tensor targets,
            Tensor mask, double temperature, boolean eager, int chunkRows) {
        long b = seq.size(0);
        Tensor logp = Ops.zeros(ScalarType.Float, b, n);
        Tensor entropy = Ops.zeros(ScalarType.Float, b, n);
        Tensor values = sharedHead == null ? null : Ops.zeros(ScalarType.Float, b, n);
        try (NoGradGuard g = new NoGradGuard()) {
            for (long r0 = 0; r0 < b; r0 += chunkRows) {
                long c = Math.min(chunkRows, b - r0);
                try (PointerScope scope = new PointerScope()) {
                    Tensor full = lm.backbone().forward(seq.narrow(0, r0, c), attn.narrow(0, r0, c), null, null);
                    Tensor h = responseSlice(full, p, n);                                 // [c, N, H]
                    Tensor tc = targets.narrow(0, r0, c);
                    Tensor mc = mask.narrow(0, r0, c);
                    if (eager) {
                        Tensor logits = torch.linear(h, lm.lmHead());                    // [c, N, V]
                        EagerLogProbs.Result r = EagerLogProbs.compute(logits, tc, mc, temperature, -100, true);
                        logp.narrow(0, r0, c).copy_(r.logProbs());
                        entropy.narrow(0, r0, c).copy_(r.entropy());
                    } else {
                        try (LogProbsResult r = LogProbs.fromHidden(h, lm.lmHead(), null, tc, mc,
                                new LogProbsConfig(temperature, true, -100, 0), 0)) {
                            logp.narrow(0, r0, c).copy_(r.logProbs());
                            entropy.narrow(0, r0, c).copy_(r.entropy());
                        }
                    }
                    if (values != null) {
                        values.narrow(0, r0, c).copy_(sharedHead.apply(full).narrow(1, p - 1, n));
                    }
                }
            }
        }
        return new Scores(logp, entropy, values);
    }

    /** Values {@code [B, N]} of a separate value model, 0 at masked positions. */
    static Tensor values(ScalarHeadModel model, Tensor seq, Tensor attn, int p, int n, Tensor mask, int chunkRows) {
        long b = seq.size(0);
        Tensor values = Ops.zeros(ScalarType.Float, b, n);
        try (NoGradGuard g = new NoGradGuard()) {
            for (long r0 = 0; r0 < b; r0 += chunkRows) {
                long c = Math.min(chunkRows, b - r0);
                try (PointerScope scope = new PointerScope()) {
                    Tensor v = model.values(seq.narrow(0, r0, c), attn.narrow(0, r0, c)).narrow(1, p - 1, n);
                    values.narrow(0, r0, c).copy_(v.mul(mask.narrow(0, r0, c).to(ScalarType.Float)));
                }
            }
        }
        return values;
    }
}
