// Package spelling finds the likely intended word for a misspelt one, for
// "did you mean" hints in error messages.
package spelling

// Closest returns the option closest to s if it is close enough to be a
// likely misspelling (a third of the letters wrong, at most three), or "".
func Closest(s string, options []string) string {
	limit := min((len(s)+2)/3, 3)
	best, bestDist := "", limit+1
	for _, o := range options {
		if d := Distance(s, o, limit); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// Distance returns the Levenshtein distance between a and b, or a value
// above limit once it is sure to exceed it. A negative limit means none.
func Distance(a, b string, limit int) int {
	if limit >= 0 {
		if len(a) > 64 || len(b) > 64 {
			return limit + 1
		}
		if d := len(a) - len(b); d > limit || -d > limit {
			return limit + 1
		}
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
