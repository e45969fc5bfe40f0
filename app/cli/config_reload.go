package cli

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/scheduler"
)

// liveSetting is a group of serve's settings that can change while it
// runs: apply takes their new values from the flags of a fresh tree.
type liveSetting struct {
	keys  []string
	apply func(flags *pflag.FlagSet) error
}

// serveLive lists what SIGHUP changes without a restart: the reservation
// rate and the placeholder policy. Everything else (addresses, data
// folder, secrets, auth) is bound when serve starts.
func serveLive(host *addinhost.Server, sched *scheduler.Scheduler) []liveSetting {
	return []liveSetting{
		{keys: []string{"serve.reservation-rate"}, apply: func(flags *pflag.FlagSet) error {
			rate, err := flags.GetInt("reservation-rate")
			if err != nil {
				return err
			}
			return host.SetReservationRate(rate)
		}},
		{keys: []string{"serve.placeholder-horizon", "serve.placeholder-limit"}, apply: func(flags *pflag.FlagSet) error {
			horizon, err := flags.GetDuration("placeholder-horizon")
			if err != nil {
				return err
			}
			limit, err := flags.GetInt("placeholder-limit")
			if err != nil {
				return err
			}
			return sched.SetPlaceholderPolicy(horizon, limit)
		}},
	}
}

// reload is serve's answer to SIGHUP: it re-reads the config file (the
// environment and the command line stay as they were at the start),
// applies the settings in live that changed, and says which others
// changed and need a restart. A file with problems changes nothing.
func (c *command) reload(out io.Writer, log *slog.Logger, live []liveSetting) {
	say := func(level slog.Level, msg string) {
		log.Log(c.ctx, level, msg)
		if !c.logs.json() { // in json, out is the same log
			fmt.Fprintln(out, msg)
		}
	}
	st := c.conf
	if !st.named {
		// The system file may have been created since the start.
		st.path, _, _ = c.configPath(c.fresh(), st.env)
	}
	if st.path == "" {
		say(slog.LevelInfo, "SIGHUP: no config file to re-read ("+orNone(c.cfg.ConfigFile)+" does not exist, and neither --config nor "+EnvConfig+" names one); serve keeps its settings")
		return
	}
	file, warnings, probs := readConfigFile(st.path)
	for _, w := range warnings {
		say(slog.LevelWarn, "SIGHUP: warning: "+w)
	}
	var settings []setting
	var flags *pflag.FlagSet
	if len(probs) == 0 {
		probs = file.check(c.fresh())
	}
	if len(probs) == 0 {
		tree := c.fresh()
		target, _, err := tree.Find([]string{"serve"})
		if err != nil {
			probs = []problem{{Message: err.Error()}}
		} else {
			// Values given on the command line stay: they win over the
			// file anyway.
			cmdLine := map[string]string{}
			for _, s := range st.settings {
				if s.Source == fromFlag {
					cmdLine[s.Key] = s.Value
				}
			}
			settings, probs = resolve(target, layers{env: st.env, file: file, cmdLine: cmdLine})
			flags = target.Flags()
			flags.AddFlagSet(tree.PersistentFlags())
		}
	}
	if len(probs) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "SIGHUP: %s has %d problem(s), so nothing was changed and serve keeps running as it was:", st.path, len(probs))
		for _, p := range probs {
			b.WriteString("\n  " + p.String())
		}
		say(slog.LevelError, b.String())
		return
	}
	old := map[string]int{}
	for i, s := range c.conf.settings {
		old[s.Key] = i
	}
	changed := map[string]setting{}
	for _, s := range settings {
		if i, ok := old[s.Key]; ok && c.conf.settings[i].Value != s.Value {
			changed[s.Key] = s
		}
	}
	applied, restart := 0, 0
	for _, l := range live {
		var group []setting
		for _, k := range l.keys {
			if s, ok := changed[k]; ok {
				group = append(group, s)
				delete(changed, k)
			}
		}
		if len(group) == 0 {
			continue
		}
		if err := l.apply(flags); err != nil {
			say(slog.LevelError, fmt.Sprintf("SIGHUP: %s in %s not applied: %v", keysOf(group), st.path, err))
			continue
		}
		for _, s := range group {
			c.conf.settings[old[s.Key]] = s
			applied++
			say(slog.LevelInfo, fmt.Sprintf("SIGHUP: %s is now %s (%s)", s.Key, s.shown(), sourceOf(s)))
		}
	}
	// In the order serve lists its settings.
	for _, s := range settings {
		if _, ok := changed[s.Key]; ok {
			restart++
			say(slog.LevelWarn, fmt.Sprintf("%s changed in %s: restart serve to apply", s.Key, st.path))
		}
	}
	say(slog.LevelInfo, fmt.Sprintf("SIGHUP: re-read %s: %d setting(s) applied, %d need a restart", st.path, applied, restart))
}

func keysOf(list []setting) string {
	keys := make([]string, len(list))
	for i, s := range list {
		keys[i] = s.Key
	}
	return strings.Join(keys, ", ")
}

func sourceOf(s setting) string {
	if s.Where != "" {
		return s.Source + " " + s.Where
	}
	return s.Source
}
