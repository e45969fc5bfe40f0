package manifest

import (
	"bytes"
	"encoding/xml"
	"fmt"

	"vmr-companion/backend/manifest/mobileicon"
)

// Namespaces of the add-in manifest (OfficeAppManifestV1_1.xsd and the
// schemas it imports).
const (
	nsOfficeApp  = "http://schemas.microsoft.com/office/appforoffice/1.1"
	nsXSI        = "http://www.w3.org/2001/XMLSchema-instance"
	nsBasicTypes = "http://schemas.microsoft.com/office/officeappbasictypes/1.0"
	nsMailOR10   = "http://schemas.microsoft.com/office/mailappversionoverrides"
	nsMailOR11   = "http://schemas.microsoft.com/office/mailappversionoverrides/1.1"
)

// Resource ids (bt:ReferenceId: 1–32 characters, unique in a Resources).
const (
	resIcon16      = "vmrcIcon16"
	resIcon32      = "vmrcIcon32"
	resIcon80      = "vmrcIcon80"
	resTaskpaneURL = "vmrcTaskpaneUrl"
	resCommandsURL = "vmrcCommandsUrl"
	// The mobile function file's URL names the integration (the desktop's
	// function file runs nothing and needs none).
	resMobileCommandsURL = "vmrcMobileCommandsUrl"
	resGroupLabel        = "vmrcGroupLabel"
	resButtonLabel       = "vmrcButtonLabel"
	resSupertipTitle     = "vmrcSupertipTitle"
	resSupertipText      = "vmrcSupertipText"
)

// Requirement sets: Mailbox 1.1 to activate at all, 1.3 for add-in commands
// (VersionOverrides 1.0), 1.8 for shared folders, i.e. delegates
// (VersionOverrides 1.1 with SupportsSharedFolders).
const (
	mailboxBase     = "1.1"
	mailboxCommands = "1.3"
	mailboxShared   = "1.8"
)

// The element names below carry their prefix ("bt:Sets") and the namespace
// declarations are plain attributes: encoding/xml writes both as they are,
// which gives the prefixes the schemas' samples use instead of the
// per-element xmlns declarations encoding/xml would invent.

type xOfficeApp struct {
	XMLName               xml.Name      `xml:"OfficeApp"`
	NS                    string        `xml:"xmlns,attr"`
	NSXSI                 string        `xml:"xmlns:xsi,attr"`
	NSBT                  string        `xml:"xmlns:bt,attr"`
	Type                  string        `xml:"xsi:type,attr"`
	ID                    string        `xml:"Id"`
	Version               string        `xml:"Version"`
	ProviderName          string        `xml:"ProviderName"`
	DefaultLocale         string        `xml:"DefaultLocale"`
	DisplayName           xDefault      `xml:"DisplayName"`
	Description           xDefault      `xml:"Description"`
	IconURL               xDefault      `xml:"IconUrl"`
	HighResolutionIconURL xDefault      `xml:"HighResolutionIconUrl"`
	SupportURL            xDefault      `xml:"SupportUrl"`
	AppDomains            []string      `xml:"AppDomains>AppDomain"`
	Hosts                 []xHostName   `xml:"Hosts>Host"`
	Requirements          xRequirements `xml:"Requirements"`
	FormSettings          xFormSettings `xml:"FormSettings"`
	Permissions           string        `xml:"Permissions"`
	Rule                  xItemIs       `xml:"Rule"`
	VersionOverrides      xOverrides    `xml:"VersionOverrides"`
}

type xDefault struct {
	DefaultValue string `xml:"DefaultValue,attr"`
}

type xHostName struct {
	Name string `xml:"Name,attr"`
}

type xRequirements struct {
	Sets []xSet `xml:"Sets>Set"`
}

type xSet struct {
	Name       string `xml:"Name,attr"`
	MinVersion string `xml:"MinVersion,attr,omitempty"`
}

type xFormSettings struct {
	Form xForm `xml:"Form"`
}

type xForm struct {
	Type           string   `xml:"xsi:type,attr"`
	SourceLocation xDefault `xml:"DesktopSettings>SourceLocation"`
}

type xItemIs struct {
	Type     string `xml:"xsi:type,attr"`
	ItemType string `xml:"ItemType,attr"`
	FormType string `xml:"FormType,attr"`
}

// xOverrides is VersionOverrides 1.0 (MailAppVersionOverridesV1_0.xsd) or,
// as its Inner, 1.1 (MailAppVersionOverridesV1_1.xsd); the two share their
// shape but for SupportsSharedFolders and WebApplicationInfo, 1.1 only.
type xOverrides struct {
	NS                 string       `xml:"xmlns,attr"`
	Type               string       `xml:"xsi:type,attr"`
	Requirements       xSets        `xml:"Requirements>bt:Sets"`
	Hosts              []xMailHost  `xml:"Hosts>Host"`
	Resources          xResources   `xml:"Resources"`
	WebApplicationInfo *xWebAppInfo `xml:"WebApplicationInfo,omitempty"`
	Inner              *xOverrides  `xml:"VersionOverrides,omitempty"`
}

type xSets struct {
	DefaultMinVersion string `xml:"DefaultMinVersion,attr"`
	Sets              []xSet `xml:"bt:Set"`
}

type xMailHost struct {
	Type    string             `xml:"xsi:type,attr"`
	Desktop xFormFactor        `xml:"DesktopFormFactor"`
	Mobile  *xMobileFormFactor `xml:"MobileFormFactor,omitempty"`
}

// xMobileFormFactor is the online-meeting provider of Outlook on iOS and
// Android (MailAppVersionOverridesV1_1.xsd, MobileOnlineMeetingCommandSurface):
// one MobileButton that runs a function of the function file, no pane.
type xMobileFormFactor struct {
	FunctionFile   xResRef               `xml:"FunctionFile"`
	ExtensionPoint xMobileExtensionPoint `xml:"ExtensionPoint"`
}

type xMobileExtensionPoint struct {
	Type    string        `xml:"xsi:type,attr"`
	Control xMobileButton `xml:"Control"`
}

type xMobileButton struct {
	Type   string            `xml:"xsi:type,attr"`
	ID     string            `xml:"id,attr"`
	Label  xResRef           `xml:"Label"`
	Icon   []xMobileImageRef `xml:"Icon>bt:Image"`
	Action xFunctionAction   `xml:"Action"`
}

type xMobileImageRef struct {
	Size  int    `xml:"size,attr"`
	Scale int    `xml:"scale,attr"`
	ResID string `xml:"resid,attr"`
}

type xFunctionAction struct {
	Type         string `xml:"xsi:type,attr"`
	FunctionName string `xml:"FunctionName"`
}

type xFormFactor struct {
	SupportsSharedFolders *bool           `xml:"SupportsSharedFolders,omitempty"`
	FunctionFile          xResRef         `xml:"FunctionFile"`
	ExtensionPoint        xExtensionPoint `xml:"ExtensionPoint"`
}

type xResRef struct {
	ResID string `xml:"resid,attr"`
}

type xExtensionPoint struct {
	Type      string `xml:"xsi:type,attr"`
	OfficeTab xTab   `xml:"OfficeTab"`
}

type xTab struct {
	ID    string `xml:"id,attr"`
	Group xGroup `xml:"Group"`
}

type xGroup struct {
	ID      string   `xml:"id,attr"`
	Label   xResRef  `xml:"Label"`
	Control xControl `xml:"Control"`
}

type xControl struct {
	Type     string      `xml:"xsi:type,attr"`
	ID       string      `xml:"id,attr"`
	Label    xResRef     `xml:"Label"`
	Supertip xSupertip   `xml:"Supertip"`
	Icon     []xImageRef `xml:"Icon>bt:Image"`
	Action   xAction     `xml:"Action"`
}

type xSupertip struct {
	Title       xResRef `xml:"Title"`
	Description xResRef `xml:"Description"`
}

type xImageRef struct {
	Size  int    `xml:"size,attr"`
	ResID string `xml:"resid,attr"`
}

type xAction struct {
	Type           string  `xml:"xsi:type,attr"`
	SourceLocation xResRef `xml:"SourceLocation"`
}

type xResources struct {
	Images       []xResource `xml:"bt:Images>bt:Image"`
	URLs         []xResource `xml:"bt:Urls>bt:Url"`
	ShortStrings []xResource `xml:"bt:ShortStrings>bt:String"`
	LongStrings  []xResource `xml:"bt:LongStrings>bt:String"`
}

type xResource struct {
	ID           string `xml:"id,attr"`
	DefaultValue string `xml:"DefaultValue,attr"`
}

type xWebAppInfo struct {
	ID       string   `xml:"Id"`
	Resource string   `xml:"Resource"`
	Scopes   []string `xml:"Scopes>Scope"`
}

const xmlComment = "<!-- Outlook add-in manifest written by VMR Companion for one integration. Edit the integration, not this file. -->\n"

// XML returns the Outlook add-in XML manifest (OfficeApp, xsi:type MailApp).
// It validates against OfficeAppManifestV1_1.xsd and the schemas it imports.
func XML(p Params) ([]byte, error) {
	m, err := newModel(p)
	if err != nil {
		return nil, err
	}
	app := m.officeApp()
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString(xmlComment)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(app); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return selfClose(buf.Bytes()), nil
}

// selfClose writes the empty elements encoding/xml spells <A x="1"></A> as
// <A x="1"/>. Only an end tag right after the start tag of the same name is
// folded: "></" cannot occur in attribute values or text, where encoding/xml
// escapes '<' and '>'.
func selfClose(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b))
	for {
		i := bytes.Index(b, []byte("></"))
		if i < 0 {
			out.Write(b)
			return out.Bytes()
		}
		start := bytes.LastIndexByte(b[:i], '<')
		end := bytes.IndexByte(b[i+3:], '>')
		if start >= 0 && end >= 0 && !bytes.ContainsAny(b[start+1:start+2], "/?!") {
			name, _, _ := bytes.Cut(b[start+1:i], []byte(" "))
			if bytes.Equal(name, b[i+3:i+3+end]) {
				out.Write(b[:i])
				out.WriteString("/>")
				b = b[i+3+end+1:]
				continue
			}
		}
		out.Write(b[:i+3])
		b = b[i+3:]
	}
}

func (m *model) officeApp() *xOfficeApp {
	domains := make([]string, len(m.domains))
	for i, d := range m.domains {
		domains[i] = "https://" + d
	}
	inner := m.overrides(nsMailOR11, "VersionOverridesV1_1", mailboxShared, true)
	outer := m.overrides(nsMailOR10, "VersionOverridesV1_0", mailboxCommands, false)
	outer.Inner = &inner
	return &xOfficeApp{
		NS:                    nsOfficeApp,
		NSXSI:                 nsXSI,
		NSBT:                  nsBasicTypes,
		Type:                  "MailApp",
		ID:                    m.id,
		Version:               m.version,
		ProviderName:          fit(m.provider, xmlShortMax),
		DefaultLocale:         "en-US",
		DisplayName:           xDefault{m.name(xmlShortMax)},
		Description:           xDefault{fit(m.description, xmlLongMax)},
		IconURL:               xDefault{m.asset(IconFile(64))},
		HighResolutionIconURL: xDefault{m.asset(IconFile(128))},
		SupportURL:            xDefault{m.supportURL},
		AppDomains:            domains,
		Hosts:                 []xHostName{{Name: "Mailbox"}},
		Requirements:          xRequirements{Sets: []xSet{{Name: "Mailbox", MinVersion: mailboxBase}}},
		FormSettings:          xFormSettings{Form: xForm{Type: "ItemEdit", SourceLocation: xDefault{m.taskpaneURL}}},
		Permissions:           "ReadWriteItem",
		Rule:                  xItemIs{Type: "ItemIs", ItemType: "Appointment", FormType: "Edit"},
		VersionOverrides:      outer,
	}
}

// overrides builds one VersionOverrides: the same button on the appointment
// organizer surface, with the 1.1-only parts when v11 is set.
func (m *model) overrides(ns, typ, mailbox string, v11 bool) xOverrides {
	ff := xFormFactor{
		FunctionFile: xResRef{resCommandsURL},
		ExtensionPoint: xExtensionPoint{
			Type: "AppointmentOrganizerCommandSurface",
			OfficeTab: xTab{ID: "TabDefault", Group: xGroup{
				ID:    m.groupID,
				Label: xResRef{resGroupLabel},
				Control: xControl{
					Type:     "Button",
					ID:       m.controlID,
					Label:    xResRef{resButtonLabel},
					Supertip: xSupertip{Title: xResRef{resSupertipTitle}, Description: xResRef{resSupertipText}},
					Icon:     []xImageRef{{16, resIcon16}, {32, resIcon32}, {80, resIcon80}},
					Action:   xAction{Type: "ShowTaskpane", SourceLocation: xResRef{resTaskpaneURL}},
				},
			}},
		},
	}
	o := xOverrides{
		NS:           ns,
		Type:         typ,
		Requirements: xSets{DefaultMinVersion: mailbox, Sets: []xSet{{Name: "Mailbox"}}},
		Hosts:        []xMailHost{{Type: "MailHost", Desktop: ff}},
		Resources: xResources{
			Images: []xResource{
				{resIcon16, m.asset(IconFile(16))},
				{resIcon32, m.asset(IconFile(32))},
				{resIcon80, m.asset(IconFile(80))},
			},
			URLs: []xResource{
				{resTaskpaneURL, m.taskpaneURL},
				{resCommandsURL, m.commandsURL},
			},
			ShortStrings: []xResource{
				{resGroupLabel, fit(m.groupLabel, xmlShortMax)},
				{resButtonLabel, fit(m.buttonLabel, xmlShortMax)},
				{resSupertipTitle, fit(m.supertipTitle, xmlShortMax)},
			},
			LongStrings: []xResource{
				{resSupertipText, fit(m.supertipDescription, xmlLongMax)},
			},
		},
	}
	if v11 {
		shared := true
		o.Hosts[0].Desktop.SupportsSharedFolders = &shared
		// MobileFormFactor and its extension point exist in 1.1 only. The
		// 1.1 overrides ask for Mailbox 1.8 though Outlook on phones
		// implements 1.5: Microsoft's "Outlook JavaScript APIs supported
		// in Outlook on mobile devices" says the add-in still activates
		// there when the APIs it calls are supported, and the function
		// calls only 1.1–1.8 APIs Outlook mobile has.
		if m.mobile {
			o.Hosts[0].Mobile = m.mobileFormFactor()
			for _, px := range mobileicon.Pixels {
				o.Resources.Images = append(o.Resources.Images, xResource{mobileIconRes(px), m.asset(mobileicon.File(px))})
			}
			o.Resources.URLs = append(o.Resources.URLs, xResource{resMobileCommandsURL, m.mobileCommandsURL})
		}
		if m.ssoApplicationID != "" {
			o.WebApplicationInfo = &xWebAppInfo{
				ID:       m.ssoApplicationID,
				Resource: m.ssoResource,
				Scopes:   []string{"openid", "profile"},
			}
		}
	}
	return o
}

// mobileIconRes is the resource id of the mobile icon of px pixels.
func mobileIconRes(px int) string { return fmt.Sprintf("vmrcMobileIcon%d", px) }

// mobileFormFactor is the MobileFormFactor: Outlook for iOS and Android
// shows the button in place of its Teams toggle on the new-meeting form of
// admin-deployed add-ins, and runs MobileFunctionName from the function file.
func (m *model) mobileFormFactor() *xMobileFormFactor {
	var icons []xMobileImageRef
	// Each point size at each scale gets its own pixel size (25 pt at
	// scale 3 is 75 px), so phones never upscale the icon.
	for _, size := range []int{25, 32, 48} {
		for scale := 1; scale <= 3; scale++ {
			icons = append(icons, xMobileImageRef{Size: size, Scale: scale, ResID: mobileIconRes(size * scale)})
		}
	}
	return &xMobileFormFactor{
		FunctionFile: xResRef{resMobileCommandsURL},
		ExtensionPoint: xMobileExtensionPoint{
			Type: "MobileOnlineMeetingCommandSurface",
			Control: xMobileButton{
				Type:   "MobileButton",
				ID:     m.mobileControlID,
				Label:  xResRef{resButtonLabel},
				Icon:   icons,
				Action: xFunctionAction{Type: "ExecuteFunction", FunctionName: MobileFunctionName},
			},
		},
	}
}
