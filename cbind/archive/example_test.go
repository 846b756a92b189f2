//go:build lua53

package archive_test

import (
	"errors"
	"fmt"

	"github.com/aarzilli/golua/lua"
	"github.com/luna-go/luna/cbind/archive"
)

// A call's values become an archive; the receiver gets them back on its
// stack, as the arguments of its handler.
func Example() {
	L := lua.NewState()
	defer L.Close()
	L.OpenLibs()

	// stream.call("login", 42, {name = "ann"}) on the sender: values 1..3.
	L.PushString("login")
	L.PushInteger(42)
	L.CreateTable(0, 1)
	L.PushString("ann")
	L.SetField(-2, "name")
	buf := make([]byte, 65535) // the package size
	n, err := archive.Encode(L, 1, buf)
	fmt.Printf("%d bytes: % x, %v\n", n, buf[:n], err)
	L.SetTop(0)

	// On the receiver: the values, pushed as on_call's arguments.
	count, err := archive.Decode(L, buf[:n])
	fmt.Println(count, L.ToString(1), L.ToInteger(2), err)
	L.SetTop(0)

	// A hostile frame: a table with a nil key. Nothing is pushed.
	count, err = archive.Decode(L, []byte{7, 0, 10, 8})
	fmt.Println(count, L.GetTop(), errors.Is(err, archive.ErrMalformed), err)
	// Output:
	// 21 bytes: 03 05 6c 6f 67 69 6e 33 07 03 04 6e 61 6d 65 03 03 61 6e 6e 08, <nil>
	// 3 login 42 <nil>
	// 0 0 true archive: malformed: nil table key
}
