package org.rlaif4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A JSONL output that a long job appends to one record at a time and can resume after being
 * killed at any moment (kill -9 included).
 *
 * <p>Each record is one {@code write} of its whole line and newline, forced to disk before
 * {@link #append} returns, so after a kill the file holds complete records followed by at most
 * one partial line. {@link #open} cuts that partial line off (it is the record that was being
 * written and will be redone) and reports the key of every complete record, so that the job
 * skips work it has finished: every input ends up in the file exactly once.
 */
public final class AppendLog implements Closeable {
    private final Path file;
    private final FileChannel channel;
    private final Set<String> keys;
    private final long repairedBytes;
    private final String keyField;

    private AppendLog(Path file, FileChannel channel, Set<String> keys, long repairedBytes, String keyField) {
        this.file = file;
        this.channel = channel;
        this.keys = keys;
        this.repairedBytes = repairedBytes;
        this.keyField = keyField;
    }

    /**
     * Opens (creating if absent) {@code file} for appending. Every complete line must be a JSON
     * object with a string or integer {@code keyField}, unique in the file; otherwise the file
     * is not one this job wrote and opening fails with a {@code file:line:} message rather than
     * risk duplicating or losing records.
     */
    public static AppendLog open(Path file, String keyField) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                long size = ch.size();
                byte[] bytes = new byte[Math.toIntExact(size)];
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining() && ch.read(buf, buf.position()) >= 0) {
                    // read until full
                }
                int end = bytes.length;
                while (end > 0 && bytes[end - 1] != '\n') {
                    end--;
                }
                long repaired = size - end;
                if (repaired > 0) {
                    ch.truncate(end);
                    ch.force(true);
                }
                Set<String> keys = new LinkedHashSet<>();
                String text = new String(bytes, 0, end, StandardCharsets.UTF_8);
                int lineNo = 0;
                for (String line : text.split("\n", -1)) {
                    lineNo++;
                    if (line.isBlank()) {
                        continue;
                    }
                    String key;
                    try {
                        key = keyOf(Jsonl.parseObject(line), keyField);
                    } catch (DataFormatException e) {
                        throw new DataFormatException(file + ":" + lineNo + ": " + e.getMessage()
                                + " (not a file this job can resume; move it away or pick another output)");
                    }
                    if (!keys.add(key)) {
                        throw new DataFormatException(file + ":" + lineNo + ": duplicate " + keyField + " '" + key + "'");
                    }
                }
                ch.position(ch.size());
                return new AppendLog(file, ch, keys, repaired, keyField);
            } catch (RuntimeException | IOException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file + " for appending", e);
        }
    }

    /** The key of a record: its {@code keyField} as text. */
    public static String keyOf(ObjectNode record, String keyField) {
        JsonNode k = record.get(keyField);
        if (k == null || !(k.isTextual() || k.isIntegralNumber())) {
            throw new DataFormatException("missing string or integer key field '" + keyField + "'");
        }
        return k.asText();
    }

    /** Keys of the complete records found when the file was opened plus those appended since. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(keys);
    }

    public boolean contains(String key) {
        return keys.contains(key);
    }

    /** Bytes of a partial trailing line removed by {@link #open} (0 when the file was clean). */
    public long repairedBytes() {
        return repairedBytes;
    }

    public Path file() {
        return file;
    }

    /** Appends one record durably; a record whose key is already present is an error. */
    public synchronized void append(ObjectNode record) {
        String key = keyOf(record, keyField);
        if (keys.contains(key)) {
            throw new IllegalStateException(file + ": record " + keyField + " '" + key + "' is already written");
        }
        byte[] line = (Jsonl.toLine(record) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        keys.add(key);
    }

    /** Reads back all complete records, in file order. */
    public static List<ObjectNode> readAll(Path file) {
        List<ObjectNode> out = new ArrayList<>();
        for (Line<ObjectNode> l : Jsonl.read(file, o -> o, BadLinePolicy.FAIL, w -> { })) {
            out.add(l.value());
        }
        return out;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
