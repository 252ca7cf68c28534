package playbook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rectify-dev/rectify/internal/action"
	"github.com/rectify-dev/rectify/internal/pattern"
)

// Options configure loading.
type Options struct {
	// Registry, if set, is where step actions are looked up: unknown
	// actions and parameters an action does not declare or cannot accept
	// are load errors, and Step.Render coerces parameters to the action's
	// types. Without a registry only the names' form is checked.
	Registry *action.Registry

	// ValidateTrigger validates each trigger, given as canonical JSON.
	// If nil, triggers are compiled with pattern.Compile, so a playbook
	// that loads has a trigger the engine can route on.
	ValidateTrigger func(pattern []byte) error

	// CheckTrigger, if set, looks for mistakes in each valid trigger that
	// do not stop it from loading, such as a key no event has. Each
	// finding becomes one of the playbook's Warnings.
	CheckTrigger func(pattern []byte) []TriggerNote

	// CostLimit bounds the cost of one evaluation of a CEL expression;
	// 0 means DefaultCostLimit.
	CostLimit uint64

	// Controls configure what rectify supplies to control playbooks.
	Controls ControlOptions
}

// TriggerNote is a mistake in a trigger: Path leads to the key at fault,
// through mapping keys and list indexes.
type TriggerNote struct {
	Path []string
	Msg  string
}

func (o *Options) setDefaults() {
	if o.ValidateTrigger == nil {
		o.ValidateTrigger = func(src []byte) error {
			_, err := pattern.Compile(src)
			return err
		}
	}
}

// maxFileSize bounds the size of one playbook file.
const maxFileSize = 1 << 20

// Parse parses the playbooks in data, a YAML stream of one or more
// documents, each a playbook. name is the file name used in errors. The
// error, if any, is an Errors value listing every problem found.
func Parse(name string, data []byte, opts Options) ([]*Playbook, error) {
	opts.setDefaults()
	c, err := newCompiler(opts.CostLimit)
	if err != nil {
		return nil, err
	}
	pbs, errs := parse(name, data, &opts, c)
	errs = append(errs, duplicates(pbs)...)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return pbs, nil
}

// LoadFile reads and parses the playbook file at path.
func LoadFile(path string, opts Options) ([]*Playbook, error) {
	data, err := readLimited(os.Open(path))
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts)
}

// Load parses every *.yaml and *.yml file in fsys, including those in
// subdirectories except directories named testdata or starting with "."
// or "_". Playbook ids must be unique across all files. The error, if
// any, is an Errors value listing every problem in every file.
func Load(fsys fs.FS, opts Options) ([]*Playbook, error) {
	opts.setDefaults()
	c, err := newCompiler(opts.CostLimit)
	if err != nil {
		return nil, err
	}
	var all []*Playbook
	var errs Errors
	walkErr := fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			errs.add(Position{File: p}, "", "%v", err)
			return nil
		}
		if de.IsDir() {
			base := de.Name()
			if p != "." && (base == "testdata" || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_")) {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		data, err := readLimited(fsys.Open(p))
		if err != nil {
			errs.add(Position{File: p}, "", "%v", err)
			return nil
		}
		pbs, fileErrs := parse(p, data, &opts, c)
		all = append(all, pbs...)
		errs = append(errs, fileErrs...)
		return nil
	})
	if walkErr != nil {
		return nil, fmt.Errorf("playbook: %w", walkErr)
	}
	errs = append(errs, duplicates(all)...)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return all, nil
}

func readLimited(f fs.File, err error) ([]byte, error) {
	if err != nil {
		return nil, fmt.Errorf("playbook: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("playbook: %w", err)
	}
	if len(data) > maxFileSize {
		name := "file"
		if st, err := f.Stat(); err == nil {
			name = st.Name()
		}
		return nil, fmt.Errorf("playbook: %s is larger than %d bytes", name, maxFileSize)
	}
	return data, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the starts of the messages of yaml.v3's parser, as
// opposed to its scanner.
var yamlParserErrors = []string{
	"did not find expected node content",
	"did not find expected key",
	"did not find expected ',' or",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
}

func parse(name string, data []byte, opts *Options, c *compiler) (pbs []*Playbook, errs Errors) {
	if len(data) > maxFileSize {
		errs.add(Position{File: name}, "", "file is larger than %d bytes", maxFileSize)
		return nil, errs
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := decodeDoc(dec, &doc); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			errs = append(errs, yamlError(name, err))
			break
		}
		if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
			continue
		}
		d := &decoder{file: name, opts: opts, c: c}
		if pb := d.playbook(root); pb != nil {
			pbs = append(pbs, pb)
		}
		errs = append(errs, d.errs...)
	}
	return pbs, errs
}

// decodeDoc decodes the next document, turning a panic in the YAML
// library into an error so that malformed input never crashes rectify.
func decodeDoc(dec *yaml.Decoder, doc *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: malformed document: %v", r)
		}
	}()
	return dec.Decode(doc)
}

func yamlError(name string, err error) *Error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		// yaml.v3 reports the lines of parser errors counting from 0 and
		// those of scanner errors counting from 1.
		for _, prefix := range yamlParserErrors {
			if strings.HasPrefix(m[2], prefix) {
				line++
				break
			}
		}
		return &Error{Pos: Position{File: name, Line: line}, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{Pos: Position{File: name}, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func duplicates(pbs []*Playbook) Errors {
	var errs Errors
	first := map[string]*Playbook{}
	for _, pb := range pbs {
		if prev, dup := first[pb.ID]; dup {
			errs.add(pb.idPos, "id", "duplicate playbook id %q, first defined at %s", pb.ID, prev.Pos)
			continue
		}
		first[pb.ID] = pb
	}
	return errs
}
