package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// BlobInfo describes an attachment.
type BlobInfo struct {
	ID          uint64    `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"` // lowercase hex
	Created     time.Time `json:"created"`
}

// PutBlob stores an attachment and returns its description; the ID is the
// blobs bucket's next sequence. It fails with ErrTooLarge when data is over
// limit bytes (limit must be positive).
func (tx *Tx) PutBlob(name, contentType string, data []byte, limit int64) (BlobInfo, error) {
	if !tx.Writable() {
		return BlobInfo{}, ErrReadOnly
	}
	if limit <= 0 {
		return BlobInfo{}, errors.New("blob size limit must be positive")
	}
	if int64(len(data)) > limit {
		return BlobInfo{}, fmt.Errorf("blob %q is %d bytes, the limit is %d: %w", name, len(data), limit, ErrTooLarge)
	}
	sum := sha256.Sum256(data)
	info := BlobInfo{
		Name:        name,
		ContentType: contentType,
		Size:        int64(len(data)),
		SHA256:      hex.EncodeToString(sum[:]),
		Created:     time.Now().UTC(),
	}
	id, err := tx.NextSequence(blobBucket)
	if err != nil {
		return BlobInfo{}, err
	}
	info.ID = id
	meta, err := json.Marshal(info)
	if err != nil {
		return BlobInfo{}, err
	}
	if data == nil {
		data = []byte{}
	}
	if err := tx.Put(blobDataBucket, U64(id), data); err != nil {
		return BlobInfo{}, err
	}
	if err := tx.Put(blobBucket, U64(id), meta); err != nil {
		return BlobInfo{}, err
	}
	return info, nil
}

// GetBlob returns an attachment's description and a copy of its bytes;
// ErrNotFound when absent.
func (tx *Tx) GetBlob(id uint64) (BlobInfo, []byte, error) {
	info, err := tx.blobInfo(id)
	if err != nil {
		return BlobInfo{}, nil, err
	}
	data := tx.Get(blobDataBucket, U64(id))
	if data == nil {
		return BlobInfo{}, nil, fmt.Errorf("blob %d: data missing: %w", id, ErrNotFound)
	}
	return info, data, nil
}

func (tx *Tx) blobInfo(id uint64) (BlobInfo, error) {
	raw := tx.Get(blobBucket, U64(id))
	if raw == nil {
		return BlobInfo{}, fmt.Errorf("blob %d: %w", id, ErrNotFound)
	}
	var info BlobInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return BlobInfo{}, fmt.Errorf("blob %d: %w", id, err)
	}
	return info, nil
}

// DeleteBlob removes an attachment; ErrNotFound when absent.
func (tx *Tx) DeleteBlob(id uint64) error {
	if !tx.Writable() {
		return ErrReadOnly
	}
	if _, err := tx.blobInfo(id); err != nil {
		return err
	}
	if err := tx.Delete(blobDataBucket, U64(id)); err != nil {
		return err
	}
	return tx.Delete(blobBucket, U64(id))
}
