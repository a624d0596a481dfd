package com.example.consumer;

import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.util.Modules;
import dev.quietstar.api.ModelSource;
import dev.quietstar.api.Reasoner;
import dev.quietstar.api.Trainer;
import dev.quietstar.api.TrainingSetup;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.api.spi.BackendProvider;
import dev.quietstar.api.spi.Capability;
import dev.quietstar.api.spi.QuietStarBackend;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.inject.GuiceBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user's backend that delegates to another one found through the SPI (djl-pytorch by default): the shape of a
 * backend that adds logging, quotas or routing around an engine. It is listed in
 * {@code META-INF/services/dev.quietstar.api.spi.BackendProvider} and passes core's provider, reasoner and trainer
 * kits through the delegate; it counts the trainers and reasoners it hands out.
 */
public final class DelegatingBackendProvider implements BackendProvider {

    /** The backend's name. */
    public static final String NAME = "consumer-delegating";

    private static final AtomicLong CREATED = new AtomicLong();

    private final String delegateName;

    /** Delegates to djl-pytorch; ServiceLoader calls this. */
    public DelegatingBackendProvider() {
        this("djl-pytorch");
    }

    /**
     * Delegates to a named backend.
     *
     * @param delegateName the backend doing the work
     */
    public DelegatingBackendProvider(String delegateName) {
        this.delegateName = delegateName;
    }

    /**
     * How many trainers and reasoners all delegating backends handed out.
     *
     * @return the count
     */
    public static long created() {
        return CREATED.get();
    }

    private BackendProvider delegate() {
        return Backends.discover().byName(delegateName);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int rank() {
        return -100; // never chosen over a real engine unless asked for by name
    }

    @Override
    public Set<Capability> capabilities() {
        return delegate().capabilities();
    }

    @Override
    public boolean isAvailable() {
        return delegate().isAvailable();
    }

    @Override
    public Optional<String> unavailableReason() {
        return delegate().unavailableReason();
    }

    @Override
    public boolean canOpen(ModelSource source) {
        return delegate().canOpen(source);
    }

    @Override
    public QuietStarBackend create() {
        return new Delegating(delegate().create());
    }

    /** The created backend: every call goes to the delegate. */
    private static final class Delegating implements QuietStarBackend, GuiceBackend {
        private final QuietStarBackend delegate;

        Delegating(QuietStarBackend delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Set<Capability> capabilities() {
            return delegate.capabilities();
        }

        @Override
        public Trainer newTrainer(TrainingSetup setup) {
            Trainer t = delegate.newTrainer(setup);
            CREATED.incrementAndGet();
            return t;
        }

        @Override
        public Reasoner openReasoner(Path checkpoint) {
            Reasoner r = delegate.openReasoner(checkpoint);
            CREATED.incrementAndGet();
            return r;
        }

        @Override
        public Reasoner openReasoner(ModelSource source) {
            Reasoner r = delegate.openReasoner(source);
            CREATED.incrementAndGet();
            return r;
        }

        @Override
        public Path export(Path checkpoint, Path output) throws IOException {
            return delegate.export(checkpoint, output);
        }

        @Override
        public Path export(Path checkpoint, Path output, boolean replaceExisting) throws IOException {
            return delegate.export(checkpoint, output, replaceExisting);
        }

        @Override
        public String probe(Path checkpoint, Path input) throws IOException {
            return delegate.probe(checkpoint, input);
        }

        @Override
        public Module module(QuietStarConfig config) {
            return delegate instanceof GuiceBackend g ? g.module(config) : Modules.EMPTY_MODULE;
        }

        @Override
        public Set<Key<?>> componentKeys() {
            return delegate instanceof GuiceBackend g ? g.componentKeys() : Set.of();
        }

        @Override
        public QuietStarBackend withOverrides(List<Module> overrides) {
            return new Delegating(((GuiceBackend) delegate).withOverrides(overrides));
        }
    }
}
