package app

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"anju/storage"
)

// demoApplications are the filings waiting in the demo's review queue: a
// clerk's, a public self-application, one returned with a reason, and a
// change of a filed agency. They are entered by the demo clerk of
// Chaoyang so that the demo reviewer can decide them.
var demoApplications = []struct {
	form   AgencyForm
	source string
	status string
	reason string
}{
	{form: AgencyForm{Name: "北京恒信房地产经纪有限公司", USCC: "91110105MA01HX0001", Type: AgencyTypeBroker, LegalRep: "冯建华",
		LegalRepIDType: "resident_id", LegalRepIDNo: "11010519780612003", Address: "北京市朝阳区朝阳门外大街18号", District: "110105",
		Contact: "冯建华", ContactMobile: "13701230001", Scope: "房地产经纪", Capital: "300", Established: "2019-03-18",
		Premises: []PremisesForm{{Name: "朝外门店", Address: "北京市朝阳区朝阳门外大街18号一层", District: "110105", Lng: "116.4420", Lat: "39.9220"}}},
		source: SourceGov, status: AppPending},
	{form: AgencyForm{Name: "北京宜家住房租赁有限公司", USCC: "91110105MA01YJ0002", Type: AgencyTypeRental, LegalRep: "韩梅",
		LegalRepIDType: "resident_id", LegalRepIDNo: "11010519850923004", Address: "北京市朝阳区酒仙桥路10号", District: "110105",
		Contact: "韩梅", ContactMobile: "13801230002", Scope: "住房租赁", Capital: "1000", Established: "2021-07-01",
		Premises: []PremisesForm{{Name: "酒仙桥服务点", Address: "北京市朝阳区酒仙桥路10号", District: "110105"}}},
		source: SourcePublic, status: AppPending},
	{form: AgencyForm{Name: "北京顺达房地产经纪有限公司", USCC: "91110105MA01TD0003", Type: AgencyTypeBroker, LegalRep: "邓超",
		LegalRepIDType: "resident_id", LegalRepIDNo: "11010519800101005", Address: "北京市朝阳区劲松路5号", District: "110105",
		Contact: "邓超", ContactMobile: "13901230003", Capital: "50",
		Premises: []PremisesForm{{Name: "劲松门店", Address: "北京市朝阳区劲松路5号", District: "110105", Lng: "116.4610", Lat: "39.8850"}}},
		source: SourceGov, status: AppRejected, reason: "营业执照扫描件不清晰，经营范围无法辨认，请重新上传清晰的扫描件"},
}

// seedDemoApplications adds the demo's open applications once.
func (a *App) seedDemoApplications(tx *storage.Tx, now time.Time) error {
	if applicationTable.Count(tx) > 0 {
		return nil
	}
	clerk, err := userByName(tx, "clerk")
	if err != nil {
		return nil // no demo clerk: nothing to queue
	}
	reviewer, _ := userByName(tx, "reviewer")
	entered := Person{UserID: clerk.ID, Username: clerk.Username, Name: clerk.Name}
	licence, err := demoLicencePNG()
	if err != nil {
		return err
	}
	for i, d := range demoApplications {
		f := d.form
		f.USCC = withUSCCCheck(f.USCC[:17])
		f.LegalRepIDNo = f.LegalRepIDNo[:17] + string(residentIDCheckChar(f.LegalRepIDNo[:17]))
		when := now.Add(-time.Duration(len(demoApplications)-i) * 26 * time.Hour)
		ap := &AgencyApplication{Kind: AppNew, Status: AppDraft, Form: f, Source: d.source, SubmittedBy: entered, Created: when}
		if d.source == SourcePublic {
			ap.SubmittedBy = Person{Name: f.Contact}
			ap.ApplicantMobile = f.ContactMobile
			ap.TokenHash = tokenHash(newToken()) // the demo applicant's link is not printed anywhere
		}
		if err := a.parseAgencyForm(tx, SystemActor("demo"), &ap.Form, 0, &ap.Info, nil); err != nil {
			return err
		}
		blob, err := tx.PutBlob("营业执照（演示）.png", "image/png", licence, LicenceMaxBytes)
		if err != nil {
			return err
		}
		ap.Info.LicenceBlob, ap.Info.LicenceName, ap.Info.LicenceType = blob.ID, blob.Name, "image/png"
		if err := a.insertApp(tx, SystemActor("demo"), ap, when); err != nil {
			return err
		}
		ap.Step, ap.Status, ap.Submitted = StepCount, AppPending, when
		ap.History = append(ap.History, AppEvent{Time: when.Add(time.Hour), By: ap.SubmittedBy, Action: "submitted"})
		if d.status == AppRejected && reviewer != nil {
			by := Person{UserID: reviewer.ID, Username: reviewer.Username, Name: reviewer.Name}
			ap.Status, ap.RejectReason, ap.ReviewedBy, ap.Decided = AppRejected, d.reason, by, when.Add(5*time.Hour)
			ap.History = append(ap.History, AppEvent{Time: ap.Decided, By: by, Action: "rejected", Note: d.reason})
		}
		if err := applicationTable.Put(tx, ap); err != nil {
			return err
		}
	}
	return nil
}

// withUSCCCheck completes 17 characters of a credit code with its check
// character.
func withUSCCCheck(body string) string {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(usccAlphabet, body[i]) * usccWeights[i]
	}
	return body + string(usccCheckChar(sum))
}

// demoLicencePNG draws a plain stand-in for a licence scan: a bordered
// sheet with a red seal, so that the demo's "view licence" links open an
// image.
func demoLicencePNG() ([]byte, error) {
	const w, h = 420, 300
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	paper, border, seal := color.RGBA{250, 247, 235, 255}, color.RGBA{176, 141, 60, 255}, color.RGBA{200, 16, 46, 255}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := paper
			if x < 8 || y < 8 || x >= w-8 || y >= h-8 {
				c = border
			}
			dx, dy := x-330, y-210
			if d := dx*dx + dy*dy; d <= 45*45 && d >= 40*40 {
				c = seal
			}
			if y >= 40 && y < 46 && x >= 120 && x < 300 {
				c = color.RGBA{60, 60, 60, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	err := png.Encode(&buf, img)
	return buf.Bytes(), err
}
