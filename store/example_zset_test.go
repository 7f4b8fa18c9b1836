package store_test

import (
	"fmt"

	"github.com/emberkv/ember/store"
)

func ExampleDB_ZAdd() {
	db := store.New(store.Options{SweepInterval: -1}).DB(0)
	db.ZAdd("board", 0, []store.ZMember{{Member: "ann", Score: 30}, {Member: "bob", Score: 10}, {Member: "cy", Score: 20}})
	top, _ := db.ZRange("board", &store.ZRangeSpec{By: store.ZByRank, Start: 0, Stop: 1, Rev: true, Count: -1})
	fmt.Println(top)
	rank, _, _, _ := db.ZRank("board", "cy", false)
	fmt.Println(rank)
	// Output:
	// [{ann 30} {cy 20}]
	// 1
}

func ExampleDB_ZRangeFunc() {
	db := store.New(store.Options{SweepInterval: -1}).DB(0)
	db.ZAdd("z", 0, []store.ZMember{{Member: "a", Score: 1}, {Member: "b", Score: 2}, {Member: "c", Score: 3}})
	r, _ := store.ParseScoreRange([]byte("(1"), []byte("+inf"))
	db.ZRangeFunc("z", &store.ZRangeSpec{By: store.ZByScore, Score: r, Count: -1},
		func(n int) { fmt.Println(n, "elements") },
		func(m []byte, s float64) { fmt.Println(string(m), s) })
	// Output:
	// 2 elements
	// b 2
	// c 3
}
