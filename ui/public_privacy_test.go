package ui_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"anju/app"
)

// Personal data as it would look unmasked: an 18-character resident ID
// (area, birth date, sequence, check) or an 11-digit mobile number, not
// inside a longer run of letters and digits (request IDs are hex).
var (
	reResidentID = regexp.MustCompile(`(^|[^0-9A-Za-z])[1-6]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]([^0-9A-Za-z]|$)`)
	reMobile     = regexp.MustCompile(`(^|[^0-9A-Za-z])1[3-9]\d{9}([^0-9A-Za-z]|$)`)
	reHref       = regexp.MustCompile(`href="(/[^"#]*)"`)
)

// TestPublicPagesShowNoPersonalData crawls the public portal of the demo —
// home, directory, agency and practitioner pages, red and black lists,
// announcements, verification and filing checks — following every public
// link, and fails on any unmasked ID number or mobile, or any of the
// demo's own ID numbers and phones in full.
func TestPublicPagesShowNoPersonalData(t *testing.T) {
	t.Parallel()
	// The patterns find what they are for, and not masked forms.
	if !reResidentID.MatchString("证件 110105198203150017。") || !reMobile.MatchString("电话13611112222") ||
		reResidentID.MatchString(app.MaskID("110105198203150017")) || reMobile.MatchString(app.MaskPhone("13611112222")) {
		t.Fatal("the personal-data patterns are broken")
	}
	e := newEnv(t)
	e.setParams(app.ParamPublicRate, "100000", app.ParamPublicBrowseRate, "100000") // one visitor reads every page
	var secrets []string
	users, err := e.app.SearchUsers(sys, app.UserQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Users {
		secrets = append(secrets, u.Phone)
	}
	start := []string{"/", "/agencies", "/lists/red", "/lists/black", "/announcements", "/f", "/v"}
	for page := 1; ; page++ {
		ps, err := e.app.SearchPractitioners(sys, app.PractitionerQuery{Page: page, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps.Items {
			secrets = append(secrets, p.IDNo, p.Mobile)
			start = append(start, "/practitioners/"+p.CardNo)
		}
		if page >= ps.Pages {
			break
		}
	}
	ags, err := e.app.SearchAgencies(sys, app.AgencyQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, ag := range ags.Items {
		secrets = append(secrets, ag.LegalRepIDNo, ag.ContactMobile)
		start = append(start, "/agencies/"+itoa(ag.ID))
	}
	filed, err := e.app.SearchContracts(sys, app.ContractQuery{Filing: app.FilingFiled, Size: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range filed.Items {
		for _, p := range c.Parties {
			secrets = append(secrets, p.IDNo, p.Phone)
		}
		if ls := c.Lessees(); len(ls) > 0 && c.FilingCertNo != "" {
			start = append(start, "/f/"+url.PathEscape(c.FilingCertNo)+"?name="+url.QueryEscape(ls[0].Name))
		}
	}
	vs, err := e.app.SearchVerifications(sys, app.VerificationQuery{Size: 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs.Items {
		for _, o := range v.Owners {
			secrets = append(secrets, o.IDNo)
		}
		start = append(start, "/v/"+v.Code)
	}

	c := e.client()
	seen := map[string]bool{}
	queue := start
	pages := 0
	status := map[int]int{}
	for len(queue) > 0 && pages < 1500 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		r := c.get(p)
		status[r.StatusCode]++
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			continue
		}
		pages++
		text := r.text()
		if m := reResidentID.FindString(text); m != "" {
			t.Errorf("%s shows an ID number: %q", p, strings.TrimSpace(m))
		}
		if m := reMobile.FindString(text); m != "" {
			t.Errorf("%s shows a mobile number: %q", p, strings.TrimSpace(m))
		}
		for _, s := range secrets {
			if len(s) >= 8 && strings.Contains(text, s) {
				t.Errorf("%s shows personal data %q", p, s)
			}
		}
		for _, m := range reHref.FindAllStringSubmatch(r.body, -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			if publicLink(link) && !seen[link] {
				queue = append(queue, link)
			}
		}
	}
	if pages < 100 {
		t.Errorf("crawled only %d public pages", pages)
	}
	t.Logf("crawled %d public pages (statuses %v), %d personal values checked", pages, status, len(secrets))
}

// publicLink: a page of the public portal (not a sign-in portal, asset,
// download or form action).
func publicLink(p string) bool {
	for _, prefix := range []string{"/gov", "/agency/", "/static/", "/lang", "/healthz", "/api/"} {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return !strings.Contains(p, "/photo") && !strings.Contains(p, "/attachments/") && !strings.Contains(p, "/doc")
}
