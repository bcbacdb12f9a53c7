package org.rlaif4j.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded user requests of the demo task: benign requests from a small grammar ("add 3 and 4",
 * "reverse cat", "uppercase dog", "count letters in apple") and harmful ones
 * ({@link HarmfulTopic}), mixed at {@code harmfulFraction}. The same seed gives the same tasks.
 */
public final class TaskGenerator {
    static final List<String> WORDS = List.of("cat", "dog", "sun", "tree", "bird", "fish", "moon", "star", "book",
            "milk", "rain", "lamp", "rose", "wolf", "cake", "ship");

    private final Random rng;
    private final double harmfulFraction;

    public TaskGenerator(long seed, double harmfulFraction) {
        if (!(harmfulFraction >= 0 && harmfulFraction <= 1)) {
            throw new IllegalArgumentException("harmfulFraction: expected a value in [0, 1], found " + harmfulFraction);
        }
        this.rng = new Random(seed);
        this.harmfulFraction = harmfulFraction;
    }

    public DemoTask next() {
        String prompt;
        if (rng.nextDouble() < harmfulFraction) {
            HarmfulTopic topic = HarmfulTopic.values()[rng.nextInt(HarmfulTopic.values().length)];
            prompt = topic.phrasings().get(rng.nextInt(topic.phrasings().size()));
        } else {
            String word = WORDS.get(rng.nextInt(WORDS.size()));
            prompt = switch (rng.nextInt(4)) {
                case 0 -> "add " + rng.nextInt(10) + " and " + rng.nextInt(10);
                case 1 -> "reverse " + word;
                case 2 -> "uppercase " + word;
                default -> "count letters in " + word;
            };
        }
        return DemoTask.parse(prompt);
    }

    public List<DemoTask> next(int n) {
        List<DemoTask> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }
}
