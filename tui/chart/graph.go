package chart

import "oncall/internal/graph"

// FromGraph is the chart of an alert's graph: its series, its threshold,
// its pending (P) and firing (F) markers and the series left out.
func FromGraph(r *graph.Result) Data {
	d := Data{From: r.Start, To: r.End, Hidden: r.Hidden}
	for _, s := range r.Series {
		l := Line{Name: s.Name, Points: make([]Point, len(s.Points))}
		for i, p := range s.Points {
			l.Points[i] = Point{T: p.T, V: p.V}
		}
		d.Lines = append(d.Lines, l)
	}
	if t := r.Threshold; t != nil {
		d.Threshold = &Threshold{Op: t.Op, Value: t.Value}
		if t.Bool {
			d.Threshold.Label = "(bool)"
		}
	}
	for _, m := range r.Markers {
		switch m.Kind {
		case graph.MarkPending:
			d.Markers = append(d.Markers, Marker{Letter: "P", Name: "pending since", At: m.At})
		case graph.MarkFiring:
			d.Markers = append(d.Markers, Marker{Letter: "F", Name: "firing since", At: m.At, Firing: true})
		}
	}
	return d
}
