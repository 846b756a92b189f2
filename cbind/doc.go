// Package cbind binds Go to the real PUC Lua 5.3 VM driven through
// github.com/aarzilli/golua. See README.md in this directory.
package cbind
