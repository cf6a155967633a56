package app

import (
	"slices"
	"strings"

	"anju/storage"
)

// Required documents 要件 of a contract: scans of the parties' IDs, the
// property certificate, the power of attorney when an agent signs for the
// owner, and others. They are judged by their content (PDF, JPEG or PNG),
// never by the file name.

// ContractDocMaxBytes bounds one document.
const ContractDocMaxBytes = 10 << 20

// maxContractDocs bounds how many documents one contract holds.
const maxContractDocs = 30

// SignDocKinds are the kinds uploaded at step 5 of the signing form.
var SignDocKinds = []string{"id_copy", "certificate", "power_of_attorney", "other"}

// checkContractDoc checks an upload for field and returns its content type.
func checkContractDoc(field string, data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", fieldError(field, "contract.doc_required")
	case len(data) > ContractDocMaxBytes:
		return "", fieldError(field, "contract.doc_too_big")
	}
	ct := documentType(data)
	if ct == "" {
		return "", fieldError(field, "contract.doc_type")
	}
	return ct, nil
}

// addContractDoc stores a checked document in the caller's transaction and
// appends it to c (the caller writes c). Other workflows use it too
// (revocation, back-entry) with their own kinds.
func addContractDoc(tx *storage.Tx, c *Contract, actor Actor, kind, name string, data []byte, field string) error {
	ct, err := checkContractDoc(field, data)
	if err != nil {
		return err
	}
	if len(c.Docs) >= maxContractDocs {
		return fieldError(field, "contract.doc_too_many")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = kind
	}
	if r := []rune(name); len(r) > 80 {
		name = string(r[len(r)-80:])
	}
	info, err := tx.PutBlob(name, ct, data, ContractDocMaxBytes)
	if err != nil {
		return err
	}
	c.Docs = append(c.Docs, ContractDoc{Kind: kind, Blob: info.ID, Name: name, Type: ct, Size: info.Size,
		Uploaded: info.Created, By: actor.Username})
	return nil
}

// loadDraft reads a draft the actor may edit: his own (or, for an agency
// admin, his agency's), while it is a draft.
func (a *App) loadDraft(tx *storage.Tx, actor Actor, id uint64) (*Contract, error) {
	if err := actor.require(PermContractSign); err != nil {
		return nil, err
	}
	c, err := contractTable.Get(tx, id)
	if err != nil || !canSeeContract(actor, c) {
		return nil, notFound("contract.not_found", err)
	}
	if c.Status != ContractDraft {
		return nil, Errorf(ECONFLICT, "contract.not_draft")
	}
	return c, nil
}

// AttachContractDoc adds a document to a draft at step 5.
func (a *App) AttachContractDoc(actor Actor, id uint64, kind, name string, data []byte) (*Contract, error) {
	if !slices.Contains(SignDocKinds, kind) {
		return nil, fieldError("kind", "contract.doc_kind_unknown")
	}
	if _, err := checkContractDoc("file", data); err != nil {
		return nil, err
	}
	if err := a.requireFiledAgency(actor); err != nil {
		return nil, err
	}
	var c *Contract
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if c, err = a.loadDraft(tx, actor, id); err != nil {
			return err
		}
		if err := addContractDoc(tx, c, actor, kind, name, data, "file"); err != nil {
			return err
		}
		c.Updated = a.now()
		return contractTable.Put(tx, c)
	})
	return c, err
}

// RemoveContractDoc removes document n (0-based) from a draft; its bytes
// go too, as nobody else refers to them.
func (a *App) RemoveContractDoc(actor Actor, id uint64, n int) (*Contract, error) {
	var c *Contract
	err := a.update(func(tx *storage.Tx) error {
		var err error
		if c, err = a.loadDraft(tx, actor, id); err != nil {
			return err
		}
		if n < 0 || n >= len(c.Docs) {
			return Errorf(ENOTFOUND, "contract.doc_not_found")
		}
		blob := c.Docs[n].Blob
		c.Docs = slices.Delete(c.Docs, n, n+1)
		if err := tx.DeleteBlob(blob); err != nil && !errorsIsNotFound(err) {
			return err
		}
		c.Updated = a.now()
		return contractTable.Put(tx, c)
	})
	return c, err
}

// ContractDocument returns document n (0-based) of a contract the actor
// may see, with its bytes.
func (a *App) ContractDocument(actor Actor, id uint64, n int) (ContractDoc, []byte, error) {
	if err := actor.require(PermContractView); err != nil {
		return ContractDoc{}, nil, err
	}
	var d ContractDoc
	var data []byte
	err := a.db.View(func(tx *storage.Tx) error {
		c, err := contractTable.Get(tx, id)
		if err != nil || !canSeeContract(actor, c) {
			return notFound("contract.not_found", err)
		}
		if n < 0 || n >= len(c.Docs) {
			return Errorf(ENOTFOUND, "contract.doc_not_found")
		}
		d = c.Docs[n]
		if _, data, err = tx.GetBlob(d.Blob); err != nil {
			return notFound("contract.doc_not_found", err)
		}
		return nil
	})
	return d, data, err
}
