// csv2json converts a CSV file with a header row into a JSON array of
// objects, or newline-delimited JSON with -lines.
package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
)

func convert(r io.Reader, w io.Writer, delim rune, lines, infer bool) (int, error) {
	cr := csv.NewReader(r)
	cr.Comma = delim
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("reading header: %w", err)
	}
	header = append([]string(nil), header...)

	enc := json.NewEncoder(w)
	n := 0
	if !lines {
		io.WriteString(w, "[\n")
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, err
		}
		obj := make(map[string]any, len(header))
		for i, col := range header {
			if i >= len(rec) {
				obj[col] = nil
				continue
			}
			obj[col] = value(rec[i], infer)
		}
		if !lines && n > 0 {
			io.WriteString(w, ",")
		}
		if err := enc.Encode(obj); err != nil {
			return n, err
		}
		n++
	}
	if !lines {
		io.WriteString(w, "]\n")
	}
	return n, nil
}

func value(s string, infer bool) any {
	if !infer {
		return s
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	if b, err := strconv.ParseBool(s); err == nil {
		return b
	}
	return s
}

func main() {
	delim := flag.String("d", ",", "field delimiter")
	lines := flag.Bool("lines", false, "emit newline-delimited JSON")
	infer := flag.Bool("infer", true, "convert numbers and booleans")
	flag.Parse()

	in := os.Stdin
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "csv2json:", err)
			os.Exit(1)
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	n, err := convert(in, out, []rune(*delim)[0], *lines, *infer)
	if err != nil {
		out.Flush()
		fmt.Fprintf(os.Stderr, "csv2json: after %d records: %v\n", n, err)
		os.Exit(1)
	}
}
