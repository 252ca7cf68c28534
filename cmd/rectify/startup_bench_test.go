package main

// Start-up and size, measured against the rectify binaries themselves:
//
//	go test -run '^$' -bench 'Startup|LambdaColdInit|LambdaZip' -benchtime 20x ./cmd/rectify
//
// The benchmarks first build what they measure with the go tool: the
// binary as "go build" makes it, and the Lambda package's,
//
//	go build -tags lambda,lambda.norpc -trimpath -ldflags '-s -w'
//
// (lambda leaves out the AWS simulator, sandbox and demo; lambda.norpc
// leaves out aws-lambda-go's net/rpc mode for the retired go1.x runtime,
// whose use of reflection keeps every method of every linked type in the
// binary). A first run compiles for linux/arm64 too, which takes minutes.
//
// The targets: rectify --help under 30ms, a Lambda function's cold start
// until it asks for its first invocation under 100ms, the zip under 25MB.

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// lambdaBuild is how the Lambda package is built.
var lambdaBuild = []string{"-tags", "lambda,lambda.norpc", "-trimpath", "-ldflags", "-s -w"}

// built caches the binaries the benchmarks build, by build.
var built sync.Map // string → *buildResult

type buildResult struct {
	once sync.Once
	path string
	err  error
}

// build builds ./cmd/rectify for goos/goarch with args once per test
// binary and returns the executable's path.
func build(b *testing.B, goos, goarch string, args ...string) string {
	b.Helper()
	key := strings.Join(append([]string{goos, goarch}, args...), "\x00")
	v, _ := built.LoadOrStore(key, &buildResult{})
	r := v.(*buildResult)
	r.once.Do(func() {
		dir, err := os.MkdirTemp("", "rectify-bench-")
		if err != nil {
			r.err = err
			return
		}
		r.path = filepath.Join(dir, "rectify")
		cmd := exec.Command(goTool(), append(append([]string{"build"}, args...), "-o", r.path, ".")...)
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			r.err = &buildError{err: err, out: out.String()}
		}
	})
	if r.err != nil {
		b.Fatalf("go build %s: %v", strings.Join(args, " "), r.err)
	}
	return r.path
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// BenchmarkStartupHelp times rectify --help, the whole process.
func BenchmarkStartupHelp(b *testing.B) {
	for _, bc := range []struct {
		name string
		args []string
	}{{"normal", nil}, {"lambda", lambdaBuild}} {
		b.Run(bc.name, func(b *testing.B) {
			bin := build(b, runtime.GOOS, runtime.GOARCH, bc.args...)
			b.ResetTimer()
			for range b.N {
				cmd := exec.Command(bin, "--help")
				cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLambdaColdInit starts rectify as the provided.al2023 runtime
// does — an executable named bootstrap, without arguments, with the
// environment Lambda sets — against a fake Lambda Runtime API, and times
// it until it asks for its first invocation: the function's cold start
// (Lambda's Init phase) as far as rectify is concerned.
func BenchmarkLambdaColdInit(b *testing.B) {
	for _, bc := range []struct {
		name string
		args []string
	}{{"lambda", lambdaBuild}, {"normal", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			bin := filepath.Join(dir, "bootstrap")
			if err := os.Symlink(build(b, runtime.GOOS, runtime.GOARCH, bc.args...), bin); err != nil {
				b.Fatal(err)
			}
			next := make(chan struct{}, 1)
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next" {
					select {
					case next <- struct{}{}:
					default:
					}
					<-r.Context().Done() // no invocation: the process is killed
					return
				}
				http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			}))
			defer api.Close()
			env := []string{
				"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(api.URL, "http://"),
				"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=ASIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=example", "AWS_SESSION_TOKEN=example",
				"AWS_LAMBDA_FUNCTION_NAME=rectify", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
				"_HANDLER=bootstrap", "LAMBDA_TASK_ROOT=" + dir, "TZ=:UTC",
				"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
				"HOME=" + dir, "PATH=/usr/bin:/bin",
			}
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				cmd := exec.CommandContext(ctx, bin)
				cmd.Dir, cmd.Env = dir, env
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				b.StartTimer()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				exited := make(chan error, 1)
				go func() { exited <- cmd.Wait() }()
				select {
				case <-next:
				case err := <-exited:
					b.Fatalf("bootstrap exited before asking for an invocation: %v\n%s", err, out.String())
				case <-ctx.Done():
					b.Fatalf("bootstrap did not ask for an invocation within 30s:\n%s", out.String())
				}
				b.StopTimer()
				_ = cmd.Process.Kill()
				<-exited
				cancel()
				b.StartTimer()
			}
		})
	}
}

// BenchmarkLambdaZip builds the Lambda package for each architecture and
// reports the size of its zip (the binary as bootstrap, deflated, as
// "zip" makes it), in megabytes, and of the binary itself.
func BenchmarkLambdaZip(b *testing.B) {
	for _, arch := range []string{"arm64", "amd64"} {
		b.Run(arch, func(b *testing.B) {
			bin := build(b, "linux", arch, lambdaBuild...)
			data, err := os.ReadFile(bin)
			if err != nil {
				b.Fatal(err)
			}
			var size int
			b.ResetTimer()
			for range b.N {
				var z bytes.Buffer
				zw := zip.NewWriter(&z)
				h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
				h.SetMode(0o755)
				w, err := zw.CreateHeader(h)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := w.Write(data); err != nil {
					b.Fatal(err)
				}
				if err := zw.Close(); err != nil {
					b.Fatal(err)
				}
				size = z.Len()
			}
			b.ReportMetric(float64(size)/1e6, "MB-zip")
			b.ReportMetric(float64(len(data))/1e6, "MB-binary")
		})
	}
}
