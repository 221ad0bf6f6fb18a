module github.com/m2v/m2v/bindings/go

go 1.19
