package org.rlaif4j.report;

import java.io.PrintStream;
import java.time.Duration;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar with rate and ETA for long commands, drawn on stderr so that stdout stays
 * machine-readable. {@code quiet} (tests, piped runs that want no bar) draws nothing.
 */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private long done;

    private Progress(ProgressBar bar, long initial) {
        this.bar = bar;
        this.done = initial;
    }

    /** A bar of {@code total} steps of {@code unit}, starting at {@code initial} (a resumed job). */
    public static Progress start(String task, long total, long initial, String unit, boolean quiet, PrintStream err) {
        if (quiet) {
            return new Progress(null, initial);
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .startsFrom(initial, Duration.ZERO)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setUpdateIntervalMillis(250)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .build();
        return new Progress(bar, initial);
    }

    public void step() {
        stepBy(1);
    }

    public synchronized void stepBy(long n) {
        done += n;
        if (bar != null) {
            bar.stepBy(n);
        }
    }

    /** Extra text after the bar, such as the current loss. */
    public void message(String text) {
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    public synchronized long done() {
        return done;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
