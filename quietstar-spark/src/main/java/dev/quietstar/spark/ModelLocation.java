package dev.quietstar.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkFiles;
import org.apache.spark.sql.SparkSession;

/**
 * Where executors find the model: a library checkpoint folder or an ONNX export folder ({@code quietstar
 * export-onnx}), given as
 * <ul>
 *   <li>a local path or {@code file:} URI that every executor can read (a shared mount, or the same copy on every
 *       node; in local mode, any folder);</li>
 *   <li>a URI of any Hadoop file system ({@code hdfs://}, {@code s3a://}, {@code abfs://}, ...): each executor JVM
 *       copies the folder once to a local temporary folder;</li>
 *   <li>a folder shipped with the job ({@link #shipped}, or {@code spark-submit --files} naming the folder): each
 *       executor reads Spark's local copy.</li>
 * </ul>
 * The Hadoop settings of the driver travel with the location, so credentials and endpoints configured on the session
 * reach the executors.
 */
public final class ModelLocation implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The scheme of a folder shipped with the job through {@link SparkFiles}. */
    public static final String SHIPPED_SCHEME = "spark-files";

    private final String uri;
    private final Map<String, String> hadoopSettings;

    private ModelLocation(String uri, Map<String, String> hadoopSettings) {
        this.uri = uri;
        this.hadoopSettings = hadoopSettings;
    }

    /**
     * A folder on a path every executor reads.
     *
     * @param pathOrUri a local path, a {@code file:} URI, a Hadoop file-system URI, or {@code spark-files:NAME}
     * @return the location, without Hadoop settings (executors use their default configuration)
     * @throws IllegalArgumentException when the text is empty or not a valid URI
     */
    public static ModelLocation of(String pathOrUri) {
        return new ModelLocation(checked(pathOrUri), Map.of());
    }

    /**
     * A folder on a path every executor reads, with the Hadoop settings of a session.
     *
     * @param spark the session whose Hadoop configuration the executors should use
     * @param pathOrUri a local path, a {@code file:} URI, a Hadoop file-system URI, or {@code spark-files:NAME}
     * @return the location
     * @throws IllegalArgumentException when the text is empty or not a valid URI
     */
    public static ModelLocation of(SparkSession spark, String pathOrUri) {
        Map<String, String> settings = new HashMap<>();
        spark.sparkContext().hadoopConfiguration().iterator().forEachRemaining(e -> settings.put(e.getKey(),
                e.getValue()));
        return new ModelLocation(checked(pathOrUri), Map.copyOf(settings));
    }

    /**
     * Ships a local folder with the job ({@code SparkContext.addFile}, recursive): every executor gets its own copy.
     *
     * @param spark the session
     * @param localFolder the checkpoint or export folder on the driver
     * @return the location of the shipped copy
     * @throws IllegalArgumentException when the folder does not exist
     */
    public static ModelLocation shipped(SparkSession spark, Path localFolder) {
        Path folder = localFolder.toAbsolutePath().normalize();
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + folder + " does not exist or is not a folder");
        }
        spark.sparkContext().addFile(folder.toUri().toString(), true);
        return new ModelLocation(SHIPPED_SCHEME + ":" + folder.getFileName(), Map.of());
    }

    private static String checked(String pathOrUri) {
        Objects.requireNonNull(pathOrUri, "pathOrUri");
        if (pathOrUri.isBlank()) {
            throw new IllegalArgumentException("the model location is empty; give a folder path or URI");
        }
        return pathOrUri;
    }

    /**
     * The location as given.
     *
     * @return the path or URI
     */
    public String uri() {
        return uri;
    }

    /**
     * The local folder of the model on this JVM, copying it from its file system first when it is not local.
     *
     * @param copies where copies from other file systems go
     * @return the local folder
     * @throws IllegalArgumentException when the folder does not exist
     * @throws UncheckedIOException when the copy fails
     */
    Path localFolder(Path copies) {
        String scheme = scheme();
        Path folder;
        if (scheme == null) {
            folder = Path.of(uri);
        } else if (scheme.equals("file")) {
            folder = Path.of(URI.create(uri));
        } else if (scheme.equals(SHIPPED_SCHEME)) {
            String name = uri.substring(SHIPPED_SCHEME.length() + 1);
            folder = Path.of(SparkFiles.get(name));
        } else {
            folder = copy(copies);
        }
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("model folder " + uri + " is not readable here (" + folder
                    + " is not a folder); every executor needs it: a shared path, a Hadoop file-system URI or a "
                    + "shipped folder (docs/scale-out.md)");
        }
        return folder;
    }

    private Path copy(Path copies) {
        Configuration conf = new Configuration();
        hadoopSettings.forEach(conf::set);
        try {
            org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = source.getFileSystem(conf);
            if (!fs.getFileStatus(source).isDirectory()) {
                throw new IllegalArgumentException("model location " + uri + " is not a folder");
            }
            Files.createDirectories(copies);
            Path target = Files.createTempDirectory(copies, "model-");
            fs.copyToLocalFile(false, source, new org.apache.hadoop.fs.Path(target.toUri()), true);
            Path copied = target.resolve(source.getName());
            return Files.isDirectory(copied) ? copied : target;
        } catch (java.io.FileNotFoundException e) {
            throw new IllegalArgumentException("model folder " + uri + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the model folder " + uri + " to " + copies, e);
        }
    }

    private String scheme() {
        if (uri.startsWith(SHIPPED_SCHEME + ":")) {
            return SHIPPED_SCHEME;
        }
        if (uri.length() > 2 && uri.charAt(1) == ':' && Character.isLetter(uri.charAt(0))) {
            return null; // a Windows drive letter, not a scheme
        }
        try {
            URI parsed = new URI(uri);
            return parsed.getScheme();
        } catch (URISyntaxException e) {
            return null; // a local path with characters a URI does not allow
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelLocation other && uri.equals(other.uri) && hadoopSettings.equals(other.hadoopSettings);
    }

    @Override
    public int hashCode() {
        return uri.hashCode();
    }

    @Override
    public String toString() {
        return uri;
    }
}
