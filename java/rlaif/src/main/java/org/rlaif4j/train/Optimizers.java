package org.rlaif4j.train;

import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Builds libtorch optimizers over named parameters. */
public final class Optimizers {
    private Optimizers() {}

    /**
     * Index of beta1 and beta2 inside the {@code std::tuple<double, double>} that
     * {@code AdamWOptions::betas()} points to. libstdc++ lays tuples out last element first, so
     * beta1 sits at index 1. {@code OptimizersTest} checks this against a hand-computed AdamW step.
     */
    static final int BETA1_SLOT = 1;
    static final int BETA2_SLOT = 0;

    /**
     * AdamW with two groups: trainable parameters of dim >= 2 with weight decay, the others without.
     * Frozen parameters (requires_grad = false) are left out. Group 0 decays, group 1 does not.
     */
    public static AdamW adamW(Map<String, Tensor> named, AdamWConfig cfg) {
        TensorVector decay = new TensorVector();
        TensorVector noDecay = new TensorVector();
        named.values().forEach(t -> {
            if (t.requires_grad()) {
                (t.dim() >= 2 ? decay : noDecay).push_back(t);
            }
        });
        AdamW opt = new AdamW(new OptimizerParamGroupVector(), options(cfg, cfg.weightDecay()));
        opt.add_param_group(new OptimizerParamGroup(decay, options(cfg, cfg.weightDecay())));
        opt.add_param_group(new OptimizerParamGroup(noDecay, options(cfg, 0.0)));
        return opt;
    }

    static AdamWOptions options(AdamWConfig cfg, double weightDecay) {
        AdamWOptions o = new AdamWOptions(cfg.lr());
        DoublePointer betas = o.betas();
        betas.put(BETA1_SLOT, cfg.beta1());
        betas.put(BETA2_SLOT, cfg.beta2());
        o.eps().put(cfg.eps());
        o.weight_decay().put(weightDecay);
        o.amsgrad().put(false);
        return o;
    }

    /** Sets the learning rate of every group. */
    public static void setLr(Optimizer opt, double lr) {
        OptimizerParamGroupVector groups = opt.param_groups();
        for (long i = 0; i < groups.size(); i++) {
            groups.get(i).options().set_lr(lr);
        }
    }

    /** The learning rate of each group. */
    public static double[] lrs(Optimizer opt) {
        OptimizerParamGroupVector groups = opt.param_groups();
        double[] out = new double[(int) groups.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = groups.get(i).options().get_lr();
        }
        return out;
    }

    /** The weight decay of each group (AdamW). */
    public static double[] weightDecays(AdamW opt) {
        OptimizerParamGroupVector groups = opt.param_groups();
        double[] out = new double[(int) groups.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = new AdamWOptions(groups.get(i).options()).weight_decay().get();
        }
        return out;
    }

    /** Number of tensors in each group. */
    public static long[] groupSizes(Optimizer opt) {
        OptimizerParamGroupVector groups = opt.param_groups();
        long[] out = new long[(int) groups.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = groups.get(i).params().size();
        }
        return out;
    }

    static List<Tensor> list(TensorVector v) {
        return java.util.stream.LongStream.range(0, v.size()).mapToObj(v::get).toList();
    }
}
