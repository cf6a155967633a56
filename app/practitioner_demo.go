package app

import (
	"fmt"
	"math/rand/v2"
	"time"

	"anju/storage"
)

// demoLinkedAgents are the demo agent accounts that get their own
// practitioner record (and so an information card at /agency/card).
var demoLinkedAgents = []struct {
	Username, Name, IDNo, Mobile, Role, Qual string
}{
	{"agent.zhang", "张伟", "11010519900115003X", "13733334444", PracBroker, "JJR11010520180021"},
	{"agent.zhangxh", "张小红", "110105199506200047", "13744445555", PracAssistant, "XL11010520210107"},
}

// seedDemoPractitioners gives the demo a trade to look at: the demo agents
// linked to their records, and four to nine practitioners at every live
// agency, some of whom worked at another agency before (one record, two
// employments). It does nothing when practitioners exist already, except
// linking the demo agents.
func (a *App) seedDemoPractitioners(tx *storage.Tx, now time.Time) error {
	actor := SystemActor("demo")
	if err := a.linkDemoAgents(tx, now); err != nil {
		return err
	}
	if practitionerTable.Count(tx) > len(demoLinkedAgents) {
		return nil
	}
	var live []*Agency
	err := agencyTable.Each(tx, false, func(ag *Agency) (bool, error) {
		if ag.Live() {
			live = append(live, ag)
		}
		return true, nil
	})
	if err != nil || len(live) == 0 {
		return err
	}
	rnd := rand.New(rand.NewPCG(2026, 4))
	serial := 0
	for _, ag := range live {
		for range 4 + rnd.IntN(6) {
			serial++
			p := demoPractitioner(rnd, ag, serial, now)
			// Every fifth one came from another agency.
			if serial%5 == 0 && len(live) > 1 {
				prev := live[rnd.IntN(len(live))]
				if prev.ID != ag.ID {
					start := p.Employments[0].Start
					earlier := Employment{AgencyID: prev.ID, AgencyName: prev.Name, Role: PracAssistant,
						Start: start.AddDate(-2, -rnd.IntN(12), 0), End: start.AddDate(0, 0, -7-rnd.IntN(60)),
						EndReason: "个人原因离职", EndedBy: demoActor}
					p.Employments = append([]Employment{earlier}, p.Employments...)
				}
			}
			// And every eleventh has left and not joined anyone yet.
			if serial%11 == 0 {
				cur := &p.Employments[len(p.Employments)-1]
				cur.End, cur.EndReason, cur.EndedBy = now.AddDate(0, -rnd.IntN(6), -1), "合同期满", demoActor
				if cur.End.Before(cur.Start) {
					cur.End = cur.Start
				}
			}
			card, err := nextCardNo(tx)
			if err != nil {
				return err
			}
			p.CardNo = card
			if _, err := practitionerTable.Insert(tx, p); err != nil {
				return err
			}
		}
	}
	return a.audit(tx, actor, "practitioner.add", "practitioner", 0, fmt.Sprintf("%d practitioners (demo)", serial),
		auditNote("audit.note.demo_practitioners", noteInt(serial)))
}

func demoPractitioner(rnd *rand.Rand, ag *Agency, serial int, now time.Time) *Practitioner {
	name := demoSurnames[rnd.IntN(len(demoSurnames))] + demoGiven[rnd.IntN(len(demoGiven))]
	region := ag.District
	if len(region) != 6 {
		region = "110105"
	}
	birth := time.Date(1970+rnd.IntN(32), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC)
	d17 := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), 100+serial%900)
	role := PracBroker
	qual := fmt.Sprintf("JJR%s%04d%04d", region, 2010+rnd.IntN(15), serial)
	switch rnd.IntN(5) {
	case 0, 1:
		role, qual = PracAssistant, fmt.Sprintf("XL%s%04d%04d", region, 2012+rnd.IntN(13), serial)
	case 2:
		role, qual = PracOther, ""
	}
	start := ag.Filed
	if start.IsZero() || start.After(now) {
		start = now.AddDate(-1, 0, 0)
	}
	start = start.AddDate(0, rnd.IntN(18), rnd.IntN(28))
	if start.After(now) {
		start = now.AddDate(0, 0, -rnd.IntN(30)-1)
	}
	mobile := fmt.Sprintf("13%d%08d", 5+rnd.IntN(5), rnd.IntN(100000000))
	return &Practitioner{Name: name, IDNo: d17 + string(residentIDCheckChar(d17)), Mobile: mobile, QualCertNo: qual,
		Employments: []Employment{{AgencyID: ag.ID, AgencyName: ag.Name, Role: role, Start: start}},
		Created:     start, Updated: start}
}

// linkDemoAgents creates the demo agents' records at their agencies and
// links their accounts to them.
func (a *App) linkDemoAgents(tx *storage.Tx, now time.Time) error {
	for _, d := range demoLinkedAgents {
		u, err := userByName(tx, d.Username)
		if err != nil || u.PractitionerID != 0 || u.AgencyID == 0 {
			continue
		}
		ag, err := agencyTable.Get(tx, u.AgencyID)
		if err != nil || !ag.Live() {
			continue
		}
		p, err := practitionerTable.LookupOne(tx, "id_no", []byte(d.IDNo))
		if err != nil {
			card, err := nextCardNo(tx)
			if err != nil {
				return err
			}
			start := now.AddDate(-1, -3, 0)
			p = &Practitioner{CardNo: card, Name: d.Name, IDNo: d.IDNo, Mobile: d.Mobile, QualCertNo: d.Qual,
				Employments: []Employment{{AgencyID: ag.ID, AgencyName: ag.Name, Role: d.Role, Start: start}},
				Created:     start, Updated: start}
			if _, err := practitionerTable.Insert(tx, p); err != nil {
				return err
			}
		}
		u.PractitionerID = p.ID
		if err := userTable.Put(tx, u); err != nil {
			return err
		}
	}
	return nil
}
