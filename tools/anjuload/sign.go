package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"anju/app"
)

// Online signing through HTTP (issue 5: ≥ 500 contracts/s with durable
// commits). signprep fills a stopped data folder with the demo and N drafts
// of the demo clerk that are ready to sign (each from its own verification
// of its own property, every step filled, the required documents
// attached); sign then has C clients, each signed in as the clerk, press
// the preview's 签约 button (POST /gov/contracts/{id}/sign) for the drafts
// in turn, against `anju serve` on that folder:
//
//	go run ./tools/anjuload signprep -data /tmp/bench-sign -n 20000
//	anju serve --data /tmp/bench-sign --addr 127.0.0.1:0 &
//	go run ./tools/anjuload sign -data /tmp/bench-sign -c 32 -d 20s
//
// A signing answers 303 (to the signed contract); anything else is counted
// by status. The drafts' IDs are kept in DIR/sign-drafts.txt.

const signDraftsFile = "sign-drafts.txt"

func runSignPrep(args []string) error {
	fs := flag.NewFlagSet("signprep", flag.ExitOnError)
	data := fs.String("data", "", "data folder to create (platform stopped)")
	n := fs.Int("n", 20000, "drafts ready to sign")
	workers := fs.Int("w", 8, "parallel verifications (they share group commits)")
	_ = fs.Parse(args)
	if *data == "" {
		return fmt.Errorf("give -data")
	}
	start := time.Now()
	a, err := app.Open(app.Config{DataDir: *data, Version: "anjuload"})
	if err != nil {
		return err
	}
	defer a.Close()
	if _, _, err := a.BootstrapAdmin(); err != nil {
		return err
	}
	if _, err := a.LoadDemo(); err != nil {
		return err
	}
	lr, err := a.Login(app.PortalGov, "clerk", app.DemoPassword, "127.0.0.1", "anjuload", "signprep")
	if err != nil {
		return err
	}
	clerk := lr.Actor
	sys := app.SystemActor("anjuload")

	// N clear properties of Chaoyang, one owner each, through the registry
	// import.
	var csv bytes.Buffer
	csv.WriteString("区县代码,证书类型,不动产权证号,权利人,权利人证件类型,权利人证件号码,房屋坐落,建筑面积,规划用途\n")
	certNo := func(i int) string { return fmt.Sprintf("京(2026)朝阳区不动产权第9%06d号", i) }
	// The registered building area, which a whole rental must give.
	area := func(i int) int { return 60 + i%50 }
	owner := func(i int) (string, string) {
		d17 := fmt.Sprintf("110105198%01d%02d%02d%03d", i%10, 1+i%12, 1+i%28, i%1000)
		return "签约测试业主" + strconv.Itoa(i%97), d17 + string(idCheck(d17))
	}
	for i := range *n {
		name, id := owner(i)
		fmt.Fprintf(&csv, "110105,01,%s,%s,居民身份证,%s,北京市朝阳区签约测试路%d号院%d号楼%d,%d,住宅\n", certNo(i), name, id, 1+i/1000, 1+i%20, 101+i%900, area(i))
	}
	if _, err := a.ImportRegistry(sys, &csv, "signprep.csv", nil); err != nil {
		return err
	}
	fmt.Printf("registry: %d properties in %s\n", *n, time.Since(start).Round(time.Millisecond))

	day := time.Now().AddDate(0, 0, 7)
	form := func(i int) app.ContractForm {
		name, id := owner(i)
		return app.ContractForm{Start: day.Format(time.DateOnly), End: day.AddDate(1, 0, -1).Format(time.DateOnly),
			Rent: "5600", PaymentCycle: "quarterly", PaymentMethod: "transfer", Deposit: "5600", Purpose: "residential", Utilities: "lessee",
			Parties: []app.PartyForm{
				{Role: app.PartyLessor, Kind: app.PartyPerson, Name: name, IDType: "resident_id", IDNo: id},
				{Role: app.PartyLessee, Kind: app.PartyPerson, Name: "签约测试租客", IDType: "resident_id", IDNo: "110108199003070024", Phone: "13900002222"},
			}}
	}
	verify := func(i int) (*app.Verification, error) {
		name, id := owner(i)
		res, err := a.Verify(clerk, app.VerifyInput{District: "110105", CertType: "01", CertNo: certNo(i),
			Owners:  []app.OwnerInput{{Name: name, IDType: "resident_id", IDNo: id}},
			Address: "北京市朝阳区签约测试路", Area: strconv.Itoa(area(i)), Rooms: "2", Halls: "1", Baths: "1", Rent: "5600", Mode: "whole"})
		return res.Verification, err
	}
	// The first draft through the steps, with its documents; the others
	// are the same draft stored directly (SeedContract), sharing its
	// documents' attachments.
	v0, err := verify(0)
	if err != nil {
		return err
	}
	c0, err := a.StartContract(clerk, v0.Code)
	if err != nil {
		return err
	}
	for step := app.CStepTerms; step <= app.CStepAgreed; step++ {
		if c0, err = a.SaveContractStep(clerk, c0.ID, step, form(0), true); err != nil {
			return fmt.Errorf("step %d: %w", step, err)
		}
	}
	pdf := []byte("%PDF-1.4\n% anjuload scan\n")
	for _, kind := range c0.DocsRequired() {
		if c0, err = a.AttachContractDoc(clerk, c0.ID, kind, kind+".pdf", pdf); err != nil {
			return err
		}
	}
	ids := make([]uint64, *n)
	ids[0] = c0.ID
	var next atomic.Int64
	next.Store(1)
	var wg sync.WaitGroup
	errs := make(chan error, *workers)
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= *n {
					return
				}
				v, err := verify(i)
				if err != nil {
					errs <- fmt.Errorf("verify %d: %w", i, err)
					return
				}
				c := *c0
				c.ID, c.VerificationID, c.VerificationCode = 0, v.ID, v.Code
				c.PropertyID, c.CertNo, c.Listing, c.Form = v.PropertyID, v.CertNo, v.Listing, form(i)
				c.History = nil
				d, err := a.SeedContract(sys, &c)
				if err != nil {
					errs <- fmt.Errorf("draft %d: %w", i, err)
					return
				}
				ids[i] = d.ID
				if i%2000 == 0 {
					fmt.Printf("  %d drafts (%s)\n", i, time.Since(start).Round(time.Second))
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	var out strings.Builder
	for _, id := range ids {
		out.WriteString(strconv.FormatUint(id, 10) + "\n")
	}
	if err := os.WriteFile(filepath.Join(*data, signDraftsFile), []byte(out.String()), 0o600); err != nil {
		return err
	}
	fmt.Printf("%d drafts ready to sign in %s\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// idCheck is the resident ID's check character (ISO 7064 MOD 11-2).
func idCheck(d17 string) byte {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(d17[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11]
}

func runSign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ExitOnError)
	base := fs.String("url", "", "platform address (default: from DIR/anju.control)")
	data := fs.String("data", "", "data folder of the running platform, prepared by signprep")
	c := fs.Int("c", 32, "concurrent clients (each signed in)")
	d := fs.Duration("d", 20*time.Second, "duration (ends earlier when the drafts run out)")
	user := fs.String("user", "clerk", "user name")
	pass := fs.String("pass", app.DemoPassword, "password")
	pid := fs.Int("pid", 0, "server process for CPU time (default from anju.control)")
	_ = fs.Parse(args)
	if *data == "" {
		return fmt.Errorf("give -data")
	}
	u, p, err := readControl(*data)
	if err != nil {
		return err
	}
	if *base == "" {
		*base = u
	}
	if *pid == 0 {
		*pid = p
	}
	raw, err := os.ReadFile(filepath.Join(*data, signDraftsFile))
	if err != nil {
		return err
	}
	var ids []string
	for _, s := range strings.Fields(string(raw)) {
		ids = append(ids, s)
	}
	// One signed-in client per worker (sign-in is rate-limited per IP: the
	// clients sign in one after the other before the load).
	clients := make([]*http.Client, *c)
	tr := &http.Transport{MaxIdleConnsPerHost: *c}
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := clients[i].PostForm(*base+"/gov/login", url.Values{"username": {*user}, "password": {*pass}})
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("sign-in %d: status %d", i, resp.StatusCode)
		}
	}
	var next atomic.Int64
	fmt.Printf("POST %s/gov/contracts/{id}/sign  c=%d  d=%s  drafts=%d  load %s\n", *base, *c, *d, len(ids), loadAvg())
	res := runLoad(*c, *d, 0, *pid, func(n uint64) (int, error) {
		i := next.Add(1) - 1
		if int(i) >= len(ids) {
			return 0, fmt.Errorf("out of drafts")
		}
		cl := clients[n%uint64(len(clients))]
		req, _ := http.NewRequest(http.MethodPost, *base+"/gov/contracts/"+ids[i]+"/sign", nil)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return doDiscard(cl, req)
	})
	res.report("sign (POST the preview's 签约)", http.StatusSeeOther, false)
	fmt.Printf("load average after: %s\n", loadAvg())
	return nil
}
