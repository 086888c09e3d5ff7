package cli

import (
	"bufio"
	"encoding"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"oncall/internal/httpx"
	"oncall/internal/sanitize"
)

// Everything a verb prints goes through here: its result (-o table|json),
// tables, and the lines on stderr (warnings and notes), which are one line
// each, safe for a terminal and without the config's secrets.

// addOutputFlag adds -o table|json.
func (a *App) addOutputFlag(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&a.output, "output", "o", "table", "output format: table or json")
}

func (a *App) checkOutput() error {
	switch a.output {
	case "table", "json", "":
		return nil
	}
	return fmt.Errorf("unknown output format %q: use table or json", a.output)
}

func (a *App) json() bool { return a.output == "json" }

// result prints v as JSON with -o json, else text and a newline.
func (a *App) result(v any, text string) error {
	if a.json() {
		return writeJSON(a.Stdout, v)
	}
	_, err := fmt.Fprintln(a.Stdout, text)
	return err
}

// warnf prints "oncall: warning: …" on stderr.
func (a *App) warnf(format string, args ...any) { a.notef("warning: "+format, args...) }

// notef prints "oncall: …" on stderr.
func (a *App) notef(format string, args ...any) {
	fmt.Fprintf(a.Stderr, "oncall: %s\n", a.scrub(fmt.Sprintf(format, args...)))
}

// scrub is s on one line, safe for a terminal, without the config's secrets.
func (a *App) scrub(s string) string { return httpx.ScrubLine(s, a.secrets()) }

// writeJSON prints v as indented JSON, byte for byte what json.Encoder
// with SetIndent("", "  ") prints. A slice is marshalled element by element
// and streamed, and json.Marshal's compact output is indented by a plain
// byte loop instead of encoding/json's validating scanner: for
// `oncall alerts -o json` with 10,000 alerts, growing one 6 MB buffer and
// indenting it took longer than decoding the reply (docs/performance.md).
func writeJSON(w io.Writer, v any) error {
	rv := reflect.ValueOf(v)
	if !streamable(rv) {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(append(appendIndented(make([]byte, 0, len(b)+len(b)/4), b, 0), '\n'))
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	for i := range rv.Len() {
		e := rv.Index(i)
		if e.Kind() != reflect.Pointer && e.Kind() != reflect.Interface {
			e = e.Addr() // marshal as in the slice: addressable
		}
		b, err := json.Marshal(e.Interface())
		if err != nil {
			return err
		}
		buf = append(buf[:0], ",\n  "...)
		if i == 0 {
			buf = append(buf[:0], "[\n  "...)
		}
		buf = appendIndented(buf, b, 1)
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	if _, err := bw.WriteString("\n]\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// streamable reports whether v is a non-empty slice that encoding/json
// encodes as an array of its elements (not bytes, not its own marshaller).
func streamable(v reflect.Value) bool {
	if v.Kind() != reflect.Slice || v.Len() == 0 || v.Type().Elem().Kind() == reflect.Uint8 {
		return false
	}
	t := v.Type()
	for _, i := range []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()} {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return false
		}
	}
	return true
}

// appendIndented appends src, compact JSON as json.Marshal writes it, to
// dst indented by two spaces per level as json.Indent would, starting at
// depth levels in.
func appendIndented(dst, src []byte, depth int) []byte {
	newline := func() {
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, ' ', ' ')
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			dst = append(dst, src[i:min(j+1, len(src))]...)
			i = j
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// table prints rows under a header, tab-aligned; every cell is sanitized.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	fmt.Fprintln(t.tw, strings.Join(header, "\t"))
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = sanitize.Text(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }
