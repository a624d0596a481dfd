package dev.quietstar.core.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Chooses the positions of a training row that get a thought when a Quiet-STaR step thinks at a subset of them
 * ({@code positions} in the configuration). Engine-neutral: it reads token ids and attention masks held in Java.
 *
 * <p>The candidates of a row are the positions 0..L-2 whose next token is real: every position whose thought the
 * objective can score (a thought at L-1 or before a padded token predicts nothing). Positions after L-2-lookahead
 * stay candidates and are treated as when every position thinks: their look-ahead steps that still have a target
 * are scored, and they earn no reward.
 *
 * <p>Every method returns one ascending array of positions per row; rows may hold different numbers of them.
 */
public final class ThoughtPositions {

    private ThoughtPositions() {}

    /**
     * The candidate positions of one row.
     *
     * @param attention the row's attention mask, 1 for a real token
     * @return positions i in 0..L-2 with attention[i + 1] == 1, ascending
     */
    public static int[] candidates(int[] attention) {
        int[] out = new int[Math.max(0, attention.length - 1)];
        int n = 0;
        for (int i = 0; i + 1 < attention.length; i++) {
            if (attention[i + 1] != 0) {
                out[n++] = i;
            }
        }
        return Arrays.copyOf(out, n);
    }

    /**
     * k distinct candidates per row, uniformly at random (a partial Fisher-Yates shuffle); a row with k or fewer
     * candidates gets all of them.
     *
     * @param attention attention masks, one row per example
     * @param count k, at least 1
     * @param rng the random source, advanced by every draw
     * @return the chosen positions of each row, ascending
     */
    public static int[][] random(int[][] attention, int count, SplittableRandom rng) {
        requireCount(count);
        Objects.requireNonNull(rng, "rng");
        int[][] out = new int[attention.length][];
        for (int r = 0; r < attention.length; r++) {
            int[] c = candidates(attention[r]);
            int k = Math.min(count, c.length);
            for (int j = 0; j < k; j++) {
                int pick = j + rng.nextInt(c.length - j);
                int t = c[j];
                c[j] = c[pick];
                c[pick] = t;
            }
            out[r] = Arrays.copyOf(c, k);
            Arrays.sort(out[r]);
        }
        return out;
    }

    /**
     * The candidates at which an occurrence of a marker's token sequence ends (its last token's position);
     * occurrences may overlap. Tokens of the marker that are padding do not match.
     *
     * @param ids token ids, one row per example
     * @param attention attention masks
     * @param marker the marker's token ids, non-empty
     * @return the matching positions of each row, ascending; empty for a row without the marker
     */
    public static int[][] marker(int[][] ids, int[][] attention, int[] marker) {
        if (marker.length == 0) {
            throw new IllegalArgumentException("the marker must encode to at least one token");
        }
        int[][] out = new int[ids.length][];
        for (int r = 0; r < ids.length; r++) {
            List<Integer> hits = new ArrayList<>();
            for (int i : candidates(attention[r])) {
                if (endsAt(ids[r], attention[r], marker, i)) {
                    hits.add(i);
                }
            }
            out[r] = hits.stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    private static boolean endsAt(int[] row, int[] attention, int[] marker, int end) {
        int start = end - marker.length + 1;
        if (start < 0) {
            return false;
        }
        for (int j = 0; j < marker.length; j++) {
            if (row[start + j] != marker[j] || attention[start + j] == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The k candidates with the highest scores per row; equal scores are ordered at random, so an untrained gate
     * (which scores every position the same) chooses like {@link #random}.
     *
     * @param scores a score per row and position, the same shape as the attention masks
     * @param attention attention masks
     * @param count k, at least 1
     * @param rng breaks ties; advanced by every row
     * @return the chosen positions of each row, ascending
     */
    public static int[][] top(double[][] scores, int[][] attention, int count, SplittableRandom rng) {
        requireCount(count);
        int[][] out = new int[attention.length][];
        for (int r = 0; r < attention.length; r++) {
            int[] c = candidates(attention[r]);
            for (int j = c.length - 1; j > 0; j--) { // shuffle first: the stable sort then breaks ties at random
                int pick = rng.nextInt(j + 1);
                int t = c[j];
                c[j] = c[pick];
                c[pick] = t;
            }
            double[] row = scores[r];
            Integer[] order = Arrays.stream(c).boxed().toArray(Integer[]::new);
            Arrays.sort(order, (a, b) -> Double.compare(row[b], row[a]));
            int k = Math.min(count, order.length);
            out[r] = new int[k];
            for (int j = 0; j < k; j++) {
                out[r][j] = order[j];
            }
            Arrays.sort(out[r]);
        }
        return out;
    }

    /**
     * Repeats each example's positions for its adjacent copies (the {@code thoughtsPerPosition} rows of one example
     * think at the same positions, so the advantage's baseline compares thoughts at one position).
     *
     * @param perExample positions per example
     * @param copies rows per example
     * @return positions per row
     */
    public static int[][] repeatRows(int[][] perExample, int copies) {
        int[][] out = new int[perExample.length * copies][];
        for (int e = 0; e < perExample.length; e++) {
            for (int c = 0; c < copies; c++) {
                out[e * copies + c] = perExample[e].clone();
            }
        }
        return out;
    }

    private static void requireCount(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("the number of thought positions must be at least 1, was " + count);
        }
    }
}
