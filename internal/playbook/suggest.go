package playbook

import "github.com/rectify-dev/rectify/internal/spelling"

// didYouMean returns " (did you mean X?)" for the option closest to s, or
// "" if none is close.
func didYouMean(s string, options []string) string {
	if m := spelling.Closest(s, options); m != "" {
		return " (did you mean " + m + "?)"
	}
	return ""
}
