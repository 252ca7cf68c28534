package event

import "testing"

func benchmarkSample(b *testing.B, file string, targets bool) {
	data := readSample(b, file)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if targets {
			if _, err := e.Targets(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkParse measures the envelope alone, the cost on the hot path.
func BenchmarkParse(b *testing.B) {
	benchmarkSample(b, "cloudtrail-ec2-authorize-sg-ingress-world-ssh.json", false)
}

// BenchmarkParseTargets measures Parse followed by Targets on a CloudTrail
// API call.
func BenchmarkParseTargets(b *testing.B) {
	benchmarkSample(b, "cloudtrail-ec2-authorize-sg-ingress-world-ssh.json", true)
}

// BenchmarkParseTargetsSecurityHub measures Parse followed by Targets on a
// Security Hub finding.
func BenchmarkParseTargetsSecurityHub(b *testing.B) {
	benchmarkSample(b, "securityhub-imported-ec2.13.json", true)
}

// BenchmarkMap measures the generic decode used by CEL conditions.
func BenchmarkMap(b *testing.B) {
	data := readSample(b, "cloudtrail-ec2-authorize-sg-ingress-world-ssh.json")
	b.ReportAllocs()
	for b.Loop() {
		e, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Map(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseWide measures Parse of an event whose detail is one object
// of 10,000 keys, the case in which looking for a repeated key moves from
// comparing keys to a map.
func BenchmarkParseWide(b *testing.B) {
	data := []byte(`{"id":"x","source":"s","detail-type":"d","account":"123456789012","detail":{` + manyKeys(10000) + `}}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
