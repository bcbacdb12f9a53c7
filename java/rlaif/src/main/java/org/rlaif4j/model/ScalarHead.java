package org.rlaif4j.model;

import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A linear map from hidden states to one number per position, without bias, stored as
 * {@code score.weight} {@code [1, H]} as in Hugging Face sequence-classification checkpoints with
 * {@code num_labels = 1}.
 */
public final class ScalarHead {
    public static final String NAME = "score.weight";

    private final Tensor weight; // [1, H]

    ScalarHead(Tensor weight) {
        if (weight.dim() != 2 || weight.size(0) != 1) {
            throw new IllegalArgumentException("score.weight: expected shape [1, hidden], found "
                    + java.util.Arrays.toString(Ops.shape(weight)));
        }
        this.weight = weight;
    }

    /** A fresh head with normal(0, std) weights. */
    static ScalarHead fresh(ModelConfig config, long seed) {
        return new ScalarHead(Transformer.init(NAME, new long[] {1, config.hiddenSize()}, config, new Random(seed),
                org.bytedeco.pytorch.global.torch.ScalarType.Float));
    }

    public Tensor weight() {
        return weight;
    }

    /** {@code [B, T, H]} hidden states to {@code [B, T]} scalars. */
    public Tensor apply(Tensor hidden) {
        return Ops.scoped(() -> torch.linear(hidden, weight.to(hidden.scalar_type())).squeeze(-1)); // [B, T]
    }
}
