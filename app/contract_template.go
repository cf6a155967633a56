package app

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"anju/storage"
)

// The model contract text 示范文本: the bureau's lease text with
// placeholders such as {{合同编号}}, kept in versions so that a signed
// contract prints with the text it was signed on (Contract.TemplateVersion).
// Until a sysadmin saves a text, the one below (version 1) is in force.

// ContractClause is an optional clause the bureau keeps; the parties tick
// the ones they agree on at step 4.
type ContractClause struct {
	Code    string `json:"code"` // stable within a version: c1, c2, …
	Title   string `json:"title"`
	Text    string `json:"text"`
	Enabled bool   `json:"enabled"` // offered on new contracts
}

// ContractTemplate is one version of the model text.
type ContractTemplate struct {
	Version int              `json:"version"`
	Title   string           `json:"title"`
	Text    string           `json:"text"`
	Clauses []ContractClause `json:"clauses"`
	Note    string           `json:"note,omitempty"` // what changed, for the audit and the history
	Saved   time.Time        `json:"saved,omitzero"`
	SavedBy Person           `json:"saved_by,omitzero"`
}

// Offered returns the clauses offered on new contracts.
func (t *ContractTemplate) Offered() []ContractClause {
	var out []ContractClause
	for _, c := range t.Clauses {
		if c.Enabled {
			out = append(out, c)
		}
	}
	return out
}

func (t *ContractTemplate) clause(code string) (ContractClause, bool) {
	for _, c := range t.Clauses {
		if c.Code == code {
			return c, true
		}
	}
	return ContractClause{}, false
}

type storedTemplate struct {
	ID uint64 `json:"id"` // the version
	ContractTemplate
}

var contractTemplateTable = storage.NewTable(storage.TableOptions[storedTemplate]{
	Name:  "contract_templates",
	ID:    func(t *storedTemplate) uint64 { return t.ID },
	SetID: func(t *storedTemplate, id uint64) { t.ID = id; t.Version = int(id) },
})

// ContractPlaceholders are the placeholders the model text may use, in the
// order the admin page lists them.
var ContractPlaceholders = []string{
	"合同编号", "签约日期", "出租人", "出租人证件", "出租人代理人", "承租人", "承租人证件", "共同居住人",
	"房屋坐落", "所在区", "产权证号", "抵押情况", "建筑面积", "户型", "出租方式", "出租房间",
	"租期起", "租期止", "租期月数", "月租金", "月租金大写", "押金", "押金大写", "付款周期", "付款方式",
	"房屋用途", "其他费用", "水电燃气", "约定事项", "可选条款", "经纪机构", "经纪人员", "核验码", "监管机构", "备案期限",
}

var placeholderRe = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)

// mortgageDisclosure is what 抵押情况 says when the verification found the
// property mortgaged: it may be let, but the tenant must be told (the
// verification's warning), and the text the parties sign says so. Without
// a mortgage the placeholder prints nothing, not a blank to fill in.
const mortgageDisclosure = "甲方已如实告知乙方：该房屋已设立抵押。"

// templateMaxRunes bounds the text (the default is about 3,000 characters).
const templateMaxRunes = 20000

// maxClauses bounds the optional clauses.
const maxClauses = 20

func loadTemplate(tx *storage.Tx, version int) (*ContractTemplate, error) {
	if version > 0 {
		t, err := contractTemplateTable.Get(tx, uint64(version))
		if err == nil {
			return &t.ContractTemplate, nil
		}
		if version != 1 || !errorsIsNotFound(err) {
			return nil, err
		}
		return defaultTemplate(), nil
	}
	t, err := contractTemplateTable.Last(tx)
	if errorsIsNotFound(err) {
		return defaultTemplate(), nil
	}
	if err != nil {
		return nil, err
	}
	return &t.ContractTemplate, nil
}

// CurrentContractTemplate is the model text in force (for the admin page
// and for step 4's optional clauses).
func (a *App) CurrentContractTemplate() (*ContractTemplate, error) {
	var t *ContractTemplate
	err := a.db.View(func(tx *storage.Tx) (err error) { t, err = loadTemplate(tx, 0); return })
	return t, err
}

// ContractTemplateVersions lists the saved versions, newest first.
func (a *App) ContractTemplateVersions(actor Actor) ([]ContractTemplate, error) {
	if err := actor.require(PermContractTemplate); err != nil {
		return nil, err
	}
	var out []ContractTemplate
	err := a.db.View(func(tx *storage.Tx) error {
		return contractTemplateTable.Each(tx, true, func(t *storedTemplate) (bool, error) {
			out = append(out, t.ContractTemplate)
			return len(out) < 50, nil
		})
	})
	return out, err
}

// TemplateInput is the admin form: the text and the clause rows.
type TemplateInput struct {
	Title   string
	Text    string
	Note    string
	Clauses []ContractClause // Code "" for a new row; a row with neither title nor text is dropped
}

// SaveContractTemplate stores a new version of the model text. Unknown
// placeholders are refused by name, so that a typo does not print as
// "{{承租仁}}" on every contract.
func (a *App) SaveContractTemplate(actor Actor, in TemplateInput) (*ContractTemplate, error) {
	if err := actor.require(PermContractTemplate); err != nil {
		return nil, err
	}
	var v validation
	t := ContractTemplate{Title: strings.TrimSpace(in.Title), Text: strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n")),
		Note: strings.TrimSpace(in.Note)}
	if t.Title == "" {
		v.add("title", "contract.tpl_title_required")
	}
	maxLen(&v, "title", t.Title, 60)
	switch {
	case t.Text == "":
		v.add("text", "contract.tpl_text_required")
	case len([]rune(t.Text)) > templateMaxRunes:
		v.add("text", "contract.tpl_text_too_long")
	}
	var unknown []string
	if u := unknownPlaceholders(t.Text + t.Title); len(u) > 0 {
		unknown = u
		v.add("text", "contract.tpl_unknown_placeholder")
	}
	maxLen(&v, "note", t.Note, 200)
	used := map[string]bool{}
	for _, c := range in.Clauses {
		if c.Code != "" {
			used[c.Code] = true
		}
	}
	next := 1
	for i, c := range in.Clauses {
		c.Title, c.Text = strings.TrimSpace(c.Title), strings.TrimSpace(c.Text)
		if c.Title == "" && c.Text == "" {
			continue
		}
		f := "clauses." + strconv.Itoa(i) + "."
		if c.Title == "" {
			v.add(f+"title", "contract.tpl_clause_title_required")
		}
		if c.Text == "" {
			v.add(f+"text", "contract.tpl_clause_text_required")
		}
		maxLen(&v, f+"title", c.Title, 40)
		maxLen(&v, f+"text", c.Text, 1000)
		if c.Code == "" {
			for used["c"+strconv.Itoa(next)] {
				next++
			}
			c.Code = "c" + strconv.Itoa(next)
			used[c.Code] = true
		}
		t.Clauses = append(t.Clauses, c)
	}
	if len(t.Clauses) > maxClauses {
		v.add("clauses", "contract.tpl_too_many_clauses")
	}
	if err := v.err(); err != nil {
		if len(unknown) > 0 {
			e, _ := AsError(err)
			e.Key, e.Args = "contract.tpl_unknown_placeholder_named", []any{unknown}
		}
		return nil, err
	}
	err := a.update(func(tx *storage.Tx) error {
		if contractTemplateTable.Count(tx) == 0 {
			// Keep the shipped text as version 1, so that contracts
			// signed on it still print with it.
			first := storedTemplate{ContractTemplate: *defaultTemplate()}
			if _, err := contractTemplateTable.Insert(tx, &first); err != nil {
				return err
			}
		}
		t.Saved, t.SavedBy = a.now(), personOf(actor)
		st := storedTemplate{ContractTemplate: t}
		if _, err := contractTemplateTable.Insert(tx, &st); err != nil {
			return err
		}
		t = st.ContractTemplate
		return a.audit(tx, actor, "contract.template_save", "contract_template", st.ID, fmt.Sprintf("v%d %s", st.ID, t.Note))
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func unknownPlaceholders(text string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(ContractPlaceholders, m[1]) && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// ContractText is a contract as it prints: the title and its paragraphs.
type ContractText struct {
	Title      string
	Paragraphs []string
	Version    int
}

// blank stands for a value not yet typed, as on a paper form.
const blank = "＿＿＿＿"

func usesPlaceholder(text, name string) bool {
	for _, m := range placeholderRe.FindAllStringSubmatch(text, -1) {
		if m[1] == name {
			return true
		}
	}
	return false
}

// withMortgageDisclosure puts {{抵押情况}} at the end of the line naming
// the property's address, or in a line of its own at the end.
func withMortgageDisclosure(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if usesPlaceholder(l, "房屋坐落") {
			lines[i] = strings.TrimRight(l, " \t") + "{{抵押情况}}"
			return strings.Join(lines, "\n")
		}
	}
	return text + "\n{{抵押情况}}"
}

// districtThenAddressRe is the district placeholder written just before
// the address's, as the shipped text has it.
var districtThenAddressRe = regexp.MustCompile(`\{\{\s*所在区\s*\}\}\s*\{\{\s*房屋坐落\s*\}\}`)

// addressNamesDistrict tells whether an address already begins with its
// district, in Chinese (朝阳区望京…, or after the city: 北京市朝阳区…) or in
// English (Chaoyang District, …).
func addressNamesDistrict(addr string, d *DictEntry) bool {
	addr = strings.TrimSpace(addr)
	if d.Name != "" {
		if strings.HasPrefix(addr, d.Name) {
			return true
		}
		// A city name is short; a 市 further on belongs to a street or a
		// building (…超市), not to the city before the district.
		if city, rest, ok := strings.Cut(addr, "市"); ok && utf8.RuneCountInString(city) <= 6 && strings.HasPrefix(rest, d.Name) {
			return true
		}
	}
	if en := strings.ToLower(strings.TrimSpace(d.NameEn)); en != "" {
		if !strings.HasSuffix(en, " district") {
			en += " district"
		}
		return strings.HasPrefix(strings.ToLower(addr), en)
	}
	return false
}

// ContractClauseTitles names the optional clauses c was agreed with by
// their titles in its model text's version: the contract stores only the
// codes, which mean nothing to a reader. A code that version does not know
// is shown as it is rather than dropped.
func (a *App) ContractClauseTitles(c *Contract) ([]string, error) {
	if len(c.Clauses) == 0 {
		return nil, nil
	}
	var out []string
	err := a.db.View(func(tx *storage.Tx) error {
		t, err := loadTemplate(tx, c.TemplateVersion)
		if err != nil {
			return err
		}
		for _, code := range c.Clauses {
			if k, ok := t.clause(code); ok {
				out = append(out, k.Title)
			} else {
				out = append(out, code)
			}
		}
		return nil
	})
	return out, err
}

// partyLine is the names of ps and their ID documents. The documents'
// line follows the names' in the text ("出租人：周超" then "证件：居民身份证
// …"): it names a party only when there are several, to tell whose
// document is whose.
func partyLine(ps []Party) (names, ids string) {
	var n, d []string
	for _, p := range ps {
		n = append(n, p.Name)
		id := idTypeLabel(p.IDType) + " " + p.IDNo
		if len(ps) > 1 {
			id = p.Name + "：" + id
		}
		d = append(d, id)
	}
	return strings.Join(n, "、"), strings.Join(d, "；")
}

// idTypeLabel names an ID type in the contract's text: the national types'
// names (the dictionary's seed); "证件" for a type a bureau added itself.
func idTypeLabel(code string) string {
	for _, t := range defaultIDTypes {
		if t[0] == code {
			return t[1]
		}
	}
	return "证件"
}

// contractValues fills the placeholders for c. filingDays is the filing
// deadline parameter, which signing applies (FilingDue): the text the
// parties sign states the deadline the platform will hold them to.
func contractValues(tx *storage.Tx, c *Contract, t *ContractTemplate, org string, filingDays int) map[string]string {
	v := map[string]string{"监管机构": org, "产权证号": c.CertNo, "核验码": FormatVerificationCode(c.VerificationCode),
		"经纪机构": c.AgencyName, "经纪人员": c.AgentName, "备案期限": strconv.Itoa(filingDays) + "日"}
	if c.AgencyName == "" {
		v["经纪机构"], v["经纪人员"] = "无（双方自行成交）", "无"
	}
	v["合同编号"] = c.No
	if c.No == "" {
		v["合同编号"] = "（签约时生成）"
	}
	if !c.Signed.IsZero() {
		v["签约日期"] = chineseDate(c.Signed)
	}
	v["出租人"], v["出租人证件"] = partyLine(c.Lessors())
	v["出租人代理人"], _ = partyLine(c.partiesOf(PartyLessorAgent))
	if v["出租人代理人"] == "" {
		v["出租人代理人"] = "无"
	}
	v["承租人"], v["承租人证件"] = partyLine(c.Lessees())
	v["共同居住人"], _ = partyLine(c.partiesOf(PartyCoResident))
	if v["共同居住人"] == "" {
		v["共同居住人"] = "无"
	}
	if c.VerificationID != 0 {
		if vf, err := verificationTable.Get(tx, c.VerificationID); err == nil && vf.Mortgaged {
			v["抵押情况"] = mortgageDisclosure
		}
	}
	l := c.Listing
	v["房屋坐落"] = l.FullAddress()
	if e, err := dictGet(tx, DictDistrict, c.District); err == nil {
		v["所在区"] = e.Name
	}
	if l.Area > 0 {
		v["建筑面积"] = strconv.FormatFloat(l.Area, 'f', -1, 64)
	}
	if l.Rooms > 0 {
		v["户型"] = fmt.Sprintf("%d室%d厅%d卫", l.Rooms, l.Halls, l.Baths)
	}
	v["出租方式"] = "整租"
	v["出租房间"] = "全部房间"
	if l.Mode == "shared" {
		v["出租方式"], v["出租房间"] = "合租", c.Terms.Rooms
	}
	tm := c.Terms
	if !tm.Start.IsZero() {
		v["租期起"], v["租期止"] = chineseDate(tm.Start), chineseDate(tm.End)
		v["租期月数"] = strconv.Itoa(termMonths(tm.Start, tm.End))
	}
	if tm.Rent > 0 {
		v["月租金"], v["月租金大写"] = strconv.Itoa(tm.Rent), AmountInWords(tm.Rent)
	}
	if tm.Rent > 0 || tm.Deposit > 0 {
		v["押金"], v["押金大写"] = strconv.Itoa(tm.Deposit), AmountInWords(tm.Deposit)
	}
	v["付款周期"] = map[string]string{"monthly": "月付", "quarterly": "季付", "half_year": "半年付", "yearly": "年付"}[tm.PaymentCycle]
	v["付款方式"] = map[string]string{"transfer": "银行转账", "cash": "现金", "online": "第三方支付", "other": "其他"}[tm.PaymentMethod]
	if tm.Purpose != "" {
		v["房屋用途"] = "居住"
	}
	v["其他费用"] = tm.Fees
	if tm.Fees == "" && tm.Rent > 0 {
		v["其他费用"] = "无"
	}
	v["水电燃气"] = map[string]string{"lessee": "由承租人承担", "lessor": "由出租人承担", "shared": "由双方按约定分担"}[tm.Utilities]
	v["约定事项"] = c.AgreedTerms
	if c.AgreedTerms == "" {
		v["约定事项"] = "无"
	}
	var cl []string
	for i, code := range c.Clauses {
		if k, ok := t.clause(code); ok {
			cl = append(cl, fmt.Sprintf("%d. %s：%s", i+1, k.Title, k.Text))
		}
	}
	v["可选条款"] = strings.Join(cl, "\n")
	if len(cl) == 0 {
		v["可选条款"] = "无"
	}
	return v
}

func chineseDate(t time.Time) string {
	t = t.Local()
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// termMonths is the lease term in whole months (a term ending the day
// before the same date counts as whole months: 1 Mar–28 Feb is 12).
func termMonths(start, end time.Time) int {
	end = end.AddDate(0, 0, 1)
	m := (end.Year()-start.Year())*12 + int(end.Month()) - int(start.Month())
	if end.Day() < start.Day() {
		m--
	}
	return max(m, 0)
}

// AmountInWords writes a whole yuan amount in capital Chinese numerals
// (人民币大写), as contracts state sums: 6500 → 陆仟伍佰元整.
func AmountInWords(n int) string {
	if n == 0 {
		return "零元整"
	}
	digits := []rune("零壹贰叁肆伍陆柒捌玖")
	units := []string{"", "拾", "佰", "仟"}
	groups := []string{"", "万", "亿"}
	var b strings.Builder
	s := strconv.Itoa(n)
	zero := false
	for i, ch := range s {
		pos := len(s) - 1 - i
		d := int(ch - '0')
		if d == 0 {
			zero = true
		} else {
			if zero && b.Len() > 0 {
				b.WriteRune('零')
			}
			zero = false
			b.WriteRune(digits[d])
			b.WriteString(units[pos%4])
		}
		if pos%4 == 0 && pos > 0 {
			// A group of four zeros writes no group name.
			start := max(0, i-3)
			if strings.Trim(s[start:i+1], "0") != "" {
				b.WriteString(groups[pos/4])
			}
		}
	}
	return b.String() + "元整"
}

// defaultTemplate is the text that ships: a residential lease written for
// this platform after the structure of the model texts housing bureaus
// publish (parties, the house, term, rent and deposit, costs, use and
// upkeep, sublease, termination, breach, disputes).
func defaultTemplate() *ContractTemplate {
	return &ContractTemplate{Version: 1, Title: "住房租赁合同", Text: defaultTemplateText, Clauses: []ContractClause{
		{Code: "c1", Enabled: true, Title: "宠物饲养", Text: "经出租人同意，承租人可在房屋内饲养宠物，因饲养宠物造成房屋或设施损坏、影响他人的，由承租人负责修复或赔偿。"},
		{Code: "c2", Enabled: true, Title: "禁止吸烟", Text: "承租人及共同居住人不得在房屋室内吸烟；因吸烟造成的污损由承租人负责清洁或赔偿。"},
		{Code: "c3", Enabled: true, Title: "提前退租", Text: "承租人需提前退租的，应提前30日书面通知出租人，并支付相当于一个月租金的违约金；出租人已收取的押金在扣除应付费用后退还。"},
		{Code: "c4", Enabled: true, Title: "续租优先", Text: "租赁期满，承租人在同等条件下享有优先承租权；有意续租的，应于期满前30日书面提出。"},
		{Code: "c5", Enabled: true, Title: "家具家电清单", Text: "房屋内家具家电以双方签字确认的交接清单为准，承租人应合理使用，正常损耗除外。"},
	}}
}

const defaultTemplateText = `合同编号：{{合同编号}}
房源核验码：{{核验码}}

出租人（甲方）：{{出租人}}
证件：{{出租人证件}}
委托代理人：{{出租人代理人}}

承租人（乙方）：{{承租人}}
证件：{{承租人证件}}
共同居住人：{{共同居住人}}

经纪机构：{{经纪机构}}　经纪人员：{{经纪人员}}

根据《中华人民共和国民法典》《住房租赁条例》及本市住房租赁管理的有关规定，甲乙双方在平等、自愿、公平、诚实信用的基础上，就房屋租赁事宜达成如下协议。

第一条　房屋基本情况
房屋坐落于{{所在区}}{{房屋坐落}}，产权证号{{产权证号}}，建筑面积{{建筑面积}}平方米，户型{{户型}}。出租方式为{{出租方式}}，出租房间：{{出租房间}}。甲方保证对该房屋享有出租的权利，房屋不存在查封、权属争议等不得出租的情形，并已通过本平台房源核验。{{抵押情况}}

第二条　房屋用途
该房屋用途为{{房屋用途}}。乙方保证在租赁期内不擅自改变房屋用途，不将房屋用于经营或群租，居住人数符合本市有关规定。

第三条　租赁期限
租赁期自{{租期起}}起至{{租期止}}止，共计{{租期月数}}个月。甲方应于租赁期开始之日将房屋交付乙方，双方签署房屋交接清单。

第四条　租金及支付
月租金为人民币{{月租金}}元（大写：{{月租金大写}}）。租金按{{付款周期}}方式支付，支付方式为{{付款方式}}，乙方应于每个支付周期开始前支付该周期租金。租赁期内甲方不得单方提高租金。

第五条　押金
乙方于签订本合同时向甲方支付押金人民币{{押金}}元（大写：{{押金大写}}）。租赁期满或合同解除后，房屋及设施交还且无欠费、损坏的，甲方应在三个工作日内将押金全额无息退还乙方。

第六条　相关费用
租赁期内水、电、燃气等费用{{水电燃气}}。其他费用约定：{{其他费用}}。物业服务费、供暖费除双方另有约定外由甲方承担。

第七条　房屋维护
甲方应保证房屋及附属设施符合安全和居住使用要求，对非因乙方原因造成的损坏及时维修。乙方应合理使用房屋，因使用不当造成损坏的，负责修复或赔偿。乙方不得擅自拆改房屋结构。

第八条　转租
未经甲方书面同意，乙方不得将房屋部分或全部转租他人。

第九条　合同解除
经甲乙双方协商一致，可以解除本合同，并应在本平台办理合同撤销。有下列情形之一的，一方可以解除合同：（一）因不可抗力致使合同目的不能实现；（二）对方严重违反本合同约定，经催告后在合理期限内仍未履行。

第十条　违约责任
任何一方违反本合同约定的，应向对方承担违约责任，赔偿由此造成的损失。甲方未按约定交付房屋或乙方逾期支付租金超过十五日的，守约方有权解除合同。

第十一条　双方约定事项
{{约定事项}}

第十二条　选用条款
{{可选条款}}

第十三条　争议解决
本合同履行中发生争议的，双方协商解决；协商不成的，可向房屋所在地人民法院提起诉讼，或向住房租赁纠纷调解组织申请调解。

第十四条　其他
本合同经甲乙双方在本平台网签后生效，一式三份，甲乙双方及经纪机构各执一份，具有同等法律效力。本合同签订后，应自签约之日起{{备案期限}}内向{{监管机构}}办理租赁登记备案。

签约日期：{{签约日期}}

甲方（签章）：　　　　　　　　乙方（签章）：`

func errorsIsNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
