package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A journal on a full disk reports the failed write: /dev/full answers
// every write with ENOSPC, as a full filesystem does.
func TestAppendOnFullDiskFails(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("/dev/full: %v", err)
		}
		t.Skip("no /dev/full")
	}
	j, err := Open("/dev/full")
	if err != nil {
		t.Fatal(err)
	}
	err = j.Append(Entry{User: "alice", Action: ActionSilence, Target: `alertname="A"`, Result: ResultOK})
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append on /dev/full = %v, want ENOSPC", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "journal write") || !strings.Contains(msg, "/dev/full") || strings.Contains(msg, "\n") {
		t.Errorf("error %q is not one line naming the write and the file", msg)
	}
	if st, err := os.Stat("/dev/full"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/full was moved or replaced: %v %v", st, err)
	}
}

// Reading a device given as the journal ends at once (it holds nothing),
// instead of reading its endless zeros with the lock held against appends.
func TestReadOfADeviceEnds(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	done := make(chan error, 1)
	go func() {
		res, err := (&Journal{Path: "/dev/zero"}).Read(time.Time{})
		if err == nil && len(res.Entries)+len(res.Problems) != 0 {
			err = errors.New("entries read from /dev/zero")
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading /dev/zero as the journal did not end")
	}
}

// An injected write failure (the file opened read-only) is returned, and
// nothing reaches the file.
func TestAppendInjectedWriteError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "journal.jsonl")
	j := &Journal{Path: p}
	if err := j.Append(Entry{User: "alice", Action: ActionAck, Result: ResultOK}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(p)
	j.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		return os.OpenFile(name, os.O_RDONLY, perm)
	}
	err := j.Append(Entry{User: "alice", Action: ActionExpire, Result: ResultOK})
	if err == nil || !strings.Contains(err.Error(), "journal write") {
		t.Fatalf("Append with a failing write = %v", err)
	}
	after, _ := os.ReadFile(p)
	if string(after) != string(before) {
		t.Errorf("file changed from %q to %q", before, after)
	}
	j.OpenFile = nil
	if err := j.Append(Entry{User: "alice", Action: ActionExpire, Result: ResultRefused, Guard: "read-only"}); err != nil {
		t.Fatal(err)
	}
	res, err := j.Read(time.Time{})
	if err != nil || len(res.Entries) != 2 || res.Entries[1].Guard != "read-only" || res.Entries[1].Result != ResultRefused {
		t.Fatalf("read back %+v, %v", res.Entries, err)
	}
}
