package search

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"
)

// mappingVersion is this package's part of the index version. Bump it
// whenever buildMapping, the analyzer or the way documents are turned into
// fields changes: an index built by an older binary is then removed and
// rebuilt on Open, because bleve keeps using the mapping stored in the index,
// not the one in this file.
const mappingVersion = 3

const (
	// typeField holds Doc.Type in every document.
	typeField = "_type"

	// zhAnalyzer is the analyzer of Text fields. Built from the pieces of
	// bleve's "cjk" analyzer (unicode tokenizer, cjk_width, to_lower,
	// cjk_bigram) but with output_unigram on: the stock "cjk" analyzer only
	// indexes bigrams, so a one-character query such as 张 finds nothing;
	// and full-width characters folded before the tokenizer (widthFold).
	zhAnalyzer = "anju_zh"
	zhBigram   = "anju_cjk_bigram_unigram"
)

// FieldKind says how a field is indexed.
type FieldKind int

const (
	// Text is Chinese and English full text, analysed with unigrams and
	// bigrams of Han characters and lower-cased words, so that one character,
	// a part of a name, or a word in any case finds it.
	Text FieldKind = iota
	// Keyword is an exact value: a code, a number written as text, a status.
	// It is matched exactly by free text, and can be filtered, prefixed,
	// faceted and sorted on (keyword fields always carry doc values).
	Keyword
	// Number is a float64 (any Go integer or float is accepted).
	Number
	// Date is a time.Time, indexed to the whole second. The zero time means
	// "no value"; times outside the years 1677–2262 cannot be represented by
	// bleve and are not indexed.
	Date
	// Stored is kept in the index but not searchable.
	Stored
	// Instant is a time.Time for range filters, exact to the second like
	// Date but indexed as six terms instead of sixteen and without doc
	// values (instant.go). It cannot be sorted on. The zero time means "no
	// value"; times outside the years 1–9999 are not indexed.
	Instant
)

func (k FieldKind) String() string {
	switch k {
	case Text:
		return "Text"
	case Keyword:
		return "Keyword"
	case Number:
		return "Number"
	case Date:
		return "Date"
	case Stored:
		return "Stored"
	case Instant:
		return "Instant"
	}
	return fmt.Sprintf("FieldKind(%d)", int(k))
}

// Field declares one field of a document type.
type Field struct {
	Name string
	Kind FieldKind
	// Sortable enables doc values on a Number or Date field so that it can
	// be sorted on. Keyword fields are always sortable and faceted; Text and
	// Stored fields cannot be sortable.
	Sortable bool
}

// DocType declares a kind of document and its fields. Fields of a Doc that
// are not declared here are ignored.
type DocType struct {
	Name   string
	Fields []Field
}

// Schema is every document type of the index. The caller bumps Version when
// it changes the types; the index is then rebuilt on Open. (A change of the
// fields without a bump is detected too, by a fingerprint, and also rebuilds.)
type Schema struct {
	Version int
	Types   []DocType
}

// docType is the checked form of a DocType used by Apply and Search.
type docType struct {
	name     string
	fields   map[string]Field
	text     []string // Text field names, in declaration order
	keywords []string // Keyword field names, in declaration order
}

// compileSchema checks s and returns its types by name.
func compileSchema(s Schema) (map[string]*docType, error) {
	types := make(map[string]*docType, len(s.Types))
	kinds := make(map[string]Field) // field name -> first declaration, across types
	for _, t := range s.Types {
		if err := checkName(t.Name); err != nil {
			return nil, fmt.Errorf("%w: type %q: %v", ErrSchema, t.Name, err)
		}
		if _, dup := types[t.Name]; dup {
			return nil, fmt.Errorf("%w: type %q declared twice", ErrSchema, t.Name)
		}
		dt := &docType{name: t.Name, fields: make(map[string]Field, len(t.Fields))}
		for _, f := range t.Fields {
			if err := checkName(f.Name); err != nil {
				return nil, fmt.Errorf("%w: type %q field %q: %v", ErrSchema, t.Name, f.Name, err)
			}
			if _, dup := dt.fields[f.Name]; dup {
				return nil, fmt.Errorf("%w: type %q: field %q declared twice", ErrSchema, t.Name, f.Name)
			}
			switch f.Kind {
			case Text, Stored, Instant:
				if f.Sortable {
					return nil, fmt.Errorf("%w: type %q: %s field %q cannot be Sortable (declare a Keyword field)", ErrSchema, t.Name, f.Kind, f.Name)
				}
			case Keyword, Number, Date:
			default:
				return nil, fmt.Errorf("%w: type %q field %q: unknown kind %d", ErrSchema, t.Name, f.Name, int(f.Kind))
			}
			// All types share one bleve field per name, with one analyzer
			// and one set of options: a name must mean the same everywhere.
			if prev, ok := kinds[f.Name]; ok && prev != f {
				return nil, fmt.Errorf("%w: field %q is %s (Sortable=%t) in one type and %s (Sortable=%t) in type %q",
					ErrSchema, f.Name, prev.Kind, prev.Sortable, f.Kind, f.Sortable, t.Name)
			}
			kinds[f.Name] = f
			dt.fields[f.Name] = f
			switch f.Kind {
			case Text:
				dt.text = append(dt.text, f.Name)
			case Keyword:
				dt.keywords = append(dt.keywords, f.Name)
			}
		}
		types[t.Name] = dt
	}
	return types, nil
}

// checkName rejects names bleve would read as paths, and names of bleve's
// own fields (_id, _all, _type, _score…).
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty name")
	case strings.HasPrefix(name, "_"):
		return fmt.Errorf("names starting with _ are reserved")
	case strings.ContainsAny(name, ". \t\r\n"):
		return fmt.Errorf("name must not contain dots or spaces")
	}
	return nil
}

// versionString identifies the mapping an index was built with. It is kept
// in the index with SetInternal and compared on Open.
func versionString(s Schema) string {
	return fmt.Sprintf("mapping=%d schema=%d fields=%s", mappingVersion, s.Version, fingerprint(s))
}

// fingerprint is a short hash of the declared types, independent of their
// order, so that a schema changed without a Version bump still rebuilds.
func fingerprint(s Schema) string {
	var lines []string
	for _, t := range s.Types {
		for _, f := range t.Fields {
			lines = append(lines, fmt.Sprintf("%s\x00%s\x00%d\x00%t", t.Name, f.Name, f.Kind, f.Sortable))
		}
		lines = append(lines, t.Name) // a type without fields still counts
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:8])
}

// buildMapping is the one place where the bleve mapping is defined. Any
// change here must bump mappingVersion.
func buildMapping(types map[string]*docType) (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	im.TypeField = typeField
	im.ScoringModel = index.BM25Scoring
	// Nothing is indexed unless declared: no dynamic fields, and documents
	// of an undeclared type are not indexed at all (Apply rejects them).
	im.IndexDynamic = false
	im.StoreDynamic = false
	im.DocValuesDynamic = false
	im.DefaultMapping = mapping.NewDocumentDisabledMapping()
	im.DefaultAnalyzer = keyword.Name

	if err := im.AddCustomTokenFilter(zhBigram, map[string]any{
		"type":           cjk.BigramName,
		"output_unigram": true,
	}); err != nil {
		return nil, fmt.Errorf("define token filter: %w", err)
	}
	if err := im.AddCustomAnalyzer(zhAnalyzer, map[string]any{
		"type":          custom.Name,
		"char_filters":  []any{widthFold},
		"tokenizer":     unicode.Name,
		"token_filters": []any{cjk.WidthName, lowercase.Name, zhBigram},
	}); err != nil {
		return nil, fmt.Errorf("define analyzer: %w", err)
	}

	for _, dt := range types {
		dm := mapping.NewDocumentStaticMapping()
		dm.AddFieldMappingsAt(typeField, keywordField(false))
		for _, f := range dt.fields {
			dm.AddFieldMappingsAt(f.Name, fieldMapping(f))
		}
		im.AddDocumentMapping(dt.name, dm)
	}
	if err := im.Validate(); err != nil {
		return nil, fmt.Errorf("validate mapping: %w", err)
	}
	return im, nil
}

// fieldMapping maps one declared field. Nothing but Stored fields is stored:
// searches return IDs and the records are read from the store. No term
// vectors: there is no phrase query or highlighting.
func fieldMapping(f Field) *mapping.FieldMapping {
	switch f.Kind {
	case Text:
		fm := mapping.NewTextFieldMapping()
		fm.Analyzer = zhAnalyzer
		fm.Store = false
		fm.IncludeTermVectors = false
		fm.IncludeInAll = false
		fm.DocValues = false
		return fm
	case Keyword:
		return keywordField(true)
	case Instant:
		// Terms only: ranges never need doc values, and Instant fields
		// cannot be sorted on.
		return keywordField(false)
	case Number:
		fm := mapping.NewNumericFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.DocValues = f.Sortable
		return fm
	case Date:
		fm := mapping.NewDateTimeFieldMapping()
		fm.Store = false
		fm.IncludeInAll = false
		fm.DocValues = f.Sortable
		return fm
	default: // Stored
		fm := mapping.NewTextFieldMapping()
		fm.Analyzer = keyword.Name
		fm.Index = false
		fm.Store = true
		fm.IncludeTermVectors = false
		fm.IncludeInAll = false
		fm.DocValues = false
		return fm
	}
}

// keywordField is an exact-match field. Doc values make facets and sorting
// cheap; without them scorch would un-invert the field in memory per segment.
func keywordField(docValues bool) *mapping.FieldMapping {
	fm := mapping.NewKeywordFieldMapping()
	fm.Store = false
	fm.IncludeTermVectors = false
	fm.IncludeInAll = false
	fm.DocValues = docValues
	return fm
}
