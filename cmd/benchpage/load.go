package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	gosync "sync"
	"time"
)

const requestTimeout = 10 * time.Second

// readBuffer holds a whole page, so that reading an answer takes one or
// two reads rather than one per 4 KiB.
const readBuffer = 64 << 10

// newClient is a keep-alive client for conns connections that does not
// follow redirects: a POST is done with its 303. It uses no proxy, so
// every request goes to serve on loopback, and asks for no compression,
// which serve does not offer.
func newClient(conns int) *http.Client {
	t := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute,
		ReadBufferSize: readBuffer, DisableCompression: true}
	return &http.Client{Transport: t, Timeout: requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// send sends req and copies the answer's body to body, which reads it to
// the end so that the connection is reused.
func send(client *http.Client, req *http.Request, body io.Writer) (*http.Response, error) {
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(body, res.Body); err != nil {
		return nil, fmt.Errorf("read the answer to %s %s: %w", req.Method, req.URL.Path, err)
	}
	return res, nil
}

// getResult is the page GET phase.
type getResult struct {
	phase
	latencies []time.Duration
	errors    int // answers other than the link's page with 200, and failed requests
}

// pageTarget is a link as the GET phase asks for it: its request, and
// what only its own page holds, the link's path as the page's forms post to
// it.
type pageTarget struct {
	request []byte
	linkRef []byte
}

func (b *bench) pageTargets() []pageTarget {
	targets := make([]pageTarget, len(b.links))
	for i, l := range b.links {
		targets[i] = pageTarget{request: getRequest(b.pageAddr, l.path), linkRef: []byte(strings.TrimPrefix(l.path, "/") + "/")}
	}
	return targets
}

// getPhase lets getWorkers clients, a connection each, GET random links
// for the duration.
func (b *bench) getPhase(ctx context.Context) (getResult, error) {
	var r getResult
	targets := b.pageTargets()
	per := make([]getResult, b.o.getWorkers)
	var err error
	r.phase, err = measurePhase(b.serve, func() {
		deadline := time.Now().Add(b.o.duration)
		var wg gosync.WaitGroup
		for i := range per {
			wg.Go(func() { per[i] = getLoop(ctx, &pageClient{addr: b.pageAddr}, targets, deadline) })
		}
		wg.Wait()
	})
	for _, w := range per {
		r.latencies = append(r.latencies, w.latencies...)
		r.errors += w.errors
	}
	return r, err
}

// getLoop GETs random links until the deadline. Each answer is read into
// one buffer per client and checked to be the link's page, outside the
// time measured.
func getLoop(ctx context.Context, client *pageClient, targets []pageTarget, deadline time.Time) getResult {
	var r getResult
	defer client.close()
	var body bytes.Buffer
	for time.Now().Before(deadline) && ctx.Err() == nil {
		t := targets[rand.IntN(len(targets))]
		body.Reset()
		begin := time.Now()
		res, err := client.get(t.request, &body)
		r.latencies = append(r.latencies, time.Since(begin))
		if err != nil || !isPage(res, body.Bytes(), t.linkRef) {
			r.errors++
		}
	}
	return r
}

// isPage tells whether an answer is a whole consent page of the link:
// 200, HTML to its end, and forms posting to the link.
func isPage(res *http.Response, body, linkRef []byte) bool {
	return res.StatusCode == http.StatusOK && strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") &&
		bytes.HasSuffix(bytes.TrimSpace(body), []byte("</html>")) && bytes.Contains(body, linkRef)
}

// given is a consent serve confirmed with its 303.
type given struct {
	addressID string
	at        time.Time // the 303 was read
}

// postResult is the consent POST phase.
type postResult struct {
	phase
	latencies  []time.Duration // POSTs only
	formTime   time.Duration   // spent fetching the pages for their forms, summed over the workers
	formErrors int             // pages that did not load or had no consent form
	non303     int             // POSTs answered otherwise or failed
	given      []given
	linksUsed  int
}

// postPhase lets postWorkers clients each take a link of their own, GET
// its page (not timed) and POST its consent form (timed), until the
// duration ends or every link is used.
func (b *bench) postPhase(ctx context.Context, client *http.Client) (postResult, error) {
	var r postResult
	work := make(chan link, len(b.links))
	for _, l := range b.links {
		work <- l
	}
	close(work)
	per := make([]postResult, b.o.postWorkers)
	var err error
	r.phase, err = measurePhase(b.serve, func() {
		deadline := time.Now().Add(b.o.duration)
		var wg gosync.WaitGroup
		for i := range per {
			wg.Go(func() { per[i] = b.postLoop(ctx, client, work, deadline) })
		}
		wg.Wait()
	})
	for _, w := range per {
		r.add(w)
	}
	return r, err
}

func (r *postResult) add(w postResult) {
	r.latencies = append(r.latencies, w.latencies...)
	r.formTime += w.formTime
	r.formErrors += w.formErrors
	r.non303 += w.non303
	r.given = append(r.given, w.given...)
	r.linksUsed += w.linksUsed
}

func (b *bench) postLoop(ctx context.Context, client *http.Client, work <-chan link, deadline time.Time) postResult {
	var r postResult
	var page bytes.Buffer
	for l := range work {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return r
		}
		r.linksUsed++
		begin := time.Now()
		f, err := b.consentForm(ctx, client, l.path, &page)
		r.formTime += time.Since(begin)
		if err != nil {
			r.formErrors++
			continue
		}
		begin = time.Now()
		ok := b.post(ctx, client, f)
		end := time.Now()
		r.latencies = append(r.latencies, end.Sub(begin))
		if !ok {
			r.non303++
			continue
		}
		r.given = append(r.given, given{addressID: l.addressID, at: end})
	}
	return r
}

// consentForm loads the page at path into page and reads its consent form.
func (b *bench) consentForm(ctx context.Context, client *http.Client, path string, page *bytes.Buffer) (pageForm, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.pageBase+path, nil)
	if err != nil {
		return pageForm{}, err
	}
	page.Reset()
	res, err := send(client, req, page)
	if err != nil {
		return pageForm{}, err
	}
	if res.StatusCode != http.StatusOK {
		return pageForm{}, fmt.Errorf("page answered %s", res.Status)
	}
	return findForm(path, page.String(), "/consent")
}

// post sends the form as a browser would and tells whether serve
// confirmed it with a 303 to the consent confirmation.
func (b *bench) post(ctx context.Context, client *http.Client, f pageForm) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.pageBase+f.action, strings.NewReader(f.values.Encode()))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := send(client, req, io.Discard)
	return err == nil && res.StatusCode == http.StatusSeeOther && strings.HasSuffix(res.Header.Get("Location"), "done/consent")
}
