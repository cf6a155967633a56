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
	key := []byte(district + "-" + strconv.Itoa(now.Year()))
	var n uint64 = 1
	if b := tx.Get("agency_filing_seq", key); b != nil {
		n = storage.ParseU64(b) + 1
	}
	if err := tx.Put("agency_filing_seq", key, storage.U64(n)); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%04d", key, n), nil
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
