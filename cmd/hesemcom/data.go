package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hesemcom/hesemcom/app/source"
)

func newDataCmd(g *globalFlags) *cobra.Command {
	c := &cobra.Command{
		Use:   "data",
		Short: "Datasets: list, verify and fetch MNIST and Fashion-MNIST",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newDataInfoCmd(g), newDataVerifyCmd(g), newDataFetchCmd(g))
	return c
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newDataInfoCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "info",
		Short: "List the embedded test sets and the training sets found in the data directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type entry struct {
				source.Status
				Images int `json:"images,omitempty"`
			}
			var rows []entry
			for _, f := range source.Files {
				var st source.Status
				if f.Split == source.Test {
					st = source.VerifyEmbedded(f)
				} else if p, err := source.Locate(f, source.DataDirs(g.dataDir)); err != nil {
					st = source.Status{Dataset: f.Dataset, Split: f.Split, Kind: f.Kind, Err: "not found"}
				} else {
					st = source.Verify(f, p)
				}
				e := entry{Status: st}
				if f.Split == source.Test && f.Kind == "images" && st.Verified {
					if d, err := source.LoadTest(f.Dataset); err == nil {
						e.Images = d.Len()
					}
				}
				rows = append(rows, e)
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"data_dirs": source.DataDirs(g.dataDir), "files": rows})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "DATASET\tSPLIT\tKIND\tWHERE\tSHA-256\tSTATUS")
			for _, r := range rows {
				status := "verified"
				if !r.Verified {
					status = r.Err
				}
				if r.Images > 0 {
					status += fmt.Sprintf(" (%d images)", r.Images)
				}
				sum := r.SHA256
				if len(sum) > 16 {
					sum = sum[:16] + "…"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Dataset, r.Split, r.Kind, r.Path, sum, status)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "data directories searched: %v\n", source.DataDirs(g.dataDir))
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func newDataVerifyCmd(g *globalFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify [DIR]",
		Short: "Check the SHA-256 of every dataset file in a data directory (fails if any is bad or none is found)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dirs := source.DataDirs(g.dataDir)
			if len(args) == 1 {
				dirs = []string{args[0]}
			}
			var rows []source.Status
			bad, found := 0, 0
			for _, f := range source.Files {
				p, err := source.Locate(f, dirs)
				if err == nil {
					found++
				}
				if err != nil {
					rows = append(rows, source.Status{Dataset: f.Dataset, Split: f.Split, Kind: f.Kind, Err: "not found"})
					continue
				}
				st := source.Verify(f, p)
				if !st.Verified {
					bad++
				}
				rows = append(rows, st)
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"dirs": dirs, "files": rows, "bad": bad}); err != nil {
					return err
				}
			} else {
				for _, r := range rows {
					s := "ok"
					if !r.Verified {
						s = r.Err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%-8s %-5s %-6s %s  %s\n", r.Dataset, r.Split, r.Kind, s, r.Path)
				}
			}
			if bad > 0 {
				return fmt.Errorf("%d file(s) failed verification", bad)
			}
			if found == 0 {
				return fmt.Errorf("no dataset files in %v", dirs)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

func newDataFetchCmd(g *globalFlags) *cobra.Command {
	var (
		names  []string
		mirror string
	)
	c := &cobra.Command{
		Use:   "fetch",
		Short: "Download the datasets from the official mirrors into the data directory (SHA-256 checked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dirs := source.DataDirs(g.dataDir)
			if g.dataDir == "" && len(dirs) > 0 && dirs[0] == source.DebianDataDir {
				return usageError{fmt.Errorf("no data directory: pass --data DIR or set %s", source.EnvDataDir)}
			}
			for _, n := range names {
				name, err := source.ParseName(n)
				if err != nil {
					return usageError{err}
				}
				var mirrors []string
				if mirror != "" {
					mirrors = []string{mirror}
				}
				if err := source.Fetch(cmd.Context(), nil, name, dirs[0], mirrors, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().StringSliceVar(&names, "dataset", []string{"mnist", "fashion"}, "datasets to fetch")
	c.Flags().StringVar(&mirror, "mirror", "", "base URL to fetch from instead of the official mirrors")
	return c
}
