package awssim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// The Smithy RPC v2 CBOR protocol (CloudWatch): every operation is a POST
// to /service/<ServiceName>/operation/<Operation> with a CBOR body and the
// header Smithy-Protocol: rpc-v2-cbor; responses are CBOR maps, errors
// maps with __type and message. Services that once spoke AWS query
// (CloudWatch) also send the query error code in X-Amzn-Query-Error.
//
// The simulator transcodes at the boundary: a request body is decoded to
// the JSON the service's JSON handlers read (timestamps as epoch seconds,
// blobs as base64), and a handler's result, a Go value marshalled as
// encoding/json would (json tags, omitempty), is encoded as CBOR with
// time.Time and epochSec values as epoch-seconds timestamps (tag 1),
// integers as CBOR integers and floats as doubles.

// rpcv2Operation returns the operation of an RPC v2 request path for the
// service named service, or "" if the path is not one.
func rpcv2Operation(path, service string) string {
	rest, ok := strings.CutPrefix(path, "/service/"+service+"/operation/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return ""
	}
	return rest
}

// cborToJSON transcodes a CBOR request body to JSON. An empty body is an
// empty object.
func cborToJSON(body []byte) ([]byte, error) {
	if len(body) == 0 {
		return []byte("{}"), nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "SerializationException", "request body is not CBOR: %v", err)
	}
	g, err := cborGeneric(v)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "SerializationException", "request body: %v", err)
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "SerializationException", "request body: %v", err)
	}
	return b, nil
}

// cborGeneric converts a decoded CBOR value to the generic Go values of
// encoding/json.
func cborGeneric(v cbor.Value) (any, error) {
	switch x := v.(type) {
	case cbor.Uint:
		return uint64(x), nil
	case cbor.NegInt:
		if x == 0 {
			return nil, fmt.Errorf("integer out of range")
		}
		return -int64(x), nil
	case cbor.Float32:
		return float64(x), nil
	case cbor.Float64:
		return float64(x), nil
	case cbor.String:
		return string(x), nil
	case cbor.Slice:
		return base64.StdEncoding.EncodeToString(x), nil
	case cbor.Bool:
		return bool(x), nil
	case *cbor.Nil, *cbor.Undefined:
		return nil, nil
	case cbor.List:
		out := make([]any, len(x))
		for i, e := range x {
			g, err := cborGeneric(e)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	case cbor.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			g, err := cborGeneric(e)
			if err != nil {
				return nil, err
			}
			out[k] = g
		}
		return out, nil
	case *cbor.Tag:
		if x.ID != 1 {
			return nil, fmt.Errorf("unsupported CBOR tag %d", x.ID)
		}
		return cborGeneric(x.Value)
	}
	return nil, fmt.Errorf("unsupported CBOR value %T", v)
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	epochSecType = reflect.TypeFor[epochSec]()
)

// toCBOR encodes a result value as CBOR.
func toCBOR(v any) cbor.Value {
	if v == nil {
		return cbor.Map{}
	}
	if c, ok := v.(cbor.Value); ok {
		return c
	}
	out := cborOf(reflect.ValueOf(v))
	if out == nil {
		return cbor.Map{}
	}
	return out
}

// cborOf encodes rv as encoding/json would marshal it, with timestamps as
// CBOR epoch timestamps. It returns nil for nil pointers, maps and slices.
func cborOf(rv reflect.Value) cbor.Value {
	if !rv.IsValid() {
		return nil
	}
	t := rv.Type()
	switch {
	case t == timeType:
		return epochTag(rv.Interface().(time.Time))
	case t == epochSecType:
		return epochTag(time.Time(rv.Interface().(epochSec)))
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		return cborOf(rv.Elem())
	case reflect.String:
		return cbor.String(rv.String())
	case reflect.Bool:
		return cbor.Bool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := rv.Int()
		if n < 0 {
			return cbor.NegInt(uint64(-n))
		}
		return cbor.Uint(uint64(n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return cbor.Uint(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return cbor.Float64(rv.Float())
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return cbor.Slice(rv.Bytes())
		}
		out := make(cbor.List, 0, rv.Len())
		for i := range rv.Len() {
			if e := cborOf(rv.Index(i)); e != nil {
				out = append(out, e)
			}
		}
		return out
	case reflect.Map:
		if rv.IsNil() {
			return nil
		}
		out := cbor.Map{}
		iter := rv.MapRange()
		for iter.Next() {
			if e := cborOf(iter.Value()); e != nil {
				out[fmt.Sprint(iter.Key().Interface())] = e
			}
		}
		return out
	case reflect.Struct:
		out := cbor.Map{}
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fv := rv.Field(i)
			if strings.Contains(opts, "omitempty") && fv.IsZero() {
				continue
			}
			if e := cborOf(fv); e != nil {
				out[name] = e
			}
		}
		return out
	}
	return nil
}

func epochTag(t time.Time) cbor.Value {
	return &cbor.Tag{ID: 1, Value: cbor.Float64(float64(t.UnixMilli()) / 1000)}
}

// writeCBORResult writes a successful RPC v2 CBOR response.
func writeCBORResult(w http.ResponseWriter, requestID string, status int, out any) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	w.Write(cbor.Encode(toCBOR(out)))
}

// writeCBORError writes e as an RPC v2 CBOR error, with its query code
// for services that keep AWS query's error codes.
func writeCBORError(w http.ResponseWriter, requestID string, e *Error) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("x-amzn-RequestId", requestID)
	if e.QueryCode != "" {
		typ := "Sender"
		if e.Receiver {
			typ = "Receiver"
		}
		w.Header().Set("x-amzn-query-error", e.QueryCode+";"+typ)
	}
	w.WriteHeader(status)
	w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(e.Code), "message": cbor.String(e.Message)}))
}

// jsonToCBOR transcodes a JSON request body (a fixture's input) to CBOR:
// whole numbers become integers, other numbers doubles.
func jsonToCBOR(body []byte) ([]byte, error) {
	if len(strings.TrimSpace(string(body))) == 0 {
		return cbor.Encode(cbor.Map{}), nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("input is not JSON: %w", err)
	}
	return cbor.Encode(jsonCBOR(v)), nil
}

func jsonCBOR(v any) cbor.Value {
	switch x := v.(type) {
	case nil:
		return &cbor.Nil{}
	case bool:
		return cbor.Bool(x)
	case string:
		return cbor.String(x)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			if n < 0 {
				return cbor.NegInt(uint64(-n))
			}
			return cbor.Uint(uint64(n))
		}
		f, _ := x.Float64()
		return cbor.Float64(f)
	case []any:
		out := make(cbor.List, len(x))
		for i, e := range x {
			out[i] = jsonCBOR(e)
		}
		return out
	case map[string]any:
		out := make(cbor.Map, len(x))
		for k, e := range x {
			out[k] = jsonCBOR(e)
		}
		return out
	}
	return &cbor.Nil{}
}
