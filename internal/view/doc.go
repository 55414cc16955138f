// Package view renders what the other packages produce: plans in
// Terraform's human grammar, and HCL diagnostics with source snippets. It
// draws from the planner's data and never computes a diff of its own, except
// the line diff of multi-line text for display (go-diff lives only here).
package view
