package ews

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const nsAutodiscover = "http://schemas.microsoft.com/exchange/2010/Autodiscover"

// DefaultAutodiscoverEndpoints are the SOAP Autodiscover URLs to try for
// email, in order: autodiscover.<domain>, then <domain> itself.
func DefaultAutodiscoverEndpoints(email string) []string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 || at == len(email)-1 {
		return nil
	}
	domain := strings.ToLower(email[at+1:])
	return []string{
		"https://autodiscover." + domain + "/autodiscover/autodiscover.svc",
		"https://" + domain + "/autodiscover/autodiscover.svc",
	}
}

type autodiscoverResponse struct {
	Response struct {
		ErrorCode     string `xml:"ErrorCode"`
		ErrorMessage  string `xml:"ErrorMessage"`
		UserResponses []struct {
			ErrorCode    string `xml:"ErrorCode"`
			ErrorMessage string `xml:"ErrorMessage"`
			Settings     []struct {
				Name  string `xml:"Name"`
				Value string `xml:"Value"`
			} `xml:"UserSettings>UserSetting"`
		} `xml:"UserResponses>UserResponse"`
	} `xml:"Response"`
}

// Autodiscover finds the EWS URL of email's mailbox with SOAP Autodiscover
// (GetUserSettings: ExternalEwsUrl, else InternalEwsUrl), trying endpoints
// in order (DefaultAutodiscoverEndpoints when nil). hc carries TLS roots
// and authentication; nil means http.DefaultClient.
func Autodiscover(ctx context.Context, hc *http.Client, email string, endpoints []string) (string, error) {
	if _, err := CheckAddress(email); err != nil {
		return "", fmt.Errorf("ews: autodiscover: %w; enter the mailbox's SMTP address (name@domain)", err)
	}
	if endpoints == nil {
		endpoints = DefaultAutodiscoverEndpoints(email)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	var errs []error
	for _, ep := range endpoints {
		u, err := autodiscoverOne(ctx, hc, email, ep)
		if err == nil {
			return u, nil
		}
		if ctx.Err() != nil {
			return "", fmt.Errorf("ews: autodiscover for %s: %w", email, ctx.Err())
		}
		errs = append(errs, err)
	}
	return "", fmt.Errorf("ews: autodiscover found no EWS URL for %s; enter the EWS URL by hand (https://<server>/EWS/Exchange.asmx) or fix the autodiscover DNS records: %w", email, errors.Join(errs...))
}

func autodiscoverOne(ctx context.Context, hc *http.Client, email, endpoint string) (string, error) {
	const op = "GetUserSettings"
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%s: not an https URL", endpoint)
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<soap:Envelope xmlns:soap="` + nsSOAP + `" xmlns:a="` + nsAutodiscover + `" xmlns:wsa="http://www.w3.org/2005/08/addressing">` +
		`<soap:Header><a:RequestedServerVersion>Exchange2013</a:RequestedServerVersion>` +
		`<wsa:Action>` + nsAutodiscover + `/Autodiscover/GetUserSettings</wsa:Action><wsa:To>`)
	xmlEscape(&b, endpoint)
	b.WriteString(`</wsa:To></soap:Header><soap:Body><a:GetUserSettingsRequestMessage><a:Request><a:Users><a:User><a:Mailbox>`)
	xmlEscape(&b, email)
	b.WriteString(`</a:Mailbox></a:User></a:Users><a:RequestedSettings><a:Setting>ExternalEwsUrl</a:Setting><a:Setting>InternalEwsUrl</a:Setting></a:RequestedSettings></a:Request></a:GetUserSettingsRequestMessage></soap:Body></soap:Envelope>`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, &b)
	if err != nil {
		return "", fmt.Errorf("%s: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", nsAutodiscover+"/Autodiscover/GetUserSettings")
	req.Header.Set("X-AnchorMailbox", email)
	res, err := hc.Do(req)
	if err != nil {
		return "", &transportError{op: "autodiscover", url: endpoint, network: isNetworkError(err), err: err}
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %w", endpoint, httpError("autodiscover", res))
	}
	var ad autodiscoverResponse
	if err := decodeEnvelope(&limitedReader{r: res.Body, n: 1 << 20}, op, endpoint, &ad); err != nil {
		return "", err
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if c := ad.Response.ErrorCode; c != "" && c != "NoError" {
		return "", fmt.Errorf("%s: %s (%s)", endpoint, c, ad.Response.ErrorMessage)
	}
	if len(ad.Response.UserResponses) == 0 {
		return "", fmt.Errorf("%s: the answer has no user response", endpoint)
	}
	ur := ad.Response.UserResponses[0]
	if ur.ErrorCode != "" && ur.ErrorCode != "NoError" {
		return "", fmt.Errorf("%s: %s for %s (%s)", endpoint, ur.ErrorCode, email, ur.ErrorMessage)
	}
	found := map[string]string{}
	for _, s := range ur.Settings {
		found[s.Name] = strings.TrimSpace(s.Value)
	}
	for _, name := range []string{"ExternalEwsUrl", "InternalEwsUrl"} {
		if v := found[name]; v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("%s: the answer has neither ExternalEwsUrl nor InternalEwsUrl for %s", endpoint, email)
}
