package main

import (
	"errors"

	"github.com/consentd/consentd/configs"
)

// reload reads the config file again on SIGHUP and applies its companies:
// added ones start, removed ones stop, changed ones start over. A file
// with problems changes nothing: every problem is logged and the config in
// effect stays.
func (d *daemon) reload() {
	log := d.a.log
	cfg, err := d.a.reloadConfig()
	if err != nil {
		var verr *configs.ValidationError
		if errors.As(err, &verr) {
			for _, p := range verr.Problems {
				log.Error().Str("key", p.Path).Msg(p.Message)
			}
		} else {
			log.Error().Err(err).Send()
		}
		log.Error().Msg("config not reloaded: the config in effect stays; fix the file and send SIGHUP again")
		return
	}
	for _, key := range restartOnly(d.config(), cfg) {
		log.Warn().Str("key", key).Msg("changed in the config file; takes effect at the next start of consentd serve")
	}
	ch := d.apply(cfg)
	log.Info().Int("companies", len(cfg.Companies)).Strs("added", ch.added).Strs("changed", ch.changed).
		Strs("removed", ch.removed).Msg("config reloaded")
}

// restartOnly lists the settings that differ between old and cur and take
// effect only when serve starts.
func restartOnly(old, cur *configs.Config) []string {
	var keys []string
	for _, s := range []struct {
		key     string
		changed bool
	}{
		{"database", old.Database != cur.Database},
		{"http.listen", old.HTTP.Listen != cur.HTTP.Listen},
		{"http.admin_listen", old.HTTP.AdminListen != cur.HTTP.AdminListen},
		{"jobs", old.Jobs.TimeZone != cur.Jobs.TimeZone || old.Jobs.MaxConcurrent != cur.Jobs.MaxConcurrent || old.Jobs.Jitter != cur.Jobs.Jitter},
		{"log.level", old.Log.Level != cur.Log.Level},
	} {
		if s.changed {
			keys = append(keys, s.key)
		}
	}
	return keys
}
