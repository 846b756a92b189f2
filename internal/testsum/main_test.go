package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const stream = `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- PASS: TestA (0.00s)\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: boom\n"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"run","Package":"p","Test":"TestC/sub"}
{"Action":"skip","Package":"p","Test":"TestC/sub"}
{"Action":"pass","Package":"p","Test":"TestC"}
{"Action":"output","Package":"p","Output":"FAIL\tp\t0.01s\n"}
{"Action":"fail","Package":"p"}
{"ImportPath":"q","Action":"build-output","Output":"q/x.go:1: syntax error\n"}
{"ImportPath":"q","Action":"build-fail"}
not json: vet says hello
`

func TestSummarize(t *testing.T) {
	var out strings.Builder
	c, err := summarize(strings.NewReader(stream), &out)
	if err != nil {
		t.Fatal(err)
	}
	if c.pass != 2 || c.fail != 1 || c.skip != 1 {
		t.Errorf("pass %d fail %d skip %d, want 2 1 1", c.pass, c.fail, c.skip)
	}
	if got := strings.Join(c.failed, " "); got != "p.TestB q (package)" {
		t.Errorf("failed %q", got)
	}
	text := out.String()
	for _, want := range []string{"boom", "FAIL\tp", "syntax error", "vet says hello"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "--- PASS: TestA") {
		t.Errorf("a passing test's output was printed:\n%s", text)
	}

	file := filepath.Join(t.TempDir(), "summary")
	if err := appendRun(file, "race", c); err != nil {
		t.Fatal(err)
	}
	if err := appendRun(file, "docker-test", counts{pass: 1}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	ok, err := printTotal(file, &out)
	if err != nil || ok {
		t.Fatalf("printTotal: ok %v, err %v", ok, err)
	}
	if want := "3 passed, 1 failed, 1 skipped (race, docker-test)\nfailed: p.TestB q (package)\n"; out.String() != want {
		t.Errorf("total %q, want %q", out.String(), want)
	}
	os.Remove(file)
}
