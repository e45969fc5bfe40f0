// Package ews is a small Exchange Web Services (SOAP 1.1) client for the
// operations VMR Companion needs: syncing the room mailbox, reading meeting
// requests with their MIME, answering them, finding sent answers again after
// a crash, listing and updating calendar items, and Autodiscover.
//
// Requests are written by hand in the exact shape of Microsoft's published
// schema (messages.xsd; a test validates every variant the client can build),
// responses are decoded leniently with encoding/xml: unknown elements are
// ignored, but ResponseClass, ResponseCode and MessageText are always checked.
// Authentication is not done here: Config.HTTPClient carries it (see package
// ews/auth). Reads are retried on transient failures; sends are retried only
// when Exchange said it did not process the request.
package ews
