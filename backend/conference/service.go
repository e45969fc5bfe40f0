package conference

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"vmr-companion/backend/problem"
)

// Service manages conferences: validation, uniqueness of names and aliases
// across every conference and scheduled alias, and CSV import.
type Service struct{ repo Repository }

// NewService builds the service over a repository.
func NewService(repo Repository) *Service { return &Service{repo: repo} }

// List returns conferences by name; with owner, only that owner's.
func (s *Service) List(ctx context.Context, owner string) ([]*Conference, error) {
	return s.repo.List(ctx, strings.ToLower(strings.TrimSpace(owner)))
}

// Get finds a conference by id or name.
func (s *Service) Get(ctx context.Context, ref string) (*Conference, error) {
	return s.repo.Get(ctx, strings.TrimSpace(ref))
}

// Create validates and saves a new conference.
func (s *Service) Create(ctx context.Context, c *Conference) error {
	normalize(c)
	if err := s.check(ctx, c, 0); err != nil {
		return err
	}
	return s.repo.Create(ctx, []*Conference{c})
}

// Update validates and saves changes to a stored conference.
func (s *Service) Update(ctx context.Context, c *Conference) error {
	if c.ID == 0 {
		return errors.New("conference: no conference chosen to update")
	}
	normalize(c)
	if err := s.check(ctx, c, c.ID); err != nil {
		return err
	}
	return s.repo.Update(ctx, c)
}

// Delete removes a conference and its aliases.
func (s *Service) Delete(ctx context.Context, ref string) error {
	c, err := s.Get(ctx, ref)
	if err != nil {
		return err
	}
	return s.repo.Delete(ctx, c.ID)
}

func (s *Service) check(ctx context.Context, c *Conference, exceptID int64) error {
	v := Validate(c)
	if v == nil {
		v = &ValidationError{}
	}
	names, err := s.repo.NamesTaken(ctx, []string{c.Name}, exceptID)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		v.put("name", problem.NameTaken.Errorf(problem.Args(c.Name), "a conference named %q already exists", c.Name))
	}
	taken, err := s.repo.AliasesTaken(ctx, aliasList(c), exceptID)
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		v.put("aliases", problem.AliasesTaken.Errorf(problem.Args(strings.Join(taken, ", ")), "already in use by another VMR: %s", strings.Join(taken, ", ")))
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

func aliasList(c *Conference) []string {
	out := make([]string, len(c.Aliases))
	for i, a := range c.Aliases {
		out[i] = a.Alias
	}
	return out
}

// CSVColumns are the columns ImportCSV reads; the header row names them, in
// any order. Aliases are separated by ";" or spaces.
var CSVColumns = []string{"name", "description", "aliases", "pin", "guest_pin", "allow_guests", "primary_owner_email_address"}

// RowProblem is what is wrong with one CSV row (Line counts from 1, the
// header being line 1).
type RowProblem struct {
	Line   int               `json:"line"`
	Name   string            `json:"name,omitempty"`
	Fields map[string]string `json:"fields"`
}

// ImportError lists every bad row; nothing was imported.
type ImportError struct {
	Problems []RowProblem `json:"problems"`
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "conference: %d row(s) are invalid; nothing was imported", len(e.Problems))
	for _, p := range e.Problems {
		keys := make([]string, 0, len(p.Fields))
		for k := range p.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\n  line %d, %s: %s", p.Line, k, p.Fields[k])
		}
	}
	return b.String()
}

// MaxCSVBytes bounds an import.
const MaxCSVBytes = 8 << 20

// ImportCSV creates every conference of a CSV file, or none.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader) ([]*Conference, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxCSVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("conference: reading the CSV: %w", err)
	}
	if len(data) > MaxCSVBytes {
		return nil, fmt.Errorf("conference: the CSV is larger than %d MB: split it into smaller files", MaxCSVBytes>>20)
	}
	rd := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff")))
	rd.FieldsPerRecord = -1
	// Blank lines are skipped and quoted cells may span lines, so each
	// record's line is where it starts, not its index.
	var rows [][]string
	var lines []int
	for {
		row, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("conference: the file is not valid CSV: %w", err)
		}
		line, _ := rd.FieldPos(0)
		rows, lines = append(rows, row), append(lines, line)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("conference: the CSV needs a header row (%s) and at least one VMR", strings.Join(CSVColumns, ","))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, required := range []string{"name", "aliases"} {
		if _, ok := col[required]; !ok {
			return nil, fmt.Errorf("conference: the CSV header has no %q column; columns are %s", required, strings.Join(CSVColumns, ","))
		}
	}
	cell := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	imp := &ImportError{}
	var all []*Conference
	lineOf := map[*Conference]int{}
	for n, row := range rows[1:] {
		line := lines[n+1]
		c := &Conference{
			Name: cell(row, "name"), Description: cell(row, "description"), PIN: cell(row, "pin"),
			GuestPIN: cell(row, "guest_pin"), PrimaryOwnerEmailAddress: cell(row, "primary_owner_email_address"),
		}
		for _, a := range strings.FieldsFunc(cell(row, "aliases"), func(r rune) bool { return r == ';' || r == ' ' }) {
			c.Aliases = append(c.Aliases, Alias{Alias: a})
		}
		fields := map[string]string{}
		if g := cell(row, "allow_guests"); g != "" {
			b, err := strconv.ParseBool(strings.ToLower(g))
			if err != nil {
				fields["allow_guests"] = fmt.Sprintf("%q is not true or false", g)
			}
			c.AllowGuests = b
		}
		normalize(c)
		if v := Validate(c); v != nil {
			for k, m := range v.Fields {
				fields[k] = m
			}
		}
		if len(fields) > 0 {
			imp.Problems = append(imp.Problems, RowProblem{Line: line, Name: c.Name, Fields: fields})
		}
		all = append(all, c)
		lineOf[c] = line
	}
	s.checkBatch(ctx, all, lineOf, imp)
	if len(imp.Problems) > 0 {
		sort.SliceStable(imp.Problems, func(i, j int) bool { return imp.Problems[i].Line < imp.Problems[j].Line })
		return nil, imp
	}
	if err := s.repo.Create(ctx, all); err != nil {
		return nil, fmt.Errorf("conference: nothing was imported: %w", err)
	}
	return all, nil
}

// checkBatch finds names and aliases repeated within the file or already taken.
func (s *Service) checkBatch(ctx context.Context, all []*Conference, lineOf map[*Conference]int, imp *ImportError) {
	report := func(c *Conference, field, msg string) {
		for i := range imp.Problems {
			if imp.Problems[i].Line == lineOf[c] {
				if _, ok := imp.Problems[i].Fields[field]; !ok {
					imp.Problems[i].Fields[field] = msg
				}
				return
			}
		}
		imp.Problems = append(imp.Problems, RowProblem{Line: lineOf[c], Name: c.Name, Fields: map[string]string{field: msg}})
	}
	names, aliases := map[string]int{}, map[string]int{}
	var allNames, allAliases []string
	for _, c := range all {
		key := strings.ToLower(c.Name)
		if l, dup := names[key]; dup {
			report(c, "name", fmt.Sprintf("the name is also on line %d", l))
		}
		names[key] = lineOf[c]
		allNames = append(allNames, c.Name)
		for _, a := range c.Aliases {
			k := strings.ToLower(a.Alias)
			if l, dup := aliases[k]; dup && l != lineOf[c] {
				report(c, "aliases", fmt.Sprintf("alias %q is also on line %d", a.Alias, l))
			}
			aliases[k] = lineOf[c]
			allAliases = append(allAliases, a.Alias)
		}
	}
	takenNames, err := s.repo.NamesTaken(ctx, allNames, 0)
	if err != nil {
		imp.Problems = append(imp.Problems, RowProblem{Line: 1, Fields: map[string]string{"file": err.Error()}})
		return
	}
	takenAliases, err := s.repo.AliasesTaken(ctx, allAliases, 0)
	if err != nil {
		imp.Problems = append(imp.Problems, RowProblem{Line: 1, Fields: map[string]string{"file": err.Error()}})
		return
	}
	for _, c := range all {
		for _, n := range takenNames {
			if strings.EqualFold(n, c.Name) {
				report(c, "name", fmt.Sprintf("a conference named %q already exists", c.Name))
			}
		}
		for _, a := range c.Aliases {
			for _, t := range takenAliases {
				if strings.EqualFold(t, a.Alias) {
					report(c, "aliases", fmt.Sprintf("alias %q is already in use by another VMR", a.Alias))
				}
			}
		}
	}
}
