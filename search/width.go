package search

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
)

// widthFold is the char filter of Text fields: full-width ASCII (U+FF01–
// U+FF5E, what a Chinese input method types in full-width mode) becomes
// ASCII and the ideographic space a space, before the text is tokenised.
// bleve's cjk_width token filter folds full-width letters, but it runs after
// the unicode tokenizer, which drops full-width digits altogether: "３号楼"
// was indexed and searched as "号楼", so an address stored with full-width
// digits was not found by "3号楼", and a full-width query matched every
// 号楼 of the index.
const widthFold = "anju_width_fold"

type widthFoldFilter struct{}

func (widthFoldFilter) Filter(in []byte) []byte {
	i := 0
	for i < len(in) {
		r, n := utf8.DecodeRune(in[i:])
		if r == '\u3000' || r >= '\uFF01' && r <= '\uFF5E' {
			break
		}
		i += n
	}
	if i == len(in) {
		return in // nothing to fold: most text
	}
	out := make([]byte, i, len(in))
	copy(out, in[:i])
	for i < len(in) {
		r, n := utf8.DecodeRune(in[i:])
		switch {
		case r == '\u3000':
			out = append(out, ' ')
		case r >= '\uFF01' && r <= '\uFF5E':
			out = append(out, byte(r-'\uFF01'+'!'))
		default:
			out = append(out, in[i:i+n]...)
		}
		i += n
	}
	return out
}

func init() {
	registry.RegisterCharFilter(widthFold, func(map[string]any, *registry.Cache) (analysis.CharFilter, error) {
		return widthFoldFilter{}, nil
	})
}
