package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"github.com/tektoncd/pipeline/pkg/apis/pipeline/v1beta1"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"
)

// validatable is what upstream's admission webhook calls on an object:
// defaulting, then validation on create.
type validatable interface {
	apis.Defaultable
	apis.Validatable
	GetName() string
}

// verdict is one document's outcome: Error is empty when upstream accepts it.
type verdict struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Error string `json:"error"`
}

// admit prints one verdict per Task, TaskRun, Pipeline and PipelineRun
// document, as JSON lines, in document order. v1beta1 documents are
// converted to v1 first, as elsewhere in this program.
func admit(docs [][]byte, stdout io.Writer) error {
	ctx := context.Background()
	for _, doc := range docs {
		var k kindOnly
		if err := yaml.Unmarshal(doc, &k); err != nil {
			return fmt.Errorf("not a Kubernetes object: %w", err)
		}
		var obj validatable
		var err error
		switch k.Kind {
		case "Task":
			t := &v1.Task{}
			obj, err = t, decode(doc, k.APIVersion, t, &v1beta1.Task{})
		case "TaskRun":
			r := &v1.TaskRun{}
			obj, err = r, decode(doc, k.APIVersion, r, &v1beta1.TaskRun{})
		case "Pipeline":
			p := &v1.Pipeline{}
			obj, err = p, decode(doc, k.APIVersion, p, &v1beta1.Pipeline{})
		case "PipelineRun":
			r := &v1.PipelineRun{}
			obj, err = r, decode(doc, k.APIVersion, r, &v1beta1.PipelineRun{})
		default:
			continue
		}
		v := verdict{Kind: k.Kind}
		if err != nil {
			v.Error = fmt.Sprintf("cannot decode: %v", err)
		} else {
			v.Name = obj.GetName()
			obj.SetDefaults(ctx)
			if fe := obj.Validate(apis.WithinCreate(ctx)); fe != nil {
				v.Error = fe.Error()
			}
		}
		line, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("cannot encode the verdict: %w", err)
		}
		if _, err := fmt.Fprintf(stdout, "%s\n", line); err != nil {
			return err
		}
	}
	return nil
}
