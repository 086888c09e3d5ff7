// Package journal appends every write oncall makes (silence, ack, expire,
// extend, ack extension, note) to a JSON Lines file, and reads it back.
//
// Appends are safe across processes: each entry is one write(2) of one
// complete line to a file opened with O_APPEND, under an exclusive flock.
// A crash can at worst leave a torn last line; readers skip it and report it,
// and the next append starts on a fresh line.
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

// Entry is one journaled action.
type Entry struct {
	Time      time.Time         `json:"time"`
	User      string            `json:"user"`
	Context   string            `json:"context"`
	Action    string            `json:"action"` // silence, ack, expire, extend, ack-extend, note, note-edit, note-strike, handoff
	Target    string            `json:"target"` // matchers, silence ID, alert fingerprint
	Result    string            `json:"result"` // ok, error
	Error     string            `json:"error,omitempty"`
	SilenceID string            `json:"silenceID,omitempty"`
	Comment   string            `json:"comment,omitempty"`
	EndsAt    *time.Time        `json:"endsAt,omitempty"`
	Alert     string            `json:"alert,omitempty"`
	ID        string            `json:"id,omitempty"`
	Ref       string            `json:"ref,omitempty"`
	Extra     map[string]string `json:"extra,omitempty"`
}

// Actions.
const (
	ActionSilence   = "silence"
	ActionAck       = "ack"
	ActionExpire    = "expire"
	ActionExtend    = "extend"
	ActionAckExtend = "ack-extend"
	ActionNote      = "note"
	ActionHandoff   = "handoff"
)

// Journal is an append-only JSON Lines file.
type Journal struct {
	Path string
}

// DefaultPath is $XDG_STATE_HOME/oncall/journal.jsonl (or ~/.local/state/...).
func DefaultPath(getenv func(string) string) string {
	base := getenv("XDG_STATE_HOME")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return filepath.Join(os.TempDir(), "oncall-journal.jsonl")
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "oncall", "journal.jsonl")
}

// Open returns a journal at path, creating its directory.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	return &Journal{Path: path}, nil
}

// Append writes one entry atomically with respect to other appenders.
func (j *Journal) Append(e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	line = append(line, '\n')
	f, err := os.OpenFile(j.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("journal lock: %w", err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck
	// If a crashed writer left a torn line, start ours on a fresh line.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		var last [1]byte
		if r, err := os.Open(j.Path); err == nil {
			_, rerr := r.ReadAt(last[:], st.Size()-1)
			r.Close()
			if rerr == nil && last[0] != '\n' {
				line = append([]byte{'\n'}, line...)
			}
		}
	}
	if _, err := f.Write(line); err != nil {
		return fmt.Errorf("journal write: %w", err)
	}
	return nil
}

// Problem is a line that could not be read.
type Problem struct {
	Line int
	Err  string
}

// ReadResult holds entries and the lines that were skipped.
type ReadResult struct {
	Entries  []Entry
	Problems []Problem
}

// Read returns every readable entry with Time >= since (zero: all). Torn or
// corrupt lines are skipped and reported in Problems. A missing file is empty.
func (j *Journal) Read(since time.Time) (ReadResult, error) {
	var res ReadResult
	f, err := os.Open(j.Path)
	if errors.Is(err, os.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("journal: %w", err)
	}
	defer f.Close()
	if err := readFrom(f, since, &res); err != nil {
		return res, err
	}
	return res, nil
}

func readFrom(r io.Reader, since time.Time, res *ReadResult) error {
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
					if !complete {
						msg = "torn last line (interrupted write)"
					}
					res.Problems = append(res.Problems, Problem{Line: n, Err: msg})
				} else if since.IsZero() || !e.Time.Before(since) {
					res.Entries = append(res.Entries, e)
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("journal read: %w", err)
		}
	}
}
