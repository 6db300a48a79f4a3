package dev.kvasir.cli;

import dev.kvasir.core.gguf.GgufFile;
import dev.kvasir.core.gguf.GgufTensorInfo;
import dev.kvasir.core.hf.HfConfig;
import dev.kvasir.core.hf.SafetensorsFile;
import dev.kvasir.core.hf.SafetensorsTensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Prints a model file's metadata and tensor table (GGUF file or Hugging Face directory).")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "GGUF file or Hugging Face model directory.")
    Path model;

    @Option(names = "--max-array", defaultValue = "8", description = "Array elements shown per metadata value (default ${DEFAULT-VALUE}).")
    int maxArray;

    @Option(names = "--no-tensors", description = "Metadata only.")
    boolean noTensors;

    @Override
    public Integer call() throws Exception {
        if (Files.isDirectory(model)) return inspectHf();
        try (GgufFile f = GgufFile.open(model)) {
            System.out.printf("file: %s%nformat: GGUF v%d, %,d bytes, %d metadata keys, %d tensors%n%n", f.path(), f.version(),
                    f.fileSize(), f.metadata().size(), f.tensors().size());
            System.out.println("metadata:");
            int width = f.metadata().keySet().stream().mapToInt(String::length).max().orElse(10);
            for (Map.Entry<String, Object> e : f.metadata().entrySet()) {
                System.out.printf("  %-" + width + "s  %s%n", e.getKey(), render(e.getValue()));
            }
            if (!noTensors) {
                System.out.printf("%ntensors:%n  %-32s %-6s %-16s %12s %14s%n", "name", "type", "shape", "bytes", "offset");
                long total = 0;
                for (GgufTensorInfo t : f.tensors()) {
                    System.out.printf("  %-32s %-6s %-16s %,12d %,14d%n", t.name(), t.type(), Arrays.toString(t.shape()), t.byteSize(),
                            t.offset());
                    total += t.byteSize();
                }
                System.out.printf("  total tensor data: %,d bytes%n", total);
            }
        }
        return 0;
    }

    private Integer inspectHf() {
        Path cfg = model.resolve("config.json");
        HfConfig c = HfConfig.read(cfg);
        System.out.printf("directory: %s%nconfig: %s%n", model, c);
        if (noTensors) return 0;
        try (SafetensorsFile st = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            System.out.printf("%ntensors:%n  %-48s %-5s %-16s %12s%n", "name", "dtype", "shape", "bytes");
            for (SafetensorsTensor t : st.tensors()) {
                System.out.printf("  %-48s %-5s %-16s %,12d%n", t.name(), t.dtype(), Arrays.toString(t.shape()), t.byteSize());
            }
        }
        return 0;
    }

    private String render(Object v) {
        if (v == null) return "null";
        if (v instanceof String s) {
            String one = s.replace("\n", "\\n");
            return one.length() > 120 ? "\"" + one.substring(0, 117) + "...\" (" + s.length() + " chars)" : "\"" + one + "\"";
        }
        if (v.getClass().isArray()) {
            int n = Array.getLength(v);
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < Math.min(n, maxArray); i++) {
                if (i > 0) sb.append(", ");
                sb.append(render(Array.get(v, i)));
            }
            if (n > maxArray) sb.append(", ...");
            return sb.append("] (").append(n).append(" elements, ").append(v.getClass().getComponentType().getSimpleName())
                    .append(")").toString();
        }
        return v.toString();
    }
}
