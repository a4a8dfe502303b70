package chatwoot

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzScan checks the decoder's JSON splitter against encoding/json on
// every valid JSON input: the same members (every key, last duplicate
// winning) with the same raw values, and the same array elements.
//
//	go test -fuzz=FuzzScan -fuzztime=30s ./internal/chatwoot/
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[1,{"c":"}"}],"d":"x\"y","a":2}`,
		` { "k\u0065y" : { } , "s" : "\\" , "n" : -1.5e3 , "t":true,"f":false,"z":null } `,
		`[1, "two", {"three":[3]}, [], {}, null]`,
		`{"event":"message_created","conversation":{"meta":{"sender":{"id":1}}}}`,
		`{"é":"ü","":""}`, `{}`, `[]`, `"x"`, `5`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal(b, &want)
		got, ok := allMembers(b)
		if (wantErr == nil && want != nil) != ok {
			t.Fatalf("object %q: encoding/json %v, allMembers ok=%v", b, wantErr, ok)
		}
		if ok {
			if len(got) != len(want) {
				t.Fatalf("%q: %d members, encoding/json %d", b, len(got), len(want))
			}
			for _, f := range got {
				if w, found := want[f.key]; !found || !bytes.Equal(w, f.val) {
					t.Fatalf("%q: member %q = %q, encoding/json %q", b, f.key, f.val, w)
				}
			}
			known, _ := members(b)
			for _, f := range known {
				if !bytes.Equal(want[f.key], f.val) {
					t.Fatalf("%q: known member %q differs", b, f.key)
				}
			}
		}
		var wantArr []json.RawMessage
		arrErr := json.Unmarshal(b, &wantArr)
		gotArr, ok := elements(b)
		if (arrErr == nil && wantArr != nil) != ok {
			t.Fatalf("array %q: encoding/json %v, elements ok=%v", b, arrErr, ok)
		}
		if ok {
			if len(gotArr) != len(wantArr) {
				t.Fatalf("%q: %d elements, encoding/json %d", b, len(gotArr), len(wantArr))
			}
			for i := range gotArr {
				if !bytes.Equal(gotArr[i], wantArr[i]) {
					t.Fatalf("%q: element %d = %q, encoding/json %q", b, i, gotArr[i], wantArr[i])
				}
			}
		}
	})
}
