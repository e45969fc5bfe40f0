package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"vmr-companion/backend/scheduler"
)

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	descWorker = prometheus.NewDesc(namespace+"_scheduler_worker_state",
		"The scheduler worker's state: 1 for the state it is in (running, waiting, backoff, failed, stopped, disabled).",
		[]string{"integration", "state"}, nil)
	descOutbox = prometheus.NewDesc(namespace+"_scheduler_outbox_pending",
		"Replies waiting to be sent.", []string{"integration"}, nil)
	descBacklog = prometheus.NewDesc(namespace+"_scheduler_backlog",
		"Mailbox items seen by the running pass and not yet decided.", []string{"integration"}, nil)
	descQuarantined = prometheus.NewDesc(namespace+"_scheduler_quarantined",
		"Items and replies set aside until an admin retries them.", []string{"integration"}, nil)
	descLastSync = prometheus.NewDesc(namespace+"_scheduler_last_sync_timestamp_seconds",
		"When the room mailbox was last read through (Unix time; 0: never).", []string{"integration"}, nil)
	descLease = prometheus.NewDesc(namespace+"_scheduler_lease_held",
		"1 while this process holds the room mailbox's lease.", []string{"integration"}, nil)
	descProcessed = prometheus.NewDesc(namespace+"_scheduler_processed_total",
		"Mailbox items decided since the integration was made (from the store).", []string{"integration"}, nil)
	descCertExpiry = prometheus.NewDesc(namespace+"_certificate_expiry_seconds",
		"Seconds until the add-in host's certificate expires (negative once it has).", nil, nil)
	descScrapeErrors = prometheus.NewDesc(namespace+"_scrape_error",
		"1 when a part of this scrape could not be read (scheduler or certificate); the log says why.", []string{"part"}, nil)
)

// workerStates are the states worker_state reports, each as its own
// series, so that an alert can match state="failed".
var workerStates = []string{scheduler.WorkerRunning, scheduler.WorkerWaiting, scheduler.WorkerBackoff,
	scheduler.WorkerFailed, scheduler.WorkerStopped, scheduler.WorkerDisabled}

// collector reads the scheduler's status and the certificate at scrape
// time, so nothing has to be threaded through the workers for them.
type collector struct{ m *Metrics }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descWorker, descOutbox, descBacklog, descQuarantined, descLastSync, descLease,
		descProcessed, descCertExpiry, descScrapeErrors} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if get := c.m.statuses(); get != nil {
		sts, err := get(ctx)
		failed := 0.0
		if err != nil {
			failed = 1
		}
		gauge(descScrapeErrors, failed, "scheduler")
		for _, st := range sts {
			name := st.Integration
			for _, s := range workerStates {
				v := 0.0
				if st.State == s {
					v = 1
				}
				gauge(descWorker, v, name, s)
			}
			gauge(descOutbox, float64(st.OutboxPending), name)
			gauge(descBacklog, float64(st.Backlog), name)
			gauge(descQuarantined, float64(st.QuarantinedCount), name)
			last := 0.0
			if !st.LastSync.IsZero() {
				last = float64(st.LastSync.UnixMilli()) / 1000
			}
			gauge(descLastSync, last, name)
			held := 0.0
			if st.Lease != nil && st.Lease.ThisProcess {
				held = 1
			}
			gauge(descLease, held, name)
			ch <- prometheus.MustNewConstMetric(descProcessed, prometheus.CounterValue, float64(st.Processed), name)
		}
	}
	if get := c.m.certificate(); get != nil {
		cert, err := get()
		failed := 0.0
		if err != nil || cert == nil {
			failed = 1
		} else {
			gauge(descCertExpiry, cert.NotAfter.Sub(c.m.cfg.Now()).Seconds())
		}
		gauge(descScrapeErrors, failed, "certificate")
	}
}
