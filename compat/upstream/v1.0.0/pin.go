//go:build tools

// Package pin keeps upstream Tekton's entrypoint and everything it imports in
// this module's go.mod and go.sum, so scripts/upstream-entrypoint can build
// github.com/tektoncd/pipeline/cmd/entrypoint offline once the module cache
// holds them. Nothing here is compiled into any binary.
package pin

import (
	_ "github.com/tektoncd/pipeline/cmd/entrypoint/subcommands"
	_ "github.com/tektoncd/pipeline/pkg/credentials/dockercreds"
	_ "github.com/tektoncd/pipeline/pkg/credentials/gitcreds"
	_ "github.com/tektoncd/pipeline/pkg/credentials/writer"
	_ "github.com/tektoncd/pipeline/pkg/entrypoint"
	_ "github.com/tektoncd/pipeline/pkg/platforms"
	_ "github.com/tektoncd/pipeline/pkg/result"
	_ "github.com/tektoncd/pipeline/pkg/spire"
	_ "github.com/tektoncd/pipeline/pkg/spire/config"
	_ "github.com/tektoncd/pipeline/pkg/termination"
)
