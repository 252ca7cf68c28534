package playbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
)

// DefaultCostLimit bounds the work one expression evaluation may do, in
// CEL cost units; see [Options.CostLimit].
const DefaultCostLimit = 100_000

// maxExprLen bounds the length of one expression's source.
const maxExprLen = 4096

// compiler compiles CEL expressions for one load.
type compiler struct {
	base  *cel.Env // event, detail, target, params
	steps *cel.Env // base, steps and run
	limit uint64
}

func newCompiler(costLimit uint64) (*compiler, error) {
	if costLimit == 0 {
		costLimit = DefaultCostLimit
	}
	mapType := cel.MapType(cel.StringType, cel.DynType)
	base, err := cel.NewEnv(
		cel.Variable("event", mapType),
		cel.Variable("detail", cel.DynType),
		cel.Variable("target", mapType),
		cel.Variable("params", mapType),
		cel.CrossTypeNumericComparisons(true),
		joinFunction(),
		cel.ParserRecursionLimit(64),
		cel.ParserExpressionSizeLimit(maxExprLen),
	)
	if err != nil {
		return nil, fmt.Errorf("playbook: CEL environment: %w", err)
	}
	steps, err := base.Extend(cel.Variable("steps", mapType), cel.Variable("run", mapType))
	if err != nil {
		return nil, fmt.Errorf("playbook: CEL environment: %w", err)
	}
	return &compiler{base: base, steps: steps, limit: costLimit}, nil
}

// joinFunction declares list.join(separator): the list's elements as text,
// separated by separator ("a; b" from ["a", "b"].join("; ")).
func joinFunction() cel.EnvOption {
	return cel.Function("join",
		cel.MemberOverload("list_join_string", []*cel.Type{cel.ListType(cel.DynType), cel.StringType}, cel.StringType,
			cel.BinaryBinding(func(list, sep ref.Val) ref.Val {
				l, ok := list.(traits.Lister)
				s, sok := sep.(types.String)
				if !ok || !sok {
					return types.NewErr("join: want a list and a string separator")
				}
				var b strings.Builder
				i := 0
				for it := l.Iterator(); it.HasNext() == types.True; i++ {
					if i > 0 {
						b.WriteString(string(s))
					}
					v, err := native(it.Next(), 0)
					if err != nil {
						return types.NewErr("join: %v", err)
					}
					b.WriteString(text(v))
				}
				return types.String(b.String())
			})))
}

// compiled is a compiled expression and what it refers to.
type compiled struct {
	prg    cel.Program
	out    *cel.Type
	params []string // params.<name> references, excluding has() tests
	steps  []string // steps.<id> references, excluding has() tests
}

// compile compiles src. If withSteps is false, the steps variable is not
// declared. If wantBool is true, the expression must be a bool.
func (c *compiler) compile(src string, withSteps, wantBool bool) (*compiled, error) {
	if len(src) > maxExprLen {
		return nil, fmt.Errorf("expression is %d bytes long, more than %d", len(src), maxExprLen)
	}
	env := c.base
	if withSteps {
		env = c.steps
	}
	a, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, celIssues(iss)
	}
	// Values from the event are dynamically typed, so an expression such
	// as params.enabled is checked to be a bool when it is evaluated.
	if out := a.OutputType(); wantBool && !out.IsExactType(cel.BoolType) && !out.IsExactType(cel.DynType) {
		return nil, fmt.Errorf("expression is %s, want bool", out)
	}
	prg, err := env.Program(a,
		cel.CostLimit(c.limit),
		cel.InterruptCheckFrequency(100),
	)
	if err != nil {
		return nil, fmt.Errorf("CEL: %w", err)
	}
	out := &compiled{prg: prg, out: a.OutputType()}
	out.params = selects(a, "params")
	out.steps = selects(a, "steps")
	return out, nil
}

// celIssues turns CEL issues into a one-line error.
func celIssues(iss *cel.Issues) error {
	var msgs []string
	for _, e := range iss.Errors() {
		msg := e.Message
		if e.Location != nil && e.Location.Column() >= 0 {
			msg = fmt.Sprintf("%s (column %d)", msg, e.Location.Column()+1)
		}
		msgs = append(msgs, msg)
	}
	if len(msgs) == 0 {
		return errors.New("CEL: " + strings.TrimSpace(iss.String()))
	}
	return errors.New("CEL: " + strings.Join(msgs, "; "))
}

// selects returns the field names selected directly from the identifier
// root, such as "x" for params.x, excluding has() tests.
func selects(a *cel.Ast, root string) []string {
	var out []string
	ast.PreOrderVisit(a.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.SelectKind {
			return
		}
		s := e.AsSelect()
		if s.IsTestOnly() {
			return
		}
		if op := s.Operand(); op.Kind() == ast.IdentKind && op.AsIdent() == root {
			out = append(out, s.FieldName())
		}
	}))
	return out
}

func evalBool(prg cel.Program, act map[string]any) (bool, error) {
	v, _, err := prg.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("result is %s, want bool", v.Type().TypeName())
	}
	return bool(b), nil
}

func eval(prg cel.Program, act map[string]any) (any, error) {
	v, _, err := prg.Eval(act)
	if err != nil {
		return nil, err
	}
	return native(v, 0)
}

// native converts a CEL value to plain Go: string, int, float64, bool,
// nil, time.Duration, time.Time, []any and map[string]any.
func native(v ref.Val, depth int) (any, error) {
	if depth > 100 {
		return nil, errors.New("value is nested too deeply")
	}
	switch v := v.(type) {
	case types.String:
		return string(v), nil
	case types.Int:
		return int(v), nil
	case types.Uint:
		if uint64(v) > math.MaxInt64 {
			return nil, fmt.Errorf("%d is out of range", uint64(v))
		}
		return int(v), nil
	case types.Double:
		return float64(v), nil
	case types.Bool:
		return bool(v), nil
	case types.Null:
		return nil, nil
	case types.Duration:
		return v.Duration, nil
	case types.Timestamp:
		return v.Time, nil
	case types.Bytes:
		return string(v), nil
	}
	switch v.Type() {
	case types.ListType:
		l := v.(traits.Lister)
		var out []any
		for it := l.Iterator(); it.HasNext() == types.True; {
			e, err := native(it.Next(), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	case types.MapType:
		m := v.(traits.Mapper)
		out := map[string]any{}
		for it := m.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, fmt.Errorf("map key %v is %s, want string", k, k.Type().TypeName())
			}
			e, err := native(m.Get(k), depth+1)
			if err != nil {
				return nil, err
			}
			out[string(ks)] = e
		}
		return out, nil
	}
	if err, ok := v.(*types.Err); ok {
		return nil, err
	}
	return nil, fmt.Errorf("unsupported value of type %s", v.Type().TypeName())
}

// text formats a value for interpolation into a string.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Duration:
		return v.String()
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
