package org.rlaif4j.model;

import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Keys and values of past positions for every layer, preallocated once:
 * {@code [B, kvHeads, capacity, headDim]} per layer. A forward pass with a cache appends the new
 * positions' keys and values and attends over everything stored so far; the caller passes an
 * attention mask covering all {@link #length()} + new positions. The buffers outlive the
 * per-step pointer scopes; {@link #close} frees them (a generation over a 0.6B model holds
 * hundreds of MB here, which would otherwise stay resident after every rollout).
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int capacity;
    private final long batch;
    private int length;

    public KvCache(int layers, long batch, int kvHeads, int capacity, int headDim, ScalarType dtype) {
        if (capacity <= 0 || batch <= 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "KvCache: expected batch > 0 and capacity > 0, found batch %d, capacity %d", batch, capacity));
        }
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.capacity = capacity;
        this.batch = batch;
        for (int l = 0; l < layers; l++) {
            keys[l] = Ops.persistent(Ops.zeros(dtype, batch, kvHeads, capacity, headDim));
            values[l] = Ops.persistent(Ops.zeros(dtype, batch, kvHeads, capacity, headDim));
        }
    }

    /** Number of positions stored. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public long batch() {
        return batch;
    }

    /**
     * Stores {@code k, v} ({@code [B, kvHeads, T, headDim]}) after the stored positions of
     * {@code layer} and returns views of all keys and values {@code [B, kvHeads, length + T, headDim]}.
     * The length grows once per forward pass, through {@link #advance}.
     */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        long t = k.size(2);
        if (length + t > capacity) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "KvCache: %d stored + %d new positions exceed the capacity of %d", length, t, capacity));
        }
        if (k.size(0) != batch) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "KvCache: expected a batch of %d rows, found %d", batch, k.size(0)));
        }
        keys[layer].narrow(2, length, t).copy_(k);
        values[layer].narrow(2, length, t).copy_(v);
        return new Tensor[] {keys[layer].narrow(2, 0, length + t), values[layer].narrow(2, 0, length + t)};
    }

    void advance(long t) {
        length += (int) t;
    }

    /** Forgets every stored position (the buffers are kept for reuse). */
    public void reset() {
        length = 0;
    }

    /** Frees the key and value buffers; the cache must not be used afterwards. */
    @Override
    public void close() {
        for (int l = 0; l < keys.length; l++) {
            if (keys[l] != null) {
                keys[l].releaseReference();
                values[l].releaseReference();
                keys[l] = null;
                values[l] = null;
            }
        }
    }
}
