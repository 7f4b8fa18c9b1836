package store_test

import (
	"fmt"

	"github.com/emberkv/ember/store"
)

func ExampleDB_RPush() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.RPush("queue", []byte("a"), []byte("b"))
	n, _ := db.LPush("queue", []byte("first"))
	all, _ := db.LRange("queue", 0, -1)
	fmt.Println(n)
	fmt.Printf("%s\n", all)
	// Output:
	// 3
	// [first a b]
}

func ExampleDB_LMove() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.RPush("todo", []byte("write"), []byte("test"))
	// A reliable queue: the job moves to "doing" in one atomic step.
	job, ok, _ := db.LMove("todo", "doing", store.ListLeft, store.ListRight)
	doing, _ := db.LRange("doing", 0, -1)
	fmt.Printf("%s %v %s\n", job, ok, doing)
	// Output: write true [write]
}

func ExampleDB_LRangeFunc() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.RPush("l", []byte("a"), []byte("12"), []byte("c"))
	// The server writes a reply this way: no copy of each element.
	db.LRangeFunc("l", 0, -1, func(n int) { fmt.Println(n, "elements") }, func(v []byte) { fmt.Printf("%s\n", v) })
	// Output:
	// 3 elements
	// a
	// 12
	// c
}

func ExampleDB_LPos() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.RPush("l", []byte("a"), []byte("b"), []byte("a"), []byte("a"))
	// LPOS l a RANK -1 COUNT 2: the last two matches, from the tail.
	pos, _ := db.LPos("l", []byte("a"), store.LPosOptions{Rank: -1, Count: 2})
	fmt.Println(pos)
	// Output: [3 2]
}
