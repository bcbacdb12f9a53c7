package org.rlaif4j.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.safetensors.SafetensorsCheckpoint;

/**
 * A value or reward model: backbone + {@link ScalarHead}. Saved as a
 * {@code *ForSequenceClassification} checkpoint with {@code num_labels = 1}.
 */
public final class ScalarHeadModel extends PretrainedModel {
    private final ScalarHead head;

    private ScalarHeadModel(Transformer backbone, ScalarHead head, Path sourceDir) {
        super(backbone, sourceDir);
        this.head = head;
    }

    /** Loads a sequence-classification checkpoint (must hold {@code score.weight} of shape [1, H]). */
    public static ScalarHeadModel load(Path dir) {
        return load(dir, ScalarType.Float);
    }

    public static ScalarHeadModel load(Path dir, ScalarType dtype) {
        ModelConfig config = ModelConfig.load(dir);
        try (SafetensorsCheckpoint source = SafetensorsCheckpoint.open(dir)) {
            Map<String, String> names = Checkpoints.storedNames(config, source);
            Transformer backbone = Transformer.load(config, source, names, dtype);
            if (!source.contains(ScalarHead.NAME)) {
                throw new IllegalArgumentException(dir + ": no '" + ScalarHead.NAME
                        + "' in checkpoint; use fromCausalLm to start from a language model with a fresh head");
            }
            Tensor w = Transformer.loadParameter(source, ScalarHead.NAME, ScalarHead.NAME,
                    new long[] {1, config.hiddenSize()}, dtype);
            Set<String> consumed = new HashSet<>(names.values());
            consumed.add(ScalarHead.NAME);
            checkNoUnexpected(source, consumed, dir);
            return new ScalarHeadModel(backbone, new ScalarHead(w), dir);
        }
    }

    /** The backbone of a causal-LM checkpoint with a fresh head (normal(0, initializer_range), seeded). */
    public static ScalarHeadModel fromCausalLm(Path dir, long seed) {
        CausalLm lm = CausalLm.load(dir);
        return new ScalarHeadModel(lm.backbone(), ScalarHead.fresh(lm.config(), seed), dir);
    }

    /** A fresh head on an existing backbone (shared, not copied). */
    public static ScalarHeadModel withFreshHead(Transformer backbone, long seed) {
        return new ScalarHeadModel(backbone, ScalarHead.fresh(backbone.config(), seed), null);
    }

    public ScalarHead head() {
        return head;
    }

    /** Per-position values {@code [B, T]} (value model), float32 whatever the weights' dtype. */
    public Tensor values(Tensor inputIds, Tensor attentionMask) {
        return Ops.scoped(() -> {
            Tensor v = head.apply(backbone.forward(inputIds, attentionMask, null, null));
            return Ops.dtype(v) == ScalarType.Float ? v : v.to(ScalarType.Float);
        });
    }

    /**
     * One score per row {@code [B]} (reward model): the value at the last token whose mask is 1
     * (the last column without a mask), so left and right padding both work.
     */
    public Tensor scores(Tensor inputIds, Tensor attentionMask) {
        return Ops.scoped(() -> {
            Tensor v = values(inputIds, attentionMask);                    // [B, T]
            long t = inputIds.size(1);
            if (attentionMask == null) {
                return v.select(1, t - 1);
            }
            Tensor idx = attentionMask.to(ScalarType.Long).mul(Ops.arange(0, t).view(1, t)).argmax(
                    new org.bytedeco.pytorch.LongOptional(1), false);           // [B] last real position
            return v.gather(1, idx.view(-1, 1)).squeeze(1);               // [B]
        });
    }

    @Override
    protected Map<String, Tensor> headParameters() {
        return Map.of(ScalarHead.NAME, head.weight());
    }

    @Override
    protected String architecture() {
        return "ForSequenceClassification";
    }

    @Override
    protected void customizeConfig(ObjectNode cfg) {
        cfg.put("num_labels", 1);
        cfg.putObject("id2label").put("0", "LABEL_0");
        cfg.putObject("label2id").put("LABEL_0", 0);
    }
}
