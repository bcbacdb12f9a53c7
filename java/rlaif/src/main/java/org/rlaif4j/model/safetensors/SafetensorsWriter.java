package org.rlaif4j.model.safetensors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.Tensor;

/**
 * Writes tensors to one {@code .safetensors} file, atomically: the bytes go to a temporary file in
 * the same folder, which is then renamed over the target, so readers never see a partial file.
 * Tensors keep their dtype (float32, float16, bfloat16 or int64) and are written in map order.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {}

    /** Writes {@code tensors} (CPU or not, any layout) and string {@code metadata} to {@code file}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Tensor> contiguous = new ArrayList<>();
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("tensors: the name __metadata__ is reserved");
            }
            Tensor t = e.getValue();
            Dtype dtype;
            try {
                dtype = Dtype.of(t.scalar_type());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "': " + ex.getMessage(), ex);
            }
            Tensor c = t.detach().cpu().contiguous();
            contiguous.add(c);
            long bytes = c.numel() * dtype.bytes();
            ObjectNode entry = root.putObject(e.getKey());
            entry.put("dtype", dtype.name());
            ArrayNode shape = entry.putArray("shape");
            for (int i = 0; i < c.dim(); i++) {
                shape.add(c.size(i));
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // data aligned to 8 bytes, padded with spaces as the spec allows
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                for (Tensor c : contiguous) {
                    long bytes = c.numel() * c.element_size();
                    if (bytes == 0) {
                        continue;
                    }
                    try (BytePointer p = new BytePointer(c.data_ptr())) {
                        for (long done = 0; done < bytes; ) {
                            long len = Math.min(1L << 30, bytes - done);
                            p.position(done).capacity(done + len);
                            writeFully(ch, p.asByteBuffer());
                            done += len;
                        }
                    }
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
