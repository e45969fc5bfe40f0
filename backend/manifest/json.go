package manifest

import (
	"bytes"
	"encoding/json"
)

// JSONSchemaURL is the unified manifest schema the JSON manifest follows.
// office-addin-manifest (through @microsoft/app-manifest) ships a copy of it
// and validates against that copy without a network.
const JSONSchemaURL = "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"

// Package icons of the unified manifest: paths relative to manifest.json
// inside the app package (a zip), not URLs. Whoever builds the package puts
// a 32×32 transparent outline icon and a 192×192 colour icon there.
const (
	JSONOutlineIcon = "icon-outline.png"
	JSONColorIcon   = "icon-color.png"
)

// accentColor is the background of the colour icon (Fluent's brand blue).
const accentColor = "#0F6CBD"

type jManifest struct {
	Schema             string        `json:"$schema"`
	ManifestVersion    string        `json:"manifestVersion"`
	Version            string        `json:"version"`
	ID                 string        `json:"id"`
	LocalizationInfo   jLocalization `json:"localizationInfo"`
	Developer          jDeveloper    `json:"developer"`
	Name               jShortFull    `json:"name"`
	Description        jShortFull    `json:"description"`
	Icons              jIcons        `json:"icons"`
	AccentColor        string        `json:"accentColor"`
	ValidDomains       []string      `json:"validDomains"`
	WebApplicationInfo *jWebAppInfo  `json:"webApplicationInfo,omitempty"`
	Authorization      jAuthz        `json:"authorization"`
	Extensions         []jExtension  `json:"extensions"`
}

type jLocalization struct {
	DefaultLanguageTag string `json:"defaultLanguageTag"`
}

type jDeveloper struct {
	Name          string `json:"name"`
	WebsiteURL    string `json:"websiteUrl"`
	PrivacyURL    string `json:"privacyUrl"`
	TermsOfUseURL string `json:"termsOfUseUrl"`
}

type jShortFull struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

type jIcons struct {
	Outline string `json:"outline"`
	Color   string `json:"color"`
}

type jWebAppInfo struct {
	ID       string `json:"id"`
	Resource string `json:"resource"`
}

type jAuthz struct {
	Permissions struct {
		ResourceSpecific []jPermission `json:"resourceSpecific"`
	} `json:"permissions"`
}

type jPermission struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type jExtension struct {
	Requirements jRequirements `json:"requirements"`
	Runtimes     []jRuntime    `json:"runtimes"`
	Ribbons      []jRibbon     `json:"ribbons"`
}

type jRequirements struct {
	Capabilities []jCapability `json:"capabilities"`
	Scopes       []string      `json:"scopes"`
}

type jCapability struct {
	Name       string `json:"name"`
	MinVersion string `json:"minVersion"`
}

type jRuntime struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Code     jCode     `json:"code"`
	Lifetime string    `json:"lifetime"`
	Actions  []jAction `json:"actions"`
}

type jCode struct {
	Page string `json:"page"`
}

type jAction struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type jRibbon struct {
	Contexts []string `json:"contexts"`
	Tabs     []jTab   `json:"tabs"`
}

type jTab struct {
	BuiltInTabID string   `json:"builtInTabId"`
	Groups       []jGroup `json:"groups"`
}

type jGroup struct {
	ID       string     `json:"id"`
	Label    string     `json:"label"`
	Icons    []jIcon    `json:"icons"`
	Controls []jControl `json:"controls"`
}

type jControl struct {
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	Label    string    `json:"label"`
	Icons    []jIcon   `json:"icons"`
	Supertip jSupertip `json:"supertip"`
	ActionID string    `json:"actionId"`
}

type jIcon struct {
	Size int    `json:"size"`
	URL  string `json:"url"`
}

type jSupertip struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// JSON returns the unified manifest for Microsoft 365 (schema v1.17, see
// JSONSchemaURL): the same add-in as XML, with the button on the meeting
// organizer's ribbon, Mailbox 1.8, and the Mailbox.SharedFolder permission
// that stands for SupportsSharedFolders.
func JSON(p Params) ([]byte, error) {
	m, err := newModel(p)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m.unified()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (m *model) unified() *jManifest {
	icons := []jIcon{
		{16, m.asset(IconFile(16))},
		{32, m.asset(IconFile(32))},
		{80, m.asset(IconFile(80))},
	}
	u := &jManifest{
		Schema:           JSONSchemaURL,
		ManifestVersion:  "1.17",
		Version:          m.version,
		ID:               m.id,
		LocalizationInfo: jLocalization{DefaultLanguageTag: "en-us"},
		Developer: jDeveloper{
			Name:          fit(m.provider, jsonDeveloperMax),
			WebsiteURL:    m.supportURL,
			PrivacyURL:    m.privacyURL,
			TermsOfUseURL: m.termsURL,
		},
		Name:         jShortFull{Short: m.name(jsonNameShortMax), Full: m.name(jsonNameFullMax)},
		Description:  jShortFull{Short: fit(m.description, jsonDescShortMax), Full: fit(m.description, jsonDescFullMax)},
		Icons:        jIcons{Outline: JSONOutlineIcon, Color: JSONColorIcon},
		AccentColor:  accentColor,
		ValidDomains: append([]string(nil), m.domains...),
		Extensions: []jExtension{{
			Requirements: jRequirements{
				Capabilities: []jCapability{{Name: "Mailbox", MinVersion: mailboxShared}},
				Scopes:       []string{"mail"},
			},
			Runtimes: []jRuntime{{
				ID:       m.runtimeID,
				Type:     "general",
				Code:     jCode{Page: m.taskpaneURL},
				Lifetime: "short",
				Actions:  []jAction{{ID: m.action, Type: "openPage"}},
			}},
			Ribbons: []jRibbon{{
				Contexts: []string{"meetingDetailsOrganizer"},
				Tabs: []jTab{{
					BuiltInTabID: "TabDefault",
					Groups: []jGroup{{
						ID:    m.groupID,
						Label: fit(m.groupLabel, jsonLabelMax),
						Icons: icons,
						Controls: []jControl{{
							ID:    m.controlID,
							Type:  "button",
							Label: fit(m.buttonLabel, jsonLabelMax),
							Icons: icons,
							Supertip: jSupertip{
								Title:       fit(m.supertipTitle, jsonLabelMax),
								Description: fit(m.supertipDescription, jsonSupertipDescMax),
							},
							ActionID: m.action,
						}},
					}},
				}},
			}},
		}},
	}
	u.Authorization.Permissions.ResourceSpecific = []jPermission{
		{Name: "MailboxItem.ReadWrite.User", Type: "Delegated"}, // ReadWriteItem
		{Name: "Mailbox.SharedFolder", Type: "Delegated"},       // SupportsSharedFolders
	}
	if m.ssoApplicationID != "" {
		u.WebApplicationInfo = &jWebAppInfo{ID: m.ssoApplicationID, Resource: m.ssoResource}
	}
	return u
}
