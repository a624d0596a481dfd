package dev.quietstar.core.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.core.checkpoint.DecoderSpec;
import dev.quietstar.core.checkpoint.FloatTensor;
import dev.quietstar.core.checkpoint.SafetensorsWriter;
import dev.quietstar.core.text.ByteTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tiny HuggingFace model folders of every supported {@code model_type}, written the way transformers writes them: a
 * {@code config.json} in each model's own field names (with the fields a real file of that type carries, and some
 * left out so that the defaults are exercised) and a {@code model.safetensors} holding exactly the tensors
 * {@link ReferenceDecoder#tensorShapes} lists for it, every one random (norm weights around 1). Nothing here comes
 * from the library's own decoder layouts, so a backend that expects another tensor set fails to load them.
 *
 * <p>Every model has the byte tokenizer's 261-id vocabulary (meta-tokens included), width at most 64 and two layers.
 */
public final class TinyHfFolders {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The architectures {@link #config} knows, each a distinct reading of {@code config.json}. */
    public static final List<String> ARCHITECTURES = List.of("gpt2", "llama", "llama-linear", "llama3", "mistral",
            "qwen2", "qwen3", "qwen3-biased", "phi3", "phi3-partial", "gemma3", "gemma3-v5");

    private TinyHfFolders() {}

    /**
     * The {@code config.json} of a tiny model.
     *
     * <ul>
     *   <li>{@code gpt2}: 4 heads of 8, {@code n_inner} left out (4H).
     *   <li>{@code llama}: 4 query heads over 2 key/value heads, {@code attention_bias} true (q/k/v and o biases),
     *       untied lm_head.
     *   <li>{@code llama-linear}: as llama without biases, linear rope scaling in the old {@code type} spelling.
     *   <li>{@code llama3}: Llama 3.1 rope scaling whose bands all hold one of the four frequencies of a head of 8.
     *   <li>{@code mistral}: an explicit {@code head_dim} of 12 (heads * head_dim != hidden), one key/value head,
     *       {@code sliding_window} 24 below 64 positions, rope_theta 1e6.
     *   <li>{@code qwen2}: q/k/v biases (always, as Qwen2 has them), tied embeddings, {@code use_sliding_window}
     *       false.
     *   <li>{@code qwen3}: per-head q/k norms, an explicit {@code head_dim} of 16 (heads * head_dim = 64 != 32),
     *       no biases, tied embeddings, {@code sliding_window} null.
     *   <li>{@code qwen3-biased}: {@code attention_bias} true (q/k/v and o), untied, {@code use_sliding_window} true
     *       with a window of 28 over layers from {@code max_window_layers} 1 on.
     *   <li>{@code phi3}: fused projections, 4 query heads over 2 key/value heads, {@code sliding_window} 27 below 64
     *       positions (as Phi-3-mini's 2047 below 4096), untied, {@code rope_scaling} null, rms_norm_eps left to
     *       Phi3Config's default.
     *   <li>{@code phi3-partial}: {@code partial_rotary_factor} 0.75 on heads of 16 (12 values rotate, 4 pass),
     *       3 query heads over 1 key/value head with head_dim 16 on a width of 48, tied embeddings, as Phi-4-mini.
     *   <li>{@code gemma3}: Gemma 3 as transformers 4 writes it: 4 query heads over 2 key/value heads of
     *       {@code head_dim} 16 on a width of 32, {@code query_pre_attn_scalar} 24 (so a 1/sqrt(head_dim) scale
     *       would differ), {@code layer_types} sliding then full, {@code sliding_window} 24 below 64 positions,
     *       {@code rope_local_base_freq} 1e4 on the sliding layer and {@code rope_theta} 1e6 with linear
     *       {@code rope_scaling} 8 on the full one (as Gemma 3 4B and larger), {@code tie_word_embeddings} left to
     *       its default (tied), norm weights around 0 (they are offsets from 1).
     *   <li>{@code gemma3-v5}: Gemma 3 as transformers 5 writes it: {@code rope_parameters} keyed by layer type,
     *       no {@code layer_types} but {@code sliding_window_pattern} 2 (layer 0 slides, layer 1 is full),
     *       {@code head_dim} 8 on 4 heads of a width of 32 over one key/value head,
     *       {@code attention_bias} true (q/k/v and o biases), an untied lm_head, {@code sliding_window} 28 below
     *       48 positions.
     * </ul>
     *
     * @param arch one of {@link #ARCHITECTURES}
     * @return the JSON object
     */
    public static ObjectNode config(String arch) {
        ObjectNode n = JSON.createObjectNode();
        n.put("vocab_size", ByteTokenizer.VOCAB_SIZE);
        n.put("torch_dtype", "float32");
        n.put("bos_token_id", 256);
        n.put("eos_token_id", 257);
        switch (arch) {
            case "gpt2" -> {
                n.put("model_type", "gpt2");
                n.putArray("architectures").add("GPT2LMHeadModel");
                n.put("n_embd", 32);
                n.put("n_layer", 2);
                n.put("n_head", 4);
                n.put("n_positions", 64);
                n.put("n_ctx", 64);
                n.put("layer_norm_epsilon", 1e-5);
                n.put("activation_function", "gelu_new");
                n.put("resid_pdrop", 0.1);
                n.put("scale_attn_weights", true);
            }
            case "llama", "llama-linear", "llama3" -> {
                llamaLike(n, "llama", "LlamaForCausalLM", 32, 4, 2, 48, 64);
                n.put("rms_norm_eps", 1e-5);
                n.put("rope_theta", 10000.0);
                n.put("tie_word_embeddings", false);
                n.put("attention_bias", "llama".equals(arch));
                n.put("mlp_bias", false);
                if ("llama-linear".equals(arch)) {
                    n.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
                } else if ("llama3".equals(arch)) {
                    n.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0)
                            .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0)
                            .put("original_max_position_embeddings", 64);
                } else {
                    n.putNull("rope_scaling");
                }
            }
            case "mistral" -> {
                llamaLike(n, "mistral", "MistralForCausalLM", 32, 4, 1, 40, 64);
                n.put("head_dim", 12);
                n.put("rms_norm_eps", 1e-5);
                n.put("rope_theta", 1000000.0);
                n.put("sliding_window", 24);
                n.put("tie_word_embeddings", false);
            }
            case "qwen2" -> {
                llamaLike(n, "qwen2", "Qwen2ForCausalLM", 32, 4, 2, 40, 64);
                n.put("rope_theta", 1000000.0);
                n.put("tie_word_embeddings", true);
                n.put("use_sliding_window", false);
                n.put("sliding_window", 4096);
                n.put("max_window_layers", 21);
            }
            case "qwen3", "qwen3-biased" -> {
                boolean biased = "qwen3-biased".equals(arch);
                llamaLike(n, "qwen3", "Qwen3ForCausalLM", 32, 4, 2, 48, 64);
                n.put("head_dim", 16);
                n.put("rms_norm_eps", 1e-6);
                n.put("rope_theta", 1000000.0);
                n.putNull("rope_scaling");
                n.put("tie_word_embeddings", !biased);
                n.put("attention_bias", biased);
                n.put("use_sliding_window", biased);
                if (biased) {
                    n.put("sliding_window", 28);
                } else {
                    n.putNull("sliding_window");
                }
                n.put("max_window_layers", biased ? 1 : 28);
            }
            case "phi3" -> {
                llamaLike(n, "phi3", "Phi3ForCausalLM", 32, 4, 2, 48, 64);
                n.put("rope_theta", 10000.0);
                n.putNull("rope_scaling");
                n.put("sliding_window", 27);
                n.put("original_max_position_embeddings", 64);
                n.put("tie_word_embeddings", false);
                n.put("resid_pdrop", 0.0);
                n.put("embd_pdrop", 0.0);
                n.put("pad_token_id", 258);
            }
            case "phi3-partial" -> {
                llamaLike(n, "phi3", "Phi3ForCausalLM", 48, 3, 1, 64, 64);
                n.put("rms_norm_eps", 1e-5);
                n.put("rope_theta", 250000.0);
                n.put("partial_rotary_factor", 0.75);
                n.putNull("sliding_window");
                n.put("tie_word_embeddings", true);
            }
            case "gemma3" -> {
                gemmaLike(n, 32, 4, 2, 16, 48, 64);
                n.put("query_pre_attn_scalar", 24);
                n.put("sliding_window", 24);
                n.putArray("layer_types").add("sliding_attention").add("full_attention");
                n.put("rope_theta", 1000000.0);
                n.put("rope_local_base_freq", 10000.0);
                n.putObject("rope_scaling").put("rope_type", "linear").put("factor", 8.0);
                n.put("attention_bias", false);
                n.put("_sliding_window_pattern", 2);
            }
            case "gemma3-v5" -> {
                gemmaLike(n, 32, 4, 1, 8, 40, 48);
                n.put("query_pre_attn_scalar", 12);
                n.put("sliding_window", 28);
                n.put("sliding_window_pattern", 2);
                ObjectNode rope = n.putObject("rope_parameters");
                rope.putObject("full_attention").put("rope_type", "default").put("rope_theta", 1000000.0);
                rope.putObject("sliding_attention").put("rope_type", "default").put("rope_theta", 10000.0);
                n.put("attention_bias", true);
                n.put("tie_word_embeddings", false);
            }
            default -> throw new IllegalArgumentException("unknown tiny architecture " + arch);
        }
        return n;
    }

    private static void llamaLike(ObjectNode n, String type, String cls, int hidden, int heads, int kv, int inter,
            int positions) {
        n.put("model_type", type);
        n.putArray("architectures").add(cls);
        n.put("hidden_size", hidden);
        n.put("num_hidden_layers", 2);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kv);
        n.put("intermediate_size", inter);
        n.put("max_position_embeddings", positions);
        n.put("hidden_act", "silu");
        n.put("attention_dropout", 0.0);
        n.put("initializer_range", 0.02);
        n.put("use_cache", true);
    }

    private static void gemmaLike(ObjectNode n, int hidden, int heads, int kv, int headDim, int inter,
            int positions) {
        n.put("model_type", "gemma3_text");
        n.putArray("architectures").add("Gemma3ForCausalLM");
        n.put("hidden_size", hidden);
        n.put("num_hidden_layers", 2);
        n.put("num_attention_heads", heads);
        n.put("num_key_value_heads", kv);
        n.put("head_dim", headDim);
        n.put("intermediate_size", inter);
        n.put("max_position_embeddings", positions);
        n.put("hidden_activation", "gelu_pytorch_tanh");
        n.put("rms_norm_eps", 1e-6);
        n.putNull("final_logit_softcapping");
        n.putNull("attn_logit_softcapping");
        n.put("use_bidirectional_attention", false);
        n.put("attention_dropout", 0.0);
        n.put("initializer_range", 0.02);
        n.put("use_cache", true);
        n.put("pad_token_id", 258);
    }

    /**
     * Writes a word-level {@code tokenizer.json} in the HuggingFace format (whitespace and punctuation split, unknown
     * words to {@code [UNK]}) of 64 entries, so that a tiny folder opens like a downloaded one with {@code --model-hf}.
     * Its ids lie inside every tiny model's vocabulary; the meta-tokens are appended after the model's vocabulary.
     *
     * @param folder the model folder
     * @throws IOException when writing fails
     */
    public static void writeWordTokenizer(Path folder) throws IOException {
        writeWordTokenizer(folder, 64);
    }

    /**
     * Writes the word-level {@code tokenizer.json} of {@link #writeWordTokenizer(Path)} with {@code size} entries
     * (the words, then {@code w<id>} fillers): with the model's whole vocabulary every id a model can generate decodes
     * to a word of its own, so two continuations print the same text only when they are the same tokens.
     *
     * @param folder the model folder
     * @param size entries, at least 40
     * @throws IOException when writing fails
     */
    public static void writeWordTokenizer(Path folder, int size) throws IOException {
        String[] words = {"[UNK]", "<s>", "</s>", "<pad>", "---", "the", "cat", "sat", "on", "mat", "a", "dog", ".",
            ",", "=", "+", "*", ";", "The", "Quiet", "thoughts", "before", "speaking", "every", "time", "thinking",
            "helps", "and", "12", "34", "46", "7", "8", "56", "9", "81", "Once", "upon", "there", "was"};
        ObjectNode vocab = JSON.createObjectNode();
        if (size < words.length) {
            throw new IllegalArgumentException("a word tokenizer needs at least " + words.length + " entries");
        }
        for (int i = 0; i < size; i++) {
            vocab.put(i < words.length ? words[i] : "w" + i, i);
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens").addObject().put("id", 1).put("content", "<s>").put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "Whitespace");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        model.set("vocab", vocab);
        model.put("unk_token", "[UNK]");
        Files.writeString(folder.resolve("tokenizer.json"), JSON.writeValueAsString(root));
    }

    /**
     * Writes a folder for one of {@link #ARCHITECTURES}.
     *
     * @param folder the folder (created)
     * @param arch the architecture
     * @param seed the weights' seed
     * @return the folder
     * @throws IOException when writing fails
     */
    public static Path write(Path folder, String arch, long seed) throws IOException {
        return write(folder, config(arch), seed);
    }

    /**
     * Writes {@code config.json} as given and random weights for every tensor the reference expects of it.
     *
     * @param folder the folder (created)
     * @param config the configuration
     * @param seed the weights' seed
     * @return the folder
     * @throws IOException when writing fails
     */
    public static Path write(Path folder, ObjectNode config, long seed) throws IOException {
        DecoderSpec spec = DecoderSpec.fromJson(config);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(config));
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : ReferenceDecoder.tensorShapes(spec).entrySet()) {
            long size = 1;
            for (long d : e.getValue()) {
                size *= d;
            }
            float[] d = new float[Math.toIntExact(size)];
            String name = e.getKey();
            boolean norm = (name.contains("norm") || name.contains("ln_")) && name.endsWith(".weight");
            // Gemma's norms multiply by 1 + w: their stored weights are offsets around 0
            double normCentre = "gemma3_text".equals(spec.modelType()) ? 0 : 1;
            for (int i = 0; i < d.length; i++) {
                double u = rng.nextDouble() * 2 - 1;
                d[i] = (float) (norm ? normCentre + 0.2 * u : 0.3 * u);
            }
            tensors.put(name, new FloatTensor(e.getValue(), d));
        }
        SafetensorsWriter.writeFloats(folder.resolve("model.safetensors"), tensors);
        return folder;
    }
}
