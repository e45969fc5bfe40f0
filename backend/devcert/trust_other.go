//go:build !linux && !darwin && !windows

package devcert

import "context"

// trustStores knows no trust store on this OS; Install reports that the CA
// is installed nowhere, and users import ca.pem by hand.
func trustStores(context.Context, TrustOptions) []trustStore { return nil }
