package org.rlaif4j.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;

/**
 * The weights of a Hugging Face checkpoint folder: {@code model.safetensors}, or shards listed in
 * {@code model.safetensors.index.json} ({@code weight_map}: tensor name to shard file).
 */
public final class SafetensorsCheckpoint implements TensorSource {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Map<String, SafetensorsReader> owner; // tensor name -> the shard that holds it
    private final List<SafetensorsReader> readers;

    private SafetensorsCheckpoint(Map<String, SafetensorsReader> owner, List<SafetensorsReader> readers) {
        this.owner = owner;
        this.readers = readers;
    }

    /** Opens a checkpoint folder, or a single {@code .safetensors} file. */
    public static SafetensorsCheckpoint open(Path path) {
        if (Files.isRegularFile(path)) {
            return single(SafetensorsReader.open(path));
        }
        Path index = path.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return sharded(path, index);
        }
        Path single = path.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            return single(SafetensorsReader.open(single));
        }
        throw new SafetensorsException(path + ": no " + SINGLE_FILE + " or " + INDEX_FILE + " found");
    }

    private static SafetensorsCheckpoint single(SafetensorsReader r) {
        Map<String, SafetensorsReader> owner = new LinkedHashMap<>();
        r.names().forEach(n -> owner.put(n, r));
        return new SafetensorsCheckpoint(owner, List.of(r));
    }

    private static SafetensorsCheckpoint sharded(Path dir, Path index) {
        JsonNode root;
        try {
            root = SafetensorsHeader.JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new SafetensorsException(index + ": not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root.path("weight_map");
        if (!map.isObject() || map.isEmpty()) {
            throw new SafetensorsException(index + ": expected a non-empty object 'weight_map'");
        }
        Map<String, SafetensorsReader> files = new LinkedHashMap<>();
        Map<String, SafetensorsReader> owner = new LinkedHashMap<>();
        try {
            for (var it = map.fields(); it.hasNext(); ) {
                var e = it.next();
                String file = e.getValue().asText();
                Path shard = dir.resolve(file).normalize();
                if (!shard.startsWith(dir.normalize()) || file.isEmpty()) {
                    throw new SafetensorsException(index + ": shard '" + file + "' is outside the checkpoint folder");
                }
                SafetensorsReader r = files.get(file);
                if (r == null) {
                    if (!Files.isRegularFile(shard)) {
                        throw new SafetensorsException(index + ": shard '" + file + "' (for tensor '" + e.getKey()
                                + "') does not exist");
                    }
                    r = SafetensorsReader.open(shard);
                    files.put(file, r);
                }
                if (!r.names().contains(e.getKey())) {
                    throw new SafetensorsException(index + ": tensor '" + e.getKey() + "' is mapped to '" + file
                            + "' which does not hold it");
                }
                owner.put(e.getKey(), r);
            }
        } catch (RuntimeException e) {
            files.values().forEach(SafetensorsReader::close);
            throw e;
        }
        return new SafetensorsCheckpoint(owner, new ArrayList<>(files.values()));
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(owner.keySet()));
    }

    @Override
    public TensorInfo info(String name) {
        return reader(name).info(name);
    }

    @Override
    public Tensor load(String name) {
        return reader(name).load(name);
    }

    /** Number of files the weights are spread over. */
    public int shardCount() {
        return readers.size();
    }

    private SafetensorsReader reader(String name) {
        SafetensorsReader r = owner.get(name);
        if (r == null) {
            throw new SafetensorsException("checkpoint has no tensor named '" + name + "'");
        }
        return r;
    }

    @Override
    public void close() {
        readers.forEach(SafetensorsReader::close);
    }

    /**
     * Writes {@code tensors} into folder {@code dir} as {@code model.safetensors} when they fit in
     * {@code maxShardBytes}, otherwise as numbered shards plus {@code model.safetensors.index.json},
     * named as {@code save_pretrained} names them. Each file is written atomically; stale weight
     * files of the other layout are removed.
     */
    public static void write(Path dir, Map<String, Tensor> tensors, Map<String, String> metadata, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes: expected > 0, found " + maxShardBytes);
        }
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long currentBytes = 0;
        long total = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long bytes = e.getValue().numel() * e.getValue().element_size();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
            total += bytes;
        }
        shards.add(current);
        try {
            Files.createDirectories(dir);
            if (shards.size() == 1) {
                SafetensorsWriter.write(dir.resolve(SINGLE_FILE), shards.get(0), metadata);
                Files.deleteIfExists(dir.resolve(INDEX_FILE));
                return;
            }
            ObjectNode index = SafetensorsHeader.JSON.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            ObjectNode weightMap = index.putObject("weight_map");
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i + 1, shards.size());
                SafetensorsWriter.write(dir.resolve(name), shards.get(i), metadata);
                shards.get(i).keySet().forEach(k -> weightMap.put(k, name));
            }
            writeAtomically(dir.resolve(INDEX_FILE), SafetensorsHeader.JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(index));
            Files.deleteIfExists(dir.resolve(SINGLE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write checkpoint", e);
        }
    }

    /** Writes bytes to {@code file} through a temporary file and a rename. */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
