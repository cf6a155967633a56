package app

import (
	"slices"
	"strings"
)

// Role is a user's function. A user may hold several roles of one portal.
type Role string

const (
	RoleSysadmin    Role = "sysadmin"     // 系统管理员
	RoleClerk       Role = "clerk"        // 录入员
	RoleReviewer    Role = "reviewer"     // 审核员
	RoleViewer      Role = "viewer"       // 查询/领导
	RoleAgencyAdmin Role = "agency_admin" // 机构管理员
	RoleAgent       Role = "agent"        // 经纪人员
	// RolePlatform is held by listing platforms calling the API with a key;
	// it is never given to a user account.
	RolePlatform Role = "platform"
)

// GovRoles and AgencyRoles list the roles of each portal in display order.
var (
	GovRoles    = []Role{RoleSysadmin, RoleClerk, RoleReviewer, RoleViewer}
	AgencyRoles = []Role{RoleAgencyAdmin, RoleAgent}
)

// Portal is where a user signs in.
type Portal string

const (
	PortalGov    Portal = "gov"
	PortalAgency Portal = "agency"
)

// Portal returns the portal a role belongs to.
func (r Role) Portal() Portal {
	if slices.Contains(AgencyRoles, r) {
		return PortalAgency
	}
	return PortalGov
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return slices.Contains(GovRoles, r) || slices.Contains(AgencyRoles, r)
}

// Permission names one thing a user may do. The table below is the only
// place that says which role may do what; every use case checks it.
type Permission string

const (
	PermGovPortal    Permission = "portal.gov"
	PermAgencyPortal Permission = "portal.agency"
	PermUserManage   Permission = "user.manage"
	PermParamManage  Permission = "param.manage"
	PermDictManage   Permission = "dict.manage"
	PermAuditView    Permission = "audit.view"
	PermBackup       Permission = "backup.manage"
	PermStatusView   Permission = "status.view"
	PermPersonalData Permission = "personal.view_full" // see ID numbers and phones unmasked, within the jurisdiction (audited)
	PermVerify       Permission = "verification.create"
	PermVerifyList   Permission = "verification.list"
	PermVerifyRevoke Permission = "verification.revoke"
	PermRegistry     Permission = "registry.import"
	PermAPIKeys      Permission = "apikey.manage"

	// Agencies (机构备案), practitioners (从业主体) and premises (场所分布).
	PermAgencyView         Permission = "agency.view"         // filings of the jurisdiction; an agency its own (and branches')
	PermAgencyFile         Permission = "agency.file"         // enter a filing, a change or a cancellation at the counter
	PermAgencyReview       Permission = "agency.review"       // approve or reject filing applications
	PermAgencyApply        Permission = "agency.apply"        // an agency applies for a change, its cancellation or a branch
	PermAgencyStaff        Permission = "agency.staff"        // an agency's own staff accounts
	PermPractitionerView   Permission = "practitioner.view"   // practitioners of the jurisdiction or agency
	PermPractitionerManage Permission = "practitioner.manage" // add, edit, end employment
	PermPremisesMap        Permission = "premises.map"        // the distribution page

	// Contracts (合同网签) and their filing (合同备案).
	PermContractSign     Permission = "contract.sign"      // draft and sign a lease from a verification
	PermContractView     Permission = "contract.view"      // contracts of the jurisdiction; an agency those it brokered
	PermContractRevoke   Permission = "contract.revoke"    // 撤销 with both parties' agreement
	PermContractTemplate Permission = "contract.template"  // the model contract text 示范文本 and optional clauses
	PermBackEntry        Permission = "contract.backentry" // 合同补录 of paper contracts, one by one or in bulk
	PermFilingApply      Permission = "filing.apply"       // apply for a contract's filing
	PermFilingReview     Permission = "filing.review"      // approve or reject filings

	// Credit (信用管理, 记分标准), red/black lists (红黑名单) and disclosure (信息公示).
	PermCreditView   Permission = "credit.view"   // credit pages and records: the jurisdiction; an agency its own and its practitioners'
	PermCreditRules  Permission = "credit.rules"  // maintain the scoring standards 记分标准
	PermCreditApply  Permission = "credit.apply"  // file a scoring application 记分申请
	PermCreditReview Permission = "credit.review" // approve or reject applications, decide objections and repairs
	PermCreditObject Permission = "credit.object" // an agency objects to a record 异议申诉 or applies for repair 信用修复
	PermListView     Permission = "list.view"     // the red/black list pages of the portal
	PermListPropose  Permission = "list.propose"  // propose an entry by hand (reviewed)
	PermListRevoke   Permission = "list.revoke"   // 注销 an active entry, with a reason
	PermListReview   Permission = "list.review"   // approve or reject proposed entries
	PermAnnounce     Permission = "announce"      // publish and withdraw announcements 公告
)

var permissions = map[Permission][]Role{
	PermGovPortal:    GovRoles,
	PermAgencyPortal: AgencyRoles,
	PermUserManage:   {RoleSysadmin},
	PermParamManage:  {RoleSysadmin},
	PermDictManage:   {RoleSysadmin},
	PermAuditView:    {RoleSysadmin},
	PermBackup:       {RoleSysadmin},
	PermStatusView:   {RoleSysadmin},
	// Clerks check parties and practitioners against their papers at the
	// counter, reviewers against the uploaded ID copies: both may open a
	// number in full within their jurisdiction, and every such view is
	// audited. A viewer (leader) reads masked numbers only.
	PermPersonalData: {RoleSysadmin, RoleClerk, RoleReviewer},
	PermVerify:       {RoleClerk, RoleAgencyAdmin, RoleAgent, RolePlatform},
	PermVerifyList:   {RoleClerk, RoleReviewer, RoleViewer, RoleAgencyAdmin, RoleAgent},
	PermVerifyRevoke: {RoleClerk},
	PermRegistry:     {RoleSysadmin},
	PermAPIKeys:      {RoleSysadmin},

	PermAgencyView:         {RoleSysadmin, RoleClerk, RoleReviewer, RoleViewer, RoleAgencyAdmin},
	PermAgencyFile:         {RoleClerk},
	PermAgencyReview:       {RoleReviewer},
	PermAgencyApply:        {RoleAgencyAdmin},
	PermAgencyStaff:        {RoleAgencyAdmin},
	PermPractitionerView:   {RoleSysadmin, RoleClerk, RoleReviewer, RoleViewer, RoleAgencyAdmin},
	PermPractitionerManage: {RoleClerk, RoleAgencyAdmin},
	PermPremisesMap:        {RoleSysadmin, RoleClerk, RoleReviewer, RoleViewer},

	PermContractSign:     {RoleClerk, RoleAgencyAdmin, RoleAgent},
	PermContractView:     {RoleSysadmin, RoleClerk, RoleReviewer, RoleViewer, RoleAgencyAdmin, RoleAgent},
	PermContractRevoke:   {RoleClerk, RoleAgencyAdmin, RoleAgent},
	PermContractTemplate: {RoleSysadmin},
	PermBackEntry:        {RoleClerk, RoleAgencyAdmin, RoleAgent},
	PermFilingApply:      {RoleClerk, RoleAgencyAdmin, RoleAgent},
	PermFilingReview:     {RoleReviewer},

	PermCreditView:   {RoleSysadmin, RoleClerk, RoleReviewer, RoleViewer, RoleAgencyAdmin, RoleAgent},
	PermCreditRules:  {RoleSysadmin},
	PermCreditApply:  {RoleClerk},
	PermCreditReview: {RoleReviewer},
	PermCreditObject: {RoleAgencyAdmin},
	PermListView:     {RoleSysadmin, RoleClerk, RoleReviewer, RoleViewer},
	PermListPropose:  {RoleClerk},
	PermListRevoke:   {RoleClerk, RoleReviewer},
	PermListReview:   {RoleReviewer},
	PermAnnounce:     {RoleClerk},
}

// cityWidePerms act on the whole installation (its settings, dictionaries,
// backups of every record, the audit log of every district, API keys that
// reach any district, the registry, the model contract, the scoring
// standards): a sysadmin limited to one district holds none of them, only
// the management of his district's staff. His jurisdiction would otherwise
// bound his user list and nothing else: he read the whole city's audit log,
// downloaded every district's data and issued city-wide API keys.
var cityWidePerms = []Permission{PermParamManage, PermDictManage, PermAuditView, PermBackup, PermStatusView,
	PermRegistry, PermAPIKeys, PermContractTemplate, PermCreditRules}

// RolesWith returns the roles that hold p (for documentation and tests).
func RolesWith(p Permission) []Role { return slices.Clone(permissions[p]) }

// Actor is whoever performs a use case: a signed-in user, or the system
// itself (CLI commands, schedules). It is built by the UI from the session.
type Actor struct {
	UserID     uint64
	Username   string
	Name       string
	Roles      []Role
	District   string // jurisdiction: "" is the whole city, else a district code
	AgencyID   uint64
	AgencyName string
	APIKeyID   uint64 // a listing platform calling the API
	Lang       string
	IP         string
	RequestID  string
	SessionID  uint64
	System     bool // CLI or scheduled job: every permission
}

// SystemActor is used by CLI commands and scheduled jobs.
func SystemActor(what string) Actor {
	return Actor{Username: "system:" + what, System: true}
}

// SystemJob tells whether username, as a record keeps who acted, is the
// system's rather than a person's, and which job it was: SystemActor's
// what ("credit", "cli import-registry"), or "" for the bare "system"
// that some records carry (a practitioner's employment ended with his
// agency's filing, a seeded scoring rule). Pages name the system in words
// from it, never by the internal name.
func SystemJob(username string) (job string, ok bool) {
	if username == "system" {
		return "", true
	}
	return strings.CutPrefix(username, "system:")
}

// Records keep a listing platform calling the API as "api:<key name>" and
// someone without an account acting on the public portal (a self-applying
// agency's applicant, a lease party confirming) as "public:<masked phone
// or name>"; pages name them in words from these, never by the prefix.
const (
	PlatformPrefix = "api:"
	PublicPrefix   = "public:"
)

// PlatformName tells whether username is a listing platform's, and which
// (its API key's name).
func PlatformName(username string) (name string, ok bool) {
	return strings.CutPrefix(username, PlatformPrefix)
}

// PublicWho tells whether username is someone's on the public portal, and
// what records keep of him: a masked phone or name.
func PublicWho(username string) (who string, ok bool) {
	return strings.CutPrefix(username, PublicPrefix)
}

// Can reports whether the actor holds permission p.
func (a Actor) Can(p Permission) bool {
	if a.System {
		return true
	}
	if a.District != "" && slices.Contains(cityWidePerms, p) {
		return false
	}
	return a.hasRoleFor(p)
}

// NeedsCityWide reports whether the actor's roles grant p but his
// jurisdiction, one district, does not (the reason to show him).
func (a Actor) NeedsCityWide(p Permission) bool {
	return !a.System && a.District != "" && slices.Contains(cityWidePerms, p) && a.hasRoleFor(p)
}

func (a Actor) hasRoleFor(p Permission) bool {
	for _, r := range permissions[p] {
		if slices.Contains(a.Roles, r) {
			return true
		}
	}
	return false
}

// HasRole reports whether the actor holds role r.
func (a Actor) HasRole(r Role) bool { return slices.Contains(a.Roles, r) }

// require returns EFORBIDDEN unless the actor holds p.
func (a Actor) require(p Permission) error {
	if a.Can(p) {
		return nil
	}
	if a.NeedsCityWide(p) {
		return Errorf(EFORBIDDEN, "error.city_wide_only")
	}
	return Errorf(EFORBIDDEN, "error.forbidden")
}

// InJurisdiction reports whether a record of district d is within the
// actor's jurisdiction (city-wide actors see every district).
func (a Actor) InJurisdiction(d string) bool {
	return a.System || a.District == "" || a.District == d
}
