package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// version is the release version, set when a release is built:
//
//	go build -ldflags "-X main.version=v1.2.0" ./cmd/rectify
//
// Without it, rectify --version reports the module version the Go tool
// recorded (a tag or pseudo-version under go install, "(devel)" in a
// checkout) and the commit it was built from.
var version string

// versionString describes this build: the version, the commit and its time
// when known, and the Go toolchain and platform. rectify --version prints
// it after "rectify version ". (A version template would bring in
// text/template, whose use of reflection keeps every method of every
// linked type, such as all of the EC2 client's, in the binary.)
func versionString() string {
	info, ok := debug.ReadBuildInfo()
	return describeBuild(version, info, ok)
}

func describeBuild(v string, info *debug.BuildInfo, ok bool) string {
	var details []string
	if ok {
		if v == "" {
			v = info.Main.Version
		}
		var rev, at string
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if modified {
				rev += ", modified"
			}
			details = append(details, "commit "+rev)
		}
		if at != "" {
			details = append(details, at)
		}
	}
	if v == "" {
		v = "(devel)"
	}
	details = append(details, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return v + " (" + strings.Join(details, ", ") + ")"
}
