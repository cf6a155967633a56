package ui_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"anju/app"
)

// TestDepositFlagStatesTheMonths: a deposit above the limit is flagged in
// the same words on the contract page and on the reviewer's filing page,
// and says how many months' rent it is.
func TestDepositFlagStatesTheMonths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Through the pages, not the newest hundred only: which demo leases
	// are newest moves with the day the demo is made.
	var c *app.Contract
	for p := 1; c == nil; p++ {
		page, err := e.app.SearchContracts(e.actor("reviewer"), app.ContractQuery{Page: p, Size: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if it.Terms.DepositFlag && it.FilingID != 0 {
				c = it
				break
			}
		}
		if p >= page.Pages {
			break
		}
	}
	if c == nil {
		t.Fatal("the demo has no applied-for contract with a flagged deposit")
	}
	months := c.Terms.DepositMonths()
	if m, err := strconv.ParseFloat(months, 64); err != nil || m <= 0 {
		t.Fatalf("deposit %d on rent %d: %q months", c.Terms.Deposit, c.Terms.Rent, months)
	}
	reviewer := e.signedIn("gov", "reviewer")
	for _, lang := range []string{"zh-CN", "en"} {
		want := msg(lang, "contracts.deposit_flag", months)
		wantText(t, wantOK(t, reviewer.get("/gov/contracts/"+strconv.FormatUint(c.ID, 10), "Accept-Language", lang)), want)
		wantText(t, wantOK(t, reviewer.get("/gov/filings/"+strconv.FormatUint(c.FilingID, 10), "Accept-Language", lang)), want)
	}
}

// TestLaterStepAddressGoesToTheCurrentStep: a draft's later step, opened
// by its address before the steps before it are saved, sends to the step
// the draft is at instead of showing that step under the later address.
func TestLaterStepAddressGoesToTheCurrentStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	agent := e.actor("agent.zhang")
	id := e.signDraft(agent, false)
	base := "/agency/contracts/" + strconv.FormatUint(id, 10)
	c := e.signedIn("agency", "agent.zhang")
	wantRedirect(t, c.get(base+"/step/6"), base+"/step/1")
	wantOK(t, c.get(base+"/step/1"))
	e.signTerms(agent, id)
	wantRedirect(t, c.get(base+"/step/6"), base+"/step/5")
	wantOK(t, c.get(base+"/step/3")) // an earlier step opens
}

// TestRevokeFormFromTheSigningDay: the revocation form of a lease signed
// today to start tomorrow says, lets the date picker choose and offers
// that it can end from today.
func TestRevokeFormFromTheSigningDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.actor("clerk")
	c, err := e.app.SignContract(clerk, e.signDraft(clerk, true))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Terms.Start.After(c.Signed) {
		t.Fatalf("set-up: the lease starts %v, signed %v", c.Terms.Start, c.Signed)
	}
	today := time.Now()
	r := wantOK(t, e.signedIn("gov", "clerk").get("/gov/contracts/"+strconv.FormatUint(c.ID, 10)+"/revoke"))
	wantText(t, r, zh("contracts.revoke_effective_hint", fmt.Sprintf("%d年%d月%d日", today.Year(), today.Month(), today.Day()),
		fmt.Sprintf("%d年%d月%d日", c.Terms.End.Year(), c.Terms.End.Month(), c.Terms.End.Day())),
		`min="`+today.Format(time.DateOnly)+`"`)
	// The date offered is today, not the start: the lease ends at once.
	if v, _ := inputValue(r, "effective"); v != today.Format(time.DateOnly) {
		t.Errorf("effective date offered %q, want today %s", v, today.Format(time.DateOnly))
	}
}

// TestPreviewStatesTheFilingDeadline: the line under 签约 tells the agent
// how long he has to apply for filing, and it is the parameter that sets
// the signed contract's due date, not the national default written in;
// the model text the parties sign says the same ({{备案期限}}).
func TestPreviewStatesTheFilingDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.setParams(app.ParamFilingDeadlineDays, "15")
	agent := e.actor("agent.zhang")
	id := e.signDraft(agent, true)
	c := e.signedIn("agency", "agent.zhang")
	base := "/agency/contracts/" + itoa(id)
	for _, lang := range []string{"zh-CN", "en"} {
		r := wantOK(t, c.get(base+"/step/6", "Accept-Language", lang))
		wantText(t, r, msg(lang, "contract.sign_hint", 15))
		wantNoText(t, r, msg(lang, "contract.sign_hint", 30))
	}
	// The model text the parties sign states the same deadline.
	wantText(t, c.get(base+"/step/6"), "请在签约后15日内办理备案", "应自签约之日起15日内向")
	wantNoText(t, c.get(base+"/step/6"), "三十日内")
	wantRedirect(t, c.post(base+"/sign", nil), base)
	wantText(t, c.get(base+"/print"), "应自签约之日起15日内向")
	signed, err := e.app.GetContract(agent, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := signed.Signed.AddDate(0, 0, 15); !signed.FilingDue.Equal(want) {
		t.Errorf("filing due %v, want %v (15 days after signing)", signed.FilingDue, want)
	}
}
