//go:build bindings

package desktop

// Wails builds the app with the bindings tag to generate the window's
// TypeScript bindings; that run needs neither a display nor built assets.
const generatingBindings = true
