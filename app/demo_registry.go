package app

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"anju/storage"
)

// Demo registry: a few thousand plausible properties of Beijing districts,
// with fictional owners whose ID numbers have valid check digits, some
// seized, disputed, mortgaged or not residential, and verifications in
// every status. The generator is seeded: every demo is the same.

var (
	demoSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
	demoGiven    = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "晓东", "子涵", "雨轩", "思远"}
	demoStreets  = map[string][]string{
		"110105": {"朝阳区望京西园四区", "朝阳区团结湖北里", "朝阳区劲松八区", "朝阳区双井富力城", "朝阳区亚运村安慧里", "朝阳区十里堡", "朝阳区甜水园北里", "朝阳区南磨房百子湾"},
		"110108": {"海淀区中关村东路", "海淀区五道口华清嘉园", "海淀区万柳中路", "海淀区学院路", "海淀区西三旗育新花园"},
		"110101": {"东城区和平里七区", "东城区东四十条", "东城区天坛东里"},
		"110106": {"丰台区方庄芳古园", "丰台区马家堡嘉园"},
	}
	demoRegistryDistricts = []string{"110105", "110105", "110105", "110108", "110108", "110101", "110106"}
	demoDistrictAbbr      = map[string]string{"110105": "朝阳区", "110108": "海淀区", "110101": "东城区", "110106": "丰台区"}
)

// demoPerson returns a fictional person with a checksum-valid Beijing ID.
func demoPerson(r *rand.Rand) Owner {
	name := demoSurnames[r.IntN(len(demoSurnames))] + demoGiven[r.IntN(len(demoGiven))]
	birth := time.Date(1950+r.IntN(50), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	d17 := "110105" + birth.Format("20060102") + fmt.Sprintf("%03d", r.IntN(1000))
	return Owner{Name: name, IDType: "resident_id", IDNo: d17 + string(residentIDCheckChar(d17))}
}

// DemoProperty describes a generated property, for the console and tests.
func demoProperty(r *rand.Rand, i int) *Property {
	district := demoRegistryDistricts[r.IntN(len(demoRegistryDistricts))]
	streets := demoStreets[district]
	year := 2005 + r.IntN(20)
	p := &Property{
		District: district, CertType: "01",
		CertNo:  NormalizeCertNo(fmt.Sprintf("京(%d)%s不动产权第%07d号", year, demoDistrictAbbr[district], 100000+i)),
		Address: fmt.Sprintf("%s%d号楼%d单元%d", streets[r.IntN(len(streets))], 1+r.IntN(30), 1+r.IntN(4), 101+r.IntN(18)*100+r.IntN(4)),
		Area:    float64(35+r.IntN(110)) + float64(r.IntN(10))/10,
		Use:     "住宅", Source: "demo", RegisteredOn: time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC),
	}
	p.Owners = []Owner{demoPerson(r)}
	if r.IntN(4) == 0 {
		co := demoPerson(r)
		p.Owners[0].Share, co.Share = "50%", "50%"
		p.Owners = append(p.Owners, co)
	}
	switch n := r.IntN(100); {
	case n < 3:
		p.Seized = true
	case n < 5:
		p.Disputed = true
	case n < 6:
		p.Restricted = true
	case n < 15:
		p.Mortgaged = true
	case n < 18:
		p.Use = "商业"
	}
	return p
}

// demoRegistrySize is how many properties the demo registry holds.
const demoRegistrySize = 3000

// DemoCertificates returns a few demo properties with their owners, one of
// each kind (clear, co-owned, seized, mortgaged), for the console and the
// README so that a newcomer can try a verification.
func (a *App) DemoCertificates() []Property {
	r := rand.New(rand.NewPCG(2026, 11))
	all := make([]*Property, demoRegistrySize)
	for i := range all {
		all[i] = demoProperty(r, i)
	}
	var out []Property
	want := map[string]bool{"clear": true, "coowned": true, "seized": true, "mortgaged": true}
	// From the end: the demo verifications use the first properties.
	for i := len(all) - 1; i >= 0; i-- {
		p := all[i]
		kind := "clear"
		switch {
		case p.Seized:
			kind = "seized"
		case p.Mortgaged:
			kind = "mortgaged"
		case p.Disputed || p.Restricted || !p.Residential():
			continue
		case len(p.Owners) > 1:
			kind = "coowned"
		}
		if want[kind] && p.District == "110105" {
			delete(want, kind)
			out = append(out, *p)
		}
	}
	return out
}

// loadDemoRegistry writes the demo registry once, and returns the demo
// verifications still to issue (nil when the registry was there already).
func (a *App) loadDemoRegistry() (*demoIssuer, error) {
	var have bool
	if err := a.db.View(func(tx *storage.Tx) error { have = propertyTable.Count(tx) > 0; return nil }); err != nil || have {
		return nil, err
	}
	r := rand.New(rand.NewPCG(2026, 11))
	actor := SystemActor("demo")
	var props []*Property
	for i := range demoRegistrySize {
		props = append(props, demoProperty(r, i))
	}
	for start := 0; start < len(props); start += 1000 {
		end := min(start+1000, len(props))
		err := a.db.Update(func(tx *storage.Tx) error {
			for _, p := range props[start:end] {
				p.Updated = a.now()
				if _, _, err := a.upsertProperty(tx, p, actor); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return a.planDemoVerifications(props, r)
}

// demoIssue is a demo verification to ask for through Verify, then date
// back to its issue date.
type demoIssue struct {
	actor int // of demoIssuer.actors
	in    VerifyInput
	at    time.Time // issue date
	kind  int       // 3 revoked, 5 used, 7 voided, else as issued
}

// demoIssuer issues the demo verifications in the order of their dates.
// Lists show newest first by ID (app/verification_list.go: the ID order is
// the order of issue in a real system, and a sort by date would cost ten
// times more over a million codes), so the demo, which dates its records
// back, must write them in date order too: the demo leases' verifications
// (app/demo_contracts.go) ask for these in between (issueUntil).
type demoIssuer struct {
	a       *App
	actors  []Actor
	plan    []demoIssue     // not issued yet, oldest first
	certs   map[string]bool // district/cert_no of every planned one
	issued  []string        // codes issued
	props   []*Property     // the demo registry, for the refused attempts
	refused bool
}

// planDemoVerifications draws about sixty verifications of clear Chaoyang
// properties, asked for by the demo clerk and agent, over the last 80 days
// (one in ten older: expired), to be revoked, used or voided in part so
// that every status shows.
func (a *App) planDemoVerifications(props []*Property, r *rand.Rand) (*demoIssuer, error) {
	var clerk, agent *User
	if err := a.db.View(func(tx *storage.Tx) error {
		var err error
		if clerk, err = userByName(tx, "clerk"); err != nil {
			return err
		}
		agent, err = userByName(tx, "agent.zhang")
		return err
	}); err != nil {
		return nil, err
	}
	d := &demoIssuer{a: a, actors: []Actor{actorOf(clerk, &Session{}, "127.0.0.1"), actorOf(agent, &Session{}, "127.0.0.1")},
		certs: map[string]bool{}, props: props}
	for i, p := range props {
		if len(d.plan) >= 60 {
			break
		}
		if p.District != "110105" || p.restriction() != "" || !p.Residential() {
			continue
		}
		o := p.Owners[0]
		d.plan = append(d.plan, demoIssue{actor: i % 2, in: VerifyInput{District: p.District, CertType: p.CertType, CertNo: p.CertNo,
			Owners:  []OwnerInput{{Name: o.Name, IDType: o.IDType, IDNo: o.IDNo}},
			Address: p.Address, Area: strconv.FormatFloat(p.Area, 'f', 1, 64),
			Rooms: strconv.Itoa(1 + r.IntN(3)), Halls: "1", Baths: "1",
			Rent: strconv.Itoa(3000 + r.IntN(90)*100), Mode: "whole"}})
		d.certs[p.District+"/"+p.CertNo] = true
	}
	ages := make([]time.Duration, len(d.plan))
	for i := range ages {
		ages[i] = time.Duration(r.IntN(80*24)) * time.Hour
		if i%10 == 1 {
			ages[i] = 120 * 24 * time.Hour // expired
		}
	}
	slices.SortFunc(ages, func(x, y time.Duration) int { return cmp.Compare(y, x) })
	now := a.now()
	for i := range d.plan {
		d.plan[i].at, d.plan[i].kind = now.Add(-ages[i]), i%10
	}
	return d, nil
}

// issueUntil issues the planned verifications dated at or before t, every
// one left when t is zero (then also the demo's refused attempts).
func (d *demoIssuer) issueUntil(t time.Time) error {
	if d == nil {
		return nil
	}
	for len(d.plan) > 0 && (t.IsZero() || !d.plan[0].at.After(t)) {
		if err := d.issue(d.plan[0]); err != nil {
			return err
		}
		d.plan = d.plan[1:]
	}
	if !t.IsZero() || d.refused {
		return nil
	}
	d.refused = true
	return d.a.demoRefusals(d.actors, d.props)
}

// codes are the codes issued so far.
func (d *demoIssuer) codes() []string {
	if d == nil {
		return nil
	}
	return d.issued
}

// issue asks for one verification through Verify as a demo user, then
// dates it back and revokes, uses or voids it as planned.
func (d *demoIssuer) issue(p demoIssue) error {
	a := d.a
	res, err := a.Verify(d.actors[p.actor], p.in)
	if err != nil {
		return fmt.Errorf("demo verification of %s: %w", p.in.CertNo, err)
	}
	d.issued = append(d.issued, res.Verification.Code)
	now := a.now()
	return a.update(func(tx *storage.Tx) error {
		v, err := a.lookupVerification(tx, res.Verification.Code)
		if err != nil {
			return err
		}
		v.ValidUntil = p.at.Add(v.ValidUntil.Sub(v.Created))
		v.Created = p.at
		// A code ends between its issue and now, so that no page shows
		// it revoked, used or voided before it was issued.
		ended := v.Created.Add(now.Sub(v.Created) / 2)
		switch p.kind {
		case 3:
			v.Status, v.Ended, v.EndReason, v.EndedBy = VStatusRevoked, ended, "房源信息与实际不符（演示）", "clerk"
		case 5:
			v.Status, v.Ended, v.EndReason, v.EndedBy = VStatusUsed, ended, "", demoActor
		case 7:
			v.Status, v.Ended, v.EndReason, v.EndedBy = VStatusVoided, ended, "verify.seized", "system:registry"
		}
		return verificationTable.Put(tx, v)
	})
}

// demoRefusals asks for a few verifications the registry refuses, through
// the same path as any other, so that the list of attempts not passed has
// its usual kinds: a seized or disputed flat, an owner who does not match,
// a certificate the district does not have.
func (a *App) demoRefusals(actors []Actor, props []*Property) error {
	var ins []VerifyInput
	input := func(p *Property, name, idNo string) VerifyInput {
		return VerifyInput{District: p.District, CertType: p.CertType, CertNo: p.CertNo,
			Owners:  []OwnerInput{{Name: name, IDType: p.Owners[0].IDType, IDNo: idNo}},
			Address: p.Address, Area: strconv.FormatFloat(p.Area, 'f', 1, 64), Rooms: "2", Halls: "1", Baths: "1",
			Rent: "4500", Mode: "whole"}
	}
	restricted, mismatched := 0, 0
	for _, p := range props {
		if p.District != "110105" || !p.Residential() || len(p.Owners) == 0 {
			continue
		}
		o := p.Owners[0]
		switch {
		case p.restriction() != "" && restricted < 3:
			ins = append(ins, input(p, o.Name, o.IDNo))
			restricted++
		case p.restriction() == "" && mismatched < 2:
			ins = append(ins, input(p, o.Name+"明", o.IDNo)) // a name the register does not have
			mismatched++
		}
	}
	if len(props) > 0 && len(props[0].Owners) > 0 {
		missing := input(props[0], props[0].Owners[0].Name, props[0].Owners[0].IDNo)
		missing.District, missing.CertNo = "110105", "京(2099)朝阳区不动产权第9999999号"
		ins = append(ins, missing)
	}
	for i, in := range ins {
		if _, err := a.Verify(actors[(i+1)%len(actors)], in); err != nil && ErrorCode(err) != EINVALID {
			return fmt.Errorf("demo refusal of %s: %w", in.CertNo, err)
		}
	}
	return nil
}
