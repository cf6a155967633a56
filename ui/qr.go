package ui

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/yeqown/go-qrcode/v2"
)

// qrSVG draws text as an inline SVG QR code: crisp in print at any size,
// no image file, and allowed by the CSP (it is markup, not script).
func qrSVG(text string, px int) (template.HTML, error) {
	q, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return "", err
	}
	var w svgWriter
	if err := q.Save(&w); err != nil {
		return "", err
	}
	const quiet = 4
	size := w.dim + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="qr" width="%d" height="%d" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img" aria-label="QR">`, px, px, size, size)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for _, c := range w.cells {
		fmt.Fprintf(&b, "M%d %dh1v1h-1z", c[0]+quiet, c[1]+quiet)
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

type svgWriter struct {
	dim   int
	cells [][2]int
}

func (w *svgWriter) Write(m qrcode.Matrix) error {
	w.dim = m.Width()
	m.Iterate(qrcode.IterDirection_ROW, func(x, y int, v qrcode.QRValue) {
		if v.IsSet() {
			w.cells = append(w.cells, [2]int{x, y})
		}
	})
	return nil
}

func (w *svgWriter) Close() error { return nil }
