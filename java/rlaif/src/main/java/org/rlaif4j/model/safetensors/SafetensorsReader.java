package org.rlaif4j.model.safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.rlaif4j.kernels.Tensors;

/**
 * Reads one {@code .safetensors} file. The header is read and validated on open; each tensor's
 * bytes are memory-mapped on demand and copied once into a new libtorch tensor.
 */
public final class SafetensorsReader implements TensorSource {
    private static final long CHUNK = 1L << 30;

    private final Path path;
    private final FileChannel channel;
    private final SafetensorsHeader header;

    private SafetensorsReader(Path path, FileChannel channel, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
    }

    /** Opens and validates {@code path}; throws {@link SafetensorsException} for a malformed file. */
    public static SafetensorsReader open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(path + ": no such file", e);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot open", e);
        }
        try {
            long size = ch.size();
            String name = path.toString();
            SafetensorsHeader.checkHeaderLength(size >= 8 ? readLength(ch) : 0, size, name);
            long n = readLength(ch);
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(ch, json, 8);
            SafetensorsHeader header = SafetensorsHeader.parse(json.array(), size - 8 - n, name);
            return new SafetensorsReader(path, ch, header);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new UncheckedIOException(path + ": cannot read", e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public SafetensorsHeader header() {
        return header;
    }

    @Override
    public Set<String> names() {
        return header.tensors().keySet();
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo info = header.tensors().get(name);
        if (info == null) {
            throw new SafetensorsException(path + ": no tensor named '" + name + "'");
        }
        return info;
    }

    @Override
    public Tensor load(String name) {
        TensorInfo info = info(name);
        Tensor t;
        try (TensorOptions options = Tensors.options(info.dtype().scalarType());
                MemoryFormatOptional format = new MemoryFormatOptional()) {
            t = torch.empty(info.shape(), options, format);
        }
        if (info.byteLength() == 0) {
            return t; // empty tensors have no data pointer
        }
        try (BytePointer dst = new BytePointer(t.data_ptr())) {
            long done = 0;
            while (done < info.byteLength()) {
                long len = Math.min(CHUNK, info.byteLength() - done);
                MappedByteBuffer src = channel.map(FileChannel.MapMode.READ_ONLY,
                        header.dataStart() + info.begin() + done, len);
                try (BytePointer from = new BytePointer(src)) {
                    Pointer.memcpy(dst.position(done), from, len);
                }
                done += len;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot map tensor '" + name + "'", e);
        }
        return t;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static long readLength(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, b, 0);
        return b.getLong(0);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }
}
