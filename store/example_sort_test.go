package store_test

import (
	"fmt"

	"github.com/emberkv/ember/store"
)

func ExampleDB_Sort() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.RPush("users", []byte("1"), []byte("2"), []byte("3"))
	db.Set("age_1", []byte("42"), store.SetOptions{})
	db.Set("age_2", []byte("7"), store.SetOptions{})
	db.Set("age_3", []byte("19"), store.SetOptions{})
	// SORT users BY age_* DESC GET # GET age_*
	opt := &store.SortOptions{By: []byte("age_*"), HasBy: true, Desc: true, Count: -1,
		Get: [][]byte{[]byte("#"), []byte("age_*")}}
	db.Sort("users", opt, func(n int) { fmt.Println(n, "replies") }, func(v []byte, ok bool) {
		fmt.Printf("%s ", v)
	})
	fmt.Println()
	// Output:
	// 6 replies
	// 1 42 3 19 2 7
}

func ExampleDB_SortStore() {
	s := store.New(store.Options{})
	defer s.Close()
	db := s.DB(0)
	db.SAdd("tags", []byte("go"), []byte("c"), []byte("rust"))
	n, _ := db.SortStore("tags", &store.SortOptions{Alpha: true, Count: -1}, "sorted")
	all, _ := db.LRange("sorted", 0, -1)
	fmt.Println(n)
	fmt.Printf("%s\n", all)
	// Output:
	// 3
	// [c go rust]
}
