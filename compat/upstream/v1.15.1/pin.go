//go:build tools

// Package pin keeps upstream Tekton's entrypoint at v1.15.1 and everything it
// imports in this module's go.mod and go.sum, so scripts/upstream-entrypoint
// builds github.com/tektoncd/pipeline/cmd/entrypoint offline once the module cache holds them.
// Written by scripts/upstream-entrypoint --pin; nothing here is compiled into a binary.
package pin

import (
	_ "github.com/tektoncd/pipeline/cmd/entrypoint/subcommands"
	_ "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1/types"
	_ "github.com/tektoncd/pipeline/pkg/credentials/dockercreds"
	_ "github.com/tektoncd/pipeline/pkg/credentials/gitcreds"
	_ "github.com/tektoncd/pipeline/pkg/credentials/writer"
	_ "github.com/tektoncd/pipeline/pkg/entrypoint"
	_ "github.com/tektoncd/pipeline/pkg/platforms"
	_ "github.com/tektoncd/pipeline/pkg/spire"
	_ "github.com/tektoncd/pipeline/pkg/spire/config"
	_ "github.com/tektoncd/pipeline/pkg/termination"
)
