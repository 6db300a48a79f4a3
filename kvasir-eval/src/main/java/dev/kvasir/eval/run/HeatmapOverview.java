package dev.kvasir.eval.run;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One PNG per needle task with the heatmaps of all its configurations in a grid (full cache
 * first), so the comparison the papers draw as a row of heatmaps is a single file to open.
 * Works from the report's heatmap files ({@code niah-<task>-<method>-b<budget>.png}).
 */
final class HeatmapOverview {
    private HeatmapOverview() {}

    private static final int COLUMNS = 3;
    private static final int TILE_WIDTH = 600;

    static List<Path> write(Path figuresDir, List<Path> figures) throws IOException {
        Map<String, List<Path>> byTask = new LinkedHashMap<>();
        for (Path f : figures) {
            String n = f.getFileName().toString();
            if (!n.startsWith("niah-") || !n.endsWith(".png")) continue;
            String rest = n.substring("niah-".length());
            int dash = rest.indexOf('-');
            if (dash < 0) continue;
            byTask.computeIfAbsent(rest.substring(0, dash), t -> new ArrayList<>()).add(f);
        }
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, List<Path>> e : byTask.entrySet()) {
            List<Path> tiles = new ArrayList<>(e.getValue());
            String fullName = "niah-" + e.getKey() + "-full-";
            tiles.sort(Comparator.comparing((Path p) -> !p.getFileName().toString().startsWith(fullName))
                    .thenComparing(p -> p.getFileName().toString()));
            Path file = figuresDir.resolve(e.getKey() + "-heatmaps.png");
            ImageIO.write(grid(tiles), "png", file.toFile());
            out.add(file);
        }
        return out;
    }

    private static BufferedImage grid(List<Path> tiles) throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        for (Path p : tiles) images.add(ImageIO.read(p.toFile()));
        int tileHeight = images.stream().mapToInt(i -> i.getHeight() * TILE_WIDTH / i.getWidth()).max().orElse(1);
        int cols = Math.min(COLUMNS, images.size());
        int rows = (images.size() + cols - 1) / cols;
        BufferedImage out = new BufferedImage(cols * TILE_WIDTH, rows * tileHeight, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            for (int i = 0; i < images.size(); i++) {
                BufferedImage img = images.get(i);
                int h = img.getHeight() * TILE_WIDTH / img.getWidth();
                g.drawImage(img, (i % cols) * TILE_WIDTH, (i / cols) * tileHeight, TILE_WIDTH, h, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
