package org.rlaif4j.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.ModelConfig;

class ModelRebuildTest {
    /** A rebuild small enough for CI: the same code path as the shipped models, a few steps each. */
    static final ModelRebuild.Config REDUCED = new ModelRebuild.Config(7, 48, 1, 3e-3, 16, 8, 1, 1e-3, 16, 8, 16, 4, 1, 1e-3);

    @Test
    void reducedRebuildTwiceGivesIdenticalBytes(@TempDir Path tmp) {
        Map<String, String> first = ModelRebuild.run(tmp.resolve("a"), REDUCED, true, System.err).sha256();
        Map<String, String> second = ModelRebuild.run(tmp.resolve("b"), REDUCED, true, System.err).sha256();
        assertEquals(8, first.size(), "four files per model: " + first.keySet());
        assertEquals(first, second);
        assertTrue(first.containsKey("policy/model.safetensors") && first.containsKey("labeler/model.safetensors"));
        ModelRebuild.Result other = ModelRebuild.run(tmp.resolve("c"),
                new ModelRebuild.Config(8, 48, 1, 3e-3, 16, 8, 1, 1e-3, 16, 8, 16, 4, 1, 1e-3), true, System.err);
        assertTrue(!first.get("policy/model.safetensors").equals(other.sha256().get("policy/model.safetensors")),
                "another seed gives other weights");
    }

    @Test
    void rebuiltModelsLoadWithTheDemoShapesInFloat16(@TempDir Path tmp) {
        ModelRebuild.Result r = ModelRebuild.run(tmp, REDUCED, true, System.err);
        ModelConfig policy = ModelConfig.load(r.policy());
        ModelConfig labeler = ModelConfig.load(r.labeler());
        assertEquals(DemoModels.policyConfig().maxPositions(), policy.maxPositions());
        assertEquals(DemoModels.labelerConfig().maxPositions(), labeler.maxPositions());
        assertEquals("float16", policy.json().get("torch_dtype").asText());
        assertEquals(DemoModels.TOKENIZER.vocabSize(), CausalLm.load(r.labeler()).config().vocabSize());
    }
}
