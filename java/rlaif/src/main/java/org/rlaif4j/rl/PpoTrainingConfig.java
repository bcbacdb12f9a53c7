package org.rlaif4j.rl;

import java.util.Set;
import org.rlaif4j.kernels.PpoConfig.KlEstimator;

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
 */
public record PpoTrainingConfig(
        int batchPrompts, int samplesPerPrompt, int maxNewTokens, double temperature, int topK, double topP,
        Set<Long> stopTokenIds,
        int ppoEpochs, int minibatchSize, int gradAccum, double lr, double adamEps, double weightDecay,
        double maxGradNorm, double clip, double vfCoef, double valueClip, double entCoef, double gamma, double lambda,
        boolean whitenAdvantages, double earlyStopKl, int maxSkippedMinibatches,
        KlEstimator klEstimator, double klCoef, double targetKl, double klHorizon,
        RewardShaping shaping, AdvantageMode advantageMode, ValueMode valueMode, LossPath lossPath, long seed) {

    public PpoTrainingConfig {
        stopTokenIds = Set.copyOf(stopTokenIds);
        atLeast(batchPrompts, 1, "batchPrompts");
        atLeast(samplesPerPrompt, advantageMode == AdvantageMode.GAE ? 1 : 2, "samplesPerPrompt");
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
        if (shaping == null || advantageMode == null || valueMode == null || lossPath == null || klEstimator == null) {
            throw new IllegalArgumentException("shaping, advantageMode, valueMode, lossPath, klEstimator: expected values, found null");
        }
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
        b.whitenAdvantages = whitenAdvantages; b.earlyStopKl = earlyStopKl; b.maxSkippedMinibatches = maxSkippedMinibatches; b.klEstimator = klEstimator;
        b.klCoef = klCoef; b.targetKl = targetKl; b.klHorizon = klHorizon; b.shaping = shaping;
        b.advantageMode = advantageMode; b.valueMode = valueMode; b.lossPath = lossPath; b.seed = seed;
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
        private boolean whitenAdvantages = true;
        private double earlyStopKl = 0.0;
        private int maxSkippedMinibatches = 10;
        private KlEstimator klEstimator = KlEstimator.K1;
        private double klCoef = 0.05;
        private double targetKl = 0.0;
        private double klHorizon = 10_000;
        private RewardShaping shaping = RewardShaping.NONE;
        private AdvantageMode advantageMode = AdvantageMode.GAE;
        private ValueMode valueMode = ValueMode.SEPARATE;
        private LossPath lossPath = LossPath.LINEAR;
        private long seed = 0;

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

        public Builder whitenAdvantages(boolean on) {
            whitenAdvantages = on;
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

        public PpoTrainingConfig build() {
            return new PpoTrainingConfig(batchPrompts, samplesPerPrompt, maxNewTokens, temperature, topK, topP,
                    stopTokenIds, ppoEpochs, minibatchSize, gradAccum, lr, adamEps, weightDecay, maxGradNorm, clip,
                    vfCoef, valueClip, entCoef, gamma, lambda, whitenAdvantages, earlyStopKl, maxSkippedMinibatches, klEstimator, klCoef,
                    targetKl, klHorizon, shaping, advantageMode, valueMode, lossPath, seed);
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
