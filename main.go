// Command luna runs a luna Lua script: `luna entry.lua [args ...]`.
// See README.md; the runtime is in package luna.
package main

import (
	"os"

	"github.com/luna-go/luna/luna"
)

func main() {
	os.Exit(luna.Main(os.Args, os.Stdout, os.Stderr))
}
