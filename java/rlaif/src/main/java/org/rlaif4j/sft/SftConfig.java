package org.rlaif4j.sft;

/**
 * Hyper-parameters of {@link SftTrainer}.
 *
 * @param epochs        passes over the training examples (>= 1)
 * @param batchSize     examples per optimizer step (>= 1)
 * @param gradAccum     micro-batches each step is split into (1..batchSize): same update, less memory
 * @param lr            peak learning rate (warm-up, then cosine decay to lr / 10)
 * @param warmupSteps   linear warm-up steps
 * @param weightDecay   AdamW weight decay of matrices
 * @param maxGradNorm   global gradient-norm clip; 0 = off
 * @param maxLength     tokens per example after truncation (prompt cut from the left, then the response from the right)
 * @param evalEvery     evaluate every this many steps (0 = only after each epoch)
 * @param saveEvery     resumable checkpoint every this many steps (0 = only the final model)
 * @param keepLast      step checkpoints kept on disk
 * @param seed          shuffling seed
 */
public record SftConfig(int epochs, int batchSize, int gradAccum, double lr, int warmupSteps, double weightDecay,
        double maxGradNorm, int maxLength, int evalEvery, int saveEvery, int keepLast, long seed) {

    public SftConfig {
        positive(epochs, "epochs");
        positive(batchSize, "batchSize");
        if (gradAccum < 1 || gradAccum > batchSize) {
            throw new IllegalArgumentException("gradAccum: expected 1.." + batchSize + " (the batch size), found " + gradAccum);
        }
        if (!(lr > 0)) {
            throw new IllegalArgumentException("lr: expected > 0, found " + lr);
        }
        if (warmupSteps < 0 || evalEvery < 0 || saveEvery < 0) {
            throw new IllegalArgumentException("warmupSteps, evalEvery, saveEvery: expected >= 0, found "
                    + warmupSteps + ", " + evalEvery + ", " + saveEvery);
        }
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength: expected >= 2 (a prompt token and a response token), found " + maxLength);
        }
        positive(keepLast, "keepLast");
    }

    /** 3 epochs, batch 8 in one micro-batch, lr 1e-4, 10 warm-up steps, decay 0.0, clip 1.0, 512 tokens. */
    public static SftConfig defaults() {
        return new SftConfig(3, 8, 1, 1e-4, 10, 0.0, 1.0, 512, 0, 0, 2, 0);
    }

    public SftConfig withEpochs(int e) {
        return new SftConfig(e, batchSize, gradAccum, lr, warmupSteps, weightDecay, maxGradNorm, maxLength, evalEvery,
                saveEvery, keepLast, seed);
    }

    public SftConfig withBatch(int size, int accum) {
        return new SftConfig(epochs, size, accum, lr, warmupSteps, weightDecay, maxGradNorm, maxLength, evalEvery,
                saveEvery, keepLast, seed);
    }

    public SftConfig withLr(double rate, int warmup) {
        return new SftConfig(epochs, batchSize, gradAccum, rate, warmup, weightDecay, maxGradNorm, maxLength, evalEvery,
                saveEvery, keepLast, seed);
    }

    public SftConfig withSchedule(int eval, int save) {
        return new SftConfig(epochs, batchSize, gradAccum, lr, warmupSteps, weightDecay, maxGradNorm, maxLength, eval,
                save, keepLast, seed);
    }

    private static void positive(int v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": expected >= 1, found " + v);
        }
    }
}
