package app

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"anju/storage"
)

// demoAnnouncement is one announcement of the demo, its times in days
// from now (negative: in the past).
type demoAnnouncement struct {
	title, category, district, body string
	pinned                          bool
	publish                         int // days from now
	withdrawAt                      int // days from now; 0: none
	withdrawn                       int // withdrawn by a clerk this many days from now (0: not)
	reason                          string
	pdf                             bool   // with a PDF attachment
	edit                            string // edited once after release, with this note
	draft                           bool
}

func demoAnnouncements(now time.Time) []demoAnnouncement {
	q := (int(now.Month())-1)/3 - 1 // the last full quarter
	qYear := now.Year()
	if q < 0 {
		q, qYear = 3, qYear-1
	}
	quarter := []string{"一", "二", "三", "四"}[q]
	lastMonth := now.AddDate(0, -1, 0)
	return []demoAnnouncement{
		{title: "关于开展住房租赁市场专项整治的通知", category: AnnounceNotice, district: "110105", pinned: true, publish: -64,
			body: "各住房租赁企业、房地产经纪机构：\n\n为进一步规范住房租赁市场秩序，保障租赁当事人合法权益，根据《住房租赁条例》和《关于整顿规范住房租赁市场秩序的意见》（建房规〔2019〕10号），我委决定自即日起至年底在全区开展住房租赁市场专项整治。\n\n一、整治重点\n（一）发布未经核验或核验码失效的房源信息；\n（二）未按规定办理住房租赁合同网签备案；\n（三）违规代收代付租金、押金，或以“租金贷”诱导承租人；\n（四）未在经营场所公示备案信息、服务项目及收费标准。\n\n二、工作安排\n各机构应于本通知发布之日起15日内完成自查自纠，并通过本平台机构端更新备案信息和从业人员信息。我委将结合平台核验、网签数据开展抽查，对查实的违规行为依照记分标准记入信用档案，情节严重的列入黑名单并向社会公示。\n\n三、投诉举报\n租赁当事人可拨打12345市民服务热线，或登录本平台公众端查询房源核验码、合同备案信息和机构信用等级。\n\n特此通知。"},
		{title: fmt.Sprintf("关于公布%d年第%s季度住房租赁企业信用等级的公告", qYear, quarter), category: AnnounceNotice, district: "110105", publish: -18, pdf: true,
			body: fmt.Sprintf("根据《住房和城乡建设领域信用信息管理暂行办法》和本平台记分标准，我委对辖区内备案的住房租赁企业、房地产经纪机构%d年第%s季度的信用情况进行了评定，现将评定结果予以公布（详见附件）。\n\n信用等级依据基础分和有效期内的加分、扣分记录计算，每一项记录的规则编号、事项、分值和有效期均可在本平台“机构名录”中查看。对评定结果有异议的，可自公告之日起15日内通过机构端提出异议申诉。\n\n附件：%d年第%s季度住房租赁企业信用等级名单", qYear, quarter, qYear, quarter)},
		{title: "住房租赁合同网签备案操作指南", category: AnnounceGuide, district: "", publish: -205, edit: "补充常见问题：网签后如何申请备案",
			body: "本指南介绍通过住房租赁监管服务平台办理合同网签和登记备案的步骤。\n\n第一步 房源核验\n出租房屋在发布前须取得核验码。经纪机构在机构端“房源核验”中录入不动产权证书号和权利人信息，核验通过后取得核验码和告知单。\n\n第二步 合同网签\n在“合同网签”中输入核验码，依次填写租赁期限与租金、当事人、约定事项，上传身份证明等要件，预览无误后签约，系统生成合同编号。\n\n第三步 登记备案\n签约后30日内，在“合同备案”中按合同编号提交备案申请，经审核通过后可打印《住房租赁登记备案证明》。承租人可在公众端按备案证明编号查询。\n\n常见问题\n问：核验提示“返回报文解析错误”怎么办？\n答：这是与不动产登记中心的连接问题，不是房源本身的问题，请稍后重试或联系信息科。\n\n更多说明请见市住房和城乡建设委员会网站 https://zjw.beijing.gov.cn/ 。"},
		{title: "关于调整租赁合同备案期限的通知", category: AnnouncePolicy, district: "110105", publish: 6,
			body: "各住房租赁企业、房地产经纪机构：\n\n为提高住房租赁合同登记备案的及时性，自本通知施行之日起，经纪机构代为办理的住房租赁合同，应当在合同签订之日起30日内申请登记备案；逾期未申请的，平台将自动提示并按记分标准JG-K-002记分。\n\n本通知自发布之日起施行。"},
		{title: "《住房租赁条例》要点解读", category: AnnouncePolicy, district: "", publish: -330,
			body: "《住房租赁条例》对出租人、承租人、住房租赁企业和房地产经纪机构的权利义务作出了系统规定。\n\n一、出租住房应当符合建筑、消防、治安、防灾、卫生、环保等方面的安全条件，不得危及人身安全和健康。\n\n二、住房租赁企业、房地产经纪机构发布房源信息应当真实、准确、完整，同一房源不得以不同内容重复发布。\n\n三、出租人、承租人应当依法办理住房租赁合同登记备案，经纪机构代为办理的，应当如实提交材料。\n\n四、押金的收取和退还应当在合同中约定，出租人不得无正当理由扣减押金。"},
		{title: fmt.Sprintf("朝阳区住房租赁市场运行情况（%d年%d月）", lastMonth.Year(), int(lastMonth.Month())), category: AnnounceNews, district: "110105", publish: -9,
			body: "上月全区通过平台完成房源核验、合同网签和登记备案的数量较前一月稳中有升，整租房源平均租金基本持平，合租房源平均租金略有下降。\n\n从区域看，望京、CBD、亚运村等片区租赁交易较为活跃。备案及时率继续提高，逾期未备案合同数量下降。\n\n下一步，我委将继续做好租金监测，督促经纪机构落实房源核验和合同网签备案制度。"},
		{title: "关于规范住房租赁押金收取行为的提示", category: AnnounceNotice, district: "110105", publish: -120, withdrawAt: 60,
			body: "近期，我委接到多起关于押金退还的投诉。现提示如下：\n\n一、押金数额、退还时间和可扣减的情形应当在合同中明确约定，一般不超过一个月租金。\n\n二、经纪机构不得代收代付押金；确需代收的，应当通过监管账户办理。\n\n三、承租人在签约前可通过本平台公众端查询房源核验码和经纪机构的备案、信用情况。"},
		{title: "关于暂停部分经纪机构网签资格的公告", category: AnnounceNotice, district: "110105", publish: -40, withdrawn: -39,
			reason: "名单信息有误，核实更正后另行发布",
			body:   "经查，下列经纪机构存在发布未经核验房源、未按规定办理合同备案等行为，现暂停其网签资格三个月。\n\n（名单略）"},
		{title: "关于春节期间住房租赁业务办理安排的通知", category: AnnounceNotice, district: "", publish: -290, withdrawAt: -265,
			body: "春节期间，平台房源核验、合同网签功能照常运行；登记备案审核顺延至节后第一个工作日办理。\n\n节日期间如遇系统问题，请拨打信息科值班电话。"},
		{title: "关于开展住房租赁企业备案信息年度核查的通知（草稿）", category: AnnounceNotice, district: "110105", publish: 14, draft: true,
			body: "各住房租赁企业、房地产经纪机构：\n\n请于规定期限内登录机构端，核对备案信息、经营场所和从业人员信息，如有变更及时申请变更备案。\n\n（待补充核查时间安排）"},
	}
}

// seedDemoAnnouncements adds the demo announcements a store does not have
// yet (by title): released ones over the last year, a pinned one, one
// with a PDF attachment, one edited after release, one scheduled, one
// withdrawn by a clerk and one whose window has ended.
func (a *App) seedDemoAnnouncements() error {
	now := a.now()
	clerk := Actor{Username: "clerk", Name: "王芳", Roles: []Role{RoleClerk}, District: "110105"}
	city := Actor{Username: "system:demo", Name: "市住房和城乡建设委员会", System: true}
	return a.update(func(tx *storage.Tx) error {
		for _, d := range demoAnnouncements(now) {
			if ids, err := announcementTable.Lookup(tx, "title", []byte(d.title)); err != nil || len(ids) > 0 {
				if err != nil {
					return err
				}
				continue
			}
			by := clerk
			if d.district == "" {
				by = city
			}
			day := func(n int) time.Time {
				t := now.AddDate(0, 0, n)
				return time.Date(t.Year(), t.Month(), t.Day(), 9, 30, 0, 0, time.Local)
			}
			created := day(min(d.publish, 0) - 1)
			an := &Announcement{Status: AnnDraft, Created: created, CreatedBy: by.Username, Updated: created,
				AnnouncementContent: AnnouncementContent{Title: d.title, Body: d.body, Category: d.category,
					District: d.district, Pinned: d.pinned, PublishAt: day(d.publish)}}
			if d.withdrawAt != 0 {
				an.WithdrawAt = day(d.withdrawAt).Add(8 * time.Hour)
			}
			if d.pdf {
				data := announcementPDF([]string{d.title, "", "附件：信用等级名单（摘要）", "",
					"A级（90分及以上）：12家", "B级（75—89分）：31家", "C级（60—74分）：7家", "D级（60分以下）：2家", "",
					"各机构的信用记录明细请在平台“机构名录”中查询。", "北京市朝阳区住房和城乡建设委员会"})
				info, err := tx.PutBlob("信用等级名单.pdf", "application/pdf", data, AnnFileMaxBytes)
				if err != nil {
					return err
				}
				an.Files = []AnnouncementFile{{Blob: info.ID, Name: info.Name, Type: info.ContentType, Size: info.Size}}
			}
			an.event(created, by, "created", "")
			if !d.draft {
				releaseAnnouncement(an, by, created)
			}
			if d.edit != "" {
				at := created.AddDate(0, 0, 20)
				an.Body += "\n\n问：网签后如何申请备案？\n答：在机构端“合同备案”中输入合同编号提交申请即可，无需再次上传已在网签时提交的要件。"
				an.Versions = append(an.Versions, AnnouncementVersion{Version: 2, Content: an.AnnouncementContent,
					At: at, By: by.Username, ByName: actorName(by), Note: d.edit})
				an.event(at, by, "edited", d.edit)
				an.Updated = at
			}
			if d.withdrawn != 0 {
				at := day(d.withdrawn).Add(2 * time.Hour)
				an.Status, an.Withdrawn, an.WithdrawnBy, an.WithdrawnReason, an.Updated = AnnWithdrawn, at, by.Username, d.reason, at
				an.event(at, by, "withdrawn", d.reason)
			}
			if _, err := announcementTable.Insert(tx, an); err != nil {
				return err
			}
			if err := a.audit(tx, SystemActor("demo"), "announcement.release", "announcement", an.ID, an.Title+" (demo)",
				auditNote("audit.note.demo", noteText(an.Title))); err != nil {
				return err
			}
		}
		tx.OnCommit(a.announcements.changed)
		return nil
	})
}

// announcementPDF writes a one-page A4 PDF of lines in STSong-Light, one of the
// CJK fonts every PDF reader provides (nothing is embedded); its ASCII
// glyphs (CIDs 1–95 of Adobe-GB1) are half as wide as the Chinese ones.
func announcementPDF(lines []string) []byte {
	var content bytes.Buffer
	content.WriteString("BT\n/F1 18 Tf\n72 770 Td\n")
	for i, l := range lines {
		if i == 1 {
			content.WriteString("/F1 12 Tf\n")
		}
		var hex strings.Builder
		for _, u := range utf16.Encode([]rune(l)) {
			fmt.Fprintf(&hex, "%04X", u)
		}
		fmt.Fprintf(&content, "<%s> Tj\n0 -24 Td\n", hex.String())
	}
	content.WriteString("ET\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
		"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /DW 1000 /W [1 95 500] >>",
	}
	var out bytes.Buffer
	out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = out.Len()
		fmt.Fprintf(&out, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&out, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return out.Bytes()
}
