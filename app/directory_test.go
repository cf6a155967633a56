package app

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"anju/storage"
)

// seedUnfiled stores an agency known only by name (from before filings),
// which the public must never see.
func seedUnfiled(t *testing.T, f *fixture, name string) *Agency {
	t.Helper()
	ag := &Agency{Status: AgencyUnfiled, AgencyInfo: AgencyInfo{Name: name, District: "110105", Address: "北京市朝阳区某路1号",
		LegalRep: "钱安", LegalRepIDNo: "110105198001010016"}, Created: f.now(), Updated: f.now()}
	err := f.update(func(tx *storage.Tx) error {
		_, err := agencyTable.Insert(tx, ag)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ag
}

func publicNames(p PublicAgencyPage) []string {
	var out []string
	for _, s := range p.Items {
		out = append(out, s.Name)
	}
	return out
}

func TestPublicDirectoryNeverListsUnfiled(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	unfiled := seedUnfiled(t, f, "北京未备案安心房产有限公司")

	res, err := f.PublicAgencies(AgencyQuery{Text: "安", Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := publicNames(res)
	if slices.Contains(got, unfiled.Name) {
		t.Errorf("public directory lists the unfiled %s", unfiled.Name)
	}
	if !slices.Contains(got, "北京永安房地产经纪有限公司") {
		t.Errorf("安 does not find 永安 in the directory: %v", got)
	}
	for _, status := range []string{"", AgencyUnfiled, "anything"} {
		res, err := f.PublicAgencies(AgencyQuery{Status: status, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != len(demoCoreAgencies)+len(demoMoreAgencies) {
			t.Errorf("status %q: directory has %d agencies, want every filed and cancelled one (%d)", status, res.Total,
				len(demoCoreAgencies)+len(demoMoreAgencies))
		}
		for _, s := range res.Items {
			if s.Status != AgencyFiled && s.Status != AgencyCancelled {
				t.Errorf("status %q: directory lists %s (%s)", status, s.Name, s.Status)
			}
		}
	}
	if _, err := f.PublicAgency(unfiled.ID); ErrorCode(err) != ENOTFOUND {
		t.Errorf("public page of an unfiled agency: %v, want not found", err)
	}
	if _, err := f.PublicAgency(999999); ErrorCode(err) != ENOTFOUND {
		t.Errorf("public page of an unknown agency: %v, want not found", err)
	}

	// Cancelled agencies stay listed, with their status.
	res, err = f.PublicAgencies(AgencyQuery{Status: AgencyCancelled})
	if err != nil {
		t.Fatal(err)
	}
	if got := publicNames(res); !slices.Equal(got, []string{"北京万家房地产经纪有限公司"}) || res.Items[0].Status != AgencyCancelled ||
		res.Items[0].Cancelled.IsZero() || res.Items[0].Employed != 0 {
		t.Errorf("cancelled in the directory: %v %+v", got, res.Items)
	}
}

func TestPublicDirectoryShowsNoPersonalData(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	res, err := f.PublicAgencies(AgencyQuery{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Items {
		ag := agencyNamed(t, f, s.Name)
		v, err := f.PublicAgency(s.ID)
		if err != nil {
			t.Fatalf("public page of %s: %v", s.Name, err)
		}
		b, _ := json.Marshal(struct {
			S *PublicAgencySummary
			V *PublicAgencyView
		}{s, v})
		for _, secret := range []string{ag.LegalRepIDNo, ag.ContactMobile} {
			if secret != "" && strings.Contains(string(b), secret) {
				t.Errorf("%s: public data holds %q", s.Name, secret)
			}
		}
		// Practitioners: neither ID numbers nor mobiles.
		err = f.db.View(func(tx *storage.Tx) error {
			for _, line := range v.Practitioners {
				p, err := practitionerByCard(tx, line.CardNo)
				if err != nil {
					return err
				}
				if strings.Contains(string(b), p.IDNo) || strings.Contains(string(b), p.Mobile) {
					t.Errorf("%s: public page holds %s's ID number or mobile", s.Name, p.Name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestPublicAgencyPage(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	head := agencyNamed(t, f, "北京华信达房地产经纪有限公司")
	v, err := f.PublicAgency(head.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.FilingNo != head.FilingNo || v.Name != head.Name || v.LegalRep != head.LegalRep || v.Status != AgencyFiled {
		t.Errorf("page: %+v", v.PublicAgencySummary)
	}
	if len(v.PremisesList) != len(head.Premises) || len(v.PremisesList) != 3 {
		t.Errorf("premises: %d, want %d", len(v.PremisesList), len(head.Premises))
	}
	if len(v.Branches) != 3 || v.HeadOffice != nil {
		t.Errorf("branches %+v, head office %+v", v.Branches, v.HeadOffice)
	}
	// The count is of current employments, and the list shows them all.
	var want []string
	err = f.db.View(func(tx *storage.Tx) error {
		return practitionerTable.Each(tx, false, func(p *Practitioner) (bool, error) {
			if c := p.Current(); c != nil && c.AgencyID == head.ID {
				want = append(want, p.CardNo)
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 || v.Employed != len(want) || len(v.Practitioners) != len(want) {
		t.Errorf("employed %d, listed %d, want %d", v.Employed, len(v.Practitioners), len(want))
	}
	for _, line := range v.Practitioners {
		if !slices.Contains(want, line.CardNo) || line.Name == "" || line.Role == "" {
			t.Errorf("line %+v", line)
		}
	}
	list, err := f.PublicAgencies(AgencyQuery{Text: head.FilingNo})
	if err != nil || len(list.Items) != 1 || list.Items[0].Employed != len(want) || len(list.Items[0].Premises) != 3 {
		t.Errorf("directory line: %+v %v", list.Items, err)
	}

	branch := agencyNamed(t, f, "北京华信达房地产经纪有限公司通州分公司")
	bv, err := f.PublicAgency(branch.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bv.HeadOffice == nil || bv.HeadOffice.ID != head.ID || bv.HeadOfficeName != head.Name {
		t.Errorf("branch's head office: %+v", bv.HeadOffice)
	}

	gone := agencyNamed(t, f, "北京万家房地产经纪有限公司")
	gv, err := f.PublicAgency(gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gv.Status != AgencyCancelled || gv.Employed != 0 || len(gv.Practitioners) != 0 {
		t.Errorf("cancelled agency page: %s employed %d listed %d", gv.Status, gv.Employed, len(gv.Practitioners))
	}
}

// The directory's pages are kept until the index changes: a new filing,
// or a practitioner leaving, shows at once.
func TestPublicDirectoryCacheFollowsChanges(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	first, err := f.PublicAgencies(AgencyQuery{Text: "安"})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := f.PublicAgencies(AgencyQuery{Text: " 安 ", Page: 0})
	if again.Total != first.Total || len(again.Items) == 0 || again.Items[0] != first.Items[0] {
		t.Errorf("same query, not the same page: %d / %d", first.Total, again.Total)
	}
	err = f.update(func(tx *storage.Tx) error {
		_, err := f.seedDemoAgency(tx, demoAgencySpec{Info: AgencyInfo{Name: "北京新安房地产经纪有限公司", USCC: demoUSCC(rand.New(rand.NewPCG(1, 1)), "110105"),
			Type: AgencyTypeBroker, District: "110105", Address: "北京市朝阳区新安路1号"}}, f.now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := f.PublicAgencies(AgencyQuery{Text: "安"})
	if after.Total != first.Total+1 || !slices.Contains(publicNames(after), "北京新安房地产经纪有限公司") {
		t.Errorf("after a new filing: %d agencies (was %d): %v", after.Total, first.Total, publicNames(after))
	}

	// A practitioner leaves: the count goes down.
	head := agencyNamed(t, f, "北京华信达房地产经纪有限公司")
	before, _ := f.PublicAgencies(AgencyQuery{Text: head.FilingNo})
	n := before.Items[0].Employed
	if v, err := f.PublicAgency(head.ID); err != nil || v.Employed != n {
		t.Fatalf("agency page: %v, employed %d, want %d", err, v.Employed, n)
	}
	err = f.update(func(tx *storage.Tx) error {
		ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(head.ID))
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := practitionerTable.Get(tx, id)
			if err != nil {
				return err
			}
			if c := p.Current(); c != nil && c.AgencyID == head.ID {
				c.End = f.now()
				return practitionerTable.Put(tx, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	now, _ := f.PublicAgencies(AgencyQuery{Text: head.FilingNo})
	if now.Items[0].Employed != n-1 {
		t.Errorf("employed after one left: %d, want %d", now.Items[0].Employed, n-1)
	}
	if v, err := f.PublicAgency(head.ID); err != nil || v.Employed != n-1 || len(v.Practitioners) != n-1 {
		t.Errorf("agency page after one left: %v, employed %d, want %d", err, v.Employed, n-1)
	}
}
