package server

import (
	"strings"

	"github.com/emberkv/ember/internal/redisnum"
	"github.com/emberkv/ember/store"
)

// SORT and SORT_RO (Redis's sort.c). Both read keys named by their BY and
// GET patterns anywhere in the database, so their rows have scopeDB: EXEC
// locks the whole database for a transaction holding one, and the store
// does the same outside MULTI whenever a pattern can name a key. Their key
// specs cannot say where STORE's key is, so getKeys finds it, as Redis's
// sortGetKeys does.
var sortCommands = []*command{
	{name: "sort", arity: -2, flags: parseFlags("write denyoom movablekeys"), acl: acl("write set sortedset list slow dangerous"), firstKey: 1, lastKey: 1, step: 1, scope: scopeDB, group: "generic", since: "1.0.0",
		summary: "Sorts a list, set or sorted set, optionally by weights read from other keys, and answers or stores the result.", handler: cmdSort, getKeys: sortGetKeys},
	{name: "sort_ro", arity: -2, flags: parseFlags("readonly movablekeys"), acl: acl("read set sortedset list slow dangerous"), firstKey: 1, lastKey: 1, step: 1, scope: scopeDB, group: "generic", since: "7.0.0",
		summary: "Sorts a list, set or sorted set like SORT, without STORE.", handler: cmdSortRO, getKeys: sortROGetKeys},
}

func cmdSort(c *client, args [][]byte)   { sortGeneric(c, args, false) }
func cmdSortRO(c *client, args [][]byte) { sortGeneric(c, args, true) }

// sortGeneric parses SORT's SQL-like options as sortCommandGeneric does:
// in any order, the last of a repeated option winning (GET adds up), and
// a syntax error for anything else, STORE included in SORT_RO.
func sortGeneric(c *client, args [][]byte, readonly bool) {
	opt := store.SortOptions{Count: -1}
	var dst []byte
	hasStore := false
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		switch a := args[j]; {
		case strings.EqualFold(string(a), "asc"):
			opt.Desc = false
		case strings.EqualFold(string(a), "desc"):
			opt.Desc = true
		case strings.EqualFold(string(a), "alpha"):
			opt.Alpha = true
		case strings.EqualFold(string(a), "limit") && left >= 2:
			off, ok1 := redisnum.ParseInt(args[j+1])
			cnt, ok2 := redisnum.ParseInt(args[j+2])
			if !ok1 || !ok2 {
				c.w.error(errNotInteger)
				return
			}
			opt.Offset, opt.Count = off, cnt
			j += 2
		case !readonly && strings.EqualFold(string(a), "store") && left >= 1:
			dst, hasStore = args[j+1], true
			j++
		case strings.EqualFold(string(a), "by") && left >= 1:
			opt.By, opt.HasBy = args[j+1], true
			j++
		case strings.EqualFold(string(a), "get") && left >= 1:
			opt.Get = append(opt.Get, args[j+1])
			j++
		default:
			c.w.error(errSyntax)
			return
		}
	}
	if hasStore {
		existed := c.notifyStoreBefore(dst)
		n, err := c.db.SortStore(keyOf(args[1]), &opt, keyOf(dst))
		c.notifyStore(nkList, "sortstore", dst, n, existed, err)
		c.writeStoreResult(n, err)
		return
	}
	err := c.db.Sort(keyOf(args[1]), &opt, c.w.array, func(v []byte, ok bool) {
		if ok {
			c.w.bulk(v)
		} else {
			c.w.null()
		}
	})
	if err != nil {
		c.storeError(err)
	}
}

// sortGetKeys is Redis's: the sorted key, then the key of the last STORE.
// Options are skipped with their arguments (LIMIT 2, GET and BY 1), STORE
// without its own, exactly as Redis scans them.
func sortGetKeys(args [][]byte) []foundKey {
	keys := []foundKey{{pos: 1, flags: "RO access"}}
	store := 0
	skips := []struct {
		name string
		skip int
	}{{"limit", 2}, {"get", 1}, {"by", 1}}
	for i := 2; i < len(args); i++ {
		for _, s := range skips {
			if strings.EqualFold(string(args[i]), s.name) {
				i += s.skip
				break
			} else if strings.EqualFold(string(args[i]), "store") && i+1 < len(args) {
				store = i + 1
				break
			}
		}
	}
	if store > 0 {
		keys = append(keys, foundKey{pos: store, flags: "OW update"})
	}
	return keys
}

// sortROGetKeys is Redis's: only the sorted key.
func sortROGetKeys(args [][]byte) []foundKey {
	return []foundKey{{pos: 1, flags: "RO access"}}
}
