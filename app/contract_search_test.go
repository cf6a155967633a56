package app

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"anju/storage"
)

// Contracts are written straight into the table here (as the demo loader
// does), so that the list, revocation and expiry are tested whatever state
// the signing workflow is in.

// clFixture is a fixture with two agencies and the people of the tests.
type clFixture struct {
	*fixture
	agencyX, agencyY           uint64
	clerk, clerkHD, city       Actor
	agent1, agent2, adminX     Actor
	agentY                     Actor
	today, start, end, yearAgo time.Time
	certSeq                    int
}

func newCLFixture(t *testing.T) *clFixture {
	f := &clFixture{fixture: newFixture(t)}
	f.clerk = f.actor(f.seedUser("cl.clerk", "朝阳录入员", []Role{RoleClerk}, "110105", fixturePassword))
	f.clerkHD = f.actor(f.seedUser("cl.clerk.hd", "海淀录入员", []Role{RoleClerk}, "110108", fixturePassword))
	f.city = f.actor(f.seedUser("cl.leader", "市级领导", []Role{RoleViewer}, "", fixturePassword))
	f.agent1 = f.actor(f.seedUser("cl.agent1", "经纪人甲", []Role{RoleAgent}, "", fixturePassword))
	f.agent2 = f.actor(f.seedUser("cl.agent2", "经纪人乙", []Role{RoleAgent}, "", fixturePassword))
	f.adminX = f.actor(f.seedUser("cl.admin", "机构管理员", []Role{RoleAgencyAdmin}, "", fixturePassword))
	f.agencyX = f.agent1.AgencyID
	err := f.update(func(tx *storage.Tx) error {
		no, err := nextFilingNo(tx, "110105", f.now())
		if err != nil {
			return err
		}
		now := f.now()
		f.agencyY, err = agencyTable.Insert(tx, &Agency{Status: AgencyFiled, FilingNo: no, Version: 1, Filed: now,
			Created: now, Updated: now, AgencyInfo: AgencyInfo{Name: "北京乙方置业有限公司", Type: AgencyTypeBroker, District: "110105"}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.agentY = Actor{UserID: 9999, Username: "cl.agent.y", Name: "乙方经纪人", Roles: []Role{RoleAgent}, AgencyID: f.agencyY}
	f.today = day(f.now())
	f.start = f.today.AddDate(0, -2, 0)
	f.end = f.today.AddDate(1, 0, -1)
	f.yearAgo = f.today.AddDate(-1, 0, 0)
	return f
}

// clContract describes a contract to store.
type clContract struct {
	district, status, filing string
	agency                   uint64
	by                       Actor // creator (and, signed, the signer)
	lessee, address, certNo  string
	signed, start, end, due  time.Time
}

// put stores the contract as the signing workflow would leave it.
func (f *clFixture) put(in clContract) *Contract {
	f.t.Helper()
	now := f.now()
	c := &Contract{Status: in.status, Source: ContractOnline, District: in.district, CertType: "real_estate",
		CertNo: in.certNo, PropertyID: 1, AgencyID: in.agency, AgentID: in.by.UserID, AgentName: in.by.Name,
		Listing: Listing{Address: in.address, Building: "1号楼", Room: "101", Mode: "whole", Rent: 5000, Area: 60},
		Terms:   Terms{Start: in.start, End: in.end, Rent: 5000, Deposit: 10000, PaymentCycle: "monthly", Purpose: "residential"},
		Parties: []Party{
			{Role: PartyLessor, Kind: PartyPerson, Name: "房东赵", IDType: "resident_id", IDNo: "110105198001010016", Phone: "13800001111"},
			{Role: PartyLessee, Kind: PartyPerson, Name: in.lessee, IDType: "resident_id", IDNo: "11010819900307002X", Phone: "13900002222"},
		},
		FilingStatus: in.filing, FilingDue: in.due, CreatedBy: personOf(in.by), Created: now, Updated: now}
	if in.agency != 0 {
		c.AgencyName = map[uint64]string{f.agencyX: "测试经纪有限公司", f.agencyY: "北京乙方置业有限公司"}[in.agency]
	}
	if c.CertNo == "" {
		c.CertNo = "京(2020)朝阳区不动产权第0000001号"
	}
	if c.Terms.Start.IsZero() {
		c.Terms.Start, c.Terms.End = f.start, f.end
	}
	c.event(now, in.by, "created", "")
	err := f.update(func(tx *storage.Tx) error {
		if in.status != ContractDraft && in.status != ContractCancelled {
			if in.signed.IsZero() {
				in.signed = now
			}
			no, err := nextContractNo(tx, in.district, in.signed)
			if err != nil {
				return err
			}
			c.No, c.Signed, c.SignedBy = no, in.signed, personOf(in.by)
			c.event(in.signed, in.by, "signed", "")
			if c.FilingDue.IsZero() {
				c.FilingDue = day(in.signed).AddDate(0, 0, 30)
			}
			if in.filing == FilingFiled || in.filing == FilingEnded || in.filing == FilingCancelled {
				f.certSeq++
				c.FilingCertNo = fmt.Sprintf("BA%s-%d-%06d", in.district, in.signed.Year(), f.certSeq)
			}
		}
		_, err := contractTable.Insert(tx, c)
		return err
	})
	if err != nil {
		f.t.Fatalf("store contract: %v", err)
	}
	return c
}

func clPageIDs(p ContractPage) []uint64 {
	var ids []uint64
	for _, c := range p.Items {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

func clIDs(cs ...*Contract) []uint64 {
	var out []uint64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

func (f *clFixture) search(actor Actor, q ContractQuery) []uint64 {
	f.t.Helper()
	p, err := f.SearchContracts(actor, q)
	if err != nil {
		f.t.Fatalf("search %+v: %v", q, err)
	}
	if p.Total != len(p.Items) {
		f.t.Errorf("search %+v: total %d, %d items on the page", q, p.Total, len(p.Items))
	}
	return clPageIDs(p)
}

func TestContractSearchScopes(t *testing.T) {
	f := newCLFixture(t)
	a := f.put(clContract{district: "110105", status: ContractSigned, agency: f.agencyX, by: f.agent1, lessee: "张伟", address: "朝阳区建国路88号"})
	b := f.put(clContract{district: "110108", status: ContractSigned, by: f.clerkHD, lessee: "王芳", address: "海淀区中关村大街1号"})
	mine := f.put(clContract{district: "110105", status: ContractDraft, agency: f.agencyX, by: f.agent1, lessee: "李雷"})
	theirs := f.put(clContract{district: "110105", status: ContractDraft, agency: f.agencyX, by: f.agent2, lessee: "韩梅梅"})
	y := f.put(clContract{district: "110105", status: ContractSigned, agency: f.agencyY, by: f.agentY, lessee: "刘洋"})
	clerkDraft := f.put(clContract{district: "110105", status: ContractDraft, by: f.clerk, lessee: "陈晨"})

	cases := []struct {
		name  string
		actor Actor
		q     ContractQuery
		want  []uint64
	}{
		{"clerk: his district, no drafts", f.clerk, ContractQuery{}, clIDs(a, y)},
		{"clerk: his own drafts only", f.clerk, ContractQuery{Status: ContractDraft}, clIDs(clerkDraft)},
		{"clerk: another district asked for", f.clerk, ContractQuery{District: "110108"}, nil},
		{"other district's clerk", f.clerkHD, ContractQuery{}, clIDs(b)},
		{"city viewer", f.city, ContractQuery{}, clIDs(a, b, y)},
		{"city viewer, one district", f.city, ContractQuery{District: "110108"}, clIDs(b)},
		{"city viewer, one agency", f.city, ContractQuery{AgencyID: f.agencyY}, clIDs(y)},
		{"agent: his agency's", f.agent1, ContractQuery{}, clIDs(a)},
		{"agent: his drafts, not his colleague's", f.agent1, ContractQuery{Status: ContractDraft}, clIDs(mine)},
		{"colleague: his own draft", f.agent2, ContractQuery{Status: ContractDraft}, clIDs(theirs)},
		{"agency admin: the agency's drafts", f.adminX, ContractQuery{Status: ContractDraft}, clIDs(mine, theirs)},
		{"agent cannot widen to another agency", f.agent1, ContractQuery{AgencyID: f.agencyY}, clIDs(a)},
		{"other agency", f.agentY, ContractQuery{}, clIDs(y)},
	}
	for _, c := range cases {
		if got := f.search(c.actor, c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// A draft of a colleague is not found by its lessee's name either.
	if got := f.search(f.agent1, ContractQuery{Text: "韩", Status: ContractDraft}); len(got) != 0 {
		t.Errorf("agent found his colleague's draft: %v", got)
	}
	// The list tells how many drafts wait for the actor.
	p, err := f.SearchContracts(f.agent1, ContractQuery{})
	if err != nil || p.Drafts != 1 {
		t.Errorf("agent's drafts count = %d (%v), want 1", p.Drafts, err)
	}
	if p, _ := f.SearchContracts(f.city, ContractQuery{}); p.Drafts != 0 {
		t.Errorf("a viewer, who cannot sign, is told of %d drafts", p.Drafts)
	}
	// Nobody without the permission lists contracts.
	if _, err := f.SearchContracts(Actor{UserID: 1, Roles: []Role{RoleSysadmin}, Username: "x"}, ContractQuery{}); err != nil {
		t.Errorf("sysadmin may view contracts: %v", err)
	}
	if _, err := f.SearchContracts(Actor{UserID: 1, Roles: []Role{"nobody"}}, ContractQuery{}); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("actor without roles: %v", err)
	}
}

func TestContractSearchText(t *testing.T) {
	f := newCLFixture(t)
	a := f.put(clContract{district: "110105", status: ContractSigned, agency: f.agencyX, by: f.agent1, lessee: "张伟",
		address: "朝阳区建国路88号", certNo: "京(2021)朝阳区不动产权第0012345号"})
	b := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "王芳", address: "朝阳区望京街9号"})
	filed := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "赵敏", filing: FilingFiled})

	cases := []struct {
		text string
		want []uint64
	}{
		{"张", clIDs(a)},                       // one Chinese character of a party
		{"赵", clIDs(a, b, filed)},             // the lessor of every contract
		{"望", clIDs(b)},                       // one character of the address
		{"建国路", clIDs(a)},                     // part of the address
		{"测试经纪", clIDs(a)},                    // the agency
		{a.No, clIDs(a)},                      // the number as issued
		{clFullWidth(a.No), clIDs(a)},         // typed full-width
		{" " + clLower(a.No) + " ", clIDs(a)}, // lower case, with spaces
		{clNoDashes(a.No), clIDs(a)},          // without its dashes
		{"京（2021）朝阳区不动产权第 0012345号", clIDs(a)}, // certificate number, full-width brackets and a space
		{clLower(filed.FilingCertNo), clIDs(filed)},
		{clFullWidth(filed.FilingCertNo), clIDs(filed)},
		{"无此人", nil},
	}
	for _, c := range cases {
		if got := f.search(f.clerk, ContractQuery{Text: c.text}); !slices.Equal(got, c.want) {
			t.Errorf("search %q: got %v, want %v", c.text, got, c.want)
		}
	}
}

func TestContractSearchFilters(t *testing.T) {
	f := newCLFixture(t)
	now := f.now()
	old := f.yearAgo
	overdue := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "甲", signed: now.AddDate(0, 0, -40)})
	pendingLate := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "乙", filing: FilingPending, signed: now.AddDate(0, 0, -31)})
	filedLate := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "丙", filing: FilingFiled, signed: now.AddDate(0, 0, -60)})
	fresh := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "丁", signed: now.AddDate(0, 0, -3)})
	rejected := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "戊", filing: FilingRejected, signed: now.AddDate(0, 0, -5)})
	revoked := f.put(clContract{district: "110105", status: ContractRevoked, by: f.clerk, lessee: "己", filing: FilingCancelled, signed: old})
	expired := f.put(clContract{district: "110105", status: ContractExpired, by: f.clerk, lessee: "庚", filing: FilingEnded,
		signed: old.AddDate(0, -2, 0), start: old.AddDate(0, -2, 0), end: old.AddDate(0, 10, 0)})
	cancelled := f.put(clContract{district: "110105", status: ContractCancelled, by: f.clerk, lessee: "辛"})

	for _, c := range []*Contract{overdue, pendingLate, rejected} {
		if want := c != rejected; c.FilingOverdue(now) != want {
			t.Errorf("%s (%s, due %s) FilingOverdue = %v", c.No, c.FilingStatus, c.FilingDue.Format(time.DateOnly), !want)
		}
	}
	if filedLate.FilingOverdue(now) || fresh.FilingOverdue(now) {
		t.Error("a filed or fresh contract is flagged overdue")
	}
	cases := []struct {
		name string
		q    ContractQuery
		want []uint64
	}{
		{"overdue: signed, not filed, deadline passed", ContractQuery{Filing: FilingOverdue}, clIDs(overdue, pendingLate)},
		{"not applied for", ContractQuery{Filing: "none"}, clIDs(overdue, fresh, cancelled)},
		{"not applied for, signed", ContractQuery{Filing: "none", Status: ContractSigned}, clIDs(overdue, fresh)},
		{"pending", ContractQuery{Filing: FilingPending}, clIDs(pendingLate)},
		{"filed", ContractQuery{Filing: FilingFiled}, clIDs(filedLate)},
		{"filing ended", ContractQuery{Filing: FilingEnded}, clIDs(expired)},
		{"filing cancelled", ContractQuery{Filing: FilingCancelled}, clIDs(revoked)},
		{"revoked", ContractQuery{Status: ContractRevoked}, clIDs(revoked)},
		{"expired", ContractQuery{Status: ContractExpired}, clIDs(expired)},
		{"cancelled drafts", ContractQuery{Status: ContractCancelled}, clIDs(cancelled)},
		{"signed this month", ContractQuery{From: now.AddDate(0, 0, -10)}, clIDs(fresh, rejected)},
		{"signed before", ContractQuery{To: now.AddDate(0, 0, -100)}, clIDs(revoked, expired)},
		{"unknown filing filter", ContractQuery{Filing: "bogus"}, nil},
	}
	for _, c := range cases {
		if got := f.search(f.clerk, c.q); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// Newest signing first, never-signed last.
	p, err := f.SearchContracts(f.clerk, ContractQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var order []uint64
	for _, c := range p.Items {
		order = append(order, c.ID)
	}
	want := []uint64{fresh.ID, rejected.ID, pendingLate.ID, overdue.ID, filedLate.ID, revoked.ID, expired.ID, cancelled.ID}
	if !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
}

func TestRevealContractIsAudited(t *testing.T) {
	f := newCLFixture(t)
	c := f.put(clContract{district: "110105", status: ContractSigned, by: f.clerk, lessee: "张伟"})
	// A leader reads masked numbers only; another district's clerk does
	// not reach the contract at all.
	if _, err := f.RevealContract(f.city, c.ID); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a viewer sees personal data in full: %v", err)
	}
	if _, err := f.RevealContract(f.clerkHD, c.ID); err == nil {
		t.Error("a Haidian clerk sees a Chaoyang contract's parties in full")
	}
	audited := func() []*AuditEntry {
		t.Helper()
		entries, _, err := f.AuditLog(f.admin, AuditFilter{Action: "personal.view", Record: fmt.Sprintf("contract/%d", c.ID)})
		if err != nil {
			t.Fatal(err)
		}
		return entries
	}
	if n := len(audited()); n != 0 {
		t.Fatalf("%d full views audited after two refusals", n)
	}
	for i, who := range []Actor{f.clerk, f.admin} {
		got, err := f.RevealContract(who, c.ID)
		if err != nil || got.Parties[1].IDNo != "11010819900307002X" {
			t.Fatalf("%s reveals: %v", who.Username, err)
		}
		if entries := audited(); len(entries) != i+1 || entries[0].Username != who.Username {
			t.Errorf("audit after %s's full view: %+v", who.Username, entries)
		}
	}
}

func clFullWidth(s string) string {
	out := []rune{}
	for _, r := range s {
		if r > ' ' && r < 0x7F {
			r += 0xFEE0
		}
		out = append(out, r)
	}
	return string(out)
}

func clLower(s string) string {
	out := []rune{}
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		out = append(out, r)
	}
	return string(out)
}

func clNoDashes(s string) string {
	out := []rune{}
	for _, r := range s {
		if r != '-' {
			out = append(out, r)
		}
	}
	return string(out)
}
