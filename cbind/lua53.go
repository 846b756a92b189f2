//go:build !lua53

package cbind

// cbind binds the Debian/pkg-config Lua 5.3 library; golua must be built
// for the same version, which it only is with the lua53 build tag:
//
//	go build -tags lua53 ./...
var _ = cbind_needs_the_lua53_build_tag
