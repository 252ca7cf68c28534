package playbook

import (
	"errors"
	"fmt"
	"strings"
)

// template is a string with ${expr} substitutions.
type template struct {
	src   string
	parts []tmplPart
	whole bool // the string is exactly one ${expr}: render keeps its type
}

type tmplPart struct {
	lit  string
	expr *compiled // nil for a literal part
	src  string
}

// maxTemplateExprs bounds the substitutions in one string.
const maxTemplateExprs = 32

// hasTemplate reports whether s contains a substitution or an escaped one.
func hasTemplate(s string) bool { return strings.Contains(s, "${") }

// splitTemplate splits s into literal text and expression sources.
// It returns the parts with expr sources in src and nil expr.
func splitTemplate(s string) ([]tmplPart, error) {
	var parts []tmplPart
	var lit strings.Builder
	n := 0
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			lit.WriteString(s[i:])
			break
		}
		j += i
		if j > i && s[j-1] == '$' { // $${ is a literal ${
			lit.WriteString(s[i : j-1])
			lit.WriteString("${")
			i = j + 2
			continue
		}
		lit.WriteString(s[i:j])
		end, err := closingBrace(s, j+2)
		if err != nil {
			return nil, fmt.Errorf("${ at offset %d: %w", j, err)
		}
		expr := strings.TrimSpace(s[j+2 : end])
		if expr == "" {
			return nil, fmt.Errorf("empty ${} at offset %d", j)
		}
		if n++; n > maxTemplateExprs {
			return nil, fmt.Errorf("more than %d ${...} in one string", maxTemplateExprs)
		}
		if lit.Len() > 0 {
			parts = append(parts, tmplPart{lit: lit.String()})
			lit.Reset()
		}
		parts = append(parts, tmplPart{src: expr})
		i = end + 1
	}
	if lit.Len() > 0 {
		parts = append(parts, tmplPart{lit: lit.String()})
	}
	return parts, nil
}

// closingBrace returns the index of the } that closes an expression
// starting at i, skipping braces inside CEL string literals.
func closingBrace(s string, i int) (int, error) {
	depth := 0
	for ; i < len(s); i++ {
		switch c := s[i]; c {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return i, nil
			}
			depth--
		case '"', '\'':
			j := i + 1
			for ; j < len(s) && s[j] != c; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return 0, errors.New("unterminated string literal")
			}
			i = j
		}
	}
	return 0, errors.New("missing closing }")
}

// compileTemplate compiles s. It returns nil if s has no substitutions
// (after unescaping, the literal is returned as lit).
func (c *compiler) compileTemplate(s string) (t *template, lit string, err error) {
	parts, err := splitTemplate(s)
	if err != nil {
		return nil, "", err
	}
	exprs := 0
	for i := range parts {
		if parts[i].src == "" {
			continue
		}
		exprs++
		parts[i].expr, err = c.compile(parts[i].src, true, false)
		if err != nil {
			return nil, "", fmt.Errorf("${%s}: %w", parts[i].src, err)
		}
	}
	if exprs == 0 {
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.lit)
		}
		return nil, b.String(), nil
	}
	return &template{src: s, parts: parts, whole: len(parts) == 1}, "", nil
}

// value renders the template: the expression's typed value for a whole
// template, a string otherwise.
func (t *template) value(act map[string]any) (any, error) {
	if t.whole {
		v, err := eval(t.parts[0].expr.prg, act)
		if err != nil {
			return nil, fmt.Errorf("${%s}: %w", t.parts[0].src, err)
		}
		return v, nil
	}
	return t.text(act)
}

// text renders the template as a string.
func (t *template) text(act map[string]any) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.expr == nil {
			b.WriteString(p.lit)
			continue
		}
		v, err := eval(p.expr.prg, act)
		if err != nil {
			return "", fmt.Errorf("${%s}: %w", p.src, err)
		}
		b.WriteString(text(v))
	}
	return b.String(), nil
}

// render returns a copy of v with every *template expanded.
func render(v any, act map[string]any) (any, error) {
	switch v := v.(type) {
	case *template:
		return v.value(act)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := render(e, act)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := render(e, act)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

// usesSteps reports whether a parameter value (a template, or a list or map
// holding templates) refers to earlier steps' outputs.
func usesSteps(v any) bool {
	switch v := v.(type) {
	case *template:
		for _, p := range v.parts {
			if p.expr != nil && len(p.expr.steps) > 0 {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if usesSteps(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if usesSteps(e) {
				return true
			}
		}
	}
	return false
}
