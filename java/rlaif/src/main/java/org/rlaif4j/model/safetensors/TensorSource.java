package org.rlaif4j.model.safetensors;

import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/** Named tensors stored on disk: one safetensors file, or the shards of a checkpoint. */
public interface TensorSource extends AutoCloseable {
    /** The tensor names, in file order. */
    Set<String> names();

    /** The header entry of {@code name}; throws {@link SafetensorsException} when absent. */
    TensorInfo info(String name);

    /** A new contiguous CPU tensor holding a copy of {@code name}, in its stored dtype. */
    Tensor load(String name);

    default boolean contains(String name) {
        return names().contains(name);
    }

    @Override
    void close();
}
