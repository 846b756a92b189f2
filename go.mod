module github.com/luna-go/luna

go 1.24.0

require (
	github.com/aarzilli/golua v0.0.0-20250217091409-248753f411c4
	golang.org/x/sys v0.38.0
)
