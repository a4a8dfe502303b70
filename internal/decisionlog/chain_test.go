package decisionlog

import (
	"testing"
	"time"
)

// The hand-written time encoding must equal what timeLayout specifies (and
// docs/decision-log.md documents), or hashes would change meaning.
func TestNetstringTimeMatchesTheDocumentedLayout(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 30, 9, 5, 7, 123456000, time.UTC),
		time.Date(999, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2026, 3, 29, 1, 30, 0, 1000, time.FixedZone("CET", 3600)),
	} {
		want := netstring(nil, tm.UTC().Format(timeLayout))
		if got := netstringTime(nil, tm); string(got) != string(want) {
			t.Errorf("%v: got %q, want %q", tm, got, want)
		}
	}
	if got := netstringTime(nil, time.Time{}); string(got) != "0:," {
		t.Errorf("zero time: %q", got)
	}
}

func TestParseUTCTextReadsWhatSQLiteStores(t *testing.T) {
	cases := map[string]time.Time{
		"2026-11-30 05:00:00.123456+00:00": time.Date(2026, 11, 30, 5, 0, 0, 123456000, time.UTC),
		"2026-11-30 05:00:01+00:00":        time.Date(2026, 11, 30, 5, 0, 1, 0, time.UTC),
		"2026-11-30 05:00:01.5+00:00":      time.Date(2026, 11, 30, 5, 0, 1, 500000000, time.UTC),
	}
	for in, want := range cases {
		got, ok := parseUTCText(in)
		if !ok || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"2026-11-30 05:00:01+02:00", "2026-11-30T05:00:01Z", "2026-1x-30 05:00:01+00:00", "2026-11-30 05:00:01.+00:00", ""} {
		if _, ok := parseUTCText(in); ok {
			t.Errorf("%q accepted by the fast path", in)
		}
	}
	var st storedTime
	if err := st.Scan("2026-11-30 07:00:01+02:00"); err != nil || !st.t.Equal(time.Date(2026, 11, 30, 5, 0, 1, 0, time.UTC)) {
		t.Errorf("slow path: %v %v", st.t, err)
	}
}
