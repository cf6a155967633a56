package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// pracCardData is the printable information card (从业人员信息卡).
type pracCardData struct {
	P        *app.Practitioner
	Role     string // of the current employment, "" when he has left
	Agency   string
	QR       template.HTML
	URL      string // the public page the QR code opens
	PhotoURL string // "" without a photo
	Back     string // where "back" leads
	Now      time.Time
}

// publicBase (ui/verification.go) is the address printed documents point at.

func (s *Server) cardData(r *http.Request, p *app.Practitioner, back string) (pracCardData, error) {
	u := s.publicBase(r) + "/practitioners/" + url.PathEscape(p.CardNo)
	qr, err := qrSVG(u, 120)
	if err != nil {
		return pracCardData{}, err
	}
	d := pracCardData{P: p, QR: qr, URL: u, Back: back, Now: time.Now()}
	if c := p.Current(); c != nil {
		d.Role, d.Agency = c.Role, c.AgencyName
	}
	if p.PhotoBlob != 0 {
		// The portal's address, not the public one: that one is
		// rate-limited per address, and an office prints many cards.
		d.PhotoURL = "/" + portalOfPath(r.URL.Path) + "/practitioners/" + strconv.FormatUint(p.ID, 10) + "/photo"
	}
	return d, nil
}

func (s *Server) handlePractitionerCard(w http.ResponseWriter, r *http.Request) {
	p, err := s.app.PractitionerCard(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d, err := s.cardData(r, p, strings.TrimSuffix(r.URL.Path, "/card"))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "practitioner_card", &view{Title: "practitioner.card_title", Nav: "practitioners", Data: d})
}

// handleMyCard shows the signed-in agent his own information card, or
// says plainly that his account is not linked to a practitioner record.
func (s *Server) handleMyCard(w http.ResponseWriter, r *http.Request) {
	p, err := s.app.MyPractitioner(actorOf(r))
	if e, ok := app.AsError(err); ok && e.Code == app.ENOTFOUND {
		s.render(w, r, http.StatusOK, "practitioner_card", &view{Title: "practitioner.my_card", Nav: "my_card",
			Data: pracCardData{Back: "/agency/"}, Error: "practitioner.not_linked"})
		return
	}
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	d, err := s.cardData(r, p, "/agency/")
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "practitioner_card", &view{Title: "practitioner.my_card", Nav: "my_card", Data: d})
}

func writePhoto(w http.ResponseWriter, data []byte, ct, cache string) {
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", cache)
	_, _ = w.Write(data)
}

func (s *Server) handlePractitionerPhoto(w http.ResponseWriter, r *http.Request) {
	data, ct, err := s.app.PractitionerPhoto(actorOf(r), pathID(r))
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	writePhoto(w, data, ct, "private, no-store")
}

// The public page of an information card, opened from its QR code. Card
// numbers are sequential, so the page is rate-limited per client address,
// on the browsing allowance an agency's page takes too (not the code
// checks'): reading them all is slow work.
func (s *Server) handlePublicPractitioner(w http.ResponseWriter, r *http.Request) {
	if !s.browseAllowed(w, r) {
		return
	}
	pp, err := s.app.PublicPractitioner(mux.Vars(r)["card"])
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	s.render(w, r, http.StatusOK, "public_practitioner", &view{Title: "practitioner.public_title", Portal: "public", Data: pp})
}

func (s *Server) handlePublicPractitionerPhoto(w http.ResponseWriter, r *http.Request) {
	// An image: a page would not show in the <img>, so plain words.
	if ok, wait := s.browseLimiter.take(s.clientIP(r), s.browseLimiter.rate()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(wait)))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	data, ct, err := s.app.PublicPractitionerPhoto(mux.Vars(r)["card"])
	if err != nil {
		s.fail(w, r, err, "", nil)
		return
	}
	writePhoto(w, data, ct, "public, max-age=300")
}
