//go:build tools

// Package pin keeps upstream Tekton's controller and the helper images its
// Pods use (nop, workingdirinit, sidecarlogresults) at the version go.mod
// pins, with every module they import recorded in go.sum, so
// scripts/upstream-controller builds them offline once the module cache holds
// them. Nothing here is compiled into a binary: the build tag keeps this file
// out of every build, `go mod tidy` still follows its imports.
package pin

import (
	_ "github.com/tektoncd/pipeline/cmd/controller"
	_ "github.com/tektoncd/pipeline/cmd/nop"
	_ "github.com/tektoncd/pipeline/cmd/sidecarlogresults"
	_ "github.com/tektoncd/pipeline/cmd/workingdirinit"
)
