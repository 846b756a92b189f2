package luna

// The C of this package lives in .c files beside the Go that owns them
// (luna.h lists them); these flags build them. The archive codec's header
// comes from cbind/archive and the message handler's from cbind, whose
// object code the binary links (both are imported). Unused
// parameters are allowed because cgo's own generated stubs have them.

/*
#cgo pkg-config: lua5.3
#cgo CFLAGS: -Wall -Wextra -Wno-unused-parameter -Werror -I${SRCDIR}/../cbind/archive -I${SRCDIR}/../cbind
*/
import "C"
