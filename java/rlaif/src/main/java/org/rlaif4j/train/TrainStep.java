package org.rlaif4j.train;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.PretrainedModel;

/**
 * One optimizer step over several micro-batches (gradient accumulation): each micro-batch loss is
 * scaled by 1/n and back-propagated, gradients are clipped by global norm, the learning rate is set
 * from the schedule, and AdamW steps. Benchmarks can call {@link #step} directly.
 */
public final class TrainStep {
    private final PretrainedModel model;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final double maxGradNorm;
    private final Consumer<List<Tensor>> gradientSync;
    private long steps;

    /**
     * @param maxGradNorm clip threshold; 0 or less disables clipping (the norm is still reported)
     */
    public TrainStep(PretrainedModel model, AdamWConfig cfg, LrSchedule schedule, double maxGradNorm) {
        this(model, cfg, schedule, maxGradNorm, params -> { });
    }

    /**
     * @param gradientSync called with the trainable parameters after the last backward and before
     *                     clipping: data-parallel training averages the gradients over the ranks here
     */
    public TrainStep(PretrainedModel model, AdamWConfig cfg, LrSchedule schedule, double maxGradNorm,
                     Consumer<List<Tensor>> gradientSync) {
        this.gradientSync = gradientSync;
        this.model = model;
        this.optimizer = Optimizers.adamW(model.namedParameters(), cfg);
        this.schedule = schedule;
        this.maxGradNorm = maxGradNorm;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public long stepCount() {
        return steps;
    }

    /** Runs forward, backward and update over {@code microBatches} with {@code loss} giving a scalar per batch. */
    public <B> StepStats step(List<B> microBatches, Function<B, Tensor> loss) {
        if (microBatches.isEmpty()) {
            throw new IllegalArgumentException("microBatches: expected at least one");
        }
        optimizer.zero_grad(true);
        double total = 0;
        for (B batch : microBatches) {
            try (PointerScope scope = new PointerScope()) {
                Tensor l = loss.apply(batch);
                if (l.numel() != 1) {
                    throw new IllegalArgumentException("loss: expected a scalar, found shape "
                            + java.util.Arrays.toString(Ops.shape(l)));
                }
                total += l.item_double();
                l.div(Ops.scalar((double) microBatches.size())).backward();
            }
        }
        List<Tensor> params = model.trainableParameters();
        gradientSync.accept(params);
        double norm = maxGradNorm > 0 ? GradClip.clip(params, maxGradNorm) : GradClip.globalNorm(params);
        double lr = schedule.lr(steps);
        Optimizers.setLr(optimizer, lr);
        try (PointerScope scope = new PointerScope()) {
            optimizer.step();
        }
        optimizer.zero_grad(true);
        return new StepStats(steps++, total / microBatches.size(), norm, lr);
    }
}
