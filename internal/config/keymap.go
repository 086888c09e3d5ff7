package config

import (
	"fmt"
	"sort"
)

// Keys is the [keys] table. Flat entries remap the root's actions
// (`silence = "x"`, `logs = "L"`); a sub-table remaps one screen's own keys
// (`[keys.logs] wrap = "W"`). A value is one key or several separated by
// commas ("s,ctrl+x").
type Keys struct {
	Global  map[string]string
	Screens map[string]map[string]string
}

// UnmarshalTOML implements toml.Unmarshaler.
func (k *Keys) UnmarshalTOML(v any) error {
	top, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("want a table of action = \"key\"")
	}
	names := make([]string, 0, len(top))
	for n := range top {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		switch val := top[n].(type) {
		case string:
			if k.Global == nil {
				k.Global = map[string]string{}
			}
			k.Global[n] = val
		case map[string]any:
			sub := map[string]string{}
			for a, x := range val {
				s, ok := x.(string)
				if !ok {
					return fmt.Errorf("%s.%s: want a key such as \"w\" or \"w,ctrl+w\", not %T", n, a, x)
				}
				sub[a] = s
			}
			if k.Screens == nil {
				k.Screens = map[string]map[string]string{}
			}
			k.Screens[n] = sub
		default:
			return fmt.Errorf("%s: want a key such as \"s\" or a [keys.%s] table, not %T", n, n, val)
		}
	}
	return nil
}
