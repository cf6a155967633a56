package app

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"anju/storage"
)

// Verification codes carry their record's ID, encrypted.
//
// A code's eleven data characters are a base-31 number. Codes issued since
// this scheme hold, in the first 2^54 of those numbers, the record's ID
// passed through a keyed 54-bit permutation (a Feistel network over two
// 27-bit halves with AES-256 as its round function). Looking a code up is
// decrypting it and reading that one record, and issuing one writes no
// index entry. Before, every code had an entry in a unique index, at a
// random place of its B+tree: each verification dirtied a leaf page of its
// own, which the group commit decoded, grew and wrote again; at 2,000
// verifications a second that was about a fifth of the bytes the process
// allocated (docs/benchmarks.md 4.13).
//
// Without the key, the codes of consecutive IDs look unrelated, and a
// guessed code is valid with the same odds as before: the IDs in use among
// 2^54 permutation outputs, against random codes among 31^11 ≈ 2^54.6 (so
// the first character of such a code is one of the alphabet's first 22). The
// key is a secret of the data file (meta "secret.vcode"), so a restored
// backup keeps its printed codes valid. Codes issued before the scheme stay
// in the code index (Verification.IDCode false) and are found there.
const (
	vcodeIDBits  = 54
	vcodeHalf    = vcodeIDBits / 2
	vcodeRounds  = 8 // Luby–Rackoff needs 4 for a strong permutation; 8 for margin
	vcodeKeyMeta = "secret.vcode"
)

// vcodeMaxID is the first ID that no longer fits: such a record gets a
// random code and an index entry, as codes did before.
const vcodeMaxID = 1 << vcodeIDBits

type vcodeCipher struct {
	key   []byte
	block cipher.Block
}

func newVcodeCipher(key []byte) (*vcodeCipher, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("verification code key: %w", err)
	}
	return &vcodeCipher{key: bytes.Clone(key), block: block}, nil
}

// round is the Feistel round function: 27 bits of AES(round, half).
func (c *vcodeCipher) round(r int, half uint64) uint64 {
	var in, out [aes.BlockSize]byte
	in[0] = byte(r)
	binary.BigEndian.PutUint64(in[8:], half)
	c.block.Encrypt(out[:], in[:])
	return binary.BigEndian.Uint64(out[:8]) & (1<<vcodeHalf - 1)
}

func (c *vcodeCipher) encrypt(v uint64) uint64 {
	l, r := v>>vcodeHalf, v&(1<<vcodeHalf-1)
	for i := range vcodeRounds {
		l, r = r, l^c.round(i, r)
	}
	return l<<vcodeHalf | r
}

func (c *vcodeCipher) decrypt(v uint64) uint64 {
	l, r := v>>vcodeHalf, v&(1<<vcodeHalf-1)
	for i := vcodeRounds - 1; i >= 0; i-- {
		l, r = r^c.round(i, l), l
	}
	return l<<vcodeHalf | r
}

// codeFor is the code of the record with id (< vcodeMaxID).
func (c *vcodeCipher) codeFor(id uint64) string {
	n := c.encrypt(id)
	b := make([]byte, vcodeLen)
	for i := vcodeData - 1; i >= 0; i-- {
		b[i] = vcodeAlphabet[n%31]
		n /= 31
	}
	b[vcodeData] = vcodeCheckChar(b[:vcodeData])
	return string(b)
}

// idOf is the ID a well-formed code (CheckVerificationCode OK) would carry;
// false when its number is outside the permutation's range, which only a
// code issued before the scheme (or a guess) can be.
func (c *vcodeCipher) idOf(code string) (uint64, bool) {
	var n uint64
	for i := range vcodeData {
		n = n*31 + uint64(vcodeValue(code[i]))
	}
	if n >= vcodeMaxID {
		return 0, false
	}
	return c.decrypt(n), true
}

// vcodes returns the cipher of the data file's key, or nil when the file
// has none yet (then no code carries an ID). With create, in a write
// transaction, a missing key is made. The cipher is kept, but used only
// while the stored key is the same: a key made in a transaction that was
// then rolled back was cached and never stored.
func (a *App) vcodes(tx *storage.Tx, create bool) (*vcodeCipher, error) {
	key := tx.Meta(vcodeKeyMeta)
	if c := a.codeCipher.Load(); c != nil && len(key) > 0 && bytes.Equal(c.key, key) {
		return c, nil
	}
	if len(key) == 0 {
		if !create {
			return nil, nil
		}
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		if err := tx.SetMeta(vcodeKeyMeta, key); err != nil {
			return nil, err
		}
	}
	c, err := newVcodeCipher(key)
	if err != nil {
		return nil, err
	}
	a.codeCipher.Store(c)
	return c, nil
}

// insertVerification gives v the code of the ID it is about to get and
// inserts it, in the caller's transaction.
func (a *App) insertVerification(tx *storage.Tx, v *Verification) error {
	c, err := a.vcodes(tx, true)
	if err != nil {
		return err
	}
	name := verificationTable.Name()
	for {
		id := tx.Sequence(name) + 1
		if id >= vcodeMaxID {
			return a.insertRandomCode(tx, v)
		}
		v.Code, v.IDCode = c.codeFor(id), true
		// A code issued before the scheme may equal this one (about one
		// chance in 2^54 per old code): skip the ID rather than let the
		// new record hide the old one.
		ids, err := verificationTable.Lookup(tx, "code", []byte(v.Code))
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			if _, err := tx.NextSequence(name); err != nil {
				return err
			}
			continue
		}
		got, err := verificationTable.Insert(tx, v)
		if err != nil {
			return err
		}
		if got != id {
			return fmt.Errorf("verification got ID %d, its code was made for %d", got, id)
		}
		return nil
	}
}

// insertRandomCode is the scheme before: a random code, kept in the code
// index, drawn again on the rare clash.
func (a *App) insertRandomCode(tx *storage.Tx, v *Verification) error {
	v.IDCode = false
	for {
		v.Code = NewVerificationCode()
		_, err := verificationTable.Insert(tx, v)
		if !errors.Is(err, storage.ErrDuplicate) {
			return err
		}
	}
}

// lookupVerification finds the verification with code (any spacing or
// case): by the ID it carries, else in the index of older codes.
func (a *App) lookupVerification(tx *storage.Tx, code string) (*Verification, error) {
	code = NormalizeVerificationCode(code)
	return findByCode(a, tx, code, verificationTable.Get,
		func(v *Verification) bool { return v.IDCode && v.Code == code },
		func(v *Verification) *Verification { return v })
}

// findByCode finds what get gives of the verification with code (well
// formed and normalised, or not found): get of the ID the code carries,
// when carries (the record found there was issued with that very code)
// says it is this code's; else of, of the record in the index of older
// codes. get is Table.Get or a Memo of it.
func findByCode[R any](a *App, tx *storage.Tx, code string, get func(*storage.Tx, uint64) (R, error),
	carries func(R) bool, of func(*Verification) R) (R, error) {
	var none R
	if CheckVerificationCode(code) != VCodeOK {
		return none, errVerificationNotFound
	}
	c, err := a.vcodes(tx, false)
	if err != nil {
		return none, err
	}
	if c != nil {
		if id, ok := c.idOf(code); ok {
			r, err := get(tx, id)
			switch {
			case err == nil && carries(r):
				return r, nil
			case err != nil && !errors.Is(err, storage.ErrNotFound):
				return none, err
			}
		}
	}
	v, err := verificationTable.LookupOne(tx, "code", []byte(code))
	if errors.Is(err, storage.ErrNotFound) {
		return none, errVerificationNotFound
	}
	if err != nil {
		return none, err
	}
	return of(v), nil
}
