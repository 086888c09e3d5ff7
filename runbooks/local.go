package runbooks

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShelfFiles bounds how many markdown files one folder walk looks at.
const maxShelfFiles = 5000

// shelf is one place runbooks live: a configured folder or the shipped set.
// Lookups inside it cannot escape its root.
type shelf struct {
	fsys     fs.FS
	root     string // folder path, or "shipped" for the embedded set
	embedded bool
	close    func()
}

// openFolder opens a configured folder as a shelf confined to it.
func openFolder(dir string) (*shelf, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("runbook folder %s: %v", dir, cleanPathErr(err))
	}
	return &shelf{fsys: root.FS(), root: dir, close: func() { _ = root.Close() }}, nil
}

func (s *shelf) done() {
	if s.close != nil {
		s.close()
	}
}

// location joins the shelf root and a slash path inside it.
func (s *shelf) location(name string) string {
	if s.embedded {
		return path.Join(s.root, name)
	}
	return filepath.Join(s.root, filepath.FromSlash(name))
}

// source maps a lookup rule to the Runbook.Source for this shelf.
func (s *shelf) source(rule Source) Source {
	if s.embedded {
		return SourceEmbedded
	}
	return rule
}

func isMarkdownName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".markdown", ".mdown", ".mkd":
		return true
	}
	return false
}

// files lists the markdown files of the shelf in lexical order, skipping
// hidden directories.
func (s *shelf) files() ([]string, error) {
	var out []string
	err := fs.WalkDir(s.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return err
			}
			return nil // unreadable subfolder: skip it
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() && isMarkdownName(p) {
			out = append(out, p)
			if len(out) >= maxShelfFiles {
				return fs.SkipAll
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("runbook folder %s: %v", s.root, cleanPathErr(err))
	}
	return out, nil
}

// read returns one file of the shelf, refusing oversized files.
func (s *shelf) read(name string) (string, error) {
	f, err := s.fsys.Open(name)
	if err != nil {
		return "", cleanPathErr(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxRunbookBytes+1))
	if err != nil {
		return "", cleanPathErr(err)
	}
	if len(b) > MaxRunbookBytes {
		return "", fmt.Errorf("%s is larger than %d MiB", name, MaxRunbookBytes>>20)
	}
	return normalizeText(string(b)), nil
}

// normalizeText drops a UTF-8 BOM and turns CRLF into LF.
func normalizeText(s string) string {
	s = strings.TrimPrefix(s, "\ufeff")
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// errNotFound marks a missing file or folder.
var errNotFound = errors.New("not found")

// cleanPathErr shortens *fs.PathError to "op name: cause".
func cleanPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return errNotFound
		case errors.Is(err, fs.ErrPermission):
			return errors.New("permission denied")
		}
		return pe.Err
	}
	return err
}

// lookup applies the folder rules for one alert: a file named after it, a
// file whose front matter lists it, then a heading naming it. It returns nil
// when nothing matches.
func (s *shelf) lookup(alert string) (*Runbook, error) {
	files, err := s.files()
	if err != nil {
		return nil, err
	}
	key := nameKey(alert)
	for _, p := range files {
		base := path.Base(p)
		if nameKey(strings.TrimSuffix(base, path.Ext(base))) != key {
			continue
		}
		text, err := s.read(p)
		if err != nil {
			continue
		}
		d := scan(text)
		return s.wholeFile(p, d, SourceFile), nil
	}
	var (
		best      *Runbook
		bestScore int
	)
	for _, p := range files {
		text, err := s.read(p)
		if err != nil {
			continue
		}
		d := scan(text)
		if d.front.lists(alert) {
			return s.wholeFile(p, d, SourceFrontMatter), nil
		}
		if bestScore == 2 {
			continue
		}
		for i, h := range d.headings {
			score := headingScore(h.Text, alert)
			if score > bestScore {
				bestScore = score
				best = &Runbook{
					Title:    h.Text,
					Markdown: d.section(i),
					Source:   s.source(SourceCollection),
					Match:    SourceCollection,
					Location: s.location(p) + "#" + h.Slug,
				}
			}
		}
	}
	return best, nil
}

// resolve opens a runbook_url given as a path relative to the shelf, cut to
// anchor when one is given. It returns an error when the file or anchor is
// missing.
func (s *shelf) resolve(rel, anchor string) (*Runbook, error) {
	p := path.Clean(strings.TrimPrefix(filepath.ToSlash(rel), "./"))
	if !fs.ValidPath(p) || p == "." {
		return nil, fmt.Errorf("%s: path leaves the runbook folder", rel)
	}
	if !isMarkdownName(p) {
		return nil, fmt.Errorf("%s: not a markdown file", s.location(p))
	}
	text, err := s.read(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.location(p), err)
	}
	d := scan(text)
	rb := s.wholeFile(p, d, SourceURL)
	if anchor != "" {
		i := d.findAnchor(anchor)
		if i < 0 {
			return nil, fmt.Errorf("%s: no heading for anchor #%s", s.location(p), normalizeAnchor(anchor))
		}
		rb.Title = d.headings[i].Text
		rb.Markdown = d.section(i)
		rb.Location += "#" + d.headings[i].Slug
	}
	return rb, nil
}

func (s *shelf) wholeFile(p string, d doc, rule Source) *Runbook {
	title := d.title()
	if title == "" {
		base := path.Base(p)
		title = strings.TrimSuffix(base, path.Ext(base))
	}
	return &Runbook{Title: title, Markdown: d.body(), Source: s.source(rule), Match: rule, Location: s.location(p)}
}

// nameKey folds a file or alert name for comparison: case-insensitive, and
// '-', '_' and spaces are ignored (api-down.md matches APIDown).
func nameKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r != '-' && r != '_' && r != ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// headingScore is 2 when the heading is the alert name, 1 when it contains
// the name as a whole word ("1. APIDown — backend down"), else 0.
func headingScore(text, alert string) int {
	t := strings.TrimSpace(text)
	if strings.EqualFold(t, alert) {
		return 2
	}
	if containsWord(t, alert) {
		return 1
	}
	return 0
}

func containsWord(text, word string) bool {
	if word == "" {
		return false
	}
	lt, lw := strings.ToLower(text), strings.ToLower(word)
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }
	for from := 0; ; {
		i := strings.Index(lt[from:], lw)
		if i < 0 {
			return false
		}
		i += from
		before, after := ' ', ' '
		if i > 0 {
			before, _ = utf8.DecodeLastRuneInString(lt[:i])
		}
		if j := i + len(lw); j < len(lt) {
			after, _ = utf8.DecodeRuneInString(lt[j:])
		}
		if !isWord(before) && !isWord(after) {
			return true
		}
		from = i + 1
	}
}
