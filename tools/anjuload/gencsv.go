package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"time"
)

// Generated registry: the centre's export as `anju import-registry` reads
// it (the template's Chinese header, UTF-8 without BOM, one row per owner).
// Every row is valid: resident ID numbers have real region codes, birth
// dates and check characters. A few per cent of rows are a second owner
// (co-owner) of the property before them; a tenth of those come about 5,000
// rows later, so that they fall into a later import batch (the merge
// across batches). A few per cent of properties are seized, disputed,
// cancelled, restricted or not residential; about 10% are mortgaged.

var (
	genDistricts = []struct{ code, name, abbr string }{
		{"110101", "东城区", "东城"}, {"110102", "西城区", "西城"}, {"110105", "朝阳区", "朝阳"},
		{"110106", "丰台区", "丰台"}, {"110107", "石景山区", "石景山"}, {"110108", "海淀区", "海淀"},
		{"110109", "门头沟区", "门头沟"}, {"110111", "房山区", "房山"}, {"110112", "通州区", "通州"},
		{"110113", "顺义区", "顺义"}, {"110114", "昌平区", "昌平"}, {"110115", "大兴区", "大兴"},
		{"110116", "怀柔区", "怀柔"}, {"110117", "平谷区", "平谷"}, {"110118", "密云区", "密云"},
		{"110119", "延庆区", "延庆"},
	}
	// Weights: the inner districts hold most homes.
	genDistrictWeight = []int{5, 6, 14, 9, 4, 13, 2, 5, 8, 6, 9, 8, 2, 2, 2, 1}
	genSurnames       = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	genGiven          = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华玉兰红建国文辉鹏斌宇浩凯秀志海燕晓东子涵雨轩思远欣怡梓萱一诺嘉琪俊峰佳慧丹波宁婷雪梅春晨阳")
	genStreets        = []string{"建国路", "朝阳北路", "望京西园", "团结湖北里", "劲松", "双井", "安慧里", "十里堡", "甜水园北里", "百子湾",
		"中关村东路", "华清嘉园", "万柳中路", "学院路", "育新花园", "和平里", "东四十条", "天坛东里", "方庄芳古园", "马家堡嘉园",
		"德胜门外大街", "月坛北街", "金融街", "鲁谷路", "八角东街", "回龙观西大街", "天通苑", "亦庄文化园", "梨园", "果园",
		"长阳", "良乡", "石门营", "新城", "府前街", "滨河路", "鼓楼大街", "康庄"}
	genCompounds = []string{"小区", "家园", "花园", "嘉园", "公寓", "北里", "南里", "东区", "西区", "社区"}
	// Regions of owners' ID numbers: mostly Beijing, some from elsewhere.
	genIDRegions = []string{"110101", "110102", "110105", "110106", "110108", "110111", "110114", "130102", "130602",
		"370102", "410105", "510104", "320106", "420106", "230103", "610113", "120101", "140105"}
)

func genName(r *rand.Rand) string {
	n := string(genSurnames[r.IntN(len(genSurnames))]) + string(genGiven[r.IntN(len(genGiven))])
	if r.IntN(3) > 0 {
		n += string(genGiven[r.IntN(len(genGiven))])
	}
	return n
}

var genIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// genResidentID returns an 18-character resident ID number with a valid
// region, birth date and ISO 7064 MOD 11-2 check character.
func genResidentID(r *rand.Rand) string {
	birth := time.Date(1945+r.IntN(58), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
	d17 := genIDRegions[r.IntN(len(genIDRegions))] + birth.Format("20060102") + fmt.Sprintf("%03d", r.IntN(1000))
	sum := 0
	for i := range 17 {
		sum += int(d17[i]-'0') * genIDWeights[i]
	}
	return d17 + string("10X98765432"[sum%11])
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// runGenCSV writes a registry export of -rows rows.
func runGenCSV(args []string) error {
	fs := flag.NewFlagSet("gencsv", flag.ExitOnError)
	out := fs.String("o", "", "output CSV file (required)")
	rows := fs.Int("rows", 1_000_000, "rows to write (one per owner)")
	coShare := fs.Float64("coowners", 0.04, "share of rows that are a co-owner of a property")
	farShare := fs.Float64("far", 0.1, "share of co-owner rows placed about 5,000 rows after the first owner's")
	seed := fs.Uint64("seed", 2026, "random seed (the same seed gives the same file)")
	_ = fs.Parse(args)
	if *out == "" {
		return fmt.Errorf("-o is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	header := []string{"区县代码", "证书类型", "不动产权证号", "权利人", "权利人证件类型", "权利人证件号码", "共有份额",
		"房屋坐落", "建筑面积", "规划用途", "查封", "抵押", "异议", "注销", "限制交易", "登记日期"}
	if err := w.Write(header); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(*seed, 3))
	totalW := 0
	for _, x := range genDistrictWeight {
		totalW += x
	}
	type delayed struct {
		due int
		rec []string
	}
	var pending []delayed
	// A co-owner follows a new property with probability q, so that
	// co-owner rows are coShare of all rows.
	q := *coShare / (1 - *coShare)
	start := time.Now()
	props, coRows, flagged := 0, 0, 0
	for i := 0; i < *rows; i++ {
		if len(pending) > 0 && pending[0].due <= i {
			if err := w.Write(pending[0].rec); err != nil {
				return err
			}
			pending = pending[1:]
			coRows++
			continue
		}
		if i+len(pending) >= *rows {
			// Only the pending co-owner rows fit: emit them now.
			rec := pending[0].rec
			pending = pending[1:]
			if err := w.Write(rec); err != nil {
				return err
			}
			coRows++
			continue
		}
		props++
		x := r.IntN(totalW)
		di := 0
		for x >= genDistrictWeight[di] {
			x -= genDistrictWeight[di]
			di++
		}
		d := genDistricts[di]
		year := 2003 + r.IntN(23)
		open, closeB := "(", ")"
		if r.IntN(100) == 0 {
			open, closeB = "（", "）" // full-width, as some exports write them
		}
		certNo := fmt.Sprintf("京%s%d%s%s不动产权第%07d号", open, year, closeB, d.name, props)
		street := genStreets[r.IntN(len(genStreets))]
		addr := fmt.Sprintf("北京市%s%s%s%d号楼%d单元%d", d.name, street, genCompounds[r.IntN(len(genCompounds))],
			1+r.IntN(40), 1+r.IntN(6), (1+r.IntN(28))*100+1+r.IntN(4))
		area := strconv.FormatFloat(float64(30+r.IntN(150))+float64(r.IntN(100))/100, 'f', 2, 64)
		use := "住宅"
		var seized, mortgaged, disputed, cancelled, restricted bool
		switch n := r.IntN(1000); {
		case n < 10:
			seized = true
		case n < 15:
			disputed = true
		case n < 17:
			cancelled = true
		case n < 20:
			restricted = true
		case n < 40:
			use = "商业"
		case n < 140:
			mortgaged = true
		}
		if seized || disputed || cancelled || restricted || use != "住宅" {
			flagged++
		}
		regDate := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		co := r.Float64() < q && i+len(pending)+2 <= *rows
		share := ""
		if co {
			share = "50%"
		}
		row := func(name, id string) []string {
			return []string{d.code, "不动产权证书", certNo, name, "居民身份证", id, share, addr, area, use,
				yesNo(seized), yesNo(mortgaged), yesNo(disputed), yesNo(cancelled), yesNo(restricted), regDate}
		}
		if err := w.Write(row(genName(r), genResidentID(r))); err != nil {
			return err
		}
		if co {
			due := i + 1
			if r.Float64() < *farShare {
				due = i + 5000 + r.IntN(100)
			}
			rec := row(genName(r), genResidentID(r))
			// Keep pending sorted by due (adjacent ones go first).
			j := len(pending)
			for j > 0 && pending[j-1].due > due {
				j--
			}
			pending = append(pending, delayed{})
			copy(pending[j+1:], pending[j:])
			pending[j] = delayed{due, rec}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, _ := os.Stat(*out)
	fmt.Printf("wrote %s: %d rows (%d properties, %d co-owner rows = %.1f%%, %d restricted or not residential), %.1f MiB, %s\n",
		*out, *rows, props, coRows, 100*float64(coRows)/float64(*rows), flagged, float64(st.Size())/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}
