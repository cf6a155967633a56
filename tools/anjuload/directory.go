package main

import (
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// runDirectory loads the public agency directory (issue 4: ≥ 2,000 pages/s
// with 10,000 agencies and 200,000 practitioners) from C clients for D,
// against a platform serving a data folder filled by the app benchmark:
//
//	ANJU_BENCH_DIR=/tmp/bench-dir go test -run '^$' -bench DirectorySearch -benchtime 1x ./app/
//	anju serve --data /tmp/bench-dir --addr 127.0.0.1:8090 &
//	go run ./tools/anjuload directory -data /tmp/bench-dir -c 32 -d 20s
//
// -mix says which pages, in turn: "q" a search of one or two Chinese
// characters (/agencies?q=安), "list" a page of the unfiltered list with a
// type or district filter, "agency" an agency's page (/agencies/{id},
// ids 1..-ids). The pages are public: no session is needed. Searches and
// list pages have no rate limit; an agency's page takes one of the client
// address's browsing allowance (public.browse_rate_per_minute, default 120
// a minute), so before a run with "agency" lift it:
//
//	anjuload params -data DIR public.browse_rate_per_minute=100000
func runDirectory(args []string) error {
	fs := flag.NewFlagSet("directory", flag.ExitOnError)
	base := fs.String("url", "", "platform address (default: from DIR/anju.control)")
	data := fs.String("data", "", "data folder of the running platform (address and process from anju.control)")
	c := fs.Int("c", 32, "concurrent clients")
	d := fs.Duration("d", 20*time.Second, "duration")
	warmup := fs.Duration("warmup", time.Second, "requests sent first and not counted")
	mix := fs.String("mix", "q,list,agency", "pages in turn: q, list, agency")
	ids := fs.Int("ids", 10000, "agency pages: IDs 1..ids")
	base0 := fs.Bool("baseline", true, "first run the same load against a bare net/http handler (anjuload hello) and give the ratio")
	pid := fs.Int("pid", 0, "server process for CPU time (default from anju.control)")
	_ = fs.Parse(args)
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
	if *base == "" {
		return fmt.Errorf("give -data (or -url)")
	}
	words := []string{"安", "华", "居", "信", "泰", "和", "家", "达", "宏", "源", "安居", "华信", "恒泰", "嘉和", "经纪"}
	districts := []string{"110101", "110102", "110105", "110106", "110108", "110112", "110114", "110115"}
	var paths []string
	for i := range 1000 {
		for _, kind := range strings.Split(*mix, ",") {
			switch strings.TrimSpace(kind) {
			case "q":
				paths = append(paths, "/agencies?q="+url.QueryEscape(words[i%len(words)]))
			case "list":
				if i%2 == 0 {
					paths = append(paths, fmt.Sprintf("/agencies?type=rental&page=%d", 1+i%20))
				} else {
					paths = append(paths, fmt.Sprintf("/agencies?district=%s&page=%d", districts[i%len(districts)], 1+i%5))
				}
			case "agency":
				paths = append(paths, fmt.Sprintf("/agencies/%d", 1+(i*7919)%max(*ids, 1)))
			default:
				return fmt.Errorf("-mix: unknown page %q", kind)
			}
		}
	}
	client := newLoadClient(*c)
	get := func(base string, n uint64) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, base+paths[n%uint64(len(paths))], nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0 anjuload")
		req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9")
		return doDiscard(client, req)
	}
	fmt.Printf("GET %s/agencies…  mix=%s  c=%d  d=%s  paths=%d\n", *base, *mix, *c, *d, len(paths))
	var hello loadResult
	if *base0 {
		var err error
		if hello, err = baseline(*c, *d, get); err != nil {
			return err
		}
		hello.report("bare net/http handler (same requests)", http.StatusOK, false)
	}
	res := runLoad(*c, *d, *warmup, *pid, func(n uint64) (int, error) { return get(*base, n) })
	res.report("anju public directory", http.StatusOK, false)
	if *base0 && hello.rate() > 0 {
		fmt.Printf("ratio to the bare handler: %.3f (%.0f / %.0f pages/s)\n", res.rate()/hello.rate(), res.rate(), hello.rate())
	}
	return nil
}
