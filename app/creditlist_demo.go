package app

import (
	"fmt"
	"time"

	"anju/storage"
)

// The demo's red and black lists: a few agencies and practitioners on each
// list by hand, with one proposal waiting for review, one rejected, one
// revoked and one expired, so that every status has a line to look at.
// The automatic entries come from the demo's credit scores themselves
// (app/credit_demo.go runs first and its scores cross the thresholds), so
// that an entry's score is the one its credit page explains. The agency of
// the demo accounts 北京安居 is kept off the black list: its users must be
// able to work.

// demoListMarker is set once the demo entries are stored: the credit demo
// before it may already have made automatic entries, so counting entries
// would not tell.
const demoListMarker = "demo.lists"

// demoListSpec is one demo entry. Agency is a demo agency's name;
// PracAt picks the first practitioner employed at that agency instead;
// PracUser the practitioner linked to a demo account.
type demoListSpec struct {
	List     string
	Agency   string
	PracAt   string
	PracUser string
	Reason   string
	Basis    string
	// Days relative to now: proposed, listed (0: never), expires; Ended
	// is when it was rejected or revoked (days ago).
	Proposed, Listed, Expires, Ended int
	Status                           string
	Why                              string // rejection or revocation reason
}

var demoListSpecs = []demoListSpec{
	{List: ListBlack, Agency: "北京万家房地产经纪有限公司",
		Reason:   "收取承租人押金后停业失联，拒不退还押金，涉及承租人23户，经查证属实。",
		Basis:    "《住房租赁条例》第三十九条；《北京市住房租赁条例》第六十二条",
		Proposed: -75, Listed: -70, Expires: 1025, Status: ListActive},
	{List: ListBlack, PracAt: "北京永安房地产经纪有限公司",
		Reason:   "伪造产权证明材料发布虚假房源信息，骗取看房费用。",
		Basis:    "《房地产经纪管理办法》第二十五条、第三十七条",
		Proposed: -33, Listed: -30, Expires: 700, Status: ListActive},
	{List: ListBlack, Agency: "北京瑞丰物业管理有限公司",
		Reason:   "未按规定办理租赁合同网签备案，经责令限期改正逾期仍未改正。",
		Basis:    "《北京市住房租赁条例》第六十四条",
		Proposed: -5, Expires: 730, Status: ListPending},
	{List: ListBlack, Agency: "北京鑫源房地产经纪有限公司",
		Reason:   "在房源信息中隐瞒房屋查封情况，造成承租人损失。",
		Basis:    "《房地产经纪管理办法》第二十一条",
		Proposed: -430, Listed: -425, Expires: -60, Status: ListExpired},
	{List: ListBlack, Agency: "北京君安住房租赁有限公司",
		Reason:   "群租房屋、违规分割出租，经多次投诉查实。",
		Basis:    "《北京市住房租赁条例》第二十条",
		Proposed: -160, Listed: -150, Expires: 580, Ended: -30, Status: ListRevoked,
		Why: "经复核，涉事房源系业主自行出租，与该企业无关，原认定事实有误，予以注销。"},
	{List: ListRed, Agency: "北京华信达房地产经纪有限公司",
		Reason:   "获评2025年度全市住房租赁诚信经营示范单位，全年零投诉。",
		Basis:    "《北京市住房租赁企业信用评价管理办法》第十五条",
		Proposed: -120, Listed: -115, Expires: 615, Status: ListActive},
	{List: ListRed, PracUser: "agent.zhang",
		Reason:   "获评2025年度朝阳区优秀房地产经纪人，协助调解租赁纠纷12起。",
		Basis:    "《北京市住房租赁企业信用评价管理办法》第十六条",
		Proposed: -60, Listed: -58, Expires: 670, Status: ListActive},
	{List: ListRed, Agency: "北京启航房地产经纪有限公司",
		Reason:   "拟推荐为诚信经营示范单位。",
		Basis:    "《北京市住房租赁企业信用评价管理办法》第十五条",
		Proposed: -12, Expires: 720, Ended: -10, Status: ListRejected,
		Why: "推荐材料不全，未附获奖证明，请补充后重新申报。"},
}

// loadDemoLists adds the demo list entries (after the demo credit
// records), once.
func (a *App) loadDemoLists() error {
	return a.update(func(tx *storage.Tx) error {
		if tx.Meta(demoListMarker) != nil {
			return nil
		}
		now := a.now()
		clerk, reviewer := demoListPerson(tx, "clerk"), demoListPerson(tx, "reviewer")
		n := 0
		for _, d := range demoListSpecs {
			info, ok := demoListSubject(tx, d)
			if !ok {
				continue // a demo of other agencies: nothing to list
			}
			if d.Status == ListActive || d.Status == ListPending {
				// The credit demo may have listed the subject already.
				entries, err := subjectEntries(tx, info.Subject)
				if err != nil {
					return err
				}
				if listConflict(entries, d.List, now) != nil {
					continue
				}
			}
			at := func(days int) time.Time { return now.AddDate(0, 0, days) }
			e := &ListEntry{List: d.List, Source: ListSourceManual, Reason: d.Reason, Basis: d.Basis, Status: d.Status,
				Expires: day(at(d.Expires)), Created: at(d.Proposed)}
			e.snapshot(info)
			e.ProposedBy = clerk
			e.event(at(d.Proposed), clerk, "proposed", d.Reason)
			switch {
			case d.Status == ListRejected:
				e.ReviewedBy, e.Reviewed, e.RejectReason, e.Ended = reviewer, at(d.Ended), d.Why, at(d.Ended)
				e.event(at(d.Ended), reviewer, "rejected", d.Why)
			case d.Listed != 0:
				e.ReviewedBy, e.Reviewed, e.Listed = reviewer, at(d.Listed), at(d.Listed)
				e.event(at(d.Listed), reviewer, "approved", "")
			}
			switch d.Status {
			case ListRevoked:
				e.RevokedBy, e.RevokeReason, e.Ended = clerk, d.Why, at(d.Ended)
				e.event(at(d.Ended), clerk, "revoked", d.Why)
			case ListExpired:
				e.Ended = e.Expires
				e.event(e.Expires, personOf(SystemActor("list-expiry")), "expired", e.Expires.Format(time.DateOnly))
			}
			e.Updated = e.History[len(e.History)-1].Time
			if _, err := a.insertListEntry(tx, e); err != nil {
				return err
			}
			n++
		}
		if err := a.audit(tx, SystemActor("demo"), "list.seed", "list_entry", 0, fmt.Sprintf("%d list entries (demo)", n),
			auditNote("audit.note.demo_list_entries", noteInt(n))); err != nil {
			return err
		}
		return tx.SetMeta(demoListMarker, []byte("1"))
	})
}

// demoListPerson is a demo account as an entry's proposer or reviewer.
func demoListPerson(tx *storage.Tx, username string) Person {
	u, err := userByName(tx, username)
	if err != nil {
		return Person{Username: username}
	}
	return Person{UserID: u.ID, Username: u.Username, Name: u.Name}
}

// demoListSubject finds the subject of a demo entry.
func demoListSubject(tx *storage.Tx, d demoListSpec) (SubjectInfo, bool) {
	var s Subject
	switch {
	case d.Agency != "":
		ag, err := demoAgencyExists(tx, d.Agency)
		if err != nil || ag == nil {
			return SubjectInfo{}, false
		}
		s = Subject{Kind: SubjectAgency, ID: ag.ID}
	case d.PracUser != "":
		u, err := userByName(tx, d.PracUser)
		if err != nil || u.PractitionerID == 0 {
			return SubjectInfo{}, false
		}
		s = Subject{Kind: SubjectPractitioner, ID: u.PractitionerID}
	case d.PracAt != "":
		ag, err := demoAgencyExists(tx, d.PracAt)
		if err != nil || ag == nil {
			return SubjectInfo{}, false
		}
		ids, err := practitionerTable.Lookup(tx, "agency", storage.U64(ag.ID))
		if err != nil {
			return SubjectInfo{}, false
		}
		for _, id := range ids {
			if p, err := practitionerTable.Get(tx, id); err == nil && p.Current() != nil && p.Current().AgencyID == ag.ID {
				s = Subject{Kind: SubjectPractitioner, ID: p.ID}
				break
			}
		}
		if !s.Valid() {
			return SubjectInfo{}, false
		}
	}
	info, err := subjectInfo(tx, s)
	return info, err == nil
}
