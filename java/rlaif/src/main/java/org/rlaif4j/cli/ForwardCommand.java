package org.rlaif4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.safetensors.SafetensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rlaif4j forward}: logits of a checkpoint for given token ids, to compare numerics with other implementations. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run a causal-LM checkpoint on token ids and write the float32 logits [batch, seq, vocab] "
                + "as the safetensors tensor 'logits'.")
public final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Hugging Face checkpoint folder.")
    Path model;

    @Option(names = "--input-ids", required = true,
            description = "JSON file with \"input_ids\": a list of equally long token-id lists.")
    Path inputIds;

    @Option(names = "--out", required = true, description = "Output .safetensors file.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        JsonNode rows = new ObjectMapper().readTree(inputIds.toFile()).path("input_ids");
        if (!rows.isArray() || rows.isEmpty() || !rows.get(0).isArray() || rows.get(0).isEmpty()) {
            throw new IllegalArgumentException(inputIds + ": expected \"input_ids\": a non-empty list of non-empty lists");
        }
        int b = rows.size();
        int t = rows.get(0).size();
        long[] flat = new long[b * t];
        for (int i = 0; i < b; i++) {
            JsonNode row = rows.get(i);
            if (!row.isArray() || row.size() != t) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "%s: input_ids row %d has %d tokens, row 0 has %d: rows must have equal length", inputIds, i,
                        row.size(), t));
            }
            for (int j = 0; j < t; j++) {
                flat[i * t + j] = row.get(j).asLong();
            }
        }
        CausalLm lm = CausalLm.load(model);
        for (long id : flat) {
            if (id < 0 || id >= lm.config().vocabSize()) {
                throw new IllegalArgumentException(inputIds + ": token id " + id + " outside the vocabulary [0, "
                        + lm.config().vocabSize() + ")");
            }
        }
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor logits = lm.logits(Ops.fromLongs(flat, b, t), null).to(ScalarType.Float);
            SafetensorsWriter.write(out, Map.of("logits", logits), Map.of("format", "pt"));
            pw.printf(Locale.ROOT, "wrote logits %s to %s%n", Arrays.toString(Ops.shape(logits)), out);
        }
        pw.flush();
        return 0;
    }
}
