package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// clientIP is the address a request came from: the connection's peer, or
// behind a trusted proxy the last address in X-Forwarded-For, the one the
// proxy itself added (earlier entries are whatever the client claimed).
func (s *server) clientIP(r *http.Request) string {
	if s.opts.TrustProxy {
		forwarded := r.Header.Values("X-Forwarded-For")
		if len(forwarded) > 0 {
			list := forwarded[len(forwarded)-1]
			last := strings.TrimSpace(list[strings.LastIndexByte(list, ',')+1:])
			if addr, err := netip.ParseAddr(last); err == nil {
				return addr.Unmap().String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.Unmap().String()
	}
	return host
}

// rateKey groups the addresses one client controls: an IPv4 address, or
// an IPv6 /64, which one household or server usually has whole.
func rateKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Is4() {
		return ip
	}
	prefix, _ := addr.Prefix(64)
	return prefix.String()
}

// secure reports whether the contact reached the page over https.
func (s *server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.opts.TrustProxy && (s.https || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

func isHTTPS(publicURL string) bool {
	u, err := url.Parse(publicURL)
	return err == nil && u.Scheme == "https"
}
