package org.rlaif4j.model.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.kernels.Tensors;
import org.rlaif4j.model.Ops;

class SafetensorsTest {
    @TempDir
    Path tmp;

    private Path raw(String name, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path p = tmp.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private void assertRejected(Path p, String fragment) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsReader.open(p).close());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
    }

    @Test
    void roundTripIsBitIdenticalForEveryDtype() throws IOException {
        Tensor f32 = Tensors.fromFloats(new float[] {1.5f, -2.25f, 3e-8f, Float.MAX_VALUE, -0f, 7f}, 2, 3);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("f32", f32);
        in.put("f16", f32.narrow(1, 0, 2).to(ScalarType.Half));
        in.put("bf16", f32.to(ScalarType.BFloat16).view(3, 2));
        in.put("i64", Ops.fromLongs(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 4));
        in.put("empty", Tensors.fromFloats(new float[0], 0, 5));
        Path p = tmp.resolve("all.safetensors");
        SafetensorsWriter.write(p, in, Map.of("format", "pt"));
        try (SafetensorsReader r = SafetensorsReader.open(p)) {
            assertEquals(Map.of("format", "pt"), r.header().metadata());
            assertEquals(in.keySet(), r.names());
            assertEquals(0, r.header().dataStart() % 8, "data section is 8-byte aligned");
            for (String n : in.keySet()) {
                Tensor back = r.load(n);
                assertArrayEquals(Ops.shape(in.get(n)), Ops.shape(back), n);
                assertEquals(Ops.dtype(in.get(n)), Ops.dtype(back), n);
                assertTrue(back.equal(in.get(n)), n + " differs after the round trip");
            }
            assertEquals(Long.MIN_VALUE, Ops.toLongs(r.load("i64"))[0]);
        }
        try (var dir = Files.list(tmp)) {
            assertEquals(1, dir.count(), "no temporary file is left behind");
        }
    }

    @Test
    void overlappingOffsetsAreRejected() throws IOException {
        assertRejected(raw("overlap.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "overlapping");
    }

    @Test
    void outOfRangeOffsetsAreRejected() throws IOException {
        assertRejected(raw("range.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "out of range");
    }

    @Test
    void offsetsThatDisagreeWithShapeAreRejected() throws IOException {
        assertRejected(raw("len.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12");
    }

    @Test
    void truncatedFilesAreRejected() throws IOException {
        Path p = tmp.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertRejected(p, "truncated");
        // header length claims more bytes than the file has
        Path q = raw("cut.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        byte[] all = Files.readAllBytes(q);
        Files.write(q, java.util.Arrays.copyOf(all, 20));
        assertRejected(q, "truncated");
    }

    @Test
    void unknownDtypesAreRejected() throws IOException {
        assertRejected(raw("dtype.safetensors",
                "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "unsupported dtype 'F8_E4M3'");
    }

    @Test
    void hugeHeadersAreRejected() throws IOException {
        Path p = tmp.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(200_000_000L).putLong(0);
        Files.write(p, b.array());
        assertRejected(p, "over the limit");
    }

    @Test
    void invalidJsonIsRejected() throws IOException {
        assertRejected(raw("json.safetensors", "{\"a\": [", 0), "not valid JSON");
    }

    @Test
    void shardIndexErrorsAreClear() throws IOException {
        Path dir = tmp.resolve("ckpt");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE),
                "{\"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        SafetensorsException none = assertThrows(SafetensorsException.class,
                () -> SafetensorsCheckpoint.open(tmp.resolve("nothing")));
        assertTrue(none.getMessage().contains("no model.safetensors"), none.getMessage());
    }

    @Test
    void shardedWriteAndReadBack() {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            in.put("t" + i, Tensors.fromFloats(new float[] {i, i + 0.5f, -i}, 3));
        }
        Path dir = tmp.resolve("shards");
        SafetensorsCheckpoint.write(dir, in, Map.of(), 24);
        assertTrue(Files.exists(dir.resolve(SafetensorsCheckpoint.INDEX_FILE)));
        assertFalse(Files.exists(dir.resolve(SafetensorsCheckpoint.SINGLE_FILE)));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(3, c.shardCount());
            for (String n : in.keySet()) {
                assertTrue(c.load(n).equal(in.get(n)), n);
            }
        }
        // rewriting as one file removes the index
        SafetensorsCheckpoint.write(dir, in, Map.of(), 1 << 20);
        assertFalse(Files.exists(dir.resolve(SafetensorsCheckpoint.INDEX_FILE)));
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertEquals(1, c.shardCount());
        }
    }
}
