package dev.kvasir.eval.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A slice of the samples for one machine: {@code index/count} takes samples
 * {@code index, index + count, index + 2·count, ...} (0-based), so that shards get a mix of
 * lengths and depths and take about the same time. Each shard writes its own results file; a
 * report over the directory holding all of them covers the whole run.
 *
 * <p>{@code auto} reads the slice from the batch system running the process:
 * <ul>
 *   <li>a Kubernetes Indexed Job sets {@code JOB_COMPLETION_INDEX} (0-based) in each pod, but
 *       not the number of completions: the manifest passes it as {@code KVASIR_SHARD_COUNT};</li>
 *   <li>a Slurm job array sets {@code SLURM_ARRAY_TASK_ID}, {@code SLURM_ARRAY_TASK_COUNT},
 *       {@code SLURM_ARRAY_TASK_MIN} and {@code SLURM_ARRAY_TASK_STEP}: {@code --array=1-8} is
 *       shards 0..7 of 8, {@code --array=0-14:2} shards 0..7 of 8.</li>
 * </ul>
 * {@code KVASIR_SHARD_COUNT}, when set, overrides the count of either.
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + ": expected i/N with 0 <= i < N");
        }
    }

    /** Parses {@code i/N} or {@code auto} (from this process's environment). */
    public static Shard parse(String s) {
        return parse(s, System.getenv());
    }

    /** Parses {@code i/N} or {@code auto}, reading the batch system's variables from {@code env}. */
    public static Shard parse(String s, Map<String, String> env) {
        if (s.trim().equals("auto")) return fromEnvironment(env);
        String[] p = s.trim().split("/");
        try {
            if (p.length == 2) return new Shard(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("--shard takes i/N (0-based, e.g. 0/4) or auto, got '" + s + "'");
    }

    static Shard fromEnvironment(Map<String, String> env) {
        Integer override = number(env, "KVASIR_SHARD_COUNT");
        Integer k8sIndex = number(env, "JOB_COMPLETION_INDEX");
        if (k8sIndex != null) {
            if (override == null) {
                throw new IllegalArgumentException("--shard auto: JOB_COMPLETION_INDEX=" + k8sIndex + " is set (a Kubernetes Indexed Job) but "
                        + "Kubernetes does not export the number of completions: set KVASIR_SHARD_COUNT to spec.completions in the pod's env");
            }
            return checked(k8sIndex, override, "JOB_COMPLETION_INDEX", "KVASIR_SHARD_COUNT");
        }
        Integer id = number(env, "SLURM_ARRAY_TASK_ID");
        if (id != null) {
            Integer count = override != null ? override : number(env, "SLURM_ARRAY_TASK_COUNT");
            if (count == null) throw new IllegalArgumentException("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
            Integer min = number(env, "SLURM_ARRAY_TASK_MIN");
            Integer step = number(env, "SLURM_ARRAY_TASK_STEP");
            int offset = id - (min == null ? 0 : min);
            int stride = step == null || step < 1 ? 1 : step;
            if (offset % stride != 0) {
                throw new IllegalArgumentException("--shard auto: SLURM_ARRAY_TASK_ID=" + id + " is not on the array's step " + stride
                        + " from " + min);
            }
            return checked(offset / stride, count, "SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN)", "SLURM_ARRAY_TASK_COUNT");
        }
        throw new IllegalArgumentException("--shard auto: neither a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with KVASIR_SHARD_COUNT) "
                + "nor a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) is in the environment; give --shard i/N");
    }

    private static Shard checked(int index, int count, String indexName, String countName) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("--shard auto: " + indexName + " gives shard " + index + " but " + countName + " gives "
                    + count + " shards (expected 0 <= index < count)");
        }
        return new Shard(index, count);
    }

    private static Integer number(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) return null;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shard auto: " + name + "='" + v + "' is not a whole number");
        }
    }

    public <T> List<T> select(List<T> items) {
        if (count == 1) return items;
        List<T> out = new ArrayList<>();
        for (int i = index; i < items.size(); i += count) out.add(items.get(i));
        return out;
    }

    /** Suffix for the shard's results file: empty for the whole run. */
    public String fileSuffix() {
        return count == 1 ? "" : "-shard" + index + "of" + count;
    }
}
