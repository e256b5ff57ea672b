package jobs

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/connector"
)

func TestOutboxBackoffDoublesWithJitterUpToAnHour(t *testing.T) {
	tests := []struct {
		attempts int
		jitter   float64
		want     time.Duration
	}{
		{1, 0.5, 5 * time.Second},
		{2, 0.5, 10 * time.Second},
		{3, 0.5, 20 * time.Second},
		{1, 0, 4 * time.Second},            // -20 %
		{1, 0.75, 5500 * time.Millisecond}, // +10 %
		{2, 0.25, 9 * time.Second},         // -10 %
		{4, 0, 32 * time.Second},
		{10, 0.5, 42*time.Minute + 40*time.Second},
		{11, 0.5, time.Hour},      // 85 min capped
		{11, 0, 48 * time.Minute}, // jitter still spreads the rows at the cap
		{12, 0.999999, time.Hour},
		{200, 0.5, time.Hour},     // no overflow however many attempts
		{0, 0.5, 5 * time.Second}, // never claimed: treated as the first
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("attempt %d jitter %v", tt.attempts, tt.jitter), func(t *testing.T) {
			o := NewOutbox("mueller-immobilien", nil, nil, OutboxOptions{}, zerolog.Nop())
			o.jitter = func() float64 { return tt.jitter }
			if got := o.backoff(tt.attempts); got != tt.want {
				t.Fatalf("backoff(%d) = %v, want %v", tt.attempts, got, tt.want)
			}
		})
	}
}

func TestOutboxPausesLongerAfterEachFailedPass(t *testing.T) {
	o := NewOutbox("mueller-immobilien", nil, nil, OutboxOptions{Idle: time.Second}, zerolog.Nop())
	for failures, want := range map[int]time.Duration{
		1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 6: 32 * time.Second, 7: time.Minute, 1000: time.Minute,
	} {
		if got := o.pause(failures); got != want {
			t.Errorf("pause after %d failed passes = %v, want %v", failures, got, want)
		}
	}
}

func TestOutboxRetriesWhatTimeMayFixAndParksTheRest(t *testing.T) {
	crmErr := func(kind error, status int) error {
		return &connector.Error{Kind: kind, Status: status, Method: "POST", Route: "/history-service/stable/activities"}
	}
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"bad request", crmErr(connector.ErrPermanent, 400), true},
		{"contact gone", crmErr(connector.ErrNotFound, 404), true},
		{"conflict", crmErr(connector.ErrConflict, 409), true},
		{"unusable row", badRowf("payload of outbox row 1 does not fit kind %q", "crm.patch"), true},
		{"server error", crmErr(connector.ErrTransient, 503), false},
		{"rate limited", crmErr(connector.ErrRateLimited, 429), false},
		{"token refused", crmErr(connector.ErrAuth, 401), false},
		{"wrapped server error", fmt.Errorf("deliver: %w", crmErr(connector.ErrTransient, 502)), false},
		{"anything else", errors.New("connection reset"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isPermanent(tt.err); got != tt.permanent {
				t.Fatalf("isPermanent(%v) = %v, want %v", tt.err, got, tt.permanent)
			}
		})
	}
}

func TestOutboxOptionsDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   OutboxOptions
		want OutboxOptions
	}{
		{"zero", OutboxOptions{}, OutboxOptions{Batch: 50, Workers: 4, Lease: 2 * time.Minute, RowTimeout: 30 * time.Second,
			MaxAttempts: 12, Idle: time.Second}},
		{"negative", OutboxOptions{Batch: -1, Workers: -3, Lease: -time.Second, RowTimeout: -1, MaxAttempts: -2, Idle: -1},
			OutboxOptions{Batch: 50, Workers: 4, Lease: 2 * time.Minute, RowTimeout: 30 * time.Second, MaxAttempts: 12, Idle: time.Second}},
		{"lease too short for a row", OutboxOptions{Batch: 5, Workers: 1, Lease: time.Minute, RowTimeout: 45 * time.Second, MaxAttempts: 3, Idle: time.Millisecond},
			OutboxOptions{Batch: 5, Workers: 1, Lease: 90 * time.Second, RowTimeout: 45 * time.Second, MaxAttempts: 3, Idle: time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.in.withDefaults()
			if got.Now == nil {
				t.Fatal("no clock")
			}
			got.Now = nil
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
