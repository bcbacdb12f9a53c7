package org.rlaif4j.demo;

import java.util.function.Supplier;
import org.bytedeco.pytorch.global.torch;

/** Runs work with libtorch on one intra-op thread, restoring the caller's thread count afterwards. */
final class OneThread {
    private OneThread() {}

    static <T> T run(Supplier<T> work) {
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try {
            return work.get();
        } finally {
            torch.set_num_threads(threads);
        }
    }
}
