package dev.quietstar.core.backend;

import dev.quietstar.api.ModelSource;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds backends through {@link ServiceLoader} and selects one.
 *
 * <p>Selection order: the {@value #ENV_VAR} environment variable, else the {@value #PROPERTY} system property,
 * else the highest-ranked available backend that has every capability asked for. A named backend that lacks a
 * requested capability is refused rather than silently used: asking to train never selects an inference-only
 * backend. The first provider on the class path wins a name.
 */
public final class Backends {

    /** Environment variable naming the backend to use. */
    public static final String ENV_VAR = "QUIETSTAR_BACKEND";
    /** System property naming the backend to use, consulted when the environment variable is unset. */
    public static final String PROPERTY = "quietstar.backend";

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private final Map<String, BackendProvider> byName;
    private final Function<String, String> env;
    private final Function<String, String> properties;

    private Backends(Collection<BackendProvider> providers, Function<String, String> env,
            Function<String, String> properties) {
        Map<String, BackendProvider> map = new LinkedHashMap<>();
        for (BackendProvider p : providers) {
            String name = p.name();
            if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                throw new IllegalStateException("backend provider " + p.getClass().getName()
                        + " has an invalid name '" + name + "': use plain ASCII letters, digits, '.', '_' and '-'");
            }
            BackendProvider previous = map.putIfAbsent(name, p);
            if (previous != null) {
                LOG.warn("backend name '{}' is provided by both {} and {}; using the first", name,
                        previous.getClass().getName(), p.getClass().getName());
            }
        }
        this.byName = map;
        this.env = env;
        this.properties = properties;
    }

    /**
     * Discovers the providers on the class path of this class's loader, reading the real environment and system
     * properties.
     *
     * @return the registry
     */
    public static Backends discover() {
        return Holder.DEFAULT;
    }

    /**
     * A registry over given providers with given environment and property lookups, for tests and embedders.
     *
     * @param providers the providers, in class-path order
     * @param env environment lookup (returns null when unset)
     * @param properties system property lookup (returns null when unset)
     * @return the registry
     */
    public static Backends of(Collection<BackendProvider> providers, Function<String, String> env,
            Function<String, String> properties) {
        return new Backends(providers, env, properties);
    }

    /**
     * All providers, in class-path order.
     *
     * @return the providers
     */
    public List<BackendProvider> providers() {
        return List.copyOf(byName.values());
    }

    /**
     * The provider with this name.
     *
     * @param name the backend's name
     * @return the provider
     * @throws BackendNotFoundException naming the backends that exist when there is none
     */
    public BackendProvider byName(String name) {
        BackendProvider p = byName.get(name);
        if (p == null) {
            throw new BackendNotFoundException("unknown backend '" + name + "'; available backends: "
                    + String.join(", ", byName.keySet()));
        }
        return p;
    }

    /**
     * Selects the backend to use for the given capabilities.
     *
     * @param required capabilities the backend must have
     * @return the chosen provider (available, with every required capability)
     * @throws BackendNotFoundException when the named backend is unknown, unavailable or lacks a capability, or
     *     when no backend qualifies
     */
    public BackendProvider select(Capability... required) {
        Set<Capability> need = required.length == 0 ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(List.of(required));
        Optional<String> named = requestedName();
        if (named.isPresent()) {
            BackendProvider p = byName(named.get());
            if (!p.capabilities().containsAll(need)) {
                throw new BackendNotFoundException("backend '" + p.name() + "' (chosen by " + source()
                        + ") lacks " + missing(p, need) + "; backends with " + need + ": "
                        + describe(candidates(need, false)));
            }
            if (!p.isAvailable()) {
                throw new BackendNotFoundException("backend '" + p.name() + "' (chosen by " + source()
                        + ") is not available here: " + p.unavailableReason().orElse("its natives did not load"));
            }
            return p;
        }
        List<BackendProvider> ok = candidates(need, true);
        if (ok.isEmpty()) {
            throw new BackendNotFoundException("no available backend has " + need + "; backends found: "
                    + describe(providers()));
        }
        return ok.get(0);
    }

    /**
     * The providers listed on the class path that could not be created (their constructor threw or a class was
     * missing), with the reason; they are skipped by discovery.
     *
     * @return class name to reason, empty when every provider loaded
     */
    public static Map<String, String> failedProviders() {
        Holder.DEFAULT.byName.size(); // make sure discovery ran
        return Map.copyOf(FAILURES);
    }

    /**
     * Selects the backend to open a model source with: the named backend when one is requested (it must open that
     * kind of source), else the highest-ranked available backend with the capabilities that
     * {@linkplain BackendProvider#canOpen opens} the source, so that an exported ONNX folder goes to a backend that
     * runs exports and a HuggingFace folder to one that reads safetensors.
     *
     * @param source the model to open
     * @param required capabilities the backend must have
     * @return the chosen provider
     * @throws BackendNotFoundException when the named backend cannot open the source, or no backend can
     */
    public BackendProvider select(ModelSource source, Capability... required) {
        Objects.requireNonNull(source, "source");
        Set<Capability> need = required.length == 0 ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(List.of(required));
        if (requestedName().isPresent()) {
            BackendProvider p = select(required);
            if (!p.canOpen(source)) {
                throw new BackendNotFoundException("backend '" + p.name() + "' (chosen by " + source()
                        + ") cannot open " + describe(source) + "; backends that can: " + describe(openers(source,
                        need)));
            }
            return p;
        }
        List<BackendProvider> ok = openers(source, need);
        if (ok.isEmpty()) {
            throw new BackendNotFoundException("no available backend with " + need + " can open " + describe(source)
                    + "; backends found: " + describe(providers()));
        }
        return ok.get(0);
    }

    /**
     * The backend with this name, checked to be available, to have the capabilities and to open the source.
     *
     * @param name the backend's name
     * @param source the model to open
     * @param required capabilities the backend must have
     * @return the provider
     * @throws BackendNotFoundException naming what is wrong
     */
    public BackendProvider byName(String name, ModelSource source, Capability... required) {
        BackendProvider p = byName(name);
        Set<Capability> need = required.length == 0 ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(List.of(required));
        if (!p.capabilities().containsAll(need)) {
            throw new BackendNotFoundException("backend '" + name + "' lacks " + missing(p, need)
                    + "; see quietstar backends");
        }
        if (!p.isAvailable()) {
            throw new BackendNotFoundException("backend '" + name + "' is not available here: "
                    + p.unavailableReason().orElse("its natives did not load"));
        }
        if (!p.canOpen(source)) {
            throw new BackendNotFoundException("backend '" + name + "' cannot open " + describe(source)
                    + "; backends that can: " + describe(openers(source, need)));
        }
        return p;
    }

    private List<BackendProvider> openers(ModelSource source, Set<Capability> need) {
        return candidates(need, true).stream().filter(p -> p.canOpen(source)).toList();
    }

    private static String describe(ModelSource source) {
        if (source instanceof ModelSource.Checkpoint c) {
            return "the model folder " + c.folder();
        } else if (source instanceof ModelSource.HuggingFace h) {
            return "the HuggingFace folder " + h.folder();
        } else if (source instanceof ModelSource.Llama2c l) {
            return "the llama2.c checkpoint " + l.weights();
        }
        return "a new tiny model";
    }

    /**
     * The backend name requested by environment or property, if any.
     *
     * @return the name
     */
    public Optional<String> requestedName() {
        String v = env.apply(ENV_VAR);
        if (v != null && !v.isBlank()) {
            return Optional.of(v.trim());
        }
        v = properties.apply(PROPERTY);
        if (v != null && !v.isBlank()) {
            return Optional.of(v.trim());
        }
        return Optional.empty();
    }

    private String source() {
        String v = env.apply(ENV_VAR);
        return v != null && !v.isBlank() ? ENV_VAR : "-D" + PROPERTY;
    }

    private List<BackendProvider> candidates(Set<Capability> need, boolean availableOnly) {
        List<BackendProvider> list = new ArrayList<>();
        for (BackendProvider p : byName.values()) {
            if (p.capabilities().containsAll(need) && (!availableOnly || p.isAvailable())) {
                list.add(p);
            }
        }
        list.sort(Comparator.comparingInt(BackendProvider::rank).reversed());
        return list;
    }

    private static Set<Capability> missing(BackendProvider p, Set<Capability> need) {
        Set<Capability> m = need.isEmpty() ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(need);
        m.removeAll(p.capabilities());
        return m;
    }

    private static String describe(List<BackendProvider> list) {
        if (list.isEmpty()) {
            return "none";
        }
        return list.stream().map(p -> p.name() + " " + p.capabilities()).collect(Collectors.joining(", "));
    }

    private static final class Holder {
        static final Backends DEFAULT = new Backends(load(), System::getenv, System::getProperty);

        private static List<BackendProvider> load() {
            return loadIsolated(ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).stream()
                    .toList(), FAILURES);
        }
    }

    /** Providers that could not be instantiated, by class name: reported by {@link #failedProviders()}. */
    private static final Map<String, String> FAILURES = new LinkedHashMap<>();

    /**
     * Instantiates each provider on its own, so that one whose constructor throws is reported by name and skipped
     * instead of stopping the discovery of every other backend.
     *
     * @param found the providers ServiceLoader found, not yet instantiated
     * @param failures receives the class name and the reason of each provider that failed
     * @return the providers that could be created, in class-path order
     */
    static List<BackendProvider> loadIsolated(List<ServiceLoader.Provider<BackendProvider>> found,
            Map<String, String> failures) {
        List<BackendProvider> list = new ArrayList<>();
        for (ServiceLoader.Provider<BackendProvider> provider : found) {
            String type = provider.type().getName();
            try {
                list.add(provider.get());
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                String reason = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                failures.put(type, reason);
                LOG.warn("backend provider {} could not be created and is skipped: {}", type, reason);
            }
        }
        return list;
    }
}
