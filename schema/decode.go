package schema

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// The decoders of data (csvdecode, jsondecode, yamldecode) turn a text, often
// a file of the configuration directory, into values. Their input is as
// untrusted as the configuration, so each bounds its result: at most
// maxFunctionList values (cells, JSON or YAML values) and MaxNesting levels,
// checked before the values are made.
//
// When the text is exactly what file() read, the values remember where they
// came from, so that a diagnostic about a value says "staff.csv line 18":
// file() marks its text with a fileMark, and the decoders mark what they
// make with dataMarks. Marks cost: cty copies a value's set of marks at
// each operation on it, so the decoders mark no more than they must. Marks are not secrets: only sensitiveMark is (see
// isSensitive).

// fileMark marks the text file() returns: the path it read, as given.
type fileMark struct{ path string }

// dataMark marks a value decoded from a file that file() read: the file,
// and the line the value starts on, or 0 when the decoder does not tell
// lines (YAML). whole is true for a row, object or list as a whole, false
// for a cell or a scalar.
type dataMark struct {
	file  string
	line  int
	whole bool
}

// decoder decodes a text; file names it for errors and for the values'
// dataMarks, "" for a text that is not a file's.
type decoder func(s, file string) (cty.Value, error)

// typer returns the type a decoder would make of a text, checking the text
// as far as the type needs; file names it as for a decoder.
type typer func(s, file string) (cty.Type, error)

// dataFunc makes a decoding function of one string argument. It takes its
// argument marked: the dataMarks of a file's text are the file's, and any
// other mark (a sensitive one) is kept on the result. The errors of a
// sensitive argument do not show it.
func (ev *evaluator) dataFunc(description string, typeOf typer, decode decoder) function.Function {
	return function.New(&function.Spec{
		Description: description,
		Params:      []function.Parameter{{Name: "str", Type: cty.String, AllowMarked: true}},
		Type: func(args []cty.Value) (cty.Type, error) {
			s, marks := args[0].UnmarkDeep()
			if !s.IsKnown() {
				return cty.DynamicPseudoType, nil
			}
			file, _ := ev.textFile(s.AsString(), marks)
			ty, err := typeOf(s.AsString(), file)
			if err != nil {
				return cty.NilType, argError(err, marks)
			}
			return ty, nil
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, marks := args[0].UnmarkDeep()
			file, kept := ev.textFile(s.AsString(), marks)
			v, err := decode(s.AsString(), file)
			if err != nil {
				return cty.DynamicVal, argError(err, marks)
			}
			return v.WithMarks(kept), nil
		},
	})
}

// textFile returns the file whose text text is, as file() read it (not a
// part or a change of it), by its marks, or ""; and the marks that are not
// the file's.
func (ev *evaluator) textFile(text string, marks cty.ValueMarks) (string, cty.ValueMarks) {
	file := ""
	kept := cty.NewValueMarks()
	for m := range marks {
		if fm, ok := m.(fileMark); ok {
			if file == "" && ev.src.isText(fm.path, text) {
				file = filepath.ToSlash(filepath.Clean(fm.path))
			}
			continue
		}
		kept[m] = struct{}{}
	}
	return file, kept
}

// argError blames the argument for err, saying nothing of it when it
// derives from a sensitive variable.
func argError(err error, marks cty.ValueMarks) error {
	if marks.Has(sensitiveMark) {
		return redactedError(function.NewArgError(0, err))
	}
	return function.NewArgError(0, err)
}

// at prefixes a decoding error with its place: "staff.csv line 18: ", or
// "line 18: " for a text that is not a file's.
func at(file string, line int) string {
	if file == "" {
		return fmt.Sprintf("line %d: ", line)
	}
	return fmt.Sprintf("%s line %d: ", file, line)
}

// bom is the byte order mark a spreadsheet may write at the start of a
// UTF-8 CSV file.
const bom = "\ufeff"

// csvHeader reads the header of a CSV text: the names of its columns.
func csvHeader(r *csv.Reader, file string) ([]string, error) {
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		name := "the text"
		if file != "" {
			name = file
		}
		return nil, fmt.Errorf("%s is empty: csvdecode needs a first line that names the columns", name)
	}
	if err != nil {
		return nil, csvError(err, file)
	}
	seen := make(map[string]bool, len(header))
	for _, name := range header {
		if seen[name] {
			return nil, fmt.Errorf("%sthe column name %q is given twice", at(file, 1), shown(name, false))
		}
		seen[name] = true
	}
	if len(header) > maxFunctionList {
		return nil, fmt.Errorf("csvdecode would make more than %d values", maxFunctionList)
	}
	return header, nil
}

// csvType is the type csvdecode makes of s: a list of objects whose
// attributes are the columns, all strings.
func csvType(s, file string) (cty.Type, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, bom)))
	header, err := csvHeader(r, file)
	if err != nil {
		return cty.NilType, err
	}
	atys := make(map[string]cty.Type, len(header))
	for _, name := range header {
		atys[name] = cty.String
	}
	return cty.List(cty.Object(atys)), nil
}

// csvDecode is csvdecode: the rows of a CSV text (RFC 4180, as Go's
// encoding/csv reads it: quoted fields may hold commas, quotes and line
// breaks, CRLF line ends are read as LF, blank lines are skipped) as a list
// of objects, one attribute per column of the header line, every value a
// string. A byte order mark before the header is dropped, as a spreadsheet
// writes one. A row with more or fewer fields than the header is an error
// naming its line. Of a file's text, each cell is marked with the line it
// starts on; a row is not (where it starts is its first cell's line), as a
// mark on the row would be copied to each cell taken from it.
func csvDecode(s, file string) (cty.Value, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(s, bom)))
	header, err := csvHeader(r, file)
	if err != nil {
		return cty.DynamicVal, err
	}
	r.FieldsPerRecord = len(header)
	r.ReuseRecord = true
	atys := make(map[string]cty.Type, len(header))
	for _, name := range header {
		atys[name] = cty.String
	}
	values := len(header)
	var rows []cty.Value
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return cty.DynamicVal, csvError(err, file)
		}
		if values += len(record) + 1; values > maxFunctionList {
			return cty.DynamicVal, fmt.Errorf("csvdecode would make more than %d values", maxFunctionList)
		}
		cells := make(map[string]cty.Value, len(record))
		for i, cell := range record {
			v := cty.StringVal(cell)
			if file != "" {
				line, _ := r.FieldPos(i)
				v = v.Mark(dataMark{file: file, line: line})
			}
			cells[header[i]] = v
		}
		rows = append(rows, cty.ObjectVal(cells))
	}
	if len(rows) == 0 {
		return cty.ListValEmpty(cty.Object(atys)), nil
	}
	return cty.ListVal(rows), nil
}

// csvError says where a CSV text does not parse, and why.
func csvError(err error, file string) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Errorf("%sthe row has a different number of fields than the header line", at(file, pe.StartLine))
	}
	return fmt.Errorf("%s%v (column %d)", at(file, pe.Line), pe.Err, pe.Column)
}

// jsonType is the type jsondecode makes of s, once checkJSON has bounded
// it.
func jsonType(s, _ string) (cty.Type, error) {
	if err := checkJSON(s); err != nil {
		return cty.NilType, err
	}
	return stdlib.JSONDecodeFunc.ReturnTypeForValues([]cty.Value{cty.StringVal(s)})
}

// jsonDecode is jsondecode, as the cty standard library decodes JSON
// (objects, tuples, numbers, strings, booleans and null). Of a file's text,
// each value is marked with the line it starts on: an object or array as a
// whole with the line of its opening bracket.
func jsonDecode(s, file string) (cty.Value, error) {
	if err := checkJSON(s); err != nil {
		return cty.DynamicVal, err
	}
	v, err := stdlib.JSONDecodeFunc.Call([]cty.Value{cty.StringVal(s)})
	if err != nil || file == "" {
		return v, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	m := &jsonMarker{dec: dec, src: s, file: file, line: 1}
	return m.value(v)
}

// jsonMarker marks a decoded JSON value with the lines of its text,
// reading the text again token by token alongside the value, which has the
// same shape: cty decoded it from the same text. The depth is bounded by
// checkJSON, so the recursion is.
type jsonMarker struct {
	dec  *json.Decoder
	src  string
	file string
	// line is the line of the text at offset.
	line, offset int
}

// lineAt returns the line of the byte before offset end: the last byte of
// the token just read.
func (m *jsonMarker) lineAt(end int) int {
	end = max(end-1, m.offset)
	m.line += strings.Count(m.src[m.offset:end], "\n")
	m.offset = end
	return m.line
}

func (m *jsonMarker) value(v cty.Value) (cty.Value, error) {
	tok, err := m.dec.Token()
	if err != nil {
		return cty.DynamicVal, err
	}
	line := m.lineAt(int(m.dec.InputOffset()))
	mark := dataMark{file: m.file, line: line, whole: true}
	switch tok {
	case json.Delim('{'):
		attrs := map[string]cty.Value{}
		for m.dec.More() {
			key, err := m.dec.Token()
			if err != nil {
				return cty.DynamicVal, err
			}
			k, _ := key.(string)
			if attrs[k], err = m.value(v.GetAttr(k)); err != nil {
				return cty.DynamicVal, err
			}
		}
		if _, err := m.dec.Token(); err != nil {
			return cty.DynamicVal, err
		}
		if len(attrs) == 0 {
			return v.Mark(mark), nil
		}
		return cty.ObjectVal(attrs).Mark(mark), nil
	case json.Delim('['):
		var elems []cty.Value
		for i := 0; m.dec.More(); i++ {
			e, err := m.value(v.Index(cty.NumberIntVal(int64(i))))
			if err != nil {
				return cty.DynamicVal, err
			}
			elems = append(elems, e)
		}
		if _, err := m.dec.Token(); err != nil {
			return cty.DynamicVal, err
		}
		if len(elems) == 0 {
			return v.Mark(mark), nil
		}
		return cty.TupleVal(elems).Mark(mark), nil
	}
	mark.whole = false
	return v.Mark(mark), nil
}

// checkJSON refuses a JSON text that nests more than MaxNesting levels, before
// cty's recursive decoder sees it, or that holds more than maxFunctionList
// values. It counts values as the separators and brackets outside strings
// allow: at least as many as there are.
func checkJSON(s string) error {
	depth, values, inString, escaped := 0, 1, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			values++
			if depth > MaxNesting {
				return fmt.Errorf("the JSON text nests more than %d levels deep", MaxNesting)
			}
		case c == ']' || c == '}':
			depth--
		case c == ',':
			values++
		}
		if values > maxFunctionList {
			return fmt.Errorf("jsondecode would make more than %d values", maxFunctionList)
		}
	}
	return nil
}
