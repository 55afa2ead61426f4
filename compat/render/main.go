// Command render-oracle prints the Pod that upstream Tekton's controller
// (github.com/tektoncd/pipeline, the version go.mod pins) builds for a TaskRun.
//
// It reads YAML or JSON documents (files named as arguments, or stdin when
// none are): one TaskRun, plus the Task its taskRef names when it has no
// inline taskSpec; tekton.dev/v1beta1 documents are converted to v1 with
// upstream's own conversion first. It applies upstream's substitutions from
// pkg/reconciler/taskrun/resources in the reconciler's order, then renders
// the Pod with pkg/pod's Builder (entrypoint image
// localhost/stepwise/entrypoint:dev, feature flags at their defaults, a fake
// kube client) and prints it as JSON on stdout.
//
// With -admit as the first argument it renders nothing: it prints upstream's
// admission verdict on every Task, TaskRun, Pipeline and PipelineRun
// document instead (admit.go).
//
// Exit status 0 on success, 1 on bad input or a failed render (one line on
// stderr naming what failed).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/tektoncd/pipeline/pkg/apis/pipeline"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"github.com/tektoncd/pipeline/pkg/pod"
	"github.com/tektoncd/pipeline/pkg/reconciler/taskrun/resources"
	"github.com/tektoncd/pipeline/pkg/workspace"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	fakekube "k8s.io/client-go/kubernetes/fake"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"
)

const (
	entrypointImage = "localhost/stepwise/entrypoint:dev"
	nopImage        = "localhost/stepwise/nop:dev"
	shellImage      = "localhost/stepwise/shell:dev"
	namespace       = "default"
)

type kindOnly struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

const v1beta1API = "tekton.dev/v1beta1"

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "render-oracle: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	admitOnly := len(args) > 0 && args[0] == "-admit"
	if admitOnly {
		args = args[1:]
	}
	var docs [][]byte
	if len(args) == 0 {
		d, err := split(stdin, "stdin")
		if err != nil {
			return err
		}
		docs = d
	}
	for _, path := range args {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", path, err)
		}
		d, err := split(f, path)
		f.Close()
		if err != nil {
			return err
		}
		docs = append(docs, d...)
	}
	if admitOnly {
		return admit(docs, stdout)
	}
	var tr *v1.TaskRun
	tasks := map[string]*v1.Task{}
	for _, doc := range docs {
		var k kindOnly
		if err := yaml.Unmarshal(doc, &k); err != nil {
			return fmt.Errorf("not a Kubernetes object: %w", err)
		}
		switch k.Kind {
		case "TaskRun":
			if tr != nil {
				return errors.New("more than one TaskRun given")
			}
			tr = &v1.TaskRun{}
			if err := decode(doc, k.APIVersion, tr, &v1beta1.TaskRun{}); err != nil {
				return fmt.Errorf("TaskRun: %w", err)
			}
		case "Task":
			t := &v1.Task{}
			if err := decode(doc, k.APIVersion, t, &v1beta1.Task{}); err != nil {
				return fmt.Errorf("task: %w", err)
			}
			tasks[t.Name] = t
		case "":
		default:
			// Other documents (Pipelines, scenario expectations) are not ours to render.
		}
	}
	if tr == nil {
		return errors.New("no TaskRun given")
	}
	p, err := render(tr, tasks)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode the Pod: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

// decode reads doc into out, a v1 object; a v1beta1 document is read into
// beta first and converted the way upstream's conversion webhook does.
func decode(doc []byte, apiVersion string, out apis.Convertible, beta apis.Convertible) error {
	if apiVersion != v1beta1API {
		return yaml.UnmarshalStrict(doc, out)
	}
	if err := yaml.UnmarshalStrict(doc, beta); err != nil {
		return err
	}
	return beta.ConvertTo(context.Background(), out)
}

func split(r io.Reader, name string) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

func render(tr *v1.TaskRun, tasks map[string]*v1.Task) (*corev1.Pod, error) {
	ctx := context.Background()
	if tr.Namespace == "" {
		tr.Namespace = namespace
	}
	tr.SetDefaults(ctx)
	var spec v1.TaskSpec
	taskName := tr.Name
	var defaults []v1.ParamSpec
	switch {
	case tr.Spec.TaskSpec != nil:
		spec = *tr.Spec.TaskSpec.DeepCopy()
	case tr.Spec.TaskRef != nil:
		t, ok := tasks[tr.Spec.TaskRef.Name]
		if !ok {
			return nil, fmt.Errorf("TaskRun %s: Task %q not given", tr.Name, tr.Spec.TaskRef.Name)
		}
		t.SetDefaults(ctx)
		spec = *t.Spec.DeepCopy()
		taskName = t.Name
		// The reconciler merges the Task's labels and annotations into the
		// TaskRun and labels it with the Task's name (storeTaskSpecAndMergeMeta).
		labels := map[string]string{}
		for k, v := range t.Labels {
			labels[k] = v
		}
		for k, v := range tr.Labels {
			labels[k] = v
		}
		labels[pipeline.TaskLabelKey] = t.Name
		tr.Labels = labels
		annotations := map[string]string{}
		for k, v := range t.Annotations {
			annotations[k] = v
		}
		for k, v := range tr.Annotations {
			annotations[k] = v
		}
		tr.Annotations = annotations
	default:
		return nil, fmt.Errorf("TaskRun %s has neither taskRef nor taskSpec", tr.Name)
	}
	spec.SetDefaults(ctx)
	tr.Status.TaskSpec = &spec
	tr.Status.PodName = tr.Name + "-pod"
	if tr.UID == "" {
		tr.UID = "00000000-0000-0000-0000-000000000000"
	}
	if tr.CreationTimestamp.IsZero() {
		tr.CreationTimestamp = metav1.Unix(0, 0)
	}

	// The reconciler's order (pkg/reconciler/taskrun: prepare, then
	// applyParamsContextsResultsAndWorkspaces, then createPod).
	defaults = append(defaults, spec.Params...)
	ts := resources.ApplyParameters(&spec, tr, defaults...)
	ts = resources.ApplyContexts(ts, taskName, tr)
	ts = resources.ApplyResults(ts)
	ts = resources.ApplyArtifacts(ts)
	ts = resources.ApplyStepExitCodePath(ts)
	tr = resources.ApplyParametersToWorkspaceBindings(ts, tr)
	vols := workspace.CreateVolumes(tr.Spec.Workspaces)
	declared := map[string]bool{}
	for _, w := range ts.Workspaces {
		declared[w.Name] = true
	}
	for _, w := range tr.Spec.Workspaces {
		if !declared[w.Name] {
			ts.Workspaces = append(ts.Workspaces, v1.WorkspaceDeclaration{Name: w.Name})
		}
	}
	ts = resources.ApplyWorkspaces(ctx, ts, ts.Workspaces, tr.Spec.Workspaces, vols)
	ts, err := workspace.Apply(ctx, *ts, tr.Spec.Workspaces, vols)
	if err != nil {
		return nil, fmt.Errorf("workspace.Apply: %w", err)
	}
	ts = resources.ApplyCredentialsPath(ts, pipeline.CredsDir)

	kube := fakekube.NewSimpleClientset(&corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: tr.Namespace},
	})
	builder := pod.Builder{
		Images: pipeline.Images{
			EntrypointImage:        entrypointImage,
			NopImage:               nopImage,
			ShellImage:             shellImage,
			ShellImageWin:          shellImage,
			WorkingDirInitImage:    shellImage,
			SidecarLogResultsImage: shellImage,
		},
		KubeClient: kube,
	}
	p, err := builder.Build(ctx, tr, *ts)
	if err != nil {
		return nil, fmt.Errorf("pod.Builder.Build: %w", err)
	}
	// The API server fills these in on create.
	p.APIVersion = "v1"
	p.Kind = "Pod"
	return p, nil
}
