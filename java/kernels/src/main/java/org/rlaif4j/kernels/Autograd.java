package org.rlaif4j.kernels;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Node;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/** Hands gradients computed by a fused kernel to libtorch autograd in one backward call. */
final class Autograd {
    private Autograd() {}

    /**
     * Runs {@code torch::autograd::backward(outputs, grads)} over the pairs whose output is
     * non-null and requires grad (their grad non-null). Returns how many pairs took part.
     *
     * <p>A leaf output gets its gradient the way autograd's AccumulateGrad gives it, without the
     * engine: installed as its {@code .grad} when that is undefined (no copy: a [V, H] head
     * gradient is not duplicated), else added to it. Non-leaf outputs go through the engine.
     * Post-accumulate hooks on such leaves are not run.
     */
    static int backward(Tensor[] outputs, Tensor[] grads) {
        List<Tensor> outs = new ArrayList<>(outputs.length);
        List<Tensor> gs = new ArrayList<>(outputs.length);
        int leaves = 0;
        for (int i = 0; i < outputs.length; i++) {
            if (outputs[i] != null && grads[i] != null && outputs[i].requires_grad()) {
                if (isLeaf(outputs[i])) {
                    accumulate(outputs[i], grads[i]);
                    leaves++;
                } else {
                    outs.add(outputs[i]);
                    gs.add(grads[i]);
                }
            }
        }
        if (outs.isEmpty()) {
            return leaves;
        }
        try (TensorVector t = new TensorVector(outs.toArray(new Tensor[0]));
                TensorVector g = new TensorVector(gs.toArray(new Tensor[0]));
                BoolOptional retainGraph = new BoolOptional();
                TensorVector inputs = new TensorVector()) {
            torch.backward(t, g, retainGraph, false, inputs);
        }
        return leaves + outs.size();
    }

    /**
     * Where to accumulate a leaf's gradient in place, as AccumulateGrad would: its {@code .grad},
     * created as zeros (and installed) when undefined. Null when {@code t} is null, does not
     * require grad, or is not a leaf (its gradient must then go through {@link #backward}).
     * Saves a gradient-sized buffer, e.g. [V, H] for an LM head.
     */
    static Tensor leafGradSink(Tensor t) {
        if (t == null || !t.requires_grad() || !isLeaf(t)) {
            return null;
        }
        Tensor current = t.grad();
        if (current != null && !current.isNull() && current.defined()) {
            return current;
        }
        Tensor zeros = torch.zeros_like(t);
        t.mutable_grad().put(zeros);
        return zeros;
    }

    private static boolean isLeaf(Tensor t) {
        try (Node fn = t.grad_fn()) {
            return fn == null || fn.isNull();
        }
    }

    private static void accumulate(Tensor leaf, Tensor grad) {
        try (Tensor current = leaf.grad()) {
            if (current == null || current.isNull() || !current.defined()) {
                leaf.mutable_grad().put(grad);
            } else {
                current.add_(grad);
            }
        }
    }
}
