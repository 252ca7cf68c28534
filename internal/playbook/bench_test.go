package playbook

import "testing"

func BenchmarkWhen(b *testing.B) {
	pbs, err := Parse("pb.yaml", []byte(validPlaybook), Options{Registry: testRegistry(b)})
	if err != nil {
		b.Fatal(err)
	}
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := pbs[0].When(vars); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	pbs, err := Parse("pb.yaml", []byte(validPlaybook), Options{Registry: testRegistry(b)})
	if err != nil {
		b.Fatal(err)
	}
	vars := testVars()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pbs[0].Steps[1].Render(vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	reg := testRegistry(b)
	data := []byte(validPlaybook)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("pb.yaml", data, Options{Registry: reg}); err != nil {
			b.Fatal(err)
		}
	}
}
