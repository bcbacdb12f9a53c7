package org.rlaif4j.kernels;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Hands gradients computed by a fused kernel to libtorch autograd in one backward call. */
final class Autograd {
    private Autograd() {}

    /**
     * Runs {@code torch::autograd::backward(outputs, grads)} over the pairs whose output is
     * non-null and requires grad (their grad non-null). Returns how many pairs took part.
     */
    static int backward(Tensor[] outputs, Tensor[] grads) {
        List<Tensor> outs = new ArrayList<>(outputs.length);
        List<Tensor> gs = new ArrayList<>(outputs.length);
        for (int i = 0; i < outputs.length; i++) {
            if (outputs[i] != null && grads[i] != null && outputs[i].requires_grad()) {
                outs.add(outputs[i]);
                gs.add(grads[i]);
            }
        }
        if (outs.isEmpty()) {
            return 0;
        }
        try (TensorVector t = new TensorVector(outs.toArray(new Tensor[0]));
                TensorVector g = new TensorVector(gs.toArray(new Tensor[0]));
                BoolOptional retainGraph = new BoolOptional();
                TensorVector inputs = new TensorVector()) {
            torch.backward(t, g, retainGraph, false, inputs);
        }
        return outs.size();
    }
}
