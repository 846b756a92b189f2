// Package k8s holds the Kubernetes manifests (routers.yaml, services.yaml);
// no cluster runs here, so this test decodes them strictly against the
// Kubernetes API types and checks what they must agree on with the code.
package k8s

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/luna-go/luna/luna/admin"
	"github.com/luna-go/luna/luna/discovery"
)

// objects is every object of the manifests, decoded.
type objects struct {
	services     []corev1.Service
	statefulSets []appsv1.StatefulSet
	deployments  []appsv1.Deployment
	budgets      []policyv1.PodDisruptionBudget
}

// strict decodes JSON into v, refusing fields v does not have.
func strict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// decodeInto decodes one object strictly and appends it to list.
func decodeInto[T any](data []byte, list *[]T) error {
	var v T
	err := strict(data, &v)
	*list = append(*list, v)
	return err
}

// add decodes one object (JSON) by its kind.
func (o *objects) add(t *testing.T, where string, data []byte) {
	t.Helper()
	var head struct{ APIVersion, Kind string }
	if err := json.Unmarshal(data, &head); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	var err error
	switch head.APIVersion + " " + head.Kind {
	case "v1 List":
		var list corev1.List
		if err = strict(data, &list); err == nil {
			for i, item := range list.Items {
				o.add(t, fmt.Sprintf("%s item %d", where, i), item.Raw)
			}
		}
	case "v1 Service":
		err = decodeInto(data, &o.services)
	case "apps/v1 StatefulSet":
		err = decodeInto(data, &o.statefulSets)
	case "apps/v1 Deployment":
		err = decodeInto(data, &o.deployments)
	case "policy/v1 PodDisruptionBudget":
		err = decodeInto(data, &o.budgets)
	default:
		err = fmt.Errorf("unexpected %s %s", head.APIVersion, head.Kind)
	}
	if err != nil {
		t.Fatalf("%s (%s): %v", where, head.Kind, err)
	}
}

func load(t *testing.T) *objects {
	t.Helper()
	files, _ := filepath.Glob("*.yaml")
	if len(files) == 0 {
		t.Fatal("no manifests")
	}
	o := &objects{}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range strings.Split(string(text), "\n---\n") {
			data, err := yaml.YAMLToJSONStrict([]byte(doc))
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			o.add(t, fmt.Sprintf("%s document %d", f, i), data)
		}
	}
	return o
}

func env(c corev1.Container, name string) (corev1.EnvVar, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

func port(t *testing.T, c corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port %q", c.Name, name)
	return 0
}

// matches reports whether selector selects labels.
func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// checkLuna checks a luna container: the admin endpoint where LUNA_ADMIN
// says, probed on the paths the endpoint serves, a script that exists.
func checkLuna(t *testing.T, where string, c corev1.Container) {
	t.Helper()
	admin, ok := env(c, "LUNA_ADMIN")
	if !ok {
		t.Fatalf("%s: no LUNA_ADMIN: the probes have nothing to ask", where)
	}
	_, p, err := net.SplitHostPort(admin.Value)
	if err != nil || p != fmt.Sprint(port(t, c, "admin")) {
		t.Errorf("%s: LUNA_ADMIN=%s, but the admin port is %d", where, admin.Value, port(t, c, "admin"))
	}
	for probe, want := range map[*corev1.Probe]string{c.ReadinessProbe: "/readyz", c.LivenessProbe: "/healthz"} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != want || probe.HTTPGet.Port.String() != "admin" {
			t.Errorf("%s: want an HTTP probe of %s on the admin port, got %+v", where, want, probe)
		}
	}
	if len(c.Args) == 0 {
		t.Fatalf("%s: no script", where)
	}
	if _, err := os.Stat(filepath.Join("..", "..", c.Args[0])); err != nil {
		t.Errorf("%s: the script %s is not in the repository: %v", where, c.Args[0], err)
	}
	if c.Image != "luna:latest" {
		t.Errorf("%s: image %s, want luna:latest (what make docker-build tags)", where, c.Image)
	}
}

func TestManifests(t *testing.T) {
	o := load(t)
	if len(o.services) != 1 || len(o.statefulSets) != 1 || len(o.budgets) != 1 || len(o.deployments) != 6 {
		t.Fatalf("%d services, %d statefulsets, %d budgets, %d deployments; want 1, 1, 1, 6",
			len(o.services), len(o.statefulSets), len(o.budgets), len(o.deployments))
	}

	// the routers: a StatefulSet behind a headless Service, with a budget
	svc, sts, pdb := o.services[0], o.statefulSets[0], o.budgets[0]
	podLabels := sts.Spec.Template.Labels
	if svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("the routers' Service is not headless (clusterIP %q): its name would resolve to one virtual IP", svc.Spec.ClusterIP)
	}
	if sts.Spec.ServiceName != svc.Name {
		t.Errorf("StatefulSet serviceName %q, Service %q", sts.Spec.ServiceName, svc.Name)
	}
	if !matches(svc.Spec.Selector, podLabels) || !matches(sts.Spec.Selector.MatchLabels, podLabels) ||
		!matches(pdb.Spec.Selector.MatchLabels, podLabels) {
		t.Errorf("a selector does not select the router pods %v", podLabels)
	}
	if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("the routers' budget: maxUnavailable %v, want 1", pdb.Spec.MaxUnavailable)
	}
	router := sts.Spec.Template.Spec.Containers[0]
	checkLuna(t, "router", router)
	clusterPort := port(t, router, "cluster")
	if listen, _ := env(router, "LUNA_LISTEN"); listen.Value != fmt.Sprintf("0.0.0.0:%d", clusterPort) {
		t.Errorf("router LUNA_LISTEN=%s, its cluster port is %d", listen.Value, clusterPort)
	}
	if ord, ok := env(router, "LUNA_ORDINAL"); !ok || ord.ValueFrom == nil || ord.ValueFrom.FieldRef == nil ||
		ord.ValueFrom.FieldRef.FieldPath != "metadata.labels['apps.kubernetes.io/pod-index']" {
		t.Errorf("router LUNA_ORDINAL must come from the pod-index label: %+v", ord)
	}
	var svcPort int32
	for _, p := range svc.Spec.Ports {
		if p.TargetPort.String() == "cluster" {
			svcPort = p.Port
		}
	}
	if svcPort != clusterPort {
		t.Errorf("the Service's cluster port %d, the routers listen on %d", svcPort, clusterPort)
	}
	if g := sts.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || *g < 3 {
		t.Errorf("router grace period %v: the drain needs a second or two", g)
	}

	// the services: Deployments of one pod each, finding the routers by DNS
	seen := map[string]bool{}
	for _, d := range o.deployments {
		tmpl := d.Spec.Template
		if !reflect.DeepEqual(d.Spec.Selector.MatchLabels, tmpl.Labels) {
			t.Errorf("%s: selector %v, pod labels %v", d.Name, d.Spec.Selector.MatchLabels, tmpl.Labels)
		}
		if matches(svc.Spec.Selector, tmpl.Labels) {
			t.Errorf("%s: the routers' Service selects its pods", d.Name)
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 || d.Spec.Strategy.RollingUpdate == nil ||
			d.Spec.Strategy.RollingUpdate.MaxSurge.IntValue() != 0 {
			t.Errorf("%s: want one replica and maxSurge 0 (two pods with one LUNA_INDEX register twice)", d.Name)
		}
		c := tmpl.Spec.Containers[0]
		checkLuna(t, d.Name, c)
		routers, _ := env(c, "LUNA_ROUTERS")
		if want := fmt.Sprintf("dns:%s:%d", svc.Name, svcPort); routers.Value != want {
			t.Errorf("%s: LUNA_ROUTERS=%s, want %s", d.Name, routers.Value, want)
		}
		if _, err := discovery.Parse(routers.Value, discovery.Options{}); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
		key := strings.Join(c.Args, " ")
		if seen[key] {
			t.Errorf("%s: a second instance with %s", d.Name, key)
		}
		seen[key] = true
	}
}

// The probe paths are ones the admin endpoint serves: /healthz answers
// 200 while the loop turns, /readyz 503 until the script says ready.
func TestProbePathsAreServed(t *testing.T) {
	srv, err := admin.Listen("127.0.0.1:0", admin.Options{
		OnLoop:   func(f func()) { go f() },
		Snapshot: func() []admin.Metric { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := http.Client{Timeout: 5 * time.Second}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 503} {
		resp, err := c.Get("http://" + srv.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	srv.SetReady(true, "")
	if resp, err := c.Get("http://" + srv.Addr().String() + "/readyz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("/readyz when ready: %v %v", resp, err)
	}
}
