// Package diagnostics runs the deployment guide's checks for one
// integration (network, TLS, authentication, load balancer, add-in
// server, Office.js) and says for each what to fix.
package diagnostics
