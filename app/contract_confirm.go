package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"time"

	"anju/storage"
)

// Parties' confirmation (parameter contract.party_confirm): each party
// receives a confirmation code on the printed preview and confirms on the
// public portal with it and the last 6 characters of his ID number.
//
// The code is derived (HMAC with a stored secret) from the contract, the
// party's row and his ID number, so that the preview can print it again
// without the store keeping it: only its SHA-256 is stored, in the party
// and in a lookup bucket hash → contract.

const confirmBucket = "contract_confirm"

// confirmCodeLen is the length of a confirmation code (over the
// verification code alphabet, which has no look-alike characters).
const confirmCodeLen = 10

var confirmKeys sync.Map // *App → []byte

func (a *App) confirmKey() ([]byte, error) {
	if k, ok := confirmKeys.Load(a); ok {
		return k.([]byte), nil
	}
	k, err := a.Secret("contract.confirm")
	if err != nil {
		return nil, err
	}
	confirmKeys.Store(a, k)
	return k, nil
}

// needsConfirm: the signatories confirm; co-residents are named in the
// contract but do not sign it.
func needsConfirm(p Party) bool { return p.Role != PartyCoResident }

func confirmCode(key []byte, c *Contract, i int, p Party) string {
	m := hmac.New(sha256.New, key)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], c.ID)
	m.Write(id[:])
	m.Write([]byte{byte(i)})
	m.Write([]byte(p.Role + "/" + p.IDNo))
	sum := m.Sum(nil)
	out := make([]byte, confirmCodeLen)
	for j := range out {
		out[j] = vcodeAlphabet[int(sum[j])%len(vcodeAlphabet)]
	}
	return string(out)
}

// normalizeConfirmCode accepts the code as people type it: any case,
// spaces, dashes, full-width characters.
func normalizeConfirmCode(s string) string {
	s = strings.ToUpper(HalfWidth(s))
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(vcodeAlphabet, r) {
			return r
		}
		return -1
	}, s)
}

// setConfirmHashes gives each signatory his code's hash (after the parties
// step), replacing the lookup entries of earlier rows.
func (a *App) setConfirmHashes(tx *storage.Tx, c *Contract) error {
	key, err := a.confirmKeyIn(tx)
	if err != nil {
		return err
	}
	dropConfirmHashes(tx, c)
	for i := range c.Parties {
		p := &c.Parties[i]
		p.ConfirmHash = ""
		if !needsConfirm(*p) {
			continue
		}
		p.ConfirmHash = tokenHash(confirmCode(key, c, i, *p))
		if err := tx.Put(confirmBucket, []byte(p.ConfirmHash), storage.U64(c.ID)); err != nil {
			return err
		}
	}
	return nil
}

// confirmKeyIn reads the key inside a write transaction (Secret opens its
// own), creating it the same way on first use.
func (a *App) confirmKeyIn(tx *storage.Tx) ([]byte, error) {
	if k, ok := confirmKeys.Load(a); ok {
		return k.([]byte), nil
	}
	const meta = "secret.contract.confirm"
	if b := tx.Meta(meta); len(b) == 32 {
		k := append([]byte(nil), b...)
		confirmKeys.Store(a, k)
		return k, nil
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	if err := tx.SetMeta(meta, k); err != nil {
		return nil, err
	}
	return k, nil // cached once committed, by the next confirmKey
}

func dropConfirmHashes(tx *storage.Tx, c *Contract) {
	for _, p := range c.Parties {
		if p.ConfirmHash != "" {
			_ = tx.Delete(confirmBucket, []byte(p.ConfirmHash))
		}
	}
}

// PartyCode is a signatory's confirmation code as the preview prints it.
type PartyCode struct {
	Party Party
	Code  string
}

// ContractConfirmCodes returns the signatories' codes of a draft the actor
// may edit (for the preview, when the parameter is on).
func (a *App) ContractConfirmCodes(actor Actor, id uint64) ([]PartyCode, error) {
	key, err := a.confirmKey()
	if err != nil {
		return nil, err
	}
	c, err := a.GetDraft(actor, id)
	if err != nil {
		return nil, err
	}
	var out []PartyCode
	for i, p := range c.Parties {
		if needsConfirm(p) && p.ConfirmHash != "" {
			out = append(out, PartyCode{Party: p, Code: confirmCode(key, c, i, p)})
		}
	}
	return out, nil
}

// FormatConfirmCode groups a code for reading: ABCDE-FGHJK.
func FormatConfirmCode(code string) string {
	if len(code) != confirmCodeLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// ConfirmView is what a party sees on the public confirmation page: a
// summary to recognise the contract, with personal data masked, and the
// contract's whole text as it will print, which he confirms.
type ConfirmView struct {
	Role        string
	Name        string // masked
	Address     string
	District    string
	Start, End  time.Time
	Rent        int
	Deposit     int
	Cycle       string
	Lessors     []string // masked names
	Lessees     []string
	Confirmed   time.Time // when he confirmed
	Outstanding int       // signatories who have not confirmed yet
	// Text is the contract as it will print, with every ID number masked.
	Text ContractText
}

// confirmTarget finds the draft and the party of a code and ID tail. An
// unknown code and a wrong ID tail read the same, so that the page tells
// nobody which codes exist.
func confirmTarget(tx *storage.Tx, code, idTail string) (*Contract, int, error) {
	fail := &Error{Code: EINVALID, Key: "contract.confirm_failed", Fields: map[string]string{"code": "contract.confirm_failed"}}
	code = normalizeConfirmCode(code)
	idTail = strings.ToUpper(strings.Join(strings.Fields(HalfWidth(idTail)), ""))
	var v validation
	if code == "" {
		v.add("code", "contract.confirm_code_required")
	}
	if len([]rune(idTail)) != 6 {
		v.add("id_tail", "contract.confirm_tail_invalid")
	}
	if err := v.err(); err != nil {
		return nil, 0, err
	}
	h := tokenHash(code)
	b := tx.Get(confirmBucket, []byte(h))
	if b == nil {
		return nil, 0, fail
	}
	c, err := contractTable.Get(tx, storage.ParseU64(b))
	if err != nil {
		return nil, 0, fail
	}
	for i, p := range c.Parties {
		if p.ConfirmHash == h && strings.HasSuffix(p.IDNo, idTail) {
			// The party is told which: a signed lease binds him (its
			// number lets him check its filing later), a cancelled draft
			// does not.
			switch c.Status {
			case ContractDraft:
			case ContractCancelled:
				return nil, 0, Errorf(ECONFLICT, "contract.confirm_cancelled")
			default: // signed, and maybe revoked or expired since
				return nil, 0, Errorf(ECONFLICT, "contract.confirm_signed", c.No)
			}
			return c, i, nil
		}
	}
	return nil, 0, fail
}

func (a *App) confirmViewOf(tx *storage.Tx, c *Contract, i int) (ConfirmView, error) {
	p := c.Parties[i]
	cv := ConfirmView{Role: p.Role, Name: MaskName(p.Name), Address: c.Listing.FullAddress(),
		District: c.District, Start: c.Terms.Start, End: c.Terms.End, Rent: c.Terms.Rent, Deposit: c.Terms.Deposit,
		Cycle: c.Terms.PaymentCycle, Confirmed: p.Confirmed}
	for _, q := range c.Parties {
		switch q.Role {
		case PartyLessor:
			cv.Lessors = append(cv.Lessors, MaskName(q.Name))
		case PartyLessee:
			cv.Lessees = append(cv.Lessees, MaskName(q.Name))
		}
		if needsConfirm(q) && q.Confirmed.IsZero() {
			cv.Outstanding++
		}
	}
	ct, err := a.composeContract(tx, c)
	if err != nil {
		return cv, err
	}
	// Every ID number masked, his own too: the page opens with a code and
	// the last characters of his ID, which must not be enough to read
	// the rest of it (birth date, region).
	shown := *c
	shown.Parties = slices.Clone(c.Parties)
	for j := range shown.Parties {
		shown.Parties[j].IDNo = shown.Parties[j].ShownIDNo()
	}
	cv.Text = fillContract(ct.version, ct.title, ct.body, ct.values, &shown)
	return cv, nil
}

// CheckConfirmation shows a party the contract his code belongs to, before
// he confirms it.
func (a *App) CheckConfirmation(code, idTail string) (ConfirmView, error) {
	var cv ConfirmView
	err := a.db.View(func(tx *storage.Tx) error {
		c, i, err := confirmTarget(tx, code, idTail)
		if err != nil {
			return err
		}
		cv, err = a.confirmViewOf(tx, c, i)
		return err
	})
	return cv, err
}

// ConfirmContractParty records a party's confirmation, with a history line
// and an audit entry. Confirming twice changes nothing.
func (a *App) ConfirmContractParty(from Actor, code, idTail string) (ConfirmView, error) {
	var cv ConfirmView
	err := a.update(func(tx *storage.Tx) error {
		c, i, err := confirmTarget(tx, code, idTail)
		if err != nil {
			return err
		}
		p := &c.Parties[i]
		if p.Confirmed.IsZero() {
			now := a.now()
			p.Confirmed = now
			who := Actor{Username: PublicPrefix + MaskName(p.Name), Name: p.Name, IP: from.IP, RequestID: from.RequestID}
			// The history, shown to whoever sees the contract, names him as
			// the note does: his role and masked name.
			c.event(now, Actor{Username: who.Username}, "confirmed", p.Role+" "+MaskName(p.Name))
			c.Updated = now
			if err := contractTable.Put(tx, c); err != nil {
				return err
			}
			if err := a.audit(tx, who, "contract.confirm", "contract", c.ID, p.Role+" "+MaskName(p.Name),
				auditNote("audit.note.two", noteKey("contract.role."+p.Role), noteText(MaskName(p.Name)))); err != nil {
				return err
			}
		}
		cv, err = a.confirmViewOf(tx, c, i)
		return err
	})
	return cv, err
}
