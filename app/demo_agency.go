package app

import (
	"time"

	"anju/storage"
)

// demoAgencySpec is one filed agency of the demo.
type demoAgencySpec struct {
	Info AgencyInfo
	Head string // the head office's name, for a branch
}

// demoCoreAgencies are the agencies of the demo accounts (anju.admin,
// agent.zhang, leju.admin…). More agencies come from demoMoreAgencies.
var demoCoreAgencies = []demoAgencySpec{
	{Info: AgencyInfo{Name: "北京安居房地产经纪有限公司", USCC: "91110105MA01ANJU13", Type: AgencyTypeBroker,
		LegalRep: "刘洋", LegalRepIDType: "resident_id", LegalRepIDNo: "110105198203150017",
		Address: "北京市朝阳区建国路88号SOHO现代城A座1201", District: "110105",
		Contact: "刘洋", ContactMobile: "13611112222", Scope: "房地产经纪；住房租赁", Capital: 500,
		Premises: []Premises{
			{Name: "国贸门店", Address: "北京市朝阳区建国路88号SOHO现代城A座底商", District: "110105", Lng: 116.4700, Lat: 39.9080, HasCoords: true},
			{Name: "望京门店", Address: "北京市朝阳区望京街10号", District: "110105", Lng: 116.4810, Lat: 39.9960, HasCoords: true},
		}}},
	{Info: AgencyInfo{Name: "北京乐居住房租赁有限公司", USCC: "91110108MA01LEJU25", Type: AgencyTypeRental,
		LegalRep: "李娜", LegalRepIDType: "resident_id", LegalRepIDNo: "110108198507220028",
		Address: "北京市海淀区中关村大街27号", District: "110108",
		Contact: "李娜", ContactMobile: "13522223333", Scope: "住房租赁；物业管理", Capital: 1000,
		Premises: []Premises{
			{Name: "中关村服务中心", Address: "北京市海淀区中关村大街27号一层", District: "110108", Lng: 116.3160, Lat: 39.9840, HasCoords: true},
		}}},
}

// seedDemoAgency files an agency directly (the demo has no review to
// wait for); an agency of that name is left alone.
func (a *App) seedDemoAgency(tx *storage.Tx, spec demoAgencySpec, filed time.Time) (*Agency, error) {
	if ag, err := resolveAgency(tx, spec.Info.Name); err == nil && ag != nil {
		return ag, nil
	}
	info := spec.Info
	info.USCC = NormalizeUSCC(info.USCC)
	if spec.Head != "" {
		head, err := resolveAgency(tx, spec.Head)
		if err != nil {
			return nil, err
		}
		info.HeadOfficeID, info.HeadOfficeName = head.ID, head.Name
	}
	no, err := nextFilingNo(tx, info.District, filed)
	if err != nil {
		return nil, err
	}
	ag := &Agency{Status: AgencyFiled, FilingNo: no, AgencyInfo: info, Version: 1,
		Filed: filed, Created: filed, Updated: filed}
	if _, err := agencyTable.Insert(tx, ag); err != nil {
		return nil, err
	}
	return ag, a.audit(tx, SystemActor("demo"), "agency.file", "agency", ag.ID, ag.Name+" (demo)",
		auditNote("audit.note.demo", noteText(ag.Name)))
}
