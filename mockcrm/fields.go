package mockcrm

import (
	"bytes"
	"encoding/json"
	"iter"
	"slices"
)

// fieldSet is a contact's field values in compact form: bit i of mask says
// whether contactFields[i] is present, and vals holds the values array (as
// JSON) of each present field in schema order, each ended by a NUL byte,
// which compact JSON never contains. Field names are written only when an
// entity is served, which halves what 100k contacts take.
type fieldSet struct {
	mask uint32
	vals []byte
}

// fieldSet has one mask bit per schema field.
var _ [32 - len(contactFields)]struct{}

// all yields the index in contactFields and the values array of each
// present field.
func (fs fieldSet) all() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		rest := fs.vals
		for i := range contactFields {
			if fs.mask&(1<<i) == 0 {
				continue
			}
			end := bytes.IndexByte(rest, 0)
			if end < 0 || !yield(i, rest[:end]) {
				return
			}
			rest = rest[end+1:]
		}
	}
}

// appendMembers writes the present fields as entity members,
// `"name":{"values":[…]}` joined by commas; only == nil means all fields,
// otherwise those named in it.
func (fs fieldSet) appendMembers(b []byte, only []string) []byte {
	first := true
	for i, values := range fs.all() {
		name := contactFields[i].Name
		if only != nil && !slices.Contains(only, name) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":{"values":`...)
		b = append(b, values...)
		b = append(b, '}')
	}
	return b
}

// values returns each present field's values array by name.
func (fs fieldSet) values() map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(contactFields))
	for i, v := range fs.all() {
		out[contactFields[i].Name] = v
	}
	return out
}

// encodeFields builds a fieldSet from values arrays by field name; fields
// not given stay absent.
func encodeFields(values map[string][]byte) fieldSet {
	w := fieldWriter{}
	for _, f := range contactFields {
		if v, ok := values[f.Name]; ok {
			w.raw(f.Name, v)
		}
	}
	return w.done()
}

// fieldWriter builds a fieldSet, appending to b after its first start
// bytes. Fields must be written in schema order.
type fieldWriter struct {
	b     []byte
	start int
	mask  uint32
	next  int // index in contactFields to look for the next field from
}

func (w *fieldWriter) open(name string) {
	for w.next < len(contactFields) && contactFields[w.next].Name != name {
		w.next++
	}
	w.mask |= 1 << w.next
	w.next++
}

func (w *fieldWriter) close() { w.b = append(w.b, 0) }

// done returns the fieldSet; its capacity ends at its length, so nothing
// appended later to w.b's array can reach into it.
func (w *fieldWriter) done() fieldSet {
	return fieldSet{mask: w.mask, vals: w.b[w.start:len(w.b):len(w.b)]}
}

// raw writes a field whose values array is already JSON.
func (w *fieldWriter) raw(name string, values []byte) {
	w.open(name)
	w.b = append(w.b, values...)
	w.close()
}

// text writes a single-valued text field; "" means no value.
func (w *fieldWriter) text(name, value string) {
	w.open(name)
	if value == "" {
		w.b = append(w.b, "[]"...)
	} else {
		w.b = append(w.b, '[')
		w.b = appendString(w.b, value)
		w.b = append(w.b, ']')
	}
	w.close()
}

func (w *fieldWriter) channels(name string, chs []channel) {
	w.open(name)
	w.b = appendArray(w.b, chs, appendChannel)
	w.close()
}

func (w *fieldWriter) postals(name string, as []postal) {
	w.open(name)
	w.b = appendArray(w.b, as, appendPostal)
	w.close()
}
