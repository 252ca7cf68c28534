package awssim

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Helpers for decoding AWS query-protocol parameters.

// required returns a parameter that must be present.
func required(in url.Values, name string) (string, error) {
	v := in.Get(name)
	if v == "" {
		return "", errMissingParameter(name)
	}
	return v, nil
}

// queryList returns the members of a list parameter: name.member.N (IAM,
// SNS, RDS) or name.N (EC2), in index order.
func queryList(in url.Values, name string) []string {
	type item struct {
		i int
		v string
	}
	var items []item
	for k, vs := range in {
		rest, ok := strings.CutPrefix(k, name+".")
		if !ok || len(vs) == 0 {
			continue
		}
		rest = strings.TrimPrefix(rest, "member.")
		i, err := strconv.Atoi(rest)
		if err != nil {
			continue
		}
		items = append(items, item{i, vs[0]})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.v
	}
	return out
}

// queryStructs returns the members of a list of structures: for keys
// name[.member].N.Field..., one url.Values per N holding "Field..." keys, in
// index order.
func queryStructs(in url.Values, name string) []url.Values {
	byIndex := map[int]url.Values{}
	for k, vs := range in {
		rest, ok := strings.CutPrefix(k, name+".")
		if !ok {
			continue
		}
		rest = strings.TrimPrefix(rest, "member.")
		idx, field, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(idx)
		if err != nil {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = url.Values{}
		}
		byIndex[i][field] = vs
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]url.Values, len(idx))
	for j, i := range idx {
		out[j] = byIndex[i]
	}
	return out
}

// queryMap returns a map parameter encoded as name.entry.N.key/value (or
// the given key and value member names).
func queryMap(in url.Values, name, keyName, valueName string) map[string]string {
	out := map[string]string{}
	for _, e := range queryStructs(in, name+".entry") {
		out[e.Get(keyName)] = e.Get(valueName)
	}
	for _, e := range queryStructs(in, name) {
		if k := e.Get(keyName); k != "" {
			out[k] = e.Get(valueName)
		}
	}
	return out
}

// isoTime formats a time as the query and XML protocols do.
func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedUnique(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}
