package ui

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"os"
	"reflect"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"anju/app"
)

// The platform API (对接核验): listing platforms verify listings with an API
// key. Every answer is JSON, errors included:
//
//	{"error": {"code": "owner_mismatch", "message": "…", "field": "owner_id_no", "request_id": "…"}}
//
// code is stable and meant for programs (the message key without its
// namespace); message follows Accept-Language (Chinese by default); field
// names the request field in the JSON's own terms. The contract is
// ui/openapi.json, served at /api/v1/openapi.json.

const apiMaxBody = 64 << 10

//go:embed openapi.json
var openAPIDoc []byte

// apiServer holds the API's own state beside the Server.
type apiServer struct {
	*Server
	limiter *rateLimiter // per API key, at the key's own rate
}

func (s *Server) registerAPIRoutes(r *mux.Router) {
	h := &apiServer{Server: s, limiter: newRateLimiter(func() int { return 600 })}
	// Methods are checked by the handlers, not by mux: a subrouter's
	// routes share the prefix matcher, which makes mux forget a method
	// mismatch and answer 404 instead of 405.
	api := r.PathPrefix("/api/").Subrouter()
	api.NotFoundHandler = http.HandlerFunc(h.handleAPINotFound)
	api.HandleFunc("/v1/verifications", h.method(http.MethodPost, h.withKey(h.handleAPIVerify)))
	api.HandleFunc("/v1/verifications/{code}", h.method(http.MethodGet, h.withKey(h.handleAPIVerificationGet)))
	api.HandleFunc("/v1/openapi.json", h.method(http.MethodGet, h.handleAPIOpenAPI))
}

// apiErrorBody is the body of every error answer.
type apiErrorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code      string           `json:"code"`
	Message   string           `json:"message"`
	Field     string           `json:"field,omitempty"`
	Details   []apiFieldDetail `json:"details,omitempty"` // every field's problem, when more than one
	RequestID string           `json:"request_id,omitempty"`
}

type apiFieldDetail struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func apiJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // our own types: cannot fail
	}
	return buf.Bytes()
}

func writeAPIBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (h *apiServer) writeAPIError(w http.ResponseWriter, r *http.Request, status int, code, key, field string, args ...any) {
	writeAPIBody(w, status, apiJSON(apiErrorBody{apiError{Code: code, Message: h.msgs.t(apiLang(r), key, args...),
		Field: field, RequestID: requestID(r)}}))
}

func apiLang(r *http.Request) string { return pickLang(r, "") }

// apiCode is the machine code of a message key: "verify.owner_mismatch" →
// "owner_mismatch"; keys of other namespaces keep it ("idcard.checksum" →
// "idcard_checksum") so that codes never collide.
func apiCode(key string) string {
	for _, ns := range []string{"verify.", "api."} {
		if rest, ok := strings.CutPrefix(key, ns); ok {
			return rest
		}
	}
	return strings.ReplaceAll(key, ".", "_")
}

// apiFieldNames maps the verification form's field names to the API's.
var apiFieldNames = map[string]string{
	"address": "listing.address", "building": "listing.building", "room": "listing.room",
	"area": "listing.area", "layout": "listing.layout", "rent": "listing.rent", "mode": "listing.mode",
}

// apiFieldOrder ranks fields as they come in a request, so that the first
// problem reported is the first a reader meets.
var apiFieldOrder = []string{"district", "cert_type", "cert_no", "owner_name", "owner_id_type", "owner_id_no",
	"co_owners", "listing.address", "listing.building", "listing.room", "listing.area", "listing.layout",
	"listing.rent", "listing.mode"}

func apiFieldRank(f string) int {
	if strings.HasPrefix(f, "co_owners.") {
		f = "co_owners"
	}
	if i := slices.Index(apiFieldOrder, f); i >= 0 {
		return i
	}
	return len(apiFieldOrder)
}

func apiField(f string) string {
	if n, ok := apiFieldNames[f]; ok {
		return n
	}
	return f
}

// apiFail answers an error of the App: a refusal or invalid input is 422
// with the first field's problem (and all of them in details), the registry
// being unreachable 503, anything without a code 500 (logged).
func (h *apiServer) apiFail(r *http.Request, err error) (int, []byte) {
	e, ok := app.AsError(err)
	if !ok {
		h.log.Error("api request failed", "request_id", requestID(r), "path", r.URL.Path, "err", err)
		return http.StatusInternalServerError, apiJSON(apiErrorBody{apiError{Code: "internal",
			Message: h.msgs.t(apiLang(r), "api.internal"), RequestID: requestID(r)}})
	}
	lang := apiLang(r)
	status := statusOf(e.Code)
	body := apiError{RequestID: requestID(r)}
	switch e.Code {
	case app.EUNAVAILABLE:
		body.Code, body.Message = "registry_unavailable", h.msgs.t(lang, e.Key, e.Args...)
	case app.ENOTFOUND:
		body.Code, body.Message = "not_found", h.msgs.t(lang, "api.not_found")
	case app.EFORBIDDEN:
		body.Code, body.Message = "forbidden", h.msgs.t(lang, e.Key, e.Args...)
	case app.EUNAUTHORIZED:
		body.Code, body.Message = "unauthorized", h.msgs.t(lang, e.Key, e.Args...)
	default:
		fields := make([]string, 0, len(e.Fields))
		for f := range e.Fields {
			fields = append(fields, f)
		}
		slices.SortFunc(fields, func(a, b string) int {
			if ra, rb := apiFieldRank(apiField(a)), apiFieldRank(apiField(b)); ra != rb {
				return ra - rb
			}
			return strings.Compare(a, b)
		})
		for _, f := range fields {
			k := e.Fields[f]
			var args []any
			if k == e.Key {
				args = e.Args
			}
			body.Details = append(body.Details, apiFieldDetail{Field: apiField(f), Code: apiCode(k), Message: h.msgs.t(lang, k, args...)})
		}
		// The code is the field's message key: a wrapper key ("form.invalid",
		// or a banner such as "verify.refused") would hide the reason. A
		// field whose key is the error's own keeps the error's arguments.
		own := ""
		for f, k := range e.Fields {
			if k == e.Key {
				own = apiField(f)
			}
		}
		switch {
		case own != "":
			body.Code, body.Message, body.Field = apiCode(e.Key), h.msgs.t(lang, e.Key, e.Args...), own
		case len(body.Details) > 0:
			d := body.Details[0]
			body.Code, body.Message, body.Field = d.Code, d.Message, d.Field
		default:
			body.Code, body.Message = apiCode(e.Key), h.msgs.t(lang, e.Key, e.Args...)
		}
		if len(body.Details) < 2 {
			body.Details = nil
		}
	}
	return status, apiJSON(apiErrorBody{body})
}

// apiReadTimeout bounds the time a platform has to send its request (the
// server sets no overall read timeout, for the portals' uploads): a client
// that trickles its body in would otherwise hold a connection and its
// goroutine for as long as it likes.
const apiReadTimeout = 20 * time.Second

// withKey sets the request's read deadline, authenticates the bearer key,
// applies the key's rate limit and turns a panic into a JSON 500.
func (h *apiServer) withKey(next func(http.ResponseWriter, *http.Request, app.Actor, *app.APIKey)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d := time.Duration(h.apiReadTimeout.Load())
		if d == 0 {
			d = apiReadTimeout
		}
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("panic", "request_id", requestID(r), "panic", v, "stack", string(debug.Stack()))
				h.writeAPIError(w, r, http.StatusInternalServerError, "internal", "api.internal", "")
			}
		}()
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="anju"`)
			h.writeAPIError(w, r, http.StatusUnauthorized, "unauthorized", "api.key_missing", "")
			return
		}
		actor, key, err := h.app.AuthenticateAPIKey(token)
		if err != nil {
			if app.ErrorCode(err) == app.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="anju", error="invalid_token"`)
				h.writeAPIError(w, r, http.StatusUnauthorized, "unauthorized", errKey(err), "")
				return
			}
			status, body := h.apiFail(r, err)
			writeAPIBody(w, status, body)
			return
		}
		// Named before the rate limit, so that a platform's refused
		// requests are told apart in the log too.
		setRequestUser(r, "apikey:"+key.Name)
		if ok, wait := h.limiter.take(strconv.FormatUint(key.ID, 10), key.RatePerMin); !ok {
			secs := max(1, int(math.Ceil(wait.Seconds())))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			h.writeAPIError(w, r, http.StatusTooManyRequests, "rate_limited", "api.rate_limited", "", secs)
			return
		}
		actor.IP, actor.RequestID, actor.Lang = h.clientIP(r), requestID(r), apiLang(r)
		next(w, r, actor, key)
	}
}

// The request body of POST /api/v1/verifications.
type apiVerifyRequest struct {
	District    string         `json:"district"`
	CertType    string         `json:"cert_type"`
	CertNo      string         `json:"cert_no"`
	OwnerName   string         `json:"owner_name"`
	OwnerIDType string         `json:"owner_id_type"`
	OwnerIDNo   string         `json:"owner_id_no"`
	CoOwners    []apiOwner     `json:"co_owners"`
	Listing     apiListingJSON `json:"listing"`
}

type apiOwner struct {
	Name   string `json:"owner_name"`
	IDType string `json:"owner_id_type"`
	IDNo   string `json:"owner_id_no"`
}

// apiListingJSON is the listing as the API reads and writes it. Numbers
// are apiNumbers (apiIntegers where openapi.json says integer) so that
// the App checks their range and reports a bad one on its field, like the
// form does.
type apiListingJSON struct {
	Address  string     `json:"address"`
	Building string     `json:"building,omitempty"`
	Room     string     `json:"room,omitempty"`
	Area     apiNumber  `json:"area"`
	Layout   apiLayout  `json:"layout"`
	Rent     apiInteger `json:"rent"`
	Mode     string     `json:"mode"`
}

type apiLayout struct {
	Rooms apiInteger `json:"rooms"`
	Halls apiInteger `json:"halls"`
	Baths apiInteger `json:"baths"`
}

// apiNumber is a JSON number kept as its text. Unlike json.Number it
// refuses a string ("55.5" as well as "abc"): the documentation says
// number, and a platform sending strings learns it when it integrates,
// with the field named (a *json.UnmarshalTypeError, which the decoder
// completes with the field's path), not at the first odd value.
type apiNumber string

func (n *apiNumber) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9') && json.Valid(b) {
		*n = apiNumber(b)
		return nil
	}
	if string(b) == "null" {
		*n = ""
		return nil
	}
	kind := "string"
	switch {
	case len(b) > 0 && (b[0] == 't' || b[0] == 'f'):
		kind = "bool"
	case len(b) > 0 && b[0] == '{':
		kind = "object"
	case len(b) > 0 && b[0] == '[':
		kind = "array"
	}
	return &json.UnmarshalTypeError{Value: kind, Type: reflect.TypeFor[float64]()}
}

func (n apiNumber) MarshalJSON() ([]byte, error) {
	if n == "" {
		return []byte("null"), nil
	}
	return []byte(n), nil
}

func (n apiNumber) String() string { return string(n) }

// apiInteger is an apiNumber that is an integer, as JSON Schema counts
// them: 6500, also 6500.0 or 6.5e3, kept as "6500". A fraction (6500.5,
// 15e-1) is the wrong type, like a string. The test is on the digits, not
// a float64, so 6500.0000000000000001 is a fraction too. An integer too
// large for the App to read (1e300) is kept as written: the App refuses
// it as out of range.
type apiInteger string

func (n *apiInteger) UnmarshalJSON(b []byte) error {
	var num apiNumber
	if err := num.UnmarshalJSON(b); err != nil {
		err.(*json.UnmarshalTypeError).Type = reflect.TypeFor[int]()
		return err
	}
	*n = apiInteger(num)
	if !bytes.ContainsAny(b, ".eE") {
		return nil
	}
	text, neg := strings.CutPrefix(strings.ToLower(string(b)), "-")
	mant, exp, _ := strings.Cut(text, "e")
	e, _ := strconv.ParseInt(exp, 10, 32) // clamped when huge
	whole, frac, _ := strings.Cut(mant, ".")
	digits := whole + frac
	point := max(0, int64(len(whole))+e) // digits[point:] are the fraction
	switch {
	case point < int64(len(digits)):
		if strings.Trim(digits[point:], "0") != "" {
			return &json.UnmarshalTypeError{Value: "number " + string(b), Type: reflect.TypeFor[int]()}
		}
		digits = digits[:point]
	case point > 30:
		return nil
	default:
		digits += strings.Repeat("0", int(point)-len(digits))
	}
	digits = strings.TrimLeft(digits, "0")
	switch {
	case digits == "":
		*n = "0"
	case neg:
		*n = apiInteger("-" + digits)
	default:
		*n = apiInteger(digits)
	}
	return nil
}

func (n apiInteger) MarshalJSON() ([]byte, error) { return apiNumber(n).MarshalJSON() }

func (n apiInteger) String() string { return string(n) }

func (q *apiVerifyRequest) input() app.VerifyInput {
	in := app.VerifyInput{District: q.District, CertType: q.CertType, CertNo: q.CertNo,
		Owners:  []app.OwnerInput{{Name: q.OwnerName, IDType: q.OwnerIDType, IDNo: q.OwnerIDNo}},
		Address: q.Listing.Address, Building: q.Listing.Building, Room: q.Listing.Room,
		Area: q.Listing.Area.String(), Rooms: q.Listing.Layout.Rooms.String(), Halls: q.Listing.Layout.Halls.String(),
		Baths: q.Listing.Layout.Baths.String(), Rent: q.Listing.Rent.String(), Mode: q.Listing.Mode}
	for _, o := range q.CoOwners {
		in.Owners = append(in.Owners, app.OwnerInput{Name: o.Name, IDType: o.IDType, IDNo: o.IDNo})
	}
	return in
}

// decodeAPIRequest reads one JSON object, refusing unknown fields and
// trailing data. On failure it returns the message key, its argument and
// the field concerned.
func decodeAPIRequest(body []byte, v any) (key string, arg any, field string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return "api.bad_json", nil, ""
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return "api.bad_type", te.Field, te.Field
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			name, _ = strconv.Unquote(name)
			if p := unknownFieldPath(trimmed, ""); p != "" {
				name = p // with its place: listing.floor
			}
			return "api.unknown_field", name, name
		}
		return "api.bad_json", nil, ""
	}
	if _, err := dec.Token(); err != io.EOF {
		return "api.bad_json", nil, ""
	}
	return "", nil, ""
}

// apiKnownFields lists the fields of each object of the request, by path.
var apiKnownFields = map[string][]string{
	"":               {"district", "cert_type", "cert_no", "owner_name", "owner_id_type", "owner_id_no", "co_owners", "listing"},
	"co_owners":      {"owner_name", "owner_id_type", "owner_id_no"},
	"listing":        {"address", "building", "room", "area", "layout", "rent", "mode"},
	"listing.layout": {"rooms", "halls", "baths"},
}

// unknownFieldPath finds the first unknown field of a request object and
// returns its path (listing.floor, co_owners.1.phone), for the error.
func unknownFieldPath(raw []byte, level string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	join := func(a, b string) string {
		if a == "" {
			return b
		}
		return a + "." + b
	}
	names := slices.Sorted(maps.Keys(obj))
	for _, k := range names {
		known := slices.IndexFunc(apiKnownFields[level], func(f string) bool { return strings.EqualFold(f, k) })
		if known < 0 {
			return join(level, k)
		}
		f := apiKnownFields[level][known]
		switch sub := join(level, f); {
		case sub == "co_owners":
			var items []json.RawMessage
			if json.Unmarshal(obj[k], &items) == nil {
				for i, it := range items {
					if p := unknownFieldPath(it, "co_owners"); p != "" {
						return "co_owners." + strconv.Itoa(i) + strings.TrimPrefix(p, "co_owners")
					}
				}
			}
		case apiKnownFields[sub] != nil:
			if p := unknownFieldPath(obj[k], sub); p != "" {
				return p
			}
		}
	}
	return ""
}

func validIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// apiVerificationJSON is a verification as the API shows it.
type apiVerificationJSON struct {
	Code       string          `json:"code"`
	Status     string          `json:"status"`
	ValidUntil string          `json:"valid_until"`
	District   string          `json:"district,omitempty"`
	Listing    *apiListingJSON `json:"listing,omitempty"`
	Created    string          `json:"created,omitempty"`
	CheckURL   string          `json:"check_url"`
	NoticeURL  string          `json:"notice_url"`
	Warnings   []apiWarning    `json:"warnings,omitempty"`
	// Own and Requester answer a GET: whether this platform asked for the
	// code, and who did (the agency or platform the public check names).
	Own       *bool  `json:"own,omitempty"`
	Requester string `json:"requester,omitempty"`
	// EndedAt and EndReason answer a GET of a code that is no longer
	// valid (app.Verification.PublicEnd): when it stopped being valid and
	// why, for the platform to take the listing down and tell the agent.
	EndedAt   string      `json:"ended_at,omitempty"`
	EndReason *apiWarning `json:"end_reason,omitempty"`
}

// apiWarning is a machine code with its words in the request's language:
// a warning, or the reason a code ended.
type apiWarning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// noticeURL is the public 租赁房源核验告知单 /v/{code}/notice, which a
// platform can show or print without a sign-in (the portals' notice needs
// one); check_url is the page its QR code opens.
func (h *apiServer) noticeURL(r *http.Request, code string) string {
	return h.checkURL(r, code) + "/notice"
}

// verificationJSON gives times in UTC: stored times carry the offset of the
// server that wrote them, and a platform should not see the form of its
// answers change with the bureau's server settings.
func (h *apiServer) verificationJSON(r *http.Request, v *app.Verification, full bool) apiVerificationJSON {
	out := apiVerificationJSON{Code: v.Code, Status: v.State(time.Now()), ValidUntil: v.ValidUntil.UTC().Format(time.RFC3339),
		CheckURL: h.checkURL(r, v.Code), NoticeURL: h.noticeURL(r, v.Code)}
	lang := apiLang(r)
	// The notes of the pass (a mortgage: it may be let) hold while the code
	// is valid; beside "revoked" or "voided" they would read as advice to
	// let the flat, as the public check and the notice no longer show them.
	if out.Status == app.VStatusValid {
		for _, k := range v.Warnings {
			out.Warnings = append(out.Warnings, apiWarning{Code: apiCode(k), Message: h.msgs.t(lang, k)})
		}
	}
	if full {
		l := v.Listing
		out.District, out.Created = v.District, v.Created.UTC().Format(time.RFC3339)
		out.Listing = &apiListingJSON{Address: l.Address, Building: l.Building, Room: l.Room,
			Area: apiNumber(strconv.FormatFloat(l.Area, 'f', -1, 64)), Rent: apiInteger(strconv.Itoa(l.Rent)), Mode: l.Mode,
			Layout: apiLayout{Rooms: apiInteger(strconv.Itoa(l.Rooms)), Halls: apiInteger(strconv.Itoa(l.Halls)), Baths: apiInteger(strconv.Itoa(l.Baths))}}
	}
	return out
}

// handleAPIVerify is POST /api/v1/verifications.
func (h *apiServer) handleAPIVerify(w http.ResponseWriter, r *http.Request, actor app.Actor, key *app.APIKey) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			h.writeAPIError(w, r, http.StatusBadRequest, "bad_request", "api.content_type", "")
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, apiMaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.writeAPIError(w, r, http.StatusBadRequest, "bad_request", "api.body_too_large", "")
			return
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			h.writeAPIError(w, r, http.StatusRequestTimeout, "request_timeout", "api.read_timeout", "", int(apiReadTimeout/time.Second))
			return
		}
		h.writeAPIError(w, r, http.StatusBadRequest, "bad_request", "api.bad_json", "")
		return
	}
	idemKey := r.Header.Get("Idempotency-Key")
	if _, sent := r.Header["Idempotency-Key"]; sent && !validIdempotencyKey(idemKey) {
		h.writeAPIError(w, r, http.StatusBadRequest, "bad_request", "api.idempotency_key_invalid", "Idempotency-Key")
		return
	}
	var req apiVerifyRequest
	if k, arg, field := decodeAPIRequest(body, &req); k != "" {
		var args []any
		if arg != nil {
			args = append(args, arg)
		}
		h.writeAPIError(w, r, http.StatusBadRequest, "bad_request", k, field, args...)
		return
	}
	// answer renders the outcome; with an Idempotency-Key the App keeps it
	// in the verification's own transaction, so it must stay pure.
	answer := func(res app.VerifyResult, err error) (int, []byte) {
		if err != nil {
			return h.apiFail(r, err)
		}
		return http.StatusCreated, apiJSON(h.verificationJSON(r, res.Verification, false))
	}
	var hash string
	if idemKey != "" {
		sum := sha256.Sum256(body)
		hash = hex.EncodeToString(sum[:])
	}
	status, out, replay, err := h.app.PlatformVerifyOnce(actor, key, req.input(), idemKey, hash, answer)
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if err != nil {
		status, out = h.apiFail(r, err)
		if app.ErrorCode(err) == app.EINVALID {
			// The mismatch concerns the header, not a body field.
			var b apiErrorBody
			if json.Unmarshal(out, &b) == nil {
				b.Error.Field = "Idempotency-Key"
				out = apiJSON(b)
			}
		}
	}
	writeAPIBody(w, status, out)
}

// handleAPIVerificationGet is GET /api/v1/verifications/{code}: the
// platform's own codes, and others' in its key's districts
// (app.PlatformVerification); any other code is 404.
func (h *apiServer) handleAPIVerificationGet(w http.ResponseWriter, r *http.Request, actor app.Actor, key *app.APIKey) {
	v, own, err := h.app.PlatformVerification(actor, key, mux.Vars(r)["code"])
	if err != nil {
		status, body := h.apiFail(r, err)
		writeAPIBody(w, status, body)
		return
	}
	out := h.verificationJSON(r, v, true)
	out.Own = &own
	out.Requester = cmp.Or(v.Requester.AgencyName, v.Requester.Platform)
	if end, ok := v.PublicEnd(time.Now()); ok {
		if !end.At.IsZero() {
			out.EndedAt = end.At.UTC().Format(time.RFC3339)
		}
		out.EndReason = &apiWarning{Code: end.Reason, Message: h.msgs.t(apiLang(r), end.Key)}
	}
	writeAPIBody(w, http.StatusOK, apiJSON(out))
}

func (h *apiServer) handleAPIOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeAPIBody(w, http.StatusOK, openAPIDoc)
}

func (h *apiServer) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	h.writeAPIError(w, r, http.StatusNotFound, "not_found", "api.no_such_endpoint", "")
}

// method answers 405 (JSON, with Allow) to any other method than m; GET
// allows HEAD.
func (h *apiServer) method(m string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m && !(m == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", m)
			h.writeAPIError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "api.method", "")
			return
		}
		next(w, r)
	}
}
