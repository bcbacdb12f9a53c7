package org.rlaif4j.reward;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.Jsonl;

/**
 * Settings of one reward-model training run.
 *
 * @param model         a causal-LM checkpoint (a fresh scalar head is added) or a reward-model checkpoint
 *                      (with {@code score.weight}: fine-tuning a pre-trained preference model)
 * @param data          preference files with their loss weights (see {@link WeightedSource})
 * @param out           output folder: {@code model/}, {@code metrics.jsonl}, {@code metrics.csv},
 *                      {@code train_rm.png}, {@code summary.json}, and {@code checkpoint-N/} while running
 * @param evalFraction  share of the pairs held out for evaluation, in [0, 1)
 * @param maxSteps      optimizer steps; 0 means {@code epochs} passes over the training pairs
 * @param microBatch    pairs per forward pass; {@code microBatch * gradAccum} pairs per optimizer step
 * @param warmupSteps   linear warm-up; then cosine decay to {@code minLr} (or constant when {@code !cosine})
 * @param maxGradNorm   global-norm clip; 0 disables
 * @param maxLength     longest prompt + response in tokens; 0 means the model's max_position_embeddings
 * @param evalEvery     evaluate every this many steps (and always at the end); 0 only at the end
 * @param saveEvery     write a resumable checkpoint every this many steps; 0 never
 * @param eceBins       equal-width bins of the expected calibration error
 * @param evalBatch     sequences per forward pass when evaluating
 */
public record RewardConfig(Path model, List<WeightedSource> data, Path out, double evalFraction, long seed, int epochs,
                           long maxSteps, int microBatch, int gradAccum, double lr, long warmupSteps, double minLr,
                           boolean cosine, double weightDecay, double maxGradNorm, int maxLength,
                           TruncationPolicy truncation, BadLinePolicy badLines, int evalEvery, int saveEvery,
                           int eceBins, int evalBatch) {
    public RewardConfig {
        data = List.copyOf(data);
        require(model != null, "--model", "a checkpoint folder", model);
        require(out != null, "--out", "an output folder", out);
        require(!data.isEmpty(), "--data", "at least one preference file", data);
        require(evalFraction >= 0 && evalFraction < 1, "--eval-fraction", "a number in [0, 1)", evalFraction);
        require(epochs >= 1, "--epochs", ">= 1", epochs);
        require(maxSteps >= 0, "--max-steps", ">= 0", maxSteps);
        require(microBatch >= 1, "--micro-batch", ">= 1", microBatch);
        require(gradAccum >= 1, "--grad-accum", ">= 1", gradAccum);
        require(lr > 0, "--lr", "> 0", lr);
        require(warmupSteps >= 0, "--warmup-steps", ">= 0", warmupSteps);
        require(minLr >= 0 && minLr <= lr, "--min-lr", "in [0, lr]", minLr);
        require(weightDecay >= 0, "--weight-decay", ">= 0", weightDecay);
        require(maxGradNorm >= 0, "--max-grad-norm", ">= 0", maxGradNorm);
        require(maxLength >= 0, "--max-length", ">= 0", maxLength);
        require(truncation != null, "--truncation", "fail or left", truncation);
        require(badLines != null, "--bad-lines", "fail or skip", badLines);
        require(evalEvery >= 0, "--eval-every", ">= 0", evalEvery);
        require(saveEvery >= 0, "--save-every", ">= 0", saveEvery);
        require(eceBins >= 1, "--ece-bins", ">= 1", eceBins);
        require(evalBatch >= 1, "--eval-batch", ">= 1", evalBatch);
    }

    /** Defaults for everything but the model, data and output folder. */
    public static RewardConfig defaults(Path model, List<WeightedSource> data, Path out) {
        return new RewardConfig(model, data, out, 0.1, 0, 1, 0, 8, 1, 1e-5, 0, 0, true, 0.0, 1.0, 0,
                TruncationPolicy.FAIL, BadLinePolicy.FAIL, 50, 100, 10, 32);
    }

    public int pairsPerStep() {
        return microBatch * gradAccum;
    }

    /**
     * The settings that decide the training trajectory; a resumed run must have the same ones
     * (evaluation and checkpoint cadence may change).
     */
    public ObjectNode trajectoryJson() {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        o.put("model", model.toAbsolutePath().normalize().toString());
        var d = o.putArray("data");
        data.forEach(s -> d.addObject().put("file", s.file().toAbsolutePath().normalize().toString())
                .put("weight", s.weight()));
        o.put("eval_fraction", evalFraction).put("seed", seed).put("epochs", epochs).put("max_steps", maxSteps);
        o.put("micro_batch", microBatch).put("grad_accum", gradAccum).put("lr", lr).put("warmup_steps", warmupSteps);
        o.put("min_lr", minLr).put("cosine", cosine).put("weight_decay", weightDecay).put("max_grad_norm", maxGradNorm);
        o.put("max_length", maxLength).put("truncation", truncation.name()).put("bad_lines", badLines.name());
        return o;
    }

    private static void require(boolean ok, String name, String expected, Object found) {
        if (!ok) {
            throw new IllegalArgumentException(name + ": expected " + expected + ", found " + found);
        }
    }
}
