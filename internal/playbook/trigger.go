package playbook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

// ParseTrigger reads an EventBridge event pattern written in JSON, or in
// YAML as a playbook's trigger is, and returns it as JSON. A JSON pattern
// is returned as it is.
func ParseTrigger(data []byte) ([]byte, error) {
	data = bytes.TrimSpace(data)
	if json.Valid(data) {
		return data, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty pattern")
		}
		return nil, fmt.Errorf("neither JSON nor YAML: %w", err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("more than one YAML document; a pattern is one mapping")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a mapping of event fields to values, got %T", v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("cannot be written as JSON: %w", err)
	}
	return bytes.TrimSpace(b.Bytes()), nil
}
