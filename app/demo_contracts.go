package app

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"anju/storage"
)

// Demo leases: about 2,000 contracts over the last two years so that the
// contract lists, searches, the filing queue and later statistics have
// something real to show. Every room of a demo property is let by a chain
// of successive leases that never overlap, so the effective ones pass the
// overlap rule; leases whose term has ended are expired, some were revoked,
// a few drafts wait and some were given up. Online leases come from a used
// verification of their own; about one in twelve is a paper contract
// entered afterwards (补录). Filing states follow the signing date and the
// deadline: filed with a certificate number, pending, rejected, or not
// applied for (overdue once the deadline has passed). The generator is
// seeded: every demo holds the same leases, only the dates follow the clock.

// demoContractsWanted is about how many leases the demo holds.
const demoContractsWanted = 2000

// demoRentPerM2 is the monthly rent range in yuan per m² of each district.
var demoRentPerM2 = map[string][2]int{
	"110101": {80, 150}, "110102": {90, 160}, "110105": {60, 140}, "110106": {45, 95},
	"110107": {40, 85}, "110108": {70, 150}, "110109": {25, 50}, "110111": {25, 50},
	"110112": {35, 70}, "110113": {35, 70}, "110114": {35, 70}, "110115": {35, 65},
}

// demoOuterDistricts get properties of their own (the demo registry covers
// four districts); the weights make the outer ones rarer.
var demoOuterDistricts = []string{"110102", "110102", "110107", "110112", "110112", "110113", "110114", "110114", "110115", "110111", "110109"}

var demoCompounds = []string{"小区", "家园", "花园", "嘉园", "北里", "南里", "新村", "公寓"}

// demoLesseeRegions are where lessees' resident IDs were issued.
var demoLesseeRegions = []string{"110105", "110108", "110101", "130102", "130602", "370102", "410105", "420106", "340104", "510107", "230103", "140105", "210102"}

var demoRevokeReasons = []string{"承租人工作调动，双方协商一致解除合同", "出租人出售房屋，双方协商解除", "承租人购房搬离，经双方同意提前解约", "房屋需大修无法继续居住，双方协商解除"}

var demoRejectReasons = []string{"承租人身份证复印件不清晰，请重新上传", "租金与付款周期填写不一致，请核对后重新提交", "缺少出租人授权委托书，请补充后重新提交"}

var demoPaymentMethods = []string{"transfer", "transfer", "transfer", "online", "online", "cash"}

// demoSigner is someone who signs leases: an agency's staff member or a
// clerk at the counter (Agency nil).
type demoSigner struct {
	Agency *Agency
	Person Person
}

// loadDemoContracts writes the demo leases once: it does nothing when the
// store holds contracts already or has no demo registry. The registry
// demo's verifications (issue) are asked for in between, in the order of
// their dates, and the drafts are begun from them at the end.
func (a *App) loadDemoContracts(issue *demoIssuer) error {
	now := a.now()
	var (
		props   []*Property
		used    = map[uint64]bool{} // properties of the demo verifications: kept free for trying
		signers map[string][]demoSigner
		skip    bool
	)
	err := a.db.View(func(tx *storage.Tx) error {
		if contractTable.Count(tx) > 0 {
			skip = true
			return nil
		}
		err := verificationTable.Each(tx, false, func(v *Verification) (bool, error) {
			used[v.PropertyID] = true
			return true, nil
		})
		if err != nil {
			return err
		}
		// The certificates printed on the console for trying a verification
		// (and then a lease) stay free too, as do those of the registry
		// demo's verifications not issued yet.
		printed := map[string]bool{}
		for _, c := range a.DemoCertificates() {
			printed[c.District+"/"+c.CertNo] = true
		}
		err = propertyTable.Each(tx, false, func(p *Property) (bool, error) {
			key := p.District + "/" + p.CertNo
			if p.Source == "demo" && p.restriction() == "" && p.Residential() && !used[p.ID] && !printed[key] && (issue == nil || !issue.certs[key]) {
				props = append(props, p)
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		signers, err = demoSigners(tx)
		return err
	})
	if err != nil || skip || len(props) == 0 || len(signers) == 0 {
		if err == nil {
			err = issue.issueUntil(time.Time{})
		}
		return err
	}
	r := rand.New(rand.NewPCG(2026, 55))
	g := &demoContractGen{a: a, r: r, now: now, signers: signers, deadline: a.ParamInt(ParamFilingDeadlineDays),
		maxDeposit: a.ParamInt(ParamDepositMaxMonths)}
	var leases []*Contract
	err = a.db.Update(func(tx *storage.Tx) error {
		extra, err := demoOuterProperties(tx, r, now)
		if err != nil {
			return err
		}
		props = append(props, extra...)
		r.Shuffle(len(props), func(i, j int) { props[i], props[j] = props[j], props[i] })
		for _, p := range props {
			if len(leases) >= demoContractsWanted {
				break
			}
			leases = append(leases, g.property(p)...)
		}
		leases = append(leases, g.cancelled(props, 40)...)
		// Numbers and IDs in signing order, as they would have been issued.
		slices.SortStableFunc(leases, func(x, y *Contract) int { return x.Created.Compare(y.Created) })
		return nil
	})
	if err != nil {
		return err
	}
	// The leases in that order, in as many transactions as the registry
	// demo's verifications dated between theirs need.
	var verified time.Time // of leases[i], when online
	for i := 0; i < len(leases); {
		err := a.db.Update(func(tx *storage.Tx) error {
			for ; i < len(leases); i++ {
				c := leases[i]
				if c.Source == ContractOnline && verified.IsZero() {
					verified = g.verifiedAt(c)
					if issue != nil && len(issue.plan) > 0 && verified.After(issue.plan[0].at) {
						return nil // the registry demo's older ones first
					}
				}
				if err := g.write(tx, c, verified); err != nil {
					return err
				}
				verified = time.Time{}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if i < len(leases) {
			if err := issue.issueUntil(verified); err != nil {
				return err
			}
		}
	}
	if err := issue.issueUntil(time.Time{}); err != nil {
		return err
	}
	err = a.db.Update(func(tx *storage.Tx) error {
		// Drafts begun from the registry demo's codes still valid a while.
		var valid []*Verification
		for _, code := range issue.codes() {
			v, err := a.lookupVerification(tx, code)
			if err != nil {
				return err
			}
			if v.State(now) == VStatusValid && v.ValidUntil.Sub(now) > 20*24*time.Hour {
				valid = append(valid, v)
			}
		}
		n := len(leases)
		for i, v := range valid[:min(6, len(valid))] {
			if err := g.draft(tx, v, i); err != nil {
				return err
			}
			n++
		}
		return a.audit(tx, SystemActor("demo"), "contract.demo", "contract", 0, fmt.Sprintf("%d contracts (demo)", n),
			auditNote("audit.note.demo_contracts", noteInt(n)))
	})
	if err != nil {
		return err
	}
	a.indexer.applyInBackground()
	return nil
}

// demoSigners lists, per district served, who signs leases: the live
// agencies' agents (their admin when they have none) and the district
// clerks. Key "" holds the agencies' signers, usable in every district.
func demoSigners(tx *storage.Tx) (map[string][]demoSigner, error) {
	agencies := map[uint64]*Agency{}
	err := agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
		if ag.Live() {
			agencies[ag.ID] = ag
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	agents := map[uint64][]Person{}
	admins := map[uint64][]Person{}
	out := map[string][]demoSigner{}
	err = userTable.Each(tx, false, func(u *User) (bool, error) {
		if u.Disabled {
			return true, nil
		}
		p := Person{UserID: u.ID, Username: u.Username, Name: u.Name}
		switch {
		case u.AgencyID != 0 && u.HasRole(RoleAgent):
			agents[u.AgencyID] = append(agents[u.AgencyID], p)
		case u.AgencyID != 0 && u.HasRole(RoleAgencyAdmin):
			admins[u.AgencyID] = append(admins[u.AgencyID], p)
		case u.HasRole(RoleClerk) && u.District != "":
			out[u.District] = append(out[u.District], demoSigner{Person: p})
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	ids := make([]uint64, 0, len(agencies))
	for id := range agencies {
		ids = append(ids, id)
	}
	slices.Sort(ids) // map order is random; the demo is not
	for _, id := range ids {
		people := agents[id]
		if len(people) == 0 {
			people = admins[id]
		}
		for _, p := range people {
			out[""] = append(out[""], demoSigner{Agency: agencies[id], Person: p})
		}
	}
	return out, nil
}

// demoOuterProperties adds residential properties in districts the demo
// registry does not cover, so that leases spread over the city.
func demoOuterProperties(tx *storage.Tx, r *rand.Rand, now time.Time) ([]*Property, error) {
	var out []*Property
	for i := range 600 {
		d := demoOuterDistricts[r.IntN(len(demoOuterDistricts))]
		geo := demoDistrictGeo[d]
		year := 2005 + r.IntN(20)
		p := &Property{District: d, CertType: "01",
			CertNo: NormalizeCertNo(fmt.Sprintf("京(%d)%s不动产权第%07d号", year, geo.Name, 300000+i)),
			Address: fmt.Sprintf("%s%s%s%d号楼%d单元%d", geo.Name, geo.Places[r.IntN(len(geo.Places))],
				demoCompounds[r.IntN(len(demoCompounds))], 1+r.IntN(30), 1+r.IntN(4), 101+r.IntN(18)*100+r.IntN(4)),
			Area: float64(38+r.IntN(100)) + float64(r.IntN(10))/10, Use: "住宅", Source: "demo", Updated: now,
			RegisteredOn: time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)}
		p.Owners = []Owner{demoPerson(r)}
		if r.IntN(5) == 0 {
			co := demoPerson(r)
			p.Owners[0].Share, co.Share = "50%", "50%"
			p.Owners = append(p.Owners, co)
		}
		if r.IntN(10) == 0 {
			p.Mortgaged = true
		}
		if old, err := findProperty(tx, p.District, p.CertNo); err != nil || old != nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		if _, err := propertyTable.Insert(tx, p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// demoContractGen draws the leases.
type demoContractGen struct {
	a          *App
	r          *rand.Rand
	now        time.Time
	signers    map[string][]demoSigner
	deadline   int
	maxDeposit int
	// lastVerified is the newest lease verification written so far. Lists
	// go newest first by ID, so the back-dated verifications written in the
	// leases' order must also be dated in that order (and the registry
	// demo's are written in between: loadDemoContracts).
	lastVerified time.Time
}

func demoDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// property draws the chains of leases of one property: one chain for a
// whole rental, one per room let for a shared one.
func (g *demoContractGen) property(p *Property) []*Contract {
	r := g.r
	rooms := 1 + min(int(p.Area)/35, 3)
	base := Listing{Address: p.Address, Area: p.Area, Rooms: rooms, Halls: 1, Baths: 1 + min(rooms/3, 1), Mode: "whole"}
	var listings []Listing
	if rooms >= 2 && r.IntN(8) == 0 {
		for _, room := range []string{"主卧", "次卧", "北卧"}[:rooms-1] {
			l := base
			l.Mode, l.Room = "shared", room
			listings = append(listings, l)
		}
	} else {
		listings = append(listings, base)
	}
	var out []*Contract
	for _, l := range listings {
		out = append(out, g.chain(p, l)...)
	}
	return out
}

// chain draws successive leases of one room from up to two years ago to
// now.
func (g *demoContractGen) chain(p *Property, l Listing) []*Contract {
	r := g.r
	today := demoDay(g.now)
	// Most rooms were let already two years ago: two or three leases each.
	start := today.AddDate(0, 0, -365-r.IntN(365))
	if r.IntN(5) == 0 {
		start = today.AddDate(0, 0, -r.IntN(365))
	}
	var out []*Contract
	for !start.After(today.AddDate(0, 0, 20)) {
		months := []int{12, 12, 12, 12, 12, 12, 12, 6, 24, 24, 36}[r.IntN(11)]
		signed := start.AddDate(0, 0, -1-r.IntN(14)).Add(time.Duration(9*60+r.IntN(9*60)) * time.Minute)
		if signed.After(g.now) {
			break
		}
		c := g.lease(p, l, start, start.AddDate(0, months, -1), signed)
		out = append(out, c)
		next := c.Terms.End.AddDate(0, 0, 1)
		if c.Status == ContractRevoked {
			next = c.Ended.AddDate(0, 0, 1)
		}
		start = next.AddDate(0, 0, r.IntN(45))
	}
	return out
}

// lease draws one signed lease and its fate: in effect, expired or
// revoked, with its filing.
func (g *demoContractGen) lease(p *Property, l Listing, start, end, signed time.Time) *Contract {
	r := g.r
	today := demoDay(g.now)
	span := demoRentPerM2[p.District]
	if span == [2]int{} {
		span = [2]int{40, 90}
	}
	perM2 := span[0] + r.IntN(span[1]-span[0]+1)
	rent := int(p.Area * float64(perM2))
	if l.Mode == "shared" {
		rent = rent * (28 + r.IntN(12)) / 100
	}
	rent = max(800, rent/100*100)
	l.Rent = rent + 100*r.IntN(4)

	c := &Contract{Status: ContractSigned, Source: ContractOnline, PropertyID: p.ID, District: p.District,
		CertType: p.CertType, CertNo: p.CertNo, Listing: l, Step: 6, TemplateVersion: 1}
	signer := g.signer(p.District)
	if signer.Agency != nil {
		c.AgencyID, c.AgencyName = signer.Agency.ID, signer.Agency.Name
		c.AgentID, c.AgentName = signer.Person.UserID, signer.Person.Name
	}
	if r.IntN(12) == 0 {
		c.Source = ContractBackEntry
	}
	cycle := []string{"monthly", "monthly", "monthly", "quarterly", "quarterly", "quarterly", "quarterly", "half_year", "half_year", "yearly"}[r.IntN(10)]
	months := []int{1, 1, 1, 1, 1, 1, 2, 2, 2, 3}[r.IntN(10)]
	if r.IntN(80) == 0 {
		months = g.maxDeposit + 1
	}
	c.Terms = Terms{Start: start, End: end, Rent: rent, PaymentCycle: cycle,
		PaymentMethod: demoPaymentMethods[r.IntN(len(demoPaymentMethods))], Deposit: rent * months,
		Purpose: "residential", Utilities: []string{"lessee", "lessee", "lessee", "lessor", "shared"}[r.IntN(5)],
		DepositFlag: months > g.maxDeposit}
	if l.Mode == "shared" {
		c.Terms.Rooms = l.Room
		c.Terms.Fees = "物业费由出租人承担，网费由合租人分摊"
	} else if r.IntN(3) == 0 {
		c.Terms.Fees = "物业费、供暖费由出租人承担"
	}
	c.Parties = g.parties(p)
	if r.IntN(4) == 0 {
		c.AgreedTerms = []string{"租期内出租人不得擅自提高租金。", "承租人可饲养小型宠物，退租时负责清洁。", "家具家电清单见附件，退租时按清单交还。", "承租人不得转租。"}[r.IntN(4)]
	}
	c.Form = demoContractForm(c)
	c.CreatedBy = signer.Person
	c.Created = signed.Add(-time.Duration(20+r.IntN(600)) * time.Minute)
	c.Updated = signed
	c.Signed, c.SignedBy = signed, signer.Person
	c.FilingDue = demoDay(signed).AddDate(0, 0, g.deadline)
	c.History = []ContractEvent{{Time: c.Created, By: signer.Person, Action: "created"}}
	if c.Source == ContractBackEntry {
		c.History[0].Note = BackEntryNote
	}
	c.History = append(c.History, ContractEvent{Time: signed, By: signer.Person, Action: "signed"})

	g.filing(c)
	switch {
	case !end.Before(today) && r.IntN(14) == 0 && start.Before(today.AddDate(0, 0, -30)):
		// Revoked: ended by both parties' agreement some time into the term.
		days := int(today.Sub(start).Hours()/24) - 1
		ended := start.AddDate(0, 0, 30+r.IntN(max(days-30, 1)))
		g.revoke(c, ended)
	case end.Before(today) && r.IntN(12) == 0:
		days := int(end.Sub(start).Hours() / 24)
		g.revoke(c, start.AddDate(0, 0, 30+r.IntN(max(days-60, 1))))
	case end.Before(today):
		at := end.AddDate(0, 0, 1).Add(2 * time.Hour) // the daily job's run
		c.Status, c.Ended = ContractExpired, end.AddDate(0, 0, 1)
		c.History = append(c.History, ContractEvent{Time: at, By: Person{Username: "system:daily"}, Action: "expired"})
		if c.FilingStatus == FilingFiled {
			c.FilingStatus = FilingEnded
			c.History = append(c.History, ContractEvent{Time: at, By: Person{Username: "system:daily"}, Action: "filing_ended"})
		}
		c.Updated = at
	}
	return c
}

// revoke ends c on the given day (both parties agreed).
func (g *demoContractGen) revoke(c *Contract, ended time.Time) {
	r := g.r
	c.Status, c.Ended = ContractRevoked, ended
	c.EndReason = demoRevokeReasons[r.IntN(len(demoRevokeReasons))]
	// The parties brought their agreement a few days ahead of the day: it
	// was recorded then, and the daily job revoked the lease and cancelled
	// its filing on the agreed day, as RevokeContract and revokeRecorded
	// do, so that the history tells what the product would have done.
	at := ended.Add(-time.Duration(1+r.IntN(5)) * 24 * time.Hour).Add(10 * time.Hour)
	by := c.SignedBy
	note := ended.Format(time.DateOnly) + " " + c.EndReason
	c.Revocation = &Revocation{On: ended, Reason: c.EndReason, By: by, Recorded: at}
	c.History = append(c.History, ContractEvent{Time: at, By: by, Action: "revocation_recorded", Note: note})
	job, daily := ended.Add(2*time.Hour), personOf(SystemActor("contract-expiry"))
	c.History = append(c.History, ContractEvent{Time: job, By: daily, Action: "revoked", Note: note})
	switch c.FilingStatus {
	case FilingFiled, FilingPending, FilingRejected:
		// The filing, or the application, went with the contract.
		c.FilingStatus = FilingCancelled
		c.History = append(c.History, ContractEvent{Time: job, By: daily, Action: "filing_cancelled", Note: c.FilingCertNo})
	}
	c.Updated = job
}

// filing draws the filing of a signed lease as of now: most are filed
// within the deadline; some wait in the queue, were returned, or were never
// applied for (overdue once the deadline has passed).
func (g *demoContractGen) filing(c *Contract) {
	r := g.r
	reviewer := demoDistrictReviewer(c.District)
	applicant := c.SignedBy
	due := !g.now.Before(c.FilingDue)
	n := r.IntN(100)
	submitted := c.Signed.Add(time.Duration(1+r.IntN(10*24)) * time.Hour)
	if submitted.After(g.now) {
		submitted = c.Signed.Add(g.now.Sub(c.Signed) / 2)
	}
	switch {
	case due && n < 76, !due && n < 45 && g.now.Sub(c.Signed) > 72*time.Hour:
		approved := submitted.Add(time.Duration(2+r.IntN(5*24)) * time.Hour)
		if approved.After(g.now) {
			approved = submitted.Add(g.now.Sub(submitted) / 2)
		}
		c.FilingStatus = FilingFiled
		c.History = append(c.History,
			ContractEvent{Time: submitted, By: applicant, Action: "filing_submitted"},
			ContractEvent{Time: approved, By: reviewer, Action: "filing_approved"})
		c.Updated = approved
	case due && n < 80, !due && n < 75:
		c.FilingStatus = FilingPending
		c.History = append(c.History, ContractEvent{Time: submitted, By: applicant, Action: "filing_submitted"})
		c.Updated = submitted
	case due && n < 84, !due && n < 80:
		rejected := submitted.Add(time.Duration(1+r.IntN(48)) * time.Hour)
		if rejected.After(g.now) {
			rejected = submitted.Add(g.now.Sub(submitted) / 2)
		}
		reason := demoRejectReasons[r.IntN(len(demoRejectReasons))]
		c.FilingStatus = FilingRejected
		c.History = append(c.History,
			ContractEvent{Time: submitted, By: applicant, Action: "filing_submitted"},
			ContractEvent{Time: rejected, By: reviewer, Action: "filing_rejected", Note: reason})
		c.Updated = rejected
	default:
		// Not applied for: overdue once FilingDue has passed.
	}
}

// demoReviewerNames name the reviewers of the districts that have no demo
// account: a filing there was decided by someone the pages can name (a role
// name in their place read as a person, untranslated in English).
var demoReviewerNames = []string{"孙丽", "周明", "吴晓燕", "郑凯", "冯雪", "褚建军", "卫红", "蒋立新"}

// demoDistrictReviewer is who decides the demo filings of a district: the
// demo account "reviewer" in Chaoyang, a named colleague elsewhere.
func demoDistrictReviewer(district string) Person {
	if district == "110105" {
		return Person{Username: "reviewer", Name: "李强"}
	}
	n, _ := strconv.Atoi(district)
	return Person{Name: demoReviewerNames[n%len(demoReviewerNames)]}
}

// signer picks who signs a lease in district: mostly an agency's staff
// (the demo accounts' agency more often), sometimes a clerk of that
// district at the counter.
func (g *demoContractGen) signer(district string) demoSigner {
	r := g.r
	if clerks := g.signers[district]; len(clerks) > 0 && r.IntN(7) == 0 {
		return clerks[r.IntN(len(clerks))]
	}
	all := g.signers[""]
	if r.IntN(5) == 0 {
		// The demo accounts' agencies, so that their portal has plenty.
		var core []demoSigner
		for _, s := range all {
			if s.Agency.Name == demoCoreAgencies[0].Info.Name || s.Agency.Name == demoCoreAgencies[1].Info.Name {
				core = append(core, s)
			}
		}
		if len(core) > 0 {
			return core[r.IntN(len(core))]
		}
	}
	if len(all) == 0 {
		if clerks := g.signers[district]; len(clerks) > 0 {
			return clerks[0]
		}
		return demoSigner{Person: Person{Username: "system:demo"}}
	}
	return all[r.IntN(len(all))]
}

// parties are the owners as lessors (sometimes with an authorised agent),
// a lessee (a person with a resident ID or passport, or a company for its
// staff) and sometimes co-residents.
func (g *demoContractGen) parties(p *Property) []Party {
	r := g.r
	var out []Party
	for _, o := range p.Owners {
		out = append(out, Party{Role: PartyLessor, Kind: PartyPerson, Name: o.Name, IDType: o.IDType, IDNo: o.IDNo, Phone: demoMobile(r)})
	}
	if r.IntN(20) == 0 {
		out = append(out, Party{Role: PartyLessorAgent, Kind: PartyPerson, Name: demoName(r), IDType: "resident_id",
			IDNo: demoResidentID(r, "110105", 1960, 30), Phone: demoMobile(r)})
	}
	switch n := r.IntN(100); {
	case n < 5:
		out = append(out, Party{Role: PartyLessee, Kind: PartyOrg, Name: "北京" + string(benchBrandRunes[r.IntN(len(benchBrandRunes))]) +
			string(benchBrandRunes[r.IntN(len(benchBrandRunes))]) + "科技有限公司", IDType: "uscc", IDNo: demoUSCC(r, p.District), Phone: demoMobile(r)})
	case n < 8:
		out = append(out, Party{Role: PartyLessee, Kind: PartyPerson, Name: []string{"John Smith", "Kim Minjun", "Tanaka Yuki", "Anna Müller"}[r.IntN(4)],
			IDType: "passport", IDNo: fmt.Sprintf("%c%08d", 'E'+r.IntN(4), r.IntN(100000000)), Phone: demoMobile(r)})
	default:
		out = append(out, Party{Role: PartyLessee, Kind: PartyPerson, Name: demoName(r), IDType: "resident_id",
			IDNo: demoResidentID(r, demoLesseeRegions[r.IntN(len(demoLesseeRegions))], 1970, 35), Phone: demoMobile(r)})
	}
	for range []int{0, 0, 0, 1, 2}[r.IntN(5)] {
		out = append(out, Party{Role: PartyCoResident, Kind: PartyPerson, Name: demoName(r), IDType: "resident_id",
			IDNo: demoResidentID(r, demoLesseeRegions[r.IntN(len(demoLesseeRegions))], 1965, 50)})
	}
	return out
}

// benchBrandRunes are the characters company names are made of.
var benchBrandRunes = []rune("安华信泰和达宏源鑫盛恒嘉瑞丰合众德锦程博雅知行启航睿致远佳运通优天成海纳康乐兴业诚聚昌润泽")

// cancelled draws n drafts given up at the preview (取消), on any property
// and at any time of the two years.
func (g *demoContractGen) cancelled(props []*Property, n int) []*Contract {
	var out []*Contract
	for i := range n {
		p := props[(i*37)%len(props)]
		start := demoDay(g.now).AddDate(0, 0, -g.r.IntN(720))
		signedAt := start.AddDate(0, 0, -3).Add(11 * time.Hour)
		c := g.lease(p, Listing{Address: p.Address, Area: p.Area, Rooms: 2, Halls: 1, Baths: 1, Mode: "whole"}, start, start.AddDate(1, 0, -1), signedAt)
		by := c.SignedBy
		c.Status, c.Source, c.Signed, c.SignedBy = ContractCancelled, ContractOnline, time.Time{}, Person{}
		c.FilingStatus, c.FilingDue = FilingNone, time.Time{}
		c.Ended, c.EndReason = time.Time{}, ""
		c.History = []ContractEvent{{Time: c.Created, By: by, Action: "created"},
			{Time: signedAt, By: by, Action: "cancelled", Note: []string{"双方未就租金达成一致", "承租人另选房源", "出租人暂不出租"}[i%3]}}
		c.Updated = signedAt
		out = append(out, c)
	}
	return out
}

// write stores one lease with its contract number, for an online one the
// used verification it was signed from (a cancelled draft's code stayed
// valid and has since expired), and its filing application.
func (g *demoContractGen) write(tx *storage.Tx, c *Contract, verified time.Time) error {
	if !c.Signed.IsZero() {
		no, err := nextContractNo(tx, c.District, c.Signed)
		if err != nil {
			return err
		}
		c.No = no
		for i := range c.History {
			if c.History[i].Action == "signed" {
				c.History[i].Note = no
			}
		}
	}
	if c.FilingStatus == FilingFiled || c.FilingStatus == FilingEnded || c.FilingStatus == FilingCancelled && demoWasFiled(c) {
		approved := c.Signed
		for _, e := range c.History {
			if e.Action == "filing_approved" {
				approved = e.Time
			}
		}
		no, err := nextFilingCertNo(tx, c.District, approved)
		if err != nil {
			return err
		}
		c.FilingCertNo = no
	}
	// The contract's ID is the table's next one (this transaction is the
	// only writer), so that the verification and the filing name it and
	// each record is written once: a second write is indexed again.
	c.ID = tx.Sequence(contractTable.Name()) + 1
	if c.Source == ContractOnline {
		v, err := g.verification(tx, c, verified)
		if err != nil {
			return err
		}
		c.VerificationID, c.VerificationCode = v.ID, v.Code
		c.History[0].Note = v.Code
	}
	if c.Source == ContractBackEntry {
		// A paper contract is filed on its scan: the reviewer can open it.
		by := Actor{UserID: c.CreatedBy.UserID, Username: c.CreatedBy.Username, Name: c.CreatedBy.Name}
		if err := addContractDoc(tx, c, by, "paper_contract", "纸质合同扫描件.pdf", demoPDF, "scan"); err != nil {
			return err
		}
	}
	if err := demoFilingRecord(tx, c); err != nil {
		return err
	}
	if err := contractTable.Put(tx, c); err != nil {
		return err
	}
	if signedOnline(c) {
		return g.a.keepContractText(tx, c)
	}
	return nil
}

// demoWasFiled reports whether a cancelled filing had been approved.
func demoWasFiled(c *Contract) bool {
	return slices.ContainsFunc(c.History, func(e ContractEvent) bool { return e.Action == "filing_approved" })
}

// verifiedAt draws when the verification an online lease was signed from
// was issued: before the lease was begun, after the verifications written
// before it.
func (g *demoContractGen) verifiedAt(c *Contract) time.Time {
	created := c.Created.Add(-time.Duration(2+g.r.IntN(20*24)) * time.Hour)
	if !created.After(g.lastVerified) {
		created = g.lastVerified.Add(time.Second)
	}
	if latest := c.Created.Add(-time.Second); created.After(latest) {
		created = latest
	}
	g.lastVerified = created
	return created
}

// verification stores the verification an online lease was signed from,
// issued at created (verifiedAt).
func (g *demoContractGen) verification(tx *storage.Tx, c *Contract, created time.Time) (*Verification, error) {
	p, err := propertyTable.Get(tx, c.PropertyID)
	if err != nil {
		return nil, err
	}
	req := Requester{UserID: c.CreatedBy.UserID, Username: c.CreatedBy.Username, Name: c.CreatedBy.Name,
		AgencyID: c.AgencyID, AgencyName: c.AgencyName}
	v := &Verification{Status: VStatusUsed, PropertyID: p.ID, District: p.District, CertType: p.CertType,
		CertNo: p.CertNo, Owners: p.Owners, Listing: c.Listing, Mortgaged: p.Mortgaged, Requester: req,
		Created: created, ValidUntil: created.AddDate(0, 0, 90), Ended: c.Signed, EndedBy: c.CreatedBy.Username,
		EndReason: c.No, ContractID: c.ID}
	if c.Status == ContractCancelled {
		v.Status, v.Ended, v.EndedBy, v.EndReason, v.ContractID = VStatusValid, time.Time{}, "", "", 0
	}
	if err := g.a.insertVerification(tx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// draft writes a draft begun from a valid demo verification by whoever
// asked for it, stopped at some step.
func (g *demoContractGen) draft(tx *storage.Tx, v *Verification, i int) error {
	p, err := propertyTable.Get(tx, v.PropertyID)
	if err != nil {
		return err
	}
	start := demoDay(g.now).AddDate(0, 0, 7+g.r.IntN(20))
	c := g.lease(p, v.Listing, start, start.AddDate(1, 0, -1), g.now.Add(-time.Duration(1+i)*26*time.Hour))
	by := Person{UserID: v.Requester.UserID, Username: v.Requester.Username, Name: v.Requester.Name}
	c.Status, c.Source, c.No = ContractDraft, ContractOnline, ""
	c.AgencyID, c.AgencyName, c.AgentID, c.AgentName = v.Requester.AgencyID, v.Requester.AgencyName, 0, ""
	if c.AgencyID != 0 {
		c.AgentID, c.AgentName = by.UserID, by.Name
	}
	c.VerificationID, c.VerificationCode = v.ID, v.Code
	c.Signed, c.SignedBy, c.FilingStatus, c.FilingDue, c.Ended, c.EndReason = time.Time{}, Person{}, FilingNone, time.Time{}, time.Time{}, ""
	c.Step = 2 + i%4
	c.CreatedBy, c.Updated = by, c.Created
	c.History = []ContractEvent{{Time: c.Created, By: by, Action: "created"}}
	_, err = contractTable.Insert(tx, c)
	return err
}

// demoContractForm is a lease's form as it would have been typed.
func demoContractForm(c *Contract) ContractForm {
	t := c.Terms
	f := ContractForm{Start: t.Start.Format(time.DateOnly), End: t.End.Format(time.DateOnly),
		Rent: strconv.Itoa(t.Rent), PaymentCycle: t.PaymentCycle, PaymentMethod: t.PaymentMethod,
		Deposit: strconv.Itoa(t.Deposit), Purpose: t.Purpose, Rooms: t.Rooms, Fees: t.Fees, Utilities: t.Utilities,
		AgreedTerms: c.AgreedTerms, Clauses: c.Clauses}
	for _, p := range c.Parties {
		f.Parties = append(f.Parties, PartyForm{Role: p.Role, Kind: p.Kind, Name: p.Name, IDType: p.IDType, IDNo: p.IDNo, Phone: p.Phone})
	}
	return f
}
