// Command loc counts lines of code per file extension in a directory tree.
//
//	go run loc.go -skip vendor,node_modules ./...
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type stats struct {
	files, lines, blank int
}

func countFile(path string) (lines, blank int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines++
		if strings.TrimSpace(sc.Text()) == "" {
			blank++
		}
	}
	return lines, blank, sc.Err()
}

func main() {
	skip := flag.String("skip", ".git,vendor,node_modules", "comma-separated directory names to skip")
	flag.Parse()
	root := strings.TrimSuffix(flag.Arg(0), "/...")
	if root == "" {
		root = "."
	}
	skipped := map[string]bool{}
	for _, s := range strings.Split(*skip, ",") {
		skipped[strings.TrimSpace(s)] = true
	}

	byExt := map[string]*stats{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skipped[d.Name()] && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		ext := strings.ToLower(filepath.Ext(path))
		if ext == "" {
			return nil
		}
		lines, blank, err := countFile(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "loc: %s: %v\n", path, err)
			return nil
		}
		s := byExt[ext]
		if s == nil {
			s = &stats{}
			byExt[ext] = s
		}
		s.files++
		s.lines += lines
		s.blank += blank
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "loc:", err)
		os.Exit(1)
	}

	exts := make([]string, 0, len(byExt))
	for e := range byExt {
		exts = append(exts, e)
	}
	sort.Slice(exts, func(i, j int) bool { return byExt[exts[i]].lines > byExt[exts[j]].lines })

	fmt.Printf("%-10s %8s %10s %10s\n", "ext", "files", "lines", "blank")
	var total stats
	for _, e := range exts {
		s := byExt[e]
		fmt.Printf("%-10s %8d %10d %10d\n", e, s.files, s.lines, s.blank)
		total.files += s.files
		total.lines += s.lines
		total.blank += s.blank
	}
	fmt.Printf("%-10s %8d %10d %10d\n", "total", total.files, total.lines, total.blank)
}
