//go:build tools

// Package pin keeps the Kubernetes components scripts/cluster builds (and
// everything they import) in this module's go.mod and go.sum, so the build
// runs offline once the module cache holds them. Nothing here is compiled
// into any binary: scripts/cluster runs `go build k8s.io/kubernetes/cmd/...`
// from this directory.
package pin

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
