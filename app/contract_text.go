package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	"anju/storage"
)

// A signed contract prints as it was signed. Its text is composed from the
// model text's version, the contract's values, and things that may change
// afterwards: the bureau's name (a parameter), a district's name (the
// dictionary) and how this program adjusts the text (the district not
// printed twice, the mortgage sentence). So the text is kept at signing:
// the model text as adjusted for this contract (shared by every contract
// adjusted alike, stored once under its SHA-256) and the value of every
// placeholder, except the parties' ID numbers. Those are filled at each
// print from the contract's parties, which do not change after signing,
// so that a page can show them masked or in full depending on who reads.

const (
	keptTextBucket = "contract_text"      // contract ID → keptText (JSON)
	keptBodyBucket = "contract_text_body" // SHA-256 (hex) → adjusted model text
	keptMarkerKey  = "contract_text.kept" // meta: every contract signed before keeping existed is kept
)

// keptText is a signed contract's text as it was signed.
type keptText struct {
	Version int               `json:"version"` // the model text's version
	Title   string            `json:"title"`   // filled
	Body    string            `json:"body"`    // SHA-256 (hex) of the adjusted model text
	Values  map[string]string `json:"values"`  // every placeholder's value but the personal ones
}

// composedText is a contract's text before it is filled.
type composedText struct {
	version int
	title   string // the model's title, placeholders not filled
	body    string // the model text adjusted for this contract
	values  map[string]string
}

// composeContract adjusts the model text of c's version for c and computes
// its values as they are now.
func (a *App) composeContract(tx *storage.Tx, c *Contract) (composedText, error) {
	t, err := loadTemplate(tx, c.TemplateVersion)
	if err != nil {
		return composedText{}, err
	}
	vals := contractValues(tx, c, t, a.ParamString(ParamOrgName), a.ParamInt(ParamFilingDeadlineDays))
	text := t.Text
	if d, err := dictGet(tx, DictDistrict, c.District); err == nil && addressNamesDistrict(c.Listing.Address, d) {
		// "坐落于{{所在区}}{{房屋坐落}}" would read 朝阳区朝阳区望京…: the
		// address already says it. Elsewhere the district still prints.
		text = districtThenAddressRe.ReplaceAllString(text, "{{房屋坐落}}")
	}
	if vals["抵押情况"] != "" && !usesPlaceholder(text, "抵押情况") {
		// A text saved before the placeholder existed must not leave the
		// mortgage out: it follows the property's paragraph.
		text = withMortgageDisclosure(text)
	}
	return composedText{version: t.Version, title: t.Title, body: text, values: vals}, nil
}

// fillContract fills a text with vals; the parties' ID numbers come from c,
// which may be a copy with them masked.
func fillContract(version int, title, body string, vals map[string]string, c *Contract) ContractText {
	vals = maps.Clone(vals)
	_, vals["出租人证件"] = partyLine(c.Lessors())
	_, vals["承租人证件"] = partyLine(c.Lessees())
	fill := func(s string) string {
		return placeholderRe.ReplaceAllStringFunc(s, func(m string) string {
			name := placeholderRe.FindStringSubmatch(m)[1]
			if v := vals[name]; v != "" || name == "抵押情况" {
				return v
			}
			return blank
		})
	}
	out := ContractText{Title: fill(title), Version: version}
	for _, line := range strings.Split(fill(body), "\n") {
		if line = strings.TrimRight(line, " \t"); line != "" {
			out.Paragraphs = append(out.Paragraphs, line)
		}
	}
	return out
}

// keepContractText keeps c's text as it reads now, in tx: called in the
// transaction that signs it.
func (a *App) keepContractText(tx *storage.Tx, c *Contract) error {
	ct, err := a.composeContract(tx, c)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(ct.body))
	hash := hex.EncodeToString(sum[:])
	if tx.Get(keptBodyBucket, []byte(hash)) == nil {
		if err := tx.Put(keptBodyBucket, []byte(hash), []byte(ct.body)); err != nil {
			return err
		}
	}
	vals := maps.Clone(ct.values)
	delete(vals, "出租人证件")
	delete(vals, "承租人证件")
	// The title is filled now: only the body's values are kept apart.
	title := fillContract(ct.version, ct.title, "", vals, c).Title
	b, err := json.Marshal(keptText{Version: ct.version, Title: title, Body: hash, Values: vals})
	if err != nil {
		return err
	}
	return tx.Put(keptTextBucket, storage.U64(c.ID), b)
}

// keptContractText returns c's kept text, or ok false when it has none (a
// draft, a paper contract, or one not yet kept).
func keptContractText(tx *storage.Tx, c *Contract) (ContractText, bool, error) {
	b := tx.Get(keptTextBucket, storage.U64(c.ID))
	if b == nil {
		return ContractText{}, false, nil
	}
	var k keptText
	if err := json.Unmarshal(b, &k); err != nil {
		return ContractText{}, false, fmt.Errorf("contract %d: kept text: %w", c.ID, err)
	}
	body := tx.Get(keptBodyBucket, []byte(k.Body))
	if body == nil {
		return ContractText{}, false, fmt.Errorf("contract %d: kept text's body %s is missing", c.ID, k.Body)
	}
	out := fillContract(k.Version, "", string(body), k.Values, c)
	out.Title = k.Title
	return out, true, nil
}

// RenderContract is c's text: as it was signed, or for a draft the model
// text in force filled with what has been typed so far.
func (a *App) RenderContract(c *Contract) (ContractText, error) {
	var out ContractText
	err := a.db.View(func(tx *storage.Tx) error {
		if signedOnline(c) {
			kept, ok, err := keptContractText(tx, c)
			if err != nil || ok {
				out = kept
				return err
			}
		}
		ct, err := a.composeContract(tx, c)
		if err != nil {
			return err
		}
		out = fillContract(ct.version, ct.title, ct.body, ct.values, c)
		return nil
	})
	return out, err
}

// keepBatch is how many contracts one transaction of keepEarlierTexts keeps.
const keepBatch = 1000

// signedOnline tells whether c was signed online, so has a model text to
// keep: a draft never signed (even once cancelled) has no number.
func signedOnline(c *Contract) bool { return c.Source == ContractOnline && c.No != "" }

// keepEarlierTexts keeps the text of every contract signed online before
// this program kept texts at signing, as it reads now (how it read then
// cannot be known), a batch per transaction, once: a marker in the store
// records that it is done. A serving instance runs it in the background;
// until then such a contract prints composed afresh, as before.
func (a *App) keepEarlierTexts(ctx context.Context) error {
	var done bool
	if err := a.db.View(func(tx *storage.Tx) error { done = tx.Meta(keptMarkerKey) != nil; return nil }); err != nil || done {
		return err
	}
	start, kept := time.Now(), 0
	var after uint64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var next uint64
		err := a.db.Update(func(tx *storage.Tx) error {
			todo, n, err := contractTable.Page(tx, after, false, keepBatch, func(c *Contract) bool {
				return signedOnline(c) && tx.Get(keptTextBucket, storage.U64(c.ID)) == nil
			})
			if err != nil {
				return err
			}
			for _, c := range todo {
				if err := a.keepContractText(tx, c); err != nil {
					return err
				}
			}
			next, kept = n, kept+len(todo)
			if next == 0 {
				return tx.SetMeta(keptMarkerKey, []byte(time.Now().UTC().Format(time.RFC3339)))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if next == 0 {
			if kept > 0 {
				a.log.Info("texts of contracts signed earlier kept", "contracts", kept, "took", time.Since(start).Round(time.Millisecond))
			}
			return nil
		}
		after = next
	}
}
