export namespace addinhost {
	
	export class RequestLog {
	    // Go type: time
	    time: any;
	    method: string;
	    path: string;
	    status: number;
	    duration_ms: number;
	    bytes: number;
	    remote: string;
	
	    static createFrom(source: any = {}) {
	        return new RequestLog(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.time = this.convertValues(source["time"], null);
	        this.method = source["method"];
	        this.path = source["path"];
	        this.status = source["status"];
	        this.duration_ms = source["duration_ms"];
	        this.bytes = source["bytes"];
	        this.remote = source["remote"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace calendar {
	
	export class VideoLink {
	    alias: string;
	    web_url?: string;
	    sip_uri?: string;
	
	    static createFrom(source: any = {}) {
	        return new VideoLink(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.alias = source["alias"];
	        this.web_url = source["web_url"];
	        this.sip_uri = source["sip_uri"];
	    }
	}
	export class Meeting {
	    uid: string;
	    // Go type: time
	    recurrence_id: any;
	    summary: string;
	    location: string;
	    organizer: string;
	    // Go type: time
	    start: any;
	    // Go type: time
	    end: any;
	    all_day: boolean;
	    video?: VideoLink;
	
	    static createFrom(source: any = {}) {
	        return new Meeting(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.uid = source["uid"];
	        this.recurrence_id = this.convertValues(source["recurrence_id"], null);
	        this.summary = source["summary"];
	        this.location = source["location"];
	        this.organizer = source["organizer"];
	        this.start = this.convertValues(source["start"], null);
	        this.end = this.convertValues(source["end"], null);
	        this.all_day = source["all_day"];
	        this.video = this.convertValues(source["video"], VideoLink);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace conference {
	
	export class Alias {
	    alias: string;
	    description: string;
	
	    static createFrom(source: any = {}) {
	        return new Alias(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.alias = source["alias"];
	        this.description = source["description"];
	    }
	}
	export class Conference {
	    id: number;
	    name: string;
	    description: string;
	    aliases: Alias[];
	    pin: string;
	    guest_pin: string;
	    allow_guests: boolean;
	    primary_owner_email_address: string;
	    // Go type: time
	    created_at: any;
	    // Go type: time
	    updated_at: any;
	
	    static createFrom(source: any = {}) {
	        return new Conference(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.aliases = this.convertValues(source["aliases"], Alias);
	        this.pin = source["pin"];
	        this.guest_pin = source["guest_pin"];
	        this.allow_guests = source["allow_guests"];
	        this.primary_owner_email_address = source["primary_owner_email_address"];
	        this.created_at = this.convertValues(source["created_at"], null);
	        this.updated_at = this.convertValues(source["updated_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace desktop {
	
	export class TrustStatus {
	    name: string;
	    path: string;
	    installed: boolean;
	    available: boolean;
	    detail: string;
	
	    static createFrom(source: any = {}) {
	        return new TrustStatus(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.path = source["path"];
	        this.installed = source["installed"];
	        this.available = source["available"];
	        this.detail = source["detail"];
	    }
	}
	export class CertInfo {
	    name: string;
	    file: string;
	    key_location: string;
	    key_in_file: boolean;
	    key_state: string;
	    key_notice: string;
	    replaced: string;
	    // Go type: time
	    not_after: any;
	    stores: TrustStatus[];
	    deleted: boolean;
	
	    static createFrom(source: any = {}) {
	        return new CertInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.file = source["file"];
	        this.key_location = source["key_location"];
	        this.key_in_file = source["key_in_file"];
	        this.key_state = source["key_state"];
	        this.key_notice = source["key_notice"];
	        this.replaced = source["replaced"];
	        this.not_after = this.convertValues(source["not_after"], null);
	        this.stores = this.convertValues(source["stores"], TrustStatus);
	        this.deleted = source["deleted"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Detail {
	    integration: Record<string, any>;
	    warnings: integration.Warning[];
	
	    static createFrom(source: any = {}) {
	        return new Detail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.integration = source["integration"];
	        this.warnings = this.convertValues(source["warnings"], integration.Warning);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class HostStatus {
	    running: boolean;
	    url: string;
	    auth: string;
	    warning: string;
	    error: string;
	
	    static createFrom(source: any = {}) {
	        return new HostStatus(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.running = source["running"];
	        this.url = source["url"];
	        this.auth = source["auth"];
	        this.warning = source["warning"];
	        this.error = source["error"];
	    }
	}
	export class ImportOutcome {
	    cancelled: boolean;
	    file: string;
	    result?: integration.ImportResult;
	
	    static createFrom(source: any = {}) {
	        return new ImportOutcome(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.cancelled = source["cancelled"];
	        this.file = source["file"];
	        this.result = this.convertValues(source["result"], integration.ImportResult);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Info {
	    version: string;
	    database_path: string;
	    keychain_ok: boolean;
	    keychain_issue: string;
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.database_path = source["database_path"];
	        this.keychain_ok = source["keychain_ok"];
	        this.keychain_issue = source["keychain_issue"];
	    }
	}
	export class MyVMR {
	    id: number;
	    name: string;
	    description: string;
	    sip_aliases: string[];
	    phone_aliases: string[];
	    other_aliases: string[];
	    pin: string;
	    guest_pin: string;
	    allow_guests: boolean;
	    web_url: string;
	    instructions_html: string;
	
	    static createFrom(source: any = {}) {
	        return new MyVMR(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.sip_aliases = source["sip_aliases"];
	        this.phone_aliases = source["phone_aliases"];
	        this.other_aliases = source["other_aliases"];
	        this.pin = source["pin"];
	        this.guest_pin = source["guest_pin"];
	        this.allow_guests = source["allow_guests"];
	        this.web_url = source["web_url"];
	        this.instructions_html = source["instructions_html"];
	    }
	}
	export class Preferences {
	    join: string;
	    notify_minutes: number;
	    calendar_kind: string;
	    calendar_value: string;
	
	    static createFrom(source: any = {}) {
	        return new Preferences(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.join = source["join"];
	        this.notify_minutes = source["notify_minutes"];
	        this.calendar_kind = source["calendar_kind"];
	        this.calendar_value = source["calendar_value"];
	    }
	}
	export class Preview {
	    output: string;
	    html: boolean;
	    vars: Record<string, any>;
	    error: string;
	    line: number;
	    column: number;
	
	    static createFrom(source: any = {}) {
	        return new Preview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.output = source["output"];
	        this.html = source["html"];
	        this.vars = source["vars"];
	        this.error = source["error"];
	        this.line = source["line"];
	        this.column = source["column"];
	    }
	}
	export class SignInOption {
	    uuid: string;
	    name: string;
	
	    static createFrom(source: any = {}) {
	        return new SignInOption(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.uuid = source["uuid"];
	        this.name = source["name"];
	    }
	}
	
	export class Upcoming {
	    meetings: calendar.Meeting[];
	    // Go type: time
	    from: any;
	    // Go type: time
	    to: any;
	    // Go type: time
	    fetched_at: any;
	    stale: boolean;
	    error: string;
	    warning: string;
	    source: string;
	
	    static createFrom(source: any = {}) {
	        return new Upcoming(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.meetings = this.convertValues(source["meetings"], calendar.Meeting);
	        this.from = this.convertValues(source["from"], null);
	        this.to = this.convertValues(source["to"], null);
	        this.fetched_at = this.convertValues(source["fetched_at"], null);
	        this.stale = source["stale"];
	        this.error = source["error"];
	        this.warning = source["warning"];
	        this.source = source["source"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class UserSession {
	    integrations: SignInOption[];
	    integration: string;
	    signed_in: boolean;
	    email: string;
	    name: string;
	    available: boolean;
	    error_code: string;
	    error: string;
	
	    static createFrom(source: any = {}) {
	        return new UserSession(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.integrations = this.convertValues(source["integrations"], SignInOption);
	        this.integration = source["integration"];
	        this.signed_in = source["signed_in"];
	        this.email = source["email"];
	        this.name = source["name"];
	        this.available = source["available"];
	        this.error_code = source["error_code"];
	        this.error = source["error"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class VMRImport {
	    cancelled: boolean;
	    file: string;
	    created: conference.Conference[];
	
	    static createFrom(source: any = {}) {
	        return new VMRImport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.cancelled = source["cancelled"];
	        this.file = source["file"];
	        this.created = this.convertValues(source["created"], conference.Conference);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace diagnostics {
	
	export class Check {
	    id: string;
	    title: string;
	    outcome: string;
	    detail: string;
	    fix: string;
	    elapsed_ns: number;
	
	    static createFrom(source: any = {}) {
	        return new Check(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.title = source["title"];
	        this.outcome = source["outcome"];
	        this.detail = source["detail"];
	        this.fix = source["fix"];
	        this.elapsed_ns = source["elapsed_ns"];
	    }
	}
	export class Report {
	    integration: string;
	    // Go type: time
	    started: any;
	    checks: Check[];
	
	    static createFrom(source: any = {}) {
	        return new Report(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.integration = source["integration"];
	        this.started = this.convertValues(source["started"], null);
	        this.checks = this.convertValues(source["checks"], Check);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace infinitysync {
	
	export class Change {
	    kind: string;
	    name: string;
	    what: string;
	    fields?: string[];
	    error?: string;
	
	    static createFrom(source: any = {}) {
	        return new Change(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.name = source["name"];
	        this.what = source["what"];
	        this.fields = source["fields"];
	        this.error = source["error"];
	    }
	}
	export class Conflict {
	    kind: string;
	    name: string;
	    field: string;
	    here: string;
	    infinity: string;
	
	    static createFrom(source: any = {}) {
	        return new Conflict(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.name = source["name"];
	        this.field = source["field"];
	        this.here = source["here"];
	        this.infinity = source["infinity"];
	    }
	}
	export class Connection {
	    url: string;
	    auth: string;
	    username?: string;
	    client_id?: string;
	    ca_file?: string;
	
	    static createFrom(source: any = {}) {
	        return new Connection(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.url = source["url"];
	        this.auth = source["auth"];
	        this.username = source["username"];
	        this.client_id = source["client_id"];
	        this.ca_file = source["ca_file"];
	    }
	}
	export class FieldDiff {
	    field: string;
	    side: string;
	    here: string;
	    infinity: string;
	    base: string;
	
	    static createFrom(source: any = {}) {
	        return new FieldDiff(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.field = source["field"];
	        this.side = source["side"];
	        this.here = source["here"];
	        this.infinity = source["infinity"];
	        this.base = source["base"];
	    }
	}
	export class ObjectDiff {
	    kind: string;
	    name: string;
	    local_id?: number;
	    remote_id?: number;
	    state: string;
	    fields?: FieldDiff[];
	
	    static createFrom(source: any = {}) {
	        return new ObjectDiff(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.name = source["name"];
	        this.local_id = source["local_id"];
	        this.remote_id = source["remote_id"];
	        this.state = source["state"];
	        this.fields = this.convertValues(source["fields"], FieldDiff);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Diff {
	    objects: ObjectDiff[];
	    pending: number;
	    conflicts: number;
	
	    static createFrom(source: any = {}) {
	        return new Diff(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.objects = this.convertValues(source["objects"], ObjectDiff);
	        this.pending = source["pending"];
	        this.conflicts = source["conflicts"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class HistoryRow {
	    id: number;
	    // Go type: time
	    time: any;
	    who: string;
	    action: string;
	    outcome: string;
	    summary: string;
	    changes: Change[];
	
	    static createFrom(source: any = {}) {
	        return new HistoryRow(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.time = this.convertValues(source["time"], null);
	        this.who = source["who"];
	        this.action = source["action"];
	        this.outcome = source["outcome"];
	        this.summary = source["summary"];
	        this.changes = this.convertValues(source["changes"], Change);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Probe {
	    account: string;
	    version: string;
	
	    static createFrom(source: any = {}) {
	        return new Probe(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.account = source["account"];
	        this.version = source["version"];
	    }
	}
	export class Result {
	    history_id: number;
	    created: number;
	    updated: number;
	    deleted: number;
	    taken: number;
	    unchanged: number;
	    requests: number;
	    conflicts: Conflict[];
	    failed: Change[];
	    changes: Change[];
	
	    static createFrom(source: any = {}) {
	        return new Result(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.history_id = source["history_id"];
	        this.created = source["created"];
	        this.updated = source["updated"];
	        this.deleted = source["deleted"];
	        this.taken = source["taken"];
	        this.unchanged = source["unchanged"];
	        this.requests = source["requests"];
	        this.conflicts = this.convertValues(source["conflicts"], Conflict);
	        this.failed = this.convertValues(source["failed"], Change);
	        this.changes = this.convertValues(source["changes"], Change);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Status {
	    connected: boolean;
	    connection?: Connection;
	    account: string;
	    version: string;
	    // Go type: time
	    last_pull?: any;
	    // Go type: time
	    last_push?: any;
	    pending: number;
	    conflicts: number;
	    history: HistoryRow[];
	    unfinished?: Change[];
	    deleted_there?: Change[];
	
	    static createFrom(source: any = {}) {
	        return new Status(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.connected = source["connected"];
	        this.connection = this.convertValues(source["connection"], Connection);
	        this.account = source["account"];
	        this.version = source["version"];
	        this.last_pull = this.convertValues(source["last_pull"], null);
	        this.last_push = this.convertValues(source["last_push"], null);
	        this.pending = source["pending"];
	        this.conflicts = source["conflicts"];
	        this.history = this.convertValues(source["history"], HistoryRow);
	        this.unfinished = this.convertValues(source["unfinished"], Change);
	        this.deleted_there = this.convertValues(source["deleted_there"], Change);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace integration {
	
	export class Field {
	    name: string;
	    group: string;
	    label: string;
	    help?: string;
	    kind: string;
	    format?: string;
	    min?: number;
	    max?: number;
	    options?: string[];
	    nullable?: boolean;
	    read_only?: boolean;
	    variables?: string[];
	    product_only?: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Field(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.group = source["group"];
	        this.label = source["label"];
	        this.help = source["help"];
	        this.kind = source["kind"];
	        this.format = source["format"];
	        this.min = source["min"];
	        this.max = source["max"];
	        this.options = source["options"];
	        this.nullable = source["nullable"];
	        this.read_only = source["read_only"];
	        this.variables = source["variables"];
	        this.product_only = source["product_only"];
	    }
	}
	export class Group {
	    key: string;
	    title: string;
	    help: string;
	
	    static createFrom(source: any = {}) {
	        return new Group(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.title = source["title"];
	        this.help = source["help"];
	    }
	}
	export class Summary {
	    id: number;
	    uuid: string;
	    name: string;
	    description: string;
	    url: string;
	    room_mailbox_email_address: string;
	    authentication_method: string;
	    enable_dynamic_vmrs: boolean;
	    enable_personal_vmrs: boolean;
	    // Go type: time
	    updated_at: any;
	
	    static createFrom(source: any = {}) {
	        return new Summary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.uuid = source["uuid"];
	        this.name = source["name"];
	        this.description = source["description"];
	        this.url = source["url"];
	        this.room_mailbox_email_address = source["room_mailbox_email_address"];
	        this.authentication_method = source["authentication_method"];
	        this.enable_dynamic_vmrs = source["enable_dynamic_vmrs"];
	        this.enable_personal_vmrs = source["enable_personal_vmrs"];
	        this.updated_at = this.convertValues(source["updated_at"], null);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ImportResult {
	    created: Summary[];
	    warnings: Record<number, Array<Warning>>;
	    unknown_fields?: Record<number, Array<string>>;
	
	    static createFrom(source: any = {}) {
	        return new ImportResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.created = this.convertValues(source["created"], Summary);
	        this.warnings = this.convertValues(source["warnings"], Array<Warning>, true);
	        this.unknown_fields = source["unknown_fields"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Warning {
	    field: string;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new Warning(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.field = source["field"];
	        this.message = source["message"];
	    }
	}
	export class Report {
	    errors: Record<string, string>;
	    field_errors?: Record<string, problem.FieldError>;
	    warnings: Warning[];
	
	    static createFrom(source: any = {}) {
	        return new Report(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.errors = source["errors"];
	        this.field_errors = this.convertValues(source["field_errors"], problem.FieldError, true);
	        this.warnings = this.convertValues(source["warnings"], Warning);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Schema {
	    groups: Group[];
	    fields: Field[];
	
	    static createFrom(source: any = {}) {
	        return new Schema(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.groups = this.convertValues(source["groups"], Group);
	        this.fields = this.convertValues(source["fields"], Field);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	

}

export namespace problem {
	
	export class FieldError {
	    code: string;
	    params?: Record<string, string>;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new FieldError(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.params = source["params"];
	        this.message = source["message"];
	    }
	}

}

export namespace scheduler {
	
	export class Failure {
	    kind: string;
	    id: string;
	    integration: string;
	    what: string;
	    subject: string;
	    organizer: string;
	    reason: string;
	    attempts: number;
	    // Go type: time
	    first_failed: any;
	    // Go type: time
	    last_failed: any;
	    // Go type: time
	    next_attempt: any;
	    correlation_id: string;
	    quarantined: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Failure(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.id = source["id"];
	        this.integration = source["integration"];
	        this.what = source["what"];
	        this.subject = source["subject"];
	        this.organizer = source["organizer"];
	        this.reason = source["reason"];
	        this.attempts = source["attempts"];
	        this.first_failed = this.convertValues(source["first_failed"], null);
	        this.last_failed = this.convertValues(source["last_failed"], null);
	        this.next_attempt = this.convertValues(source["next_attempt"], null);
	        this.correlation_id = source["correlation_id"];
	        this.quarantined = source["quarantined"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Lease {
	    pid: number;
	    host: string;
	    // Go type: time
	    acquired_at: any;
	    // Go type: time
	    expires_at: any;
	    poll: number;
	    // Go type: time
	    backoff_until: any;
	    this_process: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Lease(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.pid = source["pid"];
	        this.host = source["host"];
	        this.acquired_at = this.convertValues(source["acquired_at"], null);
	        this.expires_at = this.convertValues(source["expires_at"], null);
	        this.poll = source["poll"];
	        this.backoff_until = this.convertValues(source["backoff_until"], null);
	        this.this_process = source["this_process"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class LogEntry {
	    id: number;
	    integration: string;
	    transaction_uuid: string;
	    // Go type: time
	    time: any;
	    success: boolean;
	    code: string;
	    description: string;
	    item_uid: string;
	    subject: string;
	    organizer: string;
	
	    static createFrom(source: any = {}) {
	        return new LogEntry(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.integration = source["integration"];
	        this.transaction_uuid = source["transaction_uuid"];
	        this.time = this.convertValues(source["time"], null);
	        this.success = source["success"];
	        this.code = source["code"];
	        this.description = source["description"];
	        this.item_uid = source["item_uid"];
	        this.subject = source["subject"];
	        this.organizer = source["organizer"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class ScheduledConference {
	    id: number;
	    integration: string;
	    conference_name: string;
	    alias: string;
	    numeric_alias: string;
	    alias_uuid: string;
	    meeting_uid: string;
	    subject: string;
	    organizer: string;
	    organizer_name: string;
	    kind: string;
	    recurrence: string;
	    // Go type: time
	    start: any;
	    // Go type: time
	    end: any;
	    // Go type: time
	    valid_from: any;
	    // Go type: time
	    valid_until: any;
	    cancelled_occurrences: any[];
	    state: string;
	    // Go type: time
	    updated_at: any;
	    infinity_state: string;
	    infinity_id: number;
	    infinity_reason: string;
	    infinity_status: string;
	
	    static createFrom(source: any = {}) {
	        return new ScheduledConference(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.integration = source["integration"];
	        this.conference_name = source["conference_name"];
	        this.alias = source["alias"];
	        this.numeric_alias = source["numeric_alias"];
	        this.alias_uuid = source["alias_uuid"];
	        this.meeting_uid = source["meeting_uid"];
	        this.subject = source["subject"];
	        this.organizer = source["organizer"];
	        this.organizer_name = source["organizer_name"];
	        this.kind = source["kind"];
	        this.recurrence = source["recurrence"];
	        this.start = this.convertValues(source["start"], null);
	        this.end = this.convertValues(source["end"], null);
	        this.valid_from = this.convertValues(source["valid_from"], null);
	        this.valid_until = this.convertValues(source["valid_until"], null);
	        this.cancelled_occurrences = source["cancelled_occurrences"];
	        this.state = source["state"];
	        this.updated_at = this.convertValues(source["updated_at"], null);
	        this.infinity_state = source["infinity_state"];
	        this.infinity_id = source["infinity_id"];
	        this.infinity_reason = source["infinity_reason"];
	        this.infinity_status = source["infinity_status"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Status {
	    integration: string;
	    state: string;
	    // Go type: time
	    last_sync: any;
	    last_item: string;
	    // Go type: time
	    last_item_at: any;
	    processed: number;
	    backlog: number;
	    outbox_pending: number;
	    last_error: string;
	    // Go type: time
	    last_error_at: any;
	    advice: string;
	    quarantined: Failure[];
	    quarantined_count: number;
	    lease?: Lease;
	
	    static createFrom(source: any = {}) {
	        return new Status(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.integration = source["integration"];
	        this.state = source["state"];
	        this.last_sync = this.convertValues(source["last_sync"], null);
	        this.last_item = source["last_item"];
	        this.last_item_at = this.convertValues(source["last_item_at"], null);
	        this.processed = source["processed"];
	        this.backlog = source["backlog"];
	        this.outbox_pending = source["outbox_pending"];
	        this.last_error = source["last_error"];
	        this.last_error_at = this.convertValues(source["last_error_at"], null);
	        this.advice = source["advice"];
	        this.quarantined = this.convertValues(source["quarantined"], Failure);
	        this.quarantined_count = source["quarantined_count"];
	        this.lease = this.convertValues(source["lease"], Lease);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class Summary {
	    integration: string;
	    decided: number;
	    skipped: number;
	    sent: number;
	    failed: number;
	    quarantined: number;
	    held?: string;
	    error?: string;
	    advice?: string;
	
	    static createFrom(source: any = {}) {
	        return new Summary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.integration = source["integration"];
	        this.decided = source["decided"];
	        this.skipped = source["skipped"];
	        this.sent = source["sent"];
	        this.failed = source["failed"];
	        this.quarantined = source["quarantined"];
	        this.held = source["held"];
	        this.error = source["error"];
	        this.advice = source["advice"];
	    }
	}

}

