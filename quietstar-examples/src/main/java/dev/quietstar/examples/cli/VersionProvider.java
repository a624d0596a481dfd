package dev.quietstar.examples.cli;

import picocli.CommandLine;

/**
 * Reports the project version from the jar manifest.
 */
public final class VersionProvider implements CommandLine.IVersionProvider {

    /** Creates the provider; picocli calls this. */
    public VersionProvider() {}

    @Override
    public String[] getVersion() {
        String v = QuietStarCommand.class.getPackage().getImplementationVersion();
        return new String[] {"quietstar " + (v == null ? "(development build)" : v),
            "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch")};
    }
}
