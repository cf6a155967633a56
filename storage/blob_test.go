package storage_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"anju/storage"
)

func TestBlobs(t *testing.T) {
	db := mustOpen(t)
	const limit = 1 << 10
	big := bytes.Repeat([]byte{0xab}, limit)
	for _, tc := range []struct {
		name    string
		data    []byte
		limit   int64
		tooBig  bool
		invalid bool
	}{
		{"small", []byte("合同扫描件"), limit, false, false},
		{"empty", nil, limit, false, false},
		{"at the limit", big, limit, false, false},
		{"one over", append(big, 1), limit, true, false},
		{"no limit given", []byte("x"), 0, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var info storage.BlobInfo
			err := db.Update(func(tx *storage.Tx) (err error) {
				info, err = tx.PutBlob("scan.pdf", "application/pdf", tc.data, tc.limit)
				return err
			})
			switch {
			case tc.tooBig:
				mustErrIs(t, err, storage.ErrTooLarge)
				return
			case tc.invalid:
				if err == nil {
					t.Error("PutBlob with limit 0 succeeded")
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.data)
			if info.ID == 0 || info.Size != int64(len(tc.data)) || info.SHA256 != hex.EncodeToString(sum[:]) ||
				info.Name != "scan.pdf" || info.ContentType != "application/pdf" || time.Since(info.Created) > time.Minute {
				t.Errorf("info = %+v", info)
			}
			var got storage.BlobInfo
			var data []byte
			view(t, db, func(tx *storage.Tx) (err error) {
				got, data, err = tx.GetBlob(info.ID)
				return err
			})
			if got != info {
				t.Errorf("GetBlob info %+v, want %+v", got, info)
			}
			if !bytes.Equal(data, tc.data) || data == nil {
				t.Errorf("GetBlob data %q, want %q", data, tc.data)
			}
			update(t, db, func(tx *storage.Tx) error { return tx.DeleteBlob(info.ID) })
			view(t, db, func(tx *storage.Tx) error {
				_, _, err := tx.GetBlob(info.ID)
				mustErrIs(t, err, storage.ErrNotFound)
				return nil
			})
			err = db.Update(func(tx *storage.Tx) error { return tx.DeleteBlob(info.ID) })
			mustErrIs(t, err, storage.ErrNotFound)
		})
	}
	err := db.Update(func(tx *storage.Tx) error {
		_, err := tx.PutBlob("x", "", make([]byte, 10), 5)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "10") {
		t.Errorf("ErrTooLarge message should give the size: %v", err)
	}
}
