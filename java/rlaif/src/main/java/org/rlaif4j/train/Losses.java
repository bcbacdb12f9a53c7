package org.rlaif4j.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.Ops;

/** Losses shared by the trainers. */
public final class Losses {
    private Losses() {}

    /**
     * Mean next-token cross-entropy: position t predicts token t + 1, counted where the target's
     * mask is 1 (all targets when {@code mask} is null).
     *
     * @param logits {@code [B, T, V]}; @param ids {@code [B, T]} int64; @param mask {@code [B, T]} or null
     * @return a scalar tensor
     */
    public static Tensor causalLm(Tensor logits, Tensor ids, Tensor mask) {
        return Ops.scoped(() -> {
            long t = ids.size(1);
            Tensor lp = torch.log_softmax(logits.narrow(1, 0, t - 1).to(ScalarType.Float), -1); // [B, T-1, V]
            Tensor target = ids.narrow(1, 1, t - 1);                                          // [B, T-1]
            Tensor nll = lp.gather(2, target.unsqueeze(2)).squeeze(2).neg();                   // [B, T-1]
            if (mask == null) {
                return nll.mean();
            }
            Tensor m = mask.narrow(1, 1, t - 1).to(ScalarType.Float);
            return nll.mul(m).sum().div(m.sum().clamp_min(Ops.scalar(1.0)));
        });
    }
}
