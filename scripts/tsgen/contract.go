package main

// The one list of what the frontend reads from Go. When a package moves,
// only the imports here change; a type the frontend needs that no bound
// method returns goes in Types.

import (
	"reflect"
	"strings"

	"vmr-companion/app/desktop"
	"vmr-companion/backend/account"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/calendar"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/problem"
	"vmr-companion/backend/scheduler"
)

func contract() Contract {
	return Contract{
		Types: []any{
			// The window's errors (options.App.ErrorFormatter).
			desktop.Problem{},
			// The add-in API (docs/addin-api.md).
			addinhost.PaneConfig{},
			addinhost.ReservationRequest{},
			addinhost.Reservation{},
			addinhost.PersonalVMRs{},
			addinhost.Problem{},
		},
		Services: []any{
			(*desktop.IntegrationService)(nil),
			(*desktop.SystemService)(nil),
			(*desktop.AddinHostService)(nil),
			(*desktop.VMRService)(nil),
			(*desktop.TemplateService)(nil),
			(*desktop.SchedulerService)(nil),
			(*desktop.UserService)(nil),
			(*desktop.InfinityService)(nil),
		},
		// The names the frontend has used since before the contract.
		Names: map[reflect.Type]string{
			reflect.TypeFor[integration.Field]():   "FieldSpec",
			reflect.TypeFor[integration.Group]():   "GroupSpec",
			reflect.TypeFor[integration.Report]():  "Report",
			reflect.TypeFor[diagnostics.Report]():  "DiagnosticReport",
			reflect.TypeFor[diagnostics.Check]():   "DiagnosticCheck",
			reflect.TypeFor[desktop.Info]():        "SystemInfo",
			reflect.TypeFor[desktop.Preview]():     "TemplatePreview",
			reflect.TypeFor[conference.Alias]():    "VMRAlias",
			reflect.TypeFor[scheduler.Summary]():   "RunSummary",
			reflect.TypeFor[scheduler.Failure]():   "QuarantinedItem",
			reflect.TypeFor[scheduler.Lease]():     "MailboxLease",
			reflect.TypeFor[scheduler.Status]():    "WorkerStatus",
			reflect.TypeFor[scheduler.LogEntry]():  "SchedulerLogEntry",
			reflect.TypeFor[calendar.Meeting]():    "Meeting",
			reflect.TypeFor[addinhost.Problem]():   "ApiProblem",
			reflect.TypeFor[desktop.Problem]():     "Problem",
			reflect.TypeFor[integration.Summary](): "Summary",
			// infinitysync's short names say "Infinity" or "Sync" in the window.
			reflect.TypeFor[infinitysync.Status]():     "InfinityStatus",
			reflect.TypeFor[infinitysync.Connection](): "InfinityConnection",
			reflect.TypeFor[infinitysync.Probe]():      "InfinityProbe",
			reflect.TypeFor[infinitysync.Result]():     "SyncResult",
			reflect.TypeFor[infinitysync.Change]():     "SyncChange",
			reflect.TypeFor[infinitysync.Conflict]():   "SyncConflict",
			reflect.TypeFor[infinitysync.Diff]():       "SyncDiff",
			reflect.TypeFor[infinitysync.HistoryRow](): "SyncHistoryRow",
		},
		Events: []Event{
			{Const: "EVENT_HOST_REQUEST", Doc: "Each request the add-in host handles (desktop.EventHostRequest).", Name: desktop.EventHostRequest,
				Payload: addinhost.RequestLog{}},
			{Const: "EVENT_INFINITY_PROGRESS", Doc: "Each step of a running pull or push (desktop.EventInfinityProgress).", Name: desktop.EventInfinityProgress,
				Payload: desktop.InfinityProgress{}},
		},
		Enums: []Enum{
			{Name: "FieldKind", Doc: "integration.Kind*", Values: []string{integration.KindString, integration.KindInt, integration.KindBool,
				integration.KindEnum, integration.KindList, integration.KindSecret},
				Fields: []FieldRef{Field(integration.Field{}, "Kind")}},
			{Name: "FieldFormat", Doc: "integration.Format*", Values: []string{integration.FormatEmail, integration.FormatHTTPSURL, integration.FormatURL,
				integration.FormatDomain, integration.FormatTemplate, integration.FormatMultiline, integration.FormatAliasPart},
				Fields: []FieldRef{Field(integration.Field{}, "Format")}},
			// FormatError's codes: problem.Kind* and the sign-in ones, account.Code*.
			{Name: "ProblemCode", Doc: "desktop.FormatError's codes", Values: []string{problem.KindInvalid, problem.KindInvalidBatch, problem.KindKeychain, problem.KindNotFound,
				problem.KindTemplateSyntax, account.CodeSignedOut, account.CodeSignInAgain, account.CodeConsentRefused, account.CodeSignInFailed, problem.KindError},
				Fields: []FieldRef{Field(desktop.Problem{}, "Code")}},
			{Name: "SignInCode", Doc: "account.Code*: sign-in problems", Values: []string{account.CodeSignedOut, account.CodeSignInAgain,
				account.CodeConsentRefused, account.CodeSignInFailed}},
			{Name: "HostAuth", Doc: "addinhost.Auth*: the host's modes", Values: []string{addinhost.AuthNone, addinhost.AuthIntegration, addinhost.AuthOIDC}},
			{Name: "PaneAuth", Doc: "addinhost.PaneAuth*: how the pane proves its user", Values: []string{addinhost.PaneAuthNone,
				addinhost.PaneAuthExchange, addinhost.PaneAuthSSO, addinhost.PaneAuthNAA},
				Fields: []FieldRef{Field(addinhost.PaneConfig{}, "Auth")}},
			{Name: "PaneTextKey", Doc: "The integration's addin_pane_* fields, the pane's texts", Values: paneTextKeys(),
				Fields: []FieldRef{Key(addinhost.PaneConfig{}, "Texts")}},
			{Name: "ManifestFormat", Doc: "The formats of AddinHostService.SaveManifest", Values: []string{"xml", "json"}},
			{Name: "WorkerState", Doc: "scheduler.Worker*", Values: []string{scheduler.WorkerRunning, scheduler.WorkerBackoff, scheduler.WorkerWaiting,
				scheduler.WorkerFailed, scheduler.WorkerStopped, scheduler.WorkerDisabled},
				Fields: []FieldRef{Field(scheduler.Status{}, "State")}},
			{Name: "FailureKind", Doc: "scheduler.Failed*", Values: []string{scheduler.FailedItem, scheduler.FailedOutbox},
				Fields: []FieldRef{Field(scheduler.Failure{}, "Kind")}},
			{Name: "ConferenceKind", Doc: "scheduler.Kind*", Values: []string{scheduler.KindSingle, scheduler.KindRecurring},
				Fields: []FieldRef{Field(scheduler.ScheduledConference{}, "Kind")}},
			{Name: "ConferenceState", Doc: "scheduler.State*", Values: []string{scheduler.StateActive, scheduler.StateCancelled},
				Fields: []FieldRef{Field(scheduler.ScheduledConference{}, "State")}},
			{Name: "CheckOutcome", Doc: "diagnostics' outcomes", Values: []string{diagnostics.Pass, diagnostics.Warn, diagnostics.Fail, diagnostics.Skip},
				Fields: []FieldRef{Field(diagnostics.Check{}, "Outcome")}},
			{Name: "CalendarKind", Doc: "account.Calendar*; \"\" before one is chosen", Values: []string{"", account.CalendarEWS, account.CalendarURL, account.CalendarFile},
				Fields: []FieldRef{Field(desktop.Upcoming{}, "Source"), Field(desktop.Preferences{}, "CalendarKind")}},
			{Name: "JoinMethod", Doc: "account.Join*", Values: []string{account.JoinWeb, account.JoinSIP, account.JoinPexip},
				Fields: []FieldRef{Field(desktop.Preferences{}, "Join")}},
			{Name: "InfinityAuth", Doc: "infinitysync.Auth*", Values: []string{infinitysync.AuthBasic, infinitysync.AuthOAuth2},
				Fields: []FieldRef{Field(infinitysync.Connection{}, "Auth")}},
			{Name: "SyncKind", Doc: "infinitysync.Kind*", Values: []string{infinitysync.KindIntegration, infinitysync.KindPersonalVMR},
				Fields: []FieldRef{Field(infinitysync.ObjectDiff{}, "Kind")}},
			{Name: "ObjectState", Doc: "infinitysync.State*", Values: []string{infinitysync.StateUnchanged, infinitysync.StateChanged,
				infinitysync.StateCreatedHere, infinitysync.StateCreatedThere, infinitysync.StateDeletedHere, infinitysync.StateDeletedThere},
				Fields: []FieldRef{Field(infinitysync.ObjectDiff{}, "State")}},
			{Name: "FieldSide", Doc: "infinitysync.Side*", Values: []string{infinitysync.SideHere, infinitysync.SideInfinity, infinitysync.SideBoth,
				infinitysync.SideConflict},
				Fields: []FieldRef{Field(infinitysync.FieldDiff{}, "Side")}},
			{Name: "SyncTake", Doc: "infinitysync.Take*: the sides Resolve takes", Values: []string{infinitysync.TakeHere, infinitysync.TakeInfinity}},
		},
	}
}

// paneTextKeys are the addin_pane_* fields in the catalogue's order.
func paneTextKeys() []string {
	var keys []string
	for _, f := range integration.Describe().Fields {
		if strings.HasPrefix(f.Name, "addin_pane_") {
			keys = append(keys, f.Name)
		}
	}
	return keys
}
