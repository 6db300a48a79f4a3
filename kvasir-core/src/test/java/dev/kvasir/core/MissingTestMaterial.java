package dev.kvasir.core;

import org.opentest4j.TestAbortedException;

/**
 * A test skipped because shared material that the repository may not redistribute is absent
 * (see {@link TestResources#shared}). An aborted test, as a failed JUnit assumption is, so the
 * run goes on; {@link MissingMaterialSummary} counts these and names {@link #material()}.
 */
public final class MissingTestMaterial extends TestAbortedException {
    private static final long serialVersionUID = 1L;

    private final String material;

    private static final String PREFIX = "skipped: missing test material ";

    public MissingTestMaterial(String material, String where) {
        super(PREFIX + material + " (" + where + "); it runs with the project's shared "
                + "material beside the repository as ../shared or in $" + TestResources.DATA_ENV);
        this.material = material;
    }

    /**
     * The material named by a skip reason made of this exception's message (engines such as jqwik
     * report a skip by its reason only), else null.
     */
    public static String materialIn(String reason) {
        if (reason == null || !reason.startsWith(PREFIX)) return null;
        int end = reason.indexOf(" (", PREFIX.length());
        return reason.substring(PREFIX.length(), end < 0 ? reason.length() : end);
    }

    /** The missing file or directory, relative to the shared material's root. */
    public String material() {
        return material;
    }
}
