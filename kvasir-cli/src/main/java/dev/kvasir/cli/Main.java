package dev.kvasir.cli;

import dev.kvasir.core.ModelFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code kvasir} command line. */
@Command(name = "kvasir", mixinStandardHelpOptions = true, version = "kvasir 0.1.0",
        description = "LLM inference on the JVM with compressed KV caches.",
        subcommands = {DemoCommand.class, GenerateCommand.class, ChatCommand.class, EvalCommand.class, ReportCommand.class,
                InspectCommand.class, PullCommand.class, ModelsCommand.class, BenchCommand.class, ServeCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Expected failures (bad files, bad options) get one clear line, not a stack trace.
            if (ex instanceof ModelFormatException || ex instanceof IllegalArgumentException
                    || ex instanceof java.io.IOException || ex instanceof IllegalStateException) {
                cmd.getErr().println("kvasir: " + ex.getMessage());
                if (System.getenv("KVASIR_DEBUG") != null) ex.printStackTrace(cmd.getErr());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
