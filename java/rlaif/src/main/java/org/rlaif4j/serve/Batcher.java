package org.rlaif4j.serve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Collects requests for a short window and runs them through the model together. One thread owns
 * the model; HTTP threads only submit and wait. Sequences are grouped by {@link SequenceJob.BatchKey}
 * (one Generator call per group and sub-batch), sub-batches are cut at {@code maxBatch} sequences
 * and where the longest prompt plus the largest {@code max_tokens} would exceed the context.
 */
final class Batcher implements AutoCloseable {
    private record Pending(List<SequenceJob> jobs, CompletableFuture<List<Choice>> result) {
    }

    private final CompletionEngine engine;
    private final int maxBatch;
    private final Duration window;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Random seeds = new Random();        // seeds for requests that gave none
    private final AtomicLong batches = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    Batcher(CompletionEngine engine, int maxBatch, Duration window) {
        this.engine = engine;
        this.maxBatch = maxBatch;
        this.window = window;
        this.thread = new Thread(this::loop, "serve-batcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues one request's sequences; the future completes with one choice per job, in order. */
    CompletableFuture<List<Choice>> submit(List<SequenceJob> jobs) {
        Pending p = new Pending(jobs, new CompletableFuture<>());
        if (!running) {
            p.result().completeExceptionally(new ApiException(503, null, "server is shutting down"));
        } else {
            queue.add(p);
        }
        return p.result();
    }

    /** Model calls made so far (tests use it to see that concurrent requests shared a batch). */
    long batchesRun() {
        return batches.get();
    }

    private void loop() {
        while (running) {
            List<Pending> taken = new ArrayList<>();
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                taken.add(first);
                int seqs = first.jobs().size();
                long deadline = System.nanoTime() + window.toNanos();
                while (seqs < maxBatch) {
                    Pending more = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (more == null) {
                        break;
                    }
                    taken.add(more);
                    seqs += more.jobs().size();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            runAll(taken);
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.result().completeExceptionally(new ApiException(503, null, "server is shutting down"));
        }
    }

    private void runAll(List<Pending> taken) {
        Map<SequenceJob.BatchKey, List<int[]>> groups = new LinkedHashMap<>(); // key -> (pending index, job index)
        for (int p = 0; p < taken.size(); p++) {
            List<SequenceJob> jobs = taken.get(p).jobs();
            for (int j = 0; j < jobs.size(); j++) {
                groups.computeIfAbsent(jobs.get(j).key(), k -> new ArrayList<>()).add(new int[] {p, j});
            }
        }
        Choice[][] results = new Choice[taken.size()][];
        for (int p = 0; p < taken.size(); p++) {
            results[p] = new Choice[taken.get(p).jobs().size()];
        }
        boolean[] failed = new boolean[taken.size()];
        for (Map.Entry<SequenceJob.BatchKey, List<int[]>> g : groups.entrySet()) {
            for (List<int[]> sub : split(g.getValue(), taken)) {
                List<SequenceJob> jobs = sub.stream().map(ix -> taken.get(ix[0]).jobs().get(ix[1])).toList();
                Long seed = g.getKey().seed();
                try {
                    List<Choice> out = engine.run(jobs, seed != null ? seed : seeds.nextLong());
                    batches.incrementAndGet();
                    for (int s = 0; s < sub.size(); s++) {
                        results[sub.get(s)[0]][sub.get(s)[1]] = out.get(s);
                    }
                } catch (RuntimeException e) {
                    for (int[] ix : sub) {
                        if (!failed[ix[0]]) {
                            failed[ix[0]] = true;
                            taken.get(ix[0]).result().completeExceptionally(e);
                        }
                    }
                }
            }
        }
        for (int p = 0; p < taken.size(); p++) {
            if (!failed[p]) {
                taken.get(p).result().complete(List.of(results[p]));
            }
        }
    }

    private List<List<int[]>> split(List<int[]> group, List<Pending> taken) {
        List<List<int[]>> out = new ArrayList<>();
        List<int[]> cur = new ArrayList<>();
        int longestPrompt = 0;
        int mostTokens = 0;
        for (int[] ix : group) {
            SequenceJob j = taken.get(ix[0]).jobs().get(ix[1]);
            int p = Math.max(longestPrompt, j.promptIds().length);
            int n = Math.max(mostTokens, j.request().maxTokens());
            if (!cur.isEmpty() && (cur.size() >= maxBatch || p + n > engine.contextLength())) {
                out.add(cur);
                cur = new ArrayList<>();
                p = j.promptIds().length;
                n = j.request().maxTokens();
            }
            cur.add(ix);
            longestPrompt = p;
            mostTokens = n;
        }
        out.add(cur);
        return out;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
