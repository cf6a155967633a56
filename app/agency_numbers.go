package app

import (
	"fmt"
	"strconv"
	"time"

	"anju/storage"
)

// nextFilingNo issues a filing number (备案编号): the district code, the
// year and a sequence per district and year, e.g. 110105-2026-0007. It is
// readable over the phone and sorts by district and time.
func nextFilingNo(tx *storage.Tx, district string, now time.Time) (string, error) {
	key, n, err := districtYearSeq(tx, "agency_filing_seq", district, now)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%04d", key, n), nil
}

// districtYearSeq advances the counter of district and year in bucket and
// returns its key ("110105-2026") and new value: the numbers the platform
// issues (filings, contracts, certificates) restart each year per district.
func districtYearSeq(tx *storage.Tx, bucket, district string, now time.Time) (string, uint64, error) {
	key := district + "-" + strconv.Itoa(now.Year())
	var n uint64 = 1
	if b := tx.Get(bucket, []byte(key)); b != nil {
		n = storage.ParseU64(b) + 1
	}
	return key, n, tx.Put(bucket, []byte(key), storage.U64(n))
}

// agencyAdminUsername is the agency admin account made at approval: "jg"
// (机构) and the filing number's digits, unique because the number is.
func agencyAdminUsername(filingNo string) string {
	b := []byte("jg")
	for i := 0; i < len(filingNo); i++ {
		if c := filingNo[i]; c >= '0' && c <= '9' {
			b = append(b, c)
		}
	}
	return string(b)
}
