package ewstest

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/ews"
)

// SyncFolderItems and GetItem: what the scheduler reads from the room mailbox.

// Sync states are cursors into a folder's change log.
func syncState(mailbox, folder string, cursor int) string {
	return base64.StdEncoding.EncodeToString([]byte("ewstest-sync:" + mailbox + ":" + folder + ":" + strconv.Itoa(cursor)))
}

func parseSyncState(st, mailbox, folder string, logLen int) (int, bool) {
	raw, err := base64.StdEncoding.DecodeString(st)
	if err != nil {
		return 0, false
	}
	prefix := "ewstest-sync:" + mailbox + ":" + folder + ":"
	rest, ok := strings.CutPrefix(string(raw), prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > logLen {
		return 0, false
	}
	return n, true
}

type syncChange struct {
	kind ews.ChangeKind
	id   string
	ck   string
	elem string
}

func (s *Server) syncFolderItems(c *call, op *reqOp) (func(*bytes.Buffer), error) {
	if op.MaxChanges < 1 || op.MaxChanges > 512 {
		return nil, &faultError{"ErrorSchemaValidation", "MaxChangesReturned must be between 1 and 512."}
	}
	s.mu.Lock()
	who := s.acting(c, op.SyncFolder)
	mb := s.mailbox(who)
	f, ok := mb.Folders[op.SyncFolder.ID]
	if !ok {
		s.mu.Unlock()
		return errorWriter("SyncFolderItems", "ErrorFolderNotFound", "The specified folder could not be found in the store."), nil
	}
	cursor := 0
	if op.SyncState != "" {
		if cursor, ok = parseSyncState(op.SyncState, who, op.SyncFolder.ID, len(f.Log)); !ok {
			s.mu.Unlock()
			return errorWriter("SyncFolderItems", "ErrorInvalidSyncStateData", "Synchronization state data is corrupt or otherwise invalid."), nil
		}
	}
	var changes []syncChange
	for cursor < len(f.Log) && len(changes) < op.MaxChanges {
		e := f.Log[cursor]
		cursor++
		if e.Kind == ews.ChangeDelete {
			changes = append(changes, syncChange{kind: e.Kind, id: e.ID})
			continue
		}
		it, ok := f.Items[e.ID]
		if !ok {
			continue // created or changed, then deleted: only the deletion matters
		}
		changes = append(changes, syncChange{kind: e.Kind, id: it.ID, ck: it.changeKey(), elem: it.Kind})
	}
	state, last := syncState(who, op.SyncFolder.ID, cursor), cursor == len(f.Log)
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		okMessage(b, "SyncFolderItems")
		b.WriteString(`<m:SyncState>` + state + `</m:SyncState><m:IncludesLastItemInRange>` + strconv.FormatBool(last) + `</m:IncludesLastItemInRange><m:Changes>`)
		for _, ch := range changes {
			switch ch.kind {
			case ews.ChangeDelete:
				b.WriteString(`<t:Delete><t:ItemId Id="` + ch.id + `"/></t:Delete>`)
			default:
				tag := "Create"
				if ch.kind == ews.ChangeUpdate {
					tag = "Update"
				}
				b.WriteString(`<t:` + tag + `><t:` + ch.elem + `><t:ItemId Id="` + ch.id + `" ChangeKey="` + ch.ck + `"/></t:` + ch.elem + `></t:` + tag + `>`)
			}
		}
		b.WriteString(`</m:Changes></m:SyncFolderItemsResponseMessage>`)
	}, nil
}

// snapshot is an item copied under the lock, rendered outside it.
type snapshot struct {
	item
	room string
	// Set for an occurrence of a series in a calendar view.
	occID            string
	occStart, occEnd time.Time
}

func (s *Server) getItem(c *call, op *reqOp) func(*bytes.Buffer) {
	snaps := make([]*snapshot, len(op.ItemIDs)+len(op.MasterIDs))
	codes := make([]string, len(snaps))
	s.mu.Lock()
	for i, id := range op.ItemIDs {
		if it, ok := s.byID[id.ID]; ok {
			snaps[i] = &snapshot{item: *it, room: s.st.Room}
		} else {
			snaps[i] = s.occurrence(id.ID)
		}
	}
	for j, id := range op.MasterIDs {
		i := len(op.ItemIDs) + j
		snaps[i], codes[i] = s.recurringMaster(id.OccurrenceID)
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		for i, sn := range snaps {
			if codes[i] == "ErrorCalendarCannotUseIdForRecurringMasterId" {
				writeErrorMessage(b, "GetItem", codes[i], "The item id is not an occurrence or exception of a recurring series.", 0)
				continue
			}
			if sn == nil {
				writeErrorMessage(b, "GetItem", "ErrorItemNotFound", "The specified object was not found in the store.", 0)
				continue
			}
			okMessage(b, "GetItem")
			b.WriteString(`<m:Items>`)
			writeItem(b, sn, true)
			b.WriteString(`</m:Items></m:GetItemResponseMessage>`)
		}
	}
}

const occurrencePrefix = "AAMkAGV3c3Rlc3Qocc:"

func occurrenceID(masterID string, start time.Time) string {
	return base64.StdEncoding.EncodeToString([]byte(occurrencePrefix + masterID + ":" + strconv.FormatInt(start.Unix(), 10)))
}

// occurrence resolves an id a calendar view gave for one occurrence of a
// series (nil when it is not one). Callers hold mu.
func (s *Server) occurrence(id string) *snapshot {
	raw, err := base64.StdEncoding.DecodeString(id)
	if err != nil {
		return nil
	}
	rest, ok := strings.CutPrefix(string(raw), occurrencePrefix)
	if !ok {
		return nil
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return nil
	}
	unix, err := strconv.ParseInt(rest[i+1:], 10, 64)
	master, ok := s.byID[rest[:i]]
	if err != nil || !ok || master.Meeting == nil {
		return nil
	}
	start := time.Unix(unix, 0).UTC()
	return &snapshot{item: *master, room: s.st.Room, occID: id, occStart: start, occEnd: start.Add(master.Meeting.End.Sub(master.Meeting.Start))}
}

// recurringMaster resolves a RecurringMasterItemId: the series of an
// occurrence id from a calendar view, or of an exception (a stored
// modified occurrence). Like Exchange, it refuses the id of an item that
// is not part of a series, and says ErrorItemNotFound for an unknown id
// (or a series since deleted). Callers hold mu.
func (s *Server) recurringMaster(occurrence string) (*snapshot, string) {
	if occ := s.occurrence(occurrence); occ != nil {
		return &snapshot{item: occ.item, room: s.st.Room}, ""
	}
	it, ok := s.byID[occurrence]
	if !ok {
		return nil, "ErrorItemNotFound"
	}
	if it.Kind != kindCalendarItem || it.Meeting == nil || it.Meeting.RecurrenceID.IsZero() {
		return nil, "ErrorCalendarCannotUseIdForRecurringMasterId"
	}
	master := s.findCalendarItem(it.Owner, it.Meeting.UID, time.Time{})
	if master == nil {
		return nil, "ErrorItemNotFound"
	}
	return &snapshot{item: *master, room: s.st.Room}, ""
}
