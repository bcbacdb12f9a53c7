package org.rlaif4j.rl;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.rlaif4j.kernels.PpoConfig;
import org.rlaif4j.kernels.PpoStats;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHeadModel;

/** The fused paths (LinearPpoLoss; LogProbs + PpoLoss) and the eager reference give the same update. */
class PpoPathsTest {
    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static void assertClose(float[] expected, float[] actual, double rel, String what) {
        double tol = rel * Math.max(1e-3, maxAbs(expected));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + " at " + i);
        }
    }

    private record Setup(CausalLm policy, ScalarHeadModel value, PpoObjective.MicroBatch mb) {}

    /** A sampled batch with random advantages, value targets and an old policy slightly off the current one. */
    private static Setup setup(LossPath path) {
        CausalLm policy = TinyRl.policy(21);
        ScalarHeadModel value = TinyRl.valueModel(22);
        List<long[]> prompts = List.of(new long[] {1, 4, 5}, new long[] {1, 6}, new long[] {1, 7, 8, 9}, new long[] {1, 10});
        GenerationResult g = new Generator(policy).generate(prompts,
                GenerationConfig.sampling(6, 1.0, 0, 1.0, 4).withStopTokens(Set.of(2L)).withPadTokenId(0));
        int p = g.promptLength();
        int n = g.generatedLength();
        Tensor seq = g.sequences();
        Tensor attn = g.attentionMask();
        Tensor targets = seq.narrow(1, p, n).contiguous();
        Tensor mask = attn.narrow(1, p, n).to(ScalarType.Bool).contiguous();
        Scoring.Scores s = Scoring.policy(policy, null, seq, attn, p, n, targets, mask, 1.0, true, 8);
        Random rng = new Random(9);
        float[] lp = Ops.toFloats(s.logp());
        float[] old = new float[lp.length];
        float[] ref = new float[lp.length];
        float[] adv = new float[lp.length];
        float[] oldV = new float[lp.length];
        float[] ret = new float[lp.length];
        boolean[] m = Tensors.toMask(mask);
        for (int i = 0; i < lp.length; i++) {
            if (m[i]) {
                old[i] = lp[i] + (float) (rng.nextGaussian() * 0.3); // some ratios outside the clip range
                ref[i] = lp[i] + (float) (rng.nextGaussian() * 0.2);
                adv[i] = (float) rng.nextGaussian();
                oldV[i] = (float) (rng.nextGaussian() * 0.1);
                ret[i] = (float) rng.nextGaussian();
            }
        }
        long b = seq.size(0);
        return new Setup(policy, value, new PpoObjective.MicroBatch(seq, attn, p, targets, mask, Tensors.fromFloats(old, b, n),
                Tensors.fromFloats(ref, b, n), Tensors.fromFloats(adv, b, n), Tensors.fromFloats(oldV, b, n),
                Tensors.fromFloats(ret, b, n), null));
    }

    @Test
    void oneMicroBatchGivesTheSameLossStatisticsAndGradientsOnEveryPath() {
        PpoConfig cfg = PpoConfig.defaults().withTokenSumNorm(13).withClip(0.2).withValueLoss(0.5, 0.2)
                .withEntropyBonus(0.01).withKl(PpoConfig.KlEstimator.K3, 0.1);
        PpoStats reference = null;
        Map<String, Tensor> refGrads = null;
        for (LossPath path : List.of(LossPath.EAGER, LossPath.LINEAR, LossPath.SPLIT)) {
            try (PointerScope scope = new PointerScope()) {
                Setup s = setup(path);
                PpoStats st = new PpoObjective(s.policy(), s.value(), null, path, 1.0).lossAndBackward(s.mb(), cfg);
                Map<String, Tensor> grads = new java.util.LinkedHashMap<>();
                s.policy().namedParameters().forEach((k, t) -> grads.put("policy." + k, t.grad().clone()));
                s.value().namedParameters().forEach((k, t) -> grads.put("value." + k, t.grad().clone()));
                grads.values().forEach(Tensor::retainReference);
                if (reference == null) {
                    reference = st;
                    refGrads = grads;
                    assertTrue(st.clipFracLow() + st.clipFracHigh() > 0, "the batch exercises the clip");
                    assertTrue(st.valueLoss() > 0 && st.klLoss() > 0 && st.entropy() > 0);
                    continue;
                }
                assertEquals(reference.loss(), st.loss(), 1e-5, path + " loss");
                assertEquals(reference.policyLoss(), st.policyLoss(), 1e-5, path + " policy loss");
                assertEquals(reference.valueLoss(), st.valueLoss(), 1e-5, path + " value loss");
                assertEquals(reference.klLoss(), st.klLoss(), 1e-5, path + " kl loss");
                assertEquals(reference.entropy(), st.entropy(), 1e-4, path + " entropy");
                assertEquals(reference.clipFracLow(), st.clipFracLow(), 1e-9, path + " clipfrac low");
                assertEquals(reference.approxKl(), st.approxKl(), 1e-5, path + " approx kl");
                for (Map.Entry<String, Tensor> e : refGrads.entrySet()) {
                    assertClose(Ops.toFloats(e.getValue()), Ops.toFloats(grads.get(e.getKey())), 1e-4, path + " grad " + e.getKey());
                }
            }
        }
    }

    @Test
    void oneIterationUpdatesTheParametersAlikeOnTheFusedAndEagerPaths() {
        PpoTrainingConfig base = TinyRl.baseConfig().update(2, 4, 2).optimizer(1e-3, 1e-6, 0.0, 1.0)
                .loss(0.2, 0.1, 0.2, 0.01).build();
        PpoTrainer eager = TinyRl.trainer(base.toBuilder().lossPath(LossPath.EAGER).build(), 5);
        PpoTrainer fused = TinyRl.trainer(base.toBuilder().lossPath(LossPath.LINEAR).build(), 5);
        IterationStats e = eager.iterate();
        IterationStats f = fused.iterate();
        assertEquals(e.rewardRaw(), f.rewardRaw(), 0.0, "same rollouts and rewards");
        assertEquals(e.klPerSequence(), f.klPerSequence(), 1e-4);
        assertEquals(e.policyLoss(), f.policyLoss(), 1e-4);
        assertEquals(e.valueLoss(), f.valueLoss(), 1e-4);
        assertEquals(e.approxKl(), f.approxKl(), 1e-5);
        assertEquals(e.minibatches(), f.minibatches());
        double maxDiff = 0;
        double maxMove = 0;
        for (String name : eager.trainedParameters().keySet()) {
            float[] a = Ops.toFloats(eager.trainedParameters().get(name));
            float[] b = Ops.toFloats(fused.trainedParameters().get(name));
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            }
        }
        CausalLm start = TinyRl.policy(5);
        for (Map.Entry<String, Tensor> p : start.namedParameters().entrySet()) {
            float[] a = Ops.toFloats(p.getValue());
            float[] b = Ops.toFloats(fused.trainedParameters().get("policy." + p.getKey()));
            for (int i = 0; i < a.length; i++) {
                maxMove = Math.max(maxMove, Math.abs(a[i] - b[i]));
            }
        }
        System.out.printf("fused vs eager after one iteration: max |param diff| %.3g, max |update| %.3g%n", maxDiff, maxMove);
        assertTrue(maxMove > 1e-3, "the parameters moved: " + maxMove);
        assertTrue(maxDiff < 1e-3 * maxMove, "fused and eager updates differ by " + maxDiff + " (updates " + maxMove + ")");
    }
}
