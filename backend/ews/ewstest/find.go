package ewstest

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"time"

	"vmr-companion/backend/ews"
)

// FindItem (inbox pages and calendar views) and GetFolder.

func (s *Server) findItem(c *call, op *reqOp) (func(*bytes.Buffer), error) {
	if len(op.ParentFolders) == 0 {
		return nil, &faultError{"ErrorSchemaValidation", "FindItem needs ParentFolderIds with a DistinguishedFolderId."}
	}
	pf := op.ParentFolders[0]
	s.mu.Lock()
	mb := s.mailbox(s.acting(c, pf))
	f, ok := mb.Folders[pf.ID]
	if !ok {
		s.mu.Unlock()
		return errorWriter("FindItem", "ErrorFolderNotFound", "The specified folder could not be found in the store."), nil
	}
	var found []*snapshot
	total := 0
	switch {
	case op.Restriction != nil:
		if op.Restriction.URI.PropertySetID == ews.ReplyKeyPropertySetID && op.Restriction.URI.PropertyName == ews.ReplyKeyPropertyName {
			if id, ok := mb.Keys[op.Restriction.Constant.Value]; ok {
				if it, ok := f.Items[id]; ok {
					found = append(found, &snapshot{item: *it, room: s.st.Room})
				}
			}
		}
		total = len(found)
	case op.CalendarView != nil:
		start, err1 := time.Parse(time.RFC3339, op.CalendarView.Start)
		end, err2 := time.Parse(time.RFC3339, op.CalendarView.End)
		if err1 != nil || err2 != nil {
			s.mu.Unlock()
			return nil, &faultError{"ErrorSchemaValidation", "CalendarView StartDate and EndDate must be xs:dateTime."}
		}
		found = s.calendarView(f, start, end)
		total = len(found)
		if max := op.CalendarView.Max; max > 0 && len(found) > max {
			// Exchange fails rather than truncating a calendar view.
			s.mu.Unlock()
			return errorWriter("FindItem", "ErrorCalendarViewRangeTooBig", fmt.Sprintf("The calendar view holds %d items, more than MaxEntriesReturned %d.", len(found), max)), nil
		}
	default:
		items := sortedItems(f)
		total = len(items)
		offset, max := 0, len(items)
		if v := op.IndexedView; v != nil {
			offset, max = v.Offset, v.Max
		}
		for i := offset; i < len(items) && len(found) < max; i++ {
			found = append(found, &snapshot{item: *items[i], room: s.st.Room})
		}
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		okMessage(b, "FindItem")
		b.WriteString(`<m:RootFolder TotalItemsInView="` + strconv.Itoa(total) + `" IncludesLastItemInRange="true"><t:Items>`)
		for _, sn := range found {
			writeItem(b, sn, false)
		}
		b.WriteString(`</t:Items></m:RootFolder></m:FindItemResponseMessage>`)
	}, nil
}

func sortedItems(f *folder) []*item {
	items := make([]*item, 0, len(f.Items))
	for _, it := range f.Items {
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool {
		if !items[i].Received.Equal(items[j].Received) {
			return items[i].Received.Before(items[j].Received)
		}
		return items[i].ID < items[j].ID
	})
	return items
}

func (s *Server) getFolder(c *call, op *reqOp) func(*bytes.Buffer) {
	type result struct {
		id, name string
		total    int
		ok       bool
	}
	results := make([]result, len(op.FolderIDs))
	s.mu.Lock()
	for i, fid := range op.FolderIDs {
		if f, ok := s.mailbox(s.acting(c, fid)).Folders[fid.ID]; ok {
			results[i] = result{id: f.ID, name: folderDisplayNames[fid.ID], total: len(f.Items), ok: true}
		}
	}
	s.mu.Unlock()
	return func(b *bytes.Buffer) {
		for _, r := range results {
			if !r.ok {
				writeErrorMessage(b, "GetFolder", "ErrorFolderNotFound", "The specified folder could not be found in the store.", 0)
				continue
			}
			elem := "Folder"
			if r.name == "Calendar" {
				elem = "CalendarFolder"
			}
			okMessage(b, "GetFolder")
			b.WriteString(`<m:Folders><t:` + elem + `><t:FolderId Id="` + r.id + `" ChangeKey="AQAAAA=="/><t:DisplayName>` + r.name +
				`</t:DisplayName><t:TotalCount>` + strconv.Itoa(r.total) + `</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount></t:` + elem + `></m:Folders></m:GetFolderResponseMessage>`)
		}
	}
}
