package dev.quietstar.onnx.infer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quietstar.api.GenerationOptions;
import dev.quietstar.api.GenerationResult;
import dev.quietstar.api.ThinkingPolicy;
import dev.quietstar.core.infer.DecoderStep;
import dev.quietstar.core.infer.OutputSampler;
import dev.quietstar.core.infer.ThinkThenTalk;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.onnx.TinyCheckpointFiles;
import dev.quietstar.onnx.export.OnnxExporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OnnxDecoderStepTest {

    @TempDir
    Path tmp;

    private Path export(String arch) throws Exception {
        Path ckpt = tmp.resolve("ckpt");
        if ("llama".equals(arch)) {
            TinyCheckpointFiles.llama(ckpt, 2, 2);
        } else {
            TinyCheckpointFiles.gpt2(ckpt, 2, 2);
        }
        Path out = tmp.resolve("onnx");
        OnnxExporter.builder().setCheckpoint(ckpt).setOutput(out).build().export();
        return out;
    }

    /** Greedy decoding that feeds the whole sequence with no cache for every token (meta-tokens masked). */
    private static List<Integer> recomputedGreedy(OnnxDecoderStep step, int[] prompt, int tokens) {
        List<Long> seq = new ArrayList<>();
        for (int id : prompt) {
            seq.add((long) id);
        }
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < tokens; t++) {
            int len = seq.size();
            long[] ids = seq.stream().mapToLong(Long::longValue).toArray();
            long[] pos = new long[len];
            boolean[][] valid = new boolean[1][len];
            for (int i = 0; i < len; i++) {
                pos[i] = i;
                valid[0][i] = true;
            }
            DecoderStep.Output<OnnxDecoderStep.Cache> o = step.forward(ids, pos, 1, len,
                    ThinkThenTalk.causalWithPadding(valid, len), null);
            step.release(o.cache());
            float[] logits = o.logits();
            logits[ByteTokenizer.START_OF_THOUGHT] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            logits[ByteTokenizer.END_OF_THOUGHT] += ThinkThenTalk.META_TOKEN_LOGIT_MASK;
            int next = OutputSampler.argMax(logits, 0, logits.length);
            seq.add((long) next);
            out.add(next);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    void cachedGenerationWithoutThinkingEqualsRecomputingTheSequence(String arch) throws Exception {
        try (OnnxReasoner r = OnnxReasoner.open(export(arch))) {
            GenerationResult cached = r.generate("The cat", GenerationOptions.defaults(16)
                    .withThinking(ThinkingPolicy.never()));
            int[] prompt = ByteTokenizer.instance().withDocumentStart(ByteTokenizer.instance().encode("The cat"));
            OnnxDecoderStep step = new OnnxDecoderStep(r.model());
            List<Integer> recomputed = recomputedGreedy(step, prompt, 16);
            int stop = recomputed.indexOf(ByteTokenizer.EOS);
            assertThat(cached.tokenIds()).containsExactlyElementsOf(stop < 0 ? recomputed
                    : recomputed.subList(0, stop));
        }
    }
}
