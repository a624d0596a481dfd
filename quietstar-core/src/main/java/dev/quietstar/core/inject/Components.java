package dev.quietstar.core.inject;

import com.google.inject.Binding;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.spi.Element;
import com.google.inject.spi.Elements;
import dev.quietstar.api.MixingHead;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.infer.InferenceComponents;
import dev.quietstar.core.infer.ThoughtTokenSampler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one way to plug your own components into a backend: Guice modules handed to backend creation.
 *
 * <pre>{@code
 * QuietStarBackend backend = Components.create(Backends.discover().select(Capability.TRAIN), new AbstractModule() {
 *     protected void configure() {
 *         bind(Components.INFERENCE_MIXING_HEAD).toInstance(new MyMixingHead());
 *         bind(new TypeLiteral<RewardEstimator<NDArray>>() {}).to(MyEstimator.class);
 *     }
 * });
 * Trainer trainer = backend.newTrainer(setup);      // trains with MyEstimator
 * Reasoner reasoner = backend.openReasoner(source); // thinks with MyMixingHead
 * }</pre>
 *
 * <p>Each binding replaces the backend's default wherever the backend runs that component: in training and in
 * generation, scoring and evaluation. The backend says which components it takes ({@link GuiceBackend#componentKeys});
 * a binding the chosen backend has no use for fails here, at creation, with a message that names it and lists what
 * the backend takes, so no binding is ever ignored silently. A backend that does not implement {@link GuiceBackend}
 * takes no components.
 *
 * <p>Two keys are engine-neutral and taken by both shipped backends: {@link #INFERENCE_MIXING_HEAD} (a
 * {@code MixingHead<float[][]>} on {@code [rows][H]} hidden states, used by every thought at inference) and
 * {@link #INFERENCE_THOUGHT_SAMPLER} (a {@link ThoughtTokenSampler} that picks thought tokens at inference). Training
 * components are typed by the engine's array type (for example {@code RewardEstimator<NDArray>} on djl-pytorch),
 * so they are engine-specific by nature; each backend's documentation lists its keys.
 */
public final class Components {

    /** The engine-neutral mixing head used by every thought at inference, on {@code float[rows][H]} states. */
    public static final Key<MixingHead<float[][]>> INFERENCE_MIXING_HEAD =
            Key.get(new TypeLiteral<MixingHead<float[][]>>() { });

    /** The engine-neutral thought-token sampler used at inference. */
    public static final Key<ThoughtTokenSampler> INFERENCE_THOUGHT_SAMPLER = Key.get(ThoughtTokenSampler.class);

    private Components() {}

    /**
     * Creates a backend that uses the given components wherever it runs them.
     *
     * @param provider the backend's provider
     * @param overrides modules binding the user's components (none: the backend's defaults)
     * @return the backend
     * @throws IllegalArgumentException naming a binding the backend cannot use
     */
    public static QuietStarBackend create(BackendProvider provider, Module... overrides) {
        Objects.requireNonNull(provider, "provider");
        return withOverrides(provider.create(), List.of(overrides));
    }

    /**
     * Applies component overrides to a created backend.
     *
     * @param backend the backend
     * @param overrides modules binding the user's components
     * @return a backend that uses them (the same one when there are none)
     * @throws IllegalArgumentException naming a binding the backend cannot use
     */
    public static QuietStarBackend withOverrides(QuietStarBackend backend, List<Module> overrides) {
        Objects.requireNonNull(backend, "backend");
        List<Key<?>> bound = boundKeys(overrides);
        if (bound.isEmpty()) {
            return backend;
        }
        if (!(backend instanceof GuiceBackend g)) {
            throw new IllegalArgumentException("backend '" + backend.name() + "' takes no user components, but "
                    + "bindings were given for " + describe(bound) + "; use a backend that lists them");
        }
        Set<Key<?>> accepted = g.componentKeys();
        List<Key<?>> unused = bound.stream().filter(k -> !accepted.contains(k)).toList();
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException("backend '" + backend.name() + "' has no use for the binding(s) of "
                    + describe(unused) + "; it takes " + describe(new ArrayList<>(accepted))
                    + ". A component typed by another engine's arrays does not run on this one");
        }
        return g.withOverrides(List.copyOf(overrides));
    }

    /**
     * The engine-neutral inference components bound in some modules.
     *
     * @param overrides the user's modules
     * @return the components found, null where none is bound
     */
    public static InferenceComponents inference(List<Module> overrides) {
        // Only the inference bindings: the others (say, a training component that needs the model) are resolved
        // where the backend builds them.
        List<Element> kept = new ArrayList<>();
        for (Element e : Elements.getElements(overrides)) {
            if (e instanceof Binding<?> b && (b.getKey().equals(INFERENCE_MIXING_HEAD)
                    || b.getKey().equals(INFERENCE_THOUGHT_SAMPLER))) {
                kept.add(e);
            }
        }
        Injector injector = Guice.createInjector(Elements.getModule(kept));
        return new InferenceComponents(instance(injector, INFERENCE_MIXING_HEAD).orElse(null),
                instance(injector, INFERENCE_THOUGHT_SAMPLER).orElse(null));
    }

    /**
     * The instance bound to a key, if the injector has an explicit binding for it.
     *
     * @param injector the injector
     * @param key the key
     * @param <T> the type
     * @return the instance, empty when nothing is bound
     */
    public static <T> Optional<T> instance(Injector injector, Key<T> key) {
        return injector.getExistingBinding(key) == null ? Optional.empty()
                : Optional.of(injector.getInstance(key));
    }

    private static List<Key<?>> boundKeys(List<Module> modules) {
        List<Key<?>> keys = new ArrayList<>();
        for (Element e : Elements.getElements(modules)) {
            if (e instanceof Binding<?> b) {
                keys.add(b.getKey());
            }
        }
        return keys;
    }

    private static String describe(List<Key<?>> keys) {
        return keys.stream().map(k -> k.getTypeLiteral().toString()
                + (k.getAnnotationType() == null ? "" : " @" + k.getAnnotationType().getSimpleName()))
                .collect(Collectors.joining(", "));
    }
}
