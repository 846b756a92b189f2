package luna

import (
	"fmt"
	"os"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind"
	"github.com/luna-go/luna/luna/node"
)

// envClusterKeyFile names the file of cluster keys every manager starts
// with (README, "Security").
const envClusterKeyFile = "LUNA_CLUSTER_KEY_FILE"

// clusterKeysFromEnv reads the keys LUNA_CLUSTER_KEY_FILE names; none
// when it is unset.
func clusterKeysFromEnv() ([][]byte, error) {
	path := os.Getenv(envClusterKeyFile)
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envClusterKeyFile, err)
	}
	keys, err := node.ParseClusterKeys(data)
	if err != nil {
		return nil, fmt.Errorf("%s=%s: %w", envClusterKeyFile, path, err)
	}
	return keys, nil
}

// setClusterKeys is mgr.set_cluster_keys({k1, k2, ...}) for the
// connections the manager accepts or starts from now on (k1 is proved,
// all are accepted), and mgr.set_cluster_keys(nil) to speak the plain
// wire. A bad argument raises.
func (m *socketMgr) setClusterKeys(L *lua.State) int {
	if L.IsNoneOrNil(1) {
		m.node.SetClusterKeys(nil)
		return 0
	}
	if !L.IsTable(1) {
		raise("set_cluster_keys: a table of keys, or nil, expected; got a %s", L.LTypename(1))
	}
	var keys [][]byte
	for i := 1; ; i++ {
		L.RawGeti(1, i)
		t := L.Type(-1)
		if t == lua.LUA_TNIL {
			L.Pop(1)
			break
		}
		if t != lua.LUA_TSTRING {
			L.Pop(1)
			raise("set_cluster_keys: key %d is a %s, not a string", i, L.Typename(int(t)))
		}
		keys = append(keys, L.ToBytes(-1))
		L.Pop(1)
	}
	if len(keys) == 0 {
		raise("set_cluster_keys: the table has no key (nil turns the handshake off)")
	}
	if err := m.node.SetClusterKeys(keys); err != nil {
		raise("set_cluster_keys: %v", err)
	}
	return 0
}

// setHandshakeLimit is listener.set_handshake_limit(n): how many accepted
// connections may be in the handshake at once (n <= 0: 64).
func setHandshakeLimit(l *node.Listener, n int64) {
	l.SetHandshakeLimit(int(min(n, 1<<30)))
}

// raise makes the running Go function raise a Lua error with this message.
func raise(format string, args ...any) {
	panic(&cbind.Error{Message: fmt.Sprintf(format, args...)})
}
