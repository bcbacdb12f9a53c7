package org.rlaif4j.rl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.rlaif4j.kernels.PpoConfig.Aggregation;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;
import org.rlaif4j.kernels.PpoConfig.PolicyLoss;

/**
 * Everything {@link PpoTrainer} needs to know, validated on construction. Build with
 * {@link #builder()}; the defaults follow TRL's PPO trainer where it has one.
 *
 * <p>Rollouts: {@code batchPrompts} prompts per iteration, each sampled {@code samplesPerPrompt}
 * times (B = their product rows), up to {@code maxNewTokens} tokens, with temperature / top-k /
 * top-p and the stop tokens (empty = the tokenizer's eos).
 *
 * <p>Update: {@code ppoEpochs} passes over the B rows, each in shuffled minibatches of
 * {@code minibatchSize} rows, each minibatch in {@code gradAccum} micro-batches whose gradients
 * add up to the minibatch's token-mean loss; one AdamW step per minibatch. An iteration's updates
 * stop early once a minibatch's approx KL (mean of 0.5 * logratio^2) exceeds {@code earlyStopKl}
 * (0 = never). A minibatch with a NaN or infinite loss or gradient is skipped; more than
 * {@code maxSkippedMinibatches} over the run stop it with an exception.
 *
 * <p>Rewards: per token {@code -beta * kl_t} with {@code klEstimator} (k1 default), plus the shaped
 * sequence reward at the last token. beta starts at {@code klCoef}; with {@code targetKl > 0} the
 * adaptive controller steers the per-sequence KL towards it over {@code klHorizon} sequences.
 * With GRPO and Dr. GRPO the KL is instead a loss term with {@code lossKlEstimator} (k3), and the
 * controller and the logged KL then use that same estimator.
 *
 * <p>Objective: the ratio is clipped to {@code [1 - clip, 1 + clipHigh]} (DAPO's "clip higher"
 * sets {@code clipHigh > clip}), with the dual clip {@code dualClip} (0 = off) for negative
 * advantages. {@code lossAggregation} reduces the per-token losses of a minibatch: token mean
 * (default), mean over rows of each row's token mean or sum, or TOKEN_SUM_NORM: the sum over
 * tokens divided by rows × {@code lossNormConstant} (Dr. GRPO, its default for DR_GRPO, with the
 * constant maxNewTokens). Accumulated micro-batches and data-parallel ranks are normalised by the
 * whole minibatch, so the step does not depend on how it was split.
 *
 * <p>DAPO (Yu et al. 2025): {@code dynamicSampling} keeps only groups whose rewards are not all
 * equal (such a group has zero advantage everywhere), sampling more prompts in up to
 * {@code maxSamplingRounds} rounds until {@code batchPrompts} groups are kept (the batch is then
 * topped up with filtered groups, counted in the metrics); {@code overlongBuffer > 0} adds the
 * soft length penalty {@code overlongPenalty * min(0, (maxNewTokens - overlongBuffer - L) /
 * overlongBuffer)} to a response of L tokens.
 *
 * <p>{@code policyLoss}: PPO's token ratio, GSPO's sequence ratio or CISPO's clipped weight (the
 * fused kernel's modes). {@code tisCap > 0}: truncated importance sampling weights {@code min(pi_old / pi_sampler, tisCap)}
 * per token, pi_sampler being the distribution the generator drew from.
 */
public record PpoTrainingConfig(
        int batchPrompts, int samplesPerPrompt, int maxNewTokens, double temperature, int topK, double topP,
        Set<Long> stopTokenIds,
        int ppoEpochs, int minibatchSize, int gradAccum, double lr, double adamEps, double weightDecay,
        double maxGradNorm, double clip, double vfCoef, double valueClip, double entCoef, double gamma, double lambda,
        AdvantageWhitening whitening, double earlyStopKl, int maxSkippedMinibatches,
        KlEstimator klEstimator, double klCoef, double targetKl, double klHorizon,
        RewardShaping shaping, AdvantageMode advantageMode, ValueMode valueMode, LossPath lossPath, long seed,
        double clipHigh, double dualClip, Aggregation lossAggregation, double lossNormConstant,
        boolean dynamicSampling, int maxSamplingRounds, double overlongBuffer, double overlongPenalty,
        KlEstimator lossKlEstimator, double tisCap, PolicyLoss policyLoss) {

    public PpoTrainingConfig {
        stopTokenIds = Set.copyOf(stopTokenIds);
        atLeast(batchPrompts, 1, "batchPrompts");
        if (advantageMode == null) {
            throw new IllegalArgumentException("advantageMode: expected a value, found null");
        }
        atLeast(samplesPerPrompt, advantageMode.minSamplesPerPrompt(), "samplesPerPrompt");
        atLeast(maxNewTokens, 1, "maxNewTokens");
        atLeast(ppoEpochs, 1, "ppoEpochs");
        atLeast(minibatchSize, 1, "minibatchSize");
        if (gradAccum < 1 || gradAccum > minibatchSize) {
            throw new IllegalArgumentException("gradAccum: expected 1.." + minibatchSize + " (minibatchSize), found " + gradAccum);
        }
        positive(temperature, "temperature");
        positive(lr, "lr");
        positive(adamEps, "adamEps");
        nonNegative(weightDecay, "weightDecay");
        nonNegative(maxGradNorm, "maxGradNorm");
        if (!(clip > 0 && clip < 1)) {
            throw new IllegalArgumentException("clip: expected a value in (0, 1), found " + clip);
        }
        nonNegative(vfCoef, "vfCoef");
        nonNegative(valueClip, "valueClip");
        nonNegative(entCoef, "entCoef");
        nonNegative(earlyStopKl, "earlyStopKl");
        atLeast(maxSkippedMinibatches, 0, "maxSkippedMinibatches");
        nonNegative(klCoef, "klCoef");
        nonNegative(targetKl, "targetKl");
        positive(klHorizon, "klHorizon");
        if (!(gamma >= 0 && gamma <= 1) || !(lambda >= 0 && lambda <= 1)) {
            throw new IllegalArgumentException("gamma, lambda: expected values in [0, 1], found " + gamma + ", " + lambda);
        }
        if (topK < 0 || !(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topK >= 0 and topP in (0, 1] expected, found " + topK + ", " + topP);
        }
        if (shaping == null || valueMode == null || lossPath == null || klEstimator == null || whitening == null
                || lossAggregation == null || lossKlEstimator == null) {
            throw new IllegalArgumentException("shaping, valueMode, lossPath, klEstimator, whitening, lossAggregation, "
                    + "lossKlEstimator: "
                    + "expected values, found null");
        }
        positive(clipHigh, "clipHigh");
        if (!(dualClip == 0 || (Double.isFinite(dualClip) && dualClip > 1))) {
            throw new IllegalArgumentException("dualClip: expected 0 (off) or a finite value > 1, found " + dualClip);
        }
        positive(lossNormConstant, "lossNormConstant");
        atLeast(maxSamplingRounds, 1, "maxSamplingRounds");
        if (dynamicSampling && !advantageMode.groupRelative()) {
            throw new IllegalArgumentException("dynamicSampling: expected a group advantage mode (rloo, grpo, dr_grpo, "
                    + "reinforce++-baseline) with samplesPerPrompt >= 2, found advantageMode " + advantageMode.cliName());
        }
        if (!(overlongBuffer >= 0 && overlongBuffer <= maxNewTokens)) {
            throw new IllegalArgumentException("overlongBuffer: expected 0 (off) up to maxNewTokens = " + maxNewTokens
                    + " tokens, found " + overlongBuffer);
        }
        nonNegative(overlongPenalty, "overlongPenalty");
        if (policyLoss == null) {
            throw new IllegalArgumentException("policyLoss: expected CLIP, GSPO or CISPO, found null");
        }
        if (policyLoss == PolicyLoss.CISPO && dualClip != 0) {
            throw new IllegalArgumentException("dualClip: expected 0 with policyLoss CISPO, found " + dualClip);
        }
        if (!(tisCap == 0 || (Double.isFinite(tisCap) && tisCap >= 1))) {
            throw new IllegalArgumentException("tisCap: expected 0 (off) or a finite cap >= 1, found " + tisCap);
        }
    }

    /**
     * Why these sampling settings make the rollouts' log-probs differ from the behaviour policy's:
     * the update scores the sampled tokens under the full softmax at the sampling temperature,
     * while top-k / top-p sample from a truncated, renormalised distribution, so the importance
     * ratio is biased. Empty when there is nothing to warn about.
     */
    public List<String> samplingWarnings() {
        List<String> out = new ArrayList<>();
        if (topK > 0 || topP < 1) {
            out.add(String.format(java.util.Locale.ROOT, "top-k %d / top-p %s truncate the sampling distribution, but the "
                    + "update scores the old log-probs under the full softmax: the importance ratios are not those of "
                    + "the behaviour policy (sample with --top-k 0 --top-p 1 for on-policy PPO)", topK, topP));
        }
        return out;
    }

    /** The DAPO soft overlong penalty of a response of {@code length} tokens (0 when off or short enough). */
    public double overlongShaping(int length) {
        if (overlongBuffer <= 0) {
            return 0;
        }
        double free = maxNewTokens - overlongBuffer;
        return length <= free ? 0 : overlongPenalty * Math.max(-1.0, (free - length) / overlongBuffer);
    }

    /** Rows per iteration: batchPrompts * samplesPerPrompt. */
    public int rows() {
        return batchPrompts * samplesPerPrompt;
    }

    public boolean usesCritic() {
        return advantageMode == AdvantageMode.GAE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.batchPrompts = batchPrompts; b.samplesPerPrompt = samplesPerPrompt; b.maxNewTokens = maxNewTokens;
        b.temperature = temperature; b.topK = topK; b.topP = topP; b.stopTokenIds = stopTokenIds;
        b.ppoEpochs = ppoEpochs; b.minibatchSize = minibatchSize; b.gradAccum = gradAccum; b.lr = lr;
        b.adamEps = adamEps; b.weightDecay = weightDecay; b.maxGradNorm = maxGradNorm; b.clip = clip;
        b.vfCoef = vfCoef; b.valueClip = valueClip; b.entCoef = entCoef; b.gamma = gamma; b.lambda = lambda;
        b.whitening = whitening; b.earlyStopKl = earlyStopKl; b.maxSkippedMinibatches = maxSkippedMinibatches; b.klEstimator = klEstimator;
        b.klCoef = klCoef; b.targetKl = targetKl; b.klHorizon = klHorizon; b.shaping = shaping;
        b.advantageMode = advantageMode; b.valueMode = valueMode; b.lossPath = lossPath; b.seed = seed;
        b.clipHigh = clipHigh; b.dualClip = dualClip; b.lossAggregation = lossAggregation;
        b.lossNormConstant = lossNormConstant; b.dynamicSampling = dynamicSampling;
        b.maxSamplingRounds = maxSamplingRounds; b.overlongBuffer = overlongBuffer; b.overlongPenalty = overlongPenalty;
        b.lossKlEstimator = lossKlEstimator;
        b.tisCap = tisCap;
        b.policyLoss = policyLoss;
        return b;
    }

    /** Mutable defaults for {@link PpoTrainingConfig}; {@link #build()} validates. */
    public static final class Builder {
        private int batchPrompts = 16;
        private int samplesPerPrompt = 1;
        private int maxNewTokens = 64;
        private double temperature = 1.0;
        private int topK = 0;
        private double topP = 1.0;
        private Set<Long> stopTokenIds = Set.of();
        private int ppoEpochs = 4;
        private int minibatchSize = 8;
        private int gradAccum = 1;
        private double lr = 1e-5;
        private double adamEps = 1e-8;
        private double weightDecay = 0.0;
        private double maxGradNorm = 1.0;
        private double clip = 0.2;
        private double vfCoef = 0.1;
        private double valueClip = 0.2;
        private double entCoef = 0.0;
        private double gamma = 1.0;
        private double lambda = 0.95;
        private AdvantageWhitening whitening = null; // null: the advantage mode's default
        private double earlyStopKl = 0.0;
        private int maxSkippedMinibatches = 10;
        private KlEstimator klEstimator = KlEstimator.K1;
        private KlEstimator lossKlEstimator = KlEstimator.K3;
        private double tisCap = 0;
        private PolicyLoss policyLoss = PolicyLoss.CLIP;
        private double klCoef = 0.05;
        private double targetKl = 0.0;
        private double klHorizon = 10_000;
        private RewardShaping shaping = RewardShaping.NONE;
        private AdvantageMode advantageMode = AdvantageMode.GAE;
        private ValueMode valueMode = ValueMode.SEPARATE;
        private LossPath lossPath = LossPath.LINEAR;
        private long seed = 0;
        private double clipHigh = Double.NaN;       // NaN: = clip
        private double dualClip = 0;
        private Aggregation lossAggregation = null; // null: the advantage mode's default
        private double lossNormConstant = Double.NaN; // NaN: maxNewTokens
        private boolean dynamicSampling = false;
        private int maxSamplingRounds = 4;
        private double overlongBuffer = 0;
        private double overlongPenalty = 1.0;

        private Builder() {}

        public Builder rollout(int prompts, int samples, int maxNew) {
            batchPrompts = prompts;
            samplesPerPrompt = samples;
            maxNewTokens = maxNew;
            return this;
        }

        public Builder sampling(double temp, int k, double p) {
            temperature = temp;
            topK = k;
            topP = p;
            return this;
        }

        public Builder stopTokens(Set<Long> ids) {
            stopTokenIds = ids;
            return this;
        }

        public Builder update(int epochs, int minibatch, int accum) {
            ppoEpochs = epochs;
            minibatchSize = minibatch;
            gradAccum = accum;
            return this;
        }

        public Builder optimizer(double learningRate, double eps, double decay, double gradNorm) {
            lr = learningRate;
            adamEps = eps;
            weightDecay = decay;
            maxGradNorm = gradNorm;
            return this;
        }

        public Builder lr(double learningRate) {
            lr = learningRate;
            return this;
        }

        public Builder loss(double clipRange, double valueCoef, double valueClipRange, double entropyCoef) {
            clip = clipRange;
            vfCoef = valueCoef;
            valueClip = valueClipRange;
            entCoef = entropyCoef;
            return this;
        }

        public Builder gae(double g, double l) {
            gamma = g;
            lambda = l;
            return this;
        }

        /** Token whitening (true) or none (false); see {@link #whitening}. */
        public Builder whitenAdvantages(boolean on) {
            whitening = on ? AdvantageWhitening.TOKEN : AdvantageWhitening.NONE;
            return this;
        }

        /** How advantages are normalised; null = the advantage mode's default ({@link AdvantageWhitening#defaultFor}). */
        public Builder whitening(AdvantageWhitening w) {
            whitening = w;
            return this;
        }

        /** Asymmetric ratio clip {@code [1 - low, 1 + high]} (DAPO's clip-higher: high > low). */
        public Builder clipRange(double low, double high) {
            clip = low;
            clipHigh = high;
            return this;
        }

        /** Dual clip constant c > 1 for negative advantages (Ye et al. 2020); 0 = off. */
        public Builder dualClip(double c) {
            dualClip = c;
            return this;
        }

        /**
         * How the per-token losses are reduced; null = the mode's default (TOKEN_SUM_NORM for Dr.
         * GRPO, else TOKEN_MEAN). {@code normConstant} is TOKEN_SUM_NORM's per-row divisor (NaN =
         * maxNewTokens).
         */
        public Builder lossAggregation(Aggregation a, double normConstant) {
            lossAggregation = a;
            lossNormConstant = normConstant;
            return this;
        }

        public Builder lossAggregation(Aggregation a) {
            return lossAggregation(a, Double.NaN);
        }

        /** DAPO dynamic sampling: keep groups with reward variance, in up to {@code rounds} sampling rounds. */
        public Builder dynamicSampling(boolean on, int rounds) {
            dynamicSampling = on;
            maxSamplingRounds = rounds;
            return this;
        }

        /** DAPO's soft overlong penalty over the last {@code buffer} tokens of the budget (0 = off). */
        public Builder overlongShaping(double buffer, double penalty) {
            overlongBuffer = buffer;
            overlongPenalty = penalty;
            return this;
        }

        public Builder earlyStopKl(double bound) {
            earlyStopKl = bound;
            return this;
        }

        /** Minibatches with a NaN or infinite loss or gradient skipped over the run before it stops. */
        public Builder maxSkippedMinibatches(int limit) {
            maxSkippedMinibatches = limit;
            return this;
        }

        public Builder kl(KlEstimator estimator, double coef) {
            klEstimator = estimator;
            klCoef = coef;
            return this;
        }

        /**
         * The policy term: PPO's clipped token ratio (default), GSPO's clipped sequence ratio (Zheng
         * et al. 2025; use small clip ranges such as 3e-4 / 4e-4) or CISPO's clipped stop-gradient
         * importance weight (MiniMax-M1; no dual clip).
         */
        public Builder policyLoss(PolicyLoss p) {
            policyLoss = p;
            return this;
        }

        /**
         * Truncated importance sampling (Yao et al. 2025): each token's policy term is weighted by
         * {@code min(exp(oldLogp - samplerLogp), cap)}, correcting for the sampler (the KV-cache
         * generator in its dtype, top-k / top-p) not being exactly the policy the update scores. 0 = off.
         */
        public Builder tisCap(double cap) {
            tisCap = cap;
            return this;
        }

        /** The KL estimator of the loss term of GRPO and Dr. GRPO (k3 by default; k2's gradient is the true KL's). */
        public Builder lossKl(KlEstimator estimator) {
            lossKlEstimator = estimator;
            return this;
        }

        /** Adaptive KL coefficient steering towards {@code target} over {@code horizon} sequences (target 0 = fixed). */
        public Builder adaptiveKl(double target, double horizon) {
            targetKl = target;
            klHorizon = horizon;
            return this;
        }

        public Builder shaping(RewardShaping s) {
            shaping = s;
            return this;
        }

        public Builder advantageMode(AdvantageMode m) {
            advantageMode = m;
            return this;
        }

        public Builder valueMode(ValueMode m) {
            valueMode = m;
            return this;
        }

        public Builder lossPath(LossPath p) {
            lossPath = p;
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /** Builds and validates; defaults that depend on the advantage mode are resolved here. */
        public PpoTrainingConfig build() {
            AdvantageMode mode = advantageMode;
            if (mode == null) {
                throw new IllegalArgumentException("advantageMode: expected a value, found null");
            }
            return new PpoTrainingConfig(batchPrompts, samplesPerPrompt, maxNewTokens, temperature, topK, topP,
                    stopTokenIds, ppoEpochs, minibatchSize, gradAccum, lr, adamEps, weightDecay, maxGradNorm, clip,
                    vfCoef, valueClip, entCoef, gamma, lambda,
                    whitening != null ? whitening : AdvantageWhitening.defaultFor(mode), earlyStopKl,
                    maxSkippedMinibatches, klEstimator,
                    klCoef, targetKl, klHorizon, shaping, mode, valueMode, lossPath, seed,
                    Double.isNaN(clipHigh) ? clip : clipHigh, dualClip,
                    lossAggregation != null ? lossAggregation
                            : mode == AdvantageMode.DR_GRPO ? Aggregation.TOKEN_SUM_NORM : Aggregation.TOKEN_MEAN,
                    Double.isNaN(lossNormConstant) ? maxNewTokens : lossNormConstant,
                    dynamicSampling, maxSamplingRounds, overlongBuffer, overlongPenalty, lossKlEstimator, tisCap,
                    policyLoss);
        }
    }

    private static void atLeast(int v, int min, String name) {
        if (v < min) {
            throw new IllegalArgumentException(name + ": expected >= " + min + ", found " + v);
        }
    }

    private static void positive(double v, String name) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + ": expected a finite value > 0, found " + v);
        }
    }

    private static void nonNegative(double v, String name) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + ": expected a finite value >= 0, found " + v);
        }
    }
}
