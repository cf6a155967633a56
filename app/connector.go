package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The registry connector asks the real-estate registration centre's HTTP
// service for one property:
//
//	GET {url}?district=110105&cert_no=...   Authorization: Bearer {token}
//	200 {"found": true, "property": {...}}  or  {"found": false}
//
// Anything else — no answer, a timeout, a non-200 status, a body that is
// not this JSON (the seed's "返回报文解析错误") — is a connector failure:
// logged with the detail IT needs, shown as "registry unavailable", never
// a refusal of the owner.
type connector struct {
	url, token string
	timeout    time.Duration
	client     *http.Client
}

func (a *App) connector() *connector {
	timeout := time.Duration(a.ParamInt(ParamConnectorMillis)) * time.Millisecond
	return &connector{url: a.ParamString(ParamConnectorURL), token: a.ParamString(ParamConnectorToken),
		timeout: timeout, client: a.httpClient}
}

type connectorOwner struct {
	Name   string `json:"name"`
	IDType string `json:"id_type"`
	IDNo   string `json:"id_no"`
	Share  string `json:"share"`
}

type connectorProperty struct {
	District     string           `json:"district"`
	CertType     string           `json:"cert_type"`
	CertNo       string           `json:"cert_no"`
	Owners       []connectorOwner `json:"owners"`
	Address      string           `json:"address"`
	Area         float64          `json:"area"`
	Use          string           `json:"use"`
	Seized       bool             `json:"seized"`
	Mortgaged    bool             `json:"mortgaged"`
	Disputed     bool             `json:"disputed"`
	Cancelled    bool             `json:"cancelled"`
	Restricted   bool             `json:"restricted"`
	RegisteredOn string           `json:"registered_on"`
}

type connectorAnswer struct {
	Found    *bool              `json:"found"`
	Property *connectorProperty `json:"property"`
}

// ConnectorError is a failure to get an answer from the registry service.
type ConnectorError struct {
	Kind   string // "config", "unreachable", "timeout", "status", "malformed"
	Detail string
}

func (e *ConnectorError) Error() string { return "registry connector " + e.Kind + ": " + e.Detail }

func (c *connector) lookup(district, certNo string) (*Property, bool, error) {
	if c.url == "" {
		return nil, false, &ConnectorError{Kind: "config", Detail: "no connector URL configured"}
	}
	if CheckHTTPURL(c.url) != "" {
		// Stored before the parameter was checked: say so instead of
		// "unsupported protocol scheme".
		return nil, false, &ConnectorError{Kind: "config", Detail: fmt.Sprintf("connector URL %q is not an http(s) address", c.url)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	u := c.url
	if strings.Contains(u, "?") {
		u += "&"
	} else {
		u += "?"
	}
	u += url.Values{"district": {district}, "cert_no": {certNo}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, &ConnectorError{Kind: "config", Detail: err.Error()}
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, false, &ConnectorError{Kind: "timeout", Detail: fmt.Sprintf("no answer within %s", c.timeout)}
		}
		return nil, false, &ConnectorError{Kind: "unreachable", Detail: err.Error()}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, false, &ConnectorError{Kind: "timeout", Detail: fmt.Sprintf("answer not complete within %s", c.timeout)}
		}
		return nil, false, &ConnectorError{Kind: "unreachable", Detail: err.Error()}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, false, &ConnectorError{Kind: "status", Detail: fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, body)}
	}
	var ans connectorAnswer
	if err := json.Unmarshal(body, &ans); err != nil || ans.Found == nil {
		return nil, false, &ConnectorError{Kind: "malformed", Detail: fmt.Sprintf("cannot parse answer (%v): %.200s", err, body)}
	}
	if !*ans.Found {
		return nil, false, nil
	}
	cp := ans.Property
	if cp == nil || NormalizeCertNo(cp.CertNo) != certNo || len(cp.Owners) == 0 {
		return nil, false, &ConnectorError{Kind: "malformed", Detail: fmt.Sprintf("answer lacks the property, its certificate number or owners: %.200s", body)}
	}
	p := &Property{District: district, CertType: cp.CertType, CertNo: certNo, Address: cp.Address, Area: cp.Area,
		Use: cp.Use, Seized: cp.Seized, Mortgaged: cp.Mortgaged, Disputed: cp.Disputed, Cancelled: cp.Cancelled,
		Restricted: cp.Restricted}
	if t, err := time.Parse("2006-01-02", cp.RegisteredOn); err == nil {
		p.RegisteredOn = t
	}
	for _, o := range cp.Owners {
		p.Owners = append(p.Owners, Owner{Name: strings.TrimSpace(o.Name), IDType: o.IDType, IDNo: NormalizeResidentID(o.IDNo), Share: o.Share})
	}
	return p, true, nil
}
