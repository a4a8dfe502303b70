package config_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotdash/hotdash/internal/config"
	"github.com/hotdash/hotdash/internal/sla"
)

// TestSLATestdata loads every testdata/sla file: *.good.yaml must load and
// build; *.bad.yaml must fail with every "# want:" line in the error.
func TestSLATestdata(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "sla", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := config.LoadPolicy(f)
			switch {
			case strings.HasSuffix(f, ".good.yaml"):
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := p.SLA.Build(); err != nil {
					t.Fatalf("loads but does not build: %v", err)
				}
			case strings.HasSuffix(f, ".bad.yaml"):
				wants := wantLines(t, f)
				if len(wants) == 0 {
					t.Fatal("a bad file needs # want: lines")
				}
				if err == nil {
					t.Fatal("loaded without error")
				}
				for _, w := range wants {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error does not contain %q:\n%v", w, err)
					}
				}
			default:
				t.Fatal("name test files *.good.yaml or *.bad.yaml")
			}
		})
	}
}

func wantLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if w, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
			out = append(out, w)
		}
	}
	return out
}

func TestSLAFullExampleBuilds(t *testing.T) {
	p, err := config.LoadPolicy(filepath.Join("testdata", "sla", "full.good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	policies, bands, err := p.SLA.Build()
	if err != nil {
		t.Fatal(err)
	}
	if bands != (sla.Bands{Warning: 20 * time.Minute, Urgent: 3 * time.Minute}) {
		t.Errorf("bands %+v", bands)
	}
	names := []string{}
	for _, x := range policies.List() {
		names = append(names, x.Name)
	}
	if strings.Join(names, ",") != "vip-email,nepal-chat,default" {
		t.Fatalf("policies %v", names)
	}

	vip := policies.Select("Channel::Email", "high", []string{"vip"})
	if vip.Name != "vip-email" || vip.Targets != (sla.Targets{FirstResponse: 15 * time.Minute, NextResponse: 30 * time.Minute, Resolution: 8 * time.Hour}) {
		t.Fatalf("vip policy %+v", vip)
	}
	cal := vip.Calendar
	if cal == nil || cal.Name() != "support-hours" || cal.Location().String() != "Europe/Berlin" {
		t.Fatalf("vip calendar %v", cal)
	}
	berlin := cal.Location()
	// Friday closes at 15:00; Saturday 22:00 runs to Sunday 02:00; the
	// 24th and 25th of December are holidays.
	fri := time.Date(2026, 12, 18, 14, 0, 0, 0, berlin)
	if got, want := cal.Add(fri, 2*time.Hour), time.Date(2026, 12, 19, 23, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("Friday 14:00 + 2h = %v, want Saturday 23:00", got)
	}
	wed := time.Date(2026, 12, 23, 16, 0, 0, 0, berlin)
	if got, want := cal.Add(wed, 2*time.Hour), time.Date(2026, 12, 26, 23, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("23 Dec 16:00 + 2h = %v, want 26 Dec 23:00", got)
	}

	nepal := policies.Select("Channel::WebWidget", "", []string{"Nepal"})
	if nepal.Name != "nepal-chat" || nepal.Targets != (sla.Targets{FirstResponse: 5 * time.Minute, NextResponse: 30 * time.Minute}) {
		t.Fatalf("nepal policy %+v (omitted next_response takes the default, resolution 0 is off)", nepal)
	}
	ktm := nepal.Calendar
	w := ktm.Week()
	if len(w[time.Saturday]) != 0 || w[time.Sunday][0].String() != "10:00-18:00" || w[time.Monday][0].String() != "09:00-17:00" {
		t.Errorf("kathmandu week %v", w)
	}

	if d := policies.Select("sms", "urgent", []string{"vip"}); d.Name != "default" || d.Calendar != nil || d.Targets != sla.DefaultTargets() {
		t.Errorf("default policy %+v", d)
	}
}

func TestSLADefaults(t *testing.T) {
	for _, path := range []string{"", filepath.Join("testdata", "sla", "no-policies.good.yaml")} {
		p, err := config.LoadPolicy(path)
		if err != nil {
			t.Fatal(err)
		}
		policies, bands, err := p.SLA.Build()
		if err != nil {
			t.Fatal(err)
		}
		if bands != sla.DefaultBands() || bands != (sla.Bands{Warning: 15 * time.Minute, Urgent: 5 * time.Minute}) {
			t.Errorf("%q: bands %+v", path, bands)
		}
		d := policies.Select("email", "high", []string{"vip"})
		want := sla.Targets{FirstResponse: 30 * time.Minute, NextResponse: 30 * time.Minute, Resolution: 24 * time.Hour}
		if d.Name != "default" || d.Targets != want || d.Calendar != nil || len(policies.List()) != 1 {
			t.Errorf("%q: default policy %+v", path, d)
		}
	}
	// Changing one band keeps the other and the default policy.
	p, err := config.LoadPolicy(filepath.Join("testdata", "sla", "bands-only.good.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.SLA.Bands.Warning.D() != 30*time.Minute || p.SLA.Bands.Urgent.D() != 5*time.Minute || p.Auth.SessionLifetime.D() != 8*time.Hour {
		t.Errorf("bands %+v auth %+v", p.SLA.Bands, p.Auth)
	}
	if ps, _, err := p.SLA.Build(); err != nil || ps.Default().Targets != sla.DefaultTargets() {
		t.Errorf("default policy lost: %v", err)
	}
}

func TestSLAValidateIsBuild(t *testing.T) {
	c := config.DefaultSLA()
	c.Policies[0].Calendar = "nowhere"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), `sla.policies[0].calendar: unknown calendar "nowhere" (no calendars are defined under sla.calendars)`) {
		t.Fatalf("Validate = %v", err)
	}
	// The policy as a whole reports SLA problems too.
	p := config.DefaultPolicy()
	p.SLA = c
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "sla.policies[0].calendar") {
		t.Fatalf("Policy.Validate = %v", err)
	}
}
