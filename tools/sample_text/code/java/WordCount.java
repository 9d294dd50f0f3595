import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Counts word frequencies in text files (or stdin) and prints the top N.
 *
 * <pre>
 *   java WordCount.java -n 20 book.txt notes.txt
 * </pre>
 */
public class WordCount {

    private static final Pattern WORD_SPLIT = Pattern.compile("[^\\p{L}\\p{N}']+");

    public static void main(String[] args) throws IOException {
        int top = 10;
        int i = 0;
        if (args.length >= 2 && args[0].equals("-n")) {
            top = Integer.parseInt(args[1]);
            i = 2;
        }

        Map<String, Long> counts = new TreeMap<>();
        if (i == args.length) {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                merge(counts, countWords(in.lines()));
            }
        } else {
            for (; i < args.length; i++) {
                try (Stream<String> lines = Files.lines(Path.of(args[i]), StandardCharsets.UTF_8)) {
                    merge(counts, countWords(lines));
                } catch (IOException e) {
                    System.err.println("wordcount: " + args[i] + ": " + e.getMessage());
                }
            }
        }

        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("%d words, %d distinct%n", total, counts.size());
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(top)
                .forEach(e -> System.out.printf("%8d  %s%n", e.getValue(), e.getKey()));
    }

    static Map<String, Long> countWords(Stream<String> lines) {
        return lines
                .flatMap(WORD_SPLIT::splitAsStream)
                .map(w -> w.replaceAll("^'+|'+$", "").toLowerCase(Locale.ROOT))
                .filter(w -> !w.isEmpty())
                .collect(Collectors.groupingBy(w -> w, Collectors.counting()));
    }

    private static void merge(Map<String, Long> into, Map<String, Long> from) {
        from.forEach((k, v) -> into.merge(k, v, Long::sum));
    }
}
