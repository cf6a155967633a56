package ui_test

import (
	"testing"

	"anju/app"
)

// TestPublicCheckEveryState: the public check page of a code in each state
// says the state and what it means, shows the listing with the owners
// masked, and, for a code voided by the registry, why; in both languages.
func TestPublicCheckEveryState(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, state := range publicCheckStates {
		v := demoVerification(t, e, state)
		for _, lang := range []string{"zh-CN", "en"} {
			r := e.client().get("/v/"+v.Code, "Accept-Language", lang)
			wantStatus(t, r, 200)
			district, ok, err := e.app.DictLabel(app.DictDistrict, v.District, lang)
			if err != nil || !ok {
				t.Fatalf("district %s: %v %v", v.District, ok, err)
			}
			wantText(t, r, msg(lang, "verify.public_state."+state), msg(lang, "verify.public_help."+state),
				app.FormatVerificationCode(v.Code), district, v.Listing.Address,
				msg(lang, "verify.layout_value", v.Listing.Rooms, v.Listing.Halls, v.Listing.Baths),
				msg(lang, "verify.mode_"+v.Listing.Mode))
			for _, o := range v.Owners {
				wantText(t, r, app.MaskName(o.Name))
				wantNoText(t, r, o.Name)
			}
			if state == "voided" {
				wantText(t, r, msg(lang, v.EndReason))
			}
		}
	}
}

// publicCheckStates are the states a code's public check page shows.
var publicCheckStates = []string{"valid", "expired", "used", "revoked", "voided"}

// demoVerification returns one of the demo's verifications in state.
func demoVerification(t *testing.T, e *env, state string) *app.Verification {
	t.Helper()
	viewer := app.Actor{Username: "test", Roles: []app.Role{app.RoleViewer}}
	res, err := e.app.SearchVerifications(viewer, app.VerificationQuery{Status: state, Page: 1, Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) == 0 {
		t.Fatalf("the demo has no %s verification", state)
	}
	return res.Items[0]
}
