module github.com/luna-go/luna

go 1.24
