package org.rlaif4j.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed and validated safetensors header. Validation rejects: headers over {@link #MAX_HEADER_BYTES},
 * headers that run past the end of the file, invalid JSON, unknown dtypes, negative sizes, byte ranges
 * whose length does not match dtype and shape, ranges past the end of the data, and overlapping ranges.
 */
public record SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata, long headerBytes) {
    /** The largest JSON header accepted (100 MB), as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final ObjectMapper JSON = new ObjectMapper();

    public SafetensorsHeader {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Byte offset in the file where the data section starts. */
    public long dataStart() {
        return 8 + headerBytes;
    }

    /**
     * Validates the header length read from the first 8 bytes against the file size.
     * @param file only for messages
     */
    static void checkHeaderLength(long headerBytes, long fileSize, String file) {
        if (fileSize < 8) {
            throw new SafetensorsException(file + ": truncated file: " + fileSize
                    + " bytes, shorter than the 8-byte header length");
        }
        if (headerBytes < 0 || headerBytes > MAX_HEADER_BYTES) {
            throw new SafetensorsException(String.format(Locale.ROOT,
                    "%s: header of %s bytes is over the limit of %d bytes", file,
                    Long.toUnsignedString(headerBytes), MAX_HEADER_BYTES));
        }
        if (8 + headerBytes > fileSize) {
            throw new SafetensorsException(String.format(Locale.ROOT,
                    "%s: truncated file: the header claims %d bytes but only %d follow the length", file,
                    headerBytes, fileSize - 8));
        }
    }

    /** Parses and validates the JSON header; {@code dataBytes} is the size of the data section. */
    static SafetensorsHeader parse(byte[] json, long dataBytes, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(json, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new SafetensorsException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file + ": header must be a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) {
                    throw new SafetensorsException(file + ": __metadata__ must be an object of strings");
                }
                e.getValue().fields().forEachRemaining(m -> {
                    if (!m.getValue().isTextual()) {
                        throw new SafetensorsException(file + ": __metadata__ value '" + m.getKey() + "' is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                });
                continue;
            }
            tensors.put(e.getKey(), parseEntry(e.getKey(), e.getValue(), dataBytes, file));
        }
        checkNoOverlap(tensors.values(), file);
        return new SafetensorsHeader(tensors, metadata, json.length);
    }

    private static TensorInfo parseEntry(String name, JsonNode n, long dataBytes, String file) {
        String where = file + ": tensor '" + name + "'";
        if (!n.isObject() || !n.path("dtype").isTextual() || !n.path("shape").isArray()
                || !n.path("data_offsets").isArray() || n.path("data_offsets").size() != 2) {
            throw new SafetensorsException(where + ": expected {dtype, shape, data_offsets: [begin, end]}, found " + n);
        }
        Dtype dtype;
        try {
            dtype = Dtype.parse(n.get("dtype").asText(), name);
        } catch (SafetensorsException e) {
            throw new SafetensorsException(file + ": " + e.getMessage());
        }
        long[] shape = new long[n.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode s = n.get("shape").get(i);
            if (!s.canConvertToLong() || !s.isIntegralNumber() || s.asLong() < 0) {
                throw new SafetensorsException(where + ": shape must hold non-negative integers, found " + n.get("shape"));
            }
            shape[i] = s.asLong();
        }
        JsonNode b = n.get("data_offsets").get(0);
        JsonNode en = n.get("data_offsets").get(1);
        if (!b.isIntegralNumber() || !en.isIntegralNumber() || !b.canConvertToLong() || !en.canConvertToLong()
                || b.asLong() < 0 || en.asLong() < b.asLong()) {
            throw new SafetensorsException(where + ": data_offsets must be [begin, end] with 0 <= begin <= end, found "
                    + n.get("data_offsets"));
        }
        long begin = b.asLong();
        long end = en.asLong();
        long expected;
        try {
            long numel = 1;
            for (long s : shape) {
                numel = Math.multiplyExact(numel, s);
            }
            expected = Math.multiplyExact(numel, (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(where + ": shape " + n.get("shape") + " is too large");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(String.format(Locale.ROOT,
                    "%s: data_offsets [%d, %d] span %d bytes but %s %s needs %d", where, begin, end, end - begin,
                    dtype, n.get("shape"), expected));
        }
        if (end > dataBytes) {
            throw new SafetensorsException(String.format(Locale.ROOT,
                    "%s: data_offsets [%d, %d] are out of range: the data section holds %d bytes (truncated file?)",
                    where, begin, end, dataBytes));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Iterable<TensorInfo> infos, String file) {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.byteLength() == 0) {
                continue;
            }
            if (prev != null && t.begin() < prev.end()) {
                throw new SafetensorsException(String.format(Locale.ROOT,
                        "%s: tensors '%s' [%d, %d) and '%s' [%d, %d) have overlapping data_offsets", file,
                        prev.name(), prev.begin(), prev.end(), t.name(), t.begin(), t.end()));
            }
            prev = t;
        }
    }
}
