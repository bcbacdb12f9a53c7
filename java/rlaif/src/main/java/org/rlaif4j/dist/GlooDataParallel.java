package org.rlaif4j.dist;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.rlaif4j.model.Ops;

/**
 * Data parallelism over libtorch's c10d {@code ProcessGroupGloo} (CPU tensors), joined through a
 * {@code TCPStore} hosted by rank 0. Gradients travel in flat buckets (one all-reduce per bucket,
 * all buckets in flight together, then averaged); every collective carries the configured timeout,
 * so a peer that died or hangs makes this rank fail with a {@link DistributedException} instead of
 * waiting forever.
 */
public final class GlooDataParallel implements DataParallel {
    private final DistConfig cfg;
    private final TCPStore store;          // kept: the process group reads through it
    private final ProcessGroupGloo group;

    private GlooDataParallel(DistConfig cfg, TCPStore store, ProcessGroupGloo group) {
        this.cfg = cfg;
        this.store = store;
        this.group = group;
    }

    /** Rendezvous at {@code masterAddr:masterPort} (rank 0 hosts the store) and builds the Gloo group. */
    public static GlooDataParallel join(DistConfig cfg) {
        String where = cfg.masterAddr() + ":" + cfg.masterPort();
        TCPStore store;
        try {
            TCPStoreOptions o = new TCPStoreOptions();
            o.port((short) cfg.masterPort());        // uint16 in C++: ports above 32767 wrap to negative shorts on purpose
            o.isServer(cfg.rank() == 0);
            o.numWorkers(new SizeTPointer(1).put(cfg.worldSize()));
            o.waitWorkers(false);                     // the process group's own rendezvous waits, with the timeout
            o.timeout(new Milliseconds(cfg.timeout().toMillis()));
            store = new TCPStore(cfg.masterAddr(), o);
        } catch (RuntimeException e) {
            throw new DistributedException("rank " + cfg.rank() + ": cannot " + (cfg.rank() == 0 ? "host" : "reach")
                    + " the TCP store at " + where + " within " + cfg.timeout().toSeconds() + " s: " + e.getMessage(), e);
        }
        try {
            ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(new Milliseconds(cfg.timeout().toMillis()));
            opts.devices(new GlooDeviceVector(device(cfg.masterAddr())));
            ProcessGroupGloo group = new ProcessGroupGloo(store, cfg.rank(), cfg.worldSize(), opts);
            return new GlooDataParallel(cfg, store, group);
        } catch (RuntimeException e) {
            throw new DistributedException("rank " + cfg.rank() + ": joining the Gloo process group of " + cfg.worldSize()
                    + " ranks at " + where + " failed within " + cfg.timeout().toSeconds() + " s (did every rank start?): "
                    + e.getMessage(), e);
        }
    }

    /**
     * The network device Gloo listens on: GLOO_SOCKET_IFNAME as torch does; loopback when rank 0 is
     * on this machine's loopback (containers often cannot resolve their own hostname); else the
     * interface of this host's name.
     */
    private static org.bytedeco.pytorch.gloo.Device device(String masterAddr) {
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        if (ifname != null && !ifname.isBlank()) {
            return ProcessGroupGloo.createDeviceForInterface(ifname.strip());
        }
        if (masterAddr.equals("127.0.0.1") || masterAddr.equals("localhost") || masterAddr.equals("::1")) {
            return ProcessGroupGloo.createDeviceForHostname("127.0.0.1");
        }
        return ProcessGroupGloo.createDefaultDevice();
    }

    @Override
    public int rank() {
        return cfg.rank();
    }

    @Override
    public int worldSize() {
        return cfg.worldSize();
    }

    @Override
    public void broadcast(List<Tensor> tensors) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (List<Tensor> bucket : buckets(tensors)) {
                Tensor flat = flatten(bucket);
                BroadcastOptions o = new BroadcastOptions();
                o.rootRank(0);
                o.timeout(new Milliseconds(cfg.timeout().toMillis()));
                await(group.broadcast(new TensorVector(flat), o), "broadcast of the initial parameters");
                unflatten(flat, bucket);
            }
        }
    }

    @Override
    public void averageGradients(List<Tensor> params) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            List<Tensor> grads = new ArrayList<>(params.size());
            for (int i = 0; i < params.size(); i++) {
                Tensor grad = params.get(i).grad();
                if (!grad.defined()) {
                    // Skipping it here but not on another rank would pair up the wrong buckets.
                    throw new IllegalStateException("rank " + rank() + ": trainable parameter " + i + " has no gradient "
                            + "after backward; data-parallel training needs every trainable parameter used in every step");
                }
                grads.add(grad);
            }
            List<List<Tensor>> buckets = buckets(grads);
            List<Tensor> flats = new ArrayList<>(buckets.size());
            List<Work> works = new ArrayList<>(buckets.size());
            for (List<Tensor> bucket : buckets) {            // all buckets in flight at once
                Tensor flat = flatten(bucket);
                flats.add(flat);
                works.add(group.allreduce(new TensorVector(flat), sumOptions()));
            }
            for (int b = 0; b < buckets.size(); b++) {
                await(works.get(b), "all-reduce of gradient bucket " + b + " of " + buckets.size());
                flats.get(b).div_(Ops.scalar(cfg.worldSize()));
                unflatten(flats.get(b), buckets.get(b));
            }
        }
    }

    @Override
    public double maxDifferenceFromRankZero(List<Tensor> tensors) {
        double max = 0;
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            for (List<Tensor> bucket : buckets(tensors)) {
                Tensor mine = flatten(bucket);
                Tensor main = mine.clone();
                BroadcastOptions o = new BroadcastOptions();
                o.rootRank(0);
                o.timeout(new Milliseconds(cfg.timeout().toMillis()));
                await(group.broadcast(new TensorVector(main), o), "broadcast of the final parameters (drift check)");
                max = Math.max(max, mine.sub(main).abs().max().item_double());
            }
        }
        return max;
    }

    @Override
    public double[] sum(double[] values) {
        try (PointerScope scope = new PointerScope()) {
            Tensor t = Ops.empty(ScalarType.Double, values.length);
            for (int i = 0; i < values.length; i++) {
                t.select(0, i).fill_(Ops.scalar(values[i]));
            }
            await(group.allreduce(new TensorVector(t), sumOptions()), "all-reduce of metrics");
            double[] out = new double[values.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = t.select(0, i).item_double();
            }
            return out;
        }
    }

    @Override
    public void barrier() {
        sum(new double[] {1});   // an all-reduce: same failure detection and timeout as every other collective
    }

    private AllreduceOptions sumOptions() {
        AllreduceOptions o = new AllreduceOptions();
        o.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
        o.timeout(new Milliseconds(cfg.timeout().toMillis()));
        return o;
    }

    private void await(Work work, String what) {
        long t0 = System.nanoTime();
        try {
            work._wait(new Milliseconds(cfg.timeout().toMillis()));
        } catch (RuntimeException e) {
            throw new DistributedException(String.format(java.util.Locale.ROOT,
                    "rank %d of %d: %s failed after %.1f s; a peer rank probably died or stalled past the %d s timeout "
                            + "(--dist-timeout-s): %s", rank(), worldSize(), what, (System.nanoTime() - t0) / 1e9,
                    cfg.timeout().toSeconds(), firstLine(e.getMessage())), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Consecutive tensors grouped into buckets of at most {@code bucketBytes} (a larger tensor alone). */
    private List<List<Tensor>> buckets(List<Tensor> tensors) {
        List<List<Tensor>> out = new ArrayList<>();
        List<Tensor> cur = new ArrayList<>();
        long bytes = 0;
        for (Tensor t : tensors) {
            long size = t.numel() * t.element_size();
            if (!cur.isEmpty() && bytes + size > cfg.bucketBytes()) {
                out.add(cur);
                cur = new ArrayList<>();
                bytes = 0;
            }
            cur.add(t);
            bytes += size;
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    private static Tensor flatten(List<Tensor> bucket) {
        TensorVector parts = new TensorVector();
        for (Tensor t : bucket) {
            parts.push_back(t.detach().reshape(-1));
        }
        return torch.cat(parts).contiguous();
    }

    private static void unflatten(Tensor flat, List<Tensor> bucket) {
        long off = 0;
        for (Tensor t : bucket) {
            long n = t.numel();
            t.detach().copy_(flat.narrow(0, off, n).view_as(t));
            off += n;
        }
    }

    @Override
    public void close() {
        group.close();
        store.close();
    }
}
