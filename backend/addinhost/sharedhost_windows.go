package addinhost

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/windows"
)

// InteractiveUsers counts the signed-in sessions of this machine (Remote
// Desktop Services): active and disconnected ones, not session 0, where
// services run, nor listeners.
func InteractiveUsers() (int, error) {
	var list *windows.WTS_SESSION_INFO
	var count uint32
	if err := windows.WTSEnumerateSessions(0, 0, 1, &list, &count); err != nil {
		return 0, fmt.Errorf("addinhost: listing the sessions of this machine: %w", err)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(list)))
	n := 0
	for _, s := range unsafe.Slice(list, count) {
		if s.SessionID != 0 && (s.State == windows.WTSActive || s.State == windows.WTSDisconnected) {
			n++
		}
	}
	return n, nil
}
