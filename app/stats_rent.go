package app

import (
	"math"
	"slices"
	"time"

	"anju/storage"
)

// Rent monitoring (租金监测): the rents agreed in the contracts signed in a
// period, by district. A whole-flat lease (整租) gives a rent per square
// metre of the flat's building area; a shared lease (合租) lets rooms of a
// flat whose whole area the contract states, so per square metre would
// mislead: it gives the monthly rent of a lease instead. Medians, because
// one villa or one mistyped area moves an average far; the average per
// square metre (total rent over total area) is shown beside it.
//
// The figures come from the contracts' "rent" index, whose keys carry
// everything needed: no contract record is read, and a district's year is
// one range of the index.

// RentFigures are the rents of a set of contracts.
type RentFigures struct {
	Whole       int     // whole-flat leases
	PerM2Median float64 // yuan per m² per month, their median
	PerM2Mean   float64 // their total monthly rent over their total area
	Shared      int     // shared leases
	LeaseMedian float64 // yuan per month, the median rent of a shared lease
}

// RentRow is a month's (Start set) or a district's rents.
type RentRow struct {
	Start    time.Time
	District string
	RentFigures
}

// RentStats is the statistics page's rent section: the months of the year
// (a year's statistics only; a day has too few leases for a median), the
// districts, and the whole scope, over the period.
type RentStats struct {
	Months    []RentRow
	Districts []RentRow
	Total     RentFigures
}

// Mode bytes of the rent index's keys.
const (
	rentWhole  = 'w'
	rentShared = 's'
)

// rentIndexKeys is the contracts' "rent" index: one key per signed
// contract with a rent,
//
//	mode district "/" U64(signed, Unix seconds) U64(rent, yuan) U64(area, 0.01 m²)
//
// so that a district's leases of a period are one range. Nothing in the
// key changes after signing: revoking or ending a lease keeps its rent in
// the month it was agreed.
func rentIndexKeys(c *Contract) [][]byte {
	if c.Signed.IsZero() || c.Terms.Rent <= 0 {
		return nil
	}
	mode := byte(rentWhole)
	if c.Listing.Mode == "shared" {
		mode = rentShared
	}
	area := math.Round(c.Listing.Area * 100)
	if mode == rentWhole && area < 1 {
		return nil // no area to divide by
	}
	k := rentKeyPrefix(mode, c.District, c.Signed)
	k = append(k, storage.U64(uint64(c.Terms.Rent))...)
	return [][]byte{append(k, storage.U64(uint64(max(area, 0)))...)}
}

// rentKeyPrefix is where the keys of mode, district and instant t begin.
func rentKeyPrefix(mode byte, district string, t time.Time) []byte {
	k := append([]byte{mode}, district...)
	k = append(k, '/')
	return append(k, storage.U64(uint64(max(t.Unix(), 0)))...)
}

// rentLease is one key of the index, read back.
type rentLease struct {
	signed time.Time
	rent   int
	area   float64 // m²
}

func parseRentKey(k []byte) (rentLease, bool) {
	if len(k) < 26 || k[len(k)-25] != '/' {
		return rentLease{}, false
	}
	b := k[len(k)-24:]
	return rentLease{
		signed: time.Unix(int64(storage.ParseU64(b[:8])), 0),
		rent:   int(storage.ParseU64(b[8:16])),
		area:   float64(storage.ParseU64(b[16:24])) / 100,
	}, true
}

// rentSamples gathers leases into figures.
type rentSamples struct {
	perM2  []float64
	rent   float64 // whole leases' total rent and area
	area   float64
	shared []float64
}

func (s *rentSamples) add(mode byte, l rentLease) {
	if mode == rentShared {
		s.shared = append(s.shared, float64(l.rent))
		return
	}
	s.perM2 = append(s.perM2, float64(l.rent)/l.area)
	s.rent += float64(l.rent)
	s.area += l.area
}

func (s *rentSamples) figures() RentFigures {
	f := RentFigures{Whole: len(s.perM2), Shared: len(s.shared), PerM2Median: median(s.perM2), LeaseMedian: median(s.shared)}
	if s.area > 0 {
		f.PerM2Mean = s.rent / s.area
	}
	return f
}

// median of xs (sorted in place); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// rentStats reads the leases of districts signed in [st.From, st.To) and
// sums them by month (a year's statistics), by district and in all.
func (a *App) rentStats(st *Stats, districts []string) (*RentStats, error) {
	rs := &RentStats{}
	byMonth := make([]rentSamples, len(st.Rows))
	var total rentSamples
	err := a.db.View(func(tx *storage.Tx) error {
		for _, d := range districts {
			var own rentSamples
			for _, mode := range []byte{rentWhole, rentShared} {
				from, to := rentKeyPrefix(mode, d, st.From), rentKeyPrefix(mode, d, st.To)
				err := contractTable.LookupRange(tx, "rent", from, to, func(k []byte, _ uint64) (bool, error) {
					l, ok := parseRentKey(k)
					if !ok {
						return true, nil
					}
					own.add(mode, l)
					total.add(mode, l)
					if st.Query.Month == 0 {
						if m := int(l.signed.In(time.Local).Month()) - 1; m < len(byMonth) {
							byMonth[m].add(mode, l)
						}
					}
					return true, nil
				})
				if err != nil {
					return err
				}
			}
			rs.Districts = append(rs.Districts, RentRow{District: d, RentFigures: own.figures()})
		}
		return nil
	})
	if st.Query.Month == 0 {
		for i := range byMonth {
			rs.Months = append(rs.Months, RentRow{Start: st.Rows[i].Start, RentFigures: byMonth[i].figures()})
		}
	}
	rs.Total = total.figures()
	return rs, err
}
