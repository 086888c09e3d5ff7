package cli

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"oncall/internal/alerts"
)

// writeJSON prints exactly what json.Encoder with SetIndent("", "  ")
// prints, for awkward values and for random nested ones.
func TestWriteJSONIsEncoderIndent(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	values := []any{
		nil, 0, -1.5e300, true, "", `a"b\c`, "x\u2028y</script>&", "\x00\x1f\t\n", "é 🚨",
		[]int{}, []int{1}, map[string]any{}, map[string]any{"": nil, "a": []any{}, "b": map[string]int{}},
		[]*alerts.Alert{}, []*alerts.Alert(nil),
		[]*alerts.Alert{{Fingerprint: "f", Labels: map[string]string{"alertname": "A{[,:]}", "q": `"\"`}, StartsAt: at, ActiveAt: &at,
			Ack: &alerts.Ack{By: "a@b", At: at}}},
		[]alerts.Alert{{Fingerprint: "v", StartsAt: at}}, []any{nil, 1, "x", []int{}}, []byte("bytes"), []ptrMarshaler{{1}, {2}},
		[]*ptrMarshaler{{3}, nil}, selfMarshaler{1, 2}, []float64{1, 2.5}, []map[string]int{{"b": 1, "a": 2}, nil},
		struct {
			A []struct{} `json:"a"`
			B [][]int    `json:"b"`
		}{A: []struct{}{{}, {}}, B: [][]int{{}, {1, 2}, nil}},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		values = append(values, randomJSON(r, 4))
	}
	for _, v := range values {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeJSON(&got, v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("writeJSON(%#v):\n%s\nwant:\n%s", v, got.String(), want.String())
		}
	}
	if err := writeJSON(&bytes.Buffer{}, func() {}); err == nil {
		t.Fatal("no error for a value JSON cannot encode")
	}
}

// ptrMarshaler has a pointer-receiver MarshalJSON, used only when the
// value is addressable (inside a slice it is).
type ptrMarshaler struct{ N int }

func (p *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(`{"n" : ` + strconv.Itoa(p.N) + `}`), nil
}

// selfMarshaler is a slice that marshals itself.
type selfMarshaler []int

func (s selfMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"self"`), nil }

func randomJSON(r *rand.Rand, depth int) any {
	k := r.IntN(7)
	if depth == 0 {
		k %= 4
	}
	switch k {
	case 0:
		return r.IntN(2000) - 1000
	case 1:
		return r.IntN(2) == 0
	case 2:
		return nil
	case 3:
		return randomString(r)
	case 4, 5:
		a := make([]any, r.IntN(4))
		for i := range a {
			a[i] = randomJSON(r, depth-1)
		}
		return a
	default:
		m := map[string]any{}
		for i := range r.IntN(4) {
			m[string(rune('a'+i))+randomString(r)] = randomJSON(r, depth-1)
		}
		return m
	}
}

// randomString mixes JSON's structural characters, escapes and non-ASCII.
func randomString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(6) {
		b.WriteString([]string{"a", `"`, `\`, "{", "]", ",", ":", " ", "\n", "é", "<"}[r.IntN(11)])
	}
	return b.String()
}
