package dev.quietstar.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.Dataset;
import dev.quietstar.core.text.ByteTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The exact seeded stream of {@link WindowSampler} (a resumed training run depends on it staying the same across
 * builds), the argument boundaries and the batch value.
 */
class WindowSamplerStreamTest {

    private static final ByteTokenizer TOK = new ByteTokenizer();

    private static Dataset docs() {
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            docs.add(i % 2 == 0 ? "s" + i : "a longer document " + i + " beyond the window");
        }
        return TextDatasets.fromStrings("five", docs);
    }

    @Test
    void aSeededStreamIsFixed() {
        WindowSampler s = new WindowSampler(TOK, docs(), 12, 2, 3L);
        WindowSampler.Batch b = s.next(10);
        // two epochs of the 5 documents, each a permutation
        assertThat(b.documentIndex()).containsExactly(GOLDEN_DOCS);
        List<Integer> starts = new ArrayList<>();
        for (int r = 0; r < 10; r++) {
            int d = b.documentIndex()[r];
            if (d % 2 == 1) {
                int[] body = TOK.encode("a longer document " + d + " beyond the window");
                int[] full = new int[body.length + 1];
                full[0] = ByteTokenizer.BOS;
                System.arraycopy(body, 0, full, 1, body.length);
                int start = -1;
                for (int k = 0; k + 12 <= full.length && start < 0; k++) {
                    if (java.util.Arrays.equals(full, k, k + 12, b.tokenIds()[r], 0, 12)) {
                        start = k;
                    }
                }
                assertThat(start).as("row %d is a slice of its document", r).isGreaterThanOrEqualTo(0);
                starts.add(start);
                assertThat(b.attentionMask()[r]).as("a full window is all real tokens").containsOnly(1);
            }
        }
        assertThat(starts).containsExactly(GOLDEN_STARTS);
        assertThat(s.position()).isEqualTo(10);
        assertThat(s.epoch()).isEqualTo(2);
    }

    // Recorded from this implementation: a change here means checkpoints of earlier builds resume on other data.
    private static final int[] GOLDEN_DOCS = {4, 1, 2, 0, 3, 1, 0, 2, 4, 3};
    private static final Integer[] GOLDEN_STARTS = {8, 12, 1, 24};

    @Test
    void boundariesOfTheArgumentsAreInclusive() {
        // 4 + 3 tokens with BOS is exactly sequenceLength + lookahead
        Dataset tiny = TextDatasets.fromStrings("tiny", List.of("abc", "de"));
        WindowSampler s = new WindowSampler(TOK, tiny, 5, 2, 0L);
        assertThat(s.totalTokens()).isEqualTo(7);
        assertThat(s.sequenceLength()).isEqualTo(5);
        assertThat(s.lookahead()).isEqualTo(2);
        assertThat(s.dataset()).isSameAs(tiny);
        assertThat(new WindowSampler(TOK, tiny, 2, 0, 0L).lookahead()).isZero();
        assertThatThrownBy(() -> new WindowSampler(TOK, tiny, 5, -1, 0L)).hasMessageContaining("lookahead");
        assertThatThrownBy(() -> new WindowSampler(TOK, TextDatasets.fromStrings("none", List.of()), 5, 1, 0L))
                .hasMessageContaining("holds no documents");
        s.seek(0);
        assertThat(s.position()).isZero();
        s.seek(7);
        assertThat(s.epoch()).isEqualTo(3);
        assertThat(s.next(1).size()).isEqualTo(1);
    }

    @Test
    void batchesAreValues() {
        WindowSampler a = new WindowSampler(TOK, docs(), 12, 2, 1L);
        WindowSampler b = new WindowSampler(TOK, docs(), 12, 2, 1L);
        WindowSampler.Batch x = a.next(3);
        WindowSampler.Batch y = b.next(3);
        assertThat(x).isEqualTo(y).hasSameHashCodeAs(y);
        assertThat(x.size()).isEqualTo(3);
        assertThat(x.toString()).isEqualTo("Batch[rows=3, documents=" + java.util.Arrays.toString(x.documentIndex())
                + "]");
        WindowSampler.Batch z = a.next(3);
        assertThat(z).isNotEqualTo(x);
        assertThat(z.hashCode()).isNotEqualTo(x.hashCode());
    }
}
