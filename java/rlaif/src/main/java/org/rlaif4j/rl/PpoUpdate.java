package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.kernels.PpoConfig;
import org.rlaif4j.kernels.PpoStats;
import org.rlaif4j.model.Ops;
import org.rlaif4j.train.GradClip;

/**
 * The optimisation phase of one PPO iteration: {@code ppoEpochs} passes over the rollout rows in
 * shuffled minibatches (seeded by (seed, iteration, epoch)), each minibatch one AdamW step over
 * {@code gradAccum} micro-batches, with global-norm clipping and the approx-KL early stop. A
 * minibatch whose loss or gradient norm is not finite is skipped (no optimizer step) and counted.
 *
 * <p>Data-parallel: the rows of all ranks form one combined batch (rank r holds its rows r·B ..
 * r·B + B - 1), shuffled as one process would shuffle it, in minibatches of world × {@code
 * minibatchSize} rows; each rank computes the loss and gradients of the minibatch rows it holds,
 * normalised by the whole minibatch's token count, and the gradients are averaged over the ranks
 * before clipping, so the step equals one process's on the combined batch. The statistics behind
 * every decision (non-finite skip, approx-KL early stop) are summed over the ranks first, so all
 * ranks decide alike and stay in step. A rank may hold more or fewer than {@code minibatchSize} of
 * a minibatch's rows (none: it contributes zero gradients).
 */
final class PpoUpdate {
    private final PpoTrainingConfig cfg;
    private final AdamW optimizer;
    private final List<Tensor> params;
    private final PpoObjective objective;
    private final DataParallel dp;

    PpoUpdate(PpoTrainingConfig cfg, AdamW optimizer, List<Tensor> params, PpoObjective objective) {
        this(cfg, optimizer, params, objective, DataParallel.single());
    }

    PpoUpdate(PpoTrainingConfig cfg, AdamW optimizer, List<Tensor> params, PpoObjective objective, DataParallel dp) {
        this.cfg = cfg;
        this.optimizer = optimizer;
        this.params = params;
        this.objective = objective;
        this.dp = dp;
    }

    /**
     * The rollout tensors the update reads, rows [B] first: sequences and masks [B, P + N], per-token
     * [B, N] inputs; {@code refLogp} only when the KL is a loss term (GRPO), {@code oldValues} and
     * {@code returns} only with a critic; {@code lengths} the valid tokens per row.
     */
    record Batch(Tensor seq, Tensor attn, int promptLength, Tensor targets, Tensor mask, Tensor oldLogp, Tensor refLogp,
            Tensor advantages, Tensor oldValues, Tensor returns, int[] lengths, Tensor isWeights) {

        Batch(Tensor seq, Tensor attn, int promptLength, Tensor targets, Tensor mask, Tensor oldLogp, Tensor refLogp,
                Tensor advantages, Tensor oldValues, Tensor returns, int[] lengths) {
            this(seq, attn, promptLength, targets, mask, oldLogp, refLogp, advantages, oldValues, returns, lengths, null);
        }
    }

    /** Means over the minibatches that ran; {@code trainedRows} counts all ranks' rows. */
    record Stats(double policyLoss, double valueLoss, double clipFraction, double approxKl, double ratioMean,
            double gradNorm, int minibatches, long trainedRows, boolean earlyStopped, int skipped) {}

    Stats run(Batch batch, int iteration, double beta) {
        int local = (int) batch.seq().size(0);
        int world = dp.worldSize();
        int global = local * world;          // every rank holds the same number of rows
        int offset = dp.rank() * local;
        int mbRows = cfg.minibatchSize() * world;
        int count = (global + mbRows - 1) / mbRows;
        PpoConfig base = PpoConfig.defaults().withPolicyLoss(cfg.policyLoss()).withClip(cfg.clip(), cfg.clipHigh())
                .withDualClip(cfg.dualClip()).withEntropyBonus(cfg.entCoef());
        if (batch.oldValues() != null) {
            base = base.withValueLoss(cfg.vfCoef(), cfg.valueClip());
        }
        if (batch.refLogp() != null) {
            base = base.withKl(cfg.lossKlEstimator(), beta);
        }
        double[] sums = new double[6]; // policy loss, value loss, clipfrac, approx KL, ratio, grad norm
        int minibatches = 0;
        int skipped = 0;
        long trainedRows = 0;
        boolean earlyStopped = false;
        outer:
        for (int epoch = 0; epoch < cfg.ppoEpochs(); epoch++) {
            List<Integer> order = new ArrayList<>(global);
            for (int i = 0; i < global; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(Seeds.mix(cfg.seed(), 2, iteration, epoch)));
            List<List<Integer>> mine = new ArrayList<>(count);
            double[] tokens = new double[count];
            for (int k = 0; k < count; k++) {
                List<Integer> rows = new ArrayList<>();
                for (int g : order.subList(k * mbRows, Math.min(global, (k + 1) * mbRows))) {
                    if (g >= offset && g < offset + local) {
                        rows.add(g - offset);
                        tokens[k] += batch.lengths()[g - offset];
                    }
                }
                mine.add(rows);
            }
            tokens = dp.sum(tokens); // each minibatch's token count over all ranks: one all-reduce per epoch
            for (int k = 0; k < count; k++) {
                int mbGlobalRows = Math.min(global, (k + 1) * mbRows) - k * mbRows;
                double[] mb = minibatch(batch, mine.get(k), base, tokens[k], mbGlobalRows);
                if (mb == null) {
                    skipped++;
                    continue;
                }
                for (int j = 0; j < sums.length; j++) {
                    sums[j] += mb[j];
                }
                minibatches++;
                trainedRows += mbGlobalRows;
                if (cfg.earlyStopKl() > 0 && mb[3] > cfg.earlyStopKl()) {
                    earlyStopped = epoch < cfg.ppoEpochs() - 1 || k < count - 1;
                    break outer;
                }
            }
        }
        double m = minibatches;
        return new Stats(sums[0] / m, sums[1] / m, sums[2] / m, sums[3] / m, sums[4] / m, sums[5] / m, minibatches,
                trainedRows, earlyStopped, skipped);
    }

    /**
     * One optimizer step over the minibatch whose rows here are {@code rows} and whose valid tokens
     * on all ranks number {@code tokens}; returns {policy loss, value loss, clipfrac, approx KL,
     * ratio, grad norm} of the whole minibatch, or null when its loss or gradient norm was not finite
     * and the step was skipped (on every rank alike). {@code globalRows} is the minibatch's row count
     * over all ranks (every row has at least one valid token).
     */
    private double[] minibatch(Batch batch, List<Integer> rows, PpoConfig base, double tokens, int globalRows) {
        int world = dp.worldSize();
        PpoConfig pc = normalised(base, tokens, globalRows, world).withFailOnNaN(false);
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
        if (rows.isEmpty()) {
            zeroGradients(); // none of this minibatch's rows are here, yet this rank joins the all-reduce
        }
        dp.averageGradients(params);
        acc = dp.sum(acc);
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
        return new double[] {acc[0] / world, acc[1] / world, acc[2] / tokens, acc[3] / tokens, acc[4] / tokens, norm};
    }

    /**
     * The configured aggregation over the whole minibatch: each micro-batch's terms are divided by
     * the minibatch's token or row count (over world, as the ranks' gradients are averaged), so the
     * accumulated and averaged gradient equals that of one pass over the minibatch.
     */
    private PpoConfig normalised(PpoConfig base, double tokens, int rows, int world) {
        return switch (cfg.lossAggregation()) {
            case TOKEN_MEAN -> base.withTokenSumNorm(Math.max(1, tokens) / world);
            case SEQ_MEAN_TOKEN_SUM -> base.withTokenSumNorm((double) rows / world);
            case TOKEN_SUM_NORM -> base.withTokenSumNorm(rows * cfg.lossNormConstant() / world);
            case SEQ_MEAN_TOKEN_MEAN -> base.withAggregation(cfg.lossAggregation()).withRowNorm((double) rows / world);
        };
    }

    /** Defines every parameter's gradient as zeros (through autograd, so each is a fresh tensor). */
    private void zeroGradients() {
        try (PointerScope scope = new PointerScope()) {
            Tensor zero = null;
            for (Tensor p : params) {
                Tensor t = p.sum().mul(Ops.scalar(0.0));
                zero = zero == null ? t : zero.add(t);
            }
            zero.backward();
        }
    }

    private static PpoObjective.MicroBatch select(Batch b, List<Integer> rows) {
        Tensor idx = Ops.fromLongs(rows.stream().mapToLong(Integer::longValue).toArray(), rows.size());
        return new PpoObjective.MicroBatch(b.seq().index_select(0, idx), b.attn().index_select(0, idx), b.promptLength(),
                b.targets().index_select(0, idx), b.mask().index_select(0, idx), b.oldLogp().index_select(0, idx),
                pick(b.refLogp(), idx), b.advantages().index_select(0, idx), pick(b.oldValues(), idx),
                pick(b.returns(), idx), pick(b.isWeights(), idx));
    }

    private static Tensor pick(Tensor t, Tensor idx) {
        return t == null ? null : t.index_select(0, idx);
    }
}
