package web

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	tests := []struct {
		name      string
		trust     bool
		remote    string
		forwarded []string
		want      string
	}{
		{"peer", false, "192.0.2.10:5555", nil, "192.0.2.10"},
		{"IPv6 peer", false, "[2001:db8::1]:5555", nil, "2001:db8::1"},
		{"IPv4 mapped", false, "[::ffff:192.0.2.10]:5555", nil, "192.0.2.10"},
		{"forwarded ignored without trust", false, "10.0.0.1:5555", []string{"203.0.113.5"}, "10.0.0.1"},
		{"last forwarded address behind a trusted proxy", true, "10.0.0.1:5555", []string{"1.2.3.4, 203.0.113.5"}, "203.0.113.5"},
		{"last of several headers", true, "10.0.0.1:5555", []string{"1.2.3.4", "203.0.113.6"}, "203.0.113.6"},
		{"garbage forwarded falls back to the peer", true, "10.0.0.1:5555", []string{"not an address"}, "10.0.0.1"},
		{"no forwarded header", true, "10.0.0.1:5555", nil, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &server{opts: Options{TrustProxy: tt.trust}}
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.remote
			for _, f := range tt.forwarded {
				req.Header.Add("X-Forwarded-For", f)
			}
			if got := s.clientIP(req); got != tt.want {
				t.Errorf("clientIP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRateKeyGroupsIPv6Networks(t *testing.T) {
	for ip, want := range map[string]string{
		"192.0.2.10": "192.0.2.10", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "2001:db8:1:2::9": "2001:db8:1:2::/64", "junk": "junk",
	} {
		if got := rateKey(ip); got != want {
			t.Errorf("rateKey(%q) = %q, want %q", ip, got, want)
		}
	}
}
