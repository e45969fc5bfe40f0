package infinitysync_test

import (
	"fmt"
	"runtime"
	"testing"

	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
)

// Sizes of the benchmarks' Management Node: a large deployment. -short
// takes a tenth.
const (
	benchIntegrations = 5_000
	benchVMRs         = 50_000
	benchPageSize     = 500 // limit= per page, as wire asks
)

// seedBench fills the fake directly (no HTTP): connectors with a domain,
// personal VMRs with an alias each, and a few VMRs without an owner.
func seedBench(b *testing.B, fake *infinitytest.Server) (int, int) {
	ni, nv := benchIntegrations, benchVMRs
	if testing.Short() {
		ni, nv = ni/10, nv/10
	}
	conns := make([]map[string]any, ni)
	for i := range conns {
		conns[i] = connectorFields(fmt.Sprintf("site-%05d", i))
	}
	ids := fake.Seed("ms_exchange_connector", conns...)
	domains := make([]map[string]any, ni)
	for i, id := range ids {
		domains[i] = map[string]any{"domain": fmt.Sprintf("mail.site-%05d.example.com", i), "exchange_connector": fmt.Sprintf("%sms_exchange_connector/%d/", infinitytest.ConfigPath, id)}
	}
	fake.Seed("exchange_domain", domains...)
	confs := make([]map[string]any, nv)
	for i := range confs {
		confs[i] = map[string]any{"name": fmt.Sprintf("VMR %06d", i), "primary_owner_email_address": fmt.Sprintf("user%06d@example.com", i), "description": "personal"}
	}
	cids := fake.Seed("conference", confs...)
	aliases := make([]map[string]any, nv)
	for i, id := range cids {
		aliases[i] = map[string]any{"alias": fmt.Sprintf("user%06d@vc.example.com", i), "conference": fmt.Sprintf("%sconference/%d/", infinitytest.ConfigPath, id)}
	}
	fake.Seed("conference_alias", aliases...)
	return ni, nv
}

// pullMeasured pulls once, sampling the heap at each progress report; the
// peak is above the heap before the pull (the fake's objects live in this
// process too).
func pullMeasured(b *testing.B, e *env) (*infinitysync.Result, uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before, peak := ms.HeapAlloc, ms.HeapAlloc
	sample := func(infinitysync.Progress) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	res, err := e.svc.Pull(e.ctx, sample)
	if err != nil {
		b.Fatal(err)
	}
	sample(infinitysync.Progress{})
	return res, peak - before
}

func BenchmarkPull(b *testing.B) {
	e := newEnv(b, benchPageSize)
	ni, nv := seedBench(b, e.fake)
	var requests int
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		e.freshStore()
		e.connect()
		b.StartTimer()
		res, p := pullMeasured(b, e)
		if res.Created != ni+nv || len(res.Failed) != 0 {
			b.Fatalf("pull: created %d of %d, failed %v", res.Created, ni+nv, res.Failed[:min(3, len(res.Failed))])
		}
		requests, peak = res.Requests, max(peak, p)
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(ni+nv), "objects")
}

func BenchmarkPullUnchanged(b *testing.B) {
	e := newEnv(b, benchPageSize)
	ni, nv := seedBench(b, e.fake)
	e.connect()
	if res, _ := pullMeasured(b, e); res.Created != ni+nv {
		b.Fatalf("first pull created %d", res.Created)
	}
	var requests int
	var peak uint64
	for b.Loop() {
		res, p := pullMeasured(b, e)
		if res.Unchanged != ni+nv {
			b.Fatalf("second pull: %d unchanged of %d", res.Unchanged, ni+nv)
		}
		requests, peak = res.Requests, max(peak, p)
	}
	b.ReportMetric(float64(requests), "requests/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(ni+nv), "objects")
}
