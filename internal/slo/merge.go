package slo

// Merge returns the configured definitions followed by the discovered ones
// whose names are not configured: the config wins a name clash, and a name
// discovered twice is kept once.
func Merge(configured, discovered []Definition) []Definition {
	seen := make(map[string]bool, len(configured))
	out := make([]Definition, 0, len(configured)+len(discovered))
	for _, d := range configured {
		seen[d.Name] = true
		out = append(out, d)
	}
	for _, d := range discovered {
		if !seen[d.Name] {
			seen[d.Name] = true
			out = append(out, d)
		}
	}
	return out
}
