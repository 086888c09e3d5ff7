package journal

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Child writer mode: the test binary re-executed with these variables set
// appends entries and exits, so that the tests can run real OS processes.
const (
	envChildPath  = "ONCALL_JOURNAL_TEST_CHILD_PATH"
	envChildID    = "ONCALL_JOURNAL_TEST_CHILD_ID"
	envChildCount = "ONCALL_JOURNAL_TEST_CHILD_COUNT"
	envChildMax   = "ONCALL_JOURNAL_TEST_CHILD_MAXSIZE"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(envChildPath); path != "" {
		os.Exit(childWriter(path))
	}
	os.Exit(m.Run())
}

func childWriter(path string) int {
	n, err := strconv.Atoi(os.Getenv(envChildCount))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad count:", err)
		return 2
	}
	max, _ := strconv.ParseInt(os.Getenv(envChildMax), 10, 64)
	id := os.Getenv(envChildID)
	j := &Journal{Path: path, MaxSize: max}
	pad := strings.Repeat("x", 200)
	for i := range n {
		if err := j.Append(Entry{User: "proc" + id, Action: ActionAck, Target: strconv.Itoa(i), Result: ResultOK, Comment: pad}); err != nil {
			fmt.Fprintln(os.Stderr, "append:", err)
			return 1
		}
	}
	return 0
}

// runWriters starts procs child processes appending each entries to path.
func runWriters(t *testing.T, path string, procs, each int, maxSize int64) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, procs)
	outs := make([][]byte, procs)
	for p := range procs {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), envChildPath+"="+path, envChildID+"="+strconv.Itoa(p),
			envChildCount+"="+strconv.Itoa(each), envChildMax+"="+strconv.FormatInt(maxSize, 10))
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[p], errs[p] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for p, err := range errs {
		if err != nil {
			t.Fatalf("writer process %d: %v: %s", p, err, outs[p])
		}
	}
}

// checkAll asserts that every (process, index) entry is there exactly once.
func checkAll(t *testing.T, j *Journal, procs, each int) {
	t.Helper()
	res, err := j.Read(time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != 0 {
		t.Fatalf("problems: %v", res.Problems)
	}
	seen := map[string]int{}
	last := map[string]int{}
	for _, e := range res.Entries {
		k := e.User + "/" + e.Target
		seen[k]++
		// Each process writes its entries in order; a reader across
		// files must return them in that order too.
		i, _ := strconv.Atoi(e.Target)
		if prev, ok := last[e.User]; ok && i != prev+1 {
			t.Fatalf("%s: entry %d follows %d", e.User, i, prev)
		}
		last[e.User] = i
	}
	if len(res.Entries) != procs*each || len(seen) != procs*each {
		t.Fatalf("read %d entries (%d distinct), want %d", len(res.Entries), len(seen), procs*each)
	}
}

func TestSeveralProcessesNeverLoseOrTearEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	runWriters(t, path, 4, 500, 0)
	j := &Journal{Path: path}
	checkAll(t, j, 4, 500)
	if rs, _ := j.Rotated(); len(rs) != 0 {
		t.Fatalf("rotated without reason: %v", rs)
	}
}

func TestRotationUnderConcurrentProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	// ~300 bytes an entry: a rotation every ~100 entries, ~20 in all.
	runWriters(t, path, 4, 500, 30_000)
	j := &Journal{Path: path}
	rs, err := j.Rotated()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) < 10 {
		t.Fatalf("rotated into %d files, want at least 10", len(rs))
	}
	month := time.Now().UTC().Format("200601")
	if want := filepath.Join(filepath.Dir(path), "journal-"+month+".jsonl"); rs[0] != want {
		t.Fatalf("first rotated file = %s, want %s", rs[0], want)
	}
	if want := filepath.Join(filepath.Dir(path), "journal-"+month+".1.jsonl"); rs[1] != want {
		t.Fatalf("second rotated file = %s, want %s", rs[1], want)
	}
	for _, r := range rs {
		st, err := os.Stat(r)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 30_000+400 {
			t.Fatalf("%s is %d bytes: rotation came late", r, st.Size())
		}
	}
	checkAll(t, j, 4, 500)
}
