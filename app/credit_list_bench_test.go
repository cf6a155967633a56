package app

import "testing"

// BenchmarkCreditLists measures what the lists of subjects pay for the
// black list's lowest level (heldLevel): 10,000 filed agencies with a
// credit summary each, 100 of them black-listed. (A list by name reads at
// most 100 subjects the directory's search found.)
//
//	go test -run '^$' -bench CreditLists -benchtime 200x ./app/
func BenchmarkCreditLists(b *testing.B) {
	f := newFixture(b)
	storeCreditAgencies(b, f, 10_000, 100)
	viewer := Actor{Username: "bench.viewer", Roles: []Role{RoleViewer}}
	lowest := CreditLevels[len(CreditLevels)-1]
	for _, c := range []struct {
		name string
		run  func() (int, error)
	}{
		{"list-lowest-first", func() (int, error) {
			p, err := f.CreditSubjects(viewer, CreditSubjectQuery{})
			return p.Total, err
		}},
		{"list-level-" + lowest, func() (int, error) {
			p, err := f.CreditSubjects(viewer, CreditSubjectQuery{Level: lowest})
			return p.Total, err
		}},
		{"statistics-levels", func() (int, error) {
			l, err := f.agencyLevels(viewer, "")
			return len(l), err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportMetric(timeEach(b, c.run), "subjects")
		})
	}
}
