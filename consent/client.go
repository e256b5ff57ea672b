package consent

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"unicode"

	"github.com/consentd/consentd/store"
)

// maxUserAgent bounds the user agent kept in the ledger.
const maxUserAgent = 512

var clientChannels = []string{store.ChannelWeb, store.ChannelPhone, store.ChannelLetter, store.ChannelMail, store.ChannelAdmin}

// TruncateIP keeps the network part of a client address that the ledger
// may hold: an IPv4 address becomes its /24 (a.b.c.0), an IPv6 address its
// /48. An address with a port is accepted; anything else gives "".
func TruncateIP(raw string) string {
	raw = strings.TrimSpace(raw)
	if host, _, err := net.SplitHostPort(raw); err == nil {
		raw = host
	}
	ip, err := netip.ParseAddr(raw)
	if err != nil {
		return ""
	}
	ip = ip.Unmap().WithZone("")
	bits := 48
	if ip.Is4() {
		bits = 24
	}
	prefix, err := ip.Prefix(bits)
	if err != nil {
		return ""
	}
	return prefix.Addr().String()
}

// cleanUserAgent makes a user agent fit for the ledger: valid UTF-8
// without control characters, at most maxUserAgent bytes.
func cleanUserAgent(ua string) string {
	ua = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(ua, ""))
	if len(ua) > maxUserAgent {
		ua = strings.ToValidUTF8(ua[:maxUserAgent], "") // drops a character cut in half
	}
	return ua
}

// recorded is what the ledger keeps about the client of an action.
type recorded struct {
	linkID    *int64
	ip, agent string
	channel   string
}

// record checks the client's channel and keeps its address and browser
// only when the company records them.
func (s *Service) record(c Client, subj *Subject) (recorded, error) {
	if c.Channel == "" {
		c.Channel = store.ChannelWeb
	}
	if !slices.Contains(clientChannels, c.Channel) {
		return recorded{}, fmt.Errorf("channel %q is not one of %v", c.Channel, clientChannels)
	}
	r := recorded{channel: c.Channel}
	if c.LinkID == 0 && subj != nil {
		c.LinkID = subj.Link.ID
	}
	if c.LinkID != 0 {
		r.linkID = &c.LinkID
	}
	if s.set.RecordClient {
		r.ip, r.agent = TruncateIP(c.IP), cleanUserAgent(c.UserAgent)
	}
	return r, nil
}
