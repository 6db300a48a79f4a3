package dev.kvasir.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Writes the report of a results directory (its *.jsonl files) into it: report.md, headline.md, "
                + "summary.csv, summary.json, report.html and figures/*.png; claims.md for a preset's run (its paper's claims tested); "
                + "README.md from README.in.md when the directory has one (generated parts: {{title}}, {{run}}, {{tasks}}, {{headline}}, "
                + "{{claims}}, {{verdicts}}).")
final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "Directory written by kvasir eval (all shards' files together).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + ": no such directory");
        EvalSession.report(dir, System.out);
        return 0;
    }
}
