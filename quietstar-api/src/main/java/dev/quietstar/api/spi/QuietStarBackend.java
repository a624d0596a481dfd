package dev.quietstar.api.spi;

import dev.quietstar.api.ComputeDevice;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingSetup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A created backend: the factory of the trainers and reasoners it supports.
 *
 * <p>Callers see plain Java values only; each backend keeps its own tensor type inside. Methods for capabilities
 * the backend does not list throw {@link UnsupportedCapabilityException}.
 */
public interface QuietStarBackend {

    /**
     * The backend's name, equal to its provider's.
     *
     * @return the name
     */
    String name();

    /**
     * What this backend can do here.
     *
     * @return the capabilities
     */
    Set<Capability> capabilities();

    /**
     * Creates a trainer for the given model, configuration and output folder.
     *
     * @param setup what to train and where to write it
     * @return a trainer, ready to {@link Trainer#train(dev.quietstar.api.Dataset)}
     * @throws UnsupportedCapabilityException when the backend cannot train
     */
    default Trainer newTrainer(TrainingSetup setup) {
        throw new UnsupportedCapabilityException(name(), Capability.TRAIN);
    }

    /**
     * Loads a checkpoint folder for think-then-talk generation and scoring.
     *
     * @param checkpoint the checkpoint folder
     * @return a reasoner over that model
     * @throws UnsupportedCapabilityException when the backend cannot run inference
     */
    default Reasoner openReasoner(Path checkpoint) {
        throw new UnsupportedCapabilityException(name(), Capability.INFER);
    }

    /**
     * Evaluates the Quiet-STaR objective once with forced thoughts and returns every loss, reward, mixing weight
     * and gradient norm, for checking the numbers against another implementation (docs/probe.md gives both file
     * formats).
     *
     * @param checkpoint the checkpoint folder whose weights and {@code quietstar.json} are used
     * @param input the probe's input JSON file ({@code input_ids}, {@code thought_ids}, {@code pad_id})
     * @return the output JSON, snake_case keys
     * @throws IOException when the input cannot be read
     * @throws UnsupportedCapabilityException when the backend cannot train (the probe needs gradients)
     */
    default String probe(Path checkpoint, Path input) throws IOException {
        throw new UnsupportedCapabilityException(name(), Capability.TRAIN);
    }

    /**
     * Exports a checkpoint folder to this backend's format (for example ONNX) so that the backend can run it with
     * {@link #openReasoner(Path)}.
     *
     * <p>The output is a new or empty folder; a folder holding anything (an earlier export included) is refused and
     * left as it is. {@link #export(Path, Path, boolean)} can replace an earlier export.
     *
     * @param checkpoint the checkpoint folder
     * @param output the folder to write
     * @return the folder written
     * @throws IOException when writing fails
     * @throws UnsupportedCapabilityException when the backend cannot export
     */
    default Path export(Path checkpoint, Path output) throws IOException {
        throw new UnsupportedCapabilityException(name(), Capability.EXPORT);
    }

    /**
     * Exports a checkpoint folder as {@link #export(Path, Path)} does, optionally replacing an earlier export of this
     * backend in the output folder (atomically). A folder that is not an earlier export is never replaced.
     *
     * <p>The default implementation calls {@link #export(Path, Path)} and cannot replace.
     *
     * @param checkpoint the checkpoint folder
     * @param output the folder to write
     * @param replaceExisting whether an earlier export in {@code output} is replaced instead of refused
     * @return the folder written
     * @throws IOException when writing fails
     * @throws UnsupportedCapabilityException when the backend cannot export
     * @throws IllegalArgumentException when replacing is asked of a backend that cannot replace an export
     */
    default Path export(Path checkpoint, Path output, boolean replaceExisting) throws IOException {
        if (replaceExisting) {
            throw new IllegalArgumentException("backend " + name() + " cannot replace an earlier export; delete "
                    + output + " or choose a new output folder");
        }
        return export(checkpoint, output);
    }

    /**
     * Opens any model source for generation and scoring: a checkpoint as {@link #openReasoner(Path)} does, or a
     * plain pretrained model (a HuggingFace folder, a llama2.c checkpoint) equipped with untrained meta-tokens and
     * a mixing head whose output is exactly 0, so that it generates as the base model does until it is trained.
     *
     * <p>The default opens checkpoints only.
     *
     * @param source the model
     * @return a reasoner over that model
     * @throws UnsupportedCapabilityException when the backend cannot run inference
     * @throws IllegalArgumentException when the backend cannot open that kind of source
     */
    default Reasoner openReasoner(ModelSource source) {
        if (source instanceof ModelSource.Checkpoint c) {
            return openReasoner(c.folder());
        }
        throw new IllegalArgumentException("backend '" + name() + "' opens checkpoint folders only, not "
                + source.getClass().getSimpleName() + " sources");
    }

    /**
     * Opens any model source on a given device. The CPU is what {@link #openReasoner(ModelSource)} uses; a GPU is
     * used only when the engine reports it, and refused otherwise with a message saying what the engine sees.
     *
     * <p>The default runs on the CPU only.
     *
     * @param source the model
     * @param device where to run it
     * @return a reasoner over that model on that device
     * @throws UnsupportedCapabilityException when the backend cannot run on a GPU
     * @throws IllegalArgumentException when the device is not present
     */
    default Reasoner openReasoner(ModelSource source, ComputeDevice device) {
        if (device.gpu()) {
            throw new UnsupportedCapabilityException(name(), Capability.GPU);
        }
        return openReasoner(source);
    }
}
