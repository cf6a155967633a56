package app

import (
	"math"
	"testing"
	"time"

	"anju/storage"
)

type demoCounts struct{ agencies, practitioners, users, premises, noCoords, moved int }

func countDemo(t *testing.T, f *fixture) demoCounts {
	t.Helper()
	var c demoCounts
	err := f.db.View(func(tx *storage.Tx) error {
		c.users = userTable.Count(tx)
		err := agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
			c.agencies++
			for _, p := range ag.Premises {
				c.premises++
				if !p.HasCoords {
					c.noCoords++
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		return practitionerTable.Each(tx, false, func(p *Practitioner) (bool, error) {
			c.practitioners++
			if len(p.Employments) > 1 {
				c.moved++
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDemoAgenciesIdempotent(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	seedDirectory(t, f)
	took := time.Since(start)
	first := countDemo(t, f)
	seedDirectory(t, f)
	if second := countDemo(t, f); second != first {
		t.Errorf("second load changed the counts: %+v, then %+v", first, second)
	}
	t.Logf("demo agencies: %+v, seeded in %v", first, took)
	if first.agencies != len(demoCoreAgencies)+len(demoMoreAgencies) {
		t.Errorf("%d agencies", first.agencies)
	}
	if first.practitioners < 200 || first.moved < 10 || first.noCoords == 0 || first.noCoords > first.premises/5 {
		t.Errorf("demo: %+v", first)
	}
	t.Logf("seeding took %v", took) // speed is measured in docs/benchmarks.md, not asserted
}

func TestDemoAgenciesAreValid(t *testing.T) {
	f := newFixture(t)
	seedDirectory(t, f)
	err := f.db.View(func(tx *storage.Tx) error {
		err := agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
			if err := CheckUSCC(ag.USCC); err != nil {
				t.Errorf("%s: credit code %s: %v", ag.Name, ag.USCC, err)
			}
			if err := CheckResidentID(ag.LegalRepIDNo); err != nil {
				t.Errorf("%s: legal representative's ID %s: %v", ag.Name, ag.LegalRepIDNo, err)
			}
			if _, err := NormalizeMobile(ag.ContactMobile); err != nil {
				t.Errorf("%s: mobile %s: %v", ag.Name, ag.ContactMobile, err)
			}
			if ag.FilingNo == "" || ag.Filed.IsZero() || ag.Filed.After(f.now()) || len(ag.Premises) == 0 {
				t.Errorf("%s: filing %q on %v, %d premises", ag.Name, ag.FilingNo, ag.Filed, len(ag.Premises))
			}
			if ag.IsBranch() {
				head, err := agencyTable.Get(tx, ag.HeadOfficeID)
				if err != nil || head.IsBranch() || head.Name != ag.HeadOfficeName {
					t.Errorf("%s: head office %d %q: %v", ag.Name, ag.HeadOfficeID, ag.HeadOfficeName, err)
				}
			}
			geo, ok := demoDistrictGeo[ag.District]
			for _, p := range ag.Premises {
				if p.District != ag.District {
					t.Errorf("%s: premises %s in %s", ag.Name, p.Name, p.District)
				}
				if p.HasCoords && ok && (math.Abs(p.Lng-geo.Lng) > 0.05 || math.Abs(p.Lat-geo.Lat) > 0.05) {
					t.Errorf("%s: premises %s at %.4f,%.4f, far from its district", ag.Name, p.Name, p.Lng, p.Lat)
				}
			}
			if ag.AdminUserID != 0 {
				u, err := userTable.Get(tx, ag.AdminUserID)
				if err != nil || u.AgencyID != ag.ID || !u.HasRole(RoleAgencyAdmin) || u.Disabled != (ag.Status == AgencyCancelled) {
					t.Errorf("%s: admin account %+v: %v", ag.Name, u, err)
				}
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		return practitionerTable.Each(tx, false, func(p *Practitioner) (bool, error) {
			if err := CheckResidentID(p.IDNo); err != nil {
				t.Errorf("%s: ID %s: %v", p.Name, p.IDNo, err)
			}
			for i, e := range p.Employments {
				ag, err := agencyTable.Get(tx, e.AgencyID)
				if err != nil {
					t.Errorf("%s: employer %d: %v", p.Name, e.AgencyID, err)
					continue
				}
				if ag.Status == AgencyCancelled && e.End.IsZero() {
					t.Errorf("%s still employed by cancelled %s", p.Name, ag.Name)
				}
				if !e.End.IsZero() && e.End.Before(e.Start) {
					t.Errorf("%s: employment %d ends before it starts", p.Name, i)
				}
				if i > 0 && e.Start.Before(p.Employments[i-1].End) {
					t.Errorf("%s: employment %d starts before the previous one ended", p.Name, i)
				}
				if i < len(p.Employments)-1 && e.End.IsZero() {
					t.Errorf("%s: employment %d open but not the last", p.Name, i)
				}
			}
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The whole demo, twice: the second load adds nothing, and the first stays
// quick enough for `serve --demo` (the registry's thousands of properties
// included).
func TestLoadDemoTwiceWithAgencies(t *testing.T) {
	f := newFixture(t)
	start := time.Now()
	if _, err := f.LoadDemo(); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	first := countDemo(t, f)
	if _, err := f.LoadDemo(); err != nil {
		t.Fatal(err)
	}
	if second := countDemo(t, f); second != first {
		t.Errorf("second LoadDemo changed the counts: %+v, then %+v", first, second)
	}
	t.Logf("LoadDemo: %+v in %v", first, took)
	// Both seeders ran: the core agency has practitioners besides the
	// demo agents, and so do the fifty more.
	for _, name := range []string{"北京安居房地产经纪有限公司", "北京启航房地产经纪有限公司"} {
		ag := agencyNamed(t, f, name)
		if n, err := f.EmployedCount(ag.ID); err != nil || n < 3 {
			t.Errorf("%s employs %d (%v)", name, n, err)
		}
	}
	if first.agencies != len(demoCoreAgencies)+len(demoMoreAgencies) {
		t.Errorf("%d agencies", first.agencies)
	}
}
