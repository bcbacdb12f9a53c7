package org.rlaif4j.reward;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.data.BadLinePolicy;

class RewardTrainerTest {
    @TempDir
    Path tmp;

    static RewardConfig fastConfig(Path model, List<WeightedSource> data, Path out) {
        return new RewardConfig(model, data, out, 0.2, 1, 4, 0, 16, 1, 3e-3, 4, 3e-4, true, 0.0, 1.0, 0,
                TruncationPolicy.FAIL, BadLinePolicy.FAIL, 12, 0, 10, 64);
    }

    @Test
    void learnsTheMarkerPreferenceOnHeldOutPairs() {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        Path data = Synthetic.write(tmp.resolve("prefs.jsonl"), Synthetic.pairs(240, 1));
        long t0 = System.nanoTime();
        RewardResult r = new RewardTrainer(fastConfig(lm, List.of(new WeightedSource(data, 1.0)), tmp.resolve("out")),
                new RewardTrainer.Listener() {
                    @Override
                    public void evaluated(long step, PairwiseMetrics m) {
                        System.out.println("step " + step + " " + m);
                    }
                }).run();
        System.out.println("seconds " + (System.nanoTime() - t0) / 1e9 + " " + r);
        assertEquals(48, r.evalPairs());
        assertTrue(r.eval().accuracy() > 0.9, "held-out accuracy " + r.eval());
        assertTrue(Files.isRegularFile(r.modelDir().resolve("model.safetensors")));
    }
}
