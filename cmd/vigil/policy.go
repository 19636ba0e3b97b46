package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vigil-sec/vigil/internal/doctor"
	"github.com/vigil-sec/vigil/internal/policy"
	"github.com/vigil-sec/vigil/internal/rules"
)

func newPolicyCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check prevention policy files (docs/policies.md)",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check PATH...",
		Short: "Load policy files; print each policy and the mechanism that enforces it, and every problem as file:line:col",
		Long: "check loads the policy files (or directories of .yaml/.yml files) as `vigil run --policy`\n" +
			"would, prints one line per valid policy (name, mode, action, match, scope, mechanism) and\n" +
			"every problem as file:line:col: message, and exits 1 when there is any.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, diags, err := loadPolicyFiles(args)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "POLICY\tMODE\tACTION\tMATCH\tSCOPE\tMECHANISM")
			if set != nil {
				for _, p := range set.Policies {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Mode, p.Action, p.Describe(), describeScope(&p.Scope), policyMechanism(p))
				}
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, d := range diags {
				fmt.Fprintln(stdout, d.String())
			}
			n := 0
			if set != nil {
				n = len(set.Policies)
			}
			fmt.Fprintf(stdout, "%d policies valid, %d problems\n", n, len(diags))
			if len(diags) > 0 {
				return &exitError{code: 1, err: fmt.Errorf("%d problem(s) in the policies", len(diags))}
			}
			return nil
		},
	})
	return cmd
}

// loadPolicyFiles reads policy files and directories (their *.yaml and
// *.yml, sorted) and loads them. A missing or unreadable path is an error.
func loadPolicyFiles(paths []string) (*policy.Set, rules.Diagnostics, error) {
	var files []policy.File
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("policy %s: %w", p, err)
		}
		names := []string{p}
		if st.IsDir() {
			names = nil
			for _, pat := range []string{"*.yaml", "*.yml"} {
				m, _ := filepath.Glob(filepath.Join(p, pat))
				names = append(names, m...)
			}
			sort.Strings(names)
			if len(names) == 0 {
				return nil, nil, fmt.Errorf("policy %s: directory holds no .yaml or .yml file", p)
			}
		}
		for _, n := range names {
			data, err := os.ReadFile(n)
			if err != nil {
				return nil, nil, fmt.Errorf("policy %s: %w", n, err)
			}
			files = append(files, policy.File{Name: n, Data: data})
		}
	}
	set, diags := policy.Load(files)
	return set, diags, nil
}

func describeScope(s *policy.Scope) string {
	var parts []string
	if s.Where != policy.WhereAny {
		parts = append(parts, s.Where.String())
	}
	add := func(k string, v []string) {
		if len(v) > 0 {
			parts = append(parts, k+"="+strings.Join(v, ","))
		}
	}
	addMap := func(k string, m map[string]string) {
		keys := make([]string, 0, len(m))
		for k2 := range m {
			keys = append(keys, k2)
		}
		sort.Strings(keys)
		for _, k2 := range keys {
			parts = append(parts, k+"."+k2+"="+m[k2])
		}
	}
	add("image", s.Images)
	add("name", s.Names)
	addMap("label", s.ContainerLabels)
	add("namespace", s.Namespaces)
	addMap("pod_label", s.PodLabels)
	add("binary", s.Binaries)
	add("ancestor", s.Ancestors)
	if len(parts) == 0 {
		return "everywhere"
	}
	return strings.Join(parts, " ")
}

// policyMechanism names what enforces p (doctor's mechanism names).
func policyMechanism(p *policy.Policy) string {
	switch p.Kind {
	case policy.KindExec, policy.KindExecAllow:
		return doctor.MechFanotifyExec
	case policy.KindOpen:
		return doctor.MechFanotifyOpen
	case policy.KindConnect:
		return "cgroup sock_addr connect4/6, sendmsg4/6"
	case policy.KindBind:
		return "cgroup sock_addr bind4/6"
	case policy.KindSyscall:
		return "tracepoint sys_enter_<call> + bpf_send_signal(SIGKILL)"
	}
	return "?"
}
