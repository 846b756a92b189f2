package luna

import "errors"

// Results of listen/connect that scripts compare; the reasons on_error
// receives are node's (node.Reason*).
const resultOK = "OK"

var errInvalidParam = errors.New("invalid param")
