// Package diagnostics runs the deployment guide's checks for one
// integration (network, TLS, authentication, load balancer, add-in
// server, Office.js) and says for each what to fix. A Bundle packs a
// report, the integration and a log excerpt for support, with anything
// that looks like a secret redacted.
package diagnostics
