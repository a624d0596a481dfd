package dev.quietstar.onnx;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.text.ByteTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes tiny random Quiet-STaR checkpoint folders (config.json, model.safetensors, quietstar.json, tokenizer.json)
 * in plain Java, so the ONNX backend's tests need no DJL: a 2-layer GPT-2 and a 2-layer Llama with grouped-query
 * attention (4 query heads, 2 key/value heads), both width 32 with the byte-level tokenizer.
 */
public final class TinyCheckpointFiles {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int H = 32;
    private static final int V = ByteTokenizer.VOCAB_SIZE;

    private TinyCheckpointFiles() {}

    /**
     * Writes a GPT-2 checkpoint.
     *
     * @param folder the folder to create
     * @param seed weights seed
     * @param thoughtLength sampled tokens per thought
     * @return the folder
     * @throws IOException when writing fails
     */
    public static Path gpt2(Path folder, long seed, int thoughtLength) throws IOException {
        int inter = 4 * H;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", new long[] {V, H});
        shapes.put("transformer.wpe.weight", new long[] {128, H});
        for (int i = 0; i < 2; i++) {
            String p = "transformer.h." + i + ".";
            shapes.put(p + "ln_1.weight", new long[] {H});
            shapes.put(p + "ln_1.bias", new long[] {H});
            shapes.put(p + "attn.c_attn.weight", new long[] {H, 3 * H});
            shapes.put(p + "attn.c_attn.bias", new long[] {3 * H});
            shapes.put(p + "attn.c_proj.weight", new long[] {H, H});
            shapes.put(p + "attn.c_proj.bias", new long[] {H});
            shapes.put(p + "ln_2.weight", new long[] {H});
            shapes.put(p + "ln_2.bias", new long[] {H});
            shapes.put(p + "mlp.c_fc.weight", new long[] {H, inter});
            shapes.put(p + "mlp.c_fc.bias", new long[] {inter});
            shapes.put(p + "mlp.c_proj.weight", new long[] {inter, H});
            shapes.put(p + "mlp.c_proj.bias", new long[] {H});
        }
        shapes.put("transformer.ln_f.weight", new long[] {H});
        shapes.put("transformer.ln_f.bias", new long[] {H});
        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "gpt2");
        config.put("vocab_size", V);
        config.put("n_embd", H);
        config.put("n_layer", 2);
        config.put("n_head", 4);
        config.put("n_inner", inter);
        config.put("n_positions", 128);
        config.put("layer_norm_epsilon", 1e-5);
        return write(folder, seed, thoughtLength, shapes, config);
    }

    /**
     * Writes a Llama checkpoint with grouped-query attention and an untied lm_head.
     *
     * @param folder the folder to create
     * @param seed weights seed
     * @param thoughtLength sampled tokens per thought
     * @return the folder
     * @throws IOException when writing fails
     */
    public static Path llama(Path folder, long seed, int thoughtLength) throws IOException {
        int hd = 8;
        int inter = 64;
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[] {V, H});
        for (int i = 0; i < 2; i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new long[] {H});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {4 * hd, H});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {2 * hd, H});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {2 * hd, H});
            shapes.put(p + "self_attn.o_proj.weight", new long[] {H, 4 * hd});
            shapes.put(p + "post_attention_layernorm.weight", new long[] {H});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {inter, H});
            shapes.put(p + "mlp.up_proj.weight", new long[] {inter, H});
            shapes.put(p + "mlp.down_proj.weight", new long[] {H, inter});
        }
        shapes.put("model.norm.weight", new long[] {H});
        shapes.put("lm_head.weight", new long[] {V, H});
        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "llama");
        config.put("vocab_size", V);
        config.put("hidden_size", H);
        config.put("num_hidden_layers", 2);
        config.put("num_attention_heads", 4);
        config.put("num_key_value_heads", 2);
        config.put("head_dim", hd);
        config.put("intermediate_size", inter);
        config.put("max_position_embeddings", 128);
        config.put("rope_theta", 10000.0);
        config.put("rms_norm_eps", 1e-6);
        config.put("tie_word_embeddings", false);
        return write(folder, seed, thoughtLength, shapes, config);
    }

    private static Path write(Path folder, long seed, int thoughtLength, Map<String, long[]> shapes,
            ObjectNode config) throws IOException {
        shapes.put("quietstar.start_embedding", new long[] {H});
        shapes.put("quietstar.end_embedding", new long[] {H});
        shapes.put("quietstar.mixing_head.0.weight", new long[] {H, 2 * H});
        shapes.put("quietstar.mixing_head.0.bias", new long[] {H});
        shapes.put("quietstar.mixing_head.2.weight", new long[] {H, H});
        shapes.put("quietstar.mixing_head.2.bias", new long[] {H});
        shapes.put("quietstar.mixing_head.4.weight", new long[] {1, H});
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, float[]> data = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) {
                n *= d;
            }
            float[] d = new float[(int) n];
            boolean norm = e.getKey().contains("ln_") || e.getKey().contains("norm");
            for (int i = 0; i < d.length; i++) {
                double u = rng.nextDouble() * 2 - 1;
                d[i] = (float) (norm && e.getKey().endsWith(".weight") ? 1 + 0.2 * u : 0.3 * u);
            }
            data.put(e.getKey(), d);
        }
        Files.createDirectories(folder);
        writeSafetensors(folder.resolve("model.safetensors"), shapes, data);
        Files.writeString(folder.resolve("config.json"), JSON.writeValueAsString(config));
        Files.writeString(folder.resolve("tokenizer.json"), ByteTokenizer.instance().toSpecJson());
        ObjectNode meta = JSON.createObjectNode();
        meta.put("format_version", 1);
        meta.set("config", JSON.valueToTree(QuietStarConfig.official().withShape(thoughtLength, 2, 1, 32)));
        meta.put("start_token_id", ByteTokenizer.START_OF_THOUGHT);
        meta.put("end_token_id", ByteTokenizer.END_OF_THOUGHT);
        meta.put("meta_tokens_initialised", true);
        meta.put("tokenizer_type", "byte-level");
        meta.putObject("appended_tokens");
        Files.writeString(folder.resolve("quietstar.json"), JSON.writeValueAsString(meta));
        return folder;
    }

    /** Writes float32 tensors in the safetensors layout with core's writer. */
    static void writeSafetensors(Path file, Map<String, long[]> shapes, Map<String, float[]> data)
            throws IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            tensors.put(e.getKey(), new FloatTensor(e.getValue(), data.get(e.getKey())));
        }
        SafetensorsWriter.writeFloats(file, tensors);
    }
}
