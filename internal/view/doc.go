// Package view renders what the other packages produce: plans in
// Terraform's human grammar, HCL diagnostics with source snippets, and the
// tables and JSON documents of the listings (roster users, roster invites).
// It draws from the planner's and the listing's data and never computes a
// diff of its own, except the line diff of multi-line text for display
// (go-diff lives only here).
package view
