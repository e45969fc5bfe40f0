package ewstest

import (
	"bytes"
	"strings"
)

// autodiscover answers GetUserSettings with this server's own EWS URL.
func (s *Server) autodiscover(b *bytes.Buffer, c *call) {
	scheme := "http"
	if c.secure {
		scheme = "https"
	}
	ewsURL := scheme + "://" + c.host + "/EWS/Exchange.asmx"
	_, roomDomain, _ := strings.Cut(s.st.Room, "@")
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:a="http://www.w3.org/2005/08/addressing">` +
		`<s:Header><a:Action s:mustUnderstand="1">` + nsAuto + `/Autodiscover/GetUserSettingsResponse</a:Action></s:Header>` +
		`<s:Body><GetUserSettingsResponseMessage xmlns="` + nsAuto + `"><Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
		`<ErrorCode>NoError</ErrorCode><ErrorMessage/><UserResponses>`)
	for _, u := range c.env.Body.Op.Users {
		_, domain, _ := strings.Cut(strings.ToLower(strings.TrimSpace(u)), "@")
		b.WriteString(`<UserResponse>`)
		if domain != roomDomain {
			b.WriteString(`<ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user: '`)
			esc(b, u)
			b.WriteString(`'</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors/><UserSettings/></UserResponse>`)
			continue
		}
		b.WriteString(`<ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors/><UserSettings>`)
		for _, name := range []string{"InternalEwsUrl", "ExternalEwsUrl"} {
			b.WriteString(`<UserSetting i:type="StringSetting"><Name>` + name + `</Name><Value>`)
			esc(b, ewsURL)
			b.WriteString(`</Value></UserSetting>`)
		}
		b.WriteString(`</UserSettings></UserResponse>`)
	}
	b.WriteString(`</UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>`)
}
