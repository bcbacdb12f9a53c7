package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.kernels.PpoConfig;
import org.rlaif4j.kernels.PpoStats;
import org.rlaif4j.model.Ops;
import org.rlaif4j.train.GradClip;

/**
 * The optimisation phase of one PPO iteration: {@code ppoEpochs} passes over the rollout rows in
 * shuffled minibatches (seeded by (seed, iteration, epoch)), each minibatch one AdamW step over
 * {@code gradAccum} micro-batches, with global-norm clipping and the approx-KL early stop. A
 * minibatch whose loss or gradient norm is not finite is skipped (no optimizer step) and counted.
 */
final class PpoUpdate {
    private final PpoTrainingConfig cfg;
    private final AdamW optimizer;
    private final List<Tensor> params;
    private final PpoObjective objective;

    PpoUpdate(PpoTrainingConfig cfg, AdamW optimizer, List<Tensor> params, PpoObjective objective) {
        this.cfg = cfg;
        this.optimizer = optimizer;
        this.params = params;
        this.objective = objective;
    }

    /**
     * The rollout tensors the update reads, rows [B] first: sequences and masks [B, P + N], per-token
     * [B, N] inputs; {@code refLogp} only when the KL is a loss term (GRPO), {@code oldValues} and
     * {@code returns} only with a critic; {@code lengths} the valid tokens per row.
     */
    record Batch(Tensor seq, Tensor attn, int promptLength, Tensor targets, Tensor mask, Tensor oldLogp, Tensor refLogp,
            Tensor advantages, Tensor oldValues, Tensor returns, int[] lengths) {}

    /** Means over the minibatches that ran. */
    record Stats(double policyLoss, double valueLoss, double clipFraction, double approxKl, double ratioMean,
            double gradNorm, int minibatches, long trainedRows, boolean earlyStopped, int skipped) {}

    Stats run(Batch batch, int iteration, double beta) {
        int b = (int) batch.seq().size(0);
        PpoConfig base = PpoConfig.defaults().withClip(cfg.clip()).withEntropyBonus(cfg.entCoef());
        if (batch.oldValues() != null) {
            base = base.withValueLoss(cfg.vfCoef(), cfg.valueClip());
        }
        if (batch.refLogp() != null) {
            base = base.withKl(PpoConfig.KlEstimator.K3, beta);
        }
        double[] sums = new double[6]; // policy loss, value loss, clipfrac, approx KL, ratio, grad norm
        int minibatches = 0;
        int skipped = 0;
        long trainedRows = 0;
        boolean earlyStopped = false;
        outer:
        for (int epoch = 0; epoch < cfg.ppoEpochs(); epoch++) {
            List<Integer> order = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(Seeds.mix(cfg.seed(), 2, iteration, epoch)));
            for (int start = 0; start < b; start += cfg.minibatchSize()) {
                List<Integer> rows = order.subList(start, Math.min(b, start + cfg.minibatchSize()));
                double[] mb = minibatch(batch, rows, base);
                if (mb == null) {
                    skipped++;
                    continue;
                }
                for (int k = 0; k < sums.length; k++) {
                    sums[k] += mb[k];
                }
                minibatches++;
                trainedRows += rows.size();
                if (cfg.earlyStopKl() > 0 && mb[3] > cfg.earlyStopKl()) {
                    earlyStopped = epoch < cfg.ppoEpochs() - 1 || start + cfg.minibatchSize() < b;
                    break outer;
                }
            }
        }
        double m = minibatches;
        return new Stats(sums[0] / m, sums[1] / m, sums[2] / m, sums[3] / m, sums[4] / m, sums[5] / m, minibatches,
                trainedRows, earlyStopped, skipped);
    }

    /**
     * One optimizer step over {@code rows}; returns {policy loss, value loss, clipfrac, approx KL, ratio,
     * grad norm}, or null when the loss or the gradient norm was not finite and the step was skipped.
     */
    private double[] minibatch(Batch batch, List<Integer> rows, PpoConfig base) {
        long tokens = 0;
        for (int r : rows) {
            tokens += batch.lengths()[r];
        }
        // Token mean over the whole minibatch: each micro-batch's sum is divided by the minibatch's
        // token count, so the accumulated gradient equals that of one pass over the minibatch.
        PpoConfig pc = base.withTokenSumNorm(Math.max(1, tokens)).withFailOnNaN(false);
        optimizer.zero_grad(true);
        double[] acc = new double[5]; // policy loss, value loss, clipfrac*n, approxKl*n, ratio*n
        int parts = Math.min(cfg.gradAccum(), rows.size());
        for (int k = 0; k < parts; k++) {
            List<Integer> micro = rows.subList(rows.size() * k / parts, rows.size() * (k + 1) / parts);
            try (PointerScope scope = new PointerScope()) {
                PpoStats s = objective.lossAndBackward(select(batch, micro), pc);
                double nt = s.validTokens();
                acc[0] += s.policyLoss();
                acc[1] += s.valueLoss();
                acc[2] += nt * (s.clipFracLow() + s.clipFracHigh());
                acc[3] += nt * s.approxKl();
                acc[4] += nt * s.ratioMean();
            }
        }
        double norm = GradClip.globalNorm(params);
        if (!Double.isFinite(norm) || !Double.isFinite(acc[0] + acc[1])) {
            optimizer.zero_grad(true);
            return null;
        }
        if (cfg.maxGradNorm() > 0) {
            GradClip.clip(params, cfg.maxGradNorm());
        }
        try (PointerScope scope = new PointerScope()) {
            optimizer.step();
        }
        optimizer.zero_grad(true);
        return new double[] {acc[0], acc[1], acc[2] / tokens, acc[3] / tokens, acc[4] / tokens, norm};
    }

    private static PpoObjective.MicroBatch select(Batch b, List<Integer> rows) {
        Tensor idx = Ops.fromLongs(rows.stream().mapToLong(Integer::longValue).toArray(), rows.size());
        return new PpoObjective.MicroBatch(b.seq().index_select(0, idx), b.attn().index_select(0, idx), b.promptLength(),
                b.targets().index_select(0, idx), b.mask().index_select(0, idx), b.oldLogp().index_select(0, idx),
                pick(b.refLogp(), idx), b.advantages().index_select(0, idx), pick(b.oldValues(), idx),
                pick(b.returns(), idx));
    }

    private static Tensor pick(Tensor t, Tensor idx) {
        return t == null ? null : t.index_select(0, idx);
    }
}
