package app

import (
	"strings"
	"time"

	"anju/storage"
)

// Kinds of filing application.
const (
	AppNew    = "new"    // 备案: a new agency or branch
	AppChange = "change" // 变更
	AppCancel = "cancel" // 注销
)

// Application statuses.
const (
	AppDraft     = "draft"     // being typed; saved step by step
	AppPending   = "pending"   // submitted, awaiting review
	AppRejected  = "rejected"  // returned with a reason; may be edited and resubmitted
	AppApproved  = "approved"  // done: the agency record changed
	AppWithdrawn = "withdrawn" // given up by the applicant
)

// Application sources: who typed it.
const (
	SourceGov    = "gov"    // a clerk at the counter
	SourceAgency = "agency" // an agency admin in the agency portal
	SourcePublic = "public" // an agency applying itself on the public portal
)

// Person is who did something, as shown in histories.
type Person struct {
	UserID   uint64 `json:"user_id,omitempty"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
}

func personOf(actor Actor) Person {
	return Person{UserID: actor.UserID, Username: actor.Username, Name: actor.Name}
}

// AppEvent is one line of an application's history.
type AppEvent struct {
	Time   time.Time `json:"time"`
	By     Person    `json:"by"`
	Action string    `json:"action"` // saved, submitted, rejected, resubmitted, approved, withdrawn
	Note   string    `json:"note,omitempty"`
}

// AgencyApplication is a filing, change or cancellation on its way through
// review. Approved applications of an agency, in order, are its versions.
type AgencyApplication struct {
	ID       uint64     `json:"id"`
	No       string     `json:"no"` // 申请编号, e.g. SQ2026000123
	Kind     string     `json:"kind"`
	Status   string     `json:"status"`
	AgencyID uint64     `json:"agency_id,omitempty"` // the agency changed or cancelled; set on approval for new
	Form     AgencyForm `json:"form"`                // as typed, step by step
	Info     AgencyInfo `json:"info"`                // proposed information, parsed from Form on submit
	Reason   string     `json:"reason,omitempty"`    // why the change or cancellation
	Step     int        `json:"step"`                // furthest form step that may be opened (the ones before are saved)
	Source   string     `json:"source"`
	// SubmittedBy is who entered it; for a public application the name
	// typed as the contact.
	SubmittedBy     Person     `json:"submitted_by"`
	ApplicantAgency uint64     `json:"applicant_agency,omitempty"` // the agency whose admin applied
	ApplicantMobile string     `json:"applicant_mobile,omitempty"` // public: for follow-up
	TokenHash       string     `json:"token_hash,omitempty"`       // public: the applicant's link
	RejectReason    string     `json:"reject_reason,omitempty"`
	ReviewedBy      Person     `json:"reviewed_by,omitzero"`
	Created         time.Time  `json:"created"`
	Submitted       time.Time  `json:"submitted,omitzero"`
	Decided         time.Time  `json:"decided,omitzero"`
	Version         int        `json:"version,omitempty"` // the agency version this approval made
	History         []AppEvent `json:"history"`
	// Credential is the new agency admin's initial password, kept sealed
	// only until the person who entered the filing has printed the slip.
	Credential *Credential `json:"credential,omitempty"`
}

// Credential is an account notice (账号开通通知书) waiting to be printed.
type Credential struct {
	Username string    `json:"username"`
	Sealed   []byte    `json:"sealed,omitempty"` // the password, AES-GCM sealed; emptied once shown
	Shown    time.Time `json:"shown,omitzero"`
}

var applicationTable = storage.NewTable(storage.TableOptions[AgencyApplication]{
	Name:  "agency_applications",
	ID:    func(a *AgencyApplication) uint64 { return a.ID },
	SetID: func(a *AgencyApplication, id uint64) { a.ID = id },
	Indexes: []storage.Index[AgencyApplication]{
		{Name: "status", Keys: func(a *AgencyApplication) [][]byte { return [][]byte{[]byte(a.Status)} }},
		{Name: "agency", Keys: func(a *AgencyApplication) [][]byte {
			if a.AgencyID == 0 {
				return nil
			}
			return [][]byte{storage.U64(a.AgencyID)}
		}},
		{Name: "no", Unique: true, Keys: func(a *AgencyApplication) [][]byte { return [][]byte{[]byte(a.No)} }},
		{Name: "token", Unique: true, Keys: func(a *AgencyApplication) [][]byte {
			if a.TokenHash == "" {
				return nil
			}
			return [][]byte{[]byte(a.TokenHash)}
		}},
		// A credit code may be in one open new filing at a time.
		{Name: "uscc_open", Unique: true, Keys: func(a *AgencyApplication) [][]byte {
			if a.Kind != AppNew || a.Info.USCC == "" || (a.Status != AppPending && a.Status != AppRejected) {
				return nil
			}
			return [][]byte{[]byte(a.Info.USCC)}
		}},
		{Name: "submitter", Keys: func(a *AgencyApplication) [][]byte {
			if a.SubmittedBy.UserID == 0 {
				return nil
			}
			return [][]byte{storage.U64(a.SubmittedBy.UserID)}
		}},
	},
})

// District is the district the application belongs to (for jurisdiction).
func (ap *AgencyApplication) District() string {
	if ap.Info.District != "" {
		return ap.Info.District
	}
	return ap.Form.District
}

// Open reports whether the application still waits for someone.
func (ap *AgencyApplication) Open() bool {
	return ap.Status == AppDraft || ap.Status == AppPending || ap.Status == AppRejected
}

func normalizeAppNo(s string) string { return strings.ToUpper(strings.TrimSpace(HalfWidth(s))) }
