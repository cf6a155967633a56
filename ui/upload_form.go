package ui

import (
	"errors"
	"io"
	"net/http"
	"net/url"
)

// uploadedFile is one file of a form.
type uploadedFile struct {
	Name string
	Data []byte
}

// What readUploadForm reports; each form turns them into its own messages.
var (
	errUploadTooBig   = errors.New("upload over the limit")
	errFormUnreadable = errors.New("form unreadable")
)

// readUploadForm reads a form with files part by part into r.PostForm, and
// the files chosen for fileField, each read up to fileLimit+1 bytes so that
// the app can name one over its limit. Reading part by part keeps what was
// typed even when the request is over the server's limit (the fields come
// before the files): that is errUploadTooBig, the file field's error.
// chosen reports whether a file was chosen at all (a failed submission asks
// for the files again; a browser cannot keep them). A form that is not
// multipart is parsed as an ordinary one.
func readUploadForm(r *http.Request, fileField string, fileLimit, textLimit int64) (files []uploadedFile, chosen bool, err error) {
	mr, merr := r.MultipartReader()
	if merr != nil {
		if err := r.ParseForm(); err != nil {
			r.PostForm = url.Values{}
			return nil, false, errFormUnreadable
		}
		return nil, false, nil
	}
	r.PostForm = url.Values{}
	failed := func(err error) error {
		if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
			return errUploadTooBig
		}
		return errFormUnreadable
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return files, chosen, nil
		}
		if err != nil {
			return files, chosen, failed(err)
		}
		if part.FormName() == fileField {
			if part.FileName() == "" {
				continue // the file field left empty
			}
			chosen = true
			data, err := io.ReadAll(io.LimitReader(part, fileLimit+1))
			if err != nil {
				return files, chosen, failed(err)
			}
			files = append(files, uploadedFile{Name: part.FileName(), Data: data})
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, textLimit))
		if err != nil {
			return files, chosen, failed(err)
		}
		r.PostForm.Add(part.FormName(), string(b))
	}
}
