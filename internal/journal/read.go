package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Problem is a line that could not be read.
type Problem struct {
	// File is the base name of the file holding the line.
	File string
	Line int
	Err  string
}

// String describes the problem in one line.
func (p Problem) String() string {
	if p.File == "" {
		return fmt.Sprintf("line %d: %s", p.Line, p.Err)
	}
	return fmt.Sprintf("%s line %d: %s", p.File, p.Line, p.Err)
}

// ReadResult holds entries and the lines that were skipped.
type ReadResult struct {
	Entries  []Entry
	Problems []Problem
}

// Read returns every readable entry with Time >= since (zero: all), from the
// rotated files that may hold such entries and then the active file, in
// file order. Torn or corrupt lines are skipped and reported in Problems. A
// missing file is empty.
func (j *Journal) Read(since time.Time) (ReadResult, error) {
	var res ReadResult
	// Open the active file first: if it is rotated while we list the
	// rotated files, we read it once, through this descriptor.
	active, err := os.Open(j.Path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		active = nil
	case err != nil:
		return res, fmt.Errorf("journal: %w", unwrapPath(err))
	default:
		defer active.Close()
	}
	var activeInfo os.FileInfo
	if active != nil {
		if activeInfo, err = active.Stat(); err != nil {
			return res, fmt.Errorf("journal: %w", unwrapPath(err))
		}
	}
	rotated, err := j.rotated()
	if err != nil {
		return res, err
	}
	for _, r := range rotated {
		// Entries are stamped when written, and a rotated file holds the
		// writes of one month: skip months that ended before since.
		if !since.IsZero() && r.month.AddDate(0, 1, 0).Before(since) {
			continue
		}
		if err := readFile(r.path, activeInfo, since, &res); err != nil {
			return res, err
		}
	}
	if active == nil {
		return res, nil
	}
	// A shared lock keeps us from reading a line while it is being written.
	if err := syscall.Flock(int(active.Fd()), syscall.LOCK_SH); err == nil {
		defer syscall.Flock(int(active.Fd()), syscall.LOCK_UN) //nolint:errcheck
	}
	// Read what the file holds now, never more: a device given as the
	// journal (/dev/full, /dev/zero) would otherwise be read forever, with
	// the lock held against every append.
	size := int64(0)
	if st, err := active.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	if err := readFrom(io.LimitReader(active, size), filepath.Base(j.Path), since, &res); err != nil {
		return res, err
	}
	return res, nil
}

// readFile reads one rotated file unless it is the active file (skip).
func readFile(path string, skip os.FileInfo, since time.Time, res *ReadResult) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // pruned meanwhile
	}
	if err != nil {
		return fmt.Errorf("journal: %w", unwrapPath(err))
	}
	defer f.Close()
	if skip != nil {
		if st, err := f.Stat(); err == nil && os.SameFile(st, skip) {
			return nil
		}
	}
	return readFrom(f, filepath.Base(path), since, res)
}

func readFrom(r io.Reader, name string, since time.Time, res *ReadResult) error {
	br := bufio.NewReaderSize(r, 64<<10)
	n := 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			n++
			complete := line[len(line)-1] == '\n'
			line = bytes.TrimSpace(line)
			if len(line) > 0 {
				var e Entry
				if uerr := json.Unmarshal(line, &e); uerr != nil {
					msg := "corrupt line"
					switch {
					case !complete:
						msg = "torn last line (interrupted write)"
					case truncatedJSON(line):
						msg = "torn line (interrupted write)"
					}
					res.Problems = append(res.Problems, Problem{File: name, Line: n, Err: msg})
				} else if since.IsZero() || !e.Time.Before(since) {
					res.Entries = append(res.Entries, e)
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("journal read %s: %w", name, err)
		}
	}
}

// truncatedJSON reports whether line is the beginning of a JSON value cut
// short, which is what a write interrupted by a crash leaves.
func truncatedJSON(line []byte) bool {
	var v any
	err := json.NewDecoder(bytes.NewReader(line)).Decode(&v)
	return errors.Is(err, io.ErrUnexpectedEOF)
}
