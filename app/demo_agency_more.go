package app

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"anju/storage"
)

// More demo agencies: fifty filed agencies across Beijing's districts so
// that the directory, the lists and the premises map have something to
// show. Three head offices have branches, one agency is cancelled (its
// people left; some joined other agencies), two changed their names, and a
// few premises still lack coordinates. Every credit code and resident ID
// has a valid check character. The generator is seeded: every demo is the
// same, apart from dates, which follow the clock.

// demoMoreAgency is one line of the list below. Head is the index of the
// head office in the list, -1 for none.
type demoMoreAgency struct {
	Brand    string
	Type     string
	District string
	Head     int
	Former   string // a former name's brand part, if it changed its name
}

var demoMoreAgencies = []demoMoreAgency{
	// Head offices and their branches.
	{"华信达", AgencyTypeBroker, "110105", -1, ""}, // 0
	{"华信达", AgencyTypeBroker, "110108", 0, ""},
	{"华信达", AgencyTypeBroker, "110112", 0, ""},
	{"华信达", AgencyTypeBroker, "110114", 0, ""},
	{"宜居", AgencyTypeRental, "110108", -1, ""}, // 4
	{"宜居", AgencyTypeRental, "110105", 4, ""},
	{"宜居", AgencyTypeRental, "110115", 4, ""},
	{"恒泰", AgencyTypeBroker, "110102", -1, ""}, // 7
	{"恒泰", AgencyTypeBroker, "110101", 7, ""},
	{"恒泰", AgencyTypeBroker, "110106", 7, ""},
	// Independent agencies.
	{"永安", AgencyTypeBroker, "110105", -1, ""},
	{"君安", AgencyTypeRental, "110105", -1, ""},
	{"嘉和", AgencyTypeBroker, "110105", -1, ""},
	{"悦居", AgencyTypeRental, "110105", -1, "悦家"},
	{"瑞丰", AgencyTypeOther, "110105", -1, ""},
	{"万家", AgencyTypeBroker, "110105", -1, ""}, // cancelled
	{"博雅", AgencyTypeBroker, "110108", -1, "博雅置业"},
	{"知行", AgencyTypeRental, "110108", -1, ""},
	{"启航", AgencyTypeBroker, "110108", -1, ""},
	{"青禾", AgencyTypeRental, "110108", -1, ""},
	{"睿家", AgencyTypeBroker, "110108", -1, ""},
	{"京华", AgencyTypeBroker, "110101", -1, ""},
	{"和美", AgencyTypeRental, "110101", -1, ""},
	{"安家", AgencyTypeBroker, "110101", -1, ""},
	{"金桥", AgencyTypeBroker, "110102", -1, ""},
	{"德信", AgencyTypeRental, "110102", -1, ""},
	{"锦程", AgencyTypeBroker, "110102", -1, ""},
	{"鑫源", AgencyTypeBroker, "110106", -1, ""},
	{"合众", AgencyTypeRental, "110106", -1, ""},
	{"方圆", AgencyTypeOther, "110106", -1, ""},
	{"泰和", AgencyTypeBroker, "110107", -1, ""},
	{"栖居", AgencyTypeRental, "110107", -1, ""},
	{"润泽", AgencyTypeBroker, "110109", -1, ""},
	{"致远", AgencyTypeBroker, "110111", -1, ""},
	{"佳园", AgencyTypeRental, "110111", -1, ""},
	{"运通", AgencyTypeBroker, "110112", -1, ""},
	{"暖居", AgencyTypeRental, "110112", -1, ""},
	{"优居", AgencyTypeBroker, "110112", -1, ""},
	{"天成", AgencyTypeBroker, "110113", -1, ""},
	{"海纳", AgencyTypeRental, "110113", -1, ""},
	{"广厦", AgencyTypeBroker, "110114", -1, ""},
	{"康居", AgencyTypeRental, "110114", -1, ""},
	{"乐家", AgencyTypeBroker, "110114", -1, ""},
	{"兴业", AgencyTypeBroker, "110115", -1, ""},
	{"百合", AgencyTypeRental, "110115", -1, ""},
	{"宏图", AgencyTypeOther, "110115", -1, ""},
	{"信诚", AgencyTypeBroker, "110116", -1, ""},
	{"众和", AgencyTypeBroker, "110117", -1, ""},
	{"昌盛", AgencyTypeRental, "110118", -1, ""},
	{"聚源", AgencyTypeBroker, "110119", -1, ""},
}

// demoCancelledBrand is the demo agency that cancelled its filing.
const demoCancelledBrand = "万家"

// demoDistrictGeo is each district's name, a centre (WGS-84) and some
// places where agencies keep shops.
var demoDistrictGeo = map[string]struct {
	Name     string
	Lng, Lat float64
	Places   []string
}{
	"110101": {"东城区", 116.416, 39.928, []string{"东直门", "王府井", "和平里", "崇文门", "北新桥"}},
	"110102": {"西城区", 116.366, 39.912, []string{"西单", "金融街", "德胜门", "广安门", "月坛"}},
	"110105": {"朝阳区", 116.486, 39.948, []string{"国贸", "望京", "三里屯", "双井", "劲松", "亚运村", "酒仙桥"}},
	"110106": {"丰台区", 116.287, 39.858, []string{"方庄", "六里桥", "丽泽", "科技园", "马家堡"}},
	"110107": {"石景山区", 116.223, 39.906, []string{"鲁谷", "八角", "古城", "苹果园"}},
	"110108": {"海淀区", 116.298, 39.959, []string{"五道口", "中关村", "公主坟", "万柳", "西二旗", "学院路"}},
	"110109": {"门头沟区", 116.102, 39.941, []string{"大峪", "永定", "城子"}},
	"110111": {"房山区", 116.143, 39.748, []string{"良乡", "长阳", "城关"}},
	"110112": {"通州区", 116.657, 39.910, []string{"梨园", "九棵树", "北苑", "新华大街"}},
	"110113": {"顺义区", 116.654, 40.130, []string{"后沙峪", "马坡", "天竺", "石园"}},
	"110114": {"昌平区", 116.231, 40.221, []string{"回龙观", "天通苑", "沙河", "北七家"}},
	"110115": {"大兴区", 116.341, 39.727, []string{"亦庄", "黄村", "西红门", "旧宫"}},
	"110116": {"怀柔区", 116.632, 40.316, []string{"龙山", "雁栖", "泉河"}},
	"110117": {"平谷区", 117.121, 40.141, []string{"滨河", "兴谷", "渔阳"}},
	"110118": {"密云区", 116.843, 40.377, []string{"鼓楼", "果园", "檀营"}},
	"110119": {"延庆区", 115.975, 40.457, []string{"妫川", "儒林", "百泉"}},
}

var demoRoads = []string{"大街", "路", "北路", "南路", "东路", "西街"}

// demoAgencyName is the registered name of a demo agency.
func demoAgencyName(d demoMoreAgency, brand string) string {
	var name string
	switch d.Type {
	case AgencyTypeBroker:
		name = "北京" + brand + "房地产经纪有限公司"
	case AgencyTypeRental:
		name = "北京" + brand + "住房租赁有限公司"
	default:
		name = "北京" + brand + "物业管理有限公司"
	}
	if d.Head >= 0 {
		name += strings.TrimSuffix(demoDistrictGeo[d.District].Name, "区") + "分公司"
	}
	return name
}

// demoUSCC makes a credit code of a company registered in district: 9
// (industry and commerce) 1 (enterprise), the region, a random
// organisation code and the GB 32100 check character.
func demoUSCC(r *rand.Rand, district string) string {
	b := []byte("91" + district)
	for range 9 {
		b = append(b, usccAlphabet[r.IntN(len(usccAlphabet))])
	}
	return withUSCCCheck(string(b))
}

// demoResidentID makes a checksum-valid resident ID of someone born in
// region in one of the years from..from+years-1.
func demoResidentID(r *rand.Rand, region string, from, years int) string {
	birth := time.Date(from+r.IntN(years), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	d17 := region + birth.Format("20060102") + fmt.Sprintf("%03d", r.IntN(1000))
	return d17 + string(residentIDCheckChar(d17))
}

func demoName(r *rand.Rand) string {
	return demoSurnames[r.IntN(len(demoSurnames))] + demoGiven[r.IntN(len(demoGiven))]
}

func demoMobile(r *rand.Rand) string {
	return fmt.Sprintf("13%d%08d", 5+r.IntN(5), r.IntN(100000000))
}

// demoPremises is one to three shops in the agency's district; every
// ninth has no coordinates yet (the distribution page lists it for
// completion).
func demoPremises(r *rand.Rand, district string, n int, serial *int) []Premises {
	geo := demoDistrictGeo[district]
	var out []Premises
	used := map[string]bool{}
	for len(out) < min(n, len(geo.Places)) {
		place := geo.Places[r.IntN(len(geo.Places))]
		if used[place] {
			continue
		}
		used[place] = true
		*serial++
		p := Premises{Name: place + "门店", District: district,
			Address: fmt.Sprintf("北京市%s%s%s%d号", geo.Name, place, demoRoads[r.IntN(len(demoRoads))], 1+r.IntN(200))}
		if *serial%9 != 0 {
			spread := 0.025
			if district == "110101" || district == "110102" {
				spread = 0.012 // small inner districts
			}
			p.Lng = geo.Lng + (r.Float64()*2-1)*spread
			p.Lat = geo.Lat + (r.Float64()*2-1)*spread
			p.HasCoords = true
		}
		out = append(out, p)
	}
	return out
}

// demoAgencyExists looks an agency up by name whatever its status
// (resolveAgency skips cancelled ones, which would file the demo's
// cancelled agency again on every start).
func demoAgencyExists(tx *storage.Tx, name string) (*Agency, error) {
	ids, err := agencyTable.Lookup(tx, "name", []byte(strings.ToLower(name)))
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if ag, err := agencyTable.Get(tx, id); err == nil {
			return ag, nil
		}
	}
	return nil, nil
}

// seedDemoMoreAgencies files the demo agencies that are missing, with an
// admin account each (demo password, no forced change), and their
// practitioners. Agencies that exist are left alone, so it is idempotent.
func (a *App) seedDemoMoreAgencies(tx *storage.Tx, now time.Time) error {
	r := rand.New(rand.NewPCG(2026, 50))
	byIndex := make([]*Agency, len(demoMoreAgencies))
	var added []*Agency
	var cancelled *Agency
	premSerial := 0
	var hash []byte
	for i, d := range demoMoreAgencies {
		// Draw every random value whether or not the agency exists, so
		// that a later agency looks the same on every run.
		name := demoAgencyName(d, d.Brand)
		filed := now.AddDate(0, -3-(len(demoMoreAgencies)-i)*7/10, -r.IntN(28))
		if d.Head >= 0 && byIndex[d.Head] != nil && filed.Before(byIndex[d.Head].Filed) {
			filed = byIndex[d.Head].Filed.AddDate(0, 1, 0)
		}
		info := AgencyInfo{Name: name, USCC: demoUSCC(r, d.District), Type: d.Type,
			LegalRep: demoName(r), LegalRepIDType: "resident_id", LegalRepIDNo: demoResidentID(r, "110105", 1965, 20),
			District: d.District, Contact: demoName(r), ContactMobile: demoMobile(r),
			Capital: float64(100 * (1 + r.IntN(50))), Established: filed.AddDate(-1-r.IntN(9), -r.IntN(12), 0)}
		n := 1 + r.IntN(2)
		if d.Head < 0 && (i == 0 || i == 4 || i == 7) {
			n = 3
		}
		info.Premises = demoPremises(r, d.District, n, &premSerial)
		info.Address = info.Premises[0].Address + fmt.Sprintf("%d室", 101+r.IntN(20)*100)
		switch d.Type {
		case AgencyTypeBroker:
			info.Scope = "房地产经纪；房地产咨询；住房租赁"
		case AgencyTypeRental:
			info.Scope = "住房租赁；非居住房地产租赁；物业管理"
		default:
			info.Scope = "物业管理；房地产咨询；信息咨询服务"
		}

		ag, err := demoAgencyExists(tx, name)
		if err != nil {
			return err
		}
		if ag != nil {
			byIndex[i] = ag
			continue
		}
		spec := demoAgencySpec{Info: info}
		if d.Head >= 0 {
			if byIndex[d.Head] == nil {
				return fmt.Errorf("demo agency %s: head office missing", name)
			}
			spec.Head = byIndex[d.Head].Name
		}
		if ag, err = a.seedDemoAgency(tx, spec, filed); err != nil {
			return fmt.Errorf("demo agency %s: %w", name, err)
		}
		if d.Former != "" {
			ag.FormerNames = []string{demoAgencyName(d, d.Former)}
			ag.Version = 2
			ag.Updated = filed.AddDate(0, 6, 0)
		}
		if hash == nil {
			if hash, err = hashPassword(DemoPassword); err != nil {
				return err
			}
		}
		u := &User{Username: agencyAdminUsername(ag.FilingNo), Name: info.Contact, Phone: info.ContactMobile,
			Roles: []Role{RoleAgencyAdmin}, AgencyID: ag.ID, AgencyName: ag.Name, PasswordHash: hash,
			Created: filed, Updated: filed, PasswordChanged: filed}
		if d.Brand == demoCancelledBrand {
			ag.Status, ag.Cancelled, ag.Updated = AgencyCancelled, now.AddDate(0, -2, -11), now.AddDate(0, -2, -11)
			ag.Version++
			u.Disabled = true
			cancelled = ag
		}
		if _, err := userTable.Insert(tx, u); err != nil && !errors.Is(err, storage.ErrDuplicate) {
			return err
		}
		ag.AdminUserID = u.ID
		if err := agencyTable.Put(tx, ag); err != nil {
			return err
		}
		byIndex[i] = ag
		added = append(added, ag)
	}
	if len(added) == 0 {
		return nil
	}
	return a.seedDemoMorePractitioners(tx, r, added, cancelled, now)
}

// seedDemoMorePractitioners staffs the newly added agencies: four to ten
// people each; one in six came from another agency; the cancelled agency's
// people left when it closed, and most of them joined another agency.
func (a *App) seedDemoMorePractitioners(tx *storage.Tx, r *rand.Rand, added []*Agency, cancelled *Agency, now time.Time) error {
	var live []*Agency
	for _, ag := range added {
		if ag.Live() {
			live = append(live, ag)
		}
	}
	if len(live) == 0 {
		return nil
	}
	count := 0
	insert := func(p *Practitioner) error {
		// The ID number identifies a person: draw again on the rare clash
		// with someone already stored.
		for {
			if _, err := practitionerTable.LookupOne(tx, "id_no", []byte(p.IDNo)); err != nil {
				break
			}
			p.IDNo = demoResidentID(r, p.IDNo[:6], 1970, 32)
		}
		card, err := nextCardNo(tx)
		if err != nil {
			return err
		}
		p.CardNo = card
		count++
		_, err = practitionerTable.Insert(tx, p)
		return err
	}
	role := func() (string, string) {
		switch n := r.IntN(10); {
		case n < 5:
			return PracBroker, fmt.Sprintf("JJR%08d", 10000000+r.IntN(90000000))
		case n < 8:
			return PracAssistant, fmt.Sprintf("XL%08d", 10000000+r.IntN(90000000))
		}
		return PracOther, ""
	}
	person := func(ag *Agency, start time.Time) *Practitioner {
		rl, qual := role()
		return &Practitioner{Name: demoName(r), IDNo: demoResidentID(r, ag.District, 1970, 32), Mobile: demoMobile(r),
			QualCertNo: qual, Created: start, Updated: start,
			Employments: []Employment{{AgencyID: ag.ID, AgencyName: ag.Name, Role: rl, Start: start}}}
	}
	startAt := func(ag *Agency) time.Time {
		days := int(now.Sub(ag.Filed).Hours()/24) - 1
		return ag.Filed.AddDate(0, 0, r.IntN(max(days, 1)))
	}
	if cancelled != nil {
		for k := range 8 {
			start := cancelled.Filed.AddDate(0, 0, r.IntN(90))
			p := person(cancelled, start)
			e := &p.Employments[0]
			e.End, e.EndReason, e.EndedBy = cancelled.Cancelled, "机构注销", demoActor
			if k < 5 { // joined another agency within weeks
				next := live[r.IntN(len(live))]
				joined := cancelled.Cancelled.AddDate(0, 0, 7+r.IntN(30))
				if joined.After(now) {
					joined = now
				}
				rl, _ := role()
				p.Employments = append(p.Employments, Employment{AgencyID: next.ID, AgencyName: next.Name, Role: rl, Start: joined})
				p.Updated = joined
			}
			if err := insert(p); err != nil {
				return err
			}
		}
	}
	for _, ag := range live {
		for range 4 + r.IntN(7) {
			start := startAt(ag)
			p := person(ag, start)
			switch n := r.IntN(12); {
			case n < 2 && len(live) > 1: // came from another agency
				prev := live[r.IntN(len(live))]
				if prev.ID == ag.ID || !prev.Filed.Before(start.AddDate(0, -2, 0)) {
					break
				}
				from := prev.Filed.AddDate(0, 0, r.IntN(max(int(start.Sub(prev.Filed).Hours()/24)/2, 1)))
				rl, _ := role()
				p.Employments = append([]Employment{{AgencyID: prev.ID, AgencyName: prev.Name, Role: rl, Start: from,
					End: start.AddDate(0, 0, -1-r.IntN(20)), EndReason: "个人原因离职", EndedBy: demoActor}}, p.Employments...)
				p.Created = from
			case n == 2: // left and not working in the trade now
				e := &p.Employments[0]
				e.End = start.AddDate(0, 1+r.IntN(6), 0)
				if e.End.After(now) {
					e.End = now.AddDate(0, 0, -1)
				}
				if e.End.Before(start) {
					e.End = start
				}
				e.EndReason, e.EndedBy = "合同期满", demoActor
				p.Updated = e.End
			}
			if err := insert(p); err != nil {
				return err
			}
		}
	}
	return a.audit(tx, SystemActor("demo"), "practitioner.add", "practitioner", 0,
		fmt.Sprintf("%d practitioners of %d agencies (demo)", count, len(added)),
		auditNote("audit.note.demo_practitioners_of", noteInt(count), noteInt(len(added))))
}
