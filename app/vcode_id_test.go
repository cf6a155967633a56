package app

import (
	"bytes"
	"strings"
	"testing"

	"anju/storage"
)

func testVcodeCipher(t *testing.T, seed byte) *vcodeCipher {
	t.Helper()
	c, err := newVcodeCipher(bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIDCodesAreDistinctCheckedAndReversible(t *testing.T) {
	c := testVcodeCipher(t, 7)
	seen := make(map[string]uint64)
	ids := []uint64{vcodeMaxID - 1, vcodeMaxID - 2, 1 << 40}
	for id := uint64(1); id <= 50000; id++ {
		ids = append(ids, id)
	}
	prefixes := make(map[string]int)
	for _, id := range ids {
		code := c.codeFor(id)
		if CheckVerificationCode(code) != VCodeOK {
			t.Fatalf("code %s of ID %d fails its own check", code, id)
		}
		if other, dup := seen[code]; dup {
			t.Fatalf("IDs %d and %d share the code %s", other, id, code)
		}
		seen[code] = id
		if got, ok := c.idOf(code); !ok || got != id {
			t.Fatalf("code %s of ID %d reads back as %d, %t", code, id, got, ok)
		}
		prefixes[code[:2]]++
	}
	// Consecutive IDs must not give look-alike codes: 50,000 codes spread
	// over (nearly) all the 22×31 two-character beginnings numbers below
	// 2^54 have (the first character is one of the first 22).
	if len(prefixes) < 670 {
		t.Errorf("50,000 consecutive IDs use only %d of 682 two-character prefixes", len(prefixes))
	}
	// Another key, other codes.
	if other := testVcodeCipher(t, 8).codeFor(1); other == c.codeFor(1) {
		t.Errorf("two keys give ID 1 the same code %s", other)
	}
	// A number past the permutation's range is no ID (a code of before).
	if _, ok := c.idOf(strings.Repeat("Z", vcodeData) + "2"); ok {
		t.Error("ZZZZZZZZZZZ reads as an ID, but 31^11-1 is past 2^54")
	}
}

func TestVerificationCodeCarriesItsID(t *testing.T) {
	t.Parallel()
	f := newVFFixture(t)
	f.importRows(vfRow(vfCertNo(11), "欧阳娜", vfID(11)), vfRow(vfCertNo(12), "上官敏", vfID(12)))
	v := f.mustVerify(f.agent, vfInput(vfCertNo(11), vfOwner("欧阳娜", vfID(11))))
	if !v.IDCode {
		t.Fatalf("new verification %s has a random code", v.Code)
	}
	var legacyCode, clashCode string
	err := f.db.Update(func(tx *storage.Tx) error {
		c, err := f.vcodes(tx, false)
		if err != nil || c == nil {
			t.Fatalf("no code key after a verification: %v", err)
		}
		if got := c.codeFor(v.ID); got != v.Code {
			t.Fatalf("code %s, but ID %d encrypts to %s", v.Code, v.ID, got)
		}
		// Nothing of it in the index of older codes.
		if ids, err := verificationTable.Lookup(tx, "code", []byte(v.Code)); err != nil || len(ids) != 0 {
			t.Fatalf("code index holds %v (%v) for an ID-carrying code", ids, err)
		}
		// Codes of before: random and in the index. The second one is the
		// code the next ID would carry (the two records take IDs next and
		// next+1), so the next verification must skip that ID.
		old := *v
		old.ID, old.IDCode = 0, false
		next := tx.Sequence(verificationTable.Name()) + 1
		old.Code = NewVerificationCode()
		if _, err := verificationTable.Insert(tx, &old); err != nil {
			return err
		}
		legacyCode = old.Code
		clashCode = c.codeFor(next + 2)
		clash := old
		clash.ID, clash.Code, clash.Status = 0, clashCode, VStatusRevoked
		_, err = verificationTable.Insert(tx, &clash)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.stored(strings.ToLower(FormatVerificationCode(legacyCode))); got.Code != legacyCode || got.IDCode {
		t.Errorf("a code of before finds %+v", got)
	}
	if got := f.stored(clashCode); got.Status != VStatusRevoked {
		t.Errorf("the clashing code of before finds %s %s", got.Code, got.Status)
	}
	w := f.mustVerify(f.agent, vfInput(vfCertNo(12), vfOwner("上官敏", vfID(12))))
	if w.Code == clashCode || !w.IDCode {
		t.Fatalf("the new verification took the code %s of an older one (ID-carrying %t)", w.Code, w.IDCode)
	}
	if got := f.stored(w.Code); got.ID != w.ID || w.ID != v.ID+4 {
		t.Errorf("code %s finds ID %d, want %d", w.Code, got.ID, w.ID)
	}
	if got := f.stored(clashCode); got.Status != VStatusRevoked {
		t.Errorf("after the clash, its code finds %s %s", got.Code, got.Status)
	}

	// A well-formed code carrying the ID of a record whose code differs
	// (here: another data character, check character mended) is unknown.
	i := strings.IndexByte(vcodeAlphabet, v.Code[0])
	forged := []byte(string(vcodeAlphabet[(i+1)%31]) + v.Code[1:vcodeData])
	forged = append(forged, vcodeCheckChar(forged))
	_, err = f.CheckCode(string(forged))
	wantFieldError(t, err, "code", "verify.code_unknown")
	if pc, err := f.CheckCode(FormatVerificationCode(v.Code)); err != nil || pc.Code != v.Code {
		t.Errorf("check of %s: %+v, %v", v.Code, pc, err)
	}

	// Another key in the data file (not a restore, which brings its key):
	// the ID's code under it is not the record's code, so it is unknown.
	other := testVcodeCipher(t, 9)
	err = f.db.Update(func(tx *storage.Tx) error { return tx.SetMeta(vcodeKeyMeta, other.key) })
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.CheckCode(other.codeFor(v.ID))
	wantFieldError(t, err, "code", "verify.code_unknown")
}
