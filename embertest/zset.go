package embertest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/emberkv/ember/store"
)

// ZAdd adds member with score to the sorted set at key, or changes its
// score, as ZADD key score member. It reports whether member is new.
func (s *Server) ZAdd(key string, score float64, member string) (bool, error) {
	res, err := s.selected().ZAdd(key, 0, []store.ZMember{{Member: member, Score: score}})
	return res.Added == 1, err
}

// ZScore returns member's score in the sorted set at key: ErrKeyNotFound
// when the key or the member does not exist, store.ErrWrongType when the
// key holds another type.
func (s *Server) ZScore(key, member string) (float64, error) {
	score, ok, err := s.selected().ZScore(key, member)
	switch {
	case err != nil:
		return 0, err
	case !ok:
		return 0, ErrKeyNotFound
	}
	return score, nil
}

// ZMembers returns the members of the sorted set at key in order (lowest
// score first, ties by member), as ZRANGE key 0 -1 WITHSCORES. A missing
// key is an empty set.
func (s *Server) ZMembers(key string) ([]store.ZMember, error) {
	return s.selected().ZMembers(key)
}

// CheckZSet reports an error through t unless key, in the selected
// database, holds exactly the sorted set want (member → score). The test
// goes on, as with t.Errorf.
func (s *Server) CheckZSet(t testing.TB, key string, want map[string]float64) {
	t.Helper()
	got, err := s.ZMembers(key)
	if err != nil {
		t.Errorf("embertest: key %q: %v, want a sorted set", key, err)
		return
	}
	m := make(map[string]float64, len(got))
	for _, e := range got {
		m[e.Member] = e.Score
	}
	if len(m) != len(want) || !mapsEqual(m, want) {
		t.Errorf("embertest: key %q holds %s, want %s", key, formatZ(got), formatZMap(want))
	}
}

// CheckZSetOrdered is CheckZSet for an ordered list of members and scores,
// which also checks the order.
func (s *Server) CheckZSetOrdered(t testing.TB, key string, want []store.ZMember) {
	t.Helper()
	got, err := s.ZMembers(key)
	if err != nil {
		t.Errorf("embertest: key %q: %v, want a sorted set", key, err)
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("embertest: key %q holds %s, want %s", key, formatZ(got), formatZ(want))
	}
}

func mapsEqual(a, b map[string]float64) bool {
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func formatZ(ms []store.ZMember) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = fmt.Sprintf("%q:%v", m.Member, m.Score)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func formatZMap(m map[string]float64) string {
	ms := make([]store.ZMember, 0, len(m))
	for k, v := range m {
		ms = append(ms, store.ZMember{Member: k, Score: v})
	}
	slices.SortFunc(ms, func(a, b store.ZMember) int {
		if a.Score != b.Score {
			if a.Score < b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Member, b.Member)
	})
	return formatZ(ms)
}
