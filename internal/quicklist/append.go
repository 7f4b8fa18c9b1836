package quicklist

import "github.com/emberkv/ember/internal/listpack"

// AppendListpack adds lp, a well-formed non-empty listpack (the caller
// validated it), as a new node at the tail, keeping it as it is: what
// Redis's quicklistAppendListpack does with each node of an RDB's
// quicklist, with no re-split and no merge. The list takes lp.
func (l *List) AppendListpack(lp []byte) {
	n := &node{lp: lp, count: listpack.Count(lp)}
	l.linkNode(l.tail, n, true)
	l.count += n.count
	l.bytes += int64(cap(lp)) + nodeOverhead
}

// AppendPlain adds v as a plain node of its own at the tail, as Redis's
// quicklistAppendPlainNode does with an RDB's PLAIN node.
func (l *List) AppendPlain(v []byte) {
	n := l.newNode(v, true)
	l.linkNode(l.tail, n, true)
	l.count++
}
