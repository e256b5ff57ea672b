package configs

import (
	"fmt"
	"os"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"
)

// file is the top level of a config file. Companies decode after the
// global sections because their defaults come from those sections.
type file struct {
	Database  Database  `yaml:"database"`
	HTTP      HTTP      `yaml:"http"`
	Log       Log       `yaml:"log"`
	Sync      Sync      `yaml:"sync"`
	Jobs      Jobs      `yaml:"jobs"`
	Serve     Serve     `yaml:"serve"`
	Companies yaml.Node `yaml:"companies"`
}

func defaultFile() file {
	return file{
		Database: Database{
			Driver:     "postgres",
			NamePrefix: "consentd_",
			Pool:       Pool{MaxOpen: 4, MaxIdle: 1, IdleTimeout: time.Minute},

			MaxConnections: DefaultMaxConnections,
		},
		HTTP:  HTTP{Listen: "127.0.0.1:8080", RateLimit: defaultRateLimit},
		Log:   Log{Level: "info"},
		Sync:  Sync{PageSize: 200, Overlap: 2 * time.Minute, ProfileWorkers: 4},
		Jobs:  defaultJobs,
		Serve: defaultServe,
	}
}

func defaultCompany(sync Sync) Company {
	return Company{
		CRM:      CRM{RequestsPerSecond: 20, Burst: 10, Timeout: 30 * time.Second},
		Schedule: Schedule{Sync: "@every 10m", Reconcile: "0 3 * * *", Retention: "0 6 * * *"},
		Sync:     sync,
		Consent:  defaultConsent,
	}
}

// Parse decodes and validates a config document. Relative file paths in it
// resolve against baseDir (the working directory when empty); lookupEnv
// expands ${VAR}, nil meaning the process environment. Every problem is
// reported at once in a *ValidationError.
func Parse(data []byte, baseDir string, lookupEnv func(string) (string, bool)) (*Config, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &ValidationError{Problems: []Problem{{Message: "not valid YAML: " + err.Error()}}}
	}
	ps := &problems{}
	d := decoder{lookupEnv: lookupEnv, problems: ps}
	top := defaultFile()
	if root.Kind == yaml.DocumentNode {
		d.value(root.Content[0], reflect.ValueOf(&top).Elem(), "")
	}
	cfg := &Config{Database: top.Database, HTTP: top.HTTP, Log: top.Log, Sync: top.Sync, Jobs: top.Jobs, Serve: top.Serve}
	cfg.Companies = d.companies(&top.Companies, top.Sync)
	cfg.validate(ps)
	cfg.loadFiles(baseDir, ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (d *decoder) companies(n *yaml.Node, sync Sync) []Company {
	n = resolveAlias(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.problems.add("companies", "want a list of companies, got %s (line %d)", describe(n), n.Line)
		return nil
	}
	out := make([]Company, len(n.Content))
	for i, item := range n.Content {
		out[i] = defaultCompany(sync)
		d.value(item, reflect.ValueOf(&out[i]).Elem(), fmt.Sprintf("companies[%d]", i))
	}
	return out
}
