package dev.quietstar.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.Dataset;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WindowSamplerTest {

    private static final ByteTokenizer TOK = new ByteTokenizer();

    private static Dataset mixedLengths() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            docs.add(i % 2 == 0 ? "short " + i : "a much longer document number " + i + " that exceeds the window");
        }
        return TextDatasets.fromStrings("mixed", docs);
    }

    @Test
    void shortDocumentsArePaddedAfterABosToken() {
        Dataset d = TextDatasets.fromStrings("one", List.of("hi", "0123456789abcdef"));
        WindowSampler s = new WindowSampler(TOK, d, 8, 2, 1L);
        WindowSampler.Batch b = s.next(2);
        int row = b.documentIndex()[0] == 0 ? 0 : 1;
        assertThat(b.tokenIds()[row]).containsExactly(ByteTokenizer.BOS, 'h', 'i', ByteTokenizer.PAD,
                ByteTokenizer.PAD, ByteTokenizer.PAD, ByteTokenizer.PAD, ByteTokenizer.PAD);
        assertThat(b.attentionMask()[row]).containsExactly(1, 1, 1, 0, 0, 0, 0, 0);
        assertThat(s.padId()).isEqualTo(ByteTokenizer.PAD);
    }

    @Test
    void longDocumentsGiveContiguousWindows() {
        String text = "0123456789abcdefghijklmnopqrstuvwxyz";
        Dataset d = TextDatasets.fromStrings("long", List.of(text));
        WindowSampler s = new WindowSampler(TOK, d, 10, 4, 7L);
        int[] full = new int[text.length() + 1];
        full[0] = ByteTokenizer.BOS;
        System.arraycopy(TOK.encode(text), 0, full, 1, text.length());
        Set<Integer> starts = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            int[] row = s.next(1).tokenIds()[0];
            int start = indexOfWindow(full, row);
            assertThat(start).as("window %d must be a slice of the document", i).isGreaterThanOrEqualTo(0);
            starts.add(start);
        }
        // Every window start 0..L_doc-L is reachable, the first one (with BOS) included.
        assertThat(starts).contains(0, full.length - 10).hasSizeGreaterThan(20);
    }

    private static int indexOfWindow(int[] full, int[] row) {
        outer:
        for (int start = 0; start + row.length <= full.length; start++) {
            for (int j = 0; j < row.length; j++) {
                if (full[start + j] != row[j]) {
                    continue outer;
                }
            }
            return start;
        }
        return -1;
    }

    @Test
    void everyDocumentOncePerEpochAndReshuffled() {
        Dataset d = mixedLengths();
        WindowSampler s = new WindowSampler(TOK, d, 16, 4, 3L);
        int[] epoch1 = s.next(7).documentIndex();
        int[] epoch2 = s.next(7).documentIndex();
        assertThat(epoch1).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
        assertThat(epoch2).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6);
        assertThat(epoch2).isNotEqualTo(epoch1);
        assertThat(s.epoch()).isEqualTo(2);
    }

    @Test
    void sameSeedGivesTheSameBatchesAndAnotherSeedDoesNot() {
        WindowSampler a = new WindowSampler(TOK, mixedLengths(), 16, 4, 11L);
        WindowSampler b = new WindowSampler(TOK, mixedLengths(), 16, 4, 11L);
        WindowSampler c = new WindowSampler(TOK, mixedLengths(), 16, 4, 12L);
        List<WindowSampler.Batch> fromC = new ArrayList<>();
        List<WindowSampler.Batch> fromA = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            WindowSampler.Batch x = a.next(3);
            assertThat(b.next(3)).isEqualTo(x);
            fromA.add(x);
            fromC.add(c.next(3));
        }
        assertThat(fromC).isNotEqualTo(fromA);
    }

    @Test
    void seekingReproducesAnUninterruptedRun() {
        WindowSampler run = new WindowSampler(TOK, mixedLengths(), 16, 4, 5L);
        List<WindowSampler.Batch> batches = new ArrayList<>();
        long afterFive = -1;
        for (int i = 0; i < 10; i++) {
            batches.add(run.next(4));
            if (i == 4) {
                afterFive = run.position();
            }
        }
        assertThat(afterFive).isEqualTo(20);
        WindowSampler resumed = new WindowSampler(TOK, mixedLengths(), 16, 4, 5L);
        resumed.seek(afterFive);
        for (int i = 5; i < 10; i++) {
            assertThat(resumed.next(4)).as("batch %d", i + 1).isEqualTo(batches.get(i));
        }
        assertThat(resumed.position()).isEqualTo(run.position());
    }

    @Test
    void batchGroupingDoesNotChangeTheStream() {
        WindowSampler ones = new WindowSampler(TOK, mixedLengths(), 16, 4, 9L);
        WindowSampler fives = new WindowSampler(TOK, mixedLengths(), 16, 4, 9L);
        WindowSampler.Batch big = fives.next(5);
        for (int r = 0; r < 5; r++) {
            WindowSampler.Batch one = ones.next(1);
            assertThat(one.tokenIds()[0]).containsExactly(big.tokenIds()[r]);
            assertThat(one.documentIndex()[0]).isEqualTo(big.documentIndex()[r]);
        }
    }

    @Test
    void tooSmallDatasetIsRejectedWithCounts() {
        Dataset d = TextDatasets.fromStrings("tiny", List.of("abc", "de"));
        // 4 + 3 = 7 tokens with BOS; 8 + 4 are needed.
        assertThatThrownBy(() -> new WindowSampler(TOK, d, 8, 4, 0L))
                .isInstanceOf(DatasetException.class)
                .hasMessage("dataset 'tiny' holds 7 tokens; training needs at least sequenceLength + lookahead = 12");
    }

    @Test
    void padFallsBackToEosAndFailsWithoutEither() {
        Dataset d = TextDatasets.fromStrings("x", List.of("hello world, long enough", "hi"));
        WindowSampler s = new WindowSampler(new FakeTokenizer(OptionalInt.of(1), OptionalInt.of(2),
                OptionalInt.empty()), d, 20, 1, 0L);
        assertThat(s.padId()).isEqualTo(2);
        WindowSampler.Batch b = s.next(2);
        int row = b.documentIndex()[0] == 1 ? 0 : 1;
        assertThat(b.tokenIds()[row]).startsWith(1, 3 + 'h' % 97, 3 + 'i' % 97, 2, 2).endsWith(2);
        assertThat(b.attentionMask()[row]).startsWith(1, 1, 1, 0).endsWith(0);
        assertThatThrownBy(() -> new WindowSampler(new FakeTokenizer(OptionalInt.of(1), OptionalInt.empty(),
                OptionalInt.empty()), d, 8, 1, 0L))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("neither a pad nor an EOS token");
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new WindowSampler(TOK, mixedLengths(), 1, 0, 0L))
                .hasMessageContaining("sequenceLength");
        WindowSampler s = new WindowSampler(TOK, mixedLengths(), 16, 4, 0L);
        assertThatThrownBy(() -> s.next(0)).hasMessageContaining("examples");
        assertThatThrownBy(() -> s.seek(-1)).hasMessageContaining("position");
    }

    /** A tokenizer with chosen special tokens; text encodes to one id per char, in 3..99. */
    private record FakeTokenizer(OptionalInt bosId, OptionalInt eosId, OptionalInt padId) implements TextTokenizer {
        @Override
        public int[] encode(String text) {
            return text.chars().map(c -> 3 + c % 97).toArray();
        }

        @Override
        public String decode(int[] ids) {
            return "";
        }

        @Override
        public int vocabSize() {
            return 100;
        }

        @Override
        public OptionalInt tokenId(String token) {
            return OptionalInt.empty();
        }
    }
}
