package dev.quietstar.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.model.Safetensors;
import dev.quietstar.djl.thought.MlpMixingHead;
import dev.quietstar.djl.thought.QuietStarModel;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe of docs/probe.md on tiny checkpoints. */
class ObjectiveProbeTest {

    static final int N = 3; // thought length
    static final int T = 2; // look-ahead
    static final int P = 2; // thoughts per position
    static final int L = 8;
    static final double BETA = 0.25;
    static final QuietStarConfig CONFIG = QuietStarConfig.official().withShape(N, T, P, L).withPolicyWeight(BETA);
    static final int[][] IDS = {
        {256, 72, 101, 108, 108, 111, 33, 10},
        {256, 52, 43, 53, 61, 57, 258, 258},
    };

    @TempDir
    Path dir;

    @BeforeAll
    static void engine() {
        DjlEngines.pytorch();
    }

    /** Writes a tiny GPT-2 checkpoint; a non-zero head makes thoughts change predictions. */
    static Path checkpoint(Path folder, boolean zeroHead) throws Exception {
        return checkpoint(folder, zeroHead, CONFIG);
    }

    /** Writes a tiny GPT-2 checkpoint with a given Quiet-STaR configuration. */
    static Path checkpoint(Path folder, boolean zeroHead, QuietStarConfig config) throws Exception {
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 64),
                Device.cpu(), 7);
        try (QuietStarModel model = QuietStarModel.create(d, ByteTokenizer.instance(), config, 7)) {
            if (!zeroHead) {
                NDArray w = model.mixingHead().parameters().get(MlpMixingHead.PREFIX + "4.weight").getArray();
                float[] v = new float[Math.toIntExact(w.size())];
                SplittableRandom rng = new SplittableRandom(5);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rng.nextDouble() * 2 - 1) * 0.5f;
                }
                w.set(v);
            }
            model.save(folder, config, null);
        }
        return folder;
    }

    static int[][][] thoughts(int rows, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[][][] t = new int[rows][L][N];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < L; i++) {
                for (int j = 0; j < N; j++) {
                    t[r][i][j] = rng.nextInt(256);
                }
            }
        }
        return t;
    }

    static ObjectiveProbe.Input input() {
        return new ObjectiveProbe.Input(IDS, thoughts(IDS.length * P, 11), ByteTokenizer.PAD);
    }

    @Test
    void outputHasTheDocumentedShapesAndKeys() throws Exception {
        Path ckpt = checkpoint(dir.resolve("ckpt"), false);
        ObjectiveProbe.Result r = ObjectiveProbe.run(ckpt, input());
        int rows = IDS.length * P;
        assertThat(r.baseNll()).hasDimensions(rows, L - 1);
        assertThat(r.talkNll()).hasNumberOfRows(T);
        assertThat(r.mixWeight()).hasNumberOfRows(T);
        for (int s = 0; s < T; s++) {
            assertThat(r.talkNll()[s]).hasDimensions(rows, L - 1 - s);
            assertThat(r.mixWeight()[s]).hasDimensions(rows, L - 1 - s);
        }
        assertThat(r.thoughtLogp()).hasNumberOfRows(rows);
        assertThat(r.thoughtLogp()[0]).hasDimensions(L, N);
        assertThat(r.rewards()).hasDimensions(rows, L - 1 - T);
        assertThat(r.advantages()).hasDimensions(rows, L - 1 - T);

        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertThat(json.fieldNames()).toIterable().containsExactly("total_loss", "nll_loss", "policy_loss",
                "base_nll", "talk_nll", "mix_weight", "thought_logp", "rewards", "advantages", "grad_norms");
        assertThat(json.get("talk_nll").get(1).get(0).size()).isEqualTo(L - 1 - 1);
        // Pad targets count as 0 in the per-position NLL: example 1 (rows 2 and 3) pads its last two ids.
        assertThat(r.baseNll()[2][6]).isZero();
        assertThat(r.baseNll()[2][5]).isZero();
        assertThat(r.baseNll()[2][4]).isPositive();
    }

    @Test
    void totalIsNllPlusWeightedPolicyAndEveryTensorHasAGradientNorm() throws Exception {
        Path ckpt = checkpoint(dir.resolve("ckpt"), false);
        try (QuietStarModel model = QuietStarModel.load(ckpt, Device.cpu())) {
            ObjectiveProbe.Result r = new ObjectiveProbe(model).run(input());
            assertThat(r.policyLoss()).isNotZero();
            assertThat((double) r.totalLoss()).isCloseTo(r.nllLoss() + BETA * r.policyLoss(), within(1e-5));
            java.util.Set<String> fileNames;
            try (NDManager m = NDManager.newBaseManager()) {
                fileNames = Safetensors.read(m, ckpt.resolve("model.safetensors")).keySet();
            }
            assertThat(r.gradNorms().keySet()).containsExactlyInAnyOrderElementsOf(fileNames);
            assertThat(r.gradNorms()).containsKeys("quietstar.start_embedding", "quietstar.end_embedding",
                    "quietstar.mixing_head.4.weight", "transformer.wte.weight");
            assertThat(r.gradNorms().values()).allSatisfy(v -> assertThat(v).isFinite().isNotNegative());
            assertThat(r.gradNorms().get("quietstar.mixing_head.4.weight")).isPositive();
            assertThat(r.gradNorms().get("quietstar.start_embedding")).isPositive();
            // At most one of the two thoughts of a position gets a positive advantage (P = 2).
            for (int b = 0; b < IDS.length; b++) {
                for (int i = 0; i < L - 1 - T; i++) {
                    assertThat(r.advantages()[b * P][i] > 0 && r.advantages()[b * P + 1][i] > 0).isFalse();
                }
            }
            // A second run gives the same numbers: gradients do not accumulate across runs.
            ObjectiveProbe.Result again = new ObjectiveProbe(model).run(input());
            assertThat(again.gradNorms()).isEqualTo(r.gradNorms());
            assertThat(again.totalLoss()).isEqualTo(r.totalLoss());
            assertThat(model.parameters().values()).noneMatch(p -> p.getArray().hasGradient());
        }
    }

    @Test
    void zeroHeadMakesTalkZeroNllEqualTheBaseNll() throws Exception {
        Path ckpt = checkpoint(dir.resolve("ckpt"), true);
        ObjectiveProbe.Result r = ObjectiveProbe.run(ckpt, input());
        for (int row = 0; row < IDS.length * P; row++) {
            assertThat(r.talkNll()[0][row]).containsExactly(r.baseNll()[row]);
            assertThat(r.mixWeight()[0][row]).containsOnly(0f);
        }
        for (float[] row : r.rewards()) {
            assertThat(row).containsOnly(0f);
        }
        assertThat(r.policyLoss()).isZero();
    }

    @Test
    void baseNllMatchesADirectDecoderComputation() throws Exception {
        Path ckpt = checkpoint(dir.resolve("ckpt"), false);
        try (QuietStarModel model = QuietStarModel.load(ckpt, Device.cpu())) {
            ObjectiveProbe.Result r = new ObjectiveProbe(model).run(input());
            int pos = 3; // predicts IDS[0][4] from IDS[0][0..3]
            float[] logits;
            try (NDManager m = model.manager().newSubManager()) {
                long[] prefix = new long[pos + 1];
                for (int i = 0; i <= pos; i++) {
                    prefix[i] = IDS[0][i];
                }
                NDArray ids = m.create(prefix, new Shape(1, pos + 1));
                NDArray hidden = model.decoder().forward(ids, null).hidden();
                logits = model.decoder().logits(hidden).get("0, " + pos).toFloatArray();
            }
            double max = Double.NEGATIVE_INFINITY;
            for (float v : logits) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (float v : logits) {
                sum += Math.exp(v - max);
            }
            double nll = max + Math.log(sum) - logits[IDS[0][pos + 1]];
            assertThat((double) r.baseNll()[0][pos]).isCloseTo(nll, within(1e-4));
            assertThat(r.baseNll()[1][pos]).isEqualTo(r.baseNll()[0][pos]); // the P copies share the base pass
        }
    }

    @Test
    void padsInsideARowAreAcceptedAndOnlyPadTargetsAreDropped() throws Exception {
        Path ckpt = checkpoint(dir.resolve("ckpt"), false);
        int pad = ByteTokenizer.PAD;
        int[][] packed = {{256, 72, 101, pad, pad, 256, 33, 10}, IDS[1]};
        ObjectiveProbe.Result r = ObjectiveProbe.run(ckpt, new ObjectiveProbe.Input(packed, thoughts(4, 11), pad));
        // Targets 3 and 4 are pad: their NLL is 0; position 4 (a pad) predicts the real token at 5.
        assertThat(r.baseNll()[0][2]).isZero();
        assertThat(r.baseNll()[0][3]).isZero();
        assertThat(r.baseNll()[0][4]).isPositive();
        assertThat(r.talkNll()[0][0][4]).isPositive();
        assertThat(Float.isFinite(r.totalLoss())).isTrue();
    }

    @Test
    void thoughtLengthZeroRunsWithAPolicyTermOfExactlyZero() throws Exception {
        QuietStarConfig pause = CONFIG.withShape(0, T, P, L);
        Path ckpt = checkpoint(dir.resolve("pause"), false, pause);
        ObjectiveProbe.Result r = ObjectiveProbe.run(ckpt,
                new ObjectiveProbe.Input(IDS, new int[IDS.length * P][L][0], ByteTokenizer.PAD));
        assertThat(r.policyLoss()).isZero();
        assertThat(r.totalLoss()).isEqualTo(r.nllLoss()).isPositive();
        assertThat(r.thoughtLogp()).hasNumberOfRows(IDS.length * P);
        assertThat(r.thoughtLogp()[0]).hasDimensions(L, 0);
        assertThat(r.gradNorms().get("quietstar.mixing_head.4.weight")).isPositive();
        assertThat(r.gradNorms().get("quietstar.end_embedding")).isPositive();
        assertThat(new ObjectMapper().readTree(r.toJson()).get("thought_logp").get(0).get(0).size()).isZero();
    }

    @Test
    void badInputIsRejectedWithAMessageNamingTheField() throws Exception {
        Path ckpt = checkpoint(dir.resolve("ckpt"), true);
        int pad = ByteTokenizer.PAD;
        try (QuietStarModel model = QuietStarModel.load(ckpt, Device.cpu())) {
            ObjectiveProbe probe = new ObjectiveProbe(model);
            assertThatThrownBy(() -> probe.run(new ObjectiveProbe.Input(IDS, thoughts(3, 1), pad)))
                    .hasMessageContaining("thought_ids must have shape [B*P][L][thoughtLength] = [4][8][3]")
                    .hasMessageContaining("3 rows");
            int[][][] meta = thoughts(4, 1);
            meta[1][2][0] = ByteTokenizer.START_OF_THOUGHT;
            assertThatThrownBy(() -> probe.run(new ObjectiveProbe.Input(IDS, meta, pad)))
                    .hasMessageContaining("thought_ids[1][2][0] = 259 is a meta-token");
            int[][] big = {{256, 72, 9999, 108, 108, 111, 33, 10}, IDS[1]};
            assertThatThrownBy(() -> probe.run(new ObjectiveProbe.Input(big, thoughts(4, 1), pad)))
                    .hasMessageContaining("input_ids[0][2] = 9999 is outside the model's vocabulary 0..260");
            int[][] ragged = {IDS[0], {256, 1, 2}};
            assertThatThrownBy(() -> probe.run(new ObjectiveProbe.Input(ragged, thoughts(4, 1), pad)))
                    .hasMessageContaining("input_ids[1] has 3");
            int[][] leadingPad = {{pad, 72, 101, 108, 108, 111, 33, 10}, IDS[1]};
            assertThatThrownBy(() -> probe.run(new ObjectiveProbe.Input(leadingPad, thoughts(4, 1), pad)))
                    .hasMessageContaining("input_ids[0][0] is pad_id 258; a row must start with a real token");
            int[][] longRows = {new int[60], new int[60]};
            assertThatThrownBy(() -> probe.run(new ObjectiveProbe.Input(longRows, new int[4][60][3], pad)))
                    .hasMessageContaining("but the model has 64");
        }
        assertThatThrownBy(() -> ObjectiveProbe.parseInput("{\"input_ids\": [[1,2]], \"pad\": 0}"))
                .hasMessageContaining("pad");
        assertThatThrownBy(() -> ObjectiveProbe.readInput(dir.resolve("missing.json")))
                .hasMessageContaining("does not exist");
    }
}
