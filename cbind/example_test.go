package cbind_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind"
)

// newLua returns a Lua state with cbind installed and a print that writes
// to Go's standard output (Lua's own print writes through C stdio, which
// the example runner does not see).
func newLua() (*lua.State, *cbind.State) {
	L := lua.NewState()
	cbind.OpenLibs(L)
	s := cbind.New(L)
	s.Register("print", func(L *lua.State) int {
		parts := make([]string, L.GetTop())
		for i := range parts {
			switch {
			case L.IsNil(i + 1):
				parts[i] = "nil"
			case L.IsBoolean(i + 1):
				parts[i] = fmt.Sprint(L.ToBoolean(i + 1))
			default:
				parts[i] = L.ToString(i + 1)
			}
		}
		fmt.Println(strings.Join(parts, "\t"))
		return 0
	})
	return L, s
}

func Example() {
	L := lua.NewState()
	cbind.OpenLibs(L)
	s := cbind.New(L)
	defer s.Close()
	defer L.Close()

	s.Register("greet", func(name string) string { return "hello, " + name })
	var out string
	if err := s.CallGlobal("greet", []any{&out}, "lua"); err != nil {
		fmt.Println(err)
	}
	fmt.Println(out)
	// Output: hello, lua
}

func ExampleState_Register() {
	L, s := newLua()
	defer L.Close()
	s.Register("add", func(a, b int64) int64 { return a + b })
	s.Register("divmod", func(a, b int) (int, int) { return a / b, a % b })
	s.Register("open", func(name string) (int, error) {
		if name == "" {
			return 0, errors.New("empty name")
		}
		return len(name), nil
	})
	s.DoString(`
		print(add(1, 2), add("40", 2), add(2.5, 1), add(nil, 1))
		print(divmod(7, 2))
		print(open("file"))
		print(open(""))
	`)
	// Output:
	// 3	42	1	1
	// 3	1
	// 4
	// nil	empty name
}

func ExampleState_Register_raw() {
	L, s := newLua()
	defer L.Close()
	// A func(*lua.State) int gets the stack as is.
	s.Register("count", func(L *lua.State) int {
		L.PushInteger(int64(L.GetTop()))
		return 1
	})
	s.DoString(`print(count(), count(1, nil, "x"))`)
	// Output: 0	3
}

func ExampleState_Register_panic() {
	L, s := newLua()
	defer L.Close()
	s.Register("explode", func() { panic("out of cheese") })
	s.DoString(`print(pcall(explode))`)
	// Output: false	cbind: explode: out of cheese
}

func ExampleState_PushFunction() {
	L, s := newLua()
	defer L.Close()
	L.NewTable()
	s.PushFunction(strings.ToUpper)
	L.SetField(-2, "upper")
	L.SetGlobal("text")
	s.DoString(`print(text.upper("shout"))`)
	// Output: SHOUT
}

type Account struct {
	Owner   string
	Balance int64
	ID      int
}

func (a *Account) Deposit(n int64) int64 {
	a.Balance += n
	return a.Balance
}

func (a *Account) Withdraw(n int64) error {
	if n > a.Balance {
		return errors.New("insufficient funds")
	}
	a.Balance -= n
	return nil
}

func ExampleNewClass() {
	L, s := newLua()
	defer L.Close()
	accounts := cbind.NewClass[Account](s, "account").
		Method("deposit", (*Account).Deposit).
		Method("withdraw", (*Account).Withdraw).
		Field("owner", "Owner", false).
		Field("balance", "Balance", true). // read-only: writes are ignored
		Field("id", "ID", true)
	acc := &Account{Owner: "ann", ID: 7}
	accounts.Push(acc)
	L.SetGlobal("acc")
	s.DoString(`
		print(acc.deposit(100), acc:deposit(5)) -- "." and ":" both work
		print(acc.withdraw(500))
		acc.balance = 1e9
		acc.owner = "bob"
		print(acc.owner, acc.balance, acc.id)
	`)
	fmt.Println(acc.Owner, acc.Balance)
	// Output:
	// 100	105
	// nil	insufficient funds
	// bob	105	7
	// bob 105
}

func ExampleClass_Push() {
	L, s := newLua()
	defer L.Close()
	accounts := cbind.NewClass[Account](s, "account").Method("deposit", (*Account).Deposit)
	acc := &Account{}
	accounts.Push(acc)
	L.SetGlobal("a")
	accounts.Push(acc)
	L.SetGlobal("b")
	s.DoString(`
		print(rawequal(a, b), type(a.__pointer__))
		a.note = "scripts may add fields"
		print(b.note)
		a.deposit = function() return "overridden" end
		print(b.deposit(1))
		a.deposit = nil -- the exported method is back
		print(b.deposit(1))
	`)
	// Output:
	// true	userdata
	// scripts may add fields
	// overridden
	// 1
}

func ExampleClass_OnGC() {
	L, s := newLua()
	defer L.Close()
	accounts := cbind.NewClass[Account](s, "account").OnGC(func(a *Account) {
		fmt.Println("closing", a.Owner)
	})
	accounts.Push(&Account{Owner: "temp"})
	L.SetGlobal("tmp")
	s.DoString(`tmp = nil; collectgarbage()`)
	// Output: closing temp
}

func ExampleState_CallGlobal() {
	L, s := newLua()
	defer L.Close()
	s.DoString(`function stats(...) local n, sum = select("#", ...), 0
		for _, v in ipairs({...}) do sum = sum + v end
		return n, sum / n, "done" end`)
	var (
		n    int
		mean float64
		msg  string
	)
	err := s.CallGlobal("stats", []any{&n, &mean, &msg}, 1, 2, 3, 4)
	fmt.Println(n, mean, msg, err)
	// Output: 4 2.5 done <nil>
}

func ExampleState_CallField() {
	L, s := newLua()
	defer L.Close()
	s.DoString(`game = { score = function(hits) return hits * 10 end }`)
	var score int
	s.CallField("game", "score", []any{&score}, 4)
	fmt.Println(score)
	// Output: 40
}

func ExampleState_CallObject() {
	L, s := newLua()
	defer L.Close()
	accounts := cbind.NewClass[Account](s, "account").Field("owner", "Owner", true)
	acc := &Account{Owner: "ann"}
	accounts.Push(acc)
	L.SetGlobal("acc")
	s.DoString(`acc.on_change = function(delta) print(acc.owner .. " changed by " .. delta) end`)
	s.CallObject(acc, "on_change", nil, 25)
	err := s.CallObject(acc, "on_close", nil)
	fmt.Println(errors.Is(err, cbind.ErrNoFunction))
	// Output:
	// ann changed by 25
	// true
}

func ExampleError() {
	L, s := newLua()
	defer L.Close()
	s.DoString(`function check(x) if x < 0 then error("negative") end end`)
	err := s.CallGlobal("check", nil, -1)
	var le *cbind.Error
	if errors.As(err, &le) {
		fmt.Println(le.Message)
		fmt.Println(strings.SplitN(le.Traceback, "\n", 2)[0])
	}
	fmt.Println(errors.Is(s.CallGlobal("nothing", nil), cbind.ErrNoFunction))
	// Output:
	// [string "function check(x) if x < 0 then error("negati..."]:1: negative
	// stack traceback:
	// true
}

func ExampleGuard() {
	L, _ := newLua()
	defer L.Close()
	top := L.GetTop()
	func() {
		defer cbind.Guard(L)()
		L.PushString("scratch")
		L.NewTable()
	}()
	fmt.Println(L.GetTop() == top)
	// Output: true
}

func ExampleState_PushExportFunction() {
	L, s := newLua()
	defer L.Close()
	accounts := cbind.NewClass[Account](s, "account").Field("owner", "Owner", true)
	acc := &Account{Owner: "ann"}
	accounts.Push(acc)
	L.SetGlobal("acc")
	s.PushExportFunction()
	L.SetGlobal("export")
	s.PushObjectsTable()
	L.SetGlobal("objects")
	s.DoString(`
		local p = acc.__pointer__
		print(rawequal(objects[p], acc), rawequal(export(p, "account"), acc))
	`)
	// Output: true	true
}
