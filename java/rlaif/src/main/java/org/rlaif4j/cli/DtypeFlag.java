package org.rlaif4j.cli;

import java.nio.file.Path;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.ModelDtype;
import picocli.CommandLine.Option;

/** {@code --dtype} of a command's frozen models (those it only runs, never trains). */
final class DtypeFlag {
    @Option(names = "--dtype", defaultValue = "auto", paramLabel = "auto|float32|bfloat16",
            description = "Compute dtype of the frozen models (reference, reward model, labeler, or the served/"
                    + "sampled model); auto: the checkpoint's torch_dtype, so bf16 checkpoints run in bf16 "
                    + "(default: ${DEFAULT-VALUE}). Trained weights stay float32.")
    String dtype;

    ScalarType of(Path dir) {
        return ModelDtype.resolve(dtype, dir);
    }
}
