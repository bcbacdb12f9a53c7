package org.rlaif4j.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Causal, padding-aware attention masks and position ids for left-padded batches. */
final class AttentionMasks {
    private AttentionMasks() {}

    /**
     * What the attention kernel gets: an explicit boolean mask {@code [B, 1, T, S]} (true = may
     * attend), or none with {@code causal} telling whether the kernel should apply its own causal mask.
     */
    record Mask(Tensor tensor, boolean causal) {}

    /**
     * @param attentionMask {@code [B, S]} with S = past + t, 1 for tokens and 0 for padding, or null
     */
    static Mask build(Tensor attentionMask, long past, long t) {
        if (attentionMask == null) {
            if (past == 0) {
                return new Mask(null, t > 1);
            }
            if (t == 1) {
                return new Mask(null, false); // one new query sees every cached key
            }
        }
        long s = past + t;
        Tensor q = Ops.arange(past, s).view(t, 1);        // [T, 1] absolute query positions
        Tensor k = Ops.arange(0, s).view(1, s);           // [1, S]
        Tensor allowed = k.le(q);                          // [T, S] causal
        if (attentionMask != null) {
            Tensor keyOk = attentionMask.to(ScalarType.Bool).view(attentionMask.size(0), 1, 1, s); // [B, 1, 1, S]
            // A padding query would see no key at all (NaN softmax): let every query see itself.
            allowed = allowed.logical_and(keyOk).logical_or(k.eq(q)); // [B, 1, T, S]
        } else {
            allowed = allowed.view(1, 1, t, s);
        }
        return new Mask(allowed, false);
    }

    /**
     * Positions counted over real tokens only, so a left-padded row gets the positions it would
     * have alone: {@code cumsum(mask) - 1}, with padding at position 1 (as Hugging Face does).
     * @return {@code [B, t]} int64: the last t columns
     */
    static Tensor positionIds(Tensor attentionMask, long batch, long past, long t) {
        if (attentionMask == null) {
            return Ops.arange(past, past + t).view(1, t).expand(batch, t);
        }
        Tensor m = attentionMask.to(ScalarType.Long);
        Tensor pos = m.cumsum(1).sub(Ops.scalar(1));
        pos = pos.masked_fill(m.eq(Ops.scalar(0)), Ops.scalar(1));
        return pos.narrow(1, past, t);
    }
}
