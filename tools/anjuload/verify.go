package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// csvProperty is a property of a registry CSV written by gencsv (or any
// file with the template's Chinese header), as a verification needs it.
type csvProperty struct {
	district, certNo, address, area string
	owners                          [][2]string // name, ID number
	barred                          bool        // restricted or not residential: would be refused
}

// readCSVProperties reads the properties of part/parts of the file (by a
// hash of the certificate number, so that the parts are disjoint) that a
// verification would pass, shuffled with seed.
func readCSVProperties(path string, part, parts int, seed uint64) ([]*csvProperty, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, 0, err
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimPrefix(h, "\ufeff")] = i
	}
	need := []string{"区县代码", "不动产权证号", "权利人", "权利人证件号码", "房屋坐落", "建筑面积", "规划用途", "查封", "异议", "注销", "限制交易"}
	for _, n := range need {
		if _, ok := col[n]; !ok {
			return nil, 0, fmt.Errorf("%s: no column %s", path, n)
		}
	}
	byCert := map[string]*csvProperty{}
	var order []*csvProperty
	rows := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
		rows++
		cert := rec[col["不动产权证号"]]
		h := fnv.New32a()
		h.Write([]byte(cert))
		if int(h.Sum32()%uint32(parts)) != part {
			continue
		}
		key := rec[col["区县代码"]] + "/" + cert
		p := byCert[key]
		if p == nil {
			p = &csvProperty{district: rec[col["区县代码"]], certNo: cert, address: rec[col["房屋坐落"]], area: rec[col["建筑面积"]]}
			byCert[key] = p
			order = append(order, p)
		}
		p.owners = append(p.owners, [2]string{rec[col["权利人"]], rec[col["权利人证件号码"]]})
		for _, fl := range []string{"查封", "异议", "注销", "限制交易"} {
			if v := rec[col[fl]]; v == "是" || v == "1" || strings.EqualFold(v, "Y") || strings.EqualFold(v, "true") {
				p.barred = true
			}
		}
		if !strings.Contains(rec[col["规划用途"]], "住宅") {
			p.barred = true
		}
	}
	out := order[:0]
	for _, p := range order {
		if !p.barred {
			out = append(out, p)
		}
	}
	r := rand.New(rand.NewPCG(seed, 7))
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, rows, nil
}

type verifyOwner struct {
	Name   string `json:"owner_name"`
	IDType string `json:"owner_id_type"`
	IDNo   string `json:"owner_id_no"`
}

type verifyBody struct {
	District    string        `json:"district"`
	CertType    string        `json:"cert_type"`
	CertNo      string        `json:"cert_no"`
	OwnerName   string        `json:"owner_name"`
	OwnerIDType string        `json:"owner_id_type"`
	OwnerIDNo   string        `json:"owner_id_no"`
	CoOwners    []verifyOwner `json:"co_owners,omitempty"`
	Listing     struct {
		Address string         `json:"address"`
		Room    string         `json:"room,omitempty"`
		Area    json.Number    `json:"area"`
		Layout  map[string]int `json:"layout"`
		Rent    int            `json:"rent"`
		Mode    string         `json:"mode"`
	} `json:"listing"`
}

// verifyRequestBody is the JSON of a valid verification of p: every owner,
// a whole rental with a plausible layout and rent.
func verifyRequestBody(p *csvProperty, n uint64) []byte {
	var b verifyBody
	b.District, b.CertType, b.CertNo = p.district, "01", p.certNo
	b.OwnerName, b.OwnerIDType, b.OwnerIDNo = p.owners[0][0], "resident_id", p.owners[0][1]
	for _, o := range p.owners[1:] {
		b.CoOwners = append(b.CoOwners, verifyOwner{o[0], "resident_id", o[1]})
	}
	b.Listing.Address, b.Listing.Area, b.Listing.Mode = p.address, json.Number(p.area), "whole"
	b.Listing.Layout = map[string]int{"rooms": 1 + int(n%3), "halls": 1, "baths": 1}
	b.Listing.Rent = 3000 + int(n%90)*100
	out, _ := json.Marshal(&b)
	return out
}

// runVerify sends POST /api/v1/verifications for distinct properties of
// the registry CSV from C clients for D, and writes the codes issued.
func runVerify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	base := fs.String("url", "", "platform address (default: from DIR/anju.control)")
	data := fs.String("data", "", "data folder of the running platform (address and process from anju.control)")
	keys := fs.String("key", "", "API key(s), comma-separated; requests take them in turn (each key has its own rate limit)")
	keyFile := fs.String("keyfile", "", "file with API keys, one per line (instead of -key)")
	csvPath := fs.String("csv", "", "registry CSV written by gencsv (the properties to verify)")
	partS := fs.String("part", "0/1", "use part i of k of the properties (i/k, by certificate number): runs with other parts verify other properties")
	seed := fs.Uint64("seed", 1, "shuffle seed")
	c := fs.Int("c", 32, "concurrent clients")
	d := fs.Duration("d", 30*time.Second, "duration")
	warmup := fs.Duration("warmup", 2*time.Second, "requests sent first and not counted")
	codesOut := fs.String("codes", "", "append the issued codes to this file")
	base0 := fs.Bool("baseline", true, "first run the same load against a bare net/http handler (anjuload hello) and give the ratio")
	timeline := fs.Bool("timeline", false, "print every second")
	rate := fs.Float64("rate", 0, "open load: send this many requests per second (at most c at a time), latency counted from when each was due; 0: closed load, every client sends again at once")
	pid := fs.Int("pid", 0, "server process for CPU time (default from anju.control)")
	idem := fs.Bool("idem", false, "send an Idempotency-Key on every request (unique per request), as a platform that retries safely does")
	clientKind := clientFlag(fs)
	_ = fs.Parse(args)
	// idemHeader is request n's Idempotency-Key, unique across runs.
	idemPrefix := fmt.Sprintf("anjuload-%x-", time.Now().UnixNano())
	idemHeader := func(n uint64) string {
		if !*idem {
			return ""
		}
		return idemPrefix + strconv.FormatUint(n, 10)
	}
	if *data != "" {
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
	}
	var keyList []string
	if *keyFile != "" {
		b, err := os.ReadFile(*keyFile)
		if err != nil {
			return err
		}
		*keys = strings.Join(strings.Fields(string(b)), ",")
	}
	for k := range strings.SplitSeq(*keys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			keyList = append(keyList, k)
		}
	}
	if *base == "" || len(keyList) == 0 || *csvPath == "" {
		return fmt.Errorf("give -data (or -url), -key (or -keyfile) and -csv")
	}
	var part, parts int
	if _, err := fmt.Sscanf(*partS, "%d/%d", &part, &parts); err != nil || parts < 1 || part < 0 || part >= parts {
		return fmt.Errorf("-part: want i/k with 0 <= i < k, got %q", *partS)
	}
	t0 := time.Now()
	props, rows, err := readCSVProperties(*csvPath, part, parts, *seed)
	if err != nil {
		return err
	}
	fmt.Printf("read %s: %d rows, %d verifiable properties in part %d/%d (%s)\n", *csvPath, rows, len(props), part, parts, time.Since(t0).Round(time.Millisecond))
	if len(props) == 0 {
		return fmt.Errorf("no verifiable property")
	}

	var send func(url string, n uint64, key string, body []byte, keep func([]byte)) (int, error)
	switch *clientKind {
	case "raw":
		clients := newRawClients(*c)
		send = func(u string, n uint64, key string, body []byte, keep func([]byte)) (int, error) {
			rc, path, err := clients.to(u)
			if err != nil {
				return 0, err
			}
			hdr := []string{"Content-Type: application/json", "Authorization: Bearer " + key, "User-Agent: anjuload"}
			if k := idemHeader(n); k != "" {
				hdr = append(hdr, "Idempotency-Key: "+k)
			}
			status, out, err := rc.do("POST", path, hdr, body, keep != nil)
			if err == nil && status == http.StatusCreated && keep != nil {
				keep(out)
			}
			return status, err
		}
	case "nethttp":
		send = netHTTPSend(newLoadClient(*c), idemHeader)
	default:
		return fmt.Errorf("-client %q: raw or nethttp", *clientKind)
	}

	fmt.Printf("POST %s/api/v1/verifications  c=%d  d=%s  keys=%d\n", *base, *c, *d, len(keyList))
	var hello loadResult
	if *base0 {
		hello, err = baseline(*c, *d, func(url string, n uint64) (int, error) {
			return send(url+"/api/v1/verifications", n, keyList[n%uint64(len(keyList))], verifyRequestBody(props[n%uint64(len(props))], n), nil)
		})
		if err != nil {
			return err
		}
		hello.report("bare net/http handler (same requests)", http.StatusCreated, false)
	}

	var (
		mu    sync.Mutex
		codes []string
	)
	var wrapped atomic.Bool
	res := runLoadRate(*c, *rate, *d, *warmup, *pid, func(n uint64) (int, error) {
		if n >= uint64(len(props)) {
			wrapped.Store(true)
		}
		p := props[n%uint64(len(props))]
		return send(*base+"/api/v1/verifications", n, keyList[n%uint64(len(keyList))], verifyRequestBody(p, n), func(body []byte) {
			var v struct {
				Code string `json:"code"`
			}
			if json.Unmarshal(body, &v) == nil && v.Code != "" {
				mu.Lock()
				codes = append(codes, v.Code)
				mu.Unlock()
			}
		})
	})
	res.report("anju POST /api/v1/verifications", http.StatusCreated, *timeline)
	if wrapped.Load() {
		fmt.Println("  note: more requests than properties in this part; some properties were verified twice")
	}
	if *base0 && hello.rate() > 0 {
		fmt.Printf("ratio to the bare handler: %.3f (%.0f / %.0f answers/s); 201s/s: %.0f\n", res.rate()/hello.rate(), res.rate(), hello.rate(),
			float64(res.count(http.StatusCreated))/res.elapsed.Seconds())
	}
	if *codesOut != "" && len(codes) > 0 {
		f, err := os.OpenFile(*codesOut, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		for _, code := range codes {
			w.WriteString(code + "\n")
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Printf("%d codes appended to %s\n", len(codes), *codesOut)
	}
	return nil
}

// netHTTPSend posts through Go's net/http client (-client nethttp).
func netHTTPSend(client *http.Client, idemHeader func(n uint64) string) func(url string, n uint64, key string, body []byte, keep func([]byte)) (int, error) {
	return func(url string, n uint64, key string, body []byte, keep func([]byte)) (int, error) {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("User-Agent", "anjuload")
		if k := idemHeader(n); k != "" {
			req.Header.Set("Idempotency-Key", k)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode == http.StatusCreated && keep != nil {
			keep(out)
		}
		return resp.StatusCode, nil
	}
}
