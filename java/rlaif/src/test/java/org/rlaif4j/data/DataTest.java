package org.rlaif4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataTest {
    @TempDir
    Path dir;

    @Test
    void appendLogRepairsAPartialTrailingLineAndReportsKeys() throws Exception {
        Path f = dir.resolve("out.jsonl");
        try (AppendLog log = AppendLog.open(f, "id")) {
            log.append(new PairRecord("a", "p", "x", "y").toJson());
            log.append(new PairRecord("b", "p", "x", "y").toJson());
        }
        // a kill in the middle of the third write leaves a partial line
        String partial = "{\"id\":\"c\",\"prom";
        Files.writeString(f, partial, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        long before = Files.size(f);
        try (AppendLog log = AppendLog.open(f, "id")) {
            assertEquals(List.of("a", "b"), new ArrayList<>(log.keys()));
            assertEquals(partial.length(), log.repairedBytes());
            assertEquals(before - partial.length(), Files.size(f));
            log.append(new PairRecord("c", "p", "x", "y").toJson());
            assertThrows(IllegalStateException.class, () -> log.append(new PairRecord("c", "p", "x", "y").toJson()));
        }
        assertEquals(3, AppendLog.readAll(f).size());
    }

    @Test
    void appendLogRefusesAFileWithDuplicateOrMissingKeys() throws Exception {
        Path f = dir.resolve("dup.jsonl");
        Files.writeString(f, "{\"id\":1}\n{\"id\":1}\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> AppendLog.open(f, "id"));
        assertTrue(e.getMessage().contains("dup.jsonl:2: duplicate id '1'"), e.getMessage());
        Files.writeString(f, "{\"x\":1}\n");
        e = assertThrows(DataFormatException.class, () -> AppendLog.open(f, "id"));
        assertTrue(e.getMessage().contains("dup.jsonl:1: missing string or integer key field 'id'"), e.getMessage());
    }

    @Test
    void readerReportsBadLinesWithFileAndLineOrSkipsThem() throws Exception {
        Path f = dir.resolve("pairs.jsonl");
        Files.writeString(f, """
                {"prompt":"q","response_a":"a","response_b":"b"}
                not json

                {"prompt":"q","response_a":"a"}
                {"prompt":"q","response_a":"a","response_b":"b","id":"z"}
                """);
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Jsonl.read(f, o -> PairRecord.fromJson(o, 0), BadLinePolicy.FAIL, w -> { }));
        assertTrue(e.getMessage().startsWith(f + ":2: not valid JSON"), e.getMessage());
        List<String> warnings = new ArrayList<>();
        var lines = Jsonl.read(f, o -> o, BadLinePolicy.SKIP, warnings::add);
        assertEquals(3, lines.size());
        var pairs = new ArrayList<PairRecord>();
        Jsonl.read(f, o -> o, BadLinePolicy.SKIP, w -> { }).forEach(l -> {
            try {
                pairs.add(PairRecord.fromJson(l.value(), l.number()));
            } catch (DataFormatException ignored) {
                warnings.add(l.number() + ": " + ignored.getMessage());
            }
        });
        assertEquals(List.of("1", "z"), pairs.stream().map(PairRecord::id).toList());
        assertEquals(List.of(f + ":2: not valid JSON", "4: missing field 'response_b'"),
                warnings.stream().map(w -> w.replaceAll(" \\(.*", "")).toList());
    }

    @Test
    void preferenceRecordsRoundTripAndAcceptTrlHardLabels() {
        PreferenceRecord r = new PreferenceRecord("7", "p", "A", "B", 0.25, 0.3, 0.2, "lab", "abc", null);
        PreferenceRecord back = PreferenceRecord.fromJson(r.toJson(), 1);
        assertEquals(r.toString(), back.toString());
        assertEquals("B", back.chosen());
        assertTrue(back.ordersAgree());
        PreferenceRecord hard = PreferenceRecord.fromJson(
                Jsonl.parseObject("{\"prompt\":\"p\",\"chosen\":\"c\",\"rejected\":\"r\"}"), 3);
        assertEquals("3", hard.id());
        assertEquals(1.0, hard.pA());
        assertEquals("c", hard.responseA());
        assertThrows(DataFormatException.class, () -> PreferenceRecord.fromJson(
                Jsonl.parseObject("{\"prompt\":\"p\",\"response_a\":\"a\",\"response_b\":\"b\",\"p_a\":1.5}"), 1));
    }

    @Test
    void atomicWriteReplacesWholeFileAndLeavesNoTemporary() throws Exception {
        Path f = dir.resolve("sub/report.json");
        AtomicFiles.writeString(f, "one");
        AtomicFiles.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count());
        }
    }
}
