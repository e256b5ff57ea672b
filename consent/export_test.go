package consent

// SetPageSize changes how many addresses IssueLinks takes per transaction,
// so tests see several pages without thousands of addresses.
func SetPageSize(s *Service, n int) { s.pageSize = n }
