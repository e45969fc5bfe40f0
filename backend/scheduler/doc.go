// Package scheduler watches each integration's room mailbox over EWS and
// turns the meeting requests that reach it into single-use VMRs: it decides
// (accept or reject), creates, updates or removes the conference through
// the provisioner, and answers the organizer. Each item's decision, its
// conference changes and its reply are committed together, replies leave
// through an outbox, and the sync state advances only after the commit, so
// a crash at any point loses nothing and sends nothing twice.
package scheduler
