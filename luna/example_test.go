package luna_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/luna-go/luna/luna"
)

// A Go program that embeds luna: it starts the runtime, gives the script
// two Go functions (through the runtime's cbind state) and runs it. The
// script is a file like any entry (import, hot reload and the socket API
// all work); main() in it runs, and Entry returns when it does.
func Example() {
	runtime.LockOSThread() // Lua runs on this thread only
	defer runtime.UnlockOSThread()

	dir, err := os.MkdirTemp("", "luna-embed")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	entry := filepath.Join(dir, "embed.lua")
	script := `
function main()
    report("2 + 3 = " .. add(2, 3))
    local mgr = luna.create_socket_mgr(4)   -- the whole luna API is there
    report("a socket manager: " .. type(mgr))
end
`
	if err := os.WriteFile(entry, []byte(script), 0o644); err != nil {
		panic(err)
	}

	rt, err := luna.New("embed", entry, nil)
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	b := rt.Binding()
	if err := b.Register("add", func(a, b int64) int64 { return a + b }); err != nil {
		panic(err)
	}
	if err := b.Register("report", func(s string) { fmt.Println(s) }); err != nil {
		panic(err)
	}
	fmt.Println("ran to its end:", rt.Entry(entry))
	// Output:
	// 2 + 3 = 5
	// a socket manager: table
	// ran to its end: true
}
