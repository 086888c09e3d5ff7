// Package journal appends every write oncall makes (silence, ack, expire,
// extend, ack extension, note, handoff) to a JSON Lines file, and reads it
// back.
//
// Appends are safe across processes: each entry is one write(2) of one
// complete line to a file opened with O_APPEND, under an exclusive flock.
// A crash can at worst leave a torn last line; readers skip it and report it,
// and the next append starts on a fresh line.
//
// The active file is rotated (renamed, under the lock) at the first append
// of a new month or once it reaches MaxSize, into journal-YYYYMM.jsonl, then
// journal-YYYYMM.1.jsonl and so on. Readers read across the rotated files.
// Rotated files whose last write is older than Retention are deleted when
// the journal rotates.
package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Entry is one journaled action.
type Entry struct {
	Time    time.Time `json:"time"`
	User    string    `json:"user"`
	Context string    `json:"context"`
	Action  string    `json:"action"` // silence, ack, expire, extend, ack-extend, undo, note, note-edit, note-strike, note-unstrike, handoff
	Target  string    `json:"target"` // matchers, silence ID, alert fingerprint
	Result  string    `json:"result"` // ok, error, refused
	Error   string    `json:"error,omitempty"`
	// Guard says which rail allowed or stopped a write: "ok", "off" (no
	// rules), "confirmed breadth, duration", "refused comment",
	// "unconfirmed breadth", "read-only", "conflict".
	Guard     string            `json:"guard,omitempty"`
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
	// ActionUndo re-creates an expired silence: Ref is the expired one,
	// SilenceID the new one.
	ActionUndo    = "undo"
	ActionNote    = "note"
	ActionHandoff = "handoff"
)

// Results.
const (
	ResultOK    = "ok"
	ResultError = "error"
	// ResultRefused: a rail (read-only, a guard rule, a missing
	// confirmation, a conflict) stopped the write before it was sent.
	ResultRefused = "refused"
)

// Defaults for a Journal whose fields are zero.
const (
	// DefaultRetention is how long rotated files are kept at least.
	DefaultRetention = 30 * 24 * time.Hour
	// DefaultMaxSize is the size at which the active file is rotated.
	DefaultMaxSize int64 = 16 << 20
)

// maxAttempts bounds how often Append reopens the file because another
// process rotated it between our open and our lock.
const maxAttempts = 16

// Journal is an append-only JSON Lines file. The zero values of Retention,
// MaxSize and Now mean DefaultRetention, DefaultMaxSize and time.Now.
type Journal struct {
	Path string
	// Retention is the minimum age of the last write of a rotated file
	// before it is deleted.
	Retention time.Duration
	// MaxSize is the size in bytes at which the active file is rotated.
	MaxSize int64
	// Now is the clock that decides monthly rotation.
	Now func() time.Time
	// OpenFile opens the active file; nil means os.OpenFile. Tests inject
	// failures through it.
	OpenFile func(name string, flag int, perm os.FileMode) (*os.File, error)
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

func (j *Journal) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *Journal) retention() time.Duration {
	if j.Retention > 0 {
		return j.Retention
	}
	return DefaultRetention
}

func (j *Journal) maxSize() int64 {
	if j.MaxSize > 0 {
		return j.MaxSize
	}
	return DefaultMaxSize
}

// Append writes one entry atomically with respect to other appenders, in
// this or other processes, rotating the file first when it is due. It waits
// for the lock as long as it takes; see AppendContext for a bounded wait.
func (j *Journal) Append(e Entry) error { return j.AppendContext(context.Background(), e) }

// AppendContext is Append giving up when ctx ends while it waits for the
// lock (another process holding it), in which case nothing is written.
func (j *Journal) AppendContext(ctx context.Context, e Entry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	line = append(line, '\n')
	for range maxAttempts {
		done, err := j.tryAppend(ctx, line)
		if done || err != nil {
			return err
		}
	}
	return fmt.Errorf("journal %s: the file kept being rotated by other processes; entry not written", j.Path)
}

// tryAppend opens and locks the active file and writes line to it. It
// returns done=false when the path no longer names the file it locked (another
// process rotated it meanwhile) or when it rotated the file itself: the
// caller then tries again on the new file.
func (j *Journal) tryAppend(ctx context.Context, line []byte) (done bool, err error) {
	open := j.OpenFile
	if open == nil {
		open = os.OpenFile
	}
	f, err := open(j.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return false, fmt.Errorf("journal: %w", unwrapPath(err))
	}
	defer f.Close()
	if err := lock(ctx, f); err != nil {
		return false, err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("journal: %w", unwrapPath(err))
	}
	// Another process may have renamed the file between our open and our
	// lock: then writing to it would put the entry in a rotated file.
	cur, err := os.Stat(j.Path)
	if err != nil || !os.SameFile(st, cur) {
		return false, nil
	}
	if j.due(st) {
		// A failed rotation is not fatal: the entry still goes to the
		// active file, and the next append tries again.
		if j.rotateLocked(st) == nil {
			return false, nil
		}
	}
	// If a crashed writer left a torn line, start ours on a fresh line.
	if size := st.Size(); size > 0 {
		var last [1]byte
		if _, rerr := f.ReadAt(last[:], size-1); rerr == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	if _, err := f.Write(line); err != nil {
		return false, fmt.Errorf("journal write: %w", unwrapPath(err))
	}
	return true, nil
}

// lock takes the exclusive lock on f: blocking when ctx can never end, else
// polling until ctx ends.
func lock(ctx context.Context, f *os.File) error {
	if ctx.Done() == nil {
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			return fmt.Errorf("journal lock: %w", err)
		}
		return nil
	}
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return fmt.Errorf("journal lock: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("journal %s: still locked by another process, entry not written (%v)", filepath.Base(f.Name()), ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 20*time.Millisecond)
	}
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
